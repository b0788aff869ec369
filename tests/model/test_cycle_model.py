# amaranth: UnusedElaboratable=no
"""The energy model against the accelerator in amaranth.sim on an ideal host: every count equal
to the perf counters, every cycle counter within ``modelcheck.CYCLE_TOLERANCE`` (see there for
the justification), over geometries that move each term of the model: P, L, LF, LI, N, stride,
padding, one tile and many, channel groups, FFT-, MAC- and IFFT-bound layers."""

import numpy as np
import pytest
from conftest import sample
from support.accelsim import random_layer, run_layers
from support.modelcheck import check_model_agrees

from fdagen.arch.config import AcceleratorConfig
from fdagen.golden.networks import Layer
from fdagen.model.components import load_library

# (config, (C, M, H, W, K, stride, padding))
CASES = [
    (dict(pes=4, max_channels=4, max_out_channels=8, max_size=16), (2, 3, 10, 9, 3, 1, 1)),
    (dict(pes=6, max_channels=4, max_out_channels=8, max_size=16), (3, 8, 7, 11, 3, 2, 1)),
    (dict(pes=6, max_channels=4, max_out_channels=8, max_size=16), (1, 5, 9, 9, 5, 1, 0)),
    (dict(pes=8, bin_lanes=2, fft_lanes=2, ifft_lanes=3, max_channels=4, max_out_channels=8,
          max_size=16), (4, 8, 6, 6, 2, 3, 2)),
    (dict(pes=1, fft_size=4, max_channels=3, max_out_channels=2, max_size=8),
     (3, 2, 5, 6, 2, 1, 0)),
    (dict(pes=5, fft_size=16, max_channels=2, max_out_channels=5, max_size=24),
     (2, 5, 17, 13, 7, 2, 3)),
    (dict(pes=16, bin_lanes=4, fft_lanes=3, ifft_lanes=2, max_channels=3, max_out_channels=7,
          max_size=12), (3, 7, 12, 12, 3, 1, 0)),
    (dict(pes=16, max_channels=1, max_out_channels=6, max_size=32), (1, 6, 32, 32, 5, 1, 0)),
    (dict(pes=16, max_channels=6, max_out_channels=16, max_size=32), (6, 16, 14, 14, 5, 1, 0)),
    (dict(pes=2, max_channels=8, max_out_channels=2, max_size=16), (8, 2, 8, 8, 3, 1, 0)),
    (dict(pes=32, fft_size=4, max_channels=2, max_out_channels=32, max_size=16),
     (2, 32, 12, 12, 3, 1, 0)),
    (dict(pes=4, fft_size=32, max_channels=1, max_out_channels=2, max_size=32),
     (1, 2, 20, 20, 5, 1, 0)),
    # groups streamed through two weight buffers, once per block of 4 tiles
    (dict(pes=4, bin_lanes=2, fft_lanes=2, max_channels=3, max_out_channels=9, max_size=16,
          spectrum_tiles=4), (3, 9, 13, 11, 3, 1, 1)),
    # groups streamed through two buffers over one block: the weights bound the run
    (dict(pes=16, max_channels=4, max_out_channels=64, max_size=16), (4, 64, 10, 10, 3, 1, 0)),
    # the same, eight weights a beat
    (dict(pes=16, max_channels=4, max_out_channels=64, max_size=16, weight_beat_words=8),
     (4, 64, 10, 10, 3, 1, 0)),
    # four groups drained beside the run (two overlap-add banks), eight pixels a beat
    (dict(pes=16, bin_lanes=4, max_channels=4, max_out_channels=16, max_size=16,
          weight_beat_words=4, pixel_beat_words=8), (4, 16, 14, 13, 3, 1, 1)),
]
#: Always run in CI: MAC-bound with stride and padding, several lanes, IFFT-bound at N = 4,
#: streamed weight groups over tile blocks, groups drained beside the run.
QUICK = (0, 3, 10, 12, 15)


def _id(case):
    kw, spec = case
    return f"p{kw['pes']}_n{kw.get('fft_size', 8)}_c{spec[0]}m{spec[1]}k{spec[4]}s{spec[5]}"


def _check(case, rng):
    kw, (c, m, h, w, k, stride, padding) = case
    config = AcceleratorConfig(**kw)
    job = random_layer(config, rng, c, m, h, w, k, stride, padding)
    [(_, counters)] = run_layers(config, [(job.desc, job.weights, job.pixels,
                                           job.expected.size)])
    layer = Layer("layer", "conv", c, m, (h, w), k, stride, padding)
    # the descriptor runs the layer at its stride (the RTL's decimation)
    check_model_agrees(config, layer, counters, load_library(), strided="decimate")


@pytest.mark.parametrize("case", [CASES[i] for i in QUICK], ids=_id)
def test_model_matches_simulated_counters(rng, case):
    _check(case, rng)


@pytest.mark.slow
@pytest.mark.parametrize("case", sample([c for i, c in enumerate(CASES) if i not in QUICK], 3),
                         ids=_id)
def test_model_matches_simulated_counters_sweep(rng, case):
    _check(case, rng)


# 3-D builds: (config, (C, M, (D, H, W), K, stride, padding)); measured exact (0 clocks
# off) in cycles, load, run and drain on these and on the C = 3, M = 8, 8x16x16 layer at P = 16
# that tests/flows/test_accelerator_rtl.py runs on Verilator
CASES_3D = [
    (dict(pes=4, fft_size=4, max_channels=2, max_out_channels=3, max_size=8),
     (2, 3, (3, 5, 4), 2, 1, 1)),
    (dict(pes=4, bin_lanes=2, fft_size=8, max_channels=2, max_out_channels=4, max_size=8),
     (1, 2, (3, 6, 6), 3, 1, 0)),
    (dict(pes=2, fft_size=4, max_channels=3, max_out_channels=5, max_size=8),
     (3, 5, (4, 6, 5), 1, 1, 0)),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", sample(CASES_3D, 2), ids=lambda case: (
    f"p{case[0]['pes']}_n{case[0]['fft_size']}_c{case[1][0]}m{case[1][1]}k{case[1][3]}"))
def test_model_matches_simulated_3d_counters(rng, case):
    """The depth pass in the latencies (:data:`fdagen.model.cycles.DEPTH_HANDOFF`), the slabs
    as bands, N^3 frames."""
    kw, (c, m, shape, k, stride, padding) = case
    config = AcceleratorConfig(dims=3, **kw)
    job = random_layer(config, rng, c, m, shape[1], shape[2], k, stride, padding,
                       depth=shape[0])
    [(_, counters)] = run_layers(config, [(job.desc, job.weights, job.pixels,
                                           job.expected.size)])
    layer = Layer("layer", "conv", c, m, shape, k, stride, padding)
    check_model_agrees(config, layer, counters, load_library(), strided="decimate")


def test_a_changed_latency_would_be_caught(rng):
    """The tolerance is tight enough to see one clock more per FFT frame."""
    from support.modelcheck import CYCLE_TOLERANCE

    from fdagen.arch.schedule import LayerSchedule
    from fdagen.golden.tiling import Tiling
    from fdagen.model.cycles import estimate_cycles

    config = AcceleratorConfig(pes=16, max_channels=6)
    schedule = LayerSchedule(config, Tiling.choose((14, 14), 5, fft_size=8), 6, 16)
    two, three = (estimate_cycles(schedule, clocks) for clocks in (2, 3))
    assert three.run_cycles - two.run_cycles > CYCLE_TOLERANCE * two.run_cycles
    assert np.isclose(two.pe_busy_cycles, 2 * schedule.mac_operations)
