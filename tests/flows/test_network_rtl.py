"""Whole LeNet-5 through the generated accelerator under cocotb, the host in the loop
(``fdagen.tb.net_tb``, ``fdagen sim net``): the three conv layers on the RTL (C5's 120 output
channels in the build), pooling and the fully connected layers on the host.

A sample of the test digits runs in CI on the default P = 64 build (Verilator), with random
input gaps and output backpressure: every conv layer's output bit-exact with the golden
fixed-point path, the predicted classes equal, every schedule-determined counter equal to the
energy model's (weights loaded on the first image, resident on the others) and the run cycles
within its tolerance. The 100-digit run is in BENCHMARKS.md (``fdagen sim net --images 100``).
A network file with its weights (``fdagen optimize``'s chosen networks) runs the same way, on a
small Icarus build.
"""

import numpy as np
from support.modelcheck import check_model_agrees

from fdagen.cli import main
from fdagen.flows.simulate import run_network
from fdagen.golden.digits import load_digits32
from fdagen.golden.model import FixedNetwork, load_weights
from fdagen.golden.networks import dump_network, lenet5
from fdagen.host.descriptor import layer_format
from fdagen.host.network import NetworkHost
from fdagen.model.components import load_library
from fdagen.model.energy import network_config
from fdagen.optimize.reduce import reduce_network


def test_lenet5_digits_through_the_default_build_verilator(tmp_path):
    network, weights = lenet5(), load_weights()
    config = network_config(network, 64, 8, resident=True)
    assert config.max_out_channels == 120
    train, _ = load_digits32("train")
    test, _ = load_digits32("test")
    fixed = FixedNetwork(network, weights, list(train[:64]), layer_format(config),
                         config.fft_size)
    images = test[10:15]
    done = []
    result = run_network(NetworkHost(config, fixed), images, tmp_path, "verilator", gaps=0.2,
                         stalls=0.3, seed=5, progress=done.append)
    assert done[-1] == len(images)
    library = load_library()
    for index, (x, image) in enumerate(zip(images, result["images"])):
        traces = []
        logits = fixed.forward(x, traces)
        np.testing.assert_array_equal(image["logits"], logits)
        for layer, trace in zip(network.conv_layers, traces):
            rtl = image["layers"][layer.name]
            np.testing.assert_array_equal(rtl["codes"], trace.output_codes,
                                          err_msg=f"image {index}, {layer.name}")
            check_model_agrees(config, layer, rtl["counters"], library, ideal_host=False,
                               resident=index > 0, whole_map=True)


def test_sim_net_command(capsys):
    """``fdagen sim net`` on a small N = 16 build, each layer at the FFT size the energy model
    rates cheapest (C5 at 8): the report, and exit status 0 when everything equals the golden
    path."""
    assert main(["sim", "net", "--pes", "16", "--fft-size", "16", "--images", "2",
                 "--gaps", "0.1", "--stalls", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "2 test images through fdagen_accel_p16_n16 on verilator" in out
    assert "C1 at N = 16, C3 at N = 16, C5 at N = 8" in out
    assert "predicted classes equal to the golden fixed-point path's: 2 of 2" in out
    assert "every conv layer's output bit-exact: 2 of 2" in out
    assert "C5: " in out and "resident (mean of 1)" in out


def test_sim_net_runs_a_network_file_with_its_weights(tmp_path, capsys):
    """A reduced LeNet-5 as ``fdagen optimize`` writes its chosen networks (a network file from
    :func:`dump_network` and a .npz of ``"<layer>.w"``/``"<layer>.b"``; here the both strategy
    at f = 1/4: an 8 x 8 input, C3's kernel clipped to its 2 x 2 map, C5 a 1 x 1 conv) through
    ``fdagen sim net --net FILE --weights W.npz`` on a small Icarus build: every conv layer
    bit-exact with the golden path at that input size. Random weights: the RTL, not the
    accuracy, is under test."""
    network = reduce_network(lenet5(), size=0.25, depth=0.125)
    assert network.in_shape == (8, 8) and [layer.kernel for layer in network.conv_layers] == \
        [5, 2, 1]
    (tmp_path / "net.toml").write_text(dump_network(network))
    rng = np.random.default_rng(3)
    weights = {}
    for layer in network.layers:
        if layer.kind == "pool":
            continue
        shape = (layer.out_channels, layer.in_channels) + (
            (layer.kernel, layer.kernel) if layer.kind == "conv" else ())
        weights[f"{layer.name}.w"] = rng.normal(size=shape) / np.sqrt(np.prod(shape[1:]))
        weights[f"{layer.name}.b"] = 0.1 * rng.normal(size=shape[0])
    np.savez(tmp_path / "net.npz", **weights)
    assert main(["sim", "net", "--net", str(tmp_path / "net.toml"), "--weights",
                 str(tmp_path / "net.npz"), "--pes", "4", "--fft-size", "8", "--images", "2",
                 "--sim", "icarus", "--calibration", "8"]) == 0
    out = capsys.readouterr().out
    assert "lenet5-s0.25-d0.125 on digits: 2 test images through fdagen_accel_p4_n8" in out
    assert "predicted classes equal to the golden fixed-point path's: 2 of 2" in out
    assert "every conv layer's output bit-exact: 2 of 2" in out
