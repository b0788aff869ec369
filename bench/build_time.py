"""Whole-process time of ``fdagen build`` and the size of what it writes.

    .venv/bin/python bench/build_time.py [--runs 5] [--pes 4,64]

For each PE count: the median (and min, max) wall time of ``fdagen build --pes P --out DIR`` as a
fresh process (interpreter start, imports, generation, writing), the line count of the top's
Verilog, and how many of its lines are memory initialisers and ``$signal``-style generated
names. One warm-up build runs first so that YoWASP's one-time WebAssembly compile is not timed.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FDAGEN = [sys.executable, "-m", "fdagen"]


def build(pes, out):
    start = time.perf_counter()
    subprocess.run(FDAGEN + ["build", "--pes", str(pes), "--out", str(out), "--force"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def top_figures(out):
    top = next(p for p in sorted(Path(out).glob("fdagen_accel_*.v")) if p.stem.count("_") == 3)
    text = top.read_text()
    lines = text.splitlines()
    return {
        "file": top.name,
        "lines": len(lines),
        "initialiser_lines": sum(1 for line in lines if re.match(r"\s*\S+\[\d+\] = ", line)),
        "generated_names": len(set(re.findall(r"\\?\$signal\$\d+", text))),
        "all_verilog_lines": sum(len(p.read_text().splitlines())
                                 for p in Path(out).glob("*.v")),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pes", default="4,64")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        build(4, Path(work, "warm"))
        print("| P | median s | min s | max s | top | top lines | initialiser lines | "
              "$signal names | all .v lines |")
        print("|---|---|---|---|---|---|---|---|---|")
        for pes in (int(p) for p in args.pes.split(",")):
            out = Path(work, f"p{pes}")
            times = [build(pes, out) for _ in range(args.runs)]
            f = top_figures(out)
            print(f"| {pes} | {statistics.median(times):.2f} | {min(times):.2f} | "
                  f"{max(times):.2f} | {f['file']} | {f['lines']} | {f['initialiser_lines']} | "
                  f"{f['generated_names']} | {f['all_verilog_lines']} |", flush=True)


if __name__ == "__main__":
    main()
