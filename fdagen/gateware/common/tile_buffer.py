"""The double-buffered tile memory between the two passes of a 2-D transform, and the per-tile
latching of run-time schedules.

:class:`TileBuffer` holds two banks of ``words`` words (``lib.memory``). The writer fills one
bank in any address order it likes; when it writes a tile's last word the bank is full and
the writer moves to the other bank. The reader streams a full bank out in any address order
(it supplies the address and says which fetch is the tile's last; ``read_schedule`` is the
schedule of the bank it reads); fetched words land in a small FIFO, so the memory's output
meets only registers. A schedule value captured with a tile's first written word travels with the tile, word by word, to the
read side.

:class:`TileSchedules` latches schedule ports with each tile's first input sample and queues
them per tile, so a tile is always transformed with one set of schedules however the ports
change while it is in flight.
"""

from amaranth import Array, Cat, Const, Elaboratable, Module, Mux, Signal, unsigned
from amaranth.lib import data
from amaranth.lib.fifo import SyncFIFO

from fdagen.gateware.common.ram import ram

__all__ = ["TileBuffer", "TileSchedules"]


class TileBuffer(Elaboratable):
    """Two banks of ``words`` words of ``shape``; see the module docstring.

    Write side: ``write_ready`` (out); ``write_en`` (a word passes),
    ``write_keep`` (store it; default 1), ``write_addr``, ``write_data``, ``write_first`` and
    ``write_last`` (with ``write_en``: the tile's first / last word), ``write_schedule``
    (captured with the first word).
    Read side: ``read_addr``, ``read_last`` and ``read_tag`` (in, for the next fetch; the tag is
    any per-word sideband of the reader's), ``fetch`` (out: a word is read this cycle; advance
    the read counters), ``out_valid``/``out_ready``/``out_data`` (a stream), ``out_schedule``
    and ``out_tag`` (the schedule and the tag of the word on ``out_data``).
    """

    #: Depth of the FIFO that fetched words land in.
    LANDING = 4

    def __init__(self, shape, words, schedule_width=1, tag_width=1):
        self.words = words
        self.write_ready = Signal()
        self.write_en = Signal()
        self.write_keep = Signal(init=1)
        self.write_addr = Signal(range(words))
        self.write_data = Signal(shape)
        self.write_first = Signal()
        self.write_last = Signal()
        self.write_schedule = Signal(schedule_width)
        self.read_addr = Signal(range(words))
        self.read_last = Signal()
        self.read_tag = Signal(tag_width)
        self.read_schedule = Signal(schedule_width)
        self.fetch = Signal()
        self.out_valid = Signal()
        self.out_ready = Signal()
        self.out_data = Signal(shape)
        self.out_schedule = Signal(schedule_width)
        self.out_tag = Signal(tag_width)

    def elaborate(self, platform):
        m = Module()
        words = self.words
        # a bank is written while not full and read while full: no read meets a write
        m.submodules.memory = mem = ram(self.write_data.shape(), 2 * words,
                                        read_old_data=False)
        write = mem.write_port()
        read = mem.read_port()
        full = Signal(2)
        write_bank = Signal()
        read_bank = Signal()
        schedules = [Signal.like(self.write_schedule, name=f"schedule_bank{b}")
                     for b in range(2)]

        written = self.write_en & self.write_ready
        m.d.comb += [
            self.write_ready.eq(~full.bit_select(write_bank, 1)),
            write.addr.eq(Mux(write_bank, words, 0) + self.write_addr),
            write.data.eq(self.write_data),
            write.en.eq(written & self.write_keep),
        ]
        for bank in range(2):
            with m.If(written & self.write_first & (write_bank == bank)):
                m.d.sync += schedules[bank].eq(self.write_schedule)
        with m.If(written & self.write_last):
            m.d.sync += write_bank.eq(~write_bank)

        # Read side: a fetched word (with its tile's schedule and the reader's tag) goes into a
        # register the cycle after the fetch, then into a small FIFO, so the block RAM's slow
        # clock-to-out meets only a flip-flop. A fetch is issued when its slot in the FIFO is
        # sure: ``landing_held`` counts the words fetched and not yet taken out (the FIFO's
        # level plus the two in flight), a register, so that the consumer's ready (which may
        # depend on the word at the FIFO's head) is not in the fetch's path; with two in
        # flight, one word per clock in steady state.
        entry = data.StructLayout({"word": self.write_data.shape(),
                                   "schedule": unsigned(len(self.write_schedule)),
                                   "tag": unsigned(len(self.read_tag))})
        m.submodules.landing = landing = SyncFIFO(width=entry.size, depth=self.LANDING)
        fetched = Signal()               # read.data holds a fetched word now
        landed = Signal()                # ... and it has moved to this register
        fetched_schedule = Signal.like(self.write_schedule)
        fetched_tag = Signal.like(self.read_tag)
        landed_entry = Signal(entry, reset_less=True)   # valid by ``landed``
        popped = landing.r_rdy & landing.r_en
        held = Signal(range(self.LANDING + 1), name="landing_held")
        m.d.sync += held.eq(held + self.fetch - popped)
        m.d.comb += [
            self.read_schedule.eq(Mux(read_bank, schedules[1], schedules[0])),
            self.fetch.eq(full.bit_select(read_bank, 1) & (held < self.LANDING)),
            read.addr.eq(Mux(read_bank, words, 0) + self.read_addr),
            read.en.eq(self.fetch),
            landing.w_en.eq(landed),
            landing.w_data.eq(landed_entry),
            self.out_valid.eq(landing.r_rdy),
            landing.r_en.eq(self.out_ready),
            self.out_data.eq(data.View(entry, landing.r_data).word),
            self.out_schedule.eq(data.View(entry, landing.r_data).schedule),
            self.out_tag.eq(data.View(entry, landing.r_data).tag),
        ]
        m.d.sync += [fetched.eq(self.fetch), landed.eq(fetched),
                     landed_entry.eq(Cat(read.data, fetched_schedule, fetched_tag))]
        with m.If(self.fetch):
            m.d.sync += [fetched_schedule.eq(self.read_schedule),
                         fetched_tag.eq(self.read_tag)]
            with m.If(self.read_last):
                m.d.sync += read_bank.eq(~read_bank)

        set_full = Mux(written & self.write_last, Mux(write_bank, 0b10, 0b01), 0)
        clear_full = Mux(self.fetch & self.read_last, Mux(read_bank, 0b10, 0b01), 0)
        m.d.sync += full.eq((full | set_full) & ~clear_full)
        return m


class TileSchedules(Elaboratable):
    """Latch ``ports`` (schedule values) with the first accepted sample of each tile.

    ``accepted`` pulses per input sample of ``samples``-sample tiles; with ``length`` (the index
    of a port holding a run-time length shift), ``samples`` is a sequence, the tile size at
    each value of that port. ``now[k]`` is port ``k``'s
    value for the sample being accepted (the port itself on a tile's first sample). The values
    of every tile also go into a queue (``lib.fifo``) of ``depth`` tiles; ``tile[k]`` is the
    head, the values of the oldest tile whose writer has not started, and ``writer_start``
    (pulsed when the next pass's writer takes a tile's first word) pops it. ``depth`` must
    exceed the number of tiles that can be between the input and that writer, which
    :meth:`depth_for` derives from the first pass's capacity.
    """

    @staticmethod
    def depth_for(capacity, samples):
        """Queue depth for a first pass holding at most ``capacity`` samples (of tiles of at
        least ``samples`` samples)."""
        return -(-capacity // samples) + 2

    def __init__(self, ports, samples, depth, length=None):
        self.ports = ports
        self.samples = list(samples) if length is not None else [samples]
        self.length = length
        self.depth = depth
        self.accepted = Signal()
        self.writer_start = Signal()
        self.now = [Signal.like(port, name=f"now{k}") for k, port in enumerate(ports)]
        self.tile = [Signal.like(port, name=f"tile{k}") for k, port in enumerate(ports)]

    def elaborate(self, platform):
        m = Module()
        widths = [len(port) for port in self.ports]
        m.submodules.queue = queue = SyncFIFO(width=sum(widths), depth=self.depth)
        count = Signal(range(max(self.samples)))
        # count == 0, kept in a register: the core's input handshake decides from ``now``
        first = Signal(init=1, name="at_first")
        current = Signal(sum(widths))
        final = Const(self.samples[0] - 1, range(max(self.samples)))
        if self.length is not None:
            final = Array(Const(size - 1, range(max(self.samples))) for size in self.samples)[
                self.now[self.length]]
        with m.If(self.accepted):
            m.d.sync += [count.eq(Mux(count == final, 0, count + 1)), first.eq(count == final)]
            with m.If(first):
                m.d.sync += current.eq(Cat(*self.ports))
        # The queue takes a tile's values a clock after its first sample, from ``current``
        # and a registered push: the input handshake ends at registers, not in the queue's
        # level. The tile's writer starts after the first pass, many clocks later.
        push = Signal(name="queue_push")
        m.d.sync += push.eq(self.accepted & first)
        m.d.comb += [
            queue.w_data.eq(current),
            queue.w_en.eq(push),
            queue.r_en.eq(self.writer_start),
        ]
        low = 0
        for k, (port, width) in enumerate(zip(self.ports, widths)):
            m.d.comb += [
                self.now[k].eq(Mux(first, port, current[low:low + width])),
                self.tile[k].eq(queue.r_data[low:low + width]),
            ]
            low += width
        return m
