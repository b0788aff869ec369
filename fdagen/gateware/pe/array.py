"""The PE array: ``L`` bin lanes x ``J`` output-channel slots of lockstep PEs of one kind.

PE ``p = j * L + l`` takes lane ``l``'s input-spectrum value (broadcast to the lane's ``J`` PEs,
the reuse across output channels) and the weight at the shared address ``addr`` from its own
memory. One operation starts every issue interval (``start`` while ``ready``) on the PEs of the
slots ``active`` marks (the slots whose output channel exists; the others' weight memories and
multipliers stay idle, and their ``results`` are stale); ``result_valid``
pulses the kind's latency after a ``last`` operation's start, with every PE's sum on
``results``. Weights are written a beat at a time through ``prog_*``: ``prog_words`` words to the
PEs of slots ``j0 .. j0 + prog_words - 1`` of ``prog_pe``'s lane (``j0 = prog_pe div L``). Every
PE presents :class:`~fdagen.gateware.pe.signature.PESignature`, whatever its kind.

Any ``P >= 1`` works; the geometry (``L`` dividing ``P``) is
:class:`fdagen.arch.config.AcceleratorConfig`'s.
"""

from amaranth import Module, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.pe.signature import PESignature

__all__ = ["PEArray"]


class PEArray(wiring.Component):
    """``L * J`` lockstep PEs of the build's kind (see the module docstring).

    Parameters
    ----------
    config : :class:`fdagen.arch.config.AcceleratorConfig`
        ``bin_lanes`` x ``slots`` PEs of kind ``config.pe``, each holding ``weight_depth``
        words and summing up to ``max_channels`` products.
    blocks : :class:`fdagen.gateware.blocks.BlockLibrary`
        Where the PEs come from (inline by default).

    ``latency`` and ``issue_interval`` are the kind's: an operation may start every
    ``issue_interval`` clocks, and ``result_valid`` follows a ``last`` one by ``latency``.
    """

    def __init__(self, config, blocks=INLINE):
        c = config
        self.lanes, self.slots, self.words = c.bin_lanes, c.slots, c.weight_beat_words
        self.kind = c.pe
        self.latency = self.kind.latency
        self.issue_interval = c.issue_interval
        self._blocks = blocks
        self._pe_args = (c.data_width, c.weight_width, c.weight_depth, c.max_channels, c.dsp)
        self.acc_width = c.accumulator_width
        pe = PESignature(c.data_width, c.weight_width, c.weight_depth, self.acc_width)
        super().__init__({
            "prog_en": In(1), "prog_pe": In(range(max(2, c.pes))),
            "prog_words": In(range(c.weight_beat_words + 1)),
            "prog_addr": In(pe.members["prog_addr"].shape),
            "prog_re": In(data.ArrayLayout(signed(c.weight_width), c.weight_beat_words)),
            "prog_im": In(data.ArrayLayout(signed(c.weight_width), c.weight_beat_words)),
            "start": In(1), "active": In(c.slots), "addr": In(pe.members["addr"].shape),
            "first": In(1),
            "last": In(1),
            "x": In(data.ArrayLayout(complex_layout(c.data_width), self.lanes)),
            "ready": Out(1), "busy": Out(1), "result_valid": Out(1),
            "results": Out(data.ArrayLayout(complex_layout(self.acc_width), c.pes)),
        })

    def elaborate(self, platform):
        m = Module()
        pes = []
        words = self.words
        for j in range(self.slots):
            for lane in range(self.lanes):
                p = j * self.lanes + lane
                pe = self._blocks.pe(self.kind, *self._pe_args)
                m.submodules[f"pe{p}"] = pe
                pes.append(pe)
                m.d.comb += [
                    # word j mod W of a write to the chunk's first PE
                    pe.prog_en.eq(self.prog_en & (self.prog_pe == (j - j % words) * self.lanes
                                                  + lane) & (self.prog_words > j % words)),
                    pe.prog_addr.eq(self.prog_addr), pe.prog_re.eq(self.prog_re[j % words]),
                    pe.prog_im.eq(self.prog_im[j % words]),
                    pe.start.eq(self.start & self.active[j]), pe.addr.eq(self.addr),
                    pe.first.eq(self.first),
                    pe.last.eq(self.last),
                    pe.x_re.eq(self.x[lane].re), pe.x_im.eq(self.x[lane].im),
                    self.results[p].re.eq(pe.result_re), self.results[p].im.eq(pe.result_im),
                ]
        # slot 0 works in every operation (a group has at least one output channel)
        m.d.comb += [self.ready.eq(pes[0].ready), self.busy.eq(pes[0].busy),
                     self.result_valid.eq(pes[0].result_valid)]
        return m
