"""``fdagen cmc``, ``fdagen energy`` and ``fdagen explore``: the cost model from the command
line."""

import json
import sys

from fdagen.cli.common import (InputError, add_config_flags, add_layer_fft_size_flag,
                               fft_size_or_auto, int_list, word_list)
from fdagen.emit.outdir import check_output_directory
from fdagen.golden.polyphase import STRIDED_TREATMENTS


#: Build fields `fdagen energy` takes besides the kind's: the lanes and the streams' beats,
#: which move the latency (and the lanes the groups).
STREAM_FIELDS = ("bin_lanes", "fft_lanes", "ifft_lanes", "weight_beat_words", "pixel_beat_words")


def _cmd_energy(args):
    from fdagen.arch.config import KIND_FIELDS
    from fdagen.golden.networks import resolve_network
    from fdagen.model.components import load_library
    from fdagen.model.energy import EnergyModel, choose_fft_size, network_config
    from fdagen.model.report import format_report

    network = resolve_network(args.net)
    library = load_library(args.lib)
    options = {"clock_mhz": args.clock, "data_width": args.data_width,
               "weight_width": args.weight_width, "spectrum_width": args.data_width,
               "pe_kind": args.pe_kind}
    options.update({name: getattr(args, name) for name in (*KIND_FIELDS, *STREAM_FIELDS)
                    if getattr(args, name) is not None})
    per_layer = args.layer_fft_size == "least-energy"
    fft_size = args.fft_size or choose_fft_size(network, args.pes, library, args.node,
                                                args.resident, args.strided, per_layer,
                                                **options)
    config = network_config(network, args.pes, fft_size, args.resident, args.strided, library,
                            args.node, per_layer, **options)
    report = EnergyModel(config, library, args.node, args.strided,
                         layer_fft_size=per_layer).report(network, resident=args.resident)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _cmd_explore(args):
    from tqdm import tqdm

    from fdagen.arch.pe_kinds import PE_KINDS
    from fdagen.emit.outdir import write_output_directory
    from fdagen.golden.networks import resolve_network
    from fdagen.model.components import load_library
    from fdagen.model.explore import pareto, render_outputs, run_sweep, sweep_points

    check_output_directory(args.out, args.force)
    network = resolve_network(args.net)
    load_library(args.lib)                    # a bad library stops before the sweep
    if not 1 <= args.jobs <= 64:
        raise InputError(f"--jobs must be between 1 and 64, not {args.jobs}")
    for name, values, low, high in (("--pes", args.pes, 1, 4096),
                                    ("--fft-size", args.fft_size, 8, 64),
                                    ("--data-width", args.data_width, 4, 24)):
        for value in values:
            if not low <= value <= high or (name == "--fft-size" and value & (value - 1)):
                kind = "powers of two" if name == "--fft-size" else "integers"
                raise InputError(f"{name} values must be {kind} between {low} and {high}, "
                                 f"not {value}")
    for kind in args.pe_kind:
        if kind not in PE_KINDS:
            raise InputError(f"--pe-kind values must be {', '.join(PE_KINDS)}, not {kind!r}")
    points = sweep_points(args.pes, args.fft_size, args.data_width, args.pe_kind)
    with tqdm(total=len(points), desc=f"explore {network.name}", unit="config", disable=None,
              file=sys.stderr) as bar:
        rows = pareto(run_sweep(network, points, args.lib, args.node, args.jobs, bar.update))
    sweep = {"pes": args.pes, "fft_size": args.fft_size, "data_width": args.data_width,
             "pe_kind": args.pe_kind}
    files = render_outputs(network, rows, sweep, args.lib, args.node)
    write_output_directory(files, args.out, args.force)
    feasible = [r for r in rows if "infeasible" not in r]
    front = sorted((r for r in feasible if r["pareto"]),
                   key=lambda r: r["energy_per_inference_uj"])
    print(f"wrote {args.out}: {', '.join(sorted(files))}; {len(rows)} configurations, "
          f"{len(feasible)} feasible, {len(front)} on the Pareto set:")
    for r in front:
        print(f"  P={r['pes']:<4} N={r['fft_size']:<2} {r['data_width']:>2}-bit {r['pe_kind']:7} "
              f"{r['energy_per_inference_uj']:10.4g} uJ  {r['latency_s'] * 1e3:9.4g} ms  "
              f"{r['area_mm2']:8.4g} mm2")
    return 0


def _cmd_cmc(args):
    from fdagen.golden.cmc import format_table, network_counts
    from fdagen.golden.networks import resolve_network

    result = network_counts(resolve_network(args.net), args.fft_size)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0



def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from fdagen.golden.networks import NETWORKS

    cmc = commands.add_parser(
        "cmc", help="per-layer op and memory counts, spatial and spectral",
        description="Per-layer counts in both domains (the CMC view of Rizvi et al.): spatial "
                    "MACs, FFT butterflies, complex MACs, IFFT butterflies, weight and feature "
                    "map words.")
    cmc.add_argument("--net", required=True, metavar="NET",
                     help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json "
                          f"(see fdagen.golden.networks.load_network)")
    cmc.add_argument("--fft-size", type=int, metavar="N",
                     help="FFT size for every conv layer (default: cheapest per layer)")
    cmc.add_argument("--json", action="store_true", help="print JSON")
    cmc.set_defaults(handler=_cmd_cmc)

    from fdagen.arch.config import KIND_FIELDS
    from fdagen.arch.pe_kinds import PE_KINDS

    energy = commands.add_parser(
        "energy", help="energy, latency and area of a network on a build",
        description="Model a network's conv layers on the accelerator: counts from the "
                    "controller's schedule, cycles from the tile-pipeline model, energy and "
                    "area from the component library (every constant with its source), and "
                    "the same network on the baselines: a spatial-domain digital array with the "
                    "same multiplier budget, an ISAAC-like spatial ReRAM array with the build's "
                    "crossbar format, and (for a kind other than digital) the digital spectral "
                    "kind on the same build. Memories are sized to the network.")
    energy.add_argument("--pes", type=int, default=64, metavar="P",
                        help="processing elements (default %(default)s)")
    energy.add_argument("--net", required=True, metavar="NET",
                        help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json "
                             f"(a list of layers; see fdagen.golden.networks.load_network)")
    energy.add_argument("--fft-size", type=fft_size_or_auto, default=None, metavar="N",
                        help="the build's FFT size 8..64, or auto: the one with the least "
                             "energy (default auto)")
    add_layer_fft_size_flag(energy, "the model (as the host runs it)")
    energy.add_argument("--pe-kind", choices=PE_KINDS, default="digital",
                        help="; ".join(f"{k.name}: {k.description}" for k in PE_KINDS.values()))
    add_config_flags(energy, names=(*KIND_FIELDS, *STREAM_FIELDS))
    energy.add_argument("--resident", action="store_true",
                        help="size the weight sets to keep every layer's weights resident "
                             "(the report's build command gives --weight-sets): an inference "
                             "loads no weights; loading them once is reported apart")
    energy.add_argument("--strided", choices=STRIDED_TREATMENTS, default="polyphase",
                        help="how a layer with stride > 1 runs: as its stride-1 polyphase "
                             "form, C*min(s,K)^2 channels of ceil(K/s) kernels (default), or "
                             "decimate: at stride 1 over the whole input, every s-th output "
                             "kept")
    energy.add_argument("--node", type=float, default=32.0, metavar="NM",
                        help="technology node for the library's scaling rule (default 32)")
    energy.add_argument("--clock", type=float, default=100.0, metavar="MHZ",
                        help="clock for latency and throughput (default 100)")
    energy.add_argument("--data-width", type=int, default=16, metavar="BITS",
                        help="data and spectrum width (default 16)")
    energy.add_argument("--weight-width", type=int, default=16, metavar="BITS",
                        help="weight width (default 16)")
    energy.add_argument("--lib", metavar="MYLIB.toml",
                        help="component library entries that replace or add to the shipped "
                             "fdagen/model/components.toml")
    energy.add_argument("--json", action="store_true",
                        help="print the whole report as JSON (layers, sources, baseline)")
    energy.set_defaults(handler=_cmd_energy)

    explore = commands.add_parser(
        "explore", help="sweep configurations; CSV, JSON and a Pareto plot",
        description="Evaluate the energy model over the product of the lists given (memories "
                    "sized to the network; the spectrum width follows the data width) and "
                    "write explore.csv, explore.json and pareto.png (energy per inference "
                    "against latency, marker area ~ chip area, the Pareto set over all three "
                    "marked).")
    explore.add_argument("--pes", type=int_list, default=[16, 32, 64, 128], metavar="P,...",
                         help="PE counts (default 16,32,64,128)")
    explore.add_argument("--fft-size", type=int_list, default=[8, 16, 32], metavar="N,...",
                         help="FFT sizes (default 8,16,32)")
    explore.add_argument("--data-width", type=int_list, default=[16], metavar="BITS,...",
                         help="data widths (default 16)")
    explore.add_argument("--pe-kind", type=word_list(PE_KINDS), default=["digital"],
                         metavar="KIND,...", help="digital,reram (default digital)")
    explore.add_argument("--net", required=True, metavar="NET",
                         help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json")
    explore.add_argument("--node", type=float, default=32.0, metavar="NM",
                         help="technology node (default 32)")
    explore.add_argument("--lib", metavar="MYLIB.toml", help="component library overrides")
    explore.add_argument("--jobs", type=int, default=1, metavar="N",
                         help="worker processes (default 1)")
    explore.add_argument("--out", required=True, metavar="DIR", help="output directory")
    explore.add_argument("--force", action="store_true",
                         help="replace a non-empty output directory")
    explore.set_defaults(handler=_cmd_explore)
