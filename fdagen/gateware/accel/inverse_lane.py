"""One IFFT lane of the inverse stage: output-spectrum reads -> requantize -> tile IFFT ->
overlap-add bank. A separate Verilog module, instantiated once per lane.

Lane ``index`` (a port, so that one module serves every lane) owns output-channel slots
``j = index, index + LI, ...`` and so the output channels ``m = g J + j``. It walks the MAC
stage's passes (:mod:`fdagen.gateware.accel.tile_loop`: tile blocks, groups ``g``, the block's
tiles ``t``); for each pass (once ``mac_done`` passes it) and each of its channels of group ``g``
it reads the accumulated half spectrum in
:meth:`IFFT2D.input_order <fdagen.gateware.fft.ifft2d.IFFT2D.input_order>` (``kx``, then ``ky``;
in 3-D :meth:`IFFT3D.input_order <fdagen.gateware.fft.ifft3d.IFFT3D.input_order>`, ``kz``
innermost; bin ``k`` of the forward order, ``N`` the layer's FFT size:
:func:`~fdagen.gateware.accel.layer.layer_bin`) through ``spec_*`` (one lane of
:class:`~fdagen.gateware.accel.interfaces.OutputSpectrumRead`), requantizes it
(``>> spectrum_shift``, rounded, saturating to the spectrum width) into an
:class:`~fdagen.gateware.fft.ifft2d.IFFT2D` (:class:`~fdagen.gateware.fft.ifft3d.IFFT3D`), and
adds the real tile into its overlap-add bank at ``(ty T + y, tx T + x)`` (and ``tz T + z``) of
channel ``m``'s window. The first tile (in raster order) to touch a
position writes it, later ones read-modify-write, so the bank needs no clearing (a group's tiles
come in raster order, block after block). Channel ``m``'s window is in bank ``g mod 2`` of the
lane's :attr:`~fdagen.arch.config.AcceleratorConfig.oaa_banks` (one when a layer has one group
at most), at ``((g div 2) JL + jj)`` windows. A window keeps
:attr:`~fdagen.arch.config.AcceleratorConfig.oaa_rows` rows: row ``r`` at ``r mod 2N`` (a
**ring**) when ``2 N`` rows are less than a plane, so that a window holds a tile row and its
seam, not the whole plane. The tile walk (rewound to the block's first tile for
each group) and the overlap-add writer's walk over the IFFT's output (``wy``, ``wx``, the innermost
axis in
the IFFT's bit-reversed output order) are :class:`~fdagen.gateware.accel.raster.Raster` walks
over the geometry's axes.

A group's pass over a tile row's last tile makes the rows below the next tile row final: the
group's **band** of that tile row. The lane announces each band on ``band`` as it feeds the
pass (``band_ready``: lane 0's go to the drain's queue; every lane walks the same passes),
and counts in ``finals`` the bands it has overlap-added, in order. A tile row's first pass
waits, on a ring, until the drain has read (``drained``) every band the lane fed but the last:
the band two rows back in the group's ring, whose rows the new tile row takes.

``fed`` counts passes whose spectra the lane has read, ``done`` passes it has overlap-added,
``finished`` says every pass of the layer is. A pass without channels for this lane at a band's
end waits until the lane's earlier passes are overlap-added, so that ``finals`` never runs
ahead of a band still being written. ``drain_*`` reads the bank (:attr:`DrainRead.latency
<fdagen.gateware.accel.interfaces.DrainRead.latency>` including the stage's lane mux) when the
overlap-add leaves that bank's read port free: ``oaa_busy`` says, per bank, that it will not
in the next clock (when a request made now reaches the bank). The ``*_event`` outputs
pulse for the stage's counters.
"""

from contextlib import nullcontext

from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import (BAND_LAYOUT, DrainRead, LayerControl,
                                              OutputSpectrumRead)
from fdagen.gateware.accel.layer import layer_bin, layer_fft_size
from fdagen.gateware.accel.raster import Raster, buffer_address
from fdagen.gateware.common.arith import round_shift_saturate
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.common.ram import block_ram_depth, ram
from fdagen.gateware.common.read_stream import ReadStream

__all__ = ["IFFTLane"]


class IFFTLane(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`;
    ``acc_width`` the PE accumulator width; ``blocks`` (a
    :class:`~fdagen.gateware.blocks.BlockLibrary`) where its tile IFFT comes from."""

    def __init__(self, config, acc_width, blocks):
        self.config = c = config
        self._blocks = blocks
        banks = c.slots_per_ifft_lane * c.bin_lanes
        super().__init__({
            "control": In(LayerControl(c)),
            "index": In(range(max(2, c.ifft_lanes))),
            "spec_en": Out(1), "spec_addr": Out(range(c.output_spectrum_depth)),
            "spec_bank": Out(range(max(2, banks))),
            "spec_data": In(complex_layout(acc_width)),
            "mac_done": In(c.count_width), "fed": Out(c.count_width),
            "done": Out(c.count_width), "finished": Out(1),
            "finals": Out(16), "oaa_busy": Out(c.oaa_banks), "drained": In(16),
            "band_valid": Out(1), "band": Out(BAND_LAYOUT), "band_ready": In(1),
            "drain_en": In(1), "drain_bank": In(1), "drain_addr": In(range(c.oaa_depth)),
            "drain_data": Out(signed(c.oaa_width)),
            "frame_event": Out(1), "read_event": Out(1), "oaa_read_event": Out(1),
            "oaa_write_event": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        n, lanes, li, jl = c.fft_size, c.bin_lanes, c.ifft_lanes, c.slots_per_ifft_lane
        s_steps, stride = c.bin_steps, c.oaa_channel_stride
        two_banks = c.oaa_banks == 2
        # The layer registers, copied a clock late, so that the lanes' layer-derived registers
        # (the tile IFFT's length shift, the lane's N) come from a copy of their own and Yosys
        # cannot merge them with the forward lanes' identical ones (such a shared register's
        # wires cross the die). The top's layer registers change only while the run is idle,
        # and a run's start is two clocks later at the soonest (the loader decides it a clock
        # after the hand-over and starts it a clock after that), so the copy is current from
        # the start on.
        layer = Signal.like(self.control.layer, name="lane_layer", reset_less=True)
        m.d.sync += layer.eq(self.control.layer)
        lane_bits, bits = c.log2(lanes), c.stages
        i = self.index

        def reg(name, shape):
            return Signal(shape, name=name)

        ifft = self._blocks.tile_fft(c.inverse_format(), c.runtime_fft_size, c.dsp)
        m.submodules[f"ifft{c.dims}d"] = ifft
        passes = ("row", "column", "depth")[:c.dims]
        m.d.comb += [getattr(ifft, f"{name}_schedule").eq(layer[f"inv_{name}_schedule"])
                     for name in passes]
        if c.runtime_fft_size:
            m.d.comb += ifft.length_shift.eq(layer.fft_shift)
        # the layer's N and N - 1, registered: the layer registers are steady from a clock
        # before the run's start to its end
        size = Signal(range(n + 1), name="fft_size")
        size_last = Signal(range(n), name="fft_size_last")
        m.d.sync += [size.eq(layer_fft_size(c, layer)), size_last.eq(layer_fft_size(c, layer) - 1)]
        reader = ReadStream(data.StructLayout({"re": signed(c.spectrum_width),
                                               "im": signed(c.spectrum_width),
                                               "last": unsigned(1)}),
                            latency=OutputSpectrumRead.latency + 2)   # + the requantizer
        m.submodules.reader = reader
        wiring.connect(m, reader.o, ifft.i)
        geometry = c.geometry
        dims = geometry.dims
        # Per tile frame: its channel's base, the tile's origin and, per axis, whether the tile
        # is the first along it (nothing overlap-added there before). The queue's head is a
        # register (the overlap-add address is computed from it): a tag is in it two clocks
        # after its frame's first bin is issued, long before the frame leaves the IFFT.
        tag_layout = data.StructLayout({
            "base": range(c.oaa_depth + 1), "origin": data.ArrayLayout(unsigned(16), dims),
            "first": data.ArrayLayout(1, dims), "pass_last": 1, "final": 1, "bank": 1})
        tags = SyncFIFOBuffered(width=tag_layout.size, depth=8)
        m.submodules.tags = tags
        # room for a frame's tag, in a register: the queue's level a clock ago below its depth
        # less two (a tag a clock at most goes in, and the queue's output register may be
        # refilling), so that the feeder's issue starts at flip-flops; the queue holds a tag
        # per frame in the transform, far fewer
        tag_room = reg("tag_room", 1)
        m.d.sync += tag_room.eq(tags.level < tags.depth - 2)

        # -- feeder --------------------------------------------------------------------------
        t = reg("tile", c.count_width)
        block_start = reg("block_start", c.count_width)
        tb = reg("tile_in_block", range(max(2, c.spectrum_tiles)))
        p = reg("pass_index", c.count_width)
        walked = reg("walked", 1)             # every pass fed
        # (its last-index compares in registers too: the lane's layer copy is steady from two
        # clocks before the run's start, where the walk restarts, to the run's end)
        tiles = Raster("", "t", geometry.axes,
                       [layer[name] for name in geometry.tile_count_fields],
                       position="o", step=layer.tile, bookmark=True, first_flags=True,
                       last_flags=True)
        g, jj = reg("g", 16), reg("jj", range(max(2, jl)))       # at least one bit: no [-1:0] wire
        g_slots = reg("g_slots", 32)           # g * J
        g_base = reg("g_base", range(c.oaa_depth + 1))      # (g div banks) * JL * stride
        base = reg("base", range(c.oaa_depth + 1))          # + jj * stride
        kx, ky = reg("kx", range(n // 2 + 1)), reg("ky", range(n))
        kz = [reg("kz", range(n))] if dims == 3 else []      # 3-D: innermost
        pushed = reg("pushed", 1)
        fed, done = reg("fed", c.count_width), reg("done", c.count_width)
        finals = reg("finals", 16)
        # done == fed, a clock late: fed moves only on leaving NEXT, two clocks before NEXT
        # again, and done only catches up, so a late flag can only hold a clock longer
        caught_up = reg("caught_up", 1)
        m.d.sync += caught_up.eq(done == fed)
        bands_fed = reg("bands_fed", 16)
        # the pass is over a tile row's last tile (its band of the group is then final), or
        # its first (the row's overlap-adds begin)
        inner = range(1, dims)
        row_start = Cat(*[tiles.at_first(axis) for axis in inner]).all()
        # Flags of the pass, registered every clock: t, tb, g and the tile walk move only in
        # NEXT, and NEXT comes two clocks after (PASS, FRAME) at the soonest, so the flags
        # are current by FEED and NEXT, where they are used.
        band_end = reg("band_end", 1)          # the pass is over a tile row's last tile
        band_last = reg("band_last", 1)        # ... of the last tile row
        group_end = reg("group_end", 1)        # the block's last tile (the group moves on)
        last_group = reg("last_group", 1)
        m.d.sync += [band_end.eq(Cat(*[tiles.at_last(axis) for axis in inner]).all()),
                     band_last.eq(tiles.at_last(0)),
                     group_end.eq((tb == c.spectrum_tiles - 1) | (t + 1 == self.control.tiles)),
                     last_group.eq(g + 1 == layer.groups)]
        # A ring's rows are free for a new tile row once the drain has read every band fed
        # but the last (the band two rows back in the group's ring). The compare is a
        # register: ``drained`` only grows within a layer, so a clock late only delays a
        # pass; ``bands_fed`` grows at a band's hand-over, and the flag is not taken in the
        # clock after one (``band_handed_d``), so it never says free for a count it has not
        # seen. (The hand-over's flag is a register of its own, so that the hand-over's logic
        # ends beside it, not at the compare's register by the drain's ``drained``.)
        ring_free = 1
        band_handed = Signal()
        if c.oaa_ring:
            rows_free, band_handed_d = reg("ring_free", 1), reg("band_handed_d", 1)
            m.d.sync += [rows_free.eq(self.drained + 1 >= bands_fed),
                         band_handed_d.eq(band_handed)]
            ring_free = rows_free & ~band_handed_d
        # The array has finished pass p (``mac_done > p``), registered for p and for p + 1,
        # and the second serves in the clock after p moves (``p_moved``): ``mac_done`` only
        # grows within a layer, so a clock late only delays a pass; in the clock after the
        # run's start (``p_restarted``) no pass starts, and from the next the compare is of
        # the new run's counts. The pass's first clock has no compare on its path.
        pass_ready_now, pass_ready_after = reg("pass_ready_now", 1), reg("pass_ready_after", 1)
        p_moved, p_restarted = reg("p_moved", 1), reg("p_restarted", 1)
        m.d.sync += [pass_ready_now.eq(self.mac_done > p),
                     pass_ready_after.eq(self.mac_done > p + 1),
                     p_moved.eq(0), p_restarted.eq(0)]
        pass_ready = Mux(p_moved, pass_ready_after, pass_ready_now) & ~p_restarted
        # The block's first tile is saved (``tiles.mark``) a clock after its pass starts (in
        # FRAME: the walk moves only in NEXT), so that the pass's start does not also enable
        # every bookmark register.
        mark_pending = reg("mark_pending", 1)
        m.d.sync += mark_pending.eq(0)
        with m.If(mark_pending):
            m.d.sync += tiles.mark()
        # The frame's slot j = jj LI + i and output channel g J + j, and both + LI (the
        # lane's next frame), in registers moved with jj.
        width = len(layer.out_channels) + 1
        j, j_after = reg("frame_slot", width), reg("frame_slot_after", width)
        channel, channel_after = reg("frame_channel", width), reg("frame_channel_after", width)
        frame_valid = (j < c.slots) & (channel < layer.out_channels)
        last_jj = jj == jl - 1
        pass_last = last_jj | (j_after >= c.slots) | (channel_after >= layer.out_channels)
        k = Signal(range(c.unique_bins), name="k")
        m.d.comb += k.eq(layer_bin(c, layer, kx, ky, *kz))
        # the bin walk is at the frame's first bin (kx, ky, kz all 0), a register set where
        # the walk returns to it
        first_bin = reg("first_bin", 1)
        last_kz = [kz[0] == size_last] if kz else []
        last_ky = ky == size_last
        last_bin = Cat(kx == size >> 1, last_ky, *last_kz).all()
        issue = reg("issue", 1)
        empty_pass = reg("empty_pass", 1)
        tag_in = data.View(tag_layout, tags.w_data)
        m.d.comb += [self.band.group.eq(g), self.band.row.eq(tiles.position[0]),
                     self.band.last.eq(band_last)]
        m.d.comb += [tag_in.base.eq(base),
                     tag_in.pass_last.eq(pass_last), tag_in.final.eq(band_end),
                     tag_in.bank.eq(DrainRead.bank(c, g))]
        for axis in range(dims):
            m.d.comb += [tag_in.origin[axis].eq(tiles.position[axis]),
                         tag_in.first[axis].eq(tiles.at_first(axis))]

        with m.FSM(name="fsm"):
            with m.State("IDLE"):
                with m.If(self.control.start):
                    m.d.sync += [t.eq(0), block_start.eq(0), tb.eq(0), p.eq(0), g.eq(0),
                                 g_slots.eq(0), g_base.eq(0), fed.eq(0), done.eq(0),
                                 finals.eq(0), bands_fed.eq(0), p_restarted.eq(1),
                                 walked.eq(0), *tiles.restart()]
                    m.next = "PASS"
            with m.State("PASS"):
                with m.If(t >= self.control.tiles):
                    m.d.sync += walked.eq(1)
                    m.next = "IDLE"
                with m.Elif(pass_ready & (~row_start | ring_free)):
                    m.d.sync += [jj.eq(0), base.eq(g_base), pushed.eq(0), kx.eq(0), ky.eq(0),
                                 first_bin.eq(1),
                                 *[index.eq(0) for index in kz],
                                 j.eq(i), j_after.eq(i + li), channel.eq(g_slots + i),
                                 channel_after.eq(g_slots + i + li)]
                    with m.If((tb == 0) & (g == 0)):
                        m.d.sync += mark_pending.eq(1)     # the block's first tile
                    m.next = "FRAME"
            with m.State("FRAME"):
                with m.If(frame_valid):
                    m.next = "FEED"
                with m.Else():
                    m.next = "NEXT"
            with m.State("FEED"):
                m.d.comb += issue.eq(reader.can_issue & (~first_bin | tag_room))
                with m.If(issue):
                    # IFFT's input order: kx, then ky, then (3-D) kz innermost
                    m.d.sync += [index.eq(index + 1) for index in kz]
                    m.d.sync += first_bin.eq(0)
                    with m.If(*last_kz) if kz else nullcontext():
                        m.d.sync += [*[index.eq(0) for index in kz], ky.eq(ky + 1)]
                        with m.If(last_ky):
                            m.d.sync += [ky.eq(0), kx.eq(kx + 1)]
                    with m.If(last_bin):
                        m.d.sync += [kx.eq(0), pushed.eq(1), first_bin.eq(1)]
                        m.next = "NEXT"
            with m.State("NEXT"):
                # an empty pass over a tile row's last tile: its band is final once the lane's
                # earlier passes are
                hold = last_jj & ~pushed & band_end & ~caught_up
                # a band's last pass: the band is announced to the drain (lane 0's is taken)
                m.d.comb += self.band_valid.eq(last_jj & band_end & ~hold)
                with m.If(self.band_valid & self.band_ready):
                    m.d.comb += band_handed.eq(1)
                    m.d.sync += bands_fed.eq(bands_fed + 1)
                hold = hold | (last_jj & band_end & ~self.band_ready)
                with m.If(~hold):
                    m.d.sync += [jj.eq(jj + 1), base.eq(base + stride), j.eq(j_after),
                                 j_after.eq(j_after + li), channel.eq(channel_after),
                                 channel_after.eq(channel_after + li)]
                with m.If(last_jj & ~hold):
                    m.d.sync += [fed.eq(fed + 1), p.eq(p + 1), p_moved.eq(1)]
                    m.d.comb += empty_pass.eq(~pushed)    # no channel of this lane in it
                    with m.If(group_end):
                        m.d.sync += tb.eq(0)
                        with m.If(last_group):
                            next_block = block_start + c.spectrum_tiles
                            m.d.sync += [g.eq(0), g_slots.eq(0), g_base.eq(0),
                                         block_start.eq(next_block), t.eq(next_block)]
                            tiles.step(m)
                        with m.Else():
                            m.d.sync += [g.eq(g + 1), g_slots.eq(g_slots + c.slots),
                                         g_base.eq(g_base + DrainRead.group_step(c, g)),
                                         t.eq(block_start),
                                         *tiles.rewind()]
                    with m.Else():
                        m.d.sync += [t.eq(t + 1), tb.eq(tb + 1)]
                        tiles.step(m)
                    m.next = "PASS"
                with m.Elif(~last_jj):
                    m.next = "FRAME"
        m.d.comb += [
            reader.issue.eq(issue), tags.w_en.eq(issue & first_bin),
            self.spec_en.eq(issue),
            self.spec_addr.eq(Mux(p[0], s_steps, 0) + (k >> lane_bits)),
            self.spec_bank.eq((jj << lane_bits) | (k[:lane_bits] if lane_bits else 0)),
        ]
        # Requantize the accumulated spectrum (two registers: the shift, then the rounding add
        # and saturation) into the read queue. layer.spectrum_shift is steady for the whole
        # run: the layer registers change only while the run is idle, when every lane has
        # overlap-added every pass (no read in flight), and a run's first read comes many
        # clocks after its start.
        y = self.spec_data
        shift = layer.spectrum_shift
        re = round_shift_saturate(m, y.re, shift, c.rounding, c.spectrum_width, "rq_re",
                                  registered=True)
        im = round_shift_saturate(m, y.im, shift, c.rounding, c.spectrum_width, "rq_im",
                                  registered=True)
        m.d.sync += [reader.data.re.eq(re), reader.data.im.eq(im)]
        m.d.comb += reader.data.last.eq(0)

        # -- overlap-add: address, read, add-and-write ---------------------------------------
        tag = data.View(tag_layout, tags.r_data)
        # (its last-index flags and end flag are registers, so that a frame's end is the
        # IFFT's valid and one flag; ``size`` is steady whenever the walk moves, and a
        # restart's flags are those of N > 1 whatever N it reads)
        written = Raster("", "w", geometry.axes, [size] * dims, width=bits, last_flags=True,
                         end_flag=True)
        # the IFFT's output order: the last axis bit-reversed over the layer's log2 N bits
        position = written.index[:-1] + [written.index[-1][::-1] >> layer.fft_shift]
        m.d.comb += ifft.o.ready.eq(1)
        valid = ifft.o.valid
        with m.If(valid):
            written.step(m)
        # oaa_in: the sample, its position and its frame's end registered before the tag is
        # looked at, so that the tag queue pops from a register (the IFFT's valid, from its
        # output queue's level, and the walk's flags meet in that register, not in the
        # queue's read logic); the tag read is the frame's from its first sample in oaa_in
        # to its last (the pop shows the next frame's tag a clock later, with its first)
        pin = data.StructLayout({"valid": 1, "end": 1,
                                 "position": data.ArrayLayout(unsigned(bits), dims),
                                 "value": ifft.o.payload.value.shape()})
        s_in = Signal(pin, name="oaa_in")
        m.d.sync += [s_in.valid.eq(valid), s_in.end.eq(valid & written.last),
                     *[s_in.position[axis].eq(position[axis]) for axis in range(dims)],
                     s_in.value.eq(ifft.o.payload.value)]
        end_of_frame = s_in.end
        m.d.comb += tags.r_en.eq(end_of_frame)
        with m.If(self.control.start):
            m.d.sync += written.restart()
        margin = reg("margin", range(n + 1))          # N - T (the layer is steady)
        m.d.sync += margin.eq(size - layer.tile)
        p1 = data.StructLayout({"valid": 1, "first": 1, "end": 1, "final": 1, "bank": 1,
                                "addr": range(c.oaa_depth),
                                "value": signed(c.spectrum_width)})
        # oaa_in (above): the sample and its position; oaa0: its coordinates and flags;
        # oaa1: the address computed; oaa2: the bank read (a clock after oaa1, so that the
        # drain knows a clock ahead whether its read port is free); oaa3: the word read
        # registered; oaa4: the sum written. A word is written two clocks after its read (the
        # ports do not pass a write through), so a sample must not read what one of the two
        # before it writes. Within a frame the positions differ. Across frames the row can be
        # the same (K = 2: the next tile row's first row is the last one's last), but not the
        # column: along the last axis the IFFT output is bit-reversed, so the row's last tile
        # ends at columns ox + N/2 - 1 and ox + N - 1 (ox >= 0) and the next row's first tile
        # begins at 0 and N/2 (N >= 4); any other next frame is in another row, plane, window
        # or bank.
        p0 = data.StructLayout({"valid": 1, "first": 1, "end": 1, "final": 1, "bank": 1,
                                "base": range(c.oaa_depth + 1),
                                "at": data.ArrayLayout(unsigned(16), dims),
                                "value": signed(c.spectrum_width)})
        s0 = Signal(p0, name="oaa0")
        s1 = Signal(p1, name="oaa1")
        s_read = Signal(p1, name="oaa2")
        s2 = Signal(p1, name="oaa3")
        s3 = Signal(p1, name="oaa4")
        # A position is first written by this tile when, along every axis, the tile is the
        # first there or the position is past the previous tile's reach (its N - T margin).
        first = Cat(*[tag.first[axis] | (s_in.position[axis] >= margin)
                      for axis in range(dims)])
        coordinates = [tag.origin[axis] + s_in.position[axis] for axis in range(dims)]
        if c.oaa_ring:                   # the first axis wraps around the ring's rows
            coordinates[0] = coordinates[0][:c.log2(c.oaa_rows)]
        m.d.sync += [
            s0.valid.eq(s_in.valid),
            s0.first.eq(first.all()),
            s0.end.eq(end_of_frame & tag.pass_last),
            s0.final.eq(tag.final), s0.bank.eq(tag.bank), s0.base.eq(tag.base),
            *[s0.at[axis].eq(coordinates[axis]) for axis in range(dims)],
            s0.value.eq(s_in.value),
            *[s1[name].eq(s0[name]) for name in ("valid", "first", "end", "final", "bank",
                                                   "value")],
            s1.addr.eq(buffer_address(s0.base, [s0.at[axis] for axis in range(dims)],
                                      geometry.strides(c.oaa_extent, c.oaa_pitch))),
            s_read.eq(s1), s2.eq(s_read), s3.eq(s2),
        ]
        read_now = s_read.valid & ~s_read.first
        # Each bank is made of parts no deeper than a block RAM at this width
        # (:func:`~fdagen.gateware.common.ram.block_ram_depth`), and each part's read word is
        # registered by itself (data, not reset): the block RAM's clock-to-out (its output
        # register is not used) ends at a register beside it, not through a cascade's mux.
        # The part (and bank) of a read is a one-hot select, registered with the read and
        # again with the word, for the AND-OR after the words: the sum's in its clock, the
        # drain's before the stage's lane mux.
        part_bits = c.log2(block_ram_depth(c.oaa_width))
        part_depth = 1 << part_bits
        parts = [(b, base, min(part_depth, c.oaa_depth - base)) for b in range(c.oaa_banks)
                 for base in range(0, c.oaa_depth, part_depth)]
        split = len(parts) > c.oaa_banks        # a bank in more than one part

        def part_of(bank, addr, part):
            b, base, _ = part
            return Cat(bank == b if two_banks else 1,
                       (addr >> part_bits) == base >> part_bits if split else 1).all()

        if len(parts) > 1:
            read_hot = [reg(f"oaa_read_part_d{i}", len(parts)) for i in range(2)]
            drain_hot = [reg(f"oaa_drain_part_d{i}", len(parts)) for i in range(2)]
            m.d.sync += [read_hot[0].eq(Cat(part_of(s_read.bank, s_read.addr, part)
                                            for part in parts)),
                         read_hot[1].eq(read_hot[0]),
                         drain_hot[0].eq(Cat(part_of(self.drain_bank, self.drain_addr, part)
                                             for part in parts)),
                         drain_hot[1].eq(drain_hot[0])]
        wp_data = reg("oaa_sum", signed(c.oaa_width))
        read_word, drain_word = 0, 0
        for index, part in enumerate(parts):
            b, base, depth = part
            # a sample never reads a word in the clock a sample before it writes it (see
            # above), and the drain reads a band's rows once they are final, before a ring
            # gives them to a new tile row
            mem = ram(signed(c.oaa_width), depth, read_old_data=False)
            name = (f"oaa{b}" if two_banks else "oaa") + (f"_{base}" if split else "")
            m.submodules[name] = mem
            rp, wp = mem.read_port(), mem.write_port()
            drain_here = self.drain_en & part_of(self.drain_bank, self.drain_addr, part)
            m.d.comb += [
                rp.en.eq((read_now & part_of(s_read.bank, s_read.addr, part)) | drain_here),
                rp.addr.eq(Mux(drain_here, self.drain_addr, s_read.addr)[:part_bits]),
                wp.en.eq(s3.valid & part_of(s3.bank, s3.addr, part)),
                wp.addr.eq(s3.addr[:part_bits]), wp.data.eq(wp_data),
            ]
            word = Signal(signed(c.oaa_width), name=f"{name}_read_word", reset_less=True)
            m.d.sync += word.eq(rp.data)
            if len(parts) == 1:
                read_word = drain_word = word
            else:
                read_word = read_word | Mux(read_hot[1][index], word, 0)
                drain_word = drain_word | Mux(drain_hot[1][index], word, 0)
        m.d.comb += wp_data.eq(Mux(s3.first, s3.value, read_word + s3.value))
        # a pass's last overlap-add and an empty pass may end in the same clock; an empty pass
        # is counted a clock late (registered: the pass's end in NEXT, through the lane's
        # hand-over logic, is not in the counts' adders), which only delays what waits on the
        # counts: both only grow, and ``done`` never passes ``fed``
        empty_late, empty_final_late = reg("empty_pass_late", 1), reg("empty_final_late", 1)
        m.d.sync += [empty_late.eq(empty_pass), empty_final_late.eq(empty_pass & band_end)]
        with m.If(~self.control.start):
            m.d.sync += [done.eq(done + (s3.valid & s3.end) + empty_late),
                         finals.eq(finals + (s3.valid & s3.end & s3.final) + empty_final_late)]
        # the read event a clock late, from a register (the issue's decode is not in the
        # counter's adder; the run's counters are captured long after its last read)
        issued = reg("read_issued", 1)
        m.d.sync += issued.eq(issue)
        m.d.comb += [self.fed.eq(fed), self.done.eq(done), self.drain_data.eq(drain_word),
                     self.finished.eq(walked & (done == fed)), self.finals.eq(finals),
                     # the banks' ports taken in the next clock (oaa1 is read then)
                     self.oaa_busy.eq(Cat(*[s1.valid & ~s1.first & (s1.bank == b)
                                            for b in range(c.oaa_banks)])),
                     self.frame_event.eq(end_of_frame), self.read_event.eq(issued),
                     self.oaa_read_event.eq(read_now), self.oaa_write_event.eq(s3.valid)]
        return m
