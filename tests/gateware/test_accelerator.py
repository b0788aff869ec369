# amaranth: UnusedElaboratable=no
"""The accelerator top in amaranth.sim against the golden pipeline: bit-exact outputs for every
P, layers back to back, gaps and backpressure, and counters equal to the controller's schedule."""

import numpy as np
import pytest
from conftest import sample
from support.accelsim import random_layer, run_layers

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import FIELDS
from fdagen.golden.tiling import Tiling
from fdagen.host.descriptor import LayerDescriptor, decode_output, layer_format


def check(config, jobs, gaps=0.0, stalls=0.0, overlap=False, clocks=None, **options):
    results = run_layers(config, [(j.desc, j.weights, j.pixels, j.expected.size) for j in jobs],
                         gaps=gaps, stalls=stalls, overlap=overlap, clocks=clocks, **options)
    for job, (words, counters) in zip(jobs, results):
        codes = decode_output(config, [v for v, _ in words], job.descriptor)
        np.testing.assert_array_equal(codes, job.expected)
        assert [last for _, last in words] == [0] * (len(words) - 1) + [1]
        d = job.descriptor
        assert {name: counters[name] for name in d.scheduled_counts()} == d.scheduled_counts()
        if d.schedule.ends_with_output:
            assert counters["cycles"] >= counters["load_cycles"] + counters["run_cycles"]
        else:
            assert counters["drain_cycles"] == 1
        assert counters["run_cycles"] >= d.bound_cycles
    return results


# (config, layers): each layer (C, M, H, W, K, stride, padding, tile, relu)
CASES = [
    (dict(pes=4, max_channels=4, max_out_channels=8, max_size=16),
     [(2, 3, 10, 9, 3, 1, 1, None, True)]),
    (dict(pes=6, max_channels=4, max_out_channels=8, max_size=16),
     [(3, 8, 7, 11, 3, 2, 1, None, True), (1, 5, 9, 9, 5, 1, 0, 4, False)]),
    (dict(pes=8, bin_lanes=2, fft_lanes=2, ifft_lanes=3, max_channels=4, max_out_channels=8,
          max_size=16), [(2, 3, 10, 9, 3, 1, 1, None, True), (4, 8, 6, 6, 2, 3, 2, 3, False)]),
    (dict(pes=1, fft_size=4, max_channels=3, max_out_channels=2, max_size=8),
     [(3, 2, 5, 6, 2, 1, 0, None, False)]),
    (dict(pes=5, fft_size=16, rounding="half_up", max_channels=2, max_out_channels=5,
          max_size=24), [(2, 5, 17, 13, 7, 2, 3, None, True)]),
    (dict(pes=16, bin_lanes=4, fft_lanes=3, ifft_lanes=2, rounding="truncate", data_width=12,
          weight_width=10, spectrum_width=14, max_channels=3, max_out_channels=7, max_size=12),
     [(3, 7, 12, 12, 3, 1, 0, None, False)]),
]


def _id(case):
    kw, layers = case
    return f"p{kw['pes']}_n{kw.get('fft_size', 8)}_{len(layers)}layers"


@pytest.mark.slow
@pytest.mark.parametrize("case", sample(CASES, 2), ids=_id)
def test_layers_bit_exact_with_gaps_and_backpressure(rng, case):
    kw, layers = case
    config = AcceleratorConfig(**kw)
    jobs = [random_layer(config, rng, *spec[:7], tile=spec[7], relu=spec[8]) for spec in layers]
    check(config, jobs, gaps=0.3, stalls=0.3)


def test_results_do_not_depend_on_p(rng):
    """The same layer on P = 3 and P = 4 (two geometries) gives the golden codes both times."""
    layer = None
    for pes in (3, 4):
        config = AcceleratorConfig(pes=pes, max_channels=2, max_out_channels=4, max_size=12)
        state = np.random.default_rng(5)
        layer = random_layer(config, state, 2, 4, 9, 10, 3, 1, 1, relu=True)
        check(config, [layer])


def test_layer_without_bias_and_channel_groups(rng):
    """M > J: several output-channel groups re-read each tile's input spectra."""
    config = AcceleratorConfig(pes=2, max_channels=2, max_out_channels=5, max_size=12)
    check(config, [random_layer(config, rng, 2, 5, 8, 8, 3, bias=False)], stalls=0.5)


@pytest.mark.parametrize("kw", [
    dict(pes=2, spectrum_tiles=2),
    dict(pes=4, bin_lanes=2, fft_lanes=2, ifft_lanes=1, spectrum_tiles=4),
    dict(pes=4, bin_lanes=1, weight_beat_words=2, spectrum_tiles=4),
], ids=["p2_blocks_of_2", "p4_lf2_blocks_of_4", "p4_two_weights_a_beat"])
def test_tile_blocks_with_groups(rng, kw):
    """More tiles than the spectrum buffer keeps (blocks, the last one short) and more output
    channels than slots (groups): every group runs over a block before the next block; with
    more groups than weight buffers the groups stream in again for every block (two weights a
    beat in the last case, whose last beat carries one output channel)."""
    config = AcceleratorConfig(max_channels=2, max_out_channels=5, max_size=16, **kw)
    job = random_layer(config, rng, 2, 5, 13, 11, 3, 1, 1, relu=True)
    assert job.descriptor.tiling.tile_count > config.spectrum_tiles
    check(config, [job], gaps=0.2, stalls=0.3)


@pytest.mark.parametrize("block", [None, 4], ids=["one_block", "blocks_of_4"])
def test_overlap_add_rings_under_backpressure(rng, block):
    """Maps taller than 2N: each channel's overlap-add window is a ring of 2N rows, and a tile
    row takes its rows only once the drain has read the band two rows back. Four tile rows of
    two groups under heavy output backpressure (the lanes wait for the drain), in one block
    and in blocks of four tiles that end mid-row (the groups' bands interleaved, one block
    ending none, each group's drain resuming at its block's first row): bit-exact, in the
    stream's band order, counters equal to the schedule."""
    config = AcceleratorConfig(pes=4, bin_lanes=1, max_channels=2, max_out_channels=8,
                               max_size=26, spectrum_tiles=block)
    assert config.oaa_ring and config.oaa_rows == 16 < config.oaa_extent
    job = random_layer(config, rng, 2, 5, 24, 18, 3, 1, 0, relu=True)
    schedule = job.descriptor.schedule
    assert schedule.tiling.tiles_per_axis == (4, 3) and schedule.groups == 2
    assert len(schedule.band_order()) == 8
    # about 8,500 clocks: a hang fails within five times that
    check(config, [job], gaps=0.1, stalls=0.7, max_cycles=40_000)


@pytest.mark.parametrize("words, width", [(4, 11), (8, 13), (2, 6)])
def test_wide_pixel_beats(rng, words, width):
    """V pixels a beat: rows whose width V does not divide end in a zero-filled beat; two
    layers back to back, the second with fewer channels, padding and stride 2."""
    config = AcceleratorConfig(pes=4, max_channels=3, max_out_channels=4, max_size=16,
                               pixel_beat_words=words)
    jobs = [random_layer(config, rng, 3, 4, 9, width, 3, 1, 1, relu=True),
            random_layer(config, rng, 2, 3, 10, width + 1, 3, 2, 1)]
    assert len(jobs[0].pixels) == 3 * 9 * -(-width // words)
    check(config, jobs, gaps=0.2, stalls=0.3)


def test_whole_map_tiles(rng):
    """Layers whose padded map fits N run as one whole-map tile wider than N - K + 1 (a
    circular transform, exact on the outputs kept): LeNet-5 C5's shape, K = 5 on 8x8, and a
    stride-2 padded layer; bit-exact, counters equal to the schedule."""
    config = AcceleratorConfig(pes=4, max_channels=4, max_out_channels=5, max_size=8)
    jobs = [random_layer(config, rng, 4, 5, 5, 5, 5, tile=5),
            random_layer(config, rng, 2, 3, 8, 8, 5, tile=8, relu=True),
            random_layer(config, rng, 3, 4, 6, 6, 3, 2, 1, tile=8)]
    assert all(job.descriptor.tiling.whole_map and job.descriptor.tiling.tile_count == 1
               for job in jobs)
    check(config, jobs, gaps=0.2, stalls=0.3)


@pytest.mark.parametrize("kw", [
    dict(pes=4),
    dict(pes=8, bin_lanes=2, fft_lanes=2, ifft_lanes=3, pixel_beat_words=2),
], ids=["p4", "p8_l2"])
def test_layer_fft_size_per_layer(rng, kw):
    """Each layer's descriptor selects its FFT size N <= the build's 16: layers at N = 8, 16, 4
    and 8 back to back (one a whole-map tile, one with several groups), bit-exact, counters
    equal to the schedule of the layer's N."""
    config = AcceleratorConfig(fft_size=16, max_channels=3, max_out_channels=6, max_size=14,
                               **kw)
    jobs = [random_layer(config, rng, 2, 3, 11, 9, 3, 1, 1, relu=True, fft_size=8),
            random_layer(config, rng, 3, 6, 12, 12, 5, fft_size=16),
            random_layer(config, rng, 3, 2, 4, 4, 3, tile=4, fft_size=4),
            random_layer(config, rng, 1, 5, 9, 7, 3, 2, 1, fft_size=8)]
    assert [job.descriptor.values()["fft_shift"] for job in jobs] == [1, 0, 2, 1]
    check(config, jobs, gaps=0.2, stalls=0.3)


def test_smaller_fft_size_takes_more_group_buffers(rng):
    """Group buffers hold the layer's U/L sets: on an N = 16 build with two buffers of 144 sets,
    a 12-channel layer (three groups) streams its groups once per block at N = 16 but keeps all
    three at N = 8 (40 sets a group); both bit-exact, back to back."""
    config = AcceleratorConfig(pes=4, fft_size=16, max_channels=2, max_out_channels=12,
                               max_size=12, spectrum_tiles=2)
    jobs = [random_layer(config, rng, 2, 12, 10, 10, 3, 1, 1, fft_size=8),
            random_layer(config, rng, 2, 12, 10, 10, 3, 1, 1, fft_size=16)]
    schedules = [job.descriptor.schedule for job in jobs]
    assert config.weight_sets == 288 and [s.groups for s in schedules] == [3, 3]
    assert [s.weight_buffers for s in schedules] == [3, 2]
    assert [s.streams_groups for s in schedules] == [False, True]
    check(config, jobs, gaps=0.2, stalls=0.3)


@pytest.mark.parametrize("overlap", [False, True], ids=["one_by_one", "overlapped"])
def test_layers_overlapped_with_gaps_and_backpressure(rng, overlap):
    """With every layer's inputs offered at once, the next layer's descriptor, biases, pixels
    and weights load while the current one runs and drains, and the next run starts while its
    last outputs drain: bit-exact, counters equal to the schedule, the layers' spans
    overlapping. Heavy output backpressure keeps a drain going long into the next run (whose
    IFFT lanes must wait for it), and a one-tile layer that is not the last frees the feature
    map for the next layer's pixels only after its one tile. One by one, the second layer
    (three groups through two buffers, fewer weight beats than pixels, after a layer of four
    groups over five tile blocks) must not count the first's finished groups as free
    buffers."""
    config = AcceleratorConfig(pes=2, max_channels=3, max_out_channels=8, max_size=16,
                               spectrum_tiles=2)
    jobs = [random_layer(config, rng, 2, 8, 13, 11, 3, 1, 1, relu=True),
            random_layer(config, rng, 1, 6, 16, 16, 3),
            random_layer(config, rng, 3, 2, 6, 6, 3, tile=8),
            random_layer(config, rng, 1, 3, 9, 9, 5, 2, 2, relu=True)]
    schedules = [job.descriptor.schedule for job in jobs]
    assert [(s.groups, s.weight_buffers, s.streams_groups) for s in schedules[:2]] == \
        [(4, 2, True), (3, 2, True)]
    assert jobs[2].descriptor.tiling.tile_count == 1
    clocks = []
    results = check(config, jobs, gaps=0.2, stalls=0.9 if overlap else 0.3, overlap=overlap,
                    clocks=clocks, max_cycles=60_000)      # a hang fails in about a minute
    if overlap:
        assert clocks[0] < sum(counters["cycles"] for _, counters in results)


def test_descriptor_rejects_layers_beyond_the_build(rng):
    config = AcceleratorConfig(pes=4, max_channels=2, max_out_channels=4, max_size=10)
    fmt = layer_format(config)
    tiling = Tiling.choose((12, 12), 3, fft_size=8)
    job = random_layer(AcceleratorConfig(pes=4, max_channels=2, max_out_channels=4,
                                         max_size=12), rng, 2, 4, 12, 12, 3)
    with pytest.raises(ValueError, match="padded input height must be between 1 and 10"):
        LayerDescriptor(config, tiling, fmt, job.descriptor.quant, 2, 4)
    with pytest.raises(ValueError, match="layer FFT size must be a power of two between 4 and "
                                         "the build's 8, not 16"):
        LayerDescriptor(config, Tiling.choose((8, 8), 3, fft_size=16), fmt,
                        job.descriptor.quant, 2, 4)
    assert len(job.desc) == len(FIELDS)


@pytest.mark.parametrize("kwargs, message", [
    (dict(pes=0), "PE count must be between 1 and 4096, not 0"),
    (dict(pes=12, bin_lanes=8), "bin lanes must be a power of two dividing the PE count 12"),
    (dict(pes=8, bin_lanes=3), "bin lanes must be a power of two"),
    (dict(fft_size=12), "FFT size must be a power of two"),
    (dict(fft_size=128), "FFT size must be a power of two between 4 and 64"),
    (dict(pes=16, ifft_lanes=17), "IFFT lanes must be between 1 and 16, not 17"),
    (dict(data_width=3), "data width must be"),
    (dict(rounding="up"), "rounding must be one of"),
    (dict(clock_mhz=0), "clock must be between 1 and 1000 MHz, not 0"),
    (dict(max_channels=0), "max channels must be between 1 and 1024, not 0"),
])
def test_config_errors_name_the_parameter(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        AcceleratorConfig(**kwargs)


def test_default_geometry_rate_matches_lenet5():
    p16, p64, p12 = (AcceleratorConfig(pes=p) for p in (16, 64, 12))
    assert (p16.bin_lanes, p16.slots, p16.fft_lanes, p16.ifft_lanes) == (1, 16, 1, 3)
    assert (p64.bin_lanes, p64.slots, p64.fft_lanes, p64.ifft_lanes) == (4, 16, 4, 9)
    assert (p12.bin_lanes, p12.slots) == (1, 12)
