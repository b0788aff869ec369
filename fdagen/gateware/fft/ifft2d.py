"""Streaming 2-D inverse FFT from the half spectrum to a real tile.

Bit-exact with :func:`fdagen.golden.fft.ifft2d_half_fixed` for the same inverse
:class:`~fdagen.golden.fft.FFT2DFormat`.

Overview -------- Input: one half spectrum per frame, ``kx = 0 .. N/2`` (natural), each column's
``ky`` in natural order (``U = N (N/2 + 1)`` samples, ``last`` ignored). A column IFFT
(:class:`~fdagen.gateware.fft.core.FFTCore`) transforms each column; its bit-reversed outputs are
written row-major into one bank of a double-buffered transpose memory. When a tile's bank is
complete, the row reader rebuilds every row to ``N`` bins by Hermitian symmetry (``Z[N-kx] =
conj(Z[kx])``, the negated imaginary part saturating) and streams it through the row IFFT, whose
real parts are the output.

Output order: rows ``ny = 0 .. N-1`` (natural), and within each row ``nx`` in bit-reversed
order; ``last`` marks a tile's final pixel. Throughput: one tile per ``N*N`` clocks (the row
pass; ``N'*N'`` at a run-time size ``N'``).

Run-time schedules (``runtime_schedule=True``): ``column_schedule`` and ``row_schedule`` are
latched with each tile's first sample, as in :class:`~fdagen.gateware.fft.fft2d.FFT2D`.

Run-time length (``runtime_length=True``): ``length_shift``, latched per tile likewise, makes
the tile ``N' x N'`` (``N' = N >> length_shift >= 4``): ``N' (N'/2 + 1)`` bins in, ``N'`` rows
of ``N'`` pixels out in the same orders, bit-exact with the golden ``N'``-point inverse.

Members
-------
i : ``In(stream.Signature(FFTCore.sample_layout(data_width)))``
o : ``Out(stream.Signature(FFT2D.pixel_layout(output_width)))``
column_schedule, row_schedule : ``In(log2(N))``, only with ``runtime_schedule=True``
length_shift : ``In(range(log2(N) - 1))``, only with ``runtime_length=True``
"""

from dataclasses import replace

from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from fdagen.arch.dsp import check_dsp
from fdagen.gateware.common.arith import const_mul
from fdagen.gateware.common.tile_buffer import TileBuffer
from fdagen.gateware.fft.core import FFTCore
from fdagen.gateware.fft.fft2d import (FFT2D, by_shift, check_tile_format, frame_index,
                                       hand_on_per_tile)
from fdagen.golden.fft import bit_reverse_indices

__all__ = ["IFFT2D"]


class IFFT2D(wiring.Component):
    """Half spectrum to real tile (see the module docstring).

    Parameters
    ----------
    fmt : :class:`fdagen.golden.fft.FFT2DFormat`
        An inverse format; ``data_width`` is the spectrum's width.
    runtime_schedule : bool
        Take both passes' stage shifts from ports, latched per tile (constant widths).
    runtime_length : bool
        Take the transform size from the ``length_shift`` port, latched per tile: a half
        spectrum of ``N' (N'/2 + 1)`` bins to an ``N' x N'`` tile, ``N' = N >> length_shift``.
    dsp : str
        How the cores' products are registered (:class:`~fdagen.gateware.fft.core.FFTCore`'s
        ``dsp``: ``ecp5`` puts them in MULT18X18D output registers).
    """

    @staticmethod
    def input_order(n):
        """Index ``(ky, kx)`` of each input bin of a half spectrum, in stream order."""
        return [(ky, kx) for kx in range(n // 2 + 1) for ky in range(n)]

    @staticmethod
    def output_order(n):
        """Index ``(y, x)`` of each output pixel of a tile, in stream order."""
        reverse = bit_reverse_indices(n)
        return [(y, int(reverse[j])) for y in range(n) for j in range(n)]

    def __init__(self, fmt, *, runtime_schedule=False, runtime_length=False,
                 dsp="generic"):
        check_tile_format("2-D IFFT", fmt, runtime_schedule, inverse=True,
                        runtime_length=runtime_length)
        self._fmt = fmt
        self._runtime_schedule = bool(runtime_schedule)
        self._runtime_length = bool(runtime_length)
        self._dsp = check_dsp(dsp)
        self._column_format = replace(fmt.column_format, order="bitrev")
        self._row_format = replace(fmt.row_format, order="bitrev")
        members = {
            "i": In(stream.Signature(FFTCore.sample_layout(fmt.data_width))),
            "o": Out(stream.Signature(FFT2D.pixel_layout(fmt.output_width))),
        }
        if runtime_schedule:
            members["column_schedule"] = In(fmt.row_format.stages)
            members["row_schedule"] = In(fmt.row_format.stages)
        if runtime_length:      # N' >= 4, the golden model's smallest transform
            members["length_shift"] = In(range(fmt.row_format.stages - 1))
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
        runtime, runtime_length = self._runtime_schedule, self._runtime_length
        width = self._column_format.output_width

        m.submodules.columns = columns = FFTCore(self._column_format, runtime_schedule=runtime,
                                                 runtime_length=runtime_length, dsp=self._dsp)
        m.submodules.rows = rows = FFTCore(self._row_format, runtime_schedule=runtime,
                                           runtime_length=runtime_length, dsp=self._dsp)
        word = data.StructLayout({"re": signed(width), "im": signed(width)})
        shift_width = len(self.length_shift) if runtime_length else 0
        m.submodules.buffer = buffer = TileBuffer(word, bins, max(stages + shift_width, 1))

        m.d.comb += [
            columns.i.valid.eq(self.i.valid),
            self.i.ready.eq(columns.i.ready),
            columns.i.payload.eq(self.i.payload),
        ]
        read_shift = 0                        # the length shift of the tile being read
        if runtime:
            ports, sizes = [self.column_schedule, self.row_schedule], bins
            if runtime_length:
                ports.append(self.length_shift)
                sizes = [(n >> k) * ((n >> k) // 2 + 1) for k in range(stages - 1)]
            read_shift = hand_on_per_tile(m, self.i.valid & self.i.ready, columns, rows,
                                          buffer, ports, sizes, stages)

        # Writer: column IFFT output (ny bit-reversed within column kx) at ny * (N/2+1) + kx.
        # At a run-time length N' = N >> k, bit reversal over log2 N bits puts row ny' in row
        # slot ny' << k, so the writer needs no length: the column IFFT's `last` ends each
        # column, and the tile ends with column N'/2 (twice the column is the frame's length).
        position = Signal(range(n))
        kx_in = Signal(range(half))
        # The write address for the next word is computed one word ahead into a register, so
        # the memory's address input sees a flip-flop, not ny * (N/2+1) + kx; the product is
        # two shifted terms (``const_mul``: Yosys maps a ``*`` to a MULT18X18D, combinational
        # in this path: 3.9 ns of its 12.2 ns on a P = 16 accelerator's critical path).
        write_address = Signal(range(bins))
        column_end = columns.o.payload.last
        tile_end = column_end & (Cat(Const(0, 1), kx_in) == position + 1)
        position_next = Mux(column_end, 0, position + 1)[:len(position)]
        kx_in_next = Mux(column_end, Mux(tile_end, 0, kx_in + 1), kx_in)
        taken = columns.o.valid & columns.o.ready
        with m.If(taken):
            m.d.sync += [write_address.eq(const_mul(position_next[::-1], half) + kx_in_next),
                         position.eq(position_next), kx_in.eq(kx_in_next)]
        m.d.comb += [
            columns.o.ready.eq(buffer.write_ready),
            buffer.write_en.eq(columns.o.valid),
            buffer.write_addr.eq(write_address),
            buffer.write_data.re.eq(columns.o.payload.re),
            buffer.write_data.im.eq(columns.o.payload.im),
            buffer.write_first.eq((position == 0) & (kx_in == 0)),
            buffer.write_last.eq(tile_end),
        ]

        # Reader: each row twice as wide as stored, the upper bins mirrored and conjugated
        # (the negated imaginary part saturates, as in the golden model).
        # The read address is computed one fetch ahead into a register, so the memory's address
        # input sees a flip-flop, not the row * (N/2+1) + column arithmetic.
        lengths = range(max(stages - 1, 1))
        final = by_shift([(n >> k) - 1 for k in lengths], read_shift)       # N' - 1
        middle = by_shift([(n >> k) // 2 for k in lengths], read_shift)     # N' / 2
        row_step = by_shift([half << k for k in lengths], read_shift)       # a row slot apart
        ny_out = Signal(range(n))
        kx_out = Signal(range(n))
        address = Signal(range(bins))
        mirrored = kx_out > middle
        conjugate = buffer.out_tag[0]                 # the fetched word's mirrored flag
        m.d.comb += [
            buffer.read_addr.eq(address),
            buffer.read_last.eq((kx_out == final) & (ny_out == final)),
            buffer.read_tag.eq(mirrored),
        ]
        # Incrementally: +1 up to column N'/2, -1 through the mirrored half, and at a row's end
        # the next row's base (kept in a register).
        row_base = Signal(range(bins))
        with m.If(buffer.fetch):
            m.d.sync += kx_out.eq(Mux(kx_out == final, 0, kx_out + 1))
            with m.If(kx_out == final):
                m.d.sync += [address.eq(row_base + row_step), row_base.eq(row_base + row_step),
                             ny_out.eq(ny_out + 1)]
                with m.If(ny_out == final):
                    m.d.sync += [address.eq(0), row_base.eq(0), ny_out.eq(0)]
            with m.Elif(kx_out >= middle):
                m.d.sync += address.eq(address - 1)
            with m.Else():
                m.d.sync += address.eq(address + 1)
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        stored_im = buffer.out_data.im
        negated = Mux(stored_im == lo, hi, -stored_im)
        m.d.comb += [
            rows.i.valid.eq(buffer.out_valid),
            buffer.out_ready.eq(rows.i.ready),
            rows.i.payload.re.eq(buffer.out_data.re),
            rows.i.payload.im.eq(Mux(conjugate, negated, stored_im)),
            rows.i.payload.last.eq(0),
        ]

        # Output: real parts; a tile ends after N' rows (the row index equals the position in
        # the row at its last sample).
        row = Signal(range(n))
        out_end = row == n - 1
        taken_out = self.o.valid & self.o.ready
        if runtime_length:
            out_end = row == frame_index(m, taken_out, rows.o.payload.last, n, "index")
        m.d.comb += [
            self.o.valid.eq(rows.o.valid),
            rows.o.ready.eq(self.o.ready),
            self.o.payload.value.eq(rows.o.payload.re),
            self.o.payload.last.eq(rows.o.payload.last & out_end),
        ]
        with m.If(taken_out & rows.o.payload.last):
            m.d.sync += row.eq(Mux(out_end, 0, row + 1))
        return m
