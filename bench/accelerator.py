"""Accelerator figures for BENCHMARKS.md: PE efficiency on LeNet-5, simulator speed, synthesis.

    .venv/bin/python bench/accelerator.py                # efficiency and simulator speed (~10 min)
    .venv/bin/python bench/accelerator.py --synth        # + ECP5-85F synthesis of P = 16
    .venv/bin/python bench/accelerator.py --pes 16 --json out.json
    .venv/bin/python bench/accelerator.py --pe-kind reram --pes 64 --simulators verilator

Every figure comes from the generated Verilog (`fdagen build` output) run under cocotb
(`fdagen.flows.simulate.run_rtl`): LeNet-5 conv1 then conv2, back to back, on test digit 0 with
shifts calibrated on 16 training images, ideal host (no input gaps, no output backpressure). Cycle
counts are the accelerator's own perf counters; the bench checks each layer bit-exact against the
golden model and that Icarus and Verilator report identical counters.

Efficiency is the bound ``I B_t C M U / (P C_op)`` (every PE busy on every cycle; ``I`` the
kind's issue interval, ``C_op`` the channels one operation sums: 2 and 1 for digital PEs, the
crossbars' operation time and C for ReRAM) over measured cycles,
for the whole layer (first descriptor word to last output pixel: the ``cycles`` counter) and
for the compute phase (RUN: from the end of the load to the last IFFT frame). Load and drain
are bounded by the streams, one word a clock: ``max(biases, pixel beats)`` for digital PEs,
whose weights stream into the run (``max(weight beats, pixel beats)`` for crossbars, which
take every weight first), and the output pixel count; the table gives both, and the run's
waits for the spectra, a free output-spectrum slot and the weights.

Simulator speed is simulated cycles over the wall time of the cocotb run (bench start-up
included), both simulators on the same job in this one process, one after the other.
Synthesis: YoWASP Yosys `synth_ecp5` and nextpnr-ecp5 `--85k --speed 6 --package CABGA381
--out-of-context`, constraint at the configuration's clock (100 MHz), seed 1.
"""

import argparse
import json
import sys
import tempfile
import time

import numpy as np

from fdagen.arch.config import AcceleratorConfig
from fdagen.emit.accelerator import render_accelerator
from fdagen.emit.outdir import verilog_sources, write_output_directory
from fdagen.flows.simulate import lenet5_jobs, run_rtl
from fdagen.flows.synth import run_synthesis

LAYER_NAMES = ("conv1", "conv2")


def run(config, simulator, jobs):
    with tempfile.TemporaryDirectory() as work:
        result = run_rtl(config, jobs, work, simulator)
    for name, job, layer in zip(LAYER_NAMES, jobs, result["layers"]):
        if not np.array_equal(layer["codes"], job.expected):
            raise AssertionError(f"{name} at P={config.pes} on {simulator} differs from golden")
    return result


def efficiency_rows(config, jobs, result):
    rows = []
    for name, job, layer in zip(LAYER_NAMES, jobs, result["layers"]):
        c, d = layer["counters"], job.descriptor
        rows.append({
            "pes": config.pes, "layer": name, "tiles": d.tiles,
            "bound": d.bound_cycles, "cycles": c["cycles"], "load": c["load_cycles"],
            "load_floor": max(job.descriptor.out_channels if config.pe.streams_weights
                              else len(job.weights), len(job.pixels)),
            "run": c["run_cycles"],
            "drain": c["drain_cycles"], "drain_floor": int(job.expected.size),
            "efficiency_layer": d.bound_cycles / c["cycles"],
            "efficiency_run": d.bound_cycles / c["run_cycles"],
            "pe_stall_fft": c["pe_stall_fft"], "pe_stall_ifft": c["pe_stall_ifft"],
            "pe_stall_weights": c["pe_stall_weights"], "fft_frames": c["fft_frames"],
            "ifft_frames": c["ifft_frames"],
            # reuse: useful complex MACs per input-spectrum read (broadcast to the slots) and
            # per FFT frame (spectra re-read for every channel group, never recomputed)
            "macs_per_spectrum_read": d.schedule.complex_macs / c["spectrum_reads"],
            "macs_per_fft_frame": d.schedule.complex_macs / c["fft_frames"],
        })
    return rows


def synthesize(config):
    with tempfile.TemporaryDirectory() as parent:
        out = f"{parent}/rtl"
        files = render_accelerator(config)
        write_output_directory(files, out)
        started = time.perf_counter()
        report = run_synthesis(out, verilog_sources(files), config.top, "ecp5",
                               config.clock_mhz)
        report["wall_seconds"] = round(time.perf_counter() - started, 1)
        return report


def main():
    parser = argparse.ArgumentParser(description="Accelerator benchmarks (see module docstring).")
    parser.add_argument("--pes", default="16,64", help="PE counts, comma-separated")
    parser.add_argument("--simulators", default="verilator,icarus",
                        help="simulators to run (the speed table needs both; efficiency comes "
                             "from the first)")
    parser.add_argument("--pe-kind", default="digital",
                        help="PE kind of the builds (default digital; reram: the crossbars at "
                             "their default flags)")
    parser.add_argument("--synth", action="store_true", help="also synthesize P = 16 for ECP5")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    figures = {"efficiency": [], "runs": [], "speed": [], "synthesis": None}
    for pes in (int(p) for p in args.pes.split(",")):
        config = AcceleratorConfig(pes=pes, pe_kind=args.pe_kind)
        jobs = lenet5_jobs(config)
        runs = {sim: run(config, sim, jobs) for sim in args.simulators.split(",")}
        counters = [[layer["counters"] for layer in r["layers"]] for r in runs.values()]
        if any(c != counters[0] for c in counters):
            raise AssertionError(f"P={pes}: the simulators' counters differ")
        figures["efficiency"] += efficiency_rows(config, jobs, next(iter(runs.values())))
        cycles = int(sum(layer["bench_cycles"] for layer in next(iter(runs.values()))["layers"]))
        figures["runs"] += [{"pes": pes, "simulator": sim, "cycles": cycles,
                             "compile_s": round(r["compile_seconds"], 1),
                             "run_s": round(r["run_seconds"], 1),
                             "cycles_per_s": round(cycles / r["run_seconds"])}
                            for sim, r in runs.items()]
        if len(runs) < 2:
            continue
        speed = {"pes": pes, "cycles": cycles}
        for sim, r in runs.items():
            speed[sim] = {"compile_s": round(r["compile_seconds"], 1),
                          "run_s": round(r["run_seconds"], 1),
                          "cycles_per_s": round(cycles / r["run_seconds"])}
        speed["ratio"] = round(speed["verilator"]["cycles_per_s"]
                               / speed["icarus"]["cycles_per_s"], 1)
        figures["speed"].append(speed)

    print("| P | layer | tiles | bound | cycles | load (floor) | run | drain (floor) | "
          "eff. layer | eff. run | PE wait FFT | PE wait IFFT | PE wait weights | "
          "MACs / spectrum read | MACs / FFT frame |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in figures["efficiency"]:
        print(f"| {r['pes']} | {r['layer']} | {r['tiles']} | {r['bound']:.0f} | {r['cycles']} | "
              f"{r['load']} ({r['load_floor']}) | {r['run']} | {r['drain']} ({r['drain_floor']}) "
              f"| {r['efficiency_layer']:.3f} | {r['efficiency_run']:.3f} | {r['pe_stall_fft']} "
              f"| {r['pe_stall_ifft']} | {r['pe_stall_weights']} "
              f"| {r['macs_per_spectrum_read']:.1f} | "
              f"{r['macs_per_fft_frame']:.0f} |")
    print("\nrun: wall time of the cocotb run, simulator and bench start-up included")
    print("| P | simulator | cycles | compile (s) | run (s) | cycles/s |")
    print("|---|---|---|---|---|---|")
    for r in figures["runs"]:
        print(f"| {r['pes']} | {r['simulator']} | {r['cycles']} | {r['compile_s']} | "
              f"{r['run_s']} | {r['cycles_per_s']} |")
    if figures["speed"]:
        print()
    print("| P | cycles | Icarus compile / run (s) | Icarus cycles/s | Verilator compile / run "
          "(s) | Verilator cycles/s | Verilator / Icarus |")
    print("|---|---|---|---|---|---|---|")
    for s in figures["speed"]:
        i, v = s["icarus"], s["verilator"]
        print(f"| {s['pes']} | {s['cycles']} | {i['compile_s']} / {i['run_s']} | "
              f"{i['cycles_per_s']} | {v['compile_s']} / {v['run_s']} | {v['cycles_per_s']} | "
              f"{s['ratio']}x |")
    sys.stdout.flush()          # the tables are out before the long synthesis starts
    if args.synth:
        figures["synthesis"] = report = synthesize(AcceleratorConfig(pes=16))
        use = report["utilisation"]
        print(f"\nECP5 P=16: Fmax {report['fmax_mhz']} MHz (constraint "
              f"{report['constraint_mhz']:g}); " + ", ".join(
                  f"{k} {v['used']}/{v['available']}" for k, v in use.items())
              + f"; critical path {report['critical_path']}; {report['wall_seconds']} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
