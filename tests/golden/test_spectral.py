"""Float spectral convolution (OaA) against the direct spatial definition."""

import numpy as np
import pytest
from conftest import sample

from fdagen.golden.direct import conv2d_direct, conv3d_direct, max_pool
from fdagen.golden.spectral import conv2d_spectral, conv3d_spectral

TOLERANCE = 1e-9   # relative to the largest output; float64 OaA reaches ~1e-15

SHAPES_2D = [
    # C, M, H, W, K, stride, padding, N, T
    (1, 6, 32, 32, 5, 1, 0, None, None),       # LeNet-5 C1
    (6, 16, 14, 14, 5, 1, 0, None, None),      # LeNet-5 C3
    (3, 4, 17, 13, 3, 1, 1, None, None),       # odd, non-square input
    (2, 3, 9, 9, 1, 1, 0, None, None),         # K = 1
    (2, 2, 20, 20, 7, 1, 0, 8, 2),             # K > T
    (2, 2, 21, 19, 9, 1, 2, 16, 3),            # K > T, padding, odd sizes
    (3, 4, 15, 15, 3, 2, 1, None, None),       # stride 2
    (2, 2, 15, 15, 4, 4, 3, 16, None),         # stride 4, even K, padding
    (3, 8, 227, 227, 11, 4, 0, None, None),    # AlexNet conv1 geometry
    (1, 1, 5, 5, 5, 1, 0, None, None),         # K equal to the input: one output
    (4, 2, 7, 11, 3, 3, 0, 4, 2),              # smallest FFT, stride 3
    # whole-map tiles (T + K - 1 > N, one circular transform): LeNet-5 C5, padding and stride
    (16, 12, 5, 5, 5, 1, 0, 8, 5),
    (3, 4, 6, 6, 3, 2, 1, 8, 8),
    (2, 3, 8, 6, 5, 1, 0, 8, 8),
]


@pytest.mark.parametrize("half_spectrum", [True, False])
@pytest.mark.parametrize("shape", SHAPES_2D)
def test_conv2d_spectral_equals_direct(rng, shape, half_spectrum):
    c, m, h, w_, k, stride, padding, n, t = shape
    x = rng.standard_normal((c, h, w_))
    w = rng.standard_normal((m, c, k, k))
    b = rng.standard_normal(m)
    y, tiling = conv2d_spectral(x, w, b, stride, padding, n, t, half_spectrum)
    reference = conv2d_direct(x, w, b, stride, padding)
    assert y.shape == reference.shape == (m, (h + 2 * padding - k) // stride + 1,
                                          (w_ + 2 * padding - k) // stride + 1)
    assert tiling.tile + k - 1 <= tiling.fft_size or (
        tiling.whole_map and tiling.tile_count == 1
        and max(tiling.padded_shape) <= tiling.fft_size)
    assert np.abs(y - reference).max() <= TOLERANCE * np.abs(reference).max()


SHAPES_3D = [(2, 3, 9, 10, 11, 3, 2, 1), (1, 2, 8, 8, 8, 1, 1, 0), (3, 2, 7, 9, 8, 5, 1, 2)]


@pytest.mark.parametrize("shape", SHAPES_3D)
def test_conv3d_spectral_equals_direct(rng, shape):
    c, m, d, h, w_, k, stride, padding = shape
    x = rng.standard_normal((c, d, h, w_))
    w = rng.standard_normal((m, c, k, k, k))
    y, _ = conv3d_spectral(x, w, None, stride, padding)
    reference = conv3d_direct(x, w, None, stride, padding)
    assert np.abs(y - reference).max() <= TOLERANCE * np.abs(reference).max()


@pytest.mark.slow
@pytest.mark.parametrize("n, k", sample([(n, k) for n in (4, 8, 16, 32, 64) for k in (1, 2, 3, 5)
                                         if k <= n], every=3))
def test_conv2d_spectral_sweep_fft_sizes(rng, n, k):
    x = rng.standard_normal((2, 23, 18))
    w = rng.standard_normal((3, 2, k, k))
    y, _ = conv2d_spectral(x, w, None, 1, 1, n)
    reference = conv2d_direct(x, w, None, 1, 1)
    assert np.abs(y - reference).max() <= TOLERANCE * np.abs(reference).max()


def test_direct_conv_against_hand_computation():
    x = np.arange(16, dtype=float).reshape(1, 4, 4)
    w = np.array([[[[1, 0], [0, -1]]]], dtype=float)
    # y[i, j] = x[i, j] - x[i+1, j+1] = -5 everywhere
    assert np.array_equal(conv2d_direct(x, w), np.full((1, 3, 3), -5.0))
    assert np.array_equal(conv2d_direct(x, w, stride=2), np.full((1, 2, 2), -5.0))
    padded = conv2d_direct(x, w, padding=1)
    assert padded.shape == (1, 5, 5) and padded[0, 0, 0] == -0.0 - x[0, 0, 0]


def test_max_pool():
    x = np.arange(16, dtype=float).reshape(1, 4, 4)
    assert max_pool(x, 2).tolist() == [[[5, 7], [13, 15]]]


@pytest.mark.parametrize("args, message", [
    (dict(x=(2, 8, 8), w=(3, 3, 3, 3)), "weights must have 2 input channels to match the input, not 3"),
    (dict(x=(8, 8), w=(3, 3, 3, 3)), "input must have rank 3 (C, H, W), not shape (8, 8)"),
    (dict(x=(2, 8, 8), w=(3, 2, 3, 2)), "kernel must be square (equal extents), not (3, 2)"),
    (dict(x=(2, 3, 3), w=(3, 2, 5, 5)), "kernel size must be at most the padded input size 3, not 5"),
])
def test_conv2d_spectral_errors(args, message):
    with pytest.raises(ValueError, match="^" + __import__("re").escape(message) + "$"):
        conv2d_spectral(np.zeros(args["x"]), np.zeros(args["w"]))
