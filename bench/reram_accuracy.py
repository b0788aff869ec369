"""LeNet-5 accuracy on the digits test split with the conv layers' MACs in ReRAM crossbars
(the bit-true model, fdagen.golden.crossbar), against ADC bits, conductance variation and
stuck-at rate, for BENCHMARKS.md.

    .venv/bin/python bench/reram_accuracy.py [--test-images 200] [--calibration 32]
        [--seeds 0,1,2] [--jobs 2] [--out bench-out/reram]

Each point is what ``fdagen golden net --pe-kind reram --limit T --calibration C ...`` prints as
``spectral fixed reram``: the same code, one process per point. Three sweeps, every other
setting at its default (128-row crossbars, 2-bit cells, 1-bit DACs, full-resolution ADCs =
9 bits, ideal cells):

- ADC bits 3..9 with ideal cells (the ADC shift calibrated per layer). Ideal cells draw nothing
  at random, so this sweep is the same for every seed and runs once; it also reports the
  per-layer SQNR against float on ``--sqnr-images`` images.
- sigma (relative conductance variation) for each seed;
- stuck-at rate (half low, half high) for each seed.

Writes ``reram_accuracy.json`` and ``reram_accuracy.png`` to ``--out`` and prints the tables
as Markdown. Deterministic: the same arguments give the same numbers on any machine.
"""

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# One BLAS thread per worker: the crossbar model runs many small matrix products, and worker
# processes that each start a BLAS thread per core only fight over the cores.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

ADC_BITS = [3, 4, 5, 6, 7, 8, 9]
SIGMAS = [0.01, 0.02, 0.05, 0.1, 0.2]
STUCK_AT = [0.0001, 0.0003, 0.001, 0.003, 0.01]


def _data(args):
    from fdagen.golden.digits import load_digits32
    from fdagen.golden.model import load_weights
    from fdagen.golden.networks import get_network

    test_x, test_y = load_digits32("test")
    calibration, _ = load_digits32("train")
    return (get_network("lenet5"), load_weights(), test_x[:args.test_images],
            test_y[:args.test_images], calibration[:args.calibration])


def run_point(point):
    """Accuracy (and, for the ADC sweep, per-layer SQNR) of one ``(sweep, value, seed, args)``."""
    from fdagen.golden.crossbar import CrossbarFormat, CrossbarMAC, DeviceModel
    from fdagen.golden.model import FixedNetwork, accuracy

    sweep, value, seed, args = point
    network, weights, test_x, test_y, calibration = _data(args)
    fmt, device = CrossbarFormat(), DeviceModel(seed=seed)
    if sweep == "adc_bits":
        fmt = CrossbarFormat(adc_bits=value)
    elif sweep == "sigma":
        device = DeviceModel(sigma=value, seed=seed)
    elif sweep == "stuck_at":
        device = DeviceModel(stuck_low=value / 2, stuck_high=value / 2, seed=seed)
    mac = None if sweep == "digital" else CrossbarMAC(fmt, device)
    fixed = FixedNetwork(network, weights, calibration, fft_size=None, mac=mac)
    result = {"sweep": sweep, "value": value, "seed": seed,
              "accuracy": accuracy(fixed.forward, test_x, test_y)}
    if sweep in ("adc_bits", "digital"):
        sqnr = fixed.layer_sqnr(test_x[:args.sqnr_images])
        result["sqnr_db"] = {name: round(float(v), 2) for name, v in sqnr.items()}
        result["adc_shift"] = {name: q.adc_shift for name, q in fixed.quants.items()}
    if mac is not None:
        result["failures"] = sum(m.programmed.failures for m in fixed.macs.values())
        result["cells"] = sum(m.programmed.levels.size for m in fixed.macs.values())
    return result


def points(args):
    yield ("digital", None, 0, args)
    for bits in ADC_BITS:
        yield ("adc_bits", bits, 0, args)
    for seed in args.seeds:
        for sigma in SIGMAS:
            yield ("sigma", sigma, seed, args)
        for rate in STUCK_AT:
            yield ("stuck_at", rate, seed, args)


def summarise(results, sweep):
    """``{value: (mean, min, max, [per seed])}`` of a sweep's accuracies."""
    table = {}
    for r in results:
        if r["sweep"] == sweep:
            table.setdefault(r["value"], []).append(r["accuracy"])
    return {v: (sum(a) / len(a), min(a), max(a), a) for v, a in sorted(table.items())}


def plot(results, digital, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    for axis, (sweep, label, log) in zip(axes, [("adc_bits", "ADC bits (ideal cells)", False),
                                                ("sigma", "conductance variation sigma", True),
                                                ("stuck_at", "stuck-at rate (half low, half high)",
                                                 True)]):
        table = summarise(results, sweep)
        xs = list(table)
        mean = [100 * table[x][0] for x in xs]
        low = [100 * (table[x][0] - table[x][1]) for x in xs]
        high = [100 * (table[x][2] - table[x][0]) for x in xs]
        axis.errorbar(xs, mean, yerr=[low, high], marker="o", capsize=3,
                      label="reram (mean, min-max over seeds)")
        axis.axhline(100 * digital, color="gray", linestyle="--", label="digital PEs")
        axis.set_xlabel(label)
        if log:
            axis.set_xscale("log")
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel("LeNet-5 test accuracy (%)")
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle("LeNet-5 on digits, conv MACs in 128-row ReRAM crossbars "
                    "(2-bit cells, 1-bit DACs)", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test-images", type=int, default=200)
    parser.add_argument("--calibration", type=int, default=32)
    parser.add_argument("--sqnr-images", type=int, default=20)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="bench-out/reram")
    args = parser.parse_args(argv)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from tqdm import tqdm

    work = list(points(args))
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(tqdm(pool.map(run_point, work), total=len(work), file=sys.stderr,
                            desc="points"))
    digital = next(r for r in results if r["sweep"] == "digital")
    (out / "reram_accuracy.json").write_text(json.dumps(
        {"test_images": args.test_images, "calibration_images": args.calibration,
         "seeds": args.seeds, "results": results}, indent=2) + "\n")
    plot(results, digital["accuracy"], out / "reram_accuracy.png")

    print(f"LeNet-5, digits, first {args.test_images} test images, {args.calibration} "
          f"calibration images; digital PEs {100 * digital['accuracy']:.2f} %\n")
    layers = list(digital["sqnr_db"])
    print("| ADC bits | accuracy | ADC shift per layer | " +
          " | ".join(f"{n} SQNR" for n in layers) + " |")
    print("|---|---|---|" + "---|" * len(layers))
    for r in (r for r in results if r["sweep"] == "adc_bits"):
        shifts = ", ".join(str(s) for s in r["adc_shift"].values())
        print(f"| {r['value']} | {100 * r['accuracy']:.2f} % | {shifts} | " +
              " | ".join(f"{r['sqnr_db'][n]:.1f} dB" for n in layers) + " |")
    print("| digital | " + f"{100 * digital['accuracy']:.2f} % | - | " +
          " | ".join(f"{digital['sqnr_db'][n]:.1f} dB" for n in layers) + " |")
    for sweep, name in (("sigma", "sigma"), ("stuck_at", "stuck-at rate")):
        print(f"\n| {name} | mean accuracy | min | max | per seed |")
        print("|---|---|---|---|---|")
        for value, (mean, low, high, each) in summarise(results, sweep).items():
            print(f"| {value:g} | {100 * mean:.2f} % | {100 * low:.2f} % | {100 * high:.2f} % | "
                  + ", ".join(f"{100 * a:.2f}" for a in each) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
