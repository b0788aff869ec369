# amaranth: UnusedElaboratable=no
"""The streaming 2-D real FFT in amaranth.sim, bit-exact against fft2d_real_fixed."""

import numpy as np
import pytest
from amaranth.sim import Simulator
from support.streamsim import run_stream

from fdagen.gateware.fft.fft2d import FFT2D
from fdagen.golden.fft import FFT2DFormat, fft2d_real_fixed


def simulate(dut, tiles, rng, gaps=0.0, stalls=0.0, schedules=None):
    """Feed ``tiles`` row by row; return the outputs as (re, im, last)."""
    n = dut.fmt.n
    words = [(index, int(value)) for index, tile in enumerate(tiles)
             for value in tile.reshape(-1)]

    def drive(ctx, position, word):
        index, value = word
        ctx.set(dut.i.payload.value, value)
        ctx.set(dut.i.payload.last, int(position % (n * n) == n * n - 1))
        if schedules is not None:     # changes every tile: each tile must keep its own
            ctx.set(dut.row_schedule, schedules[index][0])
            ctx.set(dut.column_schedule, schedules[index][1])

    outputs, _ = run_stream(dut, words, len(tiles) * dut.unique_bins, rng, drive,
                            lambda p: (p.re, p.im, p.last), gaps=gaps, stalls=stalls,
                            quiet=2 * n * n)
    return outputs


def expected_stream(fmt, tiles, schedules=None):
    """Golden half spectra in the block's output order, ``last`` on each tile's final bin."""
    n = fmt.n
    order = FFT2D.output_order(n)
    stream = []
    for index, tile in enumerate(tiles):
        f = fmt
        if schedules is not None:
            bits = [tuple((word >> s) & 1 for s in range(f.row_format.stages))
                    for word in schedules[index]]
            f = FFT2DFormat(n, fmt.data_width, fmt.twiddle_width, bits[0], bits[1],
                            fmt.rounding)
        re, im = fft2d_real_fixed(tile, f)
        stream += [(int(re[ky, kx]), int(im[ky, kx]), int(j == len(order) - 1))
                   for j, (ky, kx) in enumerate(order)]
    return stream


def random_tiles(rng, fmt, count):
    limit = 1 << (fmt.data_width - 1)
    tiles = [rng.integers(-limit, limit, (fmt.n, fmt.n)) for _ in range(count - 1)]
    tiles.append(np.full((fmt.n, fmt.n), limit - 1))        # constant full scale
    return tiles


@pytest.mark.parametrize("n, width, rounding, gaps, stalls", [
    (4, 12, "convergent", 0.0, 0.0),
    (8, 16, "half_up", 0.3, 0.3),
    (16, 16, "convergent", 0.1, 0.5),
])
def test_fft2d_bit_exact(rng, n, width, rounding, gaps, stalls):
    fmt = FFT2DFormat(n, width, 16, rounding=rounding)
    tiles = random_tiles(rng, fmt, 3)
    assert simulate(FFT2D(fmt), tiles, rng, gaps, stalls) == expected_stream(fmt, tiles)


def test_fft2d_growth_widths(rng):
    fmt = FFT2DFormat(8, 10, 12, "growth", "growth", "truncate")
    tiles = random_tiles(rng, fmt, 2)
    dut = FFT2D(fmt)
    assert fmt.output_width == 16
    assert simulate(dut, tiles, rng, 0.2, 0.2) == expected_stream(fmt, tiles)


def test_fft2d_runtime_schedules_latched_per_tile(rng):
    fmt = FFT2DFormat(8, 16, 16, rounding="convergent")
    tiles = random_tiles(rng, fmt, 4)
    schedules = [(0b111, 0b111), (0b010, 0b001), (0b000, 0b110), (0b101, 0b011)]
    dut = FFT2D(fmt, runtime_schedule=True)
    got = simulate(dut, tiles, rng, 0.2, 0.6, schedules)
    assert got == expected_stream(fmt, tiles, schedules)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((FFT2DFormat(8, inverse=True),), {}, ValueError,
     "2-D FFT format must be a forward format, not an inverse one"),
    ((FFT2DFormat(8, row_scaling="growth"),), {"runtime_schedule": True}, ValueError,
     "2-D FFT scaling must be a schedule (not growth) with a runtime schedule"),
    ((8,), {}, TypeError, "2-D FFT format must be an FFT2DFormat, not 8"),
])
def test_fft2d_parameter_errors(args, kwargs, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        FFT2D(*args, **kwargs)


def test_fft2d_reset_mid_tile_recovers(rng):
    from amaranth import ClockDomain, Module

    fmt = FFT2DFormat(8, 12, 12, rounding="convergent")
    dut = FFT2D(fmt)
    top = Module()
    top.domains.sync = domain = ClockDomain("sync")
    top.submodules.dut = dut
    tiles = random_tiles(rng, fmt, 2)
    outputs = []

    async def source(ctx):
        for j in range(100):                       # a tile and a half of junk
            ctx.set(dut.i.valid, 1)
            ctx.set(dut.i.payload.value, (j * 97) % 1500 - 750)
            await ctx.tick()
        ctx.set(dut.i.valid, 0)
        ctx.set(domain.rst, 1)
        await ctx.tick()
        ctx.set(domain.rst, 0)
        outputs.clear()
        for tile in tiles:
            for value in tile.reshape(-1):
                ctx.set(dut.i.valid, 1)
                ctx.set(dut.i.payload.value, int(value))
                await ctx.tick().until(dut.i.ready)
        ctx.set(dut.i.valid, 0)

    async def sink(ctx):
        for _ in range(1200):
            ctx.set(dut.o.ready, int(rng.random() < 0.7))
            await ctx.delay(1e-9)
            if ctx.get(dut.o.valid) and ctx.get(dut.o.ready) and not ctx.get(domain.rst):
                payload = ctx.get(dut.o.payload)
                outputs.append((payload.re, payload.im, payload.last))
            await ctx.tick()

    sim = Simulator(top)
    sim.add_clock(1e-6, domain="sync")
    sim.add_testbench(source, background=True)
    sim.add_testbench(sink)
    sim.run()
    assert outputs == expected_stream(fmt, tiles)


def simulate_sizes(dut, tiles, shifts, schedules, rng, gaps, stalls, expected):
    """Tiles of run-time sizes ``N >> shift``, each with its schedules, back to back."""
    words = [(index, position, len(tile) ** 2, int(value)) for index, tile in enumerate(tiles)
             for position, value in enumerate(tile.reshape(-1))]

    def drive(ctx, _, word):
        index, position, size, value = word
        ctx.set(dut.i.payload.value, value)
        ctx.set(dut.i.payload.last, int(position == size - 1))
        ctx.set(dut.row_schedule, schedules[index][0])
        ctx.set(dut.column_schedule, schedules[index][1])
        ctx.set(dut.length_shift, shifts[index])

    outputs, _ = run_stream(dut, words, expected, rng, drive, lambda p: (p.re, p.im, p.last),
                            gaps=gaps, stalls=stalls, quiet=2 * dut.fmt.n ** 2)
    return outputs


@pytest.mark.parametrize("n, shifts, gaps, stalls", [
    (8, [0, 1, 1, 0, 1], 0.0, 0.0),
    (16, [1, 0, 2, 2, 1, 0], 0.3, 0.4),
])
def test_fft2d_runtime_size_back_to_back(rng, n, shifts, gaps, stalls):
    """Per tile an N' = N >> shift transform, bit-exact with the golden N'-point 2-D FFT."""
    fmt = FFT2DFormat(n, 14, 14, rounding="convergent")
    limit = 1 << (fmt.data_width - 1)
    tiles = [rng.integers(-limit, limit, (n >> k, n >> k)) for k in shifts]
    schedules = [tuple(int(rng.integers(0, n >> k)) for _ in range(2)) for k in shifts]
    want = []
    for tile, k, schedule in zip(tiles, shifts, schedules):
        small = FFT2DFormat(n >> k, fmt.data_width, fmt.twiddle_width, rounding=fmt.rounding)
        want += expected_stream(small, [tile], [schedule])
    dut = FFT2D(fmt, runtime_schedule=True, runtime_length=True)
    assert simulate_sizes(dut, tiles, shifts, schedules, rng, gaps, stalls, len(want)) == want
