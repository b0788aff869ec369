"""A UART receiver (8N1) with a byte stream out.

Line format: idle high; a start bit (low), eight data bits LSB first, one stop bit (high);
every bit ``divisor`` clocks long. No parity.

Sampling: the ``rx`` pin goes through a two-flip-flop synchroniser (it is asynchronous to the
clock). A low sample while idle starts a byte; ``divisor // 2`` clocks later, in the middle of
the start bit, the line must still be low (else it was a glitch and the receiver goes back to
idle), and then each data bit and the stop bit are sampled ``divisor`` clocks apart, in their
middles. The two synchroniser clocks delay every sample alike, so they shift nothing.

Errors, each a one-clock pulse, the byte dropped:

``framing_error``
    The stop bit was sampled low (noise, a wrong baud rate, or a break). The receiver then
    waits for the line to go high before it looks for the next start bit, so a line held low
    yields one framing error, not a stream of zero bytes.
``overrun``
    A byte was complete while the previous one was still offered on ``data`` (not taken).
    The new byte is dropped; the old one stays offered.

A line held low for at least ``break_clocks`` clocks is a break: ``line_break`` pulses when the
line returns high (after the framing error of the byte it cut).
"""

from amaranth import Module, Signal, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.bridge import MAX_DIVISOR
from fdagen.golden.checks import check_int

__all__ = ["UARTReceiver"]


class UARTReceiver(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    divisor : int
        Clocks per bit, at least 4.
    break_clocks : int or None
        Clocks low that make a break (default: 24 bit times).

    Members
    -------
    rx : In(1)
        The line (asynchronous; idle high).
    data : Out(stream.Signature(unsigned(8)))
        Received bytes; a byte stays offered until taken.
    framing_error, overrun, line_break : Out(1)
        One-clock pulses (see the module docstring).
    """

    def __init__(self, divisor, break_clocks=None):
        self._divisor = check_int("UART divisor", divisor, 4, MAX_DIVISOR)
        if break_clocks is None:
            break_clocks = 24 * divisor
        self._break_clocks = check_int("UART break clocks", break_clocks, 10 * divisor, 1 << 30)
        super().__init__({
            "rx": In(1, init=1),
            "data": Out(stream.Signature(unsigned(8))),
            "framing_error": Out(1),
            "overrun": Out(1),
            "line_break": Out(1),
        })

    @property
    def divisor(self):
        return self._divisor

    @property
    def break_clocks(self):
        return self._break_clocks

    def elaborate(self, platform):
        m = Module()
        divisor = self._divisor
        rx_meta = Signal(init=1, name="rx_meta")
        rx_sync = Signal(init=1, name="rx_sync")
        m.d.sync += [rx_meta.eq(self.rx), rx_sync.eq(rx_meta)]

        timer = Signal(range(divisor), name="bit_timer")
        bit_count = Signal(range(8), name="bit_count")
        shift = Signal(8, name="rx_shift")
        low_clocks = Signal(range(self._break_clocks + 1), name="low_clocks")
        with m.If(rx_sync):
            m.d.sync += low_clocks.eq(0)
        with m.Elif(low_clocks != self._break_clocks):
            m.d.sync += low_clocks.eq(low_clocks + 1)
        m.d.comb += self.line_break.eq(rx_sync & (low_clocks == self._break_clocks))

        with m.If(self.data.ready):
            m.d.sync += self.data.valid.eq(0)
        with m.FSM(name="rx"):
            with m.State("IDLE"):
                with m.If(~rx_sync):
                    m.d.sync += timer.eq(divisor // 2 - 1)
                    m.next = "START"
            with m.State("START"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Elif(rx_sync):           # high again mid start bit: a glitch
                    m.next = "IDLE"
                with m.Else():
                    m.d.sync += [timer.eq(divisor - 1), bit_count.eq(0)]
                    m.next = "DATA"
            with m.State("DATA"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Else():
                    m.d.sync += [shift.eq(shift[1:] | (rx_sync << 7)), timer.eq(divisor - 1),
                                 bit_count.eq(bit_count + 1)]
                    with m.If(bit_count == 7):
                        m.next = "STOP"
            with m.State("STOP"):
                with m.If(timer != 0):
                    m.d.sync += timer.eq(timer - 1)
                with m.Elif(~rx_sync):
                    m.d.comb += self.framing_error.eq(1)
                    m.next = "WAIT_HIGH"
                with m.Else():
                    with m.If(self.data.valid & ~self.data.ready):
                        m.d.comb += self.overrun.eq(1)
                    with m.Else():
                        m.d.sync += [self.data.payload.eq(shift), self.data.valid.eq(1)]
                    m.next = "IDLE"
            with m.State("WAIT_HIGH"):
                with m.If(rx_sync):
                    m.next = "IDLE"
        return m
