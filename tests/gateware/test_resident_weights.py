# amaranth: UnusedElaboratable=no
"""Weights that stay across layers (``--weight-sets``, the descriptor's ``weight_base`` and
``weights_resident``), for every generated PE kind in amaranth.sim: layers load their weights
into their own sets, and a later layer reuses an earlier one's without loading them again,
bit-exact, with no weight written or programmed."""

import numpy as np
import pytest
from support.accelsim import layer_weights, random_layer, run_layers

from fdagen.arch.config import AcceleratorConfig
from fdagen.golden.checks import ParameterError
from fdagen.host.descriptor import decode_output

# N = 4, P = 2 (one bin lane, J = 2): U/L = 12 bin steps; M <= 3 takes G <= 2 groups, so one
# layer holds up to 24 weight sets and the build below holds two such layers.
SMALL = dict(pes=2, fft_size=4, data_width=6, weight_width=6, spectrum_width=8, max_size=8,
             max_channels=3, max_out_channels=3, weight_sets=48)
KINDS = {"digital": {}, "reram": dict(pe_kind="reram", xbar_rows=32, adc_share=3)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_layer_reuses_resident_weights(kind):
    """A loads at base 0 (2 groups x 12 steps), B at base 24, then A and B again on new inputs
    with their weights resident: the weights stream carries their biases only."""
    config = AcceleratorConfig(**SMALL, **KINDS[kind])
    rng = np.random.default_rng(21)
    weights_a, weights_b = layer_weights(rng, 3, 3, 2), layer_weights(rng, 2, 2, 2)
    jobs = [random_layer(config, rng, 3, 3, 6, 6, 2, weights=weights_a, relu=True),
            random_layer(config, rng, 2, 2, 5, 5, 2, weights=weights_b, weight_base=24),
            random_layer(config, rng, 3, 3, 6, 6, 2, weights=weights_a, relu=True,
                         resident=True),
            random_layer(config, rng, 2, 2, 4, 5, 2, weights=weights_b, weight_base=24,
                         resident=True)]
    assert [len(job.weights) for job in jobs[2:]] == [3, 2]
    results = run_layers(config, [(j.desc, j.weights, j.pixels, j.expected.size) for j in jobs],
                         gaps=0.2, stalls=0.2, seed=3)
    for job, (words, counters) in zip(jobs, results):
        codes = decode_output(config, [v for v, _ in words], job.descriptor)
        np.testing.assert_array_equal(codes, job.expected)
        scheduled = job.descriptor.scheduled_counts()
        assert {name: counters[name] for name in scheduled} == scheduled
    for (_, counters), biases in zip(results[2:], (3, 2)):
        assert counters["weight_writes"] == 0 and counters["bias_writes"] == biases
        assert counters["program_pulses"] == counters["verify_reads"] == 0


def test_weight_sets_and_bases_are_checked():
    with pytest.raises(ParameterError, match=r"weight sets \(at least U/L = 12, one "
                                             r"output-channel group\) must be between 12 and "
                                             r"65536, not 10"):
        AcceleratorConfig(**{**SMALL, "weight_sets": 10})
    with pytest.raises(ParameterError, match=r"weight sets must be at least G U/L = 2 x 12 = 24 "
                                             r"for PE kind 'reram' \(its crossbars hold a "
                                             r"layer's every group\), not 20"):
        AcceleratorConfig(**{**SMALL, "weight_sets": 20}, **KINDS["reram"])
    config = AcceleratorConfig(**SMALL)
    rng = np.random.default_rng(1)
    # from base 25 one group buffer is left: the two groups stream through it
    job = random_layer(config, rng, 3, 3, 6, 6, 2, weight_base=25)
    assert job.descriptor.schedule.weight_buffers == 1
    assert job.descriptor.schedule.streams_groups
    with pytest.raises(ParameterError, match=r"weight base must be between 0 and 36 \(the "
                                             r"build's 48 weight sets less the layer's 12\), "
                                             r"not 40"):
        random_layer(config, rng, 3, 3, 6, 6, 2, weight_base=40)
    with pytest.raises(ParameterError, match=r"resident weights must fit the layer's weight "
                                             r"buffers: 2 groups, not 1"):
        random_layer(config, rng, 3, 3, 6, 6, 2, weight_base=25, resident=True)
    reram = AcceleratorConfig(**SMALL, **KINDS["reram"])
    with pytest.raises(ParameterError, match=r"weight buffers must be at least the layer's 2 "
                                             r"groups for PE kind 'reram' \(its weights are in "
                                             r"place before the run\), not 1"):
        random_layer(reram, rng, 3, 3, 6, 6, 2, weight_base=25)
