"""A UART transmitter (8N1) with a byte stream in.

Each byte taken from ``data`` goes out as a start bit (low), eight data bits LSB first and one
stop bit (high), every bit ``divisor`` clocks long; ``tx`` idles high. ``data.ready`` is high
exactly when the transmitter is idle, so a byte offered then starts on the next clock and bytes
offered back to back leave no idle time between stop and start bits. ``tx`` comes straight from
a register (no glitches on the pin).
"""

from amaranth import Cat, Const, Module, Signal, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.bridge import MAX_DIVISOR
from fdagen.golden.checks import check_int

__all__ = ["UARTTransmitter"]


class UARTTransmitter(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    divisor : int
        Clocks per bit, at least 4 (like the receiver's, though the transmitter would work
        with fewer).

    Members
    -------
    data : In(stream.Signature(unsigned(8)))
        Bytes to send.
    tx : Out(1)
        The line (idle high).
    """

    def __init__(self, divisor):
        self._divisor = check_int("UART divisor", divisor, 4, MAX_DIVISOR)
        super().__init__({
            "data": In(stream.Signature(unsigned(8))),
            "tx": Out(1, init=1),
        })

    @property
    def divisor(self):
        return self._divisor

    def elaborate(self, platform):
        m = Module()
        divisor = self._divisor
        frame = Signal(10, init=(1 << 10) - 1, name="tx_frame")    # bit 0 is on the line
        bits_left = Signal(range(11), name="tx_bits_left")
        timer = Signal(range(divisor), name="tx_timer")
        m.d.comb += [self.tx.eq(frame[0]), self.data.ready.eq(bits_left == 0)]
        with m.If(bits_left == 0):
            with m.If(self.data.valid):
                m.d.sync += [frame.eq(Cat(Const(0, 1), self.data.payload, Const(1, 1))),
                             bits_left.eq(10), timer.eq(divisor - 1)]
        with m.Elif(timer != 0):
            m.d.sync += timer.eq(timer - 1)
        with m.Else():
            m.d.sync += [frame.eq(Cat(frame[1:], Const(1, 1))), bits_left.eq(bits_left - 1),
                         timer.eq(divisor - 1)]
        return m
