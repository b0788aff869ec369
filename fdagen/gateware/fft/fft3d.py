"""Streaming 3-D real-input FFT: the 2-D real FFT of every depth plane -> depth transpose buffer
-> depth FFT.

Bit-exact with :func:`fdagen.golden.fft.fft3d_real_fixed` for the same
:class:`~fdagen.golden.fft.FFT3DFormat`; keeps the ``U = N N (N/2 + 1)`` unique bins.

Overview
--------
Input: one real ``N x N x N`` tile per frame, plane by plane and each plane row by row
(``N^3`` samples, ``last`` ignored). An :class:`~fdagen.gateware.fft.fft2d.FFT2D` transforms the
planes one after another; plane ``z``'s ``N (N/2 + 1)`` bins, in that block's order, are written
into one bank of a double-buffered depth transpose memory (``2 N N (N/2 + 1)`` complex words)
at ``line * N + z``, ``line`` the bin's position in the plane's stream. When a tile's bank is
complete, the reader streams each bin line's ``N`` samples (``z = 0 .. N-1``) through a complex
depth FFT (:class:`~fdagen.gateware.fft.core.FFTCore`), while the next tile's planes fill the
other bank.

Output order: the bin lines in :class:`~fdagen.gateware.fft.fft2d.FFT2D`'s order (``kx``
natural, ``ky`` bit-reversed within each), and along each line ``kz`` in bit-reversed order;
``last`` marks a tile's final bin. Throughput: one tile per ``N^3`` clocks (``N'^3`` at a
run-time size ``N'``).

Run-time schedules (``runtime_schedule=True``): ``row_schedule``, ``column_schedule`` and
``depth_schedule`` are latched with each tile's first sample (:class:`~fdagen.gateware.common.
tile_buffer.TileSchedules`): every plane of a tile gets the tile's row and column schedules, and
the depth schedule travels with the tile through the depth buffer.

Run-time length (``runtime_length=True``): ``length_shift``, latched per tile likewise, makes the
tile ``N' x N' x N'`` (``N' = N >> length_shift >= 4``): ``N'^3`` samples in, ``N' N' (N'/2 + 1)``
bins out in the same order over ``log2 N'`` bits, bit-exact with the golden ``N'``-point
transform.

Members
-------
i : ``In(stream.Signature(FFT2D.pixel_layout(data_width)))``
o : ``Out(stream.Signature(FFTCore.sample_layout(output_width)))``
row_schedule, column_schedule, depth_schedule : ``In(log2(N))``, with ``runtime_schedule=True``
length_shift : ``In(range(log2(N) - 1))``, only with ``runtime_length=True``
"""

from dataclasses import replace

from amaranth import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.dsp import check_dsp
from fdagen.gateware.common.tile_buffer import TileBuffer, TileSchedules
from fdagen.gateware.fft.core import FFTCore
from fdagen.gateware.fft.fft2d import FFT2D, by_shift, check_tile_format, frame_index
from fdagen.golden.fft import FFT3DFormat, bit_reverse_indices

__all__ = ["FFT3D", "block_members", "plane_bins", "last_of_tile"]


def block_members(input_layout, output_layout, passes, stages, runtime_schedule,
                  runtime_length):
    """The members of a 3-D block: streams ``i`` and ``o`` of these payloads, a
    ``<pass>_schedule`` port of ``stages`` bits for each of ``passes`` with a run-time schedule,
    and ``length_shift`` with a run-time length (``N' >= 4``, the golden model's smallest)."""
    members = {"i": In(stream.Signature(input_layout)), "o": Out(stream.Signature(output_layout))}
    if runtime_schedule:
        members.update({f"{name}_schedule": In(stages) for name in passes})
    if runtime_length:
        members["length_shift"] = In(range(stages - 1))
    return members


def plane_bins(n):
    """Bins of one plane's half spectrum at size ``n``: ``n (n/2 + 1)``."""
    return n * (n // 2 + 1)


def last_of_tile(index, count, n, shifts, frame_samples, tile_frames):
    """True when ``count`` (frames of a tile so far) has reached the tile's last,
    ``tile_frames(N') - 1``, at a tile size ``N'`` the caller knows only from its frames'
    length: ``index`` is the position within a frame of ``frame_samples(N')`` samples, on the
    frame's last sample. With ``shifts`` 1 (no run-time length) ``N' = n``."""
    if shifts == 1:
        return count == tile_frames(n) - 1
    return Cat(*[(index == frame_samples(n >> k) - 1) & (count == tile_frames(n >> k) - 1)
                 for k in range(shifts)]).any()


class FFT3D(wiring.Component):
    """Real-input 3-D FFT producing the unique half spectrum (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT3DFormat`
        A forward format. Its three scalings are used unless ``runtime_schedule``.
    runtime_schedule : bool
        Take the three passes' stage shifts from ports, latched per tile (constant widths).
    runtime_length : bool
        Take the transform size from the ``length_shift`` port, latched per tile (needs
        ``runtime_schedule``).
    dsp : str
        How the cores' products are registered (:class:`~fdagen.gateware.fft.core.FFTCore`'s
        ``dsp``: ``ecp5`` puts them in MULT18X18D output registers).
    """

    @staticmethod
    def input_order(n):
        """Index ``(z, y, x)`` of each input sample of a tile, in stream order."""
        return [(z, y, x) for z in range(n) for y in range(n) for x in range(n)]

    @staticmethod
    def output_order(n):
        """Index ``(kz, ky, kx)`` of each output bin of a tile, in stream order."""
        reverse = bit_reverse_indices(n)
        return [(int(reverse[j]), ky, kx) for ky, kx in FFT2D.output_order(n) for j in range(n)]

    def __init__(self, fmt, *, runtime_schedule=False, runtime_length=False,
                 dsp="generic"):
        check_tile_format("3-D FFT", fmt, runtime_schedule, inverse=False,
                          runtime_length=runtime_length, format_class=FFT3DFormat)
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._runtime_length = bool(runtime_length)
        self._dsp = check_dsp(dsp)
        self._depth_format = replace(fmt.depth_format, order="bitrev")
        super().__init__(block_members(
            FFT2D.pixel_layout(fmt.data_width), FFTCore.sample_layout(fmt.output_width),
            ("row", "column", "depth"), self._depth_format.stages, runtime_schedule,
            runtime_length))

    @property
    def fmt(self):
        return self._fmt

    @property
    def unique_bins(self):
        return self._fmt.unique_bins

    def elaborate(self, platform):
        m = Module()
        n = self._fmt.n
        lines = plane_bins(n)
        stages = self._depth_format.stages
        runtime, runtime_length = self._runtime_schedule, self._runtime_length
        shifts = stages - 1 if runtime_length else 1

        m.submodules.planes = planes = FFT2D(self._fmt.plane_format, runtime_schedule=runtime,
                                             runtime_length=runtime_length, dsp=self._dsp)
        m.submodules.depth = depth = FFTCore(self._depth_format, runtime_schedule=runtime,
                                             runtime_length=runtime_length, dsp=self._dsp)
        width = self._fmt.plane_format.output_width
        word = data.StructLayout({"re": signed(width), "im": signed(width)})
        shift_width = len(self.length_shift) if runtime_length else 0
        m.submodules.buffer = buffer = TileBuffer(word, lines * n, max(stages + shift_width, 1))

        m.d.comb += [
            planes.i.valid.eq(self.i.valid),
            self.i.ready.eq(planes.i.ready),
            planes.i.payload.eq(self.i.payload),
        ]
        written = buffer.write_en & buffer.write_ready
        write_shift = read_shift = 0           # the length shifts of the tiles written / read
        if runtime:
            ports = [self.row_schedule, self.column_schedule, self.depth_schedule]
            sizes = n ** 3
            if runtime_length:
                ports.append(self.length_shift)
                sizes = [(n >> k) ** 3 for k in range(shifts)]
            held = (2 * FFTCore.capacity_of(self._fmt.plane_format.row_format)
                    + 2 * lines + TileBuffer.LANDING + 2)       # in the plane FFT at most
            smallest = sizes[-1] if runtime_length else sizes
            m.submodules.schedules = schedules = TileSchedules(
                ports, sizes, TileSchedules.depth_for(held, smallest),
                3 if runtime_length else None)
            m.d.comb += [
                schedules.accepted.eq(self.i.valid & self.i.ready),
                schedules.writer_start.eq(written & buffer.write_first),
                planes.row_schedule.eq(schedules.now[0]),
                planes.column_schedule.eq(schedules.now[1]),
                buffer.write_schedule.eq(Cat(*schedules.tile[2:])),
                depth.schedule.eq(buffer.out_schedule[:stages]),
            ]
            if runtime_length:
                m.d.comb += [planes.length_shift.eq(schedules.now[3]),
                             depth.length_shift.eq(buffer.out_schedule[stages:])]
                read_shift = buffer.read_schedule[stages:]
                # the writer's tile: its shift is the queue's head until its first word
                latched = Signal(range(shifts), name="write_shift_latched")
                with m.If(written & buffer.write_first):
                    m.d.sync += latched.eq(schedules.tile[3])
                write_shift = Mux(buffer.write_first, schedules.tile[3], latched)

        # Writer: plane z's bins at line * N + z; a plane ends with the 2-D block's `last`, the
        # tile with plane N' - 1.
        line = Signal(range(lines))
        plane = Signal(range(n))
        lengths = range(shifts)
        plane_end = planes.o.payload.last
        tile_end = plane_end & (plane == by_shift([(n >> k) - 1 for k in lengths], write_shift))
        m.d.comb += [
            planes.o.ready.eq(buffer.write_ready),
            buffer.write_en.eq(planes.o.valid),
            buffer.write_addr.eq(Cat(plane, line)),
            buffer.write_data.re.eq(planes.o.payload.re),
            buffer.write_data.im.eq(planes.o.payload.im),
            buffer.write_first.eq((line == 0) & (plane == 0)),
            buffer.write_last.eq(tile_end),
        ]
        with m.If(planes.o.valid & buffer.write_ready):
            m.d.sync += line.eq(Mux(plane_end, 0, line + 1))
            with m.If(plane_end):
                m.d.sync += plane.eq(Mux(tile_end, 0, plane + 1))

        # Reader: line by line, each line's N' planes in natural order into the depth FFT.
        read_plane = Signal(range(n))
        read_line = Signal(range(lines))
        last_plane = by_shift([(n >> k) - 1 for k in lengths], read_shift)
        last_line = by_shift([plane_bins(n >> k) - 1 for k in lengths], read_shift)
        m.d.comb += [
            buffer.read_addr.eq(Cat(read_plane, read_line)),
            buffer.read_last.eq((read_plane == last_plane) & (read_line == last_line)),
            depth.i.valid.eq(buffer.out_valid),
            buffer.out_ready.eq(depth.i.ready),
            depth.i.payload.re.eq(buffer.out_data.re),
            depth.i.payload.im.eq(buffer.out_data.im),
            depth.i.payload.last.eq(0),
        ]
        with m.If(buffer.fetch):
            m.d.sync += read_plane.eq(Mux(read_plane == last_plane, 0, read_plane + 1))
            with m.If(read_plane == last_plane):
                m.d.sync += read_line.eq(Mux(read_line == last_line, 0, read_line + 1))

        # Output: the depth FFT's frames are lines; a tile ends after N' (N'/2 + 1) of them.
        out_line = Signal(range(lines))
        taken_out = self.o.valid & self.o.ready
        index = frame_index(m, taken_out, depth.o.payload.last, n, "index") if shifts > 1 else 0
        out_end = last_of_tile(index, out_line, n, shifts, lambda size: size, plane_bins)
        m.d.comb += [
            self.o.valid.eq(depth.o.valid),
            depth.o.ready.eq(self.o.ready),
            self.o.payload.re.eq(depth.o.payload.re),
            self.o.payload.im.eq(depth.o.payload.im),
            self.o.payload.last.eq(depth.o.payload.last & out_end),
        ]
        with m.If(taken_out & depth.o.payload.last):
            m.d.sync += out_line.eq(Mux(out_end, 0, out_line + 1))
        return m
