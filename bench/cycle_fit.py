"""The cycle model against the RTL, case by case, for refitting its hand-off constants.

    .venv/bin/python bench/cycle_fit.py --rtl rtl.json                 # simulate (~8 min), save
    .venv/bin/python bench/cycle_fit.py --rtl rtl.json --reuse         # the saved counters
    .venv/bin/python bench/cycle_fit.py --rtl rtl.json --reuse INVERSE_HANDOFF=22 BAND_START=4

Runs every geometry of ``tests/model/test_cycle_model.py`` (``CASES``) through the accelerator
in amaranth.sim on an ideal host, once (``--reuse`` reads the saved counters instead), and
prints, per case, the model's error in ``cycles``, ``run_cycles`` and ``drain_cycles`` as the
test checks them (the drain's against the run's end), and the worst. ``NAME=VALUE`` arguments
override constants of :mod:`fdagen.model.cycles` for this evaluation only, to try a refit
before editing the module. Not part of the tests.
"""

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import numpy as np  # noqa: E402

import fdagen.model.cycles as cycles  # noqa: E402
from fdagen.arch.config import AcceleratorConfig  # noqa: E402
from fdagen.golden.networks import Layer  # noqa: E402
from fdagen.model.components import load_library  # noqa: E402
from fdagen.model.energy import EnergyModel  # noqa: E402

TIMED = ("cycles", "run_cycles", "drain_cycles")


def model_cases():
    """``CASES`` of ``tests/model/test_cycle_model.py``: (config keywords, layer)."""
    spec = importlib.util.spec_from_file_location(
        "test_cycle_model", ROOT / "tests" / "model" / "test_cycle_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def simulate(cases):
    """The RTL's counters for each case (as the test runs it: a random layer, decimated)."""
    from support.accelsim import random_layer, run_layers
    counters = []
    for index, (keywords, (c, m, h, w, k, stride, padding)) in enumerate(cases):
        config = AcceleratorConfig(**keywords)
        job = random_layer(config, np.random.default_rng(index), c, m, h, w, k, stride, padding)
        [(_, layer_counters)] = run_layers(config, [(job.desc, job.weights, job.pixels,
                                                     job.expected.size)])
        counters.append({name: int(value) for name, value in layer_counters.items()})
        print(f"simulated case {index}", file=sys.stderr, flush=True)
    return counters


def errors(cases, counters):
    """Per case: {counter: (model - RTL, percent of the test's scale)}."""
    library = load_library()
    rows = []
    for (keywords, (c, m, h, w, k, stride, padding)), rtl in zip(cases, counters):
        config = AcceleratorConfig(**keywords)
        layer = Layer("layer", "conv", c, m, (h, w), k, stride, padding)
        model = EnergyModel(config, library, strided="decimate", whole_map=False).layer(
            layer, fft_size=config.fft_size)["cycles"]
        row = {}
        for name in TIMED:
            scale = rtl[name] + (rtl["run_cycles"] if name == "drain_cycles" else 0)
            row[name] = (model[name] - rtl[name], 100 * (model[name] - rtl[name]) / scale)
        rows.append(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rtl", type=Path, required=True,
                        help="JSON of the RTL counters (written, or read with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="read --rtl instead of simulating")
    parser.add_argument("overrides", nargs="*", metavar="NAME=VALUE",
                        help="constants of fdagen.model.cycles to override")
    args = parser.parse_args(argv)
    for override in args.overrides:
        name, _, value = override.partition("=")
        if not hasattr(cycles, name) or not value.isdigit():
            parser.error(f"an override must be NAME=VALUE with NAME a constant of "
                         f"fdagen.model.cycles and VALUE an integer, not {override!r}")
        setattr(cycles, name, int(value))
    cases = model_cases()
    if args.reuse:
        counters = json.loads(args.rtl.read_text())
    else:
        counters = simulate(cases)
        args.rtl.write_text(json.dumps(counters))
    rows = errors(cases, counters)
    for index, row in enumerate(rows):
        print(f"case {index:2d}: " + "  ".join(f"{name} {diff:+5d} ({pct:+.2f} %)"
                                            for name, (diff, pct) in row.items()))
    worst = max(abs(pct) for row in rows for _, pct in row.values())
    print(f"worst {worst:.2f} %")


if __name__ == "__main__":
    main()
