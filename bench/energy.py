"""Energy model figures for BENCHMARKS.md: LeNet-5 and AlexNet at P = 64, and a sweep.

    .venv/bin/python bench/energy.py [--pes 64] [--sweep-out DIR] [--jobs 2] [--json FILE]

Prints, per network: the FFT size the model picks (least energy), per-layer latency, energy,
PE efficiency and the spatial-baseline ratios, the energy breakdown by component, the area,
and the totals; AlexNet's strided conv1 decimated against polyphase (digital and reram PEs,
each at its least-energy N); then times the design-space sweep that ``fdagen explore`` runs
(7 PE counts x 4 FFT sizes x 2 data widths x 2 PE kinds = 112 configurations per network),
once in one process and once with ``--jobs`` workers, in the same run. Everything is analytic:
reruns give the same numbers; only the wall times vary with the machine's load.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from fdagen.emit.outdir import write_output_directory
from fdagen.golden.networks import get_network
from fdagen.model.components import load_library
from fdagen.model.energy import EnergyModel, choose_fft_size, network_config
from fdagen.model.explore import pareto, render_outputs, run_sweep, sweep_points

SWEEP = {"pes": [8, 16, 32, 64, 128, 256, 512], "fft_size": [8, 16, 32, 64],
         "data_width": [12, 16], "pe_kind": ["digital", "reram"]}


def network_tables(name, pes, library):
    network = get_network(name)
    fft_size = choose_fft_size(network, pes, library)
    report = EnergyModel(network_config(network, pes, fft_size, library=library),
                         library).report(network)
    t, b = report["totals"], report["baseline"]
    print(f"\n### {name}, P = {pes}, digital PEs, N = {fft_size} (least energy), 32 nm, "
          f"100 MHz\n")
    print(f"`fdagen energy --pes {pes} --net {name}`\n")
    print("| layer | N | tiles | cycles | latency | energy | PE eff. (layer / run) | "
          "baseline energy | baseline / FDA energy | baseline / FDA cycles |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for layer in report["layers"]:
        lb = layer["baselines"]["spatial_digital"]
        print(f"| {layer['name']} | {layer['fft_size']} | {layer['tiles']} | "
              f"{layer['cycles']['cycles']:,} | "
              f"{layer['latency_s'] * 1e3:.3f} ms | {layer['energy_pj'] / 1e6:.4g} uJ | "
              f"{layer['pe_efficiency']:.3f} / {layer['pe_efficiency_run']:.3f} | "
              f"{lb['energy_pj'] / 1e6:.4g} uJ | {lb['energy_pj'] / layer['energy_pj']:.3f} | "
              f"{lb['cycles'] / layer['cycles']['cycles']:.3f} |")
    print(f"| **total** | | | {t['cycles']:,} | {t['latency_s'] * 1e3:.3f} ms | "
          f"**{t['energy_pj'] / 1e6:.4g} uJ** | {t['pe_efficiency']:.3f} | "
          f"{b['energy_pj'] / 1e6:.4g} uJ | **{b['energy_ratio']:.3f}** | "
          f"{b['latency_ratio']:.3f} |")
    print(f"\nEnergy per inference {t['energy_pj'] / 1e6:.4g} uJ, "
          f"{t['inferences_per_s']:.4g} inferences/s, {t['tops_per_w']:.3g} TOPS/W "
          f"(baseline {b['tops_per_w']:.3g}), area {report['area']['total_mm2']:.4g} mm2.\n")
    print("| component | energy | share | library entries |")
    print("|---|---|---|---|")
    for part, entry in sorted(report["energy_by_component"].items(), key=lambda kv: -kv[1]["pj"]):
        print(f"| {part} | {entry['pj'] / 1e6:.4g} uJ | {100 * entry['share']:.1f} % | "
              f"{', '.join(s.split(':')[0] for s in entry['source'])} |")
    print("\n| area component | mm2 | share |")
    print("|---|---|---|")
    area = report["area"]
    for part, entry in sorted(area["components"].items(), key=lambda kv: -kv[1]["um2"]):
        print(f"| {part} | {entry['um2'] / 1e6:.4g} | {100 * entry['um2'] / area['total_um2']:.1f} % |")
    return report


def strided_treatments(name, pes, library, pe_kind):
    """Per layer, the network with its strided layers decimated (the accelerator's earlier
    dataflow: stride 1 over the whole input, every s-th output kept) against polyphase (the
    host's default now), each at its least-energy N, in the same run."""
    network = get_network(name)
    reports = {}
    for strided in ("decimate", "polyphase"):
        n = choose_fft_size(network, pes, library, strided=strided, pe_kind=pe_kind)
        config = network_config(network, pes, n, strided=strided, library=library,
                                pe_kind=pe_kind)
        reports[strided] = (n, EnergyModel(config, library, strided=strided).report(network))
    (n_before, before), (n_after, after) = reports["decimate"], reports["polyphase"]
    print(f"\n{name}, P = {pes}, {pe_kind} PEs: strided layers decimated (N = {n_before}) "
          f"against polyphase (N = {n_after}), each at its least-energy N\n")
    print(f"`fdagen energy --pes {pes} --net {name} --pe-kind {pe_kind} --strided "
          f"decimate|polyphase`\n")
    print("| layer | runs as (polyphase) | energy before | energy after | cycles before | "
          "cycles after | spatial digital / after | spatial ReRAM / after |")
    print("|---|---|---|---|---|---|---|---|")
    rows = list(zip(before["layers"], after["layers"])) + [(None, None)]
    for old, new in rows:
        if old is None:
            old, new = before["totals"], after["totals"]
            name_cell, runs = "**total**", ""
            spatial = after["baselines"]["spatial_digital"]["energy_pj"]
            reram = after["baselines"]["spatial_reram"]["energy_pj"]
            cycles_old, cycles_new = old["cycles"], new["cycles"]
        else:
            name_cell = new["name"]
            r = new["runs_as"]
            runs = (f"C={r['in_channels']} K={r['kernel']} on "
                    f"{'x'.join(map(str, r['in_shape']))}" if r["treatment"] == "polyphase"
                    else r["treatment"])
            spatial = new["baselines"]["spatial_digital"]["energy_pj"]
            reram = new["baselines"]["spatial_reram"]["energy_pj"]
            cycles_old, cycles_new = old["cycles"]["cycles"], new["cycles"]["cycles"]
        print(f"| {name_cell} | {runs} | {old['energy_pj'] / 1e6:.4g} uJ | "
              f"{new['energy_pj'] / 1e6:.4g} uJ | {cycles_old:,} | {cycles_new:,} | "
              f"{spatial / new['energy_pj']:.3f} | {reram / new['energy_pj']:.3f} |")
    return {"decimate": before["totals"], "polyphase": after["totals"],
            "fft_size": {"decimate": n_before, "polyphase": n_after}}


def sweep(name, jobs, out):
    network = get_network(name)
    points = sweep_points(*SWEEP.values())
    start = time.perf_counter()
    serial = run_sweep(network, points)
    one = time.perf_counter() - start
    start = time.perf_counter()
    rows = run_sweep(network, points, jobs=jobs)
    many = time.perf_counter() - start
    assert rows == serial
    pareto(rows)
    feasible = [r for r in rows if "infeasible" not in r]
    front = sorted((r for r in feasible if r["pareto"]), key=lambda r: r["energy_per_inference_uj"])
    print(f"\n{name}: {len(points)} configurations ({len(feasible)} feasible), "
          f"{one:.2f} s in one process, {many:.2f} s with {jobs} workers "
          f"({one / many:.2f}x, same run); Pareto set ({len(front)}):\n")
    print("| P | N | width | PE kind | energy/inference | latency | area | TOPS/W |")
    print("|---|---|---|---|---|---|---|---|")
    for r in front:
        print(f"| {r['pes']} | {r['fft_size']} | {r['data_width']} | {r['pe_kind']} | "
              f"{r['energy_per_inference_uj']:.4g} uJ | {r['latency_s'] * 1e3:.4g} ms | "
              f"{r['area_mm2']:.4g} mm2 | {r['tops_per_w']:.3g} |")
    if out:
        write_output_directory(render_outputs(network, rows, SWEEP, None, 32),
                               Path(out) / name, force=True)
    return {"configurations": len(points), "feasible": len(feasible),
            "seconds_one_process": one, "seconds_workers": many, "workers": jobs,
            "pareto": front}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pes", type=int, default=64)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sweep-out", metavar="DIR", help="also write explore outputs here")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    library = load_library()
    results = {}
    for name in ("lenet5", "alexnet"):
        results[name] = {"report": network_tables(name, args.pes, library)}
    for kind in ("digital", "reram"):
        results["alexnet"][f"strided_{kind}"] = strided_treatments("alexnet", args.pes,
                                                                   library, kind)
    for name in ("lenet5", "alexnet"):
        results[name]["sweep"] = sweep(name, args.jobs, args.sweep_out)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
