"""The stream contract of a block with one input and one output stream, as formal properties.

:class:`StreamContractHarness` drives the block's input stream (``valid``, ``payload``) and
output ``ready`` from free inputs, so the solver tries every pattern of input gaps and output
backpressure, and checks on the block's output stream ``o``:

``hold``
    once ``o.valid`` is high without ``o.ready``, the next cycle has ``o.valid`` high and the same
    ``o.payload`` (an AXI4-Stream source may not withdraw or change a beat);
``last``
    ``o.payload.last`` is high exactly on the final beat of each output frame (beat
    ``output_frame - 1``, counting the handshaken beats);
``causal``
    a beat of output frame ``f`` is offered only once input frame ``f`` is complete (every output
    of a transform depends on its whole input frame): no output frame is duplicated or
    invented, and none leaves early;
``drained``
    with the input ending on a frame boundary by cycle ``feed`` and ``o.ready`` high from cycle
    ``stall`` on, ``drain`` cycles later every input frame has left as an output frame: no
    sample is lost.

Input gaps are free for ``feed`` cycles and backpressure for ``stall`` (at least ``feed``):
``stall`` must reach past the block's latency, or no output meets backpressure.

The harness's reset is high in the first cycle only (a proof whose reset stayed high would hold
vacuously). Counters are ``range(depth + 1)`` wide, so they cannot wrap within the proof depth.
"""

from amaranth import Module, ResetSignal, Signal
from amaranth.hdl import Assume
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from fdagen.gateware.formal import Properties
from fdagen.golden.checks import ParameterError

__all__ = ["StreamContractHarness"]


class StreamContractHarness(wiring.Component):
    """Formal harness of ``dut``'s stream contract (see the module docstring).

    Parameters
    ----------
    dut : :class:`~amaranth.lib.wiring.Component`
        Has an input stream ``i`` and an output stream ``o`` whose payload has a ``last`` field.
        Other input ports are held at ``ports`` (name to constant).
    input_frame, output_frame : int
        Beats per input frame and per output frame.
    feed : int
        Cycles of free input before the input stops.
    stall : int
        Cycles of free backpressure before ``o.ready`` stays high (at least ``feed``).
    drain : int
        Cycles after ``stall`` by which every frame must have left.
    ports : dict
        Constants for ``dut``'s other input ports (run-time schedules, lengths).

    Members
    -------
    valid, payload : ``In``
        The solver's input beat offer (``dut.i``).
    ready : ``In(1)``
        The solver's output backpressure (``dut.o.ready``).
    """

    def __init__(self, dut, *, input_frame, output_frame, feed, stall, drain, ports=None):
        for name, value in (("input frame", input_frame), ("output frame", output_frame),
                            ("feed", feed), ("stall", stall), ("drain", drain)):
            if not isinstance(value, int) or value < 1:
                raise ParameterError(f"{name} must be a positive integer, not {value!r}")
        if stall < feed:
            raise ParameterError(f"stall must be at least feed ({feed}), not {stall}")
        self.dut = dut
        self.input_frame, self.output_frame = input_frame, output_frame
        self.feed, self.stall, self.drain = feed, stall, drain
        self.ports = dict(ports or {})
        self.properties = Properties()
        super().__init__({"valid": In(1), "payload": In(dut.i.payload.shape()),
                          "ready": In(1)})

    @property
    def depth(self):
        """Cycles a bounded proof must cover for ``drained`` to be checked."""
        return self.stall + self.drain + 1

    def elaborate(self, platform):
        m = Module()
        m.submodules.dut = dut = self.dut
        for name, value in self.ports.items():
            m.d.comb += getattr(dut, name).eq(value)
        m.d.comb += [dut.i.valid.eq(self.valid), dut.i.payload.eq(self.payload),
                     dut.o.ready.eq(self.ready)]

        # Reset in the first cycle only.
        first = Signal(init=1, reset_less=True)
        cycle = Signal(range(self.depth + 1), reset_less=True)
        m.d.sync += first.eq(0)
        with m.If(cycle != self.depth):
            m.d.sync += cycle.eq(cycle + 1)
        m.d.comb += Assume(ResetSignal() == first)

        frames = range(self.depth + 1)
        in_index = Signal(range(self.input_frame), name="in_index")
        in_frames = Signal(frames, name="in_frames")
        out_index = Signal(range(self.output_frame), name="out_index")
        out_frames = Signal(frames, name="out_frames")
        with m.If(dut.i.valid & dut.i.ready):
            m.d.sync += in_index.eq(in_index + 1)
            with m.If(in_index == self.input_frame - 1):
                m.d.sync += [in_index.eq(0), in_frames.eq(in_frames + 1)]
        with m.If(dut.o.valid & dut.o.ready):
            m.d.sync += out_index.eq(out_index + 1)
            with m.If(out_index == self.output_frame - 1):
                m.d.sync += [out_index.eq(0), out_frames.eq(out_frames + 1)]

        stalled = Signal(name="was_stalled")
        held = Signal.like(dut.o.payload, name="was_payload")
        m.d.sync += [stalled.eq(dut.o.valid & ~dut.o.ready), held.eq(dut.o.payload)]

        # No input from `feed` on, which falls on a frame boundary; no backpressure from `stall`.
        with m.If(cycle >= self.feed):
            m.d.comb += Assume(~self.valid)
        with m.If(cycle == self.feed):
            m.d.comb += Assume(in_index == 0)
        with m.If(cycle >= self.stall):
            m.d.comb += Assume(self.ready)

        check = self.properties.check
        unchanged = dut.o.payload.as_value() == held.as_value()
        final_beat = out_index == self.output_frame - 1
        with m.If(~first):
            with m.If(stalled):
                m.d.comb += check(dut.o.valid & unchanged, "hold")
            with m.If(dut.o.valid):
                m.d.comb += check(dut.o.payload.last == final_beat, "last")
                m.d.comb += check(out_frames < in_frames, "causal")
            with m.If(cycle == self.depth - 1):
                m.d.comb += check((out_frames == in_frames) & (out_index == 0), "drained")
        return m
