"""Forward side of the accelerator: feature-map buffer -> tilers -> 2-D FFT lanes -> spectrum
buffer.

Lane ``f`` of ``LF`` transforms tiles ``t = f, f + LF, ...``: for each input channel its tiler
streams the zero-padded ``N x N`` tile (rows ``r``, columns ``s``; pixel ``(ty T + r - p, tx T + s -
p)`` when ``r, s < T`` and inside the map, else 0) from the feature-map buffer into an
:class:`~fdagen.gateware.fft.fft2d.FFT2D`, and the half spectrum lands in the lane's input-spectrum
buffer: ``L`` banks (bin ``k`` of the FFT's output order in bank ``k mod L``, word ``k / L``), two
tile slots of ``C_max`` channels each, so lane ``f`` fills one slot while the PE array reads the
other. A lane starts tile ``t`` once the array has finished tile ``t - 2 LF`` (``spectrum.done``).

The array reads through ``spectrum`` (:class:`~fdagen.gateware.accel.interfaces.SpectrumRead`):
all ``L`` banks of FFT lane ``lane`` at ``addr``, the values on ``data`` the interface's latency
later; ``ready`` is the number of leading tiles whose spectra are complete. Counters restart with
``start``.
"""

from amaranth import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from fdagen.gateware.accel.interfaces import LayerControl, SpectrumRead
from fdagen.gateware.accel.layer import next_tile_origin
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.arith import const_mul, minimum
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.common.ram import ram
from fdagen.gateware.common.read_stream import ReadStream

__all__ = ["FFTStage"]


class FFTStage(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`;
    ``blocks`` a :class:`fdagen.gateware.blocks.BlockLibrary`."""

    def __init__(self, config, blocks=INLINE):
        self.config = c = config
        self._blocks = blocks
        super().__init__({
            "control": In(LayerControl(c.stages)),
            "fmap_we": In(1), "fmap_waddr": In(range(c.fmap_depth)),
            "fmap_wdata": In(signed(c.data_width)),
            "spectrum": In(SpectrumRead(c)),
            "frames": Out(32), "fmap_reads": Out(32), "spectrum_writes": Out(32),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        lanes, fl = c.bin_lanes, c.fft_lanes
        m.submodules.fmap = fmap = ram(signed(c.data_width), c.fmap_depth)
        write = fmap.write_port()
        m.d.comb += [write.en.eq(self.fmap_we), write.addr.eq(self.fmap_waddr),
                     write.data.eq(self.fmap_wdata)]
        word = complex_layout(c.data_width)
        banks = [[None] * lanes for _ in range(fl)]
        reads = [[None] * lanes for _ in range(fl)]
        done = []
        frame_events, read_events = [], []
        for f in range(fl):
            for lane in range(lanes):
                mem = ram(word, c.spectrum_depth)
                m.submodules[f"spectrum{f}_{lane}"] = mem
                banks[f][lane] = mem.write_port()
                reads[f][lane] = mem.read_port()
            done_f, frame_f, read_f = self._lane(m, f, fmap.read_port(), banks[f])
            done.append(done_f)
            frame_events.append(frame_f)
            read_events.append(read_f)

        # ready_tiles = min over lanes of (done_f * LF + f): the complete prefix of tiles.
        candidates = [const_mul(d, fl) + f for f, d in enumerate(done)]
        m.d.comb += self.spectrum.ready.eq(minimum(m, candidates, "ready_min"))

        # Spectrum read: all banks of one FFT lane, registered select, registered output.
        lane_d = Signal.like(self.spectrum.lane)
        m.d.sync += lane_d.eq(self.spectrum.lane)
        for f in range(fl):
            for lane in range(lanes):
                m.d.comb += [reads[f][lane].addr.eq(self.spectrum.addr),
                             reads[f][lane].en.eq(self.spectrum.en)]
        for lane in range(lanes):
            chosen = reads[0][lane].data
            for f in range(1, fl):
                chosen = Mux(lane_d == f, reads[f][lane].data, chosen)
            m.d.sync += self.spectrum.data[lane].eq(chosen)

        # Counters (restart with start).
        with m.If(self.control.start):
            m.d.sync += [self.frames.eq(0), self.fmap_reads.eq(0), self.spectrum_writes.eq(0)]
        with m.Else():
            m.d.sync += [
                self.frames.eq(self.frames + sum(frame_events)),
                self.fmap_reads.eq(self.fmap_reads + sum(read_events)),
                self.spectrum_writes.eq(self.spectrum_writes + const_mul(sum(frame_events),
                                                                         c.unique_bins)),
            ]
        return m

    def _lane(self, m, f, fmap_read, banks):
        """Tiler, FFT and spectrum writer of lane ``f``; returns (tiles done, frame, read)."""
        c = self.config
        n, lanes, fl = c.fft_size, c.bin_lanes, c.fft_lanes
        layer = self.control.layer
        lane_bits = c.log2(lanes)
        prefix = f"lane{f}_"

        fft = self._blocks.fft2d(c.forward_format())
        m.submodules[prefix + "fft2d"] = fft
        m.d.comb += [fft.row_schedule.eq(layer.fwd_row_schedule),
                     fft.column_schedule.eq(layer.fwd_column_schedule)]

        tag_layout = data.StructLayout({"base": range(c.spectrum_depth + 1),
                                        "tile_last": unsigned(1)})
        tags = SyncFIFO(width=tag_layout.size, depth=8)
        m.submodules[prefix + "tags"] = tags
        reader = ReadStream(data.StructLayout({"value": signed(c.data_width),
                                               "last": unsigned(1)}), latency=1)
        m.submodules[prefix + "reader"] = reader
        wiring.connect(m, reader.o, fft.i)

        def reg(name, shape):
            return Signal(shape, name=prefix + name)

        t = reg("tile", 32)
        q = reg("local", 1)                # slot = local tile index mod 2
        ty, tx = reg("ty", 16), reg("tx", 16)
        oy, ox = reg("oy", 16), reg("ox", 16)
        ch = reg("channel", 16)
        cbase = reg("cbase", range(c.fmap_depth + 1))
        sbase = reg("sbase", range(c.spectrum_depth + 1))
        r, s = reg("r", range(n)), reg("s", range(n))
        advance = reg("advance", range(fl + 1))
        done = reg("done", 32)
        frame_event, read_event = reg("frame_event", 1), reg("read_event", 1)

        # Tiler: one pixel (or a zero) per issued read.
        h = Signal(signed(18), name=prefix + "h")
        w = Signal(signed(18), name=prefix + "w")
        inside = Signal(name=prefix + "inside")
        m.d.comb += [
            h.eq(Cat(oy + r, Const(0, 1)).as_signed() - layer.padding),
            w.eq(Cat(ox + s, Const(0, 1)).as_signed() - layer.padding),
            inside.eq((r < layer.tile) & (s < layer.tile) & (h >= 0) & (h < layer.height)
                      & (w >= 0) & (w < layer.width)),
            fmap_read.addr.eq(cbase + (h.as_unsigned() << c.log2(c.fmap_pitch)) + w.as_unsigned()),
        ]
        zero = Signal(name=prefix + "zero")
        last_sample = (r == n - 1) & (s == n - 1)
        m.d.comb += [reader.data.value.eq(Mux(zero, 0, fmap_read.data)), reader.data.last.eq(0)]
        frame_start = (r == 0) & (s == 0)
        slot_free = t < self.spectrum.done + 2 * fl
        issue = Signal(name=prefix + "issue")

        with m.FSM(name=prefix + "fsm"):
            with m.State("IDLE"):
                with m.If(self.control.start):
                    m.d.sync += [t.eq(0), q.eq(0), ty.eq(0), tx.eq(0), oy.eq(0), ox.eq(0),
                                 advance.eq(f), done.eq(0)]
                    m.next = "ADVANCE"
            with m.State("ADVANCE"):       # step to the lane's next tile, one tile a cycle
                with m.If(advance == 0):
                    m.d.sync += [ch.eq(0), cbase.eq(0), r.eq(0), s.eq(0),
                                 sbase.eq(Mux(q, c.max_channels * c.bin_steps, 0))]
                    m.next = "WAIT"
                with m.Else():
                    m.d.sync += [advance.eq(advance - 1), t.eq(t + 1)]
                    next_tile_origin(m, layer, ty, tx, oy, ox)
            with m.State("WAIT"):
                with m.If(t >= self.control.tiles):
                    m.next = "IDLE"
                with m.Elif(slot_free & tags.w_rdy):
                    m.next = "FEED"
            with m.State("FEED"):
                m.d.comb += issue.eq(reader.can_issue & (~frame_start | tags.w_rdy))
                with m.If(issue):
                    m.d.sync += s.eq(s + 1)
                    with m.If(s == n - 1):
                        m.d.sync += [s.eq(0), r.eq(r + 1)]
                    with m.If(last_sample):
                        m.d.sync += [r.eq(0), ch.eq(ch + 1),
                                     cbase.eq(cbase + c.fmap_channel_stride),
                                     sbase.eq(sbase + c.bin_steps)]
                        with m.If(ch + 1 == layer.channels):
                            m.d.sync += [advance.eq(fl), q.eq(~q)]
                            m.next = "ADVANCE"
        m.d.comb += [
            reader.issue.eq(issue),
            fmap_read.en.eq(issue & inside),
            tags.w_en.eq(issue & frame_start),
        ]
        tag_in = data.View(tag_layout, tags.w_data)
        m.d.comb += [tag_in.base.eq(sbase), tag_in.tile_last.eq(ch + 1 == layer.channels)]
        m.d.sync += [zero.eq(~inside), read_event.eq(issue & inside)]

        # Writer: the FFT's bins in output order k into bank k mod L at base + k / L.
        k = Signal(range(c.unique_bins), name=prefix + "k")
        tag = data.View(tag_layout, tags.r_data)
        m.d.comb += fft.o.ready.eq(1)
        taken = fft.o.valid
        for lane, bank in enumerate(banks):
            m.d.comb += [
                bank.en.eq(taken & (k[:lane_bits] == lane) if lane_bits else taken),
                bank.addr.eq(tag.base + (k >> lane_bits)),
                bank.data.re.eq(fft.o.payload.re), bank.data.im.eq(fft.o.payload.im),
            ]
        end = taken & (k == c.unique_bins - 1)
        m.d.comb += tags.r_en.eq(end)
        with m.If(taken):
            m.d.sync += k.eq(Mux(k == c.unique_bins - 1, 0, k + 1))
        with m.If(end & tag.tile_last):
            m.d.sync += done.eq(done + 1)
        m.d.sync += frame_event.eq(end)
        with m.If(self.control.start):
            m.d.sync += k.eq(0)
        return done, frame_event, read_event
