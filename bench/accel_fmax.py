"""Accelerator Fmax on ECP5-85F with small buffers, for BENCHMARKS.md's step tables.

    .venv/bin/python bench/accel_fmax.py                   # P = 4 and 16, one after the other
    .venv/bin/python bench/accel_fmax.py --pes 16 --timeout 45 --json p16.json --out runs/
    .venv/bin/python bench/accel_fmax.py --pes 4 --placer heap        # nextpnr's HeAP placer
    .venv/bin/python bench/accel_fmax.py --pes 16 --seeds 1,2,3 --jobs 2 --out runs/

Each P runs ``fdagen synth --target ecp5 --pes P --max-channels 4 --max-out-channels 8
--max-size 16`` (YoWASP Yosys ``synth_ecp5``, nextpnr-ecp5 on an LFE5U-85F, speed 6, CABGA381,
out of context, 100 MHz constraint, seed 1, ``--placer`` static and ``--dsp`` ecp5 unless
given: ``fdagen synth``'s defaults for the accelerator) with a wall-clock limit, and reports
Fmax, the critical path (ends, delay, logic steps), the utilisation, the Yosys cell counts and
the wall time (Yosys included). A run past the limit is reported as such, not retried. With
``--out`` each run's directory is kept (``p{P}``: the Verilog, ``nextpnr.log`` as it runs, its
logic/routing split per step, ``synth.json``). Run one at a time: nextpnr is single-threaded,
and a second heavy job on the 2-core machine moves the wall time.

``--seeds 1,2,3`` places and routes the same Yosys netlist once per nextpnr seed (the first
through ``fdagen synth``, the others in ``p{P}/seed{S}/``) and reports each seed's Fmax and
their median: one placement to the next moves this design's Fmax by several MHz, more than
one step of the Fmax work gains, so a step is judged by the median. ``--jobs 2`` runs two of the
extra seeds at once (the machine's two cores; nothing else should run beside it).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fdagen.arch.dsp import DSP_KINDS
from fdagen.flows.synth import SEEDS, SynthError, place_and_route

SMALL_BUFFERS = ("--max-channels", "4", "--max-out-channels", "8", "--max-size", "16")


def synthesize(pes, timeout_minutes, out, placer="static", seed=1, dsp=None):
    command = [sys.executable, "-m", "fdagen", "synth", "--target", "ecp5", "--pes", str(pes),
               *SMALL_BUFFERS, "--placer", placer, "--seed", str(seed), "--out", str(out),
               "--force", *(["--dsp", dsp] if dsp else [])]
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
    return {"pes": pes, "placer": placer, "seed": seed, "finished": True,
            "wall_minutes": round(wall / 60, 1), "fmax_mhz": report["fmax_mhz"],
            "critical_path": path, "utilisation": report["utilisation"],
            "yosys_cells": report["yosys_cells"]}


def reseed(pes, timeout_minutes, out, placer, seed):
    """Place and route ``out``'s Yosys netlist again with nextpnr seed ``seed``, in
    ``out/seed{seed}``."""
    directory = Path(out) / f"seed{seed}"
    directory.mkdir(exist_ok=True)
    netlist = directory / "netlist.json"
    netlist.unlink(missing_ok=True)
    os.link(Path(out) / "netlist.json", netlist)
    constraint = json.loads((Path(out) / "synth.json").read_text())["constraint_mhz"]
    started = time.perf_counter()
    try:
        report = place_and_route(directory, "ecp5", constraint, placer, seed,
                                 timeout_s=timeout_minutes * 60)
    except SynthError:
        return {"pes": pes, "placer": placer, "seed": seed, "finished": False,
                "limit_minutes": timeout_minutes}
    return {"pes": pes, "placer": placer, "seed": seed, "finished": True,
            "wall_minutes": round((time.perf_counter() - started) / 60, 1),
            "fmax_mhz": report["fmax_mhz"], "critical_path": report["critical_path"],
            "utilisation": report["utilisation"]}


def seeds_of(text):
    """The seeds of ``--seeds`` (comma-separated, each in fdagen synth's range)."""
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must be integers, comma-separated, not {text!r}")
    if not seeds or any(seed not in SEEDS for seed in seeds) or len(set(seeds)) < len(seeds):
        raise argparse.ArgumentTypeError(f"seeds must be distinct integers from 1 to "
                                         f"{SEEDS.stop - 1}, not {text!r}")
    return seeds


def show(row, timeout):
    name = f"P = {row['pes']}, seed {row['seed']}"
    if row["finished"]:
        print(f"{name}: {row['fmax_mhz']} MHz in {row['wall_minutes']} min; "
              f"critical path {json.dumps(row['critical_path'])}", flush=True)
    else:
        print(f"{name}: not finished within {timeout:g} min", flush=True)


def main():
    parser = argparse.ArgumentParser(description="Accelerator Fmax (see module docstring).")
    parser.add_argument("--pes", default="4,16", help="PE counts, comma-separated")
    parser.add_argument("--timeout", type=float, default=45.0,
                        help="wall-clock limit per run in minutes (default 45)")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--out", help="keep each run's directory here (default: a temporary one)")
    parser.add_argument("--placer", choices=("heap", "static"), default="static",
                        help="nextpnr's placer (default static)")
    parser.add_argument("--seeds", type=seeds_of, default=[1],
                        help="nextpnr seeds, comma-separated (default 1); the same netlist is "
                             "placed and routed once per seed")
    parser.add_argument("--dsp", choices=DSP_KINDS,
                        help="the multipliers' product registers (default: fdagen synth's, "
                             "ecp5: the MULT18X18D output registers)")
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=1,
                        help="extra seeds placed and routed at once (default 1)")
    args = parser.parse_args()
    rows = []
    for pes in (int(p) for p in args.pes.split(",")):
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(args.out) / f"p{pes}" if args.out else Path(scratch)
            first = synthesize(pes, args.timeout, out, args.placer, args.seeds[0], args.dsp)
            show(first, args.timeout)
            runs = [first]
            if first["finished"] and len(args.seeds) > 1:
                with ThreadPoolExecutor(args.jobs) as pool:
                    for row in pool.map(lambda seed: reseed(pes, args.timeout, out, args.placer,
                                                            seed), args.seeds[1:]):
                        show(row, args.timeout)
                        runs.append(row)
        finished = [row["fmax_mhz"]["clk"] for row in runs if row["finished"]]
        summary = {"pes": pes, "placer": args.placer, "dsp": args.dsp or "ecp5",
                   "seeds": args.seeds, "runs": runs, "finished": len(finished),
                   "median_mhz": statistics.median(finished) if finished else None,
                   "range_mhz": [min(finished), max(finished)] if finished else None}
        rows.append(summary)
        if len(args.seeds) > 1:
            print(f"P = {pes}: median {summary['median_mhz']} MHz over {len(finished)} of "
                  f"{len(runs)} seeds, range {summary['range_mhz']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
