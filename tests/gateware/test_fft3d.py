# amaranth: UnusedElaboratable=no
"""The streaming 3-D real FFT and its half-spectrum inverse in amaranth.sim, bit-exact against
fft3d_real_fixed and ifft3d_half_fixed."""

import numpy as np
import pytest
from support.streamsim import run_stream

from fdagen.gateware.fft.fft3d import FFT3D
from fdagen.gateware.fft.ifft3d import IFFT3D
from fdagen.golden.fft import FFT3DFormat, fft3d_real_fixed, ifft3d_half_fixed


def schedule_bits(word, stages):
    return tuple((word >> s) & 1 for s in range(stages))


def with_schedules(fmt, n, words):
    """``fmt`` at size ``n`` with the passes' run-time schedule ``words`` (in pass order)."""
    stages = n.bit_length() - 1
    bits = [schedule_bits(word, stages) for word in words]
    if fmt.inverse:
        depth, column, row = bits
    else:
        row, column, depth = bits
    return FFT3DFormat(n, fmt.data_width, fmt.twiddle_width, row, column, depth, fmt.rounding,
                       fmt.inverse)


PORTS = {False: ("row_schedule", "column_schedule", "depth_schedule"),
         True: ("depth_schedule", "column_schedule", "row_schedule")}


def simulate(dut, frames, rng, gaps, stalls, expected, schedules=None, shifts=None):
    """Feed ``frames`` (each a list of input words of one tile) back to back, with each tile's
    run-time schedules and length shift; return the outputs."""
    words = [(index, position, len(frame), word) for index, frame in enumerate(frames)
             for position, word in enumerate(frame)]
    inverse = isinstance(dut, IFFT3D)

    def drive(ctx, _, item):
        index, position, size, word = item
        if inverse:
            ctx.set(dut.i.payload.re, word[0])
            ctx.set(dut.i.payload.im, word[1])
        else:
            ctx.set(dut.i.payload.value, word)
        ctx.set(dut.i.payload.last, int(position == size - 1))
        if schedules is not None:       # changes every tile: each tile must keep its own
            for port, value in zip(PORTS[inverse], schedules[index]):
                ctx.set(getattr(dut, port), value)
        if shifts is not None:
            ctx.set(dut.length_shift, shifts[index])

    take = (lambda p: (p.value, p.last)) if inverse else (lambda p: (p.re, p.im, p.last))
    outputs, _ = run_stream(dut, words, expected, rng, drive, take, gaps=gaps, stalls=stalls,
                            quiet=2 * dut.fmt.n ** 3)
    return outputs


def forward_expected(fmt, tile):
    re, im = fft3d_real_fixed(tile, fmt)
    order = FFT3D.output_order(fmt.n)
    return [(int(re[k]), int(im[k]), int(j == len(order) - 1)) for j, k in enumerate(order)]


def inverse_expected(fmt, spectrum):
    tile = ifft3d_half_fixed(*spectrum, fmt)
    order = IFFT3D.output_order(fmt.n)
    return [(int(tile[k]), int(j == len(order) - 1)) for j, k in enumerate(order)]


def forward_words(tile):
    return [int(tile[k]) for k in FFT3D.input_order(len(tile))]


def inverse_words(spectrum):
    re, im = spectrum
    return [(int(re[k]), int(im[k])) for k in IFFT3D.input_order(len(re))]


def random_tile(rng, n, width):
    limit = 1 << (width - 1)
    return rng.integers(-limit, limit, (n, n, n))


def random_spectrum(rng, n, width, scale=1.0):
    limit = 1 << (width - 1)
    shape = (n, n, n // 2 + 1)
    return tuple((rng.integers(-limit, limit, shape) * scale).astype(np.int64) for _ in "ri")


@pytest.mark.parametrize("n, width, rounding, gaps, stalls", [
    (4, 12, "convergent", 0.0, 0.0),
    (8, 16, "half_up", 0.3, 0.5),
])
def test_fft3d_bit_exact(rng, n, width, rounding, gaps, stalls):
    fmt = FFT3DFormat(n, width, 16, rounding=rounding)
    limit = 1 << (width - 1)
    tiles = [random_tile(rng, n, width), np.full((n, n, n), limit - 1)]   # and full scale
    want = sum((forward_expected(fmt, tile) for tile in tiles), [])
    got = simulate(FFT3D(fmt), [forward_words(t) for t in tiles], rng, gaps, stalls, len(want))
    assert got == want


def test_fft3d_growth_widths(rng):
    fmt = FFT3DFormat(4, 10, 12, "growth", "growth", "growth", "truncate")
    assert fmt.output_width == 16
    tiles = [random_tile(rng, 4, 10) for _ in range(2)]
    want = sum((forward_expected(fmt, tile) for tile in tiles), [])
    got = simulate(FFT3D(fmt), [forward_words(t) for t in tiles], rng, 0.2, 0.2, len(want))
    assert got == want


@pytest.mark.parametrize("n, width, rounding, gaps, stalls", [
    (4, 12, "convergent", 0.0, 0.0),
    (8, 16, "truncate", 0.4, 0.3),
])
def test_ifft3d_bit_exact(rng, n, width, rounding, gaps, stalls):
    fmt = FFT3DFormat(n, width, 16, rounding=rounding, inverse=True)
    spectra = [random_spectrum(rng, n, width), random_spectrum(rng, n, width, 0.01)]
    want = sum((inverse_expected(fmt, s) for s in spectra), [])
    got = simulate(IFFT3D(fmt), [inverse_words(s) for s in spectra], rng, gaps, stalls,
                   len(want))
    assert got == want


@pytest.mark.parametrize("inverse", [False, True], ids=["fft3d", "ifft3d"])
def test_3d_blocks_at_n16(rng, inverse):
    """One 16x16x16 tile (4096 samples) each way, 14-bit words, with gaps and backpressure."""
    fmt = FFT3DFormat(16, 14, 16, rounding="convergent", inverse=inverse)
    if inverse:
        spectrum = random_spectrum(rng, 16, 14, 0.02)
        want, frames, dut = inverse_expected(fmt, spectrum), [inverse_words(spectrum)], IFFT3D
    else:
        tile = random_tile(rng, 16, 14)
        want, frames, dut = forward_expected(fmt, tile), [forward_words(tile)], FFT3D
    assert simulate(dut(fmt), frames, rng, 0.1, 0.2, len(want)) == want


@pytest.mark.parametrize("inverse", [False, True], ids=["fft3d", "ifft3d"])
def test_3d_runtime_schedules_and_sizes_per_tile(rng, inverse):
    """Per tile an N' = N >> shift transform with its own three schedules, back to back under
    gaps and backpressure, each bit-exact with the golden N'-point transform."""
    n, width = 8, 14
    shifts = [0, 1, 1, 0]
    fmt = FFT3DFormat(n, width, 14, rounding="convergent", inverse=inverse)
    frames, want, schedules = [], [], []
    for k in shifts:
        size = n >> k
        schedule = tuple(int(rng.integers(0, size)) for _ in range(3))
        small = with_schedules(fmt, size, schedule)
        if inverse:
            spectrum = random_spectrum(rng, size, width, 0.05)
            frames.append(inverse_words(spectrum))
            want += inverse_expected(small, spectrum)
        else:
            tile = random_tile(rng, size, width)
            frames.append(forward_words(tile))
            want += forward_expected(small, tile)
        schedules.append(schedule)
    block = IFFT3D if inverse else FFT3D
    dut = block(fmt, runtime_schedule=True, runtime_length=True)
    assert simulate(dut, frames, rng, 0.2, 0.4, len(want), schedules, shifts) == want


@pytest.mark.parametrize("block, args, kwargs, error, message", [
    (FFT3D, (FFT3DFormat(8, inverse=True),), {}, ValueError,
     "3-D FFT format must be a forward format, not an inverse one"),
    (IFFT3D, (FFT3DFormat(8),), {}, ValueError,
     "3-D IFFT format must be an inverse format, not a forward one"),
    (FFT3D, (FFT3DFormat(8, depth_scaling="growth"),), {"runtime_schedule": True}, ValueError,
     "3-D FFT scaling must be a schedule (not growth) with a runtime schedule"),
    (IFFT3D, (FFT3DFormat(8, inverse=True),), {"runtime_length": True}, ValueError,
     "3-D IFFT schedule must be a runtime schedule with a runtime length, not fixed"),
    (FFT3D, (8,), {}, TypeError, "3-D FFT format must be an FFT3DFormat, not 8"),
])
def test_3d_parameter_errors(block, args, kwargs, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        block(*args, **kwargs)
