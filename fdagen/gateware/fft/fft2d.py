"""Streaming 2-D real-input FFT: row FFT -> transpose (corner-turn) buffer -> column FFT.

Bit-exact with :func:`fdagen.golden.fft.fft2d_real_fixed` for the same
:class:`~fdagen.golden.fft.FFT2DFormat`; keeps the ``U = N (N/2 + 1)`` unique bins.

Overview -------- Input: one real ``N x N`` tile per frame, row by row (``N*N`` samples, ``last``
ignored). Each row goes through an :class:`~fdagen.gateware.fft.core.FFTCore` with zero imaginary
input. Its output, in bit-reversed order, is written column-major into one bank of a double-buffered
transpose memory (``lib.memory``, ``2 U`` complex words), keeping bins ``kx <= N/2`` and dropping
the rest (their conjugates). When a tile's bank is complete, the column reader streams it out in
natural row order through the column FFT, while the next tile's rows fill the other bank.

Output order: ``kx = 0 .. N/2`` (natural), and within each column ``ky`` in bit-reversed order;
``last`` marks a tile's final bin. Throughput: one tile per ``N*N`` clocks (the row pass).

Run-time schedules (``runtime_schedule=True``): the ``row_schedule`` and ``column_schedule``
ports are latched with each tile's first sample, so one tile is always transformed with one
pair of schedules however the ports change.

Members
-------
i : ``In(stream.Signature(FFT2D.pixel_layout(data_width)))``
o : ``Out(stream.Signature(FFTCore.sample_layout(output_width)))``
row_schedule, column_schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
"""

from dataclasses import replace

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.gateware.common.tile_buffer import TileBuffer, TileSchedules
from fdagen.gateware.fft.core import FFTCore
from fdagen.golden.checks import ParameterError, ParameterTypeError
from fdagen.golden.fft import FFT2DFormat, bit_reverse_indices

__all__ = ["FFT2D", "check_2d_format"]


def check_2d_format(kind, fmt, runtime_schedule, inverse):
    """Check a 2-D block's format: an FFT2DFormat of the right direction, and a schedule
    (not growth) when the stage shifts come from run-time ports."""
    if not isinstance(fmt, FFT2DFormat):
        raise ParameterTypeError(f"{kind} format must be an FFT2DFormat, not {fmt!r}")
    if fmt.inverse != inverse:
        wanted, got = ("an inverse", "a forward") if inverse else ("a forward", "an inverse")
        raise ParameterError(f"{kind} format must be {wanted} format, not {got} one")
    if runtime_schedule and "growth" in (fmt.row_scaling, fmt.column_scaling):
        raise ParameterError(f"{kind} scaling must be a schedule (not growth) with a runtime "
                             "schedule")


class FFT2D(wiring.Component):
    """Real-input 2-D FFT producing the unique half spectrum (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT2DFormat`
        A forward format. Its row and column scalings are used unless ``runtime_schedule``.
    runtime_schedule : bool
        Take both passes' stage shifts from ports, latched per tile (constant widths).
    """

    @staticmethod
    def input_order(n):
        """Index ``(y, x)`` of each input sample of a tile, in stream order (row by row)."""
        return [(y, x) for y in range(n) for x in range(n)]

    @staticmethod
    def output_order(n):
        """Index ``(ky, kx)`` of each output bin of a tile, in stream order."""
        reverse = bit_reverse_indices(n)
        return [(int(reverse[j]), kx) for kx in range(n // 2 + 1) for j in range(n)]

    @staticmethod
    def pixel_layout(width):
        """Input payload: a real ``value`` (signed ``width``) and ``last``."""
        return data.StructLayout({"value": signed(width), "last": unsigned(1)})

    def __init__(self, fmt, *, runtime_schedule=False):
        check_2d_format("2-D FFT", fmt, runtime_schedule, inverse=False)
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._row_format = replace(fmt.row_format, order="bitrev")
        self._column_format = replace(fmt.column_format, order="bitrev")
        members = {
            "i": In(stream.Signature(self.pixel_layout(fmt.data_width))),
            "o": Out(stream.Signature(FFTCore.sample_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["row_schedule"] = In(fmt.row_format.stages)
            members["column_schedule"] = In(fmt.row_format.stages)
        super().__init__(members)

    @property
    def fmt(self):
        return self._fmt

    @property
    def unique_bins(self):
        return self._fmt.unique_bins

    def elaborate(self, platform):
        m = Module()
        n = self._fmt.n
        half = n // 2 + 1
        bins = n * half
        stages = self._row_format.stages
        runtime = self._runtime_schedule

        m.submodules.rows = rows = FFTCore(self._row_format, runtime_schedule=runtime)
        m.submodules.columns = columns = FFTCore(self._column_format, runtime_schedule=runtime)
        word = data.StructLayout({"re": signed(self._row_format.output_width),
                                  "im": signed(self._row_format.output_width)})
        m.submodules.buffer = buffer = TileBuffer(word, bins, max(stages, 1))

        m.d.comb += [
            rows.i.valid.eq(self.i.valid),
            self.i.ready.eq(rows.i.ready),
            rows.i.payload.re.eq(self.i.payload.value),
            rows.i.payload.im.eq(0),
            rows.i.payload.last.eq(self.i.payload.last),
        ]
        if runtime:
            m.submodules.schedules = schedules = TileSchedules(
                [self.row_schedule, self.column_schedule], n * n,
                TileSchedules.depth_for(rows.capacity, n * n))
            m.d.comb += [
                schedules.accepted.eq(self.i.valid & self.i.ready),
                schedules.writer_start.eq(buffer.write_en & buffer.write_ready
                                          & buffer.write_first),
                rows.schedule.eq(schedules.now[0]),
                buffer.write_schedule.eq(schedules.tile[1]),
                columns.schedule.eq(buffer.out_schedule),
            ]

        # Writer: row FFT output (bit-reversed kx) at kx * N + row, keeping kx <= N/2.
        position = Signal(range(n))
        row = Signal(range(n))
        kx = Signal(range(n))
        m.d.comb += kx.eq(position[::-1])
        taken = rows.o.valid & rows.o.ready
        m.d.comb += [
            rows.o.ready.eq(buffer.write_ready),
            buffer.write_addr.eq(kx * n + row),
            buffer.write_data.re.eq(rows.o.payload.re),
            buffer.write_data.im.eq(rows.o.payload.im),
            buffer.write_en.eq(rows.o.valid),
            buffer.write_keep.eq(kx <= n // 2),
            buffer.write_first.eq((position == 0) & (row == 0)),
            buffer.write_last.eq((position == n - 1) & (row == n - 1)),
        ]
        with m.If(taken):
            m.d.sync += position.eq(position + 1)          # wraps at n
            with m.If(position == n - 1):
                m.d.sync += row.eq(row + 1)                # wraps at n

        # Reader: the bank in natural column-major order into the column FFT.
        address = Signal(range(bins))
        m.d.comb += [
            buffer.read_addr.eq(address),
            buffer.read_last.eq(address == bins - 1),
            columns.i.valid.eq(buffer.out_valid),
            buffer.out_ready.eq(columns.i.ready),
            columns.i.payload.re.eq(buffer.out_data.re),
            columns.i.payload.im.eq(buffer.out_data.im),
            columns.i.payload.last.eq(0),
        ]
        with m.If(buffer.fetch):
            m.d.sync += address.eq(Mux(address == bins - 1, 0, address + 1))

        # Output: the column FFT's frames are columns; a tile ends after N/2 + 1 of them.
        column = Signal(range(half))
        m.d.comb += [
            self.o.valid.eq(columns.o.valid),
            columns.o.ready.eq(self.o.ready),
            self.o.payload.re.eq(columns.o.payload.re),
            self.o.payload.im.eq(columns.o.payload.im),
            self.o.payload.last.eq(columns.o.payload.last & (column == half - 1)),
        ]
        with m.If(self.o.valid & self.o.ready & columns.o.payload.last):
            m.d.sync += column.eq(Mux(column == half - 1, 0, column + 1))
        return m
