"""The accelerator top: stream ports, layer loader, the three datapath stages, output drain,
performance counters.

A layer, start to finish (no host help between tiles):

1. ``desc``: the layer descriptor (:func:`fdagen.arch.fields.field_names` of the build's
   dimensions, one word each), into the loader's layer registers.
2. ``weights`` and ``pixels``, accepted concurrently: first the ``M`` bias codes, then the
   spectral weights through the PE programming port, ``V`` (the build's
   ``weight_beat_words``) consecutive output channels a beat, output-channel group by group into
   the layer's ``weight_buffers`` group buffers in turn (weight ``(m, c, ky, kx)``, or
   ``(m, c, kz, ky, kx)`` in 3-D, of the ``q``-th group streamed to PE ``(l, j) = (k mod L, m
   mod J)`` at word ``(b + (q mod W) U/L + k/L) C_max + c`` with the bin ``k`` of
   :func:`~fdagen.gateware.accel.layer.layer_bin` and ``U`` at the layer's FFT size ``N``,
   the descriptor's ``weight_base`` ``b`` and
   ``W`` buffers), at the MAC stage's pace and only into a buffer whose group the array has
   finished;
   pixels into the feature-map buffer, ``V`` (the build's ``pixel_beat_words``) consecutive
   pixels of a row a beat (a row's last beat zero-filled past its end), a beat a buffer word.
   With at least ``G`` buffers every group loads once; with
   fewer the groups stream once per tile block. With ``weights_resident`` the weights are in
   their sets already (an earlier layer loaded them at the same base) and the stream carries
   the biases only. The run starts once the pixels and biases are in: a kind that streams its
   weights (:attr:`fdagen.arch.pe_kinds.PEKind.streams_weights`) takes them during the run,
   each group before the array needs it; the others' run waits for every weight.
3. Run: :class:`~fdagen.gateware.accel.forward.FFTStage` -> the PE kind's MAC stage
   (:attr:`fdagen.arch.pe_kinds.PEKind.mac_stage`) ->
   :class:`~fdagen.gateware.accel.inverse.IFFTStage`, overlapped pass by pass (tile blocks,
   output-channel groups, the block's tiles: :mod:`fdagen.gateware.accel.tile_loop`) through
   the spectrum buffers, until every pass is overlap-added.
4. Drain, beside the run, **band by band**: output ``(m, i, j)`` is the overlap-add word at
   ``(K - 1 + i s, K - 1 + j s)`` plus the bias code, ``>> output_shift`` (rounded, saturating
   to the data width), then ReLU when the descriptor asks. Band ``(g, ty)`` is group ``g``'s
   output rows whose overlap-add row is in ``[ty T, ty T + T)`` (the last tile row's: to the
   end); it is final, and streams out, as soon as the IFFT lanes have overlap-added the
   group's pass over tile row ``ty``'s last tile, while the array and the lanes work on.
   The stream's order (:meth:`fdagen.arch.schedule.LayerSchedule.output_order`): bands in the
   order the lanes finish them (tile blocks, then groups, then the tile rows that end in the
   block), each band's channels ``m = g J + j`` in turn, each channel's rows of the band in
   raster order. ``last`` on the final pixel. The drain's walk queues each pixel's read,
   and the reads take a lane's bank only in clocks its overlap-add leaves free; a tile row's
   overlap-adds start only once every read of the band two rows back has issued when the
   windows are rings of rows
   (:attr:`~fdagen.arch.config.AcceleratorConfig.oaa_rows`). What is left after the run (the
   last bands, and any backlog) is the drain phase.
5. Counters: when the run is over its counters are captured; when the last pixel is out the
   layer retires, the drain's are captured too, and they stream out on ``counters``, one
   32-bit word per :data:`COUNTERS` entry, ``last`` on the final one, while the next layers
   load and run. A run's counters are captured only once the previous layer's are out.

**Layers overlap**: three layers may be in flight, one loading, one running, one draining,
each stage with its own copy of the registers it needs.

- The loader takes the next descriptor as soon as it has streamed the current layer's last
  weight (during the run, for a kind that streams its weights).
- The next layer's biases go to the other of two bias banks (a bank is written only once the
  layer that used it has retired). Its pixels load as soon as the current run has transformed
  its last tile (the feature map is free), its spectral weights once the run is over (the
  group buffers are free). A kind that counts its programming
  (:attr:`fdagen.arch.pe_kinds.PEKind.counts_programming`) programs once the run's counters
  are captured.
- The next run starts once the current run's counters are captured and the drain has taken
  that layer over; its registers take the loader's a clock before. Its forward transforms and
  MACs go on while the drain finishes the previous layer; only its IFFT lanes wait for that
  (``hold``: the previous layer's bands are in the overlap-add banks until drained).

The counters are per layer as ever: ``cycles`` from the layer's first descriptor word to its
last output pixel (the spans of consecutive layers overlap), ``load_cycles`` from its last
descriptor word to its run (waiting for the previous layer included).

The loader's pixel walk and the drain's are :class:`~fdagen.gateware.accel.raster.Raster`
walks over the geometry's axes.

Numerics are exactly :func:`fdagen.golden.pipeline.conv_fixed`'s (2-D or, on a ``dims = 3``
build, 3-D), whatever ``P``.
"""

from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from fdagen.arch.fields import COUNTERS, PE_COUNTERS, field_names
from fdagen.gateware.accel.forward import FFTStage, pixel_beat_shape
from fdagen.gateware.accel.inverse import IFFTStage
from fdagen.gateware.accel.interfaces import DrainRead, LayerControl
from fdagen.gateware.accel.layer import LayerShape, layer_bin, layer_fft_size
from fdagen.gateware.accel.raster import Raster, buffer_address
from fdagen.gateware.blocks import INLINE, component_class
from fdagen.gateware.common.arith import const_mul, round_shift_saturate
from fdagen.gateware.common.ram import ram
from fdagen.gateware.common.read_stream import ReadStream

__all__ = ["Accelerator"]

#: Counters the drain keeps for the layer it drains (the others are the loader's and the run's).
DRAIN_COUNTERS = ("cycles", "drain_cycles", "output_pixels", "output_stall_cycles")


class Accelerator(wiring.Component):
    """The generated top (see the module docstring). ``config`` is an
    :class:`fdagen.arch.config.AcceleratorConfig`; ``blocks`` a
    :class:`fdagen.gateware.blocks.BlockLibrary` (inline for Amaranth simulation, separate
    modules for Verilog); ``stage_options`` go to the kind's MAC stage (e.g. the crossbars'
    ``device_maps`` in Amaranth simulation)."""

    def __init__(self, config, blocks=INLINE, **stage_options):
        self.config = c = config
        self._blocks = blocks
        self.mac = component_class(c.pe.mac_stage)(c, blocks, **stage_options)
        super().__init__({
            "desc": In(stream.Signature(unsigned(32))),
            "weights": In(stream.Signature(unsigned(c.weight_beat_width))),
            "pixels": In(stream.Signature(pixel_beat_shape(c))),
            "out": Out(stream.Signature(data.StructLayout({"value": signed(c.data_width),
                                                           "last": 1}))),
            "counters": Out(stream.Signature(data.StructLayout({"value": unsigned(32),
                                                                "last": 1}))),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        n, lanes, li = c.fft_size, c.bin_lanes, c.ifft_lanes
        lane_bits, bits = c.log2(lanes), c.stages
        m.submodules.fft = fft = FFTStage(c, self._blocks)
        m.submodules.mac = mac = self.mac
        m.submodules.ifft = ifft = IFFTStage(c, mac.acc_width, self._blocks)
        control = LayerControl(c).create(path=("control",))
        # The layer registers are not reset: each is written before the stage that reads it
        # starts (the loader's from the descriptor, the run's at the hand-over, the drain's
        # when it takes the layer over), and a few hundred flip-flops stay off the reset net.
        layer_shape = LayerShape(bits, c.dims)
        layer = Signal(layer_shape, name="layer", reset_less=True)
        start = control.start
        m.d.comb += control.layer.eq(layer)
        m.d.comb += control.tiles.eq(layer.tiles)
        wiring.connect(m, control, fft.control, mac.control, ifft.control)
        wiring.connect(m, mac.spectrum, fft.spectrum)
        wiring.connect(m, ifft.output, mac.output)
        drain_read = DrainRead(c).create(path=("drain_read",))
        wiring.connect(m, drain_read, ifft.drain)

        # Three layers may be in flight: the loader works on ``load_layer`` (the descriptor it
        # took last), the run on ``layer`` (taken a clock before ``start``), the drain on
        # ``drain_layer`` (the fields it needs, taken from ``layer`` when it takes the layer
        # over, once it has retired the previous one).
        load_layer = Signal(layer_shape, name="load_layer", reset_less=True)
        drain_fields = ("out_channels", "groups", *c.geometry.output_fields, "kernel", "stride",
                        "tile", "output_shift", "relu")
        drain_layer = Signal(data.StructLayout({name: layer_shape.members[name]
                                                for name in drain_fields}), name="drain_layer",
                             reset_less=True)
        run_idle = Signal()                 # no run, its counters captured: a run may start
        run_running = Signal()              # the feature map and group buffers are in use
        queued = Signal()                   # the running layer waits for the drain
        feeding = Signal()                  # the loader streams the running layer's weights
        handed_over = Signal()              # ``layer`` holds the loader's layer (not started)
        starting = Signal(name="starting")  # the loader's START: the run's ``start``
        desc_done = Signal(name="desc_done")  # LOAD's first clock: the loader's walks restart
        m.d.comb += start.eq(starting)
        # the running layer's tiles are all transformed: the feature map takes the next pixels
        forward_done = Signal()
        forward_done_next = Mux(start, 0, forward_done | (fft.spectrum.ready >= control.tiles))
        m.d.sync += forward_done.eq(forward_done_next)
        # No run, or its tiles all transformed, in a register set from the next values of the
        # run's state (below: IDLE -> RUN at a start, RUN -> OVER when the drain has read the
        # last band and the array is idle) and of forward_done, so that the pixels' ready is
        # a register's, not the run FSM's decode.
        fmap_free = Signal(init=1, name="fmap_free")
        run_over = drain_read.finished & mac.idle       # the run's RUN -> OVER
        running_next = Mux(run_running, ~run_over, start)
        m.d.sync += fmap_free.eq(~running_next | forward_done_next)
        m.d.comb += ifft.hold.eq(queued)    # its overlap-adds wait for the previous drain

        # -- performance counters ------------------------------------------------------------
        # The loader's (restart with a layer's first descriptor word) are handed to the run's
        # copies at ``start``; the run's own restart at ``start``, the drain's when it takes a
        # layer over. The run's are captured when the run is over, the drain's when the layer
        # retires (its last pixel out), and then stream out. ``cycles`` is the span between the
        # timer's values at the first descriptor word and at the last output pixel.
        timer = Signal(32, name="timer")
        m.d.sync += timer.eq(timer + 1)
        begin_time = {side: Signal(32, name=f"{side}_begin_time")
                      for side in ("load", "run", "drain")}
        run_end_time = Signal(32, name="run_end_time")
        last_pixel_time = Signal(32, name="last_pixel_time")
        load_names = ("load_cycles", "fmap_writes", "weight_writes", "bias_writes")
        loader = {name: Signal(32, name=f"load_count_{name}") for name in load_names}
        counters = {name: Signal(32, name=f"count_{name}")
                    for name in (*load_names, "run_cycles", "output_pixels",
                                 "output_stall_cycles")}
        increment = {name: Signal(range(c.weight_beat_words + 1) if name == "weight_writes"
                                  else 1, name=f"load_increment_{name}")
                     for name in load_names}
        # each clock's increments, registered before the loader's 32-bit counts add them (the
        # weights' handshake is not in the adders' paths); every read of a count adds the
        # pending increment
        pending = {name: Signal.like(increment[name], name=f"load_pending_{name}")
                   for name in load_names}
        m.d.sync += [pending[name].eq(increment[name]) for name in load_names]
        begin = Signal()                    # a layer's first descriptor word

        # -- descriptor -----------------------------------------------------------------
        fields = field_names(c.dims)
        field = Signal(range(len(fields)))
        m.d.comb += begin.eq(self.desc.ready & self.desc.valid & (field == 0))
        m.d.comb += self.desc.ready.eq(0)

        # -- loader counters --------------------------------------------------------------
        wm = Signal(16)
        wc = Signal(16)
        # the bin walk of a channel's weights: (ky, kx), or (kz, ky, kx) in 3-D, kx innermost
        # over N / 2 + 1 bins. Its bounds are registered (the first weight comes after the
        # biases, a clock after the descriptor at the soonest); they are at least 2, so the
        # walk's restart at the descriptor's end sets no flag whatever they hold then.
        w_bins = Signal(range(n + 1), name="w_bins")                # the layer's N
        w_half_bins = Signal(range(n // 2 + 2), name="w_half_bins")  # N / 2 + 1
        bins = Raster("w", "k", c.geometry.axes, [w_bins] * (c.dims - 1) + [w_half_bins],
                      width=c.stages, last_flags=True, end_flag=True)
        wj = Signal(16)                                             # m mod J
        groups_loaded = Signal(c.count_width)                       # q: groups streamed
        wbuf = Signal(16)                                           # q mod W
        wbuf_sets = Signal(range(c.weight_sets + 1))                # (q mod W) U/L
        wblock = Signal(c.count_width)                              # tile blocks streamed
        bias_phase = Signal()
        weights_done = Signal()
        bias_index = Signal(16)
        # LOAD, START or FEED: the weights stream is taken (a register set and cleared where
        # the loader enters and leaves them, not a decode of its state)
        loading = Signal(name="loading")
        # the group buffers take the next layer's weights once the running layer is done with
        # them (or, for a kind that counts its programming, once its counters are captured);
        # registered: it falls only where the run starts, when the loader goes to FEED, which
        # sets it, and a clock late where it rises only delays the loader
        weights_free = Signal(name="weights_free")
        m.d.sync += weights_free.eq(feeding | (run_idle if c.pe.counts_programming
                                               else ~run_running))
        # The q-th group's buffer is free once the array has finished group q - W of the same
        # layer (before its run, the buffers are free). The flag is a register, the compare
        # for q, or for q + 1 where q moves (``group_moved``), against the limit a clock ago
        # (a register too: the loader's state, the array's count and W meet in its adder, not
        # in the compare's clock), so it is never ahead of the buffers: the limit only grows
        # while a layer's weights stream (the array's count restarts at the run's start, where
        # the limit is W either way); it falls where FEED ends, and the next layer's first
        # weight comes many clocks later (its descriptor, the walks' restart and the biases
        # come between), when W is steady too.
        limit_now = Mux(feeding, mac.prog.groups_done, 0) + load_layer.weight_buffers
        buffer_limit = Signal(limit_now.shape(), name="buffer_limit")
        m.d.sync += buffer_limit.eq(limit_now)
        group_moved = Signal()
        buffer_free = Signal(name="buffer_free")
        m.d.sync += buffer_free.eq(Mux(group_moved, groups_loaded + 1 < buffer_limit,
                                       groups_loaded < buffer_limit))
        m.d.comb += [
            # a layer the loader has finished is all loaded
            mac.prog.groups_loaded.eq(Mux(layer.weights_resident | ~feeding,
                                          (1 << c.count_width) - 1, groups_loaded)),
        ]
        geometry = c.geometry
        # the pixel walk: the last axis in beats of V pixels
        pixel_words, pixel_bits = c.pixel_beat_words, c.log2(c.pixel_beat_words)
        extents = [load_layer[name] for name in geometry.extent_fields]
        if pixel_words > 1:
            extents[-1] = (extents[-1] + pixel_words - 1) >> pixel_bits
        # The walk's bounds in registers, and its last-index compares too (Raster's
        # ``last_flags``): the extents are among the descriptor's first fields, so the bounds
        # are current many clocks before the walk restarts, at the descriptor's last word.
        bounds = [Signal(16, name=f"pixel_bound_{axis}") for axis in geometry.axes]
        m.d.sync += [bound.eq(extent) for bound, extent in zip(bounds, extents)]
        pixel = Raster("", "p", geometry.axes, bounds, last_flags=True)
        # (the extents, and the output channels of the bias phase below, are early fields)
        assert all(fields.index(name) < len(fields) - 1
                   for name in [*geometry.extent_fields, "out_channels"])
        word_strides = [stride // pixel_words
                        for stride in geometry.strides(c.max_size, c.fmap_pitch)[:-1]] + [1]
        pc = Signal(16)
        # pc is the layer's last channel, set where pc moves (channels is the first field)
        p_last_channel = Signal(name="pixel_at_last_channel")
        pbase = Signal(range(c.fmap_depth + 1))
        # the layer's pixels are all in: clear only in LOAD (from its first clock to the last
        # pixel), so that the pixels' ready is two registers' AND, not the loader's decode
        pixels_done = Signal(init=1, name="pixels_done")
        # the biases: two banks of M_max codes, the loader's and the running layer's (the
        # loader writes its bank only while the drain is not reading it: no read meets a write)
        m.submodules.bias = bias = ram(signed(c.bias_width), 2 * c.max_out_channels,
                                       read_old_data=False)
        bias_write, bias_read = bias.write_port(), bias.read_port()
        load_bias_bank = Signal(name="load_bias_bank")
        run_bias_bank = Signal(name="run_bias_bank")
        drain_bias_bank = Signal(name="drain_bias_bank")

        k = Signal(range(c.unique_bins))
        m.d.comb += k.eq(layer_bin(c, load_layer, bins.index[-1], *reversed(bins.index[:-1])))
        size = Signal(range(n + 1), name="fft_size")     # the layer's N
        m.d.comb += size.eq(layer_fft_size(c, load_layer))
        m.d.sync += [w_bins.eq(size), w_half_bins.eq((size >> 1) + 1)]
        beat = self.weights.payload
        words, ww = c.weight_beat_words, c.weight_width
        # The beat's words that are output channels of the layer (the last chunk may be short),
        # in a register, set for the chunk the walk goes to: through the bias phase for the
        # first (wm = 0; the layer registers are steady from the phase's first clock, and the
        # first weight comes a clock after the phase's end at the soonest), and where wm moves.
        beat_words = Signal(range(words + 1), name="w_beat_words")

        def chunk_words(left):
            """The words of a chunk from whose start ``left`` > 0 output channels remain."""
            return Mux(left >= words, words, left)
        # What a channel's end does, decided in registers every clock, in two steps: the
        # compares in registers, then their products: wc, wm, wj, wbuf and wblock move only at
        # a channel's end, every U >= 12 beats, and the layer registers are steady from the
        # descriptor's end to the last weight, so both steps have settled two clocks after
        # either moves. The clock enables at a channel's end are then the take, the bin walk's
        # end flag and one of these.
        w_last_chunk = Signal(name="w_last_chunk")            # wm's beat has the last channels
        w_chunk_end = Signal(name="w_chunk_end")              # the channel walk moves wm
        w_group_end = Signal(name="w_group_end")              # ... and fills the group
        w_block_end = Signal(name="w_block_end")              # ... and ends the tile block
        w_buffer_wrap = Signal(name="w_buffer_wrap")          # ... and the last buffer
        w_weights_end = Signal(name="w_weights_end")          # ... and it is the stream's last
        def compare(name, value):
            flag = Signal(name=name)
            m.d.sync += flag.eq(value)
            return flag
        last_chunk = compare("w_at_last_chunk", wm + words >= load_layer.out_channels)
        last_channel = compare("w_at_last_channel", wc + 1 == load_layer.channels)
        group_end = last_channel & (compare("w_at_last_slots", wj + words == c.slots)
                                    | last_chunk)
        last_buffer = compare("w_at_last_buffer", wbuf + 1 == load_layer.weight_buffers)
        last_block = compare("w_at_last_block", wblock + 1 == load_layer.blocks)
        # fewer buffers than groups: the weights stream once per tile block
        ring = compare("w_ring", load_layer.groups > load_layer.weight_buffers)
        # the beat words of the chunk the walk goes to at wm's next move, in a register of
        # the second step (the chunk after wm's, or the first once wm's is the last)
        left_after = Signal(signed(18), name="w_channels_after_chunk")   # M - (wm + words)
        m.d.sync += left_after.eq(load_layer.out_channels - wm - words)
        next_beat_words = Signal(range(words + 1), name="w_next_beat_words")
        m.d.sync += next_beat_words.eq(Mux(last_chunk, chunk_words(load_layer.out_channels),
                                           chunk_words(left_after)))
        m.d.sync += [
            w_last_chunk.eq(last_chunk), w_chunk_end.eq(last_channel),
            w_group_end.eq(group_end), w_block_end.eq(last_channel & last_chunk),
            w_buffer_wrap.eq(group_end & last_buffer),
            w_weights_end.eq(last_channel & last_chunk & (~ring | last_block)),
        ]
        m.d.comb += [
            mac.prog.pe.eq((wj << lane_bits) | (k[:lane_bits] if lane_bits else 0)),
            mac.prog.set.eq(load_layer.weight_base + wbuf_sets + (k >> lane_bits)),
            mac.prog.channel.eq(wc), mac.prog.words.eq(beat_words),
            *[mac.prog.re[i].eq(beat[2 * ww * i:2 * ww * i + ww]) for i in range(words)],
            *[mac.prog.im[i].eq(beat[2 * ww * i + ww:2 * ww * (i + 1)]) for i in range(words)],
            bias_write.addr.eq(Mux(load_bias_bank, c.max_out_channels + bias_index,
                                   bias_index)),
            bias_write.data.eq(beat[:c.bias_width]),
            fft.fmap_waddr.eq(buffer_address(pbase, pixel.index, word_strides)),
            fft.fmap_wdata.eq(self.pixels.payload),
        ]

        # -- drain ------------------------------------------------------------------------
        # Band by band as the IFFT lanes announce them (group g, tile row origin ty T): each
        # of the group's channels m, its output rows i whose overlap-add row K - 1 + i s is in
        # the band ([ty T, ty T + T), the last band's to the end), each row's pixels j at
        # K - 1 + j s. Within a group the bands come in row order, so the walk goes on where
        # the group's previous band ended: the previous band's end when the group is the same,
        # else (a new group over the same tile block) the block's first band's start, which a
        # group 0 band (a new block) sets.
        band = drain_read.bands.payload
        inner_fields = geometry.output_fields[1:]
        inner = Raster("", "d", geometry.axes[1:], [drain_layer[name] for name in inner_fields],
                       position="read_", start=drain_layer.kernel - 1, step=drain_layer.stride,
                       last_flags=True)
        out_rows = drain_layer[geometry.output_fields[0]]
        d_row = Signal(16, name="d_row")                   # i
        d_read_row = Signal(16, name="d_read_row")         # K - 1 + i s
        band_row = Signal(16, name="band_row")             # the band's first (i, K - 1 + i s)
        band_read_row = Signal(16, name="band_read_row")
        block_row = Signal(16, name="block_row")           # the tile block's first band's
        block_read_row = Signal(16, name="block_read_row")
        block_read_next = Signal(16, name="block_read_row_next")  # block_read_row + s
        d_prev_group = Signal(16, name="d_prev_group")     # the group of the band before
        d_bands = Signal(16, name="d_bands")               # bands walked
        bands_read = Signal(16, name="bands_read")         # bands whose reads are all issued
        band_set = Signal(name="band_set")                 # the walk is in the band it set up
        bands_all = Signal(name="bands_all")               # the layer's last band is walked
        dm = Signal(16, name="dm")
        dm_next = Signal(16, name="dm_next")               # dm + 1, moved with dm
        # (m mod J) mod LI, div LI
        d_mod = Signal(range(max(2, li)), name="d_mod")
        d_div = Signal(16, name="d_div")
        d_slot = Signal(16, name="d_slot")                         # m mod J
        d_gbase = Signal(range(c.oaa_depth + 1), name="d_gbase")
        d_issued_all = Signal(name="d_issued_all")
        band_walk = Signal()                # the drain walks the bands of a layer it has
        drain_busy = Signal()               # the drain has a layer that has not retired
        drain_run_over = Signal()           # the drained layer's run is over: all bands final
        # the overlap-add read, the biased sum's register, the requantizer's register, then the
        # output register (the two middle ones keep the sum's carry, the shift and the
        # saturation in separate clocks)
        read = drain_read.signature.latency
        drain = ReadStream(data.StructLayout({"value": signed(c.data_width), "last": 1}),
                           latency=read + 3)
        m.submodules.drain = drain
        m.d.comb += [self.out.valid.eq(drain.o.valid), self.out.payload.eq(drain.o.payload),
                     drain.o.ready.eq(self.out.ready)]
        # The band's rows end where the next tile row's band begins (the last band's and any
        # band's at the last output row). The walk's compares are with registers: the band's
        # limit, last flag and emptiness, taken at the band's start (the band stays at the
        # queue's head until it is done); the layer's last row and channel, kept from
        # drain_layer (steady from the clock after TAKE, before any band starts); and
        # d_read_row + s, moved with d_read_row. The compares themselves are registers too
        # (``drain_at_*``), so that the issue decides only among flags: a band primes them in
        # the clock after its start (``band_primed``; no pixel is issued before), and a move
        # of the walk sets them for where it goes, from compares of the registers it leaves.
        limit = Signal(16, name="band_limit")
        band_last = Signal(name="band_last")
        band_empty = Signal(name="band_empty")
        band_final = Signal(name="band_final")             # the layer's last band
        d_bank = Signal.like(drain_read.bank, name="d_bank")
        last_row = Signal(16, name="drain_last_row")
        last_channel = Signal(16, name="drain_last_channel")
        m.d.sync += [last_row.eq(out_rows - 1), last_channel.eq(drain_layer.out_channels - 1)]
        d_read_next = Signal(16, name="d_read_row_next")       # d_read_row + s
        at_last_row = Signal(name="drain_at_last_row")              # d_row == last_row
        at_band_end = Signal(name="drain_at_band_end")              # the band's rows end here
        at_last_slot = Signal(name="drain_at_last_slot")            # d_slot == J - 1
        at_last_channel = Signal(name="drain_at_last_channel")      # dm == last_channel
        row_flags = Cat(at_last_row, at_band_end)
        first_row_flags = Signal(2, name="drain_band_first_row")    # row_flags there
        band_primed = Signal(name="band_primed")
        # band_primed & ~band_empty & ~d_issued_all, kept as a register of its own (set where
        # a band is primed, cleared where the band is done or its last pixel walked), so that
        # the walk's step is that and the request queue's room only. (No state decode: a band
        # is primed only in BUSY and DONE, and in DONE every pixel is issued.)
        walk_open = Signal(name="drain_walk_open")
        row_last = at_last_row | at_band_end
        channel_last = at_last_slot | at_last_channel
        d_last = at_last_channel & at_last_row & inner.last
        band_end = inner.last & row_last & channel_last     # the band's last pixel
        # the row flags of where the walk is, and of the row after it
        row_flags_now = Cat(d_row == last_row, ~band_last & (d_read_next >= limit))
        row_flags_after = Cat(d_row + 1 == last_row,
                              ~band_last & (d_read_next + drain_layer.stride >= limit))
        # The walk and the reads are decoupled by a short queue of read requests: the walk
        # pushes each pixel's (``walk_step``), the reads issue from the queue's head (a
        # register) when the output has room and the lane's overlap-add leaves the bank's read
        # port free (``d_issue``), so that neither the bank's busy flag nor the output's room
        # is in the walk's path. A band's last request is marked; ``bands_read`` counts the
        # bands whose reads are all issued (the lanes' ``drained``: their rings may then take
        # new rows), and the next band waits until its band before is read (``pending_end``), so
        # that bands are read in order, empty ones included.
        walk_step = Signal()
        d_issue = Signal()
        request_layout = data.StructLayout({
            "addr": range(c.oaa_depth), "lane": range(max(2, li)), "bank": 1,
            "bias": range(2 * c.max_out_channels), "last": 1, "band_end": 1})
        m.submodules.drain_requests = requests = SyncFIFOBuffered(width=request_layout.size,
                                                                   depth=4)
        pushed = data.View(request_layout, requests.w_data)
        head = data.View(request_layout, requests.r_data)
        pending_end = Signal(name="drain_pending_band_end")
        # A band starts from registers: ``band_take`` says the queue's head may start now (it
        # was there, final, and not taken in the clock before, and nothing has moved since:
        # the head, ``band_set`` and ``d_bands`` change only at a start or a pop, and ``final``
        # only grows while the drained layer's run is not over). A band's end pops the queue
        # a clock later (``band_pop``; its flags are cleared at once, so nothing issues then).
        band_take = Signal(name="band_take")
        band_pop = Signal(name="band_pop")
        # The head's group against the band before's, registered (the head and d_prev_group
        # change only at a pop, and a start is never in the clock after a pop): the band goes
        # on where its group's previous band ended (``same``), or starts at the tile block's
        # first band's start (``from_block``), or, in group 0, opens a new block.
        band_same = Signal(name="band_same_group")
        band_from_block = Signal(name="band_from_block")
        m.d.sync += [band_same.eq(band.group == d_prev_group),
                     band_from_block.eq((band.group != d_prev_group) & (band.group != 0))]
        read_row = d_read_row[:c.log2(c.oaa_rows)] if c.oaa_ring else d_read_row
        m.d.comb += [
            requests.w_en.eq(walk_step),
            pushed.addr.eq(buffer_address(d_gbase + const_mul(d_div, c.oaa_channel_stride),
                                          [read_row, *inner.position],
                                          geometry.strides(c.oaa_extent, c.oaa_pitch))),
            pushed.lane.eq(d_mod), pushed.bank.eq(d_bank),
            pushed.bias.eq(Mux(drain_bias_bank, c.max_out_channels + dm, dm)),
            pushed.last.eq(d_last), pushed.band_end.eq(band_end),
            requests.r_en.eq(d_issue),
            drain_read.en.eq(d_issue), drain_read.lane.eq(head.lane),
            drain_read.bank.eq(head.bank), drain_read.addr.eq(head.addr),
            drain_read.drained.eq(bands_read),
            bias_read.addr.eq(head.bias), bias_read.en.eq(d_issue),
        ]
        with m.If(walk_step & band_end):
            m.d.sync += pending_end.eq(1)
        with m.If(d_issue & head.band_end):
            m.d.sync += [pending_end.eq(0), bands_read.eq(bands_read + 1)]
        # The bias (its read port, then registers) and the last flag arrive with the data.
        # (the drain's data registers are not reset: last_d and the stream's valid say when
        # they hold a pixel)
        bias_d = [Signal(signed(c.bias_width), name=f"bias_d{i}", reset_less=True)
                  for i in range(read - 1)]
        last_d = Signal(read + 2)
        m.d.sync += last_d.eq(Cat(d_issue & head.last, last_d[:-1]))
        for i, stage in enumerate(bias_d):
            m.d.sync += stage.eq(bias_read.data if i == 0 else bias_d[i - 1])
        bias_value = bias_d[-1] if bias_d else bias_read.data
        total = Signal(signed(max(c.oaa_width, c.bias_width) + 1), name="output_total",
                       reset_less=True)
        m.d.sync += total.eq(drain_read.data + bias_value)
        # drain_layer.output_shift is steady from the drain's TAKE clock (before any read) to
        # its last pixel out, as the registered requantizer needs
        result = round_shift_saturate(m, total, drain_layer.output_shift, c.rounding, c.data_width,
                                      "output_rq", registered=True)
        m.d.sync += [
            drain.data.value.eq(Mux(drain_layer.relu & (result < 0), 0, result)),
            drain.data.last.eq(last_d[-1]),
        ]
        m.d.comb += [drain.issue.eq(d_issue),
                     d_issue.eq(requests.r_rdy & drain.can_issue & ~drain_read.busy),
                     walk_step.eq(walk_open & requests.w_rdy)]
        # The output handshake, registered for the drain's state and counters: the port's
        # valid & ready then drives only the output queue's read and these registers, which
        # sit by the queue, not logic across the die (the last pixel retires the layer a clock
        # later, with the clock it went out)
        out_taken = Signal(name="out_taken")
        out_stalled = Signal(name="out_stalled")
        out_last = Signal(name="out_last_taken")
        m.d.sync += [out_taken.eq(self.out.valid & self.out.ready),
                     out_stalled.eq(self.out.valid & ~self.out.ready),
                     out_last.eq(self.out.valid & self.out.ready & self.out.payload.last)]
        band_done = Signal()                # the band's last pixel is queued, or it has none
        m.d.sync += [band_take.eq(band_walk & drain_read.bands.valid & ~band_set & ~band_take
                                  & ~band_pop & ~pending_end
                                  & ((d_bands < drain_read.final) | drain_run_over)),
                     band_pop.eq(band_done)]
        with m.If(band_take):
            # a band's start: where the group's previous band ended, or the block's start
            start_row = Mux(band_from_block, block_row, d_row)
            start_read_row = Mux(band_from_block, block_read_row, d_read_row)
            start_limit = band.row + drain_layer.tile
            m.d.sync += [d_row.eq(start_row), d_read_row.eq(start_read_row),
                         d_read_next.eq(Mux(band_from_block, block_read_next, d_read_next)),
                         band_row.eq(start_row), band_read_row.eq(start_read_row),
                         limit.eq(start_limit), band_last.eq(band.last),
                         d_bank.eq(DrainRead.bank(c, band.group)),
                         band_final.eq(band.last & (band.group + 1 == drain_layer.groups)),
                         band_empty.eq((start_row >= out_rows)
                                       | (~band.last & (start_read_row >= start_limit)))]
            with m.If(~band_same & (band.group == 0)):
                m.d.sync += [block_row.eq(d_row), block_read_row.eq(d_read_row),
                             block_read_next.eq(d_read_next)]
            first_channel = const_mul(band.group, c.slots)
            m.d.sync += [band_set.eq(1), dm.eq(first_channel), dm_next.eq(first_channel + 1),
                         d_slot.eq(0),
                         d_mod.eq(0), d_div.eq(0),
                         d_gbase.eq(DrainRead.group_base(c, band.group))]
        with m.If(band_set & band_primed & band_empty):
            # (read at once: it has no pixels)
            m.d.comb += band_done.eq(1)
            m.d.sync += bands_read.eq(bands_read + 1)
        with m.If(band_set & ~band_primed & ~band_pop):
            # the clock after the band's start: the flags of its first row and channel
            m.d.sync += [band_primed.eq(1), row_flags.eq(row_flags_now),
                         first_row_flags.eq(row_flags_now),
                         at_last_slot.eq(d_slot == c.slots - 1),
                         at_last_channel.eq(dm == last_channel),
                         walk_open.eq(~band_empty & ~d_issued_all)]
        with m.If(walk_step):
            inner.step(m)
            m.d.sync += d_issued_all.eq(d_last)
            with m.If(d_last):
                m.d.sync += walk_open.eq(0)
            with m.If(inner.last):
                m.d.sync += [d_row.eq(d_row + 1), d_read_row.eq(d_read_next),
                             d_read_next.eq(d_read_next + drain_layer.stride),
                             row_flags.eq(row_flags_after)]
                with m.If(row_last):
                    with m.If(channel_last):
                        m.d.comb += band_done.eq(1)
                    with m.Else():
                        # the band's next channel: back to the band's first row
                        m.d.sync += [d_row.eq(band_row), d_read_row.eq(band_read_row),
                                     d_read_next.eq(band_read_row + drain_layer.stride),
                                     row_flags.eq(first_row_flags),
                                     dm.eq(dm_next), dm_next.eq(dm_next + 1),
                                     d_slot.eq(d_slot + 1), d_mod.eq(d_mod + 1),
                                     at_last_slot.eq(d_slot == c.slots - 2),
                                     at_last_channel.eq(dm_next == last_channel)]
                        with m.If(d_mod == li - 1):
                            m.d.sync += [d_mod.eq(0), d_div.eq(d_div + 1)]
        m.d.comb += drain_read.bands.ready.eq(band_pop)
        with m.If(band_done):
            m.d.sync += [band_primed.eq(0), walk_open.eq(0)]
        with m.If(band_pop):
            m.d.sync += [band_set.eq(0), d_bands.eq(d_bands + 1),
                         d_prev_group.eq(band.group), bands_all.eq(band_final)]

        # -- counter stream: the retired layer's counters, captured, while the next runs --------
        sources = {
            **dict.fromkeys(PE_COUNTERS, 0),
            **mac.counter_sources(),
            **{name: counters[name] for name in (*load_names, "run_cycles")},
            "fft_frames": fft.frames, "ifft_frames": ifft.frames,
            "fmap_reads": fft.fmap_reads,
            "spectrum_writes": fft.spectrum_writes,
            "output_spectrum_reads": ifft.spectrum_reads,
            "oaa_reads": ifft.oaa_reads,              # the drain's reads added at retirement
            "oaa_writes": ifft.oaa_writes,
        }
        # (written before report_pending rises: not reset)
        captured = {name: Signal(32, name=f"report_{name}", reset_less=True)
                    for name, _ in COUNTERS
                    if name in DRAIN_COUNTERS or not isinstance(sources[name], int)}
        run_captured = Signal()             # the drained layer's run counters are captured
        report_index = Signal(range(len(COUNTERS)))
        report_pending = Signal()           # the captured counters are not all sent yet
        report_value = Signal(32)
        with m.Switch(report_index):
            for index, (name, _) in enumerate(COUNTERS):
                with m.Case(index):
                    m.d.comb += report_value.eq(captured.get(name, 0))
        m.d.comb += [self.counters.valid.eq(report_pending),
                     self.counters.payload.value.eq(report_value),
                     self.counters.payload.last.eq(report_index == len(COUNTERS) - 1)]
        with m.If(self.counters.valid & self.counters.ready):
            m.d.sync += report_index.eq(report_index + 1)
            with m.If(report_index == len(COUNTERS) - 1):
                m.d.sync += [report_index.eq(0), report_pending.eq(0)]

        # -- the loader: descriptor, then pixels, biases and weights ------------------------------
        with m.FSM(name="loader"):
            with m.State("DESC"):
                m.d.comb += self.desc.ready.eq(1)
                with m.If(self.desc.valid):
                    m.d.sync += field.eq(field + 1)
                    with m.Switch(field):
                        for index, name in enumerate(fields):
                            if name in load_layer.shape().members:
                                with m.Case(index):
                                    m.d.sync += load_layer[name].eq(self.desc.payload)
                    with m.If(field == len(fields) - 1):
                        # the walks restart in LOAD's first clock, from a register
                        # (``desc_done``), not from the descriptor's handshake: no pixel is
                        # taken then (``pixels_done`` is still set) nor a weight (``loading``)
                        m.d.sync += [field.eq(0), desc_done.eq(1)]
                        m.next = "LOAD"
            with m.State("LOAD"):
                with m.If(desc_done):
                    m.d.sync += [desc_done.eq(0), wm.eq(0), wc.eq(0), *bins.restart(),
                                 wj.eq(0), groups_loaded.eq(0), wbuf.eq(0),
                                 wbuf_sets.eq(0), wblock.eq(0), bias_phase.eq(1),
                                 weights_done.eq(0), bias_index.eq(0), *pixel.restart(),
                                 pc.eq(0), pbase.eq(0), pixels_done.eq(0),
                                 p_last_channel.eq(load_layer.channels == 1),
                                 loading.eq(1)]
                m.d.comb += increment["load_cycles"].eq(1)
                # the stages read the layer's registers from ``start`` on: they take the
                # loader's a clock ahead, once the previous run's counters are captured and
                # the drain has taken that layer over
                with m.If(run_idle & ~queued):
                    m.d.sync += [layer.eq(load_layer), handed_over.eq(1)]
                weights_in = weights_done & ~mac.prog.busy if not c.pe.streams_weights else 1
                with m.If(pixels_done & ~bias_phase & weights_in & handed_over):
                    m.d.sync += starting.eq(1)
                    m.next = "START"
            with m.State("START"):
                # The run's start, a clock after the loader decided it: ``start`` is a
                # register's (``starting``), so that the decision's logic ends at one flip-flop
                # and the start reaches every stage from it. This clock is the load's last
                # (as LOAD's: the weights taken now are FEED's first; the conditions hold).
                m.d.comb += increment["load_cycles"].eq(1)
                m.d.sync += [starting.eq(0), handed_over.eq(0), queued.eq(1),
                             run_bias_bank.eq(load_bias_bank),
                             load_bias_bank.eq(~load_bias_bank),
                             begin_time["run"].eq(begin_time["load"]),
                             # the loader's counts to this clock: the last clock's
                             # events are in the pending increments, this clock's only
                             # its load cycle
                             *[counters[name].eq(loader[name] + pending[name]
                                                 + (name == "load_cycles"))
                               for name in load_names],
                             counters["run_cycles"].eq(0)]
                m.next = "FEED"
            with m.State("FEED"):
                # the running layer's weights, each group as the array frees a buffer
                m.d.comb += feeding.eq(1)
                with m.If(weights_done):
                    m.d.sync += loading.eq(0)
                    m.next = "DESC"

        # -- the pixels: in LOAD (where alone ``pixels_done`` is clear), once the feature map is
        # free (the running layer's tiles all transformed)
        m.d.comb += self.pixels.ready.eq(~pixels_done & fmap_free)
        take_pixel = self.pixels.valid & self.pixels.ready
        m.d.comb += [fft.fmap_we.eq(take_pixel), increment["fmap_writes"].eq(take_pixel)]
        with m.If(take_pixel):
            pixel.step(m)
            with m.If(pixel.last):
                m.d.sync += [pc.eq(pc + 1),
                             p_last_channel.eq(pc + 2 == load_layer.channels),
                             pbase.eq(pbase + c.fmap_channel_stride // pixel_words)]
                with m.If(p_last_channel):
                    m.d.sync += pixels_done.eq(1)

        # -- the run ---------------------------------------------------------------------------
        run_sources = {name: value for name, value in sources.items()
                       if name in captured and name not in DRAIN_COUNTERS}
        with m.FSM(name="run"):
            with m.State("IDLE"):
                m.d.comb += run_idle.eq(1)
                with m.If(start):
                    m.next = "RUN"
            with m.State("RUN"):
                m.d.comb += run_running.eq(1)
                m.d.sync += counters["run_cycles"].eq(counters["run_cycles"] + 1)
                with m.If(run_over):
                    m.d.sync += [run_end_time.eq(timer), drain_run_over.eq(1)]
                    m.next = "OVER"
            with m.State("OVER"):
                # the run's counters are final: captured once the previous report is out
                with m.If(~report_pending):
                    m.d.comb += control.capture.eq(1)
                    m.d.sync += [captured[name].eq(value) for name, value in run_sources.items()]
                    m.d.sync += run_captured.eq(1)
                    m.next = "IDLE"

        # -- the drain: beside the run, and beside the next layer's start ----------------------
        with m.FSM(name="drain"):
            with m.State("IDLE"):
                with m.If(queued):
                    m.d.sync += [queued.eq(0), drain_run_over.eq(0),
                                 *[drain_layer[name].eq(layer[name]) for name in drain_fields],
                                 drain_bias_bank.eq(run_bias_bank),
                                 begin_time["drain"].eq(begin_time["run"]),
                                 counters["output_pixels"].eq(0),
                                 counters["output_stall_cycles"].eq(0), d_bands.eq(0),
                                 bands_read.eq(0)]
                    m.next = "TAKE"
            with m.State("TAKE"):
                # the walk restarts from the registers just taken
                first_read = drain_layer.kernel - 1
                m.d.sync += [*inner.restart(), d_row.eq(0), d_read_row.eq(first_read),
                             d_read_next.eq(first_read + drain_layer.stride),
                             block_row.eq(0), block_read_row.eq(first_read),
                             block_read_next.eq(first_read + drain_layer.stride),
                             d_prev_group.eq(0), band_set.eq(0), band_primed.eq(0),
                             walk_open.eq(0),
                             bands_all.eq(0),
                             d_issued_all.eq(0)]
                m.d.comb += drain_busy.eq(1)
                m.next = "BUSY"
            with m.State("BUSY"):
                m.d.comb += [drain_busy.eq(1), band_walk.eq(1)]
                with m.If(out_last):
                    m.d.sync += last_pixel_time.eq(timer - 1)
                    m.next = "DONE"
            with m.State("DONE"):
                # retire once the layer's bands are all taken (any after the last pixel have
                # none) and its run counters are captured
                m.d.comb += [drain_busy.eq(1), band_walk.eq(~bands_all)]
                with m.If(run_captured & bands_all):
                    drained = Signal(signed(32), name="drained_after_run")
                    m.d.comb += drained.eq((last_pixel_time - run_end_time)[:32])
                    m.d.sync += [
                        run_captured.eq(0), report_pending.eq(1),
                        captured["cycles"].eq(last_pixel_time - begin_time["drain"]),
                        # from the run's end to the last pixel, at least the one clock that
                        # saw the pixel out
                        captured["drain_cycles"].eq(Mux(drained > 0, drained, 1)),
                        captured["output_pixels"].eq(counters["output_pixels"]),
                        captured["output_stall_cycles"].eq(counters["output_stall_cycles"]),
                        captured["oaa_reads"].eq(captured["oaa_reads"]
                                                 + counters["output_pixels"]),
                    ]
                    m.next = "IDLE"

        # -- the weights stream: the biases, then the groups' spectral weights -------------------
        # a bias bank is free once the layer that last used it has retired
        # (registered: it falls only where the loader's bank flips, at a run's start, and the
        # loader takes no bias until the next layer's descriptor is in)
        bias_free = Signal(name="bias_free")
        m.d.sync += bias_free.eq(~(drain_busy & (drain_bias_bank == load_bias_bank)))
        m.d.comb += [
            self.weights.ready.eq(loading & ~weights_done & (
                (bias_phase & bias_free) | (~bias_phase & mac.prog.ready & buffer_free
                                            & weights_free))),
        ]
        take_weight = self.weights.valid & self.weights.ready
        m.d.comb += [mac.prog.valid.eq(self.weights.valid & loading & ~weights_done &
                                       ~bias_phase & buffer_free & weights_free),
                     bias_write.en.eq(take_weight & bias_phase),
                     increment["weight_writes"].eq(Mux(take_weight & ~bias_phase, beat_words, 0)),
                     increment["bias_writes"].eq(take_weight & bias_phase)]
        with m.If(take_weight & ~bias_phase):
            bins.step(m)
            with m.If(bins.last):                     # the channel's last weight
                m.d.sync += wc.eq(wc + 1)
                with m.If(w_chunk_end):
                    m.d.sync += [wc.eq(0), wm.eq(wm + words), wj.eq(wj + words),
                                 beat_words.eq(next_beat_words)]
                with m.If(w_group_end):
                    # the group is in its buffer; the next goes to the next buffer
                    m.d.comb += group_moved.eq(1)
                    m.d.sync += [wj.eq(0), groups_loaded.eq(groups_loaded + 1),
                                 wbuf.eq(wbuf + 1),
                                 wbuf_sets.eq(wbuf_sets + load_layer.bin_steps)]
                with m.If(w_buffer_wrap):
                    m.d.sync += [wbuf.eq(0), wbuf_sets.eq(0)]
                with m.If(w_block_end):
                    m.d.sync += [wm.eq(0), wblock.eq(wblock + 1)]
                with m.If(w_weights_end):
                    m.d.sync += weights_done.eq(1)
        with m.If(bias_phase):
            m.d.sync += beat_words.eq(chunk_words(load_layer.out_channels))
        # the last bias's index, registered (M is an early descriptor field)
        last_bias = Signal(16, name="last_bias_index")
        m.d.sync += last_bias.eq(load_layer.out_channels - 1)
        with m.If(take_weight & bias_phase):
            m.d.sync += bias_index.eq(bias_index + 1)
            with m.If(bias_index == last_bias):
                # resident weights: the stream carries the biases only
                m.d.sync += [bias_phase.eq(0), weights_done.eq(load_layer.weights_resident)]

        # -- counting ----------------------------------------------------------------------------
        with m.If(begin):
            m.d.sync += begin_time["load"].eq(timer)
        # the counts restart a clock after the descriptor's first word (from a register, not
        # from the handshake: their clear fans out to every bit), from the pending increments
        # of that first clock, as they would have from zero then; no start reads them so soon
        begun = Signal(name="load_begun")
        m.d.sync += begun.eq(begin)
        for name in load_names:
            m.d.sync += loader[name].eq(Mux(begun, 0, loader[name]) + pending[name])
        # the running layer's weights, from the clock after the start (whose takes are in the
        # pending increment then) to the one after the last (FEED ends a clock after it)
        with m.If(feeding):
            m.d.sync += counters["weight_writes"].eq(
                counters["weight_writes"] + pending["weight_writes"])
        with m.If(out_taken):
            m.d.sync += counters["output_pixels"].eq(counters["output_pixels"] + 1)
        with m.If(out_stalled):
            m.d.sync += counters["output_stall_cycles"].eq(counters["output_stall_cycles"] + 1)
        return m
