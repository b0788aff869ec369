"""A fixed-latency memory read turned into a valid/ready stream with backpressure.

The owner issues a read (``issue``) only while ``can_issue`` is high and presents the read's
result on ``data`` exactly ``latency`` cycles later; :class:`ReadStream` queues it in a
``lib.fifo.SyncFIFO`` deep enough for every read in flight, so the reader runs at one word per
clock when the consumer takes one per clock, and stalls without loss when it does not.
"""

from amaranth import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from fdagen.golden.checks import ParameterError

__all__ = ["ReadStream"]


class ReadStream(wiring.Component):
    """Queue for reads issued ``latency`` cycles before their data (see the module docstring).

    Members
    -------
    issue : ``In(1)``
        A read is issued this cycle (only while ``can_issue``).
    can_issue : ``Out(1)``
        Room for one more read, counting those in flight.
    data : ``In(shape)``
        The result of the read issued ``latency`` cycles ago.
    o : ``Out(stream.Signature(shape))``
    """

    def __init__(self, shape, latency):
        if latency < 1:
            raise ParameterError(f"read latency must be at least 1, not {latency}")
        self._shape, self._latency = shape, latency
        super().__init__({"issue": In(1), "can_issue": Out(1), "data": In(shape),
                          "o": Out(stream.Signature(shape))})

    def elaborate(self, platform):
        m = Module()
        # the reads in flight, the word being taken, and one more: ``can_issue`` below counts
        # an issue in the clock it is set in, whether or not one comes, and not its take
        depth = self._latency + 3
        m.submodules.fifo = fifo = SyncFIFO(width=len(self.data.as_value()), depth=depth)
        flight = [Signal(name=f"flight{i}") for i in range(self._latency)]
        m.d.sync += flight[0].eq(self.issue)
        for i in range(1, self._latency):
            m.d.sync += flight[i].eq(flight[i - 1])
        # Words held: the queue's level plus the reads in flight, kept in one register (it
        # rises with each issue and falls with each word taken, as their sum does: a word in
        # flight always finds room). ``can_issue`` is a register of its own, set where the count
        # with an issue in this clock, whether or not there is one, and without its take is
        # below the depth (a word taken now only frees room a clock late), so that neither the
        # owner's issue nor the consumer's ready is in the flag's path and the issue logic
        # starts at a flip-flop; at one word a clock the count stays at the latency plus one,
        # below the depth less one, so a steady stream never waits for it.
        held = Signal(range(depth + 1), name="held")
        room = Signal(init=1, name="room")
        m.d.sync += [held.eq(held + self.issue - (self.o.valid & self.o.ready)),
                     room.eq(held + 1 < depth)]
        m.d.comb += [
            self.can_issue.eq(room),
            fifo.w_en.eq(flight[-1]),
            fifo.w_data.eq(self.data),
            self.o.valid.eq(fifo.r_rdy),
            self.o.payload.eq(fifo.r_data),
            fifo.r_en.eq(self.o.ready),
        ]
        return m
