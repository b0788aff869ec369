"""The accelerator behind a UART: what a board's bitstream holds (see :mod:`fdagen.arch.bridge`
for the byte protocol, its credits and why).

::

    rx ─► UARTReceiver ─► FrameParser ─► FIFO desc ──► Accelerator.desc
                                       ├► FIFO weights ► Accelerator.weights
                                       └► FIFO pixels ─► Accelerator.pixels
    tx ◄─ UARTTransmitter ◄─ MessageSender ◄─ credits (beats the accelerator took), errors,
                                              Accelerator.counters, Accelerator.out

No byte is lost under backpressure from the accelerator: a beat is parsed into its stream's
FIFO (``depth`` beats), which always has room because the host sends only beats it holds
credits for, and credits come back only as the accelerator takes beats out. The parser thus
takes each byte a clock or two after the receiver has it, far within the ten bit times before
the next byte is complete. Anything else (a host that oversteps, line noise) is reported in an
``ERROR`` message, never dropped silently.

A line break (the line low for :data:`~fdagen.arch.bridge.BREAK_BITS` bit times) resets
everything but the receiver: parser, FIFOs, credits, the transmitter and the accelerator.
"""

from amaranth import Module, Signal
from amaranth.hdl import ResetInserter
from amaranth.lib import fifo, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.bridge import BREAK_BITS, DEFAULT_DEPTH, INPUT_STREAMS, BridgeFormat
from fdagen.gateware.accel.top import Accelerator
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.board.frame_parser import FrameParser
from fdagen.gateware.board.message_sender import MessageSender
from fdagen.gateware.board.uart_rx import UARTReceiver
from fdagen.gateware.board.uart_tx import UARTTransmitter

__all__ = ["UARTBridge"]


class UARTBridge(wiring.Component):
    """See the module docstring.

    Parameters
    ----------
    config : AcceleratorConfig
        The accelerator's build.
    divisor : int
        Clocks per UART bit (at least 4): the clock frequency over the baud rate.
    depth : int
        Beats per input-stream FIFO, 1..255: the host's credits per stream.
    blocks : BlockLibrary
        Where the accelerator's blocks come from (:mod:`fdagen.gateware.blocks`).

    Members
    -------
    rx : In(1)
        UART from the host (asynchronous, idle high).
    tx : Out(1)
        UART to the host (idle high).
    error : Out(1)
        High once the bridge has reported an error, until a line break or reset (for an LED).
    """

    def __init__(self, config, divisor, depth=DEFAULT_DEPTH, blocks=INLINE):
        self._format = BridgeFormat(config, depth)
        self.config = config
        self.receiver = UARTReceiver(divisor, break_clocks=BREAK_BITS * divisor)
        self.accelerator = Accelerator(config, blocks)
        super().__init__({"rx": In(1, init=1), "tx": Out(1, init=1), "error": Out(1)})

    @property
    def format(self):
        """The :class:`~fdagen.arch.bridge.BridgeFormat` of this bridge."""
        return self._format

    @property
    def divisor(self):
        return self.receiver.divisor

    def elaborate(self, platform):
        m = Module()
        fmt, accel = self._format, self.accelerator
        m.submodules.uart_rx = receiver = self.receiver
        m.d.comb += receiver.rx.eq(self.rx)
        reset = receiver.line_break        # everything behind the receiver starts afresh

        def behind(name, component):
            m.submodules[name] = ResetInserter({"sync": reset})(component)
            return component

        parser = behind("parser", FrameParser([fmt.input_bytes(s) for s in INPUT_STREAMS]))
        sender = behind("sender", MessageSender(accel.out.payload.shape(),
                                                accel.counters.payload.shape(),
                                                len(INPUT_STREAMS), fmt.depth))
        transmitter = behind("uart_tx", UARTTransmitter(self.divisor))
        behind("accelerator", accel)
        wiring.connect(m, receiver.data, parser.data)
        wiring.connect(m, sender.data, transmitter.data)
        m.d.comb += self.tx.eq(transmitter.tx)
        wiring.connect(m, accel.out, sender.out)
        wiring.connect(m, accel.counters, sender.counters)

        beats = parser.beats
        for index, name in enumerate(INPUT_STREAMS):
            width = fmt.input_width(name)
            queue = behind(f"{name}_fifo", fifo.SyncFIFOBuffered(width=width, depth=fmt.depth))
            port = getattr(accel, name)
            selected = beats.valid & (beats.payload.stream == index)
            m.d.comb += [
                queue.w_data.eq(beats.payload.data[:width]),
                queue.w_en.eq(selected),
                port.valid.eq(queue.r_rdy),
                port.payload.eq(queue.r_data),
                queue.r_en.eq(port.ready),
                sender.taken[index].eq(queue.r_rdy & port.ready),
            ]
            with m.If(beats.payload.stream == index):
                m.d.comb += beats.ready.eq(queue.w_rdy)

        errors = Signal(8, name="bridge_errors")
        m.d.comb += [errors[0].eq(receiver.framing_error), errors[1].eq(receiver.overrun),
                     errors[2].eq(parser.bad_stream), sender.errors.eq(errors)]
        error_seen = Signal(name="error_seen")
        with m.If(reset):
            m.d.sync += error_seen.eq(0)
        with m.Elif(errors != 0):
            m.d.sync += error_seen.eq(1)
        m.d.comb += self.error.eq(error_seen)
        return m
