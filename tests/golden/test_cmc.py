import pytest

from fdagen.golden.cmc import format_table, layer_counts, network_counts
from fdagen.golden.networks import get_network, lenet5


def test_lenet5_shapes_and_spatial_macs():
    layers = {layer.name: layer for layer in lenet5().layers}
    assert layers["C1"].out_shape == (28, 28) and layers["C3"].out_shape == (10, 10)
    assert layers["C5"].out_shape == (1, 1) and layers["F6"].in_channels == 120
    counts = {c["layer"]: c for c in network_counts(lenet5())["layers"]}
    assert counts["C1"]["spatial_macs"] == 6 * 1 * 25 * 28 * 28
    assert counts["C3"]["spatial_macs"] == 16 * 6 * 25 * 10 * 10
    assert counts["C5"]["spatial_macs"] == 120 * 16 * 25
    assert counts["F6"]["spatial_macs"] == 120 * 84


def test_lenet5_c1_spectral_counts_by_hand():
    c1 = lenet5().layers[0]
    counts = layer_counts(c1, fft_size=16)          # T = 12: 3 x 3 tiles of 32 x 32
    bins = 16 * 9
    assert counts["tiles"] == 9 and counts["unique_bins"] == bins
    assert counts["complex_macs"] == 9 * 1 * 6 * bins
    assert counts["fft_frames"] == 9 and counts["ifft_frames"] == 9 * 6
    assert counts["fft_butterflies"] == 9 * (16 + 9) * 8 * 4
    assert counts["spectral_weight_words"] == 6 * bins
    assert counts["input_words"] == 1024 and counts["output_words"] == 6 * 784


def test_alexnet_totals_match_published_figures():
    # AlexNet (grouped, 227x227): 666M conv MACs and 58.6M fc MACs, 724M in all, the figure
    # commonly quoted for the original network (e.g. Sze et al., Proc. IEEE 105(12), 2017).
    totals = network_counts(get_network("alexnet"))["totals"]
    assert totals["conv_spatial_macs"] == 665_784_864
    assert totals["fc_macs"] == 58_621_952
    assert totals["conv_spatial_weight_words"] == 2_332_704


def test_spectral_wins_for_big_kernels_loses_for_k1():
    net = get_network("alexnet")
    conv2 = next(layer for layer in net.layers if layer.name == "conv2")
    assert layer_counts(conv2)["spectral_over_spatial"] < 1
    from fdagen.golden.networks import Layer
    pointwise = Layer("pw", "conv", 64, 64, (14, 14), kernel=1)
    assert layer_counts(pointwise)["spectral_over_spatial"] > 1


def test_table_lists_every_counted_layer():
    table = format_table(network_counts(get_network("conv3d-small")))
    assert all(name in table for name in ("conv1", "conv2", "conv3"))


def test_unknown_network():
    with pytest.raises(ValueError, match=r"^network must be one of lenet5, alexnet, "
                                         r"conv3d-small, not 'vgg'$"):
        get_network("vgg")
