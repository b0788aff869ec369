"""The PE array: ``L`` bin lanes x ``J`` output-channel slots of lockstep :class:`~fdagen.gateware.pe.digital.PE`.

PE ``p = j * L + l`` takes lane ``l``'s input-spectrum value (broadcast to the lane's ``J`` PEs,
the reuse across output channels) and the weight at the shared address ``addr`` from its own
memory. One operation starts every two cycles (``start`` while ``ready``); ``result_valid``
pulses :data:`PE.LATENCY` cycles after a ``last`` operation's start, with every PE's sum on
``results``. Weights are written one word at a time through ``prog_*`` to PE ``prog_pe``.

Any ``P >= 1`` works; the geometry (``L`` dividing ``P``) is :class:`fdagen.arch.config.AcceleratorConfig`'s.
"""

from amaranth import Module, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.pe.digital import PE
from fdagen.golden.pipeline import accumulator_width

__all__ = ["PEArray"]


class PEArray(wiring.Component):
    """``lanes * slots`` lockstep PEs (see the module docstring).

    Parameters
    ----------
    lanes, slots : int
        ``L`` bin lanes and ``J`` output-channel slots.
    blocks : :class:`fdagen.gateware.blocks.BlockLibrary`
        Where the PEs come from (inline by default).
    data_width, weight_width, depth, max_terms : int
        As :class:`fdagen.gateware.pe.digital.PE`.
    """

    LATENCY = PE.LATENCY

    def __init__(self, lanes, slots, data_width, weight_width, depth, max_terms, blocks=INLINE):
        self.lanes, self.slots = lanes, slots
        self._blocks = blocks
        self._pe_args = (data_width, weight_width, depth, max_terms)
        self.acc_width = accumulator_width(data_width, weight_width, max_terms)
        address = unsigned(max(1, (depth - 1).bit_length()))
        super().__init__({
            "prog_en": In(1), "prog_pe": In(range(max(2, lanes * slots))),
            "prog_addr": In(address),
            "prog_re": In(signed(weight_width)), "prog_im": In(signed(weight_width)),
            "start": In(1), "addr": In(address), "first": In(1), "last": In(1),
            "x": In(data.ArrayLayout(complex_layout(data_width), lanes)),
            "ready": Out(1), "busy": Out(1), "result_valid": Out(1),
            "results": Out(data.ArrayLayout(complex_layout(self.acc_width), lanes * slots)),
        })

    def elaborate(self, platform):
        m = Module()
        pes = []
        for j in range(self.slots):
            for lane in range(self.lanes):
                p = j * self.lanes + lane
                pe = self._blocks.pe(*self._pe_args)
                m.submodules[f"pe{p}"] = pe
                pes.append(pe)
                m.d.comb += [
                    pe.prog_en.eq(self.prog_en & (self.prog_pe == p)),
                    pe.prog_addr.eq(self.prog_addr), pe.prog_re.eq(self.prog_re),
                    pe.prog_im.eq(self.prog_im),
                    pe.start.eq(self.start), pe.addr.eq(self.addr), pe.first.eq(self.first),
                    pe.last.eq(self.last),
                    pe.x_re.eq(self.x[lane].re), pe.x_im.eq(self.x[lane].im),
                    self.results[p].re.eq(pe.result_re), self.results[p].im.eq(pe.result_im),
                ]
        m.d.comb += [self.ready.eq(pes[0].ready), self.busy.eq(pes[0].busy),
                     self.result_valid.eq(pes[0].result_valid)]
        return m
