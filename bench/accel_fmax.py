"""Accelerator Fmax on ECP5-85F with small buffers, for BENCHMARKS.md's step tables.

    .venv/bin/python bench/accel_fmax.py                   # P = 4 and 16, one after the other
    .venv/bin/python bench/accel_fmax.py --pes 16 --timeout 45 --json p16.json --out runs/
    .venv/bin/python bench/accel_fmax.py --pes 4 --placer heap        # nextpnr's HeAP placer

Each P runs ``fdagen synth --target ecp5 --pes P --max-channels 4 --max-out-channels 8
--max-size 16`` (YoWASP Yosys ``synth_ecp5``, nextpnr-ecp5 on an LFE5U-85F, speed 6, CABGA381,
out of context, 100 MHz constraint, seed 1, ``--placer`` static unless given: ``fdagen
synth``'s default for the accelerator) with a wall-clock limit, and reports Fmax, the critical
path (ends, delay, logic steps), the utilisation, the Yosys cell counts and the wall time
(Yosys included). A run past the limit is reported as such, not retried. With ``--out`` each
run's directory is kept (``p{P}``: the Verilog, ``nextpnr.log`` as it runs, its logic/routing
split per step, ``synth.json``). Run one at a time: nextpnr is single-threaded, and a second
heavy job on the 2-core machine moves the wall time.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_BUFFERS = ("--max-channels", "4", "--max-out-channels", "8", "--max-size", "16")


def synthesize(pes, timeout_minutes, out, placer="static"):
    command = [sys.executable, "-m", "fdagen", "synth", "--target", "ecp5", "--pes", str(pes),
               *SMALL_BUFFERS, "--placer", placer, "--out", str(out), "--force"]
    started = time.perf_counter()
    # a session of its own, so that a timeout stops nextpnr too, not only fdagen
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        if process.wait(timeout=timeout_minutes * 60) != 0:
            raise SystemExit(f"fdagen synth failed for P = {pes}")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        return {"pes": pes, "placer": placer, "finished": False,
                "limit_minutes": timeout_minutes}
    wall = time.perf_counter() - started
    report = json.loads((Path(out) / "synth.json").read_text())
    path = report.get("critical_path") or {}
    return {"pes": pes, "placer": placer, "finished": True, "wall_minutes": round(wall / 60, 1),
            "fmax_mhz": report["fmax_mhz"], "critical_path": path,
            "utilisation": report["utilisation"], "yosys_cells": report["yosys_cells"]}


def main():
    parser = argparse.ArgumentParser(description="Accelerator Fmax (see module docstring).")
    parser.add_argument("--pes", default="4,16", help="PE counts, comma-separated")
    parser.add_argument("--timeout", type=float, default=45.0,
                        help="wall-clock limit per run in minutes (default 45)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--out", help="keep each run's directory here (default: a temporary one)")
    parser.add_argument("--placer", choices=("heap", "static"), default="static",
                        help="nextpnr's placer (default static)")
    args = parser.parse_args()
    rows = []
    for pes in (int(p) for p in args.pes.split(",")):
        if args.out:
            row = synthesize(pes, args.timeout, Path(args.out) / f"p{pes}", args.placer)
        else:
            with tempfile.TemporaryDirectory() as out:
                row = synthesize(pes, args.timeout, out, args.placer)
        rows.append(row)
        if row["finished"]:
            print(f"P = {pes}: {row['fmax_mhz']} MHz in {row['wall_minutes']} min; "
                  f"critical path {json.dumps(row['critical_path'])}")
        else:
            print(f"P = {pes}: not finished within {args.timeout:g} min")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
