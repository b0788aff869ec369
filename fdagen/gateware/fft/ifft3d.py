"""Streaming 3-D inverse FFT from the half spectrum to a real tile: depth IFFT -> depth transpose
buffer -> the 2-D half-spectrum inverse of every plane.

Bit-exact with :func:`fdagen.golden.fft.ifft3d_half_fixed` for the same inverse
:class:`~fdagen.golden.fft.FFT3DFormat`.

Overview
--------
Input: one half spectrum per frame, ``U = N N (N/2 + 1)`` bins: the bin lines in
:class:`~fdagen.gateware.fft.ifft2d.IFFT2D`'s input order (``kx = 0 .. N/2``, ``ky`` natural
within each), and along each line ``kz = 0 .. N-1`` (``last`` ignored). A complex depth IFFT
(:class:`~fdagen.gateware.fft.core.FFTCore`) transforms each line; its bit-reversed outputs are
written into one bank of a double-buffered depth transpose memory at ``line * N + z``. When a
tile's bank is complete, the reader streams it plane by plane (``z = 0 .. N-1``, each plane's
lines in order) through an :class:`~fdagen.gateware.fft.ifft2d.IFFT2D`, whose real tiles are
the output.

Output order: planes ``z`` natural, each in :class:`~fdagen.gateware.fft.ifft2d.IFFT2D`'s order
(rows natural, ``x`` bit-reversed); ``last`` marks a tile's final pixel. Throughput: one tile
per ``N^3`` clocks (``N'^3`` at a run-time size ``N'``).

Run-time schedules (``runtime_schedule=True``): ``depth_schedule``, ``column_schedule`` and
``row_schedule`` are latched with each tile's first sample; the depth IFFT takes its own, and the
other two travel with the tile through the depth buffer to every plane's 2-D inverse.

Run-time length (``runtime_length=True``): ``length_shift``, latched per tile likewise, makes the
tile ``N' x N' x N'`` (``N' = N >> length_shift >= 4``), bit-exact with the golden ``N'``-point
inverse, in the same orders.

Members
-------
i : ``In(stream.Signature(FFTCore.sample_layout(data_width)))``
o : ``Out(stream.Signature(FFT2D.pixel_layout(output_width)))``
depth_schedule, column_schedule, row_schedule : ``In(log2(N))``, with ``runtime_schedule=True``
length_shift : ``In(range(log2(N) - 1))``, only with ``runtime_length=True``
"""

from dataclasses import replace

from amaranth import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, wiring

from fdagen.arch.dsp import check_dsp
from fdagen.gateware.common.tile_buffer import TileBuffer, TileSchedules
from fdagen.gateware.fft.core import FFTCore
from fdagen.gateware.fft.fft2d import FFT2D, by_shift, check_tile_format, frame_index
from fdagen.gateware.fft.fft3d import block_members, last_of_tile, plane_bins
from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.golden.fft import FFT3DFormat

__all__ = ["IFFT3D"]


class IFFT3D(wiring.Component):
    """Half spectrum to real 3-D tile (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT3DFormat`
        An inverse format; ``data_width`` is the spectrum's width.
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
        """Index ``(kz, ky, kx)`` of each input bin of a half spectrum, in stream order."""
        return [(kz, ky, kx) for ky, kx in IFFT2D.input_order(n) for kz in range(n)]

    @staticmethod
    def output_order(n):
        """Index ``(z, y, x)`` of each output pixel of a tile, in stream order."""
        return [(z, y, x) for z in range(n) for y, x in IFFT2D.output_order(n)]

    def __init__(self, fmt, *, runtime_schedule=False, runtime_length=False,
                 dsp="generic"):
        check_tile_format("3-D IFFT", fmt, runtime_schedule, inverse=True,
                          runtime_length=runtime_length, format_class=FFT3DFormat)
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._runtime_length = bool(runtime_length)
        self._dsp = check_dsp(dsp)
        self._depth_format = replace(fmt.depth_format, order="bitrev")
        super().__init__(block_members(
            FFTCore.sample_layout(fmt.data_width), FFT2D.pixel_layout(fmt.output_width),
            ("depth", "column", "row"), self._depth_format.stages, runtime_schedule,
            runtime_length))

    @property
    def fmt(self):
        return self._fmt

    def elaborate(self, platform):
        m = Module()
        n = self._fmt.n
        lines = plane_bins(n)
        stages = self._depth_format.stages
        runtime, runtime_length = self._runtime_schedule, self._runtime_length
        shifts = stages - 1 if runtime_length else 1

        m.submodules.depth = depth = FFTCore(self._depth_format, runtime_schedule=runtime,
                                             runtime_length=runtime_length, dsp=self._dsp)
        m.submodules.planes = planes = IFFT2D(self._fmt.plane_format, runtime_schedule=runtime,
                                              runtime_length=runtime_length, dsp=self._dsp)
        width = self._depth_format.output_width
        word = data.StructLayout({"re": signed(width), "im": signed(width)})
        shift_width = len(self.length_shift) if runtime_length else 0
        m.submodules.buffer = buffer = TileBuffer(word, lines * n,
                                                  max(2 * stages + shift_width, 1))

        m.d.comb += [
            depth.i.valid.eq(self.i.valid),
            self.i.ready.eq(depth.i.ready),
            depth.i.payload.eq(self.i.payload),
        ]
        written = buffer.write_en & buffer.write_ready
        read_shift = 0                        # the length shift of the tile being read
        if runtime:
            ports = [self.depth_schedule, self.column_schedule, self.row_schedule]
            sizes = n * lines
            if runtime_length:
                ports.append(self.length_shift)
                sizes = [(n >> k) * plane_bins(n >> k) for k in range(shifts)]
            smallest = sizes[-1] if runtime_length else sizes
            m.submodules.schedules = schedules = TileSchedules(
                ports, sizes, TileSchedules.depth_for(depth.capacity, smallest),
                3 if runtime_length else None)
            m.d.comb += [
                schedules.accepted.eq(self.i.valid & self.i.ready),
                schedules.writer_start.eq(written & buffer.write_first),
                depth.schedule.eq(schedules.now[0]),
                buffer.write_schedule.eq(Cat(*schedules.tile[1:])),
                planes.column_schedule.eq(buffer.out_schedule[:stages]),
                planes.row_schedule.eq(buffer.out_schedule[stages:2 * stages]),
            ]
            if runtime_length:
                m.d.comb += [depth.length_shift.eq(schedules.now[3]),
                             planes.length_shift.eq(buffer.out_schedule[2 * stages:])]
                read_shift = buffer.read_schedule[2 * stages:]

        # Writer: the depth IFFT's output at position p of line j is plane z = bitrev(p) over
        # log2 N bits, stored at j * N + z. At a run-time length N' = N >> k that puts plane z'
        # in plane slot z' << k, so the writer needs no length but for the tile's end, which it
        # reads off the frames' length (the position at a frame's last sample).
        position = Signal(range(n))
        line = Signal(range(lines))
        line_end = depth.o.payload.last
        tile_end = line_end & last_of_tile(position, line, n, shifts, lambda size: size,
                                           plane_bins)
        m.d.comb += [
            depth.o.ready.eq(buffer.write_ready),
            buffer.write_en.eq(depth.o.valid),
            buffer.write_addr.eq(Cat(position[::-1], line)),
            buffer.write_data.re.eq(depth.o.payload.re),
            buffer.write_data.im.eq(depth.o.payload.im),
            buffer.write_first.eq((position == 0) & (line == 0)),
            buffer.write_last.eq(tile_end),
        ]
        with m.If(depth.o.valid & buffer.write_ready):
            m.d.sync += position.eq(Mux(line_end, 0, position + 1))
            with m.If(line_end):
                m.d.sync += line.eq(Mux(tile_end, 0, line + 1))

        # Reader: plane by plane (slots a 2**k apart at a run-time length), each plane's lines in
        # order into the 2-D inverse.
        slot = Signal(range(n))
        read_line = Signal(range(lines))
        lengths = range(shifts)
        last_slot = by_shift([((n >> k) - 1) << k for k in lengths], read_shift)
        step = by_shift([1 << k for k in lengths], read_shift)
        last_line = by_shift([plane_bins(n >> k) - 1 for k in lengths], read_shift)
        m.d.comb += [
            buffer.read_addr.eq(Cat(slot, read_line)),
            buffer.read_last.eq((slot == last_slot) & (read_line == last_line)),
            planes.i.valid.eq(buffer.out_valid),
            buffer.out_ready.eq(planes.i.ready),
            planes.i.payload.re.eq(buffer.out_data.re),
            planes.i.payload.im.eq(buffer.out_data.im),
            planes.i.payload.last.eq(0),
        ]
        with m.If(buffer.fetch):
            m.d.sync += read_line.eq(Mux(read_line == last_line, 0, read_line + 1))
            with m.If(read_line == last_line):
                m.d.sync += slot.eq(Mux(slot == last_slot, 0, slot + step))

        # Output: a plane ends with the 2-D inverse's `last`; the tile after N' planes (N' read
        # off the plane's N'^2 samples).
        plane = Signal(range(n))
        taken_out = self.o.valid & self.o.ready
        plane_end = planes.o.payload.last
        index = frame_index(m, taken_out, plane_end, n * n, "index") if shifts > 1 else 0
        out_end = last_of_tile(index, plane, n, shifts, lambda size: size * size,
                               lambda size: size)
        m.d.comb += [
            self.o.valid.eq(planes.o.valid),
            planes.o.ready.eq(self.o.ready),
            self.o.payload.value.eq(planes.o.payload.value),
            self.o.payload.last.eq(plane_end & out_end),
        ]
        with m.If(taken_out & plane_end):
            m.d.sync += plane.eq(Mux(out_end, 0, plane + 1))
        return m
