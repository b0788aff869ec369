"""Several samples per clock: ``lanes`` FFT cores working on alternate frames.

Bit-exact with :func:`fdagen.golden.fft.fft_fixed` frame by frame (each frame goes through one
:class:`~fdagen.gateware.fft.core.FFTCore`), at up to ``lanes`` samples per clock sustained.

Overview
--------
A beat carries ``lanes`` consecutive samples of one frame (``N`` must be a multiple of
``lanes``). Frame ``k`` goes to core ``k mod lanes``: its beats are queued in that core's
input FIFO (one frame deep) and fed to the core one sample per clock. Each core's output is
packed back into beats in its output FIFO (one frame deep), and the merger emits whole frames
in frame order. Any ``lanes >= 1`` works, not only powers of two, so the FFT rate can be
matched to a consumer such as the PE array. Memory: about ``2 N`` samples of FIFO on top of the
cores. A 2-parallel feedforward (MDC) pipeline would need less latency; this structure reuses
the signed-off core unchanged.

Members
-------
i : ``In(stream.Signature(ParallelFFT.beat_layout(data_width, lanes)))``
    ``re[l]``, ``im[l]`` for lanes ``l = 0 .. lanes-1`` (lane 0 first in frame order) and
    ``last`` (ignored: frames are counted).
o : ``Out(stream.Signature(ParallelFFT.beat_layout(output_width, lanes)))``
    Output beats in the cores' order (bit-reversed or natural), ``last`` on each frame's final
    beat.
"""

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from fdagen.gateware.fft.core import FFTCore
from fdagen.golden.checks import ParameterError, ParameterTypeError
from fdagen.golden.fft import FFTFormat

__all__ = ["ParallelFFT"]


class ParallelFFT(wiring.Component):
    """``lanes`` samples per clock (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFTFormat`
    lanes : int
        Samples per beat, ``1 <= lanes <= N``, dividing ``N``.
    """

    @staticmethod
    def beat_layout(width, lanes):
        """Stream payload: ``re`` and ``im`` arrays of ``lanes`` signed words, and ``last``."""
        return data.StructLayout({"re": data.ArrayLayout(signed(width), lanes),
                                  "im": data.ArrayLayout(signed(width), lanes),
                                  "last": unsigned(1)})

    def __init__(self, fmt, lanes):
        if not isinstance(fmt, FFTFormat):
            raise ParameterTypeError(f"FFT format must be an FFTFormat, not {fmt!r}")
        if not isinstance(lanes, int) or isinstance(lanes, bool):
            raise ParameterTypeError(f"lanes must be an integer, not {lanes!r}")
        if lanes < 1 or lanes > fmt.n or fmt.n % lanes:
            raise ParameterError(f"lanes must be between 1 and {fmt.n} and divide the FFT size "
                                 f"{fmt.n}, not {lanes}")
        self._fmt, self._lanes = fmt, lanes
        super().__init__({
            "i": In(stream.Signature(self.beat_layout(fmt.data_width, lanes))),
            "o": Out(stream.Signature(self.beat_layout(fmt.output_width, lanes))),
        })

    @property
    def fmt(self):
        return self._fmt

    @property
    def lanes(self):
        return self._lanes

    def elaborate(self, platform):
        m = Module()
        fmt, lanes = self._fmt, self._lanes
        beats = fmt.n // lanes
        in_beat = self.beat_layout(fmt.data_width, lanes)
        out_beat = self.beat_layout(fmt.output_width, lanes)

        cores, inputs, outputs = [], [], []
        for k in range(lanes):
            core = FFTCore(fmt)
            m.submodules[f"core{k}"] = core
            # A frame of beats (and one more, so a 2-beat frame still streams back to back:
            # SyncFIFOBuffered's depth counts its output register) in and out, per core.
            inputs.append(SyncFIFOBuffered(width=in_beat.size, depth=beats + 1))
            outputs.append(SyncFIFOBuffered(width=out_beat.size, depth=beats + 1))
            m.submodules[f"input{k}"] = inputs[-1]
            m.submodules[f"output{k}"] = outputs[-1]
            cores.append(core)

        # Distributor: frame k of the input goes to core k mod lanes.
        in_target = Signal(range(lanes))
        in_beat_count = Signal(range(beats))
        accepted = self.i.valid & self.i.ready
        for k, fifo in enumerate(inputs):
            m.d.comb += [fifo.w_data.eq(self.i.payload), fifo.w_en.eq(self.i.valid
                                                                      & (in_target == k))]
        m.d.comb += self.i.ready.eq(_select(in_target, [fifo.w_rdy for fifo in inputs]))
        with m.If(accepted):
            m.d.sync += in_beat_count.eq(Mux(in_beat_count == beats - 1, 0, in_beat_count + 1))
            with m.If(in_beat_count == beats - 1):
                m.d.sync += in_target.eq(Mux(in_target == lanes - 1, 0, in_target + 1))

        for core, fifo_in, fifo_out in zip(cores, inputs, outputs):
            # Gearbox in: one beat, then its lanes one per clock into the core.
            head = data.View(in_beat, fifo_in.r_data)
            lane = Signal(range(lanes))
            m.d.comb += [
                core.i.valid.eq(fifo_in.r_rdy),
                core.i.payload.re.eq(head.re[lane]),
                core.i.payload.im.eq(head.im[lane]),
                core.i.payload.last.eq(0),
                fifo_in.r_en.eq(core.i.ready & (lane == lanes - 1)),
            ]
            with m.If(core.i.valid & core.i.ready):
                m.d.sync += lane.eq(Mux(lane == lanes - 1, 0, lane + 1))
            # Gearbox out: hold lanes 0 .. lanes-2; the final lane comes straight from the core
            # in the cycle the beat is written.
            packed = Signal(out_beat)
            beat = Signal(out_beat)
            slot = Signal(range(lanes))
            complete = slot == lanes - 1
            m.d.comb += [beat.eq(packed), beat.re[lanes - 1].eq(core.o.payload.re),
                         beat.im[lanes - 1].eq(core.o.payload.im)]
            m.d.comb += [
                core.o.ready.eq(fifo_out.w_rdy | ~complete),
                fifo_out.w_en.eq(core.o.valid & complete),
                fifo_out.w_data.eq(beat),
            ]
            with m.If(core.o.valid & core.o.ready):
                m.d.sync += [packed.re[slot].eq(core.o.payload.re),
                             packed.im[slot].eq(core.o.payload.im),
                             slot.eq(Mux(complete, 0, slot + 1))]

        # Merger: whole frames in frame order.
        out_source = Signal(range(lanes))
        out_beat_count = Signal(range(beats))
        chosen = data.View(out_beat, _select(out_source, [f.r_data for f in outputs]))
        m.d.comb += [
            self.o.valid.eq(_select(out_source, [f.r_rdy for f in outputs])),
            self.o.payload.re.eq(chosen.re),
            self.o.payload.im.eq(chosen.im),
            self.o.payload.last.eq(out_beat_count == beats - 1),
        ]
        for k, fifo in enumerate(outputs):
            m.d.comb += fifo.r_en.eq(self.o.ready & (out_source == k))
        with m.If(self.o.valid & self.o.ready):
            m.d.sync += out_beat_count.eq(Mux(out_beat_count == beats - 1, 0,
                                              out_beat_count + 1))
            with m.If(out_beat_count == beats - 1):
                m.d.sync += out_source.eq(Mux(out_source == lanes - 1, 0, out_source + 1))
        return m


def _select(index, values):
    """``values[index]`` as a mux chain (index a Signal, values Values of equal shape)."""
    result = values[0]
    for k, value in enumerate(values[1:], start=1):
        result = Mux(index == k, value, result)
    return result
