"""Whole-layer PE efficiency of single layers on the generated Verilog (issue 13's targets).

    .venv/bin/python bench/efficiency.py [--sim verilator] [--builds L:W:V,...] [--repeats K]
                                         [--layers NAME,...] [--json FILE]

Runs, as ``fdagen sim conv2d|conv3d --pes 16`` does (a build sized for the layer, an ideal host: no
input gaps, no output backpressure), LeNet-5 conv2 (C = 6, M = 16, 14x14, K = 5) on a real digit's
conv1 output, an AlexNet-conv3-like layer (C = 32, M = 48, 15x15, K = 3, padding 1) and two 3-D
layers on a 3-D build (``3d-small``: C = 3, M = 8, 8x16x16, K = 3, padding 1; ``3d-c3d-conv2``:
conv3d-small's conv2, C = 16, M = 32, 8x16x16, K = 3, padding 1) on seeded random data, each on
every build in ``--builds`` (``--layers`` picks some): ``L:W:V`` is ``--bin-lanes L`` (``auto``: the
default for P), ``--weight-beat-words W`` and ``--pixel-beat-words V``. Every output is checked
bit-exact against the golden model. Efficiency is the bound
``2 B_t C M U / P`` over the ``cycles`` counter (first descriptor word to last output pixel)
and over the run phase; the model's cycles (:mod:`fdagen.model.cycles`) are printed beside the
RTL's. Each layer runs ``--repeats`` times overlapped (every instance's inputs offered from the
start, so the next loads while the current one runs and drains): the first instance is the layer
alone, and the clocks between the later instances' counter reports are the period of a stream of
such layers, whose efficiency is the bound over that period.
"""

import argparse
import json
import sys
import tempfile

import numpy as np

from fdagen.arch.config import AcceleratorConfig
from fdagen.flows.simulate import layer_job, lenet5_jobs, run_rtl
from fdagen.golden.fixedpoint import quantize
from fdagen.golden.networks import Layer
from fdagen.golden.pipeline import calibrate_layer
from fdagen.golden.tiling import Tiling
from fdagen.host.descriptor import layer_format
from fdagen.model.components import load_library
from fdagen.model.energy import EnergyModel

PES = 16


def lenet_conv2(build):
    """LeNet-5 conv2 on test digit 0's conv1 output (pooled), shifts calibrated on 16 training
    images (:func:`fdagen.flows.simulate.lenet5_jobs`); ``build``: the build's options."""
    config = AcceleratorConfig(pes=PES, max_channels=6, max_out_channels=16,
                               **build)       # max size 32: conv1's too
    job = lenet5_jobs(config, image=0)[1]
    return config, job, Layer("conv2", "conv", 6, 16, (14, 14), 5, 1, 0)


def alexnet_conv3_like(build, seed=13):
    """C = 32, M = 48, 15x15, K = 3, padding 1, seeded random data and weights."""
    rng = np.random.default_rng(seed)
    c, m, size, k = 32, 48, 15, 3
    config = AcceleratorConfig(pes=PES, max_channels=c, max_out_channels=m, max_size=size + 2,
                               **build)
    x = rng.uniform(-1, 1, (c, size, size))
    w = rng.normal(0, 1 / np.sqrt(c * k * k), (m, c, k, k))
    b = rng.normal(0, 0.1, m)
    fmt = layer_format(config)
    codes = quantize(x, config.data_width - 1, config.data_width)
    tiling = Tiling.choose((size, size), k, 1, 1, fft_size=config.fft_size)
    quant = calibrate_layer([codes], w, b, tiling, fmt, config.data_width - 1, relu=True)
    job = layer_job(config, codes, w, b, tiling, fmt, quant)
    return config, job, Layer("conv3-like", "conv", c, m, (size, size), k, 1, 1)


def conv3d_layer(c, m, shape, name, seed=17):
    """A 3-D layer (K = 3, padding 1, ReLU) on seeded random data and weights, on a 3-D build
    sized for it."""
    def make(build):
        rng = np.random.default_rng(seed)
        k = 3
        config = AcceleratorConfig(pes=PES, dims=3, max_channels=c, max_out_channels=m,
                                   max_size=max(shape) + 2, **build)
        x = rng.uniform(-1, 1, (c, *shape))
        w = rng.normal(0, 1 / np.sqrt(c * k ** 3), (m, c, k, k, k))
        b = rng.normal(0, 0.1, m)
        fmt = layer_format(config)
        codes = quantize(x, config.data_width - 1, config.data_width)
        tiling = Tiling.choose(shape, k, 1, 1, fft_size=config.fft_size)
        quant = calibrate_layer([codes], w, b, tiling, fmt, config.data_width - 1, relu=True)
        job = layer_job(config, codes, w, b, tiling, fmt, quant)
        return config, job, Layer(name, "conv", c, m, shape, k, 1, 1)
    return make


#: The layers by ``--layers`` name.
LAYERS = {"lenet5-conv2": lenet_conv2, "conv3-like": alexnet_conv3_like,
          "3d-small": conv3d_layer(3, 8, (8, 16, 16), "3d-small"),
          "3d-c3d-conv2": conv3d_layer(16, 32, (8, 16, 16), "3d-c3d-conv2")}


def parse_builds(text):
    """``L:W:V,...`` -> a list of build option dicts (see the module docstring)."""
    builds = []
    for spec in text.split(","):
        lanes, words, pixels = spec.split(":")
        builds.append({"bin_lanes": None if lanes == "auto" else int(lanes),
                       "weight_beat_words": int(words), "pixel_beat_words": int(pixels)})
    return builds


def measure(make, build, simulator, library, repeats):
    config, job, layer = make(build)
    with tempfile.TemporaryDirectory() as work:
        result = run_rtl(config, [job] * repeats, work, simulator, overlap=True)
    rtl = result["layers"][0]
    if not all(np.array_equal(r["codes"], job.expected) for r in result["layers"]):
        raise AssertionError(f"{layer.name} on {build} differs from golden")
    periods = [r["bench_cycles"] for r in result["layers"][1:]]
    counters, bound = rtl["counters"], job.descriptor.bound_cycles
    model = EnergyModel(config, library).layer(
        layer, fft_size=job.descriptor.tiling.fft_size)["cycles"]
    return {"layer": layer.name, "bin_lanes": config.bin_lanes,
            "words": config.weight_beat_words, "pixel_words": config.pixel_beat_words,
            "groups": job.descriptor.schedule.groups, "bound": round(bound),
            **{name: counters[name] for name in ("cycles", "load_cycles", "run_cycles",
                                                  "drain_cycles", "pe_stall_weights",
                                                  "pe_stall_fft", "pe_stall_ifft")},
            "model_cycles": model["cycles"], "model_run_cycles": model["run_cycles"],
            "efficiency_layer": bound / counters["cycles"],
            "efficiency_run": bound / counters["run_cycles"],
            "period": sum(periods) / len(periods) if periods else None,
            "efficiency_overlapped": bound * len(periods) / sum(periods) if periods else None,
            "compile_s": round(result["compile_seconds"], 1),
            "run_s": round(result["run_seconds"], 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sim", default="verilator", choices=["verilator", "icarus"])
    parser.add_argument("--builds", default="auto:1:1,auto:8:1,auto:8:8,4:4:8",
                        help="builds to compare, L:W:V comma-separated (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="instances of each layer, overlapped (default %(default)s)")
    parser.add_argument("--layers", default=",".join(LAYERS),
                        help="layers to run, comma-separated (default %(default)s)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, not {args.repeats}")
    names = args.layers.split(",")
    for name in names:
        if name not in LAYERS:
            parser.error(f"--layers must name some of {', '.join(LAYERS)}, not {name!r}")
    library = load_library()
    rows = [measure(LAYERS[name], build, args.sim, library, args.repeats)
            for name in names for build in parse_builds(args.builds)]
    print(f"P = {PES}, {args.sim}, ideal host; efficiency = bound / cycles; overlapped: "
          f"{args.repeats} instances, the period between the later ones' reports\n")
    print("| layer | L | groups | weights a beat | pixels a beat | bound | cycles (model) | load | "
          "run (model) | drain | PE wait weights / FFT / IFFT | efficiency layer | "
          "efficiency run | period overlapped | efficiency overlapped |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['bin_lanes']} | {r['groups']} | {r['words']} | "
              f"{r['pixel_words']} | {r['bound']:,} | {r['cycles']:,} "
              f"({r['model_cycles']:,}) | {r['load_cycles']:,} | {r['run_cycles']:,} "
              f"({r['model_run_cycles']:,}) | {r['drain_cycles']:,} | {r['pe_stall_weights']:,} / "
              f"{r['pe_stall_fft']:,} / {r['pe_stall_ifft']:,} | {r['efficiency_layer']:.3f} | "
              f"{r['efficiency_run']:.3f} | "
              + (f"{r['period']:,.0f} | {r['efficiency_overlapped']:.3f} |" if r["period"]
                 else "- | - |"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
