"""TileGeometry: the dimension-dependent quantities in one place."""

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import FIELDS, field_names
from fdagen.arch.geometry import TileGeometry
from fdagen.arch.schedule import LayerSchedule
from fdagen.golden.checks import ParameterError
from fdagen.golden.tiling import Tiling, unique_bins


@pytest.mark.parametrize("n", [4, 8, 16])
def test_2d_matches_the_formulas_the_rtl_was_checked_against(n):
    g = TileGeometry(2, n)
    assert g.frame_words == n * n and g.unique_bins == n * (n // 2 + 1)
    assert g.butterflies_per_frame == (n + n // 2 + 1) * (n // 2) * (n.bit_length() - 1)


@pytest.mark.parametrize("dims", [2, 3])
def test_unique_bins_agree_with_the_golden_tiling(dims):
    assert TileGeometry(dims, 8).unique_bins == unique_bins(8, dims)


def test_3d_counts():
    g = TileGeometry(3, 8)
    assert g.frame_words == 512 and g.unique_bins == 8 * 8 * 5
    assert g.transforms_per_frame == 64 + 2 * 8 * 5              # rows, then two more axes
    assert g.butterflies_per_frame == (64 + 80) * 4 * 3


def test_covered_window_and_schedule_use_the_geometry():
    config = AcceleratorConfig(pes=16)
    tiling = Tiling.choose((14, 14), 5, fft_size=8)
    assert config.geometry.covered(tiling) == ((4 - 1) * 4 + 8) ** 2
    schedule = LayerSchedule(config, tiling, 6, 16)
    assert schedule.scheduled_counts()["oaa_writes"] == schedule.tiles * 16 * 64


def test_dims_is_a_parameter_of_the_build():
    config = AcceleratorConfig(dims=3, max_size=16)
    assert config.unique_bins == 320 and config.oaa_width == 16 + 3 * 3
    config.check_generable()
    assert config.forward_format().dims == config.inverse_format().dims == 3
    with pytest.raises(ParameterError, match="spatial dimensions must be 2 or 3, not 4"):
        AcceleratorConfig(dims=4)
    with pytest.raises(ParameterError, match="layers on this build must be 3-D, not 2-D"):
        LayerSchedule(config, Tiling.choose((14, 14), 5, fft_size=8), 1, 1)


def test_axes_and_the_descriptor_fields_that_bound_them():
    g2, g3 = TileGeometry(2, 8), TileGeometry(3, 8)
    assert g2.axes == ("y", "x") and g3.axes == ("z", "y", "x")
    assert g2.extent_fields == ("height", "width")
    assert g2.output_fields == ("out_height", "out_width")
    assert g2.tile_count_fields == ("tiles_y", "tiles_x")
    assert g3.extent_fields[0] == "depth" and g3.tile_count_fields[0] == "tiles_z"


def test_the_2d_descriptor_has_every_field_the_2d_raster_walks_read():
    g = TileGeometry(2, 8)
    assert set(g.extent_fields + g.output_fields + g.tile_count_fields) <= set(FIELDS)


def test_the_3d_descriptor_has_every_field_the_3d_walks_read():
    g = TileGeometry(3, 8)
    names = field_names(3)
    assert set(g.extent_fields + g.output_fields + g.tile_count_fields) <= set(names)
    assert {f"{side}_depth_schedule" for side in ("fwd", "inv")} <= set(names) - set(FIELDS)
