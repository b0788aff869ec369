"""The bit-true FFT: against an independent scalar reference (exact) and np.fft (budgeted)."""

import math

import numpy as np
import pytest
from conftest import sample

from fdagen.golden.fft import (FFT2DFormat, FFTFormat, bit_reverse_indices, calibrate_fft2d,
                               calibrate_ifft2d, calibrate_schedule, fft2d_real_fixed, fft_fixed,
                               ifft2d_half_fixed, twiddles)
from fdagen.golden.fixedpoint import quantize


def _round(value, shift, rounding):
    """Scalar rounding straight from the contract's wording."""
    if shift == 0:
        return value
    if rounding == "truncate":
        return value >> shift
    if rounding == "half_up":
        return (value + (1 << (shift - 1))) >> shift
    quotient, remainder = divmod(value, 1 << shift)
    half = 1 << (shift - 1)
    return quotient + (remainder > half or (remainder == half and quotient % 2 == 1))


def reference_fft(re, im, fmt):
    """One-sample-at-a-time radix-2 DIF with Python ints, written from the module docstring."""
    n, tw = fmt.n, fmt.twiddle_width
    scale = (1 << (tw - 1)) - 1
    sign = 1 if fmt.inverse else -1
    data = [(int(r), int(i)) for r, i in zip(re, im)]
    for stage, (shift, width) in enumerate(zip(fmt.shifts, fmt.stage_widths[1:])):
        lo_, hi_ = -(1 << (width - 1)), (1 << (width - 1)) - 1
        sat = lambda v: min(max(v, lo_), hi_)  # noqa: E731
        half = n >> (stage + 1)
        for block in range(0, n, 2 * half):
            for i in range(half):
                (ar, ai), (br, bi) = data[block + i], data[block + i + half]
                k = i << stage
                dr, di = ar - br, ai - bi
                upper = (sat(_round(ar + br, shift, fmt.rounding)),
                         sat(_round(ai + bi, shift, fmt.rounding)))
                if k == 0:
                    lower = (dr, di, 0)
                elif 4 * k == n:
                    lower = ((-di, dr, 0) if fmt.inverse else (di, -dr, 0))
                else:
                    angle = 2 * math.pi * k / n
                    wr = round_half_away(math.cos(angle) * scale)
                    wi = round_half_away(sign * math.sin(angle) * scale)
                    lower = (dr * wr - di * wi, dr * wi + di * wr, tw - 1)
                lower = (sat(_round(lower[0], shift + lower[2], fmt.rounding)),
                         sat(_round(lower[1], shift + lower[2], fmt.rounding)))
                data[block + i], data[block + i + half] = upper, lower
    if fmt.order == "natural":
        data = [data[j] for j in bit_reverse_indices(n)]
    return np.array([d[0] for d in data]), np.array([d[1] for d in data])


def round_half_away(value):
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


CASES = [(n, inverse, scaling, rounding, order)
         for n in (2, 4, 8, 16, 32, 64)
         for inverse in (False, True)
         for scaling in ("per_stage", "growth", "schedule")
         for rounding in ("truncate", "half_up", "convergent")
         for order in ("natural", "bitrev")]


@pytest.mark.parametrize("n, inverse, scaling, rounding, order", sample(CASES, every=5))
def test_fft_matches_scalar_reference_exactly(rng, n, inverse, scaling, rounding, order):
    stages = n.bit_length() - 1
    if scaling == "schedule":
        scaling = tuple(int(b) for b in rng.integers(0, 2, stages))
    fmt = FFTFormat(n, 12, 10, scaling, rounding, inverse, order)
    limit = 1 << 11
    # random data plus the adversarial corners: full-scale, alternating, constant max/min
    frames = [rng.integers(-limit, limit, (2, n)) for _ in range(3)]
    frames.append(np.array([[limit - 1] * n, [-limit] * n]))
    frames.append(np.array([[(-1) ** j * (limit - 1) for j in range(n)], [-limit] * n]))
    frames.append(np.array([[-limit] * n, [-limit] * n]))
    for re, im in frames:
        got = fft_fixed(re, im, fmt)
        want = reference_fft(re, im, fmt)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


# Error budget of the 16-bit scaled FFT on uniform complex data in [-0.5, 0.5): a scaled radix-2
# FFT loses about half a bit (3 dB) per stage, so SQNR >= 86 - 3.5 log2 N dB. Measured here:
# 81.5 dB at N=4, 74.4 at 16, 68.3 at 64, 56.3 at 1024.
@pytest.mark.parametrize("n", [4, 16, 64, 256, 1024])
@pytest.mark.parametrize("inverse", [False, True])
def test_fft_close_to_numpy_within_budget(rng, n, inverse):
    fmt = FFTFormat(n, 16, 16, "per_stage", "convergent", inverse)
    x = rng.uniform(-0.5, 0.5, (20, n)) + 1j * rng.uniform(-0.5, 0.5, (20, n))
    re, im = quantize(x.real, 15, 16), quantize(x.imag, 15, 16)
    got = np.stack(fft_fixed(re, im, fmt))
    exact = np.fft.ifft(re + 1j * im) if inverse else np.fft.fft(re + 1j * im) / n
    error = np.sum(np.abs(got[0] + 1j * got[1] - exact) ** 2)
    sqnr = 10 * np.log10(np.sum(np.abs(exact) ** 2) / error)
    assert sqnr >= 86 - 3.5 * math.log2(n)


def test_twiddles_keep_plus_one_in_range():
    re, im = twiddles(16, 16)
    assert re[0] == 32767 and im[0] == 0
    assert re.max() <= 32767 and im.min() >= -32767
    inverse_re, inverse_im = twiddles(16, 16, inverse=True)
    assert np.array_equal(inverse_re, re) and np.array_equal(inverse_im, -im)


def test_bitrev_and_natural_differ_only_by_permutation(rng):
    x = rng.integers(-1000, 1000, (2, 32))
    natural = fft_fixed(*x, FFTFormat(32, 16, order="natural"))
    bitrev = fft_fixed(*x, FFTFormat(32, 16, order="bitrev"))
    perm = bit_reverse_indices(32)
    assert np.array_equal(natural[0], bitrev[0][perm])
    assert np.array_equal(natural[1], bitrev[1][perm])


def test_impulse_and_dc_are_exact():
    fmt = FFTFormat(16, 16, 16, "growth")
    impulse = np.zeros(16, dtype=np.int64)
    impulse[0] = 1000
    re, im = fft_fixed(impulse, np.zeros(16, dtype=np.int64), fmt)
    assert np.all(re == 1000) and np.all(im == 0)
    re, im = fft_fixed(np.full(16, 1000), np.zeros(16, dtype=np.int64), fmt)
    assert re[0] == 16000 and np.all(re[1:] == 0) and np.all(im == 0)


@pytest.mark.parametrize("n", [4, 8, 16, 32])
def test_2d_real_fft_and_half_inverse_within_budget(rng, n):
    fmt = FFT2DFormat(n, 16, 16, rounding="convergent")
    x = quantize(rng.uniform(-1, 1, (5, n, n)), 15, 16)
    re, im = fft2d_real_fixed(x, fmt)
    assert re.shape == (5, n, n // 2 + 1)
    exact = np.fft.rfft2(x) / 2 ** fmt.total_shift
    assert np.abs(re + 1j * im - exact).max() <= 0.75 * math.log2(n) * 2
    inverse = FFT2DFormat(n, 16, 16, rounding="convergent", inverse=True)
    tile = ifft2d_half_fixed(re, im, inverse)
    exact_tile = np.fft.irfft2(re + 1j * im, s=(n, n)) * n * n / 2 ** inverse.total_shift
    assert np.abs(tile - exact_tile).max() <= 0.75 * math.log2(n) * 2


def test_calibrated_schedules_fit_and_beat_static_scaling(rng):
    n = 8
    x = np.zeros((40, n, n), dtype=np.int64)       # a 4x4 tile in 8x8, small values (ReLU-like)
    x[:, :4, :4] = rng.integers(0, 600, (40, 4, 4))
    fmt = calibrate_fft2d(x, FFT2DFormat(n, 16, 16, rounding="convergent"))
    assert fmt.total_shift < 2 * 3
    exact = np.fft.rfft2(x) / 2 ** fmt.total_shift
    re, im = fft2d_real_fixed(x, fmt)
    assert np.abs(re).max() < 32767 and np.abs(im).max() < 32767     # nothing saturated
    assert np.abs(re + 1j * im - exact).max() <= 3
    inverse = calibrate_ifft2d(re, im, FFT2DFormat(n, 16, 16, rounding="convergent",
                                                   inverse=True))
    assert all(s in (0, 1) for s in inverse.row_scaling + inverse.column_scaling)


def test_calibrate_schedule_shifts_only_when_needed():
    fmt = FFTFormat(8, 16)
    small = np.full((1, 8), 100)
    assert calibrate_schedule(small, np.zeros_like(small), fmt) == (0, 0, 0)
    full = np.full((1, 8), 30000)
    assert calibrate_schedule(full, np.zeros_like(full), fmt) == (1, 1, 1)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n=12), ValueError, "FFT size must be a power of two between 2 and 65536, not 12"),
    (dict(n=8.0), TypeError, "FFT size must be an integer, not 8.0"),
    (dict(n=8, data_width=1), ValueError, "FFT data width must be between 2 and 48, not 1"),
    (dict(n=8, rounding="up"), ValueError,
     "FFT rounding must be one of truncate, half_up, convergent, not 'up'"),
    (dict(n=8, order="reversed"), ValueError,
     "FFT order must be one of natural, bitrev, not 'reversed'"),
    (dict(n=8, scaling=(1, 1)), ValueError,
     "FFT scaling schedule must be 3 shifts of 0 or 1, not (1, 1)"),
    (dict(n=8, data_width=40, twiddle_width=24), ValueError,
     "FFT widest stage (40 bits) plus twiddle width (24 bits) must be at most 60 bits, not 64"),
    (dict(n=8, scaling="half"), ValueError,
     "FFT scaling must be one of per_stage, growth or a tuple of per-stage shifts, not 'half'"),
])
def test_fft_format_errors(kwargs, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        FFTFormat(**kwargs)


def test_full_scale_corners_saturate_and_are_counted():
    # a - b = 2**16 - 1 through the trivial twiddle rounds up to 2**15: one past the rail
    fmt = FFTFormat(2, 16, 16, "per_stage", "half_up")
    counts = []
    re, _ = fft_fixed(np.array([[32767, -32768]]), np.zeros((1, 2), dtype=np.int64), fmt, counts)
    assert re.tolist() == [[0, 32767]] and counts == [1]
    # the sqrt(2) corner of a rotation by W^1 of N = 8
    counts = []
    x = np.array([[32767, 0, 0, 0, 32767, 0, 0, 0]])
    fft_fixed(np.array([[0, 32767, 0, 0, 0, -32768, 0, 0]]), x - x, FFTFormat(8, 16), counts)
    assert len(counts) == 3
