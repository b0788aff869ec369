"""The ReRAM kind's MAC stage: it gathers each bin step's input channels for the crossbars, runs
them, and writes their sums to the output-spectrum buffer.

Same ports as :class:`fdagen.gateware.accel.mac.MACStage`, so the top and the other stages do
not know which kind computes. Each bin lane ``l`` is one
:class:`~fdagen.gateware.pe.crossbar_array.CrossbarArray` of ``J`` outputs holding the weight
sets ``s = g * U/L + step`` of every group and bin step of the lane's bins (programmed once per
layer through ``prog``, write-verify, at the array's pace; each lane takes its weights through
a FIFO of :data:`WEIGHT_FIFO_DEPTH`, so the lanes programme concurrently, and ``prog.busy``
holds the run back until every weight is in its cells).

For each pass (:mod:`fdagen.gateware.accel.tile_loop`: tile blocks, then groups ``g < G``, then
the block's tiles ``t``; once tile ``t``'s spectra are ready and a slot of the output-spectrum
buffer is free) and bin step ``< U/L``, one **array operation**:

1. **Gather**: ``C`` reads of the input spectrum, channel ``c`` of bins ``step * L + l`` at
   ``lslot C_max U/L + c U/L + step`` (the tile's slot), one per clock, into each lane's gather
   registers (``C`` complex values per lane). The gather of the next operation overlaps the
   crossbars' work on this one (the arrays hold their inputs from ``start``).
2. **Launch**, when every value has arrived and the crossbars are ready: every lane starts
   with weight set ``s``, the layer's ``C`` and ADC shift; the crossbars sum all ``C``
   channels at once (two phases, bit-serial input slices, the ADC mux, shift-and-add, row
   slices: :class:`~fdagen.gateware.pe.crossbar_array.CrossbarArray`).
3. **Write**: the ``J`` sums of every lane are complete sums over the input channels; they go
   to the PEs' output-spectrum banks at ``(p mod 2) U/L + step`` for pass ``p`` (one IFFT per
   tile and output channel, as with digital PEs).

The counters count launches (``operations``), written sums, spectrum reads and stalls per
layer (from ``control.start``), and sum the lanes' crossbar events (cleared by
``control.capture``, so that a layer's programming, which follows the previous run's capture,
is counted with it).
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import (LayerControl, OutputSpectrumRead, SpectrumRead,
                                              WeightProgram)
from fdagen.gateware.accel.output_spectrum import OutputSpectrumBuffer
from fdagen.gateware.accel.tile_loop import TileLoop
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.arith import const_mul
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.pe.xbar import tree_sum

__all__ = ["CrossbarMACStage"]

#: Weights each lane's FIFO holds: two bins' worth of a channel at N = 8 (the loader sends a
#: lane runs of up to ``(N/2 + 1) N / L`` weights).
WEIGHT_FIFO_DEPTH = 16

#: The lanes' event counters and the stage's names for them (``fdagen.arch.fields.COUNTERS``).
LANE_COUNTERS = {"reads": "xbar_reads", "dac_conversions": "dac_conversions",
                 "conversions": "adc_conversions", "shift_adds": "shift_adds",
                 "pulses": "program_pulses", "verifies": "verify_reads",
                 "failures": "program_failures"}


class CrossbarMACStage(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`
    of the ``reram`` kind; ``device_maps`` (in-place simulation only) one list of
    :class:`~fdagen.golden.crossbar.DeviceMap` per bin lane, one map per macro."""

    def __init__(self, config, blocks=INLINE, device_maps=None):
        self.config = c = config
        kind = c.pe
        self.acc_width = c.accumulator_width
        self.lanes = [blocks.crossbar_array(
            fmt=kind.crossbar_format(c), adc_share=c.adc_share, data_width=c.data_width,
            weight_width=c.weight_width, channels=c.max_channels, outputs=c.slots,
            sets=c.weight_sets, max_shift=kind.max_adc_shift(c),
            max_attempts=c.max_attempts,
            **({} if device_maps is None else {"device_maps": device_maps[lane]}))
            for lane in range(c.bin_lanes)]
        super().__init__({
            "control": In(LayerControl(c)),
            "spectrum": Out(SpectrumRead(c)),
            "output": In(OutputSpectrumRead(c, self.acc_width)),
            "idle": Out(1),
            "prog": In(WeightProgram(c)),
            "operations": Out(32), "finished_sums": Out(32), "stall_fft": Out(32),
            "stall_ifft": Out(32), "spectrum_reads": Out(32),
            **{name: Out(32) for name in LANE_COUNTERS.values()},
        })

    def counter_sources(self):
        """``{counter: value}`` of the :data:`~fdagen.arch.fields.COUNTERS` this stage keeps
        (see :meth:`fdagen.gateware.accel.mac.MACStage.counter_sources`)."""
        c = self.config
        return {"pe_busy_cycles": const_mul(self.operations, c.issue_interval),
                "mac_operations": self.operations,
                "pe_stall_fft": self.stall_fft, "pe_stall_ifft": self.stall_ifft,
                "pe_stall_weights": 0,              # every weight is in before the run
                "weight_reads": 0,
                "spectrum_reads": const_mul(self.spectrum_reads, c.bin_lanes),
                "output_spectrum_writes": const_mul(self.finished_sums, c.pes),
                **{name: getattr(self, name) for name in LANE_COUNTERS.values()}}

    def elaborate(self, platform):
        m = Module()
        c = self.config
        steps, cmax, lanes = c.bin_steps, c.max_channels, c.bin_lanes
        lane_bits = c.log2(lanes)
        layer, prog = self.control.layer, self.prog
        for lane, array in enumerate(self.lanes):
            m.submodules[f"lane{lane}"] = array

        # -- weights: through each lane's FIFO, so that the lanes programme concurrently ------
        pe_lane = prog.pe[:lane_bits] if lane_bits else 0
        weight = data.StructLayout({"set": prog.set.shape(), "m": self.lanes[0].prog_m.shape(),
                                    "c": prog.channel.shape(), "re": prog.re[0].shape(),
                                    "im": prog.im[0].shape()})
        offered = Signal(weight, name="weight_offered")
        m.d.comb += [offered.set.eq(prog.set), offered.m.eq(prog.pe >> lane_bits),
                     offered.c.eq(prog.channel), offered.re.eq(prog.re[0]),
                     offered.im.eq(prog.im[0])]          # one word a beat (weight_beat_words 1)
        pending = []
        for lane, array in enumerate(self.lanes):
            queue = SyncFIFOBuffered(width=weight.size, depth=WEIGHT_FIFO_DEPTH)
            m.submodules[f"weights{lane}"] = queue
            head = data.View(weight, queue.r_data)
            m.d.comb += [queue.w_data.eq(offered), queue.w_en.eq(prog.valid & (pe_lane == lane)),
                         array.prog_valid.eq(queue.r_rdy), queue.r_en.eq(array.prog_ready),
                         array.prog_set.eq(head.set), array.prog_m.eq(head.m),
                         array.prog_c.eq(head.c), array.prog_re.eq(head.re),
                         array.prog_im.eq(head.im)]
            with m.If(pe_lane == lane):
                m.d.comb += prog.ready.eq(queue.w_rdy)
            pending.append((queue.level != 0) | ~array.ready)
        m.d.comb += [prog.busy.eq(Cat(*pending).any()),
                     prog.groups_done.eq(0)]        # a buffer per group: no refills

        # -- loop nest: block, group g, tile t, bin step; advanced at each launch --------------
        # passes whose sums are all in the output spectrum
        passes_done = Signal(c.count_width)
        spectra_free = Signal(c.count_width)    # leading tiles whose last group is done
        m.d.comb += [self.spectrum.done.eq(spectra_free), self.output.done.eq(passes_done)]
        running = Signal()
        loop = TileLoop(c, layer.bin_steps)
        loop.track(m, layer.groups, self.control.tiles, layer.weight_buffers)
        t, f, gs, p = loop.t, loop.f, loop.gs, loop.p
        ch = Signal(16)                                     # next channel to read
        requested = Signal()                                # every channel read
        gathered = Signal()                                 # every channel arrived
        launched = Signal()                                 # last clock launched
        # Readiness of pass p (tile t), registered; t and p move only at a launch and no read
        # follows a launch at once, so a stale value is never used for a new pass.
        fft_ok = Signal()
        slot_ok = Signal()
        m.d.sync += [fft_ok.eq(self.spectrum.ready > t), slot_ok.eq(p < self.output.fed + 2)]
        work = running & (t < self.control.tiles)
        read = Signal()
        m.d.comb += [read.eq(work & ~requested & ~launched & fft_ok & slot_ok),
                     self.idle.eq(~running)]
        m.d.comb += [
            self.spectrum.en.eq(read), self.spectrum.lane.eq(f),
            self.spectrum.addr.eq(const_mul(loop.lslot, cmax * steps) + const_mul(ch, steps)
                                  + loop.step),
        ]
        last_c = ch + 1 == layer.channels

        # -- gather: the read data into each lane's registers ----------------------------------
        latency = self.spectrum.signature.latency
        tag = data.StructLayout({"valid": 1, "channel": range(cmax), "last": 1})
        tags = [Signal(tag, name=f"read{i}") for i in range(latency)]
        m.d.sync += [tags[0].valid.eq(read), tags[0].channel.eq(ch), tags[0].last.eq(last_c)]
        for i in range(1, latency):
            m.d.sync += tags[i].eq(tags[i - 1])
        arriving = tags[-1]
        gather = Signal(data.ArrayLayout(data.ArrayLayout(complex_layout(c.data_width), cmax),
                                         lanes), name="gather")
        with m.If(arriving.valid):
            for lane in range(lanes):
                with m.Switch(arriving.channel):
                    for channel in range(cmax):
                        with m.Case(channel):
                            m.d.sync += gather[lane][channel].eq(self.spectrum.data[lane])
            with m.If(arriving.last):
                m.d.sync += gathered.eq(1)

        # -- launch -----------------------------------------------------------------------------
        ready = Cat(*[array.ready for array in self.lanes]).all()
        launch = Signal()
        m.d.comb += launch.eq(running & gathered & ready)
        m.d.sync += launched.eq(launch)
        for lane, array in enumerate(self.lanes):
            m.d.comb += [array.start.eq(launch), array.set.eq(layer.weight_base + gs),
                         array.active.eq(layer.channels), array.adc_shift.eq(layer.adc_shift)]
            for channel in range(cmax):
                m.d.comb += [array.x_re[channel].eq(gather[lane][channel].re),
                             array.x_im[channel].eq(gather[lane][channel].im)]
        op = data.StructLayout({"pass_end": 1, "last_group": 1,
                                "yaddr": range(c.output_spectrum_depth)})
        inflight = Signal(op, name="inflight")

        with m.If(self.control.start):
            m.d.sync += [running.eq(1), *loop.restart(), ch.eq(0), requested.eq(0),
                         gathered.eq(0), fft_ok.eq(0), slot_ok.eq(0)]
        with m.Elif(launch):
            m.d.sync += [inflight.pass_end.eq(loop.pass_end()),
                         inflight.last_group.eq(loop.last_group()),
                         inflight.yaddr.eq(Mux(p[0], steps, 0) + loop.step),
                         requested.eq(0), gathered.eq(0)]
            loop.advance(m, Const(0, 1))
        with m.Elif(read):
            m.d.sync += ch.eq(ch + 1)
            with m.If(last_c):
                m.d.sync += [ch.eq(0), requested.eq(1)]
        with m.Elif(running & (t >= self.control.tiles) & (passes_done == p)):
            m.d.sync += running.eq(0)

        # -- write the sums ---------------------------------------------------------------------
        done = self.lanes[0].result_valid                     # the lanes run in lockstep
        m.submodules.output_spectrum = buffer = OutputSpectrumBuffer(c, self.acc_width)
        m.d.comb += buffer.write_slots.eq(-1)         # every slot's column sums (no gating)
        m.d.comb += [buffer.write_en.eq(done), buffer.write_addr.eq(inflight.yaddr),
                     buffer.read_en.eq(self.output.en), buffer.read_addr.eq(self.output.addr),
                     buffer.read_bank.eq(self.output.bank), self.output.data.eq(buffer.read_data)]
        for p in range(c.pes):
            j, lane = divmod(p, lanes)
            m.d.comb += [buffer.write_data[p].re.eq(self.lanes[lane].result_re[j]),
                         buffer.write_data[p].im.eq(self.lanes[lane].result_im[j])]

        # -- counters ---------------------------------------------------------------------------
        for port, name in LANE_COUNTERS.items():
            m.d.comb += getattr(self, name).eq(
                tree_sum(getattr(array, port) for array in self.lanes))
        for array in self.lanes:
            m.d.comb += array.clear.eq(self.control.capture)
        with m.If(self.control.start):
            m.d.sync += [passes_done.eq(0), spectra_free.eq(0), self.operations.eq(0),
                         self.finished_sums.eq(0), self.stall_fft.eq(0), self.stall_ifft.eq(0),
                         self.spectrum_reads.eq(0)]
        with m.Else():
            with m.If(done):
                m.d.sync += self.finished_sums.eq(self.finished_sums + 1)
                with m.If(inflight.pass_end):
                    m.d.sync += passes_done.eq(passes_done + 1)
                    with m.If(inflight.last_group):
                        m.d.sync += spectra_free.eq(spectra_free + 1)
            with m.If(launch):
                m.d.sync += self.operations.eq(self.operations + 1)
            with m.If(read):
                m.d.sync += self.spectrum_reads.eq(self.spectrum_reads + 1)
            waiting = work & ~requested & ~launched
            with m.If(waiting & ~fft_ok):
                m.d.sync += self.stall_fft.eq(self.stall_fft + 1)
            with m.If(waiting & fft_ok & ~slot_ok):
                m.d.sync += self.stall_ifft.eq(self.stall_ifft + 1)
        return m
