"""The FFT core's step look-ahead against its reference arithmetic, as a formal property.

:func:`fdagen.gateware.fft.core.step_lookahead` decides next cycle's flow-control state with LUT
logic over one-bit deltas, because it feeds the registered step enable. Its docstring states each
field as a sum; :class:`LookaheadHarness` asserts ``equal`` — every field equals that sum — for
every value of its inputs within their contract (the buffer levels within the FIFOs' depth, a
pop only from a nonempty buffer, a delivery only from a nonempty one). The look-ahead is
combinational, so a proof of depth 1 covers every state.
"""

from amaranth import Module, Mux
from amaranth.hdl import Assume
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from fdagen.gateware.fft.core import step_lookahead
from fdagen.gateware.formal import Properties

__all__ = ["LookaheadHarness"]


class LookaheadHarness(wiring.Component):
    """Formal harness: :func:`~fdagen.gateware.fft.core.step_lookahead` equals its reference sums
    for a core with ``buffer``-deep FIFOs and up to ``in_flight`` samples in its pipeline.

    Members
    -------
    go, real, popped, pushed_in, pushed_out, delivered, at_last, at_boundary, phantom : ``In(1)``
    in_pipeline : ``In(range(in_flight + 1))``
    input_level, output_level : ``In(range(buffer + 1))``
        The look-ahead's inputs, free within the contract (see the module docstring).
    """

    def __init__(self, buffer, in_flight):
        self.buffer = buffer
        self.properties = Properties()
        bits = ("go", "real", "popped", "pushed_in", "pushed_out", "delivered", "at_last",
                "at_boundary", "phantom")
        members = {name: In(1) for name in bits}
        members.update(in_pipeline=In(range(in_flight + 1)),
                       input_level=In(range(buffer + 1)), output_level=In(range(buffer + 1)))
        super().__init__(members)

    #: The look-ahead is combinational: one step covers every state.
    depth = 1

    def elaborate(self, platform):
        m = Module()
        buffer = self.buffer
        m.d.comb += [
            Assume(self.input_level <= buffer), Assume(self.output_level <= buffer),
            Assume(~self.popped | (self.input_level >= 1)),
            Assume(~self.pushed_in | (self.input_level < buffer)),
            Assume(~self.delivered | (self.output_level >= 1)),
        ]
        ahead = step_lookahead(
            m, go=self.go, real=self.real, popped=self.popped, pushed_in=self.pushed_in,
            pushed_out=self.pushed_out, delivered=self.delivered, at_last=self.at_last,
            at_boundary=self.at_boundary, phantom=self.phantom, in_pipeline=self.in_pipeline,
            input_level=self.input_level, output_level=self.output_level, buffer=buffer)
        # The reference sums, one property a field (each on its own line: see Properties).
        go, popped, pushed_out = self.go, self.popped, self.pushed_out
        check = self.properties.check
        m.d.comb += [
            check(ahead.boundary == Mux(go, self.at_last, self.at_boundary), "equal_boundary"),
            check(ahead.phantom == Mux(go & self.at_boundary, ~self.real, self.phantom),
                  "equal_phantom"),
            check(ahead.waiting == (self.in_pipeline + popped - pushed_out != 0),
                  "equal_waiting"),
            check(ahead.available == (self.input_level + self.pushed_in - popped != 0),
                  "equal_available"),
            check(ahead.space == (self.output_level + pushed_out - self.delivered + go + 1
                                  <= buffer), "equal_space"),
        ]
        return m
