"""SQNR of the bit-true pipeline against float, the figures quoted in README and docstrings.

    .venv/bin/python bench/sqnr.py [--json]

1. LeNet-5-sized layers (C1, C3, C5 geometries) on uniform inputs in [-1, 1) and weights
   N(0, 1/(C K K)), for the calibrated and the static 1/2-per-stage FFT schedules.
2. The trained LeNet-5 on real digits: per-layer SQNR (each layer against float on the same
   input) at the default format, with the host's tiles (one whole-map tile where N holds the
   map, as the accelerator runs it) and with N - K + 1 tiles ("tiled").
3. A width sweep (all words the same width) on LeNet-5 C3, to pick widths for a target SQNR.
4. The 3-D stack conv3d-small (C3D-style, 3x16x32x32 clips) bit-true through all three conv
   layers: He-initialised random weights N(0, 2/(C K^3)) and clips uniform in [0, 1) (no trained
   3-D weights ship), calibrated on 2 clips, judged per layer on 2 others; at the default format
   (calibrated and static schedules), with wider spectrum words (the IFFT input), which is
   where the 3-D path loses most, and with each other word wider for comparison.

Seeds are fixed, so the figures are repeatable to the last digit on any machine.
"""

import argparse
import json

import numpy as np

from fdagen.golden.digits import load_digits32
from fdagen.golden.direct import conv2d_direct
from fdagen.golden.model import FixedNetwork, load_weights
from fdagen.golden.networks import conv3d_small, lenet5
from fdagen.golden.pipeline import (FixedFormat, calibrate_layer, conv2d_fixed, quantize_input,
                                    sqnr_db)
from fdagen.golden.tiling import Tiling

LAYERS = {"C1": (1, 6, 32, 5), "C3": (6, 16, 14, 5), "C5": (16, 120, 5, 5)}


def random_layer_sqnr(name, fmt, seed=0):
    c, m, size, k = LAYERS[name]
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (c, size, size))
    w = rng.normal(0, 1 / np.sqrt(c * k * k), (m, c, k, k))
    b = rng.normal(0, 0.1, m)
    tiling = Tiling.choose((size, size), k, in_channels=c, out_channels=m)
    frac = fmt.data_width - 1
    codes = quantize_input(x, frac, fmt.data_width, fmt.rounding)
    quant = calibrate_layer([codes], w, b, tiling, fmt, frac)
    trace = conv2d_fixed(codes, w, b, tiling, fmt, quant)
    reference = conv2d_direct(np.ldexp(codes.astype(float), -frac), w, b)
    return sqnr_db(reference, trace.output())


def conv3d_small_sqnr(fmt, seed=0):
    """Per-layer SQNR of conv3d-small with seeded random weights and clips (see item 4)."""
    network = conv3d_small()
    rng = np.random.default_rng(seed)
    weights = {}
    for layer in network.conv_layers:
        c, m, k = layer.in_channels, layer.out_channels, layer.kernel
        weights[f"{layer.name}.w"] = rng.normal(0, np.sqrt(2 / (c * k ** 3)), (m, c, k, k, k))
        weights[f"{layer.name}.b"] = rng.normal(0, 0.05, m)
    clips = rng.uniform(0, 1, (4, network.in_channels, *network.in_shape))
    net = FixedNetwork(network, weights, clips[:2], fmt)
    return {k: round(float(v), 2) for k, v in net.layer_sqnr(clips[2:]).items()}


def main():
    parser = argparse.ArgumentParser(description="SQNR of the fixed-point pipeline vs float.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"random_layers": {}, "lenet5_digits": {}, "width_sweep_c3": {},
              "conv3d_small": {}}
    for scaling in ("calibrated", "per_stage"):
        fmt = FixedFormat(fft_scaling=scaling)
        report["random_layers"][scaling] = {
            name: round(random_layer_sqnr(name, fmt), 2) for name in LAYERS}
    calibration, _ = load_digits32("train")
    test, _ = load_digits32("test")
    for name, scaling, whole_map in (("calibrated", "calibrated", True),
                                     ("per_stage", "per_stage", True),
                                     ("tiled", "calibrated", False)):
        net = FixedNetwork(lenet5(), load_weights(), calibration[:64],
                           FixedFormat(fft_scaling=scaling), whole_map=whole_map)
        report["lenet5_digits"][name] = {
            k: round(float(v), 2) for k, v in net.layer_sqnr(test[:100]).items()}
    for width in (8, 10, 12, 14, 16, 18, 20):
        fmt = FixedFormat(data_width=width, twiddle_width=width, weight_width=width,
                          spectrum_width=width)
        report["width_sweep_c3"][width] = round(random_layer_sqnr("C3", fmt), 2)
    for name, fmt in (("calibrated", FixedFormat()),
                      ("per_stage", FixedFormat(fft_scaling="per_stage")),
                      ("spectrum 18b", FixedFormat(spectrum_width=18)),
                      ("spectrum 20b", FixedFormat(spectrum_width=20)),
                      ("data 20b", FixedFormat(data_width=20)),
                      ("weights 20b", FixedFormat(weight_width=20)),
                      ("twiddles 20b", FixedFormat(twiddle_width=20))):
        report["conv3d_small"][name] = conv3d_small_sqnr(fmt)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("SQNR (dB) of the bit-true pipeline vs float, 16-bit words unless stated")
    for section, title in (("random_layers", "LeNet-5-sized layers, random data"),
                           ("lenet5_digits", "trained LeNet-5 on digits (100 test images)"),
                           ("conv3d_small", "conv3d-small, random weights and clips (3-D)")):
        print(f"{title}:")
        for scaling, values in report[section].items():
            print(f"  {scaling:12s} " + "  ".join(f"{k} {v:6.2f}" for k, v in values.items()))
    print("width sweep, LeNet-5 C3 random data (all words one width, calibrated):")
    print("  " + "  ".join(f"{w}b {v:.1f}" for w, v in report["width_sweep_c3"].items()))


if __name__ == "__main__":
    main()
