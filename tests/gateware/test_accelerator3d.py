# amaranth: UnusedElaboratable=no
"""3-D layers on a 3-D build (``dims = 3``) in amaranth.sim against the golden pipeline
(:func:`fdagen.golden.pipeline.conv3d_fixed`): bit-exact outputs in the stream's slab order,
counters equal to the controller's schedule, under input gaps and output backpressure."""

import pytest
from support.accelsim import random_layer
from test_accelerator import check

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import field_names
from fdagen.golden.checks import ParameterError

# (config, layers): each layer (C, M, (D, H, W), K, stride, padding, tile, relu, layer N)
CASES = [
    # odd sizes, depth != height, padding, T = 3 not dividing the padded volume
    (dict(pes=4, fft_size=4, max_channels=2, max_out_channels=3, max_size=8),
     [(2, 3, (3, 5, 4), 2, 1, 1, 3, True, None)]),
    # K = 1 and a stride-2 layer (the crop decimates) back to back, groups (M > J = 2)
    (dict(pes=2, fft_size=4, max_channels=3, max_out_channels=5, max_size=8),
     [(3, 5, (4, 6, 5), 1, 1, 0, None, False, None), (2, 3, (5, 4, 6), 2, 2, 1, 3, True, None)]),
    # an N = 8 build running the layer at N = 4 (its descriptor's fft_shift) and at 8
    (dict(pes=4, bin_lanes=2, fft_size=8, max_channels=2, max_out_channels=4, max_size=8),
     [(2, 4, (4, 5, 3), 3, 1, 1, 2, False, 4), (1, 2, (3, 6, 6), 3, 1, 0, None, True, 8)]),
]


def _id(case):
    kw, layers = case
    return f"p{kw['pes']}_n{kw['fft_size']}_{len(layers)}layers"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_3d_layers_bit_exact_with_gaps_and_backpressure(rng, case):
    kw, layers = case
    config = AcceleratorConfig(dims=3, **kw)
    jobs = [random_layer(config, rng, c, m, h, w, k, s, p, tile=t, relu=relu, fft_size=n,
                         depth=d)
            for c, m, (d, h, w), k, s, p, t, relu, n in layers]
    check(config, jobs, gaps=0.2, stalls=0.3)


def test_3d_slabs_in_overlap_add_rings(rng):
    """A volume deeper than 2N: each channel's overlap-add window is a ring of 2N planes, and a
    tile slab takes its planes only once the drain has read the slab two back; three slabs of
    two groups under heavy backpressure, in blocks of four tiles ending mid-slab."""
    config = AcceleratorConfig(dims=3, pes=2, fft_size=4, max_channels=1, max_out_channels=4,
                               max_size=10, spectrum_tiles=4)
    assert config.oaa_ring and config.oaa_rows == 8
    job = random_layer(config, rng, 1, 4, 4, 3, 3, 1, 1, tile=2, relu=True, depth=8)
    schedule = job.descriptor.schedule
    assert schedule.tiling.tiles_per_axis == (5, 3, 3) and schedule.groups == 2
    check(config, [job], gaps=0.1, stalls=0.6, max_cycles=200_000)


def test_3d_descriptor_has_depth_fields(rng):
    config = AcceleratorConfig(dims=3, pes=2, fft_size=4, max_channels=1, max_out_channels=2,
                               max_size=8)
    job = random_layer(config, rng, 1, 2, 4, 5, 3, 1, 1, depth=6)
    values = job.descriptor.values()
    assert len(job.desc) == len(field_names(3)) == len(field_names(2)) + 5
    assert (values["depth"], values["height"], values["width"]) == (6, 4, 5)
    assert (values["tiles_z"], values["out_depth"]) == (4, 6)
    assert values["tiles"] == 4 * 3 * 4
    with pytest.raises(ParameterError, match=r"^padded input depth must be between 1 and 8 "
                                             r"for this build, not 9$"):
        random_layer(config, rng, 1, 2, 4, 5, 3, 1, 1, depth=7)


@pytest.mark.parametrize("kwargs, message", [
    (dict(dims=3, fft_size=64), "FFT size of a 3-D build must be a power of two between 4 and "
                                "32, not 64"),
    (dict(dims=4), "spatial dimensions must be 2 or 3, not 4"),
])
def test_3d_config_errors(kwargs, message):
    with pytest.raises(ParameterError, match="^" + __import__("re").escape(message) + "$"):
        AcceleratorConfig(**kwargs)
