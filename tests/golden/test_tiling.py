import re

import numpy as np
import pytest

from fdagen.golden.tiling import Tiling, real_fft_butterflies, unique_bins


def test_automatic_choice_respects_contract():
    for shape, k, c, m in [((32, 32), 5, 1, 6), ((14, 14), 5, 6, 16), ((227, 227), 11, 3, 96),
                           ((5, 5), 5, 16, 120), ((13, 13), 3, 256, 384)]:
        tiling = Tiling.choose(shape, k, in_channels=c, out_channels=m)
        n = tiling.fft_size
        assert n & (n - 1) == 0 and 4 <= n <= 1024
        assert 1 <= tiling.tile and tiling.tile + k - 1 <= n


def test_given_sizes_are_kept_and_completed():
    assert Tiling.choose((32, 32), 5, fft_size=16).tile == 12
    assert Tiling.choose((32, 32), 5, tile=4).fft_size == 8
    assert Tiling.choose((32, 32), 5, fft_size=32, tile=20).tile == 20
    # a whole-map tile: given, or chosen with whole_map where N holds the padded map
    whole = Tiling.choose((32, 32), 5, fft_size=32, tile=32)
    assert whole.whole_map and whole.tile_count == 1
    assert Tiling.choose((5, 5), 5, fft_size=8, whole_map=True).tile == 5
    assert Tiling.choose((5, 5), 5, fft_size=8).tile_count == 4
    assert not Tiling.choose((9, 9), 5, fft_size=8, whole_map=True).whole_map


def test_tiles_and_overlap_add_roundtrip():
    tiling = Tiling.choose((10, 7), 3, fft_size=8)
    x = np.arange(70).reshape(1, 10, 7)
    tiles = tiling.tiles(x)
    assert tiles.shape == (1, 2, 2, 8, 8)
    # the tiles' T x T corners put back side by side give the input again
    t = tiling.tile
    rebuilt = tiles[0, :, :, :t, :t].transpose(0, 2, 1, 3).reshape(2 * t, 2 * t)
    assert np.array_equal(rebuilt[:10, :7], x[0])


def test_counts_helpers():
    assert unique_bins(8, 2) == 8 * 5
    assert unique_bins(8, 3) == 64 * 5
    # 8 real rows + 5 kept columns, each 4 * 3 butterflies
    assert real_fft_butterflies(8, 2) == (8 + 5) * 12


@pytest.mark.parametrize("kwargs, message", [
    (dict(fft_size=12), "FFT size must be a power of two between 4 and 1024, not 12"),
    (dict(fft_size=2048), "FFT size must be a power of two between 4 and 1024, not 2048"),
    (dict(fft_size=8, tile=6), "FFT size must be at least tile + kernel - 1 = 10, not 8"),
    (dict(fft_size=16, tile=32),
     "FFT size must be at least tile + kernel - 1 = 36, not 16"),
    (dict(fft_size=32, tile=33),
     "FFT size must be at least tile + kernel - 1 = 37, not 32"),
    (dict(stride=0), "stride must be at least 1, not 0"),
    (dict(stride=-2), "stride must be at least 1, not -2"),
    (dict(padding=-1), "padding must be at least 0, not -1"),
    (dict(fft_size=4), "FFT size must be at least the kernel size 5, not 4"),
    (dict(tile=0), "tile size must be at least 1, not 0"),
])
def test_tiling_errors(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        Tiling.choose((32, 32), 5, **kwargs)


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"^kernel size must be at most the padded input size 6, not 7$"):
        Tiling.choose((4, 4), 7, padding=1)
    with pytest.raises(TypeError, match=r"^stride must be an integer, not 1.5$"):
        Tiling.choose((4, 4), 3, stride=1.5)
