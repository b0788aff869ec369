"""Forward side of the accelerator: feature-map buffer -> tilers -> tile FFT lanes -> spectrum
buffer.

Lane ``f`` of ``LF`` transforms tiles ``t = f, f + LF, ...``: for each input channel its tiler
streams the zero-padded ``N x N`` tile (``N x N x N`` in 3-D; ``N`` the layer's FFT size, the
descriptor's: the transform takes it per tile) (sample ``(sy, sx)`` is pixel ``(ty T + sy - p,
tx T + sx - p)`` when ``sy, sx < T`` and inside the map, else 0, and likewise along depth; the
tile walk and the tiler are :class:`~fdagen.gateware.accel.raster.Raster` walks over the
geometry's axes) from the feature-map buffer (``V`` consecutive pixels of a row a word, the
build's ``pixel_beat_words`` and the pixels stream's beat; a tiler read takes one of them) into
an :class:`~fdagen.gateware.fft.fft2d.FFT2D` (:class:`~fdagen.gateware.fft.fft3d.FFT3D` in
3-D), and the half spectrum lands in the lane's input-spectrum
buffer: ``L`` banks (bin ``k`` of the FFT's output order in bank ``k mod L``, word ``k / L``),
``B / LF`` tile slots of ``C_max`` channels each (``B`` the build's
:attr:`~fdagen.arch.config.AcceleratorConfig.spectrum_tiles`; tile ``t`` in slot ``(t div LF) mod
(B / LF)``), so the buffer keeps a block of ``B`` tiles' spectra for every output-channel group
to read. A lane starts tile ``t`` once the array is done with tile ``t - B`` (``spectrum.done``:
its last group has read it).

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
from fdagen.gateware.accel.layer import layer_fft_size
from fdagen.gateware.accel.raster import Raster, buffer_address
from fdagen.gateware.blocks import INLINE
from fdagen.gateware.common.arith import const_mul, minimum
from fdagen.gateware.common.layouts import complex_layout
from fdagen.gateware.common.ram import ram
from fdagen.gateware.common.read_stream import ReadStream

__all__ = ["FFTStage", "pixel_beat_shape"]


def pixel_beat_shape(config):
    """A pixels-stream beat and feature-map buffer word: one signed pixel, or ``V`` of them
    packed (pixel ``i`` in bits ``[i d, (i + 1) d)``)."""
    if config.pixel_beat_words == 1:
        return signed(config.data_width)
    return unsigned(config.data_width * config.pixel_beat_words)


class FFTStage(wiring.Component):
    """See the module docstring. ``config`` is an :class:`fdagen.arch.config.AcceleratorConfig`;
    ``blocks`` a :class:`fdagen.gateware.blocks.BlockLibrary`."""

    def __init__(self, config, blocks=INLINE):
        self.config = c = config
        self._blocks = blocks
        super().__init__({
            "control": In(LayerControl(c)),
            "fmap_we": In(1), "fmap_waddr": In(range(c.fmap_depth)),
            "fmap_wdata": In(pixel_beat_shape(c)),
            "spectrum": In(SpectrumRead(c)),
            "frames": Out(32), "fmap_reads": Out(32), "spectrum_writes": Out(32),
        })

    def elaborate(self, platform):
        m = Module()
        c = self.config
        lanes, fl = c.bin_lanes, c.fft_lanes
        # the loader writes the map only once the running layer's tiles are all read (the
        # top's fmap_free), and the lanes read it only from the next start: no read meets a
        # write
        m.submodules.fmap = fmap = ram(self.fmap_wdata.shape(), c.fmap_depth,
                                       read_old_data=False)
        write = fmap.write_port()
        # The loader's write, registered: the memory's write port is driven from registers,
        # not from the pixels stream's handshake across the die. A word is in the memory at
        # the end of the clock after it is taken; a layer's start comes a clock after its last
        # pixel at the soonest, and a lane's first read reaches the port four clocks after the
        # start (ADVANCE, WAIT, FEED, and the read's register).
        write_en = Signal(name="fmap_write_en")
        write_addr = Signal.like(self.fmap_waddr, name="fmap_write_addr")
        write_data = Signal.like(self.fmap_wdata, name="fmap_write_data", reset_less=True)
        m.d.sync += [write_en.eq(self.fmap_we), write_addr.eq(self.fmap_waddr),
                     write_data.eq(self.fmap_wdata)]
        m.d.comb += [write.en.eq(write_en), write.addr.eq(write_addr), write.data.eq(write_data)]
        word = complex_layout(c.data_width)
        banks = [[None] * lanes for _ in range(fl)]
        reads = [[None] * lanes for _ in range(fl)]
        done = []
        frame_events, read_events = [], []
        for f in range(fl):
            for lane in range(lanes):
                # a tile's slot is written only once the MAC stage is done reading the tile it
                # held, and read only once the tile is complete: no read meets a write
                mem = ram(word, c.spectrum_depth, read_old_data=False)
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
        # (only the addressed FFT lane's banks are read: another lane may be writing the word
        # at that address of its own)
        for f in range(fl):
            for lane in range(lanes):
                m.d.comb += [reads[f][lane].addr.eq(self.spectrum.addr),
                             reads[f][lane].en.eq(self.spectrum.en & (self.spectrum.lane == f)
                                                  if fl > 1 else self.spectrum.en)]
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
                self.spectrum_writes.eq(self.spectrum_writes + sum(
                    Mux(event, self.control.layer.bin_steps << c.log2(lanes), 0)
                    for event in frame_events)),
            ]
        return m

    def _lane(self, m, f, fmap_read, banks):
        """Tiler, FFT and spectrum writer of lane ``f``; returns (tiles done, frame, read)."""
        c = self.config
        n, lanes, fl = c.fft_size, c.bin_lanes, c.fft_lanes
        layer = self.control.layer
        lane_bits = c.log2(lanes)
        prefix = f"lane{f}_"

        fft = self._blocks.tile_fft(c.forward_format(), c.runtime_fft_size, c.dsp)
        m.submodules[prefix + f"fft{c.dims}d"] = fft
        passes = ("row", "column", "depth")[:c.dims]
        m.d.comb += [getattr(fft, f"{name}_schedule").eq(layer[f"fwd_{name}_schedule"])
                     for name in passes]
        if c.runtime_fft_size:
            m.d.comb += fft.length_shift.eq(layer.fft_shift)

        tag_layout = data.StructLayout({"base": range(c.spectrum_depth + 1),
                                        "tile_last": unsigned(1)})
        tags = SyncFIFO(width=tag_layout.size, depth=8)
        m.submodules[prefix + "tags"] = tags
        # room for a frame's tag, in a register: the queue's level a clock ago below its depth
        # less one (a tag a clock at most goes in, so the flag never says room where there is
        # none; the queue holds a tag per frame in the transform, far fewer), so that the
        # issue starts at flip-flops, not at the queue's level compare
        tag_room = Signal(name=prefix + "tag_room")
        m.d.sync += tag_room.eq(tags.level < tags.depth - 1)
        # (a read issued at clock t reaches the memory's port from registers at t + 1: its
        # word is out at t + 2)
        reader = ReadStream(data.StructLayout({"value": signed(c.data_width),
                                               "last": unsigned(1)}), latency=2)
        m.submodules[prefix + "reader"] = reader
        wiring.connect(m, reader.o, fft.i)

        def reg(name, shape):
            return Signal(shape, name=prefix + name)

        geometry = c.geometry
        t = reg("tile", c.count_width)
        slot_words = c.max_channels * c.bin_steps
        qbase = reg("slot_base", range(c.spectrum_depth))    # the next tile's slot
        # the walks' last- and first-index compares in registers (Raster's ``last_flags``,
        # ``first_flags``): the layer registers and N are steady from before the run's start,
        # where the tile walk restarts, and the sample walk restarts after it
        tiles = Raster(prefix, "t", geometry.axes,
                       [layer[name] for name in geometry.tile_count_fields],
                       position="o", step=layer.tile, last_flags=True)
        ch = reg("channel", 16)
        cbase = reg("cbase", range(c.fmap_pixels + 1))
        sbase = reg("sbase", range(c.spectrum_depth + 1))
        # the layer's N, registered (the layer registers are steady from a clock before the
        # run's start to its end)
        size = Signal(range(n + 1), name=prefix + "fft_size")
        m.d.sync += size.eq(layer_fft_size(c, layer))
        sample = Raster(prefix, "s", geometry.axes, [size] * geometry.dims,
                        width=len(size), last_flags=True, first_flags=True)
        advance = reg("advance", range(fl + 1))
        done = reg("done", c.count_width)
        frame_event, read_event = reg("frame_event", 1), reg("read_event", 1)

        # Tiler: one pixel (or a zero) per issued read; per axis the map coordinate
        # corner + sample (corner = origin - padding), inside when the sample is in the tile
        # and the map: sample < T and, from the tile's origin, first <= sample < end with
        # first = padding - origin and end = extent + padding - origin, clamped to [0, N].
        # The corner, first and end are registers of the tile, so that the issue's inside
        # test is three compares of sample-wide values per axis, not an adder chain and a
        # map-wide compare. The origin moves only in ADVANCE (its last step a clock before
        # ADVANCE's last clock at least), and the samples are issued in FEED, after WAIT.
        pixel = [Signal(signed(18), name=f"{prefix}pixel_{axis}") for axis in geometry.axes]
        inside = Signal(name=prefix + "inside")
        conditions = []

        def clamp_to_size(value):
            return Mux(value < 0, 0, Mux(value > n, n, value))

        for axis, name in enumerate(geometry.extent_fields):
            origin = Cat(tiles.position[axis], Const(0, 1)).as_signed()
            corner = Signal(signed(18), name=f"{prefix}corner_{axis}")
            first_in = Signal(range(n + 1), name=f"{prefix}inside_first_{axis}")
            end_in = Signal(range(n + 1), name=f"{prefix}inside_end_{axis}")
            padded = Signal(17, name=f"{prefix}padded_extent_{axis}")   # the layer's: steady
            m.d.sync += [padded.eq(layer[name] + layer.padding),
                         corner.eq(origin - layer.padding),
                         first_in.eq(clamp_to_size(layer.padding - origin)),
                         end_in.eq(clamp_to_size(padded - origin))]
            m.d.comb += pixel[axis].eq(corner + sample.index[axis])
            conditions += [sample.index[axis] < layer.tile, sample.index[axis] >= first_in,
                           sample.index[axis] < end_in]
        # the pixel's position in the buffer: word position / V, pixel position mod V in it
        position = Signal(range(c.fmap_pixels), name=prefix + "fmap_position")
        words = c.pixel_beat_words
        word_bits = c.log2(words)
        m.d.comb += [
            inside.eq(Cat(*conditions).all()),
            position.eq(buffer_address(cbase, [p.as_unsigned() for p in pixel],
                                       geometry.strides(c.max_size, c.fmap_pitch))),
        ]
        # The read goes to the memory a clock after its issue, from registers: the walks'
        # adders and the inside-the-map compares end there, not at the port's enable and
        # address. A zero sample (outside the tile or the map) and the pixel's place in its
        # word follow the read to its data.
        read_en = reg("fmap_read_en", 1)
        read_addr = Signal.like(fmap_read.addr, name=prefix + "fmap_read_addr")
        zero_d = reg("zero_issued", 1)
        zero = Signal(name=prefix + "zero")
        m.d.comb += [fmap_read.en.eq(read_en), fmap_read.addr.eq(read_addr)]
        m.d.sync += [read_addr.eq(position >> word_bits), zero_d.eq(~inside), zero.eq(zero_d)]
        last_sample = sample.last
        if words == 1:
            value = fmap_read.data
        else:
            which_d = reg("fmap_word_issued", word_bits)
            which = reg("fmap_word", word_bits)
            m.d.sync += [which_d.eq(position[:word_bits]), which.eq(which_d)]
            value = fmap_read.data.word_select(which, c.data_width).as_signed()
        m.d.comb += [reader.data.value.eq(Mux(zero, 0, value)), reader.data.last.eq(0)]
        frame_start = sample.first
        slot_free = t < self.spectrum.done + c.spectrum_tiles
        issue = Signal(name=prefix + "issue")
        # ch + 1 == C, registered: ch moves only at a frame's last sample, N^2 >= 16 issues
        # before the next
        last_channel = reg("last_channel", 1)
        m.d.sync += last_channel.eq(ch + 1 == layer.channels)

        with m.FSM(name=prefix + "fsm"):
            with m.State("IDLE"):
                with m.If(self.control.start):
                    m.d.sync += [t.eq(0), qbase.eq(0), advance.eq(f), done.eq(0),
                                 *tiles.restart()]
                    m.next = "ADVANCE"
            with m.State("ADVANCE"):       # step to the lane's next tile, one tile a cycle
                with m.If(advance == 0):
                    m.d.sync += [ch.eq(0), cbase.eq(0), *sample.restart(), sbase.eq(qbase)]
                    m.next = "WAIT"
                with m.Else():
                    m.d.sync += [advance.eq(advance - 1), t.eq(t + 1)]
                    tiles.step(m)
            with m.State("WAIT"):
                with m.If(t >= self.control.tiles):
                    m.next = "IDLE"
                with m.Elif(slot_free & tag_room):
                    m.next = "FEED"
            with m.State("FEED"):
                m.d.comb += issue.eq(reader.can_issue & (~frame_start | tag_room))
                with m.If(issue):
                    sample.step(m)
                    with m.If(last_sample):
                        m.d.sync += [ch.eq(ch + 1),
                                     cbase.eq(cbase + c.fmap_channel_stride),
                                     sbase.eq(sbase + c.bin_steps)]
                        with m.If(last_channel):
                            m.d.sync += [advance.eq(fl),
                                         qbase.eq(Mux(qbase == c.spectrum_depth - slot_words, 0,
                                                      qbase + slot_words))]
                            m.next = "ADVANCE"
        m.d.comb += [
            reader.issue.eq(issue),
            tags.w_en.eq(issue & frame_start),
        ]
        m.d.sync += read_en.eq(issue & inside)
        tag_in = data.View(tag_layout, tags.w_data)
        m.d.comb += [tag_in.base.eq(sbase), tag_in.tile_last.eq(ch + 1 == layer.channels)]
        m.d.sync += read_event.eq(issue & inside)

        # Writer: the FFT's bins in output order k into bank k mod L at base + k / L.
        k = Signal(range(c.unique_bins), name=prefix + "k")
        last_k = Signal(range(c.unique_bins), name=prefix + "last_k")     # U - 1 at the layer's N
        m.d.comb += last_k.eq((layer.bin_steps << lane_bits) - 1)
        tag = data.View(tag_layout, tags.r_data)
        m.d.comb += fft.o.ready.eq(1)
        taken = fft.o.valid
        for lane, bank in enumerate(banks):
            m.d.comb += [
                bank.en.eq(taken & (k[:lane_bits] == lane) if lane_bits else taken),
                bank.addr.eq(tag.base + (k >> lane_bits)),
                bank.data.re.eq(fft.o.payload.re), bank.data.im.eq(fft.o.payload.im),
            ]
        end = taken & (k == last_k)
        m.d.comb += tags.r_en.eq(end)
        with m.If(taken):
            m.d.sync += k.eq(Mux(k == last_k, 0, k + 1))
        with m.If(end & tag.tile_last):
            m.d.sync += done.eq(done + 1)
        m.d.sync += frame_event.eq(end)
        with m.If(self.control.start):
            m.d.sync += k.eq(0)
        return done, frame_event, read_event
