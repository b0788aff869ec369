"""The frequency-domain MAC stage: controller of the PE array and the output-spectrum buffer.

It walks the layer's passes (:mod:`fdagen.gateware.accel.tile_loop`: tile blocks, then
output-channel groups ``g < G``, then the block's tiles ``t``): for each pass (once tile ``t``'s
spectra are ready and a slot of the output-spectrum buffer is free), bin step ``< U/L`` and input
channel ``c < C``, one array operation: the ``L`` spectrum values of bins ``step * L + l`` of
channel ``c`` go to the lanes, each PE ``(l, j)`` of a slot with an output channel (``g J + j <
M``: the others stay idle, weight memory, multipliers and output bank alike) multiplies by its
weight at ``(g * U/L + step) * C_max + c`` and accumulates over ``c`` in its registers (the sum
over input channels never leaves the PE, so one IFFT runs per tile and output channel). The
finished sums land in the PE's own output-spectrum bank, two pass slots of ``U/L`` words, read by
the IFFT lanes while the next pass accumulates. A block's input spectra stay in the forward
stage's buffer until its last group has read them, so every group re-reads them instead of
recomputing the FFT.

It reads the input spectra through ``spectrum``
(:class:`~fdagen.gateware.accel.interfaces.SpectrumRead`) and serves the output-spectrum reads
on ``output`` (:class:`~fdagen.gateware.accel.interfaces.OutputSpectrumRead`), one port per IFFT
lane ``i``, which owns slots ``j = i, i + LI, ...``: bank ``(j // LI) * L + l`` of the lane,
word ``(p mod 2) U/L + k / L`` for pass ``p``.
"""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import (LayerControl, OutputSpectrumRead, SpectrumRead,
                                              WeightProgram)
from fdagen.gateware.accel.output_spectrum import OutputSpectrumBuffer
from fdagen.gateware.accel.tile_loop import TileLoop
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.arith import const_mul
from fdagen.gateware.pe.array import PEArray
from fdagen.golden.checks import ParameterError

__all__ = ["MACStage"]


class MACStage(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`."""

    def __init__(self, config, blocks=INLINE):
        self.config = c = config
        self.array = PEArray(c, blocks)
        self.acc_width = self.array.acc_width
        if self.array.issue_interval < 2:
            raise ParameterError(f"PE issue interval must be at least 2 clocks (the tile "
                                 f"readiness compares are registered), not "
                                 f"{self.array.issue_interval}")
        super().__init__({
            "control": In(LayerControl(c)),
            "spectrum": Out(SpectrumRead(c)),
            "output": In(OutputSpectrumRead(c, self.array.acc_width)),
            "idle": Out(1),
            "prog": In(WeightProgram(c)),
            "operations": Out(32), "pe_operations": Out(32), "pe_sums": Out(32),
            "stall_fft": Out(32),
            "stall_ifft": Out(32), "stall_weights": Out(32),
        })

    def counter_sources(self):
        """``{counter: value}`` of the :data:`~fdagen.arch.fields.COUNTERS` this stage keeps
        (the top reports the others; a kind counter this stage does not name is 0)."""
        c = self.config
        return {"pe_busy_cycles": const_mul(self.operations, c.issue_interval),
                "mac_operations": self.operations,
                "pe_stall_fft": self.stall_fft, "pe_stall_ifft": self.stall_ifft,
                "pe_stall_weights": self.stall_weights,
                "weight_reads": self.pe_operations,
                "spectrum_reads": const_mul(self.operations, c.bin_lanes),
                "output_spectrum_writes": self.pe_sums}

    def elaborate(self, platform):
        m = Module()
        c = self.config
        s_steps, cmax = c.bin_steps, c.max_channels
        layer = self.control.layer
        m.submodules.array = array = self.array
        prog = self.prog
        # The weights' programming beat is registered on its way to the PEs (the loader's
        # handshake and its bin-to-address arithmetic end at these registers, not at sixteen
        # PEs' memories across the die). A beat is written a clock after it is taken; the
        # array reads a group only after ``weights_ok``, a register of the group count that
        # moves with the group's last take, so two clocks after it at the soonest; ``busy``
        # says a write is still on its way.
        prog_en = Signal(name="prog_beat_en")
        prog_pe = Signal.like(array.prog_pe, name="prog_beat_pe", reset_less=True)
        prog_words = Signal.like(array.prog_words, name="prog_beat_words", reset_less=True)
        prog_addr = Signal.like(array.prog_addr, name="prog_beat_addr", reset_less=True)
        prog_re = Signal.like(array.prog_re, name="prog_beat_re", reset_less=True)
        prog_im = Signal.like(array.prog_im, name="prog_beat_im", reset_less=True)
        m.d.sync += [prog_en.eq(prog.valid), prog_pe.eq(prog.pe), prog_words.eq(prog.words),
                     prog_addr.eq(const_mul(prog.set, cmax) + prog.channel),
                     prog_re.eq(prog.re), prog_im.eq(prog.im)]
        m.d.comb += [array.prog_en.eq(prog_en), prog.ready.eq(1), prog.busy.eq(prog_en),
                     array.prog_pe.eq(prog_pe), array.prog_words.eq(prog_words),
                     array.prog_addr.eq(prog_addr),
                     array.prog_re.eq(prog_re), array.prog_im.eq(prog_im)]

        # Loop nest: tile block, group g, tile t, bin step, input channel.
        # passes whose sums are all in the output spectrum
        passes_done = Signal(c.count_width)
        spectra_free = Signal(c.count_width)    # leading tiles whose last group is done
        m.d.comb += [self.spectrum.done.eq(spectra_free), self.output.done.eq(passes_done)]
        running = Signal()
        loop = TileLoop(c, layer.bin_steps)
        loop.track(m, layer.groups, self.control.tiles, layer.weight_buffers,
                   layer.out_channels)
        t, f, step, gs, p = loop.t, loop.f, loop.step, loop.gs, loop.p
        ch = Signal(16)
        # Clocks until the array takes the next operation: the kind's issue interval after each
        # issue.
        interval = array.issue_interval
        holdoff = Signal(range(interval), name="issue_holdoff")
        # Readiness of pass p (tile t), registered to keep the FFT/IFFT counters' minimum and
        # compare off the issue path. One cycle stale is safe: t and p only move on an issue,
        # and the cycle after an issue never issues (holdoff, interval >= 2), so a stale value
        # is never used for a new pass.
        fft_ok = Signal()
        slot_ok = Signal()
        weights_ok = Signal()
        ring = Signal()                     # the groups stream into fewer buffers
        m.d.sync += ring.eq(layer.groups > layer.weight_buffers)   # the layer is steady
        m.d.sync += [fft_ok.eq(self.spectrum.ready > t), slot_ok.eq(p < self.output.fed + 2),
                     weights_ok.eq(prog.groups_loaded > Mux(ring, loop.q, loop.g))]
        # t and ch move only on an issue, never two clocks running, so their compares are
        # registered too (a start sets tiles_left itself, for the stall counters; fft_ok keeps
        # the clock after it from issuing)
        tiles_left = Signal()
        last_c = Signal(name="last_channel")
        m.d.sync += [tiles_left.eq(t < self.control.tiles), last_c.eq(ch + 1 == layer.channels)]
        work = running & tiles_left
        issue = Signal()
        m.d.comb += [issue.eq(work & weights_ok & fft_ok & slot_ok & (holdoff == 0)),
                     self.idle.eq(~running)]
        with m.If(issue):
            m.d.sync += holdoff.eq(interval - 1)
        with m.Elif(holdoff != 0):
            m.d.sync += holdoff.eq(holdoff - 1)
        with m.If(self.control.start):
            m.d.sync += [running.eq(1), *loop.restart(), ch.eq(0), fft_ok.eq(0),
                         slot_ok.eq(0), weights_ok.eq(0), tiles_left.eq(self.control.tiles != 0)]
        with m.Elif(issue):
            m.d.sync += ch.eq(ch + 1)
            with m.If(last_c):
                m.d.sync += ch.eq(0)
                loop.advance(m, ring)
        with m.Elif(running & (t >= self.control.tiles) & (passes_done == p)):
            m.d.sync += running.eq(0)

        m.d.comb += [
            self.spectrum.en.eq(issue), self.spectrum.lane.eq(f),
            self.spectrum.addr.eq(const_mul(loop.lslot, cmax * s_steps) + const_mul(ch, s_steps)
                                  + step),
        ]
        def slots_below(count):
            """The slots ``j < count`` (the ones at work), one bit each."""
            return Cat(*[count > j for j in range(c.slots)])

        # The group's slots with an output channel: j < live = min(J, M - g J), registered
        # like fft_ok (g moves only on an issue, and the clock after an issue never issues)
        live = Signal(range(c.slots + 1), name="live_slots")
        left = loop.channels_left
        m.d.sync += live.eq(Mux(left >= c.slots, c.slots, left[:len(live)]))
        # Operation tags: the spectrum read's latency to the array, the array's latency more to
        # the sums. The slots at work go along as a count and as one bit each (``slots``, the
        # compares made where the tag is set), so that the array's and the output banks'
        # enables are register bits, not compares.
        read = self.spectrum.signature.latency
        op = data.StructLayout({"valid": 1, "first": 1, "last": 1, "pass_end": 1,
                                "last_group": 1, "group_end": 1, "live": range(c.slots + 1),
                                "slots": c.slots,
                                "waddr": array.addr.shape(),
                                "yaddr": range(c.output_spectrum_depth)})
        stages = [Signal(op, name=f"op{i}") for i in range(read + array.latency)]
        m.d.sync += [
            stages[0].valid.eq(issue), stages[0].first.eq(ch == 0), stages[0].last.eq(last_c),
            stages[0].pass_end.eq(last_c & loop.pass_end()),
            stages[0].last_group.eq(loop.last_group()),
            stages[0].group_end.eq(loop.group_end()),
            stages[0].live.eq(live), stages[0].slots.eq(slots_below(live)),
            stages[0].waddr.eq(const_mul(layer.weight_base + gs, cmax) + ch),
            stages[0].yaddr.eq(Mux(p[0], s_steps, 0) + step),
        ]
        for i in range(1, len(stages)):
            m.d.sync += stages[i].eq(stages[i - 1])
        at_array, at_result = stages[read - 1], stages[-1]
        m.d.comb += [
            array.start.eq(at_array.valid), array.active.eq(at_array.slots),
            array.addr.eq(at_array.waddr),
            array.first.eq(at_array.first), array.last.eq(at_array.last),
            array.x.eq(self.spectrum.data),
        ]

        m.submodules.output_spectrum = buffer = OutputSpectrumBuffer(c, array.acc_width)
        m.d.comb += [buffer.write_en.eq(array.result_valid),
                     buffer.write_slots.eq(at_result.slots),
                     buffer.write_addr.eq(at_result.yaddr),
                     buffer.write_data.eq(array.results), buffer.read_en.eq(self.output.en),
                     buffer.read_addr.eq(self.output.addr), buffer.read_bank.eq(self.output.bank),
                     self.output.data.eq(buffer.read_data)]

        groups_done = Signal(c.count_width)     # groups (per block) whose every pass is done
        m.d.comb += prog.groups_done.eq(groups_done)
        with m.If(self.control.start):
            m.d.sync += [passes_done.eq(0), spectra_free.eq(0), groups_done.eq(0),
                         self.operations.eq(0), self.pe_operations.eq(0), self.pe_sums.eq(0),
                         self.stall_fft.eq(0),
                         self.stall_ifft.eq(0), self.stall_weights.eq(0)]
        with m.Else():
            with m.If(array.result_valid):
                m.d.sync += self.pe_sums.eq(self.pe_sums
                                            + const_mul(at_result.live, c.bin_lanes))
            with m.If(array.result_valid & at_result.pass_end):
                m.d.sync += passes_done.eq(passes_done + 1)
                with m.If(at_result.last_group):
                    m.d.sync += spectra_free.eq(spectra_free + 1)
                with m.If(at_result.group_end):
                    m.d.sync += groups_done.eq(groups_done + 1)
            with m.If(issue):
                m.d.sync += [self.operations.eq(self.operations + 1),
                             self.pe_operations.eq(self.pe_operations
                                                     + const_mul(live, c.bin_lanes))]
            waiting = work & (holdoff == 0)
            with m.If(waiting & ~weights_ok):
                m.d.sync += self.stall_weights.eq(self.stall_weights + 1)
            with m.If(waiting & weights_ok & ~fft_ok):
                m.d.sync += self.stall_fft.eq(self.stall_fft + 1)
            with m.If(waiting & weights_ok & fft_ok & ~slot_ok):
                m.d.sync += self.stall_ifft.eq(self.stall_ifft + 1)
        return m
