"""Whole-process time of ``fdagen build`` and the size of what it writes.

    .venv/bin/python bench/build_time.py [--runs 5] [--pes 4,64] [--compare OTHER_PYTHON]

For each PE count: the median (and min, max) wall time of ``fdagen build --pes P --out DIR`` as a
fresh process (interpreter start, imports, generation, writing), the line count of the top's
Verilog, how many of its lines are memory initialisers, and how many distinct ``$signal``-style
generated names all its Verilog files hold. One warm-up build runs first so that YoWASP's
one-time WebAssembly compile is not timed.

``--compare`` times a second installation (another venv's ``python``, e.g. one with an older
fdagen) in the same run, the two builds alternating, so that their ratio is measured on the
same machine load.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(python, pes, out, work):
    start = time.perf_counter()
    # run outside the source tree, so that each python imports its own installed fdagen
    subprocess.run([python, "-m", "fdagen", "build", "--pes", str(pes), "--out", str(out),
                    "--force"], check=True, capture_output=True, cwd=work)
    return time.perf_counter() - start


def figures(out):
    files = sorted(Path(out).glob("*.v"))
    top = min(files, key=lambda p: len(p.stem))
    lines = top.read_text().splitlines()
    names = set()
    for path in files:
        names |= {(path.name, n) for n in re.findall(r"\$signal\$\d+", path.read_text())}
    return {"file": top.name, "lines": len(lines),
            "initialiser_lines": sum(1 for line in lines if re.match(r"\s*\S+\[\d+\] = ", line)),
            "generated_names": len(names),
            "all_verilog_lines": sum(len(p.read_text().splitlines()) for p in files)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pes", default="4,64")
    parser.add_argument("--compare", metavar="OTHER_PYTHON")
    args = parser.parse_args()
    pythons = {"this": sys.executable}
    if args.compare:
        pythons["other"] = args.compare
    with tempfile.TemporaryDirectory() as work:
        for python in pythons.values():
            build(python, 4, Path(work, "warm"), work)
        print("| fdagen | P | median s | min s | max s | top | top lines | initialiser lines | "
              "$signal names | all .v lines |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for pes in (int(p) for p in args.pes.split(",")):
            times = {name: [] for name in pythons}
            for _ in range(args.runs):
                for name, python in pythons.items():
                    times[name].append(build(python, pes, Path(work, f"{name}{pes}"), work))
            medians = {}
            for name in pythons:
                f = figures(Path(work, f"{name}{pes}"))
                t = times[name]
                medians[name] = statistics.median(t)
                print(f"| {name} | {pes} | {medians[name]:.2f} | {min(t):.2f} | {max(t):.2f} | "
                      f"{f['file']} | {f['lines']} | {f['initialiser_lines']} | "
                      f"{f['generated_names']} | {f['all_verilog_lines']} |", flush=True)
            if args.compare:
                print(f"| ratio other/this | {pes} | {medians['other'] / medians['this']:.2f} "
                      f"| | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
