"""Board build figures for BENCHMARKS.md ("Board build (ULX3S 85F)"): one `fdagen board build`
of the default small configuration, to a bitstream, and the figures of its report.

    .venv/bin/python bench/board.py                   # ~15 min on one core
    .venv/bin/python bench/board.py --out DIR --json figures.json
    .venv/bin/python bench/board.py -- --pes 2        # extra `fdagen board build` options

It runs exactly `fdagen board build --board ulx3s-85f --out DIR [options]` (amaranth-boards
ULX3S_85F_Platform, YoWASP Yosys, nextpnr-ecp5 seed 1, ecppack), times it, and prints the wall
time, Fmax against the board's 25 MHz clock, the utilisation of the LFE5U-85F and the bitstream
size, as BENCHMARKS.md records them. Not part of the tests.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="build directory (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("options", nargs="*", help="extra fdagen board build options (after --)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="fdagen-board-")) / "ulx3s"
    command = [str(Path(sys.executable).parent / "fdagen"), "board", "build", "--board",
               "ulx3s-85f", "--out", str(out), *args.options]
    print(" ".join(command[1:]), flush=True)
    started = time.perf_counter()
    status = subprocess.run(command).returncode
    wall = time.perf_counter() - started
    report = json.loads((out / "board.json").read_text())
    figures = {"command": "fdagen " + " ".join(command[1:]).replace(str(out), "DIR"),
               "status": status, "wall_seconds": round(wall, 1),
               "fmax_mhz": report["fmax_mhz"], "constraint_mhz": report["constraint_mhz"],
               "timing_met": report["timing_met"], "utilisation": report["utilisation"],
               "bitstream_bytes": report["bitstream_bytes"], "seconds": report["seconds"],
               "configuration": report["configuration"], "tools": report["tools"]}
    print(f"wall time {wall / 60:.1f} min (elaborate {report['seconds']['elaborate']} s)")
    for clock, mhz in report["fmax_mhz"].items():
        print(f"Fmax {clock}: {mhz} MHz against {report['constraint_mhz']:g} MHz")
    for name, usage in report["utilisation"].items():
        print(f"{name:<14} {usage['used']:>6} / {usage['available']:<6} "
              f"({100 * usage['used'] / usage['available']:.1f} %)")
    print(f"bitstream {report['bitstream_bytes']} bytes (compressed)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
