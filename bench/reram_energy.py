"""ReRAM kind energy tables for BENCHMARKS.md: spectral ReRAM against its three baselines.

    .venv/bin/python bench/reram_energy.py [--pes 64] [--adc-bits full,8,6] [--json FILE]

For LeNet-5 and AlexNet at N = 8 (AlexNet's stride-4 conv1 runs as its polyphase form with K = 3,
so N = 8 holds every kernel; it was AlexNet's least-energy N with one N for every layer, N = 32 with
per-layer sizes, BENCHMARKS.md; LeNet-5's at full ADC resolution
is N = 16, with 3x the latency and the area) on a ``--pe-kind reram`` build of ``--pes`` PEs sized
to the network (``fdagen energy --pe-kind reram``'s model): per layer the energy and cycles of the
spectral ReRAM build, of the spatial digital array with the same multiplier budget, of the
ISAAC-like spatial ReRAM array with the same crossbar format, and of the digital spectral kind
on the same build; the ADCs' and the programming's share of the energy; then the totals at
each ADC resolution asked for, and the endurance figures; then the same builds with every
weight resident (``fdagen energy --resident``: the weight sets sized to the network, loaded once)
against loading every layer's weights per inference. Everything is analytic (the schedule
the RTL counters equal, and the sourced component library): reruns give the same numbers.
"""

import argparse
import json
import sys
from pathlib import Path

from fdagen.golden.networks import get_network
from fdagen.model.components import load_library
from fdagen.model.energy import EnergyModel, network_config

NETWORKS = (("lenet5", 8), ("alexnet", 8))
BASELINES = ("spatial_digital", "spatial_reram", "spectral_digital")
PROGRAMMING = ("program_pulses", "verify_reads")


def _uj(pj):
    return f"{pj / 1e6:.4g}"


def _gain(other, mine):
    """``other / mine``: above 1 the spectral ReRAM build uses less."""
    ratio = other / mine
    return f"{ratio:.3g}x" if ratio >= 1 else f"1/{1 / ratio:.3g}"


def _share(energy, names, total):
    return 100 * sum(energy[n]["pj"] for n in names if n in energy) / total


def layer_table(name, report):
    t = report["totals"]
    print(f"\n### {name}, P = {report['config']['pes']}, N = {report['config']['fft_size']}, "
          f"{report['layers'][0]['energy']['adcs']['pj_per_event']:.3g} pJ per conversion "
          f"({report['layers'][0]['baselines']['spatial_reram']['adc_bits']}-bit ADCs)\n")
    print(f"`{report['command'].replace('fdagen build', 'fdagen energy --net ' + name)}`\n")
    print("| layer | spectral ReRAM uJ | ADC share | programming share | cycles | "
          "spatial digital uJ (gain) | spatial ReRAM uJ (gain) | spectral digital uJ (gain) | "
          "spatial ReRAM cycles |")
    print("|---|---|---|---|---|---|---|---|---|")
    for layer in report["layers"] + [None]:
        energy = (report["energy_by_component"] if layer is None else layer["energy"])
        mine = t["energy_pj"] if layer is None else layer["energy_pj"]
        others = report["baselines"] if layer is None else layer["baselines"]
        cycles = t["cycles"] if layer is None else layer["cycles"]["cycles"]
        cells = ["**total**" if layer is None else layer["name"], _uj(mine),
                 f"{_share(energy, ('adcs',), mine):.1f} %",
                 f"{_share(energy, PROGRAMMING, mine):.1f} %", f"{cycles:,}"]
        cells += [f"{_uj(others[b]['energy_pj'])} ({_gain(others[b]['energy_pj'], mine)})"
                  for b in BASELINES]
        cells.append(f"{others['spatial_reram']['cycles']:,}")
        print("| " + " | ".join(cells) + " |")
    e = report["endurance"]
    print(f"\nProgramming per inference: {e['cell_writes_per_inference']:,} cell writes into "
          f"{e['cells']:,} cells ({e['writes_per_cell_per_inference']['mean']:.3g} per cell on "
          f"average, up to {e['writes_per_cell_per_inference']['max']}), "
          f"{e['programming_cycles']:,} cycles = "
          f"{100 * e['programming_share_of_latency']:.1f} % of the latency; every weight "
          f"resident at once: {e['resident_sets_per_lane']} sets per lane "
          f"({e['resident_macros']} macros) against the build's {e['weight_sets_per_lane']}.")


def resident_table(name, fft_size, pes, library, results):
    """Per-inference energy and latency with weights loaded every layer (the default build)
    and resident (weight sets for the whole network), same kind and converters."""
    network = get_network(name)
    config = network_config(network, pes, fft_size, resident=True, library=library,
                            pe_kind="reram")
    resident = EnergyModel(config, library).report(network, resident=True)
    results["resident"] = resident
    loaded = results["full"]
    once = resident["weights"]["loaded_once"]
    print(f"\n{name}: weights loaded every layer (the default build, "
          f"{loaded['weights']['weight_sets']} weight sets per lane) against resident "
          f"(`--weight-sets {config.weight_sets}`), full-resolution ADCs\n")
    print("| weights | energy per inference uJ | latency ms | inferences/s | spatial ReRAM gain "
          "| area mm2 | loaded once |")
    print("|---|---|---|---|---|---|---|")
    for label, report in (("loaded per layer", loaded), ("resident", resident)):
        t = report["totals"]
        extra = (f"{_uj(once['energy_pj'])} uJ, {once['cycles']:,} cycles"
                 if report is resident else "-")
        print(f"| {label} | {_uj(t['energy_pj'])} | {t['latency_s'] * 1e3:.4g} | "
              f"{t['inferences_per_s']:.4g} | "
              f"{_gain(report['baselines']['spatial_reram']['energy_pj'], t['energy_pj'])} | "
              f"{report['area']['total_mm2']:.4g} | {extra} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pes", type=int, default=64)
    parser.add_argument("--adc-bits", default="full,8,6",
                        help="ADC resolutions of the totals table (full: the default)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    library = load_library()
    results = {}
    for name, fft_size in NETWORKS:
        network = get_network(name)
        results[name] = {}
        for bits in args.adc_bits.split(","):
            options = {} if bits == "full" else {"adc_bits": int(bits)}
            config = network_config(network, args.pes, fft_size, library=library,
                                    pe_kind="reram", **options)
            report = EnergyModel(config, library).report(network)
            results[name][bits] = report
            if bits == "full":
                layer_table(name, report)
        print(f"\n{name}: totals against the ADC resolution\n")
        print("| ADC bits | spectral ReRAM uJ | ADC share | spatial ReRAM uJ | spectral ReRAM / "
              "spatial ReRAM gain | spatial digital gain | area mm2 |")
        print("|---|---|---|---|---|---|---|")
        for bits, report in results[name].items():
            t, b = report["totals"], report["baselines"]
            resolution = report["layers"][0]["baselines"]["spatial_reram"]["adc_bits"]
            print(f"| {bits} ({resolution}) | {_uj(t['energy_pj'])} | "
                  f"{_share(report['energy_by_component'], ('adcs',), t['energy_pj']):.1f} % | "
                  f"{_uj(b['spatial_reram']['energy_pj'])} | "
                  f"{_gain(b['spatial_reram']['energy_pj'], t['energy_pj'])} | "
                  f"{_gain(b['spatial_digital']['energy_pj'], t['energy_pj'])} | "
                  f"{report['area']['total_mm2']:.4g} |")
        resident_table(name, fft_size, args.pes, library, results[name])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
