"""LeNet-5 reduced under an accuracy limit (``fdagen optimize``), on the streamed-weights build
and on the resident-weights build, for BENCHMARKS.md.

    .venv/bin/python bench/optimize.py [--seeds 3] [--max-accuracy-drop 3]
                                       [--out bench/figures/optimize] [--render-only]

Runs ``fdagen optimize`` twice, one process pinned to one core and XLA single-threaded
(``taskset -c 0`` where present): streamed weights into ``OUT/streamed``, then ``--resident``
into ``OUT/resident``, timing each; then prints the Markdown tables: per strategy the chosen
network, its throughput and energy-efficiency gain and accuracy loss, and every candidate.
``--render-only`` prints the tables of runs already in ``OUT`` (wall times then unknown) and
redraws their ``optimize.png`` from ``optimize.json`` with the current plot code. The
weights files (``chosen-*.npz``) are removed from ``OUT`` (rerun the command to get them).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from fdagen.optimize.outputs import _plot, format_table

RUNS = {"streamed": [], "resident": ["--resident"]}


def run(name, args):
    out = args.out / name
    command = ["fdagen", "optimize", *RUNS[name], "--net", "lenet5", "--data", "digits",
               "--strategy", "size,depth,both", "--max-accuracy-drop",
               str(args.max_accuracy_drop), "--seeds", str(args.seeds), "--out", str(out),
               "--force"]
    env = dict(os.environ, OMP_NUM_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    executable = [sys.executable, "-m", "fdagen", *command[1:]]
    start = time.perf_counter()
    subprocess.run(pin + executable, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    for weights in out.glob("chosen-*.npz"):
        weights.unlink()
    return " ".join(command), wall


def tables(name, out, wall, redraw=False):
    document = json.loads((out / "optimize.json").read_text())
    rows = document["candidates"]
    trainings = len(rows) * document["settings"]["seeds"]
    command = textwrap.wrap(document["command"], 92, break_on_hyphens=False)
    print(f"\n#### {name} weights\n\n    " + " \\\n        ".join(command) + "\n")
    if wall is not None:
        print(f"Wall time {wall / 60:.1f} min for {len(rows)} candidates ({trainings} "
              f"trainings).\n")
    by_key = {r["key"]: r for r in rows}
    result = {"rows": rows, "max_drop": document["max_drop_pp"],
              "strategies": document["strategies"],
              "chosen": {s: by_key[k] for s, k in document["chosen"].items()}}
    print(format_table(result))
    if redraw:
        config = document["build"]["parameters"]
        (out / "optimize.png").write_bytes(_plot(result, (
            f"fdagen optimize: {rows[0]['network']} on {config['pes']} {config['pe_kind']} "
            f"PEs, N = {config['fft_size']}")))
    print("| candidate | input | conv channels | fixed-point accuracy (per seed) | drop | "
          "energy/inference | inferences/s | throughput gain | energy-eff. gain | status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        seeds = ", ".join(f"{100 * s['fixed_accuracy']:.2f}" for s in r["per_seed"])
        status = r["status"] + (f", chosen ({', '.join(r['chosen_for'])})"
                                if r["chosen_for"] else "")
        print(f"| {r['key']} | {r['in_size']} | {r['conv_channels']} | "
              f"{100 * r['fixed_accuracy']:.2f} % ({seeds}) | {r['drop_pp']:.2f} pp | "
              f"{r['energy_per_inference_uj']:.4g} uJ | {r['inferences_per_s']:.4g} | "
              f"{r['throughput_gain']:.2f}x | {r['energy_efficiency_gain']:.2f}x | {status} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-accuracy-drop", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("bench/figures/optimize"))
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args()
    walls = {}
    for name in RUNS:
        if not args.render_only:
            command, walls[name] = run(name, args)
            print(f"{command}: {walls[name]:.0f} s", file=sys.stderr)
    for name in RUNS:
        tables(name, args.out / name, walls.get(name), args.render_only)


if __name__ == "__main__":
    main()
