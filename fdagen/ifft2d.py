"""Streaming 2-D inverse FFT from the half spectrum to a real tile.

Bit-exact with :func:`fdagen.golden.fft.ifft2d_half_fixed` for the same inverse
:class:`~fdagen.golden.fft.FFT2DFormat`.

Overview
--------
Input: one half spectrum per frame, ``kx = 0 .. N/2`` (natural), each column's ``ky`` in
natural order (``U = N (N/2 + 1)`` samples, ``last`` ignored). A column IFFT
(:class:`~fdagen.fft.FFTCore`) transforms each column; its bit-reversed outputs are written
row-major into one bank of a double-buffered transpose memory. When a tile's bank is complete,
the row reader rebuilds every row to ``N`` bins by Hermitian symmetry (``Z[N-kx] =
conj(Z[kx])``, the negated imaginary part saturating) and streams it through the row IFFT,
whose real parts are the output.

Output order: rows ``ny = 0 .. N-1`` (natural), and within each row ``nx`` in bit-reversed
order; ``last`` marks a tile's final pixel. Throughput: one tile per ``N*N`` clocks (the row
pass).

Run-time schedules (``runtime_schedule=True``): ``column_schedule`` and ``row_schedule`` are
latched with each tile's first sample, as in :class:`~fdagen.fft2d.FFT2D`.

Members
-------
i : ``In(stream.Signature(FFTCore.sample_layout(data_width)))``
o : ``Out(stream.Signature(FFT2D.pixel_layout(output_width)))``
column_schedule, row_schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
"""

from dataclasses import replace

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import data, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from .fft import FFTCore
from .fft2d import FFT2D
from .golden.fft import FFT2DFormat

__all__ = ["IFFT2D"]


class IFFT2D(wiring.Component):
    """Half spectrum to real tile (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT2DFormat`
        An inverse format; ``data_width`` is the spectrum's width.
    runtime_schedule : bool
        Take both passes' stage shifts from ports, latched per tile (constant widths).
    """

    def __init__(self, fmt, *, runtime_schedule=False):
        if not isinstance(fmt, FFT2DFormat):
            raise TypeError(f"2-D IFFT format must be an FFT2DFormat, not {fmt!r}")
        if not fmt.inverse:
            raise ValueError("2-D IFFT format must be an inverse format, not a forward one")
        if runtime_schedule and "growth" in (fmt.row_scaling, fmt.column_scaling):
            raise ValueError("2-D IFFT scaling must be a schedule (not growth) with a runtime "
                             "schedule")
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._column_format = replace(fmt.column_format, order="bitrev")
        self._row_format = replace(fmt.row_format, order="bitrev")
        members = {
            "i": In(stream.Signature(FFTCore.sample_layout(fmt.data_width))),
            "o": Out(stream.Signature(FFT2D.pixel_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["column_schedule"] = In(fmt.row_format.stages)
            members["row_schedule"] = In(fmt.row_format.stages)
        super().__init__(members)

    @property
    def fmt(self):
        return self._fmt

    def elaborate(self, platform):
        m = Module()
        n = self._fmt.n
        half = n // 2 + 1
        bins = n * half
        stages = self._row_format.stages
        runtime = self._runtime_schedule
        width = self._column_format.output_width

        m.submodules.columns = columns = FFTCore(self._column_format, runtime_schedule=runtime)
        m.submodules.rows = rows = FFTCore(self._row_format, runtime_schedule=runtime)

        # Input side: count the tile's samples; latch the tile's schedules per bank.
        in_count = Signal(range(bins))
        in_bank = Signal()
        latched = [[Signal(stages, name=f"{kind}_schedule_in{b}") for b in range(2)]
                   for kind in ("column", "row")]
        m.d.comb += [
            columns.i.valid.eq(self.i.valid),
            self.i.ready.eq(columns.i.ready),
            columns.i.payload.eq(self.i.payload),
        ]
        accepted = self.i.valid & self.i.ready
        with m.If(accepted):
            m.d.sync += in_count.eq(Mux(in_count == bins - 1, 0, in_count + 1))
            with m.If(in_count == bins - 1):
                m.d.sync += in_bank.eq(~in_bank)
        if runtime:
            first = in_count == 0
            for kind, port in ((0, self.column_schedule), (1, self.row_schedule)):
                for bank in range(2):
                    with m.If(accepted & first & (in_bank == bank)):
                        m.d.sync += latched[kind][bank].eq(port)
            m.d.comb += columns.schedule.eq(
                Mux(first, self.column_schedule, Mux(in_bank, latched[0][1], latched[0][0])))

        # Transpose buffer: bank b holds words b*U .. b*U + U - 1, address ny * (N/2+1) + kx.
        word = data.StructLayout({"re": signed(width), "im": signed(width)})
        m.submodules.buffer = buffer = memory.Memory(shape=word, depth=2 * bins, init=[])
        write = buffer.write_port()
        read = buffer.read_port()
        full = Signal(2)

        # Writer: column IFFT output, ny bit-reversed within each column kx.
        position = Signal(range(n))
        kx_in = Signal(range(half))
        write_bank = Signal()
        ny = Signal(range(n))
        m.d.comb += ny.eq(position[::-1])
        m.d.comb += columns.o.ready.eq(~full.bit_select(write_bank, 1))
        taken = columns.o.valid & columns.o.ready
        tile_written = taken & (position == n - 1) & (kx_in == half - 1)
        m.d.comb += [
            write.addr.eq(Mux(write_bank, bins, 0) + ny * half + kx_in),
            write.data.re.eq(columns.o.payload.re),
            write.data.im.eq(columns.o.payload.im),
            write.en.eq(taken),
        ]
        with m.If(taken):
            m.d.sync += position.eq(position + 1)            # wraps at n
            with m.If(position == n - 1):
                m.d.sync += kx_in.eq(Mux(kx_in == half - 1, 0, kx_in + 1))
                with m.If(kx_in == half - 1):
                    m.d.sync += write_bank.eq(~write_bank)

        # Reader: each row twice as wide as stored, the upper bins mirrored and conjugated.
        ny_out = Signal(range(n))
        kx_out = Signal(range(n))
        read_bank = Signal()
        out_valid = Signal()
        conjugate = Signal()
        rows_free = ~out_valid | rows.i.ready
        fetch = full.bit_select(read_bank, 1) & rows_free
        mirrored = kx_out > n // 2
        m.d.comb += [
            read.addr.eq(Mux(read_bank, bins, 0) + ny_out * half
                         + Mux(mirrored, n - kx_out, kx_out)),
            read.en.eq(fetch),
        ]
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        negated = Mux(read.data.im == lo, hi, -read.data.im)
        m.d.comb += [
            rows.i.valid.eq(out_valid),
            rows.i.payload.re.eq(read.data.re),
            rows.i.payload.im.eq(Mux(conjugate, negated, read.data.im)),
            rows.i.payload.last.eq(0),
        ]
        set_full = Signal(2)
        clear_full = Signal(2)
        with m.If(tile_written):
            m.d.comb += set_full.eq(Mux(write_bank, 0b10, 0b01))
        with m.If(fetch):
            m.d.sync += [out_valid.eq(1), conjugate.eq(mirrored),
                         kx_out.eq(kx_out + 1)]                # wraps at n
            with m.If(kx_out == n - 1):
                m.d.sync += ny_out.eq(ny_out + 1)              # wraps at n
                with m.If(ny_out == n - 1):
                    m.d.comb += clear_full.eq(Mux(read_bank, 0b10, 0b01))
                    m.d.sync += read_bank.eq(~read_bank)
        with m.Elif(rows.i.ready):
            m.d.sync += out_valid.eq(0)
        m.d.sync += full.eq((full | set_full) & ~clear_full)
        if runtime:
            # The tile's row schedule goes to its bank when the writer starts the tile, then
            # to the row core with each fetched sample's bank (see FFT2D).
            row_schedules = [Signal(stages, name=f"row_schedule_read{b}") for b in range(2)]
            tile_start = taken & (position == 0) & (kx_in == 0)
            for bank in range(2):
                with m.If(tile_start & (write_bank == bank)):
                    m.d.sync += row_schedules[bank].eq(latched[1][bank])
            fetched_bank = Signal()
            with m.If(fetch):
                m.d.sync += fetched_bank.eq(read_bank)
            m.d.comb += rows.schedule.eq(Mux(fetched_bank, row_schedules[1], row_schedules[0]))

        # Output: real parts; a tile ends after N rows.
        row = Signal(range(n))
        m.d.comb += [
            self.o.valid.eq(rows.o.valid),
            rows.o.ready.eq(self.o.ready),
            self.o.payload.value.eq(rows.o.payload.re),
            self.o.payload.last.eq(rows.o.payload.last & (row == n - 1)),
        ]
        with m.If(self.o.valid & self.o.ready & rows.o.payload.last):
            m.d.sync += row.eq(row + 1)                      # wraps at n
        return m
