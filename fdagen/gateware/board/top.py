"""The top a board platform builds: the UART bridge on the board's clock and USB-UART pins.

The platform's default clock drives the ``sync`` domain (with the platform's power-on reset);
the ``uart`` resource 0 carries the bridge's ``rx`` and ``tx``; LED 0, when the board has one,
lights once the bridge has reported an error (until a line break resets it).
"""

from amaranth import Elaboratable, Module
from amaranth.build import ResourceError
from amaranth.lib import io

from fdagen.arch.bridge import DEFAULT_DEPTH
from fdagen.gateware.board.bridge import UARTBridge

__all__ = ["BoardTop"]


class BoardTop(Elaboratable):
    """:class:`~fdagen.gateware.board.bridge.UARTBridge` of ``config`` at ``divisor`` clocks
    per bit, wired to a platform's pins (see the module docstring)."""

    def __init__(self, config, divisor, depth=DEFAULT_DEPTH):
        self.bridge = UARTBridge(config, divisor, depth)

    def elaborate(self, platform):
        m = Module()
        m.submodules.bridge = bridge = self.bridge
        uart = platform.request("uart", 0, dir="-")
        m.submodules.rx_buffer = rx = io.Buffer("i", uart.rx)
        m.submodules.tx_buffer = tx = io.Buffer("o", uart.tx)
        m.d.comb += [bridge.rx.eq(rx.i), tx.o.eq(bridge.tx)]
        try:
            led = platform.request("led", 0, dir="-")
        except ResourceError:
            return m
        m.submodules.led_buffer = light = io.Buffer("o", led)
        m.d.comb += light.o.eq(bridge.error)
        return m
