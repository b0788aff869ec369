"""Strided layers as stride-1 layers over polyphase components (golden.polyphase).

The rearrangement is exact: on integer codes the stride-1 correlation of the phases equals the
strided correlation of the input exactly (float64 sums of small integers are exact); on floats
the two differ only by summation order, budget 1e-12 of the sum of |products|.
"""

import numpy as np
import pytest

from fdagen.golden.checks import ParameterError
from fdagen.golden.direct import conv_direct, relu
from fdagen.golden.model import FixedNetwork
from fdagen.golden.networks import Layer, Network, alexnet
from fdagen.golden.pipeline import quantize_input, sqnr_db
from fdagen.golden.polyphase import Polyphase, layer_polyphase, runs_as

# (spatial shape, K, stride, padding): odd sizes, K a multiple of s and not, K < s, K = 1,
# padding, non-square, and 3-D
SHAPES = [
    ((227, 227), 11, 4, 0), ((13, 17), 3, 2, 1), ((10, 9), 5, 3, 2), ((8, 8), 1, 2, 0),
    ((9, 11), 2, 3, 0), ((12, 12), 7, 2, 3), ((16, 15), 4, 4, 1), ((7, 7), 7, 3, 0),
    ((6, 9, 8), 3, 2, 1), ((9, 7, 10), 5, 3, 0),
]


def _ids(shape):
    extent, k, s, p = shape
    return f"{'x'.join(map(str, extent))}_k{k}s{s}p{p}"


@pytest.mark.parametrize("shape", SHAPES, ids=_ids)
def test_phases_compute_the_strided_layer_exactly_on_codes(rng, shape):
    extent, k, s, p = shape
    phases = Polyphase(extent, k, s, p)
    x = rng.integers(-128, 128, (2,) + extent)
    w = rng.integers(-128, 128, (3, 2) + (k,) * len(extent))
    direct = conv_direct(x.astype(np.float64), w.astype(np.float64), None, s, p)
    run_x, run_w = phases.inputs(x), phases.weights(w)
    assert run_x.dtype == x.dtype and run_w.dtype == w.dtype
    assert run_x.shape == (phases.channels(2),) + phases.phase_shape
    assert run_w.shape == (3, phases.channels(2)) + (phases.phase_kernel,) * len(extent)
    stride_one = conv_direct(run_x.astype(np.float64), run_w.astype(np.float64), None, 1, 0)
    assert stride_one.shape[1:] == phases.output_shape == direct.shape[1:]
    np.testing.assert_array_equal(stride_one, direct)
    # every weight lands in exactly one phase kernel; the rest of the phase kernels is zero
    assert np.count_nonzero(run_w) == np.count_nonzero(w)
    assert np.abs(run_w).sum() == np.abs(w).sum()


@pytest.mark.parametrize("shape", SHAPES[:6], ids=_ids)
def test_phases_compute_the_strided_layer_on_floats(rng, shape):
    extent, k, s, p = shape
    phases = Polyphase(extent, k, s, p)
    x = rng.standard_normal((3,) + extent)
    w = rng.standard_normal((4, 3) + (k,) * len(extent))
    b = rng.standard_normal(4)
    direct = conv_direct(x, w, b, s, p)
    stride_one = conv_direct(phases.inputs(x), phases.weights(w), b, 1, 0)
    budget = 1e-12 * conv_direct(np.abs(x), np.abs(w), None, s, p).max()
    assert np.abs(stride_one - direct).max() <= budget


def test_phase_count_and_geometry():
    conv1 = alexnet().conv_layers[0]
    run = runs_as(conv1)
    assert (run.in_channels, run.in_shape, run.kernel, run.stride, run.padding) == \
        (48, (57, 57), 3, 1, 0)
    assert runs_as(conv1, "decimate") is conv1
    assert layer_polyphase(alexnet().conv_layers[1]) is None          # stride 1
    assert Polyphase((8, 8), 1, 2, 0).phases == 1                     # K < s: one phase
    assert Polyphase((9, 9, 9), 3, 4, 0).phases == 27
    assert Polyphase((227, 227), 11, 4, 0).describe(3) == \
        "stride 4 as 16 polyphase components: 48 channels, K=3 on 57x57"
    grouped = Layer("g", "conv", 8, 6, (15, 15), 5, 2, 1, groups=2)
    assert runs_as(grouped).in_channels == 32 and runs_as(grouped).groups == 2


def test_grouped_layer_keeps_each_groups_phases_together(rng):
    """Channel ``c`` becomes channels ``c P .. c P + P - 1``: group ``g``'s input channels
    stay contiguous, so a grouped layer runs group by group as before."""
    phases = Polyphase((11, 11), 3, 2, 0)
    x = rng.integers(-9, 9, (4, 11, 11))
    w = rng.integers(-9, 9, (6, 2, 3, 3))                        # 2 groups of 2 -> 3
    run_x, run_w = phases.inputs(x), phases.weights(w)
    per = phases.phases
    for g in range(2):
        direct = conv_direct(x[2 * g:2 * g + 2].astype(float), w[3 * g:3 * g + 3].astype(float),
                             None, 2, 0)
        stride_one = conv_direct(run_x[2 * g * per:(2 * g + 2) * per].astype(float),
                                 run_w[3 * g:3 * g + 3].astype(float), None, 1, 0)
        np.testing.assert_array_equal(stride_one, direct)


@pytest.mark.parametrize("args, message", [
    (((4, 4), 7, 2, 1), "kernel size must be at most the padded input size 6, not 7"),
])
def test_bad_geometry_is_refused(args, message):
    with pytest.raises(ParameterError, match=message):
        Polyphase(*args)


def test_wrong_operand_shapes_are_refused():
    phases = Polyphase((9, 9), 3, 2, 0)
    with pytest.raises(ParameterError, match=r"input spatial shape must be \(9, 9\), not"):
        phases.inputs(np.zeros((1, 9, 8)))
    with pytest.raises(ParameterError, match=r"kernel shape must be \(3, 3\), not"):
        phases.weights(np.zeros((1, 1, 2, 2)))


def test_fixed_network_runs_strided_layers_as_polyphase(rng):
    """The bit-true network path runs a strided conv as its polyphase form, at the SQNR of a
    stride-1 layer."""
    network = Network("strided", 2, (19, 19), (
        Layer("c1", "conv", 2, 4, (19, 19), 5, 3, 1), Layer("c2", "conv", 4, 3, (6, 6), 3, 2, 0)))
    weights = {"c1.w": rng.normal(0, 0.3, (4, 2, 5, 5)), "c1.b": rng.normal(0, 0.05, 4),
               "c2.w": rng.normal(0, 0.3, (3, 4, 3, 3)), "c2.b": rng.normal(0, 0.05, 3)}
    images = [rng.uniform(-1, 1, (2, 19, 19)) for _ in range(4)]
    fixed = FixedNetwork(network, weights, images)
    assert [(t.shape, t.kernel, t.stride, t.padding) for t in fixed.tilings.values()] == \
        [((7, 7), 2, 1, 0), ((3, 3), 2, 1, 0)]
    for image in images[:2]:
        traces = []
        fixed.forward(image, traces)
        assert [t.input_codes.shape[0] for t in traces] == [18, 16]
        assert traces[1].output_codes.shape == (3, 2, 2)
        # each layer against the direct strided definition on the layer's own input
        inputs = [np.ldexp(quantize_input(image, fixed.input_frac, 16, "convergent")
                           .astype(float), -fixed.input_frac),
                  np.ldexp(traces[0].output_codes.astype(float),
                           -fixed.quants["c1"].output_frac)]
        for layer, x, trace in zip(network.conv_layers, inputs, traces):
            reference = relu(conv_direct(x, weights[f"{layer.name}.w"],
                                         weights[f"{layer.name}.b"], layer.stride,
                                         layer.padding))
            assert trace.output().shape == reference.shape
            assert sqnr_db(reference, trace.output()) > 60
