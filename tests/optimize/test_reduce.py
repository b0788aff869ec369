"""Candidate networks of the three strategies (fdagen.optimize.reduce) and their CMC order."""

import math

import pytest

from fdagen.golden.checks import ParameterError
from fdagen.golden.networks import Layer, Network, alexnet, dump_network, lenet5, load_network
from fdagen.optimize.reduce import (STRATEGIES, candidates, cmc, cmc_key, conv_channels,
                                    fractions, reduce_network)


def test_unreduced_network_is_the_network():
    for network in (lenet5(), alexnet()):
        assert reduce_network(network) == network


def test_depth_keeps_the_ceiling_of_each_conv_layers_channels():
    net = reduce_network(lenet5(), depth=0.375)
    assert conv_channels(net) == "3-6-45"          # ceil(2.25), ceil(6), ceil(45)
    c3 = net.layers[2]
    assert c3.in_channels == 3 and net.layers[5].in_channels == 45     # F6 follows C5
    assert net.in_shape == (32, 32) and net.layers[-1].out_channels == 10
    assert conv_channels(reduce_network(lenet5(), depth=1 / 8)) == "1-2-15"


def test_depth_keeps_multiples_of_the_groups():
    # AlexNet's conv2, conv4 and conv5 have two groups: every reduced width stays divisible
    net = reduce_network(alexnet(), depth=0.3)
    convs = net.conv_layers
    for layer, consumer in zip(convs, convs[1:] + (None,)):
        assert layer.out_channels % layer.groups == 0
        if consumer is not None:
            assert layer.out_channels % consumer.groups == 0
    assert conv_channels(net) == "30-78-116-116-78"


def test_size_shrinks_every_map_and_clips_kernels_to_their_map():
    net = reduce_network(lenet5(), size=0.75)        # 24 x 24: C1 20, S2 10, C3 6, S4 3
    layers = {layer.name: layer for layer in net.layers}
    assert net.in_shape == (24, 24)
    assert layers["C3"].out_shape == (6, 6) and layers["S4"].out_shape == (3, 3)
    assert layers["C5"].kernel == 3 and layers["C5"].out_shape == (1, 1)
    assert layers["F6"].in_channels == 120 and conv_channels(net) == "6-16-120"
    tiny = reduce_network(lenet5(), size=1 / 8)      # 4 x 4: every later kernel clipped
    assert [layer.kernel for layer in tiny.layers if layer.kind != "fc"] == [4, 1, 1, 1, 1]
    assert all(layer.out_shape == (1, 1) for layer in tiny.layers[:5])


def test_fractions_and_bad_parameters():
    assert fractions(4) == [0.75, 0.5, 0.25]
    for bad, message in (({"levels": 1}, "levels must be an integer between 2 and 64, not 1"),):
        with pytest.raises(ParameterError, match=f"^{message}$"):
            fractions(**bad)
    with pytest.raises(ParameterError, match=r"^depth fraction must be in \(0, 1\], not 0$"):
        reduce_network(lenet5(), depth=0)
    with pytest.raises(ParameterError, match="^strategy must be one of size, depth, both, "
                                             "not 'width'$"):
        candidates(lenet5(), "width")
    no_conv = Network("mlp", 1, (8, 8), (Layer("fc1", "fc", 64, 10, ()),))
    with pytest.raises(ParameterError, match="^network 'mlp' must have at least one conv "
                                             "layer, not none$"):
        candidates(no_conv, "depth")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_candidates_are_ordered_by_cmc_and_all_below_the_baseline(strategy):
    found = candidates(lenet5(), strategy, levels=8)
    keys = [cmc_key(c.network) for c in found]
    assert keys == sorted(keys, reverse=True)
    assert all(key[0] < cmc_key(lenet5())[0] for key in keys)
    assert [c.step for c in found] == list(range(1, len(found) + 1))
    assert len({c.network.layers for c in found}) == len(found) == 7
    for c in found:
        assert (c.size == 1) == (strategy == "depth") and (c.depth == 1) == (strategy == "size")
        if strategy == "both":
            assert c.size == c.depth


def test_cmc_in_both_domains_by_hand():
    counts = cmc(lenet5())
    assert counts["spatial_workload"] == 405_600 + 10_920      # conv MACs + F6 + OUT
    assert counts["conv_spatial_macs"] == 6 * 25 * 784 + 16 * 6 * 25 * 100 + 120 * 16 * 25
    assert counts["spectral_workload"] == counts["conv_spectral_real_mults"] + 10_920
    weights = 6 * 25 + 16 * 6 * 25 + 120 * 16 * 25 + 120 * 84 + 84 * 10
    maps = (1024 + 6 * 784) + (6 * 196 + 16 * 100) + (16 * 25 + 120) + (120 + 84) + (84 + 10)
    assert counts["spatial_memory_words"] == weights + maps
    # fewer channels: both domains' workload and memory fall
    smaller = cmc(reduce_network(lenet5(), depth=0.5))
    assert all(smaller[k] < counts[k] for k in ("spatial_workload", "spectral_workload",
                                                 "spatial_memory_words",
                                                 "spectral_memory_words"))


def test_reduced_network_round_trips_through_a_network_file(tmp_path):
    for c in candidates(lenet5(), "both", levels=4):
        path = tmp_path / f"{c.step}.toml"
        path.write_text(dump_network(c.network, "a reduced LeNet-5\nsecond line"))
        assert load_network(path) == c.network
        assert path.read_text().startswith("# a reduced LeNet-5\n# second line\n")
    assert math.isclose(candidates(lenet5(), "both", levels=4)[0].size, 0.75)
