"""LayerSchedule: the controller's loop nest as counts, shared by the RTL counter checks and the
cost models (the counters themselves are checked against the RTL in test_accelerator*.py)."""

import numpy as np
import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.schedule import LayerSchedule
from fdagen.golden.tiling import Tiling


def lenet_conv2(pes):
    config = AcceleratorConfig(pes=pes)
    return LayerSchedule(config, Tiling.choose((14, 14), 5, fft_size=8), 6, 16)


def test_lenet_conv2_counts():
    s = lenet_conv2(16)
    assert (s.tiles, s.groups, s.mac_operations) == (16, 1, 16 * 40 * 6)
    assert s.complex_macs == 16 * 6 * 16 * 40 and s.bound_cycles == 7680
    assert s.butterflies_per_frame == (8 + 5) * 4 * 3
    assert s.fft_butterflies == 16 * 6 * 156 and s.ifft_butterflies == 16 * 16 * 156
    counts = s.scheduled_counts()
    assert counts["spectrum_reads"] * 16 == s.complex_macs      # broadcast to 16 slots
    assert counts["output_pixels"] == 16 * 10 * 10


def test_groups_and_idle_slots():
    s = lenet_conv2(12)                   # J = 12 slots, M = 16: two groups, 8 slots idle
    assert s.groups == 2
    # the idle slots' PEs read no weight and write no sum: 12 PEs, then 4, at work
    assert s.scheduled_counts()["weight_reads"] == s.mac_operations // 2 * (12 + 4)
    assert s.scheduled_counts()["output_spectrum_writes"] == s.tiles * s.config.bin_steps * 16
    assert s.bound_cycles == pytest.approx(2 * s.complex_macs / 12)


def test_rejects_a_tiling_the_build_cannot_run():
    with pytest.raises(ValueError, match="layer FFT size must be a power of two between 4 and "
                                         "the build's 8, not 16"):
        LayerSchedule(AcceleratorConfig(pes=4), Tiling.choose((14, 14), 5, fft_size=16), 1, 1)
    with pytest.raises(ValueError, match="layer FFT size must be a power of two between 8 and "
                                         "the build's 16, not 4"):       # L = 8 bins a step
        LayerSchedule(AcceleratorConfig(pes=8, fft_size=16, bin_lanes=8),
                      Tiling.choose((6, 6), 3, fft_size=4), 1, 1)


def test_a_layer_at_a_smaller_fft_size_takes_its_own_bins():
    """A layer at N = 8 on an N = 32 build: its own U = 40 bins, U/L bin steps, transforms,
    overlap-add windows and group buffers of U/L sets (more of them fit the build's sets)."""
    config = AcceleratorConfig(pes=8, fft_size=32, bin_lanes=2)
    small = LayerSchedule(config, Tiling.choose((14, 14), 3, fft_size=8), 2, 8)
    assert (small.unique_bins, small.bin_steps, small.fft_shift) == (40, 20, 2)
    assert small.mac_operations == small.tiles * small.groups * 20 * 2
    counts = small.scheduled_counts()
    assert counts["spectrum_writes"] == small.tiles * 2 * 40
    assert counts["oaa_writes"] == small.tiles * 8 * 64
    assert small.weight_sets == small.weight_buffers * 20 == 2 * 20
    assert small.buffer_limit == config.weight_sets // 20 > config.weight_groups


def test_bands_and_the_output_order():
    """Blocks of four tiles over four tile rows of three tiles: each block contributes, group
    by group, the tile rows that end in it; the out stream goes band by band, each band's
    channels in turn, each channel's rows of the band in raster order."""
    config = AcceleratorConfig(pes=4, bin_lanes=1, max_channels=2, max_out_channels=8,
                               max_size=26, spectrum_tiles=4)
    s = LayerSchedule(config, Tiling.choose((24, 18), 3, fft_size=8), 2, 5)   # T = 6, G = 2
    assert s.tiling.tiles_per_axis == (4, 3)
    assert s.band_order() == [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (0, 3), (1, 2), (1, 3)]
    # output row i reads overlap-add row 2 + i; band ty holds rows [6 ty, 6 ty + 6), the last
    # band the rest
    assert [s.band_rows(ty) for ty in range(4)] == \
        [list(range(0, 4)), list(range(4, 10)), list(range(10, 16)), list(range(16, 22))]
    order = s.output_order()
    index = np.arange(5 * 22 * 16).reshape(5, 22, 16)
    expected = np.concatenate([index[m, rows].reshape(-1) for g, ty in s.band_order()
                               for m in range(4 * g, min(4 * g + 4, 5))
                               for rows in [s.band_rows(ty)]])
    np.testing.assert_array_equal(order, expected)
    assert sorted(order) == list(range(index.size)) and s.ends_with_output


def test_a_strided_layer_has_bands_without_rows():
    """Stride 3: bands whose rows no output reads are empty (the drain passes over them), and
    when the last one is, the last pixel may come before the run's end."""
    config = AcceleratorConfig(pes=4, max_channels=2, max_out_channels=4, max_size=16)
    s = LayerSchedule(config, Tiling.choose((10, 10), 2, stride=3, fft_size=4), 2, 3)
    rows = [s.band_rows(ty) for ty in range(s.tiling.tiles_per_axis[0])]
    assert [] in rows and sum(rows, []) == list(range(s.tiling.output_shape[0]))
    assert not s.ends_with_output
    assert sorted(s.output_order()) == list(range(s.output_pixels))
