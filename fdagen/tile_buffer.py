"""The double-buffered tile memory between the two passes of a 2-D transform, and the per-tile
latching of run-time schedules.

:class:`TileBuffer` holds two banks of ``words`` words (``lib.memory``). The writer fills one
bank in any address order it likes; when it writes a tile's last word the bank is full and
the writer moves to the other bank. The reader streams a full bank out in any address order
(it supplies the address and says which fetch is the tile's last), through the read port's
own register, which holds its data while the stream stalls. A schedule value captured with a
tile's first written word travels with the tile to the read side.

:class:`TileSchedules` latches schedule ports with each tile's first input sample, so a tile is
always transformed with one set of schedules however the ports change while it is in flight.
"""

from amaranth import Elaboratable, Module, Mux, Signal
from amaranth.lib import memory

__all__ = ["TileBuffer", "TileSchedules"]


class TileBuffer(Elaboratable):
    """Two banks of ``words`` words of ``shape``; see the module docstring.

    Write side: ``write_ready`` and ``write_bank`` (out); ``write_en`` (a word passes),
    ``write_keep`` (store it; default 1), ``write_addr``, ``write_data``, ``write_first`` and
    ``write_last`` (with ``write_en``: the tile's first / last word), ``write_schedule``
    (captured with the first word).
    Read side: ``read_addr`` and ``read_last`` (in, for the next fetch), ``fetch`` (out: a word
    is read this cycle; advance the read counters), ``out_valid``/``out_ready``/``out_data``
    (a stream), ``out_schedule`` (the schedule of the word on ``out_data``).
    """

    def __init__(self, shape, words, schedule_width=1):
        self.words = words
        self.write_ready = Signal()
        self.write_bank = Signal()
        self.write_en = Signal()
        self.write_keep = Signal(init=1)
        self.write_addr = Signal(range(words))
        self.write_data = Signal(shape)
        self.write_first = Signal()
        self.write_last = Signal()
        self.write_schedule = Signal(schedule_width)
        self.read_addr = Signal(range(words))
        self.read_last = Signal()
        self.fetch = Signal()
        self.out_valid = Signal()
        self.out_ready = Signal()
        self.out_data = Signal(shape)
        self.out_schedule = Signal(schedule_width)

    def elaborate(self, platform):
        m = Module()
        words = self.words
        m.submodules.memory = mem = memory.Memory(shape=self.write_data.shape(),
                                                  depth=2 * words, init=[])
        write = mem.write_port()
        read = mem.read_port()
        full = Signal(2)
        write_bank = self.write_bank
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

        m.d.comb += [
            self.fetch.eq(full.bit_select(read_bank, 1) & (~self.out_valid | self.out_ready)),
            read.addr.eq(Mux(read_bank, words, 0) + self.read_addr),
            read.en.eq(self.fetch),
            self.out_data.eq(read.data),
        ]
        fetched_bank = Signal()
        with m.If(self.fetch):
            m.d.sync += [self.out_valid.eq(1), fetched_bank.eq(read_bank)]
            with m.If(self.read_last):
                m.d.sync += read_bank.eq(~read_bank)
        with m.Elif(self.out_ready):
            m.d.sync += self.out_valid.eq(0)
        m.d.comb += self.out_schedule.eq(Mux(fetched_bank, schedules[1], schedules[0]))

        set_full = Mux(written & self.write_last, Mux(write_bank, 0b10, 0b01), 0)
        clear_full = Mux(self.fetch & self.read_last, Mux(read_bank, 0b10, 0b01), 0)
        m.d.sync += full.eq((full | set_full) & ~clear_full)
        return m


class TileSchedules(Elaboratable):
    """Latch ``ports`` (schedule values) with the first accepted sample of each tile.

    ``accepted`` pulses per input sample of ``samples``-sample tiles. ``now[k]`` is port ``k``'s
    value for the sample being accepted (the port itself on a tile's first sample);
    ``tile[k]`` is the value latched for the tile that the writer of the next pass starts next
    (tiles alternate between two latches, as they alternate between two buffer banks).
    """

    def __init__(self, ports, samples):
        self.ports = ports
        self.samples = samples
        self.accepted = Signal()
        self.now = [Signal.like(port, name=f"now{k}") for k, port in enumerate(ports)]
        self.writer_bank = Signal()
        self.tile = [Signal.like(port, name=f"tile{k}") for k, port in enumerate(ports)]

    def elaborate(self, platform):
        m = Module()
        count = Signal(range(self.samples))
        bank = Signal()
        first = count == 0
        with m.If(self.accepted):
            m.d.sync += count.eq(Mux(count == self.samples - 1, 0, count + 1))
            with m.If(count == self.samples - 1):
                m.d.sync += bank.eq(~bank)
        for k, port in enumerate(self.ports):
            latches = [Signal.like(port, name=f"latch{k}_{b}") for b in range(2)]
            for b in range(2):
                with m.If(self.accepted & first & (bank == b)):
                    m.d.sync += latches[b].eq(port)
            m.d.comb += [
                self.now[k].eq(Mux(first, port, Mux(bank, latches[1], latches[0]))),
                self.tile[k].eq(Mux(self.writer_bank, latches[1], latches[0])),
            ]
        return m
