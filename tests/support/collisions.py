"""A simulation watch on the memories that promise never to read a word in the clock it is
written (:func:`fdagen.gateware.common.ram.ram` with ``read_old_data=False``, which Yosys then
builds without collision logic).

:class:`CollisionWatch` wraps a design for :class:`amaranth.sim.Simulator`: it elaborates the
design inside :func:`~fdagen.gateware.common.ram.collision_free_rams` and adds one flag per
(memory, write port, read port) that is high in a clock where both ports are enabled at one
address. :meth:`CollisionWatch.watch` is a background testbench that records every such clock;
:meth:`CollisionWatch.check` raises if there was one. The check is stricter than the promise
(a read whose word is then not used also counts), so it cannot pass where the promise fails.
"""

from amaranth import Cat, Elaboratable, Fragment, Module, Signal

from fdagen.gateware.common.ram import collision_free_rams

__all__ = ["CollisionWatch"]


class CollisionWatch(Elaboratable):
    """``design`` (an elaboratable) with its collision flags; simulate this in its place."""

    def __init__(self, design):
        self.design = design
        self.flags = None           # Signal, one bit per port pair, set by elaborate()
        self.pairs = []             # (the memory's source location, write, read) per bit
        self.seen = []              # (clock, bit) per collision the watch saw

    def elaborate(self, platform):
        m = Module()
        with collision_free_rams() as rams:
            m.submodules.design = Fragment.get(self.design, platform)
        terms = []
        for mem in rams:
            where = "{}:{}".format(*mem.src_loc)
            for w, write in enumerate(mem.write_ports):
                for r, read in enumerate(mem.read_ports):
                    terms.append(write.en.any() & read.en & (write.addr == read.addr))
                    self.pairs.append((where, w, r))
        self.flags = Signal(max(1, len(terms)), name="ram_collisions")
        m.d.comb += self.flags.eq(Cat(*terms) if terms else 0)
        return m

    async def watch(self, ctx):
        """Background testbench: note every clock edge at which a flag is high."""
        clock = 0
        async for _, _, flags in ctx.tick().sample(self.flags):
            if flags:
                self.seen += [(clock, bit) for bit in range(len(self.pairs)) if flags >> bit & 1]
            clock += 1

    def check(self, required=True):
        """Raise AssertionError naming the first collisions, if the watch saw any (and, when
        ``required``, if the design has no memory to watch)."""
        if required and not self.pairs:
            raise AssertionError("no collision-free memory in the design to watch")
        if self.seen:
            shown = "; ".join(f"clock {clock}: {self.pairs[bit][0]} write port "
                              f"{self.pairs[bit][1]}, read port {self.pairs[bit][2]}"
                              for clock, bit in self.seen[:5])
            raise AssertionError(f"{len(self.seen)} reads met a write of the same word in "
                                 f"memories made with read_old_data=False: {shown}")
