"""The bridge's message sender: credits, output beats, counters and errors to the host.

It writes the device-to-host messages of :mod:`fdagen.arch.bridge`, one at a time, onto the
byte stream ``data`` (to the UART transmitter): a message is loaded whole into a shift register
(tag byte first) and shifted out a byte per transfer. When idle it picks, in this order:

1. ``TAG_ERROR, flags`` when any ``errors`` pulse came since the last one (flags or'ed);
2. ``TAG_CREDIT + s, n`` for the lowest input stream ``s`` with ``n > 0`` beats taken since its
   last credit (``taken[s]`` pulses count them, also while a message goes out): credits go first so
   the host keeps the input FIFOs fed;
3. ``TAG_COUNTERS, value + last`` from ``counters`` (taking the beat);
4. ``TAG_OUT, value + last`` from ``out`` (taking the beat).

A stream's untold count never exceeds the bridge's FIFO depth (the host holds back whatever it
has no credit for), so ``depth <= 255`` keeps it in one byte. ``out`` and ``counters`` wait
while a message goes out: the accelerator sees backpressure, nothing is lost.
"""

from amaranth import Cat, Const, Module, Mux, Signal, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.bridge import (ERROR_FLAGS, TAG_COUNTERS, TAG_CREDIT, TAG_ERROR, TAG_OUT,
                                beat_bytes)

__all__ = ["MessageSender"]


class MessageSender(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    out_shape, counter_shape : shape-castable
        Payloads of the accelerator's ``out`` and ``counters`` streams.
    inputs : int
        Input streams whose credits it counts.
    depth : int
        Input FIFO depth, 1..255 (bounds each credit count).

    Members
    -------
    out, counters : In(stream.Signature(...))
        The accelerator's output streams.
    taken : In(inputs)
        Bit ``s`` high: the accelerator took a beat of input stream ``s`` this clock.
    errors : In(8)
        Error flag pulses (:data:`fdagen.arch.bridge.ERROR_FLAGS`).
    data : Out(stream.Signature(unsigned(8)))
        Bytes to the host.
    """

    def __init__(self, out_shape, counter_shape, inputs, depth):
        if not 1 <= depth <= 255:
            raise ValueError(f"depth must be between 1 and 255, not {depth!r}")
        self._inputs, self._depth = inputs, depth
        super().__init__({
            "out": In(stream.Signature(out_shape)),
            "counters": In(stream.Signature(counter_shape)),
            "taken": In(inputs),
            "errors": In(8),
            "data": Out(stream.Signature(unsigned(8))),
        })

    def elaborate(self, platform):
        m = Module()
        out_bits = len(self.out.payload.as_value())
        counter_bits = len(self.counters.payload.as_value())
        payload_bytes = max(beat_bytes(out_bits), beat_bytes(counter_bits), 1)
        message = Signal(8 * (1 + payload_bytes), name="message")
        bytes_left = Signal(range(payload_bytes + 2), name="message_bytes_left")
        pending_errors = Signal(8, name="pending_errors")
        untold = [Signal(range(self._depth + 1), name=f"untold_credit{s}")
                  for s in range(self._inputs)]
        m.d.comb += [self.data.valid.eq(bytes_left != 0), self.data.payload.eq(message[:8])]
        with m.If(self.data.valid & self.data.ready):
            m.d.sync += [message.eq(message >> 8), bytes_left.eq(bytes_left - 1)]

        idle = bytes_left == 0
        sent_credit = Signal(range(self._inputs + 1), name="sent_credit")  # inputs: none
        m.d.comb += sent_credit.eq(self._inputs)
        new_errors = Signal(8, name="new_errors")
        m.d.comb += new_errors.eq(self.errors & sum(ERROR_FLAGS))
        with m.If(idle):
            with m.If(pending_errors != 0):
                m.d.sync += [message.eq(Cat(Const(TAG_ERROR, 8), pending_errors)),
                             bytes_left.eq(2), pending_errors.eq(new_errors)]
            with m.Else():
                m.d.sync += pending_errors.eq(new_errors)
                chosen = False
                for s, count in enumerate(untold):
                    branch = m.Elif if chosen else m.If
                    chosen = True
                    with branch(count != 0):
                        m.d.comb += sent_credit.eq(s)
                        m.d.sync += [message.eq(Cat(Const(TAG_CREDIT + s, 8), count)),
                                     bytes_left.eq(2)]
                with m.Elif(self.counters.valid):
                    m.d.comb += self.counters.ready.eq(1)
                    m.d.sync += [message.eq(Cat(Const(TAG_COUNTERS, 8),
                                                self.counters.payload.as_value())),
                                 bytes_left.eq(1 + beat_bytes(counter_bits))]
                with m.Elif(self.out.valid):
                    m.d.comb += self.out.ready.eq(1)
                    m.d.sync += [message.eq(Cat(Const(TAG_OUT, 8), self.out.payload.as_value())),
                                 bytes_left.eq(1 + beat_bytes(out_bits))]
        with m.Else():
            m.d.sync += pending_errors.eq(pending_errors | new_errors)
        for s, count in enumerate(untold):
            told = Signal(range(self._depth + 1), name=f"told_credit{s}")
            m.d.comb += told.eq(Mux(sent_credit == s, count, 0))
            m.d.sync += count.eq(count - told + self.taken[s])
        return m

