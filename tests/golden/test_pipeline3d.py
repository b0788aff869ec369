"""The bit-true 3-D path: the real-input 3-D FFT, its half-spectrum inverse, and 3-D layers."""

import math

import numpy as np
import pytest

from fdagen.golden.crossbar import CrossbarMAC, DeviceModel
from fdagen.golden.direct import conv3d_direct, relu
from fdagen.golden.fft import (FFT2DFormat, FFT3DFormat, FFTFormat, calibrate_fft3d,
                               calibrate_ifft3d, fft2d_real_fixed, fft3d_real_fixed, fft_fixed,
                               ifft2d_half_fixed, ifft3d_half_fixed)
from fdagen.golden.fixedpoint import quantize
from fdagen.golden.pipeline import (FixedFormat, calibrate_layer, conv2d_fixed, conv3d_fixed,
                                    quantize_input, spectral_mac, sqnr_db)
from fdagen.golden.tiling import Tiling


@pytest.mark.parametrize("n", [4, 8, 16])
def test_3d_real_fft_is_planes_then_depth(rng, n):
    rows = tuple(1 - s % 2 for s in range(n.bit_length() - 1))      # a schedule: 1, 0, 1, ...
    fmt = FFT3DFormat(n, 16, 16, rows, "per_stage", "growth", "convergent")
    x = rng.integers(-32768, 32768, (2, n, n, n))
    re, im = fft3d_real_fixed(x, fmt)
    assert re.shape == (2, n, n, n // 2 + 1)
    plane = FFT2DFormat(n, 16, 16, fmt.row_scaling, "per_stage", "convergent")
    p_re, p_im = fft2d_real_fixed(x, plane)
    depth = FFTFormat(n, plane.output_width, 16, "growth", "convergent")
    d_re, d_im = fft_fixed(np.moveaxis(p_re, 1, -1), np.moveaxis(p_im, 1, -1), depth)
    assert np.array_equal(re, np.moveaxis(d_re, -1, 1))
    assert np.array_equal(im, np.moveaxis(d_im, -1, 1))
    assert fmt.output_width == 16 + int(math.log2(n))
    assert fmt.unique_bins == n * n * (n // 2 + 1)


@pytest.mark.parametrize("n", [4, 8, 16])
def test_3d_real_fft_and_half_inverse_within_budget(rng, n):
    # per-stage scaling everywhere: each pass adds at most 0.75 LSB a stage (as in 2-D)
    fmt = FFT3DFormat(n, 16, 16, rounding="convergent")
    x = quantize(rng.uniform(-1, 1, (3, n, n, n)), 15, 16)
    re, im = fft3d_real_fixed(x, fmt)
    exact = np.fft.rfftn(x, axes=(-3, -2, -1)) / 2 ** fmt.total_shift
    assert np.abs(re + 1j * im - exact).max() <= 0.75 * math.log2(n) * 3
    inverse = FFT3DFormat(n, 16, 16, rounding="convergent", inverse=True)
    tile = ifft3d_half_fixed(re, im, inverse)
    assert tile.shape == (3, n, n, n)
    exact_tile = (np.fft.irfftn(re + 1j * im, s=(n, n, n), axes=(-3, -2, -1)) * n ** 3
                  / 2 ** inverse.total_shift)
    assert np.abs(tile - exact_tile).max() <= 0.75 * math.log2(n) * 3
    # the inverse is the depth pass, then the 2-D half inverse of every plane
    d_re, d_im = fft_fixed(np.moveaxis(re, 1, -1), np.moveaxis(im, 1, -1), inverse.depth_format)
    planes = ifft2d_half_fixed(np.moveaxis(d_re, -1, 1), np.moveaxis(d_im, -1, 1),
                               inverse.plane_format)
    assert np.array_equal(tile, planes)


def test_3d_calibration_fits_each_pass(rng):
    n = 8
    x = np.zeros((20, n, n, n), dtype=np.int64)    # a 4x4x4 ReLU-like tile in 8x8x8
    x[:, :4, :4, :4] = rng.integers(0, 600, (20, 4, 4, 4))
    fmt = calibrate_fft3d(x, FFT3DFormat(n, 16, 16, rounding="convergent"))
    assert len(fmt.pass_scalings) == 3 and fmt.total_shift < 3 * 3
    counts = []
    re, im = fft3d_real_fixed(x, fmt, counts)
    assert len(counts) == 9 and sum(counts) == 0
    exact = np.fft.rfftn(x, axes=(-3, -2, -1)) / 2 ** fmt.total_shift
    static = FFT3DFormat(n, 16, 16, rounding="convergent")
    s_re, s_im = fft3d_real_fixed(x, static)
    static_exact = np.fft.rfftn(x, axes=(-3, -2, -1)) / 2 ** static.total_shift
    # small ReLU-like tiles: calibrated 64.7 dB, the static 1/2-per-stage schedule 19.9 dB
    assert sqnr_db(exact.real, re) >= 60 and sqnr_db(exact.imag, im) >= 60
    assert sqnr_db(exact.real, re) >= sqnr_db(static_exact.real, s_re) + 30
    inverse = calibrate_ifft3d(re, im, FFT3DFormat(n, 16, 16, rounding="convergent",
                                                   inverse=True))
    counts = []
    ifft3d_half_fixed(re, im, inverse, counts)
    assert sum(counts) == 0
    assert inverse.pass_scalings == (inverse.depth_scaling, inverse.column_scaling,
                                     inverse.row_scaling)


def test_3d_format_errors():
    with pytest.raises(ValueError, match=r"^FFT size must be a power of two between 4 and 65536, "
                                         r"not 2$"):
        FFT3DFormat(2)
    with pytest.raises(ValueError, match=r"^FFT scaling schedule must be 3 shifts of 0 or 1, "
                                         r"not \(1, 1\)$"):
        FFT3DFormat(8, depth_scaling=(1, 1))
    with pytest.raises(ValueError, match=r"^3-D FFT input must end in \(8, 8, 8\), not "
                                         r"\(8, 8\)$"):
        fft3d_real_fixed(np.zeros((8, 8)), FFT3DFormat(8))
    with pytest.raises(ValueError, match=r"^3-D IFFT format must be an inverse format"):
        ifft3d_half_fixed(np.zeros((8, 8, 5)), np.zeros((8, 8, 5)), FFT3DFormat(8))


def run_layer(rng, c, m, shape, k, fmt, stride=1, padding=0, n=None, tile=None, relu_=False):
    """Calibrate on the input itself, run bit-true; return (trace, float reference)."""
    x = rng.uniform(-1, 1, (c, *shape))
    w = rng.normal(0, 1 / np.sqrt(c * k ** 3), (m, c, k, k, k))
    b = rng.normal(0, 0.1, m)
    tiling = Tiling.choose(shape, k, stride, padding, n, tile, c, m)
    frac = fmt.data_width - 1
    codes = quantize_input(x, frac, fmt.data_width, fmt.rounding)
    quant = calibrate_layer([codes], w, b, tiling, fmt, frac, relu_)
    trace = conv3d_fixed(codes, w, b, tiling, fmt, quant)
    reference = conv3d_direct(np.ldexp(codes.astype(float), -frac), w, b, stride, padding)
    return trace, (relu(reference) if relu_ else reference)


# Shapes: odd sizes, depth != height, stride 2, padding, K = 1, T not dividing the volume.
LAYERS_3D = [  # C, M, (D, H, W), K, stride, padding, N, T
    (3, 8, (8, 16, 16), 3, 1, 1, 8, None),
    (2, 4, (5, 9, 7), 3, 2, 0, 8, None),
    (4, 3, (6, 6, 10), 1, 1, 0, 4, None),
    (3, 5, (7, 11, 6), 3, 1, 2, 8, 5),
    (2, 3, (9, 8, 8), 5, 2, 1, 16, None),
]


# Budget at 16-bit defaults, as in 2-D: >= 60 dB (measured 70-76 dB, bench/sqnr.py --dims 3).
@pytest.mark.parametrize("c, m, shape, k, stride, padding, n, tile", LAYERS_3D)
def test_3d_layer_sqnr_at_defaults_meets_target(rng, c, m, shape, k, stride, padding, n, tile):
    trace, reference = run_layer(rng, c, m, shape, k, FixedFormat(), stride, padding, n, tile)
    assert trace.output_codes.shape == reference.shape
    assert sqnr_db(reference, trace.output()) >= 60
    assert trace.saturated == {"fft": 0, "spectrum": 0, "ifft": 0, "output": 0}
    assert len(trace.quant.schedules) == 6


# Wide words leave only float-level error: the 3-D scale bookkeeping of every scaling mode.
@pytest.mark.parametrize("scaling, width, spectrum", [("calibrated", 28, 32),
                                                      ("per_stage", 28, 32), ("growth", 20, 24)])
def test_3d_wide_formats_converge_to_float(rng, scaling, width, spectrum):
    fmt = FixedFormat(data_width=width, twiddle_width=24, weight_width=min(width, 24),
                      spectrum_width=spectrum, fft_scaling=scaling)
    trace, reference = run_layer(rng, 2, 3, (7, 9, 8), 3, fmt, stride=2, padding=1, relu_=True)
    assert sqnr_db(reference, trace.output()) >= 110


def test_3d_crossbar_mac_at_full_resolution_is_exact(rng):
    x = [rng.integers(-2 ** 15, 2 ** 15, (3, 2, 4, 4, 3)) for _ in range(2)]
    w = [rng.integers(-2 ** 15, 2 ** 15, (5, 3, 4, 4, 3)) for _ in range(2)]
    mac = CrossbarMAC(device=DeviceModel(), data_width=16, weight_width=16)
    exact = spectral_mac(x, w)
    assert exact[0].shape == (5, 2, 4, 4, 3)
    for got, want in zip(mac(x, w), exact):
        assert np.array_equal(got, want)


def test_rank_must_match_the_wrapper(rng):
    tiling = Tiling.choose((6, 6, 6), 3)
    codes = np.zeros((2, 6, 6, 6), dtype=np.int64)
    with pytest.raises(ValueError, match=r"^a 2-D layer's input must have rank 3, not 4 "
                                         r"\(a 3-D tiling\)$"):
        conv2d_fixed(codes, np.zeros((1, 2, 3, 3, 3)), None, tiling, FixedFormat(), None)
