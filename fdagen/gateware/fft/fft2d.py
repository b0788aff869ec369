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
``last`` marks a tile's final bin. Throughput: one tile per ``N*N`` clocks (the row pass;
``N'*N'`` at a run-time size ``N'``).

Run-time schedules (``runtime_schedule=True``): the ``row_schedule`` and ``column_schedule``
ports are latched with each tile's first sample, so one tile is always transformed with one
pair of schedules however the ports change.

Run-time length (``runtime_length=True``): the ``length_shift`` port, latched with each tile's
first sample like the schedules, makes the tile ``N' x N'`` with ``N' = N >> length_shift``
(``4 <= N' <= N``; ``N'`` samples a row, ``N'`` rows; the schedules then have ``log2 N'`` stages). The output is
the ``N'``-point half spectrum in the same order (``kx = 0 .. N'/2``, ``ky`` bit-reversed over
``log2 N'`` bits), bit-exact with the golden ``N'``-point transform. Tiles of different sizes
may follow each other; each pass's core waits at a size change until it is empty.

Members
-------
i : ``In(stream.Signature(FFT2D.pixel_layout(data_width)))``
o : ``Out(stream.Signature(FFTCore.sample_layout(output_width)))``
row_schedule, column_schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
length_shift : ``In(range(log2(N) - 1))``, only with ``runtime_length=True``
"""

from dataclasses import replace

from amaranth import Array, Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.dsp import check_dsp
from fdagen.gateware.common.tile_buffer import TileBuffer, TileSchedules
from fdagen.gateware.fft.core import FFTCore
from fdagen.golden.checks import ParameterError, ParameterTypeError
from fdagen.golden.fft import FFT2DFormat, bit_reverse_indices

__all__ = ["FFT2D", "by_shift", "check_tile_format", "frame_index", "hand_on_per_tile"]


def check_tile_format(kind, fmt, runtime_schedule, inverse, runtime_length=False,
                      format_class=FFT2DFormat):
    """Check a tile block's format: a ``format_class`` (:class:`~fdagen.golden.fft.
    FFT2DFormat` or :class:`~fdagen.golden.fft.FFT3DFormat`) of the right direction, and a
    schedule (not growth) on every pass when the stage shifts come from run-time ports; a
    run-time length needs run-time schedules."""
    if not isinstance(fmt, format_class):
        raise ParameterTypeError(f"{kind} format must be an {format_class.__name__}, not "
                                 f"{fmt!r}")
    if fmt.inverse != inverse:
        wanted, got = ("an inverse", "a forward") if inverse else ("a forward", "an inverse")
        raise ParameterError(f"{kind} format must be {wanted} format, not {got} one")
    if runtime_schedule and "growth" in fmt.pass_scalings:
        raise ParameterError(f"{kind} scaling must be a schedule (not growth) with a runtime "
                             "schedule")
    if runtime_length and not runtime_schedule:
        raise ParameterError(f"{kind} schedule must be a runtime schedule with a runtime "
                             "length, not fixed")


class FFT2D(wiring.Component):
    """Real-input 2-D FFT producing the unique half spectrum (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT2DFormat`
        A forward format. Its row and column scalings are used unless ``runtime_schedule``.
    runtime_schedule : bool
        Take both passes' stage shifts from ports, latched per tile (constant widths).
    runtime_length : bool
        Take the transform size from the ``length_shift`` port, latched per tile: a tile is
        ``N' x N'`` with ``N' = N >> length_shift`` (needs ``runtime_schedule``).
    dsp : str
        How the cores' products are registered (:class:`~fdagen.gateware.fft.core.FFTCore`'s
        ``dsp``: ``ecp5`` puts them in MULT18X18D output registers).
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

    def __init__(self, fmt, *, runtime_schedule=False, runtime_length=False,
                 dsp="generic"):
        check_tile_format("2-D FFT", fmt, runtime_schedule, inverse=False,
                        runtime_length=runtime_length)
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._runtime_length = bool(runtime_length)
        self._dsp = check_dsp(dsp)
        self._row_format = replace(fmt.row_format, order="bitrev")
        self._column_format = replace(fmt.column_format, order="bitrev")
        members = {
            "i": In(stream.Signature(self.pixel_layout(fmt.data_width))),
            "o": Out(stream.Signature(FFTCore.sample_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["row_schedule"] = In(fmt.row_format.stages)
            members["column_schedule"] = In(fmt.row_format.stages)
        if runtime_length:      # N' >= 4, the golden model's smallest transform
            members["length_shift"] = In(range(fmt.row_format.stages - 1))
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
        runtime, runtime_length = self._runtime_schedule, self._runtime_length

        m.submodules.rows = rows = FFTCore(self._row_format, runtime_schedule=runtime,
                                           runtime_length=runtime_length, dsp=self._dsp)
        m.submodules.columns = columns = FFTCore(self._column_format, runtime_schedule=runtime,
                                                 runtime_length=runtime_length, dsp=self._dsp)
        word = data.StructLayout({"re": signed(self._row_format.output_width),
                                  "im": signed(self._row_format.output_width)})
        shift_width = len(self.length_shift) if runtime_length else 0
        m.submodules.buffer = buffer = TileBuffer(word, bins, max(stages + shift_width, 1))

        m.d.comb += [
            rows.i.valid.eq(self.i.valid),
            self.i.ready.eq(rows.i.ready),
            rows.i.payload.re.eq(self.i.payload.value),
            rows.i.payload.im.eq(0),
            rows.i.payload.last.eq(self.i.payload.last),
        ]
        read_shift = 0                        # the length shift of the tile being read
        if runtime:
            ports, sizes = [self.row_schedule, self.column_schedule], n * n
            if runtime_length:
                ports.append(self.length_shift)
                sizes = [(n >> k) ** 2 for k in range(stages - 1)]
            read_shift = hand_on_per_tile(m, self.i.valid & self.i.ready, rows, columns, buffer,
                                          ports, sizes, stages)

        # Writer: row FFT output (bit-reversed kx) at kx * N + row, keeping kx <= N/2. At a
        # run-time length N' = N >> k the same address holds kx' = kx >> k (bit reversal over
        # log2 N bits of an index below N' is the N'-point one shifted up by k), so column kx'
        # lands in column slot kx' << k and the writer needs no length: the row FFT's `last`
        # ends each row, and the tile ends with row N' - 1 (the row index equals the position).
        position = Signal(range(n))
        row = Signal(range(n))
        kx = Signal(range(n))
        m.d.comb += kx.eq(position[::-1])
        taken = rows.o.valid & rows.o.ready
        row_end = rows.o.payload.last
        m.d.comb += [
            rows.o.ready.eq(buffer.write_ready),
            buffer.write_addr.eq(kx * n + row),
            buffer.write_data.re.eq(rows.o.payload.re),
            buffer.write_data.im.eq(rows.o.payload.im),
            buffer.write_en.eq(rows.o.valid),
            buffer.write_keep.eq(kx <= n // 2),
            buffer.write_first.eq((position == 0) & (row == 0)),
            buffer.write_last.eq(row_end & (row == position)),
        ]
        with m.If(taken):
            m.d.sync += position.eq(Mux(row_end, 0, position + 1))
            with m.If(row_end):
                m.d.sync += row.eq(Mux(row == position, 0, row + 1))

        # Reader: the bank in natural column-major order into the column FFT: columns
        # (slots, stepping by 2**k) 0 .. N/2, rows 0 .. N' - 1 in each; the address is the
        # two counters side by side (slot * N + row).
        read_row = Signal(range(n))
        slot = Signal(range(half))
        lengths = range(max(stages - 1, 1))
        last_row = by_shift([(n >> k) - 1 for k in lengths], read_shift)
        step = by_shift([1 << k for k in lengths], read_shift)
        m.d.comb += [
            buffer.read_addr.eq(Cat(read_row, slot)),
            buffer.read_last.eq((read_row == last_row) & (slot == n // 2)),
            columns.i.valid.eq(buffer.out_valid),
            buffer.out_ready.eq(columns.i.ready),
            columns.i.payload.re.eq(buffer.out_data.re),
            columns.i.payload.im.eq(buffer.out_data.im),
            columns.i.payload.last.eq(0),
        ]
        with m.If(buffer.fetch):
            m.d.sync += read_row.eq(Mux(read_row == last_row, 0, read_row + 1))
            with m.If(read_row == last_row):
                m.d.sync += slot.eq(Mux(slot == n // 2, 0, slot + step))

        # Output: the column FFT's frames are columns; a tile ends after N'/2 + 1 of them
        # (with a run-time length: when the column count reaches half the frame's length).
        column = Signal(range(half))
        tile_end = column == half - 1
        taken_out = self.o.valid & self.o.ready
        if runtime_length:
            index = frame_index(m, taken_out, columns.o.payload.last, n, "index")
            tile_end = Cat(Const(0, 1), column) == index + 1
        m.d.comb += [
            self.o.valid.eq(columns.o.valid),
            columns.o.ready.eq(self.o.ready),
            self.o.payload.re.eq(columns.o.payload.re),
            self.o.payload.im.eq(columns.o.payload.im),
            self.o.payload.last.eq(columns.o.payload.last & tile_end),
        ]
        with m.If(taken_out & columns.o.payload.last):
            m.d.sync += column.eq(Mux(tile_end, 0, column + 1))
        return m


def hand_on_per_tile(m, accepted, first, second, buffer, ports, sizes, stages):
    """Latch a 2-D block's run-time ports per tile (``accepted``: an input sample is taken):
    ``ports`` are the first pass's schedule, the second pass's and, when ``sizes`` is a list
    (the tile's samples at each length shift), the length shift. The ``first`` pass's core
    takes its values as each sample enters; the ``second``'s travel with the tile through the
    transpose ``buffer``. Returns the length shift of the tile the buffer's reader is on (0
    without a run-time length)."""
    length = 2 if isinstance(sizes, list) else None
    smallest = sizes[-1] if length else sizes
    m.submodules.schedules = schedules = TileSchedules(
        ports, sizes, TileSchedules.depth_for(first.capacity, smallest), length)
    m.d.comb += [
        schedules.accepted.eq(accepted),
        schedules.writer_start.eq(buffer.write_en & buffer.write_ready & buffer.write_first),
        first.schedule.eq(schedules.now[0]),
        buffer.write_schedule.eq(Cat(*schedules.tile[1:])),
        second.schedule.eq(buffer.out_schedule[:stages]),
    ]
    if length is None:
        return 0
    m.d.comb += [first.length_shift.eq(schedules.now[2]),
                 second.length_shift.eq(buffer.out_schedule[stages:])]
    return buffer.read_schedule[stages:]


def frame_index(m, taken, last, n, name):
    """A register: the index within its frame (of at most ``n`` samples) of the sample on a
    stream, counting ``taken`` samples and back to 0 after a ``last`` one."""
    index = Signal(range(n), name=name)
    with m.If(taken):
        m.d.sync += index.eq(Mux(last, 0, index + 1))
    return index


def by_shift(values, shift):
    """``values[shift]``: a constant for a fixed (int) shift, else a mux over a run-time one."""
    if isinstance(shift, int):
        return Const(values[shift])
    return Array(Const(value, range(max(values) + 1)) for value in values)[shift]
