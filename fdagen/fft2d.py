"""Streaming 2-D real-input FFT: row FFT -> transpose (corner-turn) buffer -> column FFT.

Bit-exact with :func:`fdagen.golden.fft.fft2d_real_fixed` for the same
:class:`~fdagen.golden.fft.FFT2DFormat`; keeps the ``U = N (N/2 + 1)`` unique bins.

Overview
--------
Input: one real ``N x N`` tile per frame, row by row (``N*N`` samples, ``last`` ignored).
Each row goes through an :class:`~fdagen.fft.FFTCore` with zero imaginary input. Its output,
in bit-reversed order, is written column-major into one bank of a double-buffered transpose
memory (``lib.memory``, ``2 U`` complex words), keeping bins ``kx <= N/2`` and dropping the
rest (their conjugates). When a tile's bank is complete, the column reader streams it out in
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

from amaranth import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from .fft import FFTCore
from .golden.fft import FFT2DFormat

__all__ = ["FFT2D"]


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
    def pixel_layout(width):
        """Input payload: a real ``value`` (signed ``width``) and ``last``."""
        return data.StructLayout({"value": signed(width), "last": unsigned(1)})

    def __init__(self, fmt, *, runtime_schedule=False):
        if not isinstance(fmt, FFT2DFormat):
            raise TypeError(f"2-D FFT format must be an FFT2DFormat, not {fmt!r}")
        if fmt.inverse:
            raise ValueError("2-D FFT format must be a forward format, not an inverse one")
        if runtime_schedule and "growth" in (fmt.row_scaling, fmt.column_scaling):
            raise ValueError("2-D FFT scaling must be a schedule (not growth) with a runtime "
                             "schedule")
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

        # Input side: count the tile's samples; latch the tile's schedules per bank.
        in_count = Signal(range(n * n))
        in_bank = Signal()
        schedules = [[Signal(stages, name=f"{kind}_schedule_bank{b}") for b in range(2)]
                     for kind in ("row", "column")]
        m.d.comb += [
            rows.i.valid.eq(self.i.valid),
            self.i.ready.eq(rows.i.ready),
            rows.i.payload.re.eq(self.i.payload.value),
            rows.i.payload.im.eq(0),
            rows.i.payload.last.eq(self.i.payload.last),
        ]
        with m.If(self.i.valid & self.i.ready):
            m.d.sync += in_count.eq(Mux(in_count == n * n - 1, 0, in_count + 1))
            with m.If(in_count == n * n - 1):
                m.d.sync += in_bank.eq(~in_bank)
        if runtime:
            first = in_count == 0
            for kind, port in ((0, self.row_schedule), (1, self.column_schedule)):
                for bank in range(2):
                    with m.If(self.i.valid & self.i.ready & first & (in_bank == bank)):
                        m.d.sync += schedules[kind][bank].eq(port)
            # The row core latches its port at each row's first sample: give it this tile's.
            row_now = Mux(first, self.row_schedule,
                          Mux(in_bank, schedules[0][1], schedules[0][0]))
            m.d.comb += rows.schedule.eq(row_now)

        # Transpose buffer: bank b holds words b*U .. b*U + U - 1, address kx * N + row.
        word = data.StructLayout({"re": signed(self._row_format.output_width),
                                  "im": signed(self._row_format.output_width)})
        m.submodules.buffer = buffer = memory.Memory(shape=word, depth=2 * bins, init=[])
        write = buffer.write_port()
        read = buffer.read_port()
        full = Signal(2)

        # Writer: row FFT output (bit-reversed kx), keep kx <= N/2.
        position = Signal(range(n))
        row = Signal(range(n))
        write_bank = Signal()
        kx = Signal(range(n))
        m.d.comb += kx.eq(Cat(*reversed(list(position))) if stages else 0)
        m.d.comb += rows.o.ready.eq(~full.bit_select(write_bank, 1))
        taken = rows.o.valid & rows.o.ready
        m.d.comb += [
            write.addr.eq(Mux(write_bank, bins, 0) + kx * n + row),
            write.data.re.eq(rows.o.payload.re),
            write.data.im.eq(rows.o.payload.im),
            write.en.eq(taken & (kx <= n // 2)),
        ]
        with m.If(taken):
            m.d.sync += position.eq(position + 1)          # wraps at n
            with m.If(position == n - 1):
                m.d.sync += row.eq(row + 1)                # wraps at n
                with m.If(row == n - 1):
                    m.d.sync += write_bank.eq(~write_bank)

        # Reader: bank in natural column-major order into the column FFT, via the read
        # port's own register (it holds its data while en is low).
        address = Signal(range(bins))
        read_bank = Signal()
        out_valid = Signal()
        columns_free = ~out_valid | columns.i.ready
        fetch = full.bit_select(read_bank, 1) & columns_free
        m.d.comb += [
            read.addr.eq(Mux(read_bank, bins, 0) + address),
            read.en.eq(fetch),
            columns.i.valid.eq(out_valid),
            columns.i.payload.re.eq(read.data.re),
            columns.i.payload.im.eq(read.data.im),
            columns.i.payload.last.eq(0),
        ]
        set_full = Signal(2)
        clear_full = Signal(2)
        with m.If(taken & (position == n - 1) & (row == n - 1)):
            m.d.comb += set_full.eq(Mux(write_bank, 0b10, 0b01))
        with m.If(fetch):
            m.d.sync += [out_valid.eq(1), address.eq(Mux(address == bins - 1, 0, address + 1))]
            with m.If(address == bins - 1):
                m.d.comb += clear_full.eq(Mux(read_bank, 0b10, 0b01))
                m.d.sync += read_bank.eq(~read_bank)
        with m.Elif(columns.i.ready):
            m.d.sync += out_valid.eq(0)
        m.d.sync += full.eq((full | set_full) & ~clear_full)
        if runtime:
            # Hand the tile's column schedule from the input latch to its bank when the writer
            # starts the tile (the input cannot reach the tile after next before that), then to
            # the column core with each fetched sample's bank.
            column_schedules = [Signal(stages, name=f"column_schedule_read{b}") for b in range(2)]
            tile_start = taken & (position == 0) & (row == 0)
            for bank in range(2):
                with m.If(tile_start & (write_bank == bank)):
                    m.d.sync += column_schedules[bank].eq(schedules[1][bank])
            fetched_bank = Signal()
            with m.If(fetch):
                m.d.sync += fetched_bank.eq(read_bank)
            m.d.comb += columns.schedule.eq(
                Mux(fetched_bank, column_schedules[1], column_schedules[0]))

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
