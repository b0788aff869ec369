"""``fdagen optimize``: reduce a network's feature maps under an accuracy limit (Rizvi et al.)
and rate every step on an accelerator build."""

import json
import math
import shlex
import sys

from fdagen.cli.common import InputError, positive_int
from fdagen.emit.outdir import check_output_directory

__all__ = ["add_commands"]


def _strategies(text):
    from fdagen.optimize.reduce import STRATEGIES

    chosen = text.split(",")
    if not text or any(s not in STRATEGIES for s in chosen) or len(set(chosen)) < len(chosen):
        raise InputError(f"--strategy must be {', '.join(STRATEGIES)} or a comma-separated "
                         f"list of them, not {text!r}")
    return chosen


def _drop(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 100:
        raise InputError(f"--max-accuracy-drop must be a percentage between 0 and 100, "
                         f"not {text!r}")
    return value


#: The largest seed a training takes (jax.random.PRNGKey's and NumPy's seeds, 32-bit here).
_MAX_SEED = 2 ** 31 - 1


def _check_counts(args):
    """Refuse image counts beyond the data set's splits (none is silently cut short)."""
    from fdagen.golden.digits import load_digits

    train = len(load_digits("train", 8)[1])
    test = len(load_digits("test", 8)[1])
    if args.train_images is not None and args.train_images > train:
        raise InputError(f"--train-images must be at most {train} (the {args.data} training "
                         f"split), not {args.train_images}")
    if args.test_images is not None and args.test_images > test:
        raise InputError(f"--test-images must be at most {test} (the {args.data} test split), "
                         f"not {args.test_images}")
    used = train if args.train_images is None else args.train_images
    if args.calibration > used:
        raise InputError(f"--calibration must be at most the {used} training images used, not "
                         f"{args.calibration}")


#: The flags a run is reproduced with, in the order its command line gives them.
_RECORDED = ("net", "data", "strategy", "max_accuracy_drop", "levels", "epochs", "steps",
             "batch", "lr", "seed", "seeds", "train_images", "test_images", "calibration", "pes",
             "fft_size", "pe_kind", "node", "clock", "lib", "jobs", "out")


def _command(args):
    """The command line that repeats this run (every setting spelled out)."""
    words = ["fdagen", "optimize"] + (["--resident"] if args.resident else [])
    for name in _RECORDED:
        value = getattr(args, name)
        if value is not None:
            words += [f"--{name.replace('_', '-')}", f"{value:g}" if isinstance(value, float)
                      else str(value)]
    return shlex.join(words)


def _cmd_optimize(args):
    from tqdm import tqdm

    from fdagen.emit.outdir import write_output_directory
    from fdagen.golden.networks import resolve_network
    from fdagen.host.descriptor import layer_format
    from fdagen.model.components import load_library
    from fdagen.optimize.evaluate import Settings
    from fdagen.optimize.outputs import format_table, render_outputs
    from fdagen.optimize.reduce import fractions
    from fdagen.optimize.search import Build, check_network, search
    from fdagen.optimize.train import available, missing_message

    # every check before any training: nothing is written and no worker starts on bad input
    strategies = _strategies(args.strategy)
    max_drop = _drop(args.max_accuracy_drop)
    if not 1 <= args.jobs <= 64:
        raise InputError(f"--jobs must be between 1 and 64, not {args.jobs}")
    if not 1 <= args.seeds <= 16:
        raise InputError(f"--seeds must be between 1 and 16, not {args.seeds}")
    if not 0 <= args.seed <= _MAX_SEED - args.seeds + 1:
        raise InputError(f"--seed must be between 0 and {_MAX_SEED - args.seeds + 1} (with "
                         f"--seeds {args.seeds}), not {args.seed}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise InputError(f"--lr must be a positive finite number, not {args.lr:g}")
    _check_counts(args)
    fractions(args.levels)
    check_output_directory(args.out, args.force)
    network = check_network(resolve_network(args.net), args.data)
    load_library(args.lib)
    build = Build(args.pes, args.fft_size, args.pe_kind, args.node, args.clock, args.lib,
                  args.resident)
    if not available():
        raise InputError(missing_message())
    train = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "seed": args.seed}
    if args.steps is not None:
        train["steps"] = args.steps
    config, _ = build.configure(network)       # a build that cannot be made stops here
    settings = Settings(train=train, train_images=args.train_images,
                        test_images=args.test_images, calibration=args.calibration,
                        fmt=layer_format(config), mac=config.pe.build_mac(config),
                        seeds=args.seeds)
    with tqdm(total=1, desc=f"optimize {network.name}", unit="candidate", disable=None,
              file=sys.stderr) as bar:
        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)
        result = search(network, strategies, args.levels, max_drop, settings, build, args.jobs,
                        progress)
    command = _command(args)
    recorded = {"net": args.net, "data": args.data, "levels": args.levels,
                "train": train, "seeds": args.seeds, "train_images": args.train_images,
                "test_images": args.test_images, "calibration": args.calibration,
                "jobs": args.jobs}
    files = render_outputs(result, command, recorded)
    write_output_directory(files, args.out, args.force)
    # with --json, stdout holds the JSON alone (for a pipe); the summary line goes to stderr
    print(f"wrote {args.out}: {', '.join(sorted(files))}; {len(result['rows'])} candidates "
          f"rated on {result['config'].command()}", file=sys.stderr if args.json else sys.stdout)
    print(json.dumps({s: r["key"] for s, r in result["chosen"].items()}) if args.json
          else format_table(result), end="" if not args.json else "\n")
    return 0


def add_commands(commands):
    """Add ``optimize`` to ``commands`` (an argparse subparsers object)."""
    from fdagen.arch.pe_kinds import PE_KINDS
    from fdagen.golden.networks import NETWORKS
    from fdagen.optimize.train import TRAIN_DEFAULTS

    optimize = commands.add_parser(
        "optimize", help="reduce feature-map size, depth or both under an accuracy limit",
        description="Reduce a network's output feature maps step by step, after Rizvi et al. "
                    "(Applied Intelligence 53(4), 2023): their spatial size (a smaller input, "
                    "every map shrinking with it), their depth (fewer output channels per conv "
                    "layer) or both together. Each strategy's candidates, ordered by their "
                    "CMC (computational workload and memory access cost), are trained on the "
                    "digits, measured in float and in the bit-true fixed-point path, and rated "
                    "on the accelerator build fdagen energy sizes for the unreduced network; a "
                    "strategy stops at the first candidate whose fixed-point accuracy falls "
                    "more than the limit below the unreduced network's. Writes optimize.csv, "
                    "optimize.json, optimize.png (accuracy against energy per inference and "
                    "throughput), table.md (the gains) and each strategy's chosen network as "
                    "chosen-STRATEGY.toml with its weights chosen-STRATEGY.npz.")
    optimize.add_argument("--net", default="lenet5", metavar="NET",
                          help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json: one "
                               "input channel, square 2-D input, ending in an fc layer with 10 "
                               "outputs (default lenet5)")
    optimize.add_argument("--data", default="digits", choices=["digits"],
                          help="data set: scikit-learn's 8x8 digits resampled to the input "
                               "size (default digits)")
    optimize.add_argument("--strategy", default="size,depth,both", metavar="S[,S...]",
                          help="size, depth, both, or a comma-separated list (default all "
                               "three)")
    optimize.add_argument("--max-accuracy-drop", required=True, metavar="PCT",
                          help="largest fixed-point test accuracy loss accepted, percentage "
                               "points below the unreduced network, 0..100")
    optimize.add_argument("--levels", type=int, default=8, metavar="L",
                          help="steps of the ladder: fractions 1 - i/L, i = 1..L-1 (default "
                               "%(default)s)")
    group = optimize.add_argument_group("training (each candidate from scratch, seeded)")
    group.add_argument("--epochs", type=positive_int, default=TRAIN_DEFAULTS["epochs"],
                       metavar="E", help="epochs (default %(default)s)")
    group.add_argument("--steps", type=positive_int, metavar="N",
                       help="stop each training after N mini-batches (a short run)")
    group.add_argument("--batch", type=positive_int, default=TRAIN_DEFAULTS["batch"],
                       metavar="B", help="mini-batch size (default %(default)s)")
    group.add_argument("--lr", type=float, default=TRAIN_DEFAULTS["lr"], metavar="LR",
                       help="AdamW learning rate (default %(default)s)")
    group.add_argument("--seed", type=int, default=TRAIN_DEFAULTS["seed"], metavar="N",
                       help="seed of the initial weights and the shuffles (default "
                            "%(default)s)")
    group.add_argument("--seeds", type=int, default=1, metavar="K",
                       help="train each candidate K times (seeds SEED..SEED+K-1) and judge "
                            "the mean accuracy; the first seed's weights are kept (default "
                            "%(default)s)")
    group.add_argument("--train-images", type=positive_int, metavar="COUNT",
                       help="use only the first COUNT training images (default all 1347)")
    group.add_argument("--test-images", type=positive_int, metavar="COUNT",
                       help="use only the first COUNT test images (default all 450)")
    group.add_argument("--calibration", type=positive_int, default=64, metavar="COUNT",
                       help="training images the fixed-point shifts are calibrated on "
                            "(default %(default)s)")
    group.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="worker processes training candidates at once, each "
                            "single-threaded (default 1)")
    build = optimize.add_argument_group("the build every candidate is rated on (fdagen energy)")
    build.add_argument("--pes", type=positive_int, default=64, metavar="P",
                       help="processing elements (default %(default)s)")
    build.add_argument("--fft-size", type=positive_int, metavar="N",
                       help="the build's FFT size (default: least energy for the unreduced "
                            "network)")
    build.add_argument("--pe-kind", choices=sorted(PE_KINDS), default="digital",
                       help="PE kind (default %(default)s)")
    build.add_argument("--node", type=float, default=32.0, metavar="NM",
                       help="technology node (default 32)")
    build.add_argument("--clock", type=float, default=100.0, metavar="MHZ",
                       help="clock (default 100)")
    build.add_argument("--lib", metavar="MYLIB.toml", help="component library overrides")
    build.add_argument("--resident", action="store_true",
                       help="a build that keeps every conv layer's weights resident: an "
                            "inference loads none (as fdagen energy --resident)")
    optimize.add_argument("--out", required=True, metavar="DIR", help="output directory")
    optimize.add_argument("--force", action="store_true",
                          help="replace a non-empty output directory")
    optimize.add_argument("--json", action="store_true",
                          help="print the chosen candidates' keys as JSON, not the table")
    optimize.set_defaults(handler=_cmd_optimize)
