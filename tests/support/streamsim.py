"""One amaranth.sim harness for stream components: a source with random input gaps, a sink
with random (or patterned) backpressure, a check that nothing extra comes out, and the
collision watch on the component's hand-over buffers (:mod:`support.collisions`)."""

from amaranth.sim import Simulator
from support.collisions import CollisionWatch


def run_stream(dut, words, expected, rng, drive, take, *, gaps=0.0, stalls=0.0,
               max_cycles=None, quiet=0):
    """Feed ``words`` into ``dut.i`` and collect ``expected`` outputs from ``dut.o``.

    ``drive(ctx, index, word)`` sets the payload (and any side ports) for word ``index``;
    ``take(payload)`` turns an output payload into a comparable value. ``stalls`` is a
    probability or a function of the sink's cycle (True: not ready). After the expected outputs
    the sink waits ``quiet`` more cycles and fails if any further output appears. Returns the
    outputs and the cycle at which each was taken.
    """
    outputs, cycles_taken = [], []
    max_cycles = max_cycles or 40 * max(expected, 1) + 2000

    async def source(ctx):
        for index, word in enumerate(words):
            while rng.random() < gaps:
                ctx.set(dut.i.valid, 0)
                await ctx.tick()
            ctx.set(dut.i.valid, 1)
            drive(ctx, index, word)
            await ctx.tick().until(dut.i.ready)
        ctx.set(dut.i.valid, 0)

    async def sink(ctx):
        cycle = 0
        while len(outputs) < expected and cycle < max_cycles:
            ready = int(not stalls(cycle) if callable(stalls) else rng.random() >= stalls)
            ctx.set(dut.o.ready, ready)
            await ctx.delay(1e-9)           # let the combinational outputs settle
            if ready and ctx.get(dut.o.valid):
                outputs.append(take(ctx.get(dut.o.payload)))
                cycles_taken.append(cycle)
            await ctx.tick()
            cycle += 1
        ctx.set(dut.o.ready, 0)
        for _ in range(quiet):
            await ctx.tick()
            assert not ctx.get(dut.o.valid), "the block produced more outputs than it was given"

    watch = CollisionWatch(dut)
    sim = Simulator(watch)
    sim.add_clock(1e-6)
    sim.add_testbench(source, background=True)
    sim.add_testbench(watch.watch, background=True)
    sim.add_testbench(sink)
    sim.run()
    watch.check(required=False)
    return outputs, cycles_taken
