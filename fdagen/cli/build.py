"""``fdagen build`` and ``fdagen synth``: generate the accelerator or one block, and synthesize it.

The accelerator's flags are its configuration's fields (:func:`fdagen.arch.config.flag`); a
``--config FILE.toml`` gives the same keys, and flags override it."""

import json
from dataclasses import replace
from pathlib import Path

from fdagen.arch.config import flag
from fdagen.cli.common import InputError, Parser, add_config_flags
from fdagen.emit.outdir import check_output_directory
from fdagen.golden.checks import ParameterError


def _accelerator_keys():
    """The configuration file's keys: :class:`AcceleratorConfig`'s fields, in order."""
    from dataclasses import fields

    from fdagen.arch.config import AcceleratorConfig

    return tuple(f.name for f in fields(AcceleratorConfig))


#: Flags of ``--block`` builds only, and those a block shares with the accelerator (each with
#: the block's own default, :class:`fdagen.emit.block.BlockConfig`).
BLOCK_ONLY = ("scaling", "order", "samples_per_clock", "runtime_schedule")
SHARED = ("fft_size", "data_width", "twiddle_width", "rounding", "dsp")
#: What a shared flag means for a block.
BLOCK_NOTES = {"fft_size": "with --block: 4..1024, required", "data_width": "with --block: "
               "the input word", "twiddle_width": "", "rounding": "",
               "dsp": "with synth --target ecp5: ecp5, but for --block builds other than fft and "
                      "ifft at one sample per clock, which take only generic"}


def _read_config(path):
    import tomllib

    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"config file {str(path)!r} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise InputError(f"config file {str(path)!r} must be valid TOML ({error})") from None
    unknown = sorted(set(table) - set(_accelerator_keys()))
    if unknown:
        raise InputError(f"config file {str(path)!r} key {unknown[0]!r} must be one of "
                         f"{', '.join(_accelerator_keys())}")
    return table


def accelerator_config(args, defaults=None):
    """The :class:`AcceleratorConfig` from ``defaults`` (``{field: value}``, e.g. a board's
    small build), ``--config`` and the flags (flags win, then the file)."""
    from fdagen.arch.config import AcceleratorConfig

    values = dict(defaults or {})
    values.update(_read_config(args.config) if args.config else {})
    for key in _accelerator_keys():
        given = getattr(args, key, None)
        if given is not None:
            values[key] = given
    return AcceleratorConfig(**values)


def build_config(args, ecp5_default=False):
    """The configuration ``build``/``synth`` options describe: an :class:`AcceleratorConfig`
    by default, a :class:`~fdagen.emit.block.BlockConfig` with ``--block``. Flags that belong
    to the other kind are refused. With ``ecp5_default`` (``synth --target ecp5``), a build
    whose ``dsp`` neither a flag nor the configuration file gives takes ``ecp5`` where it
    applies (:func:`_takes_ecp5_dsp`; an accelerator whose words are too wide for the PEs'
    MULT18X18Ds stays generic)."""
    from fdagen.emit.block import BlockConfig

    if args.block is None:
        for key in BLOCK_ONLY:
            if getattr(args, key) not in (None, False):
                raise InputError(f"{flag(key)} applies to --block builds, not the accelerator")
        config = accelerator_config(args)
        if ecp5_default and _given_dsp(args) is None:
            try:
                config = replace(config, dsp="ecp5")
            except ParameterError:      # words too wide for the PEs' MULT18X18Ds: generic
                pass
        return config
    if args.config is not None:
        raise InputError("--config applies to the accelerator, not --block builds")
    for key in _accelerator_keys():
        if key not in SHARED and getattr(args, key) is not None:
            raise InputError(f"{flag(key)} applies to the accelerator, not --block builds")
    if args.fft_size is None:
        raise InputError("--fft-size is required with --block")
    given = {key: getattr(args, key) for key in SHARED + BLOCK_ONLY
             if getattr(args, key) not in (None, False)}
    if ecp5_default and _takes_ecp5_dsp(args):
        given.setdefault("dsp", "ecp5")
    return BlockConfig(args.block, **given)


def _render(config):
    """``(files, top, ports)`` of ``config`` (:func:`build_config`'s)."""
    from fdagen.emit.block import BlockConfig, block_ports, render_block

    if isinstance(config, BlockConfig):
        return render_block(config), config.top, block_ports(config)
    from fdagen.emit.accelerator import accelerator_ports
    from fdagen.flows.build import build_accelerator

    return build_accelerator(config), config.top, accelerator_ports(config)


def _cmd_build(args):
    from fdagen.emit.outdir import write_output_directory

    check_output_directory(args.out, args.force)
    config = build_config(args)
    files, top, _ = _render(config)
    write_output_directory(files, args.out, args.force)
    if args.block is None:
        from fdagen.flows.build import build_summary

        print("\n".join(build_summary(config, files, args.out)))
    else:
        print(f"wrote {args.out}: {', '.join(sorted(files))} (top {top})")
    return 0


def _given_dsp(args):
    """The DSP kind the ``--dsp`` flag or the configuration file gives, else ``None``."""
    if args.dsp is not None or args.block is not None or args.config is None:
        return args.dsp
    return _read_config(args.config).get("dsp")


def _takes_ecp5_dsp(args):
    """Whether ``--block`` options describe a block that ``--dsp ecp5`` applies to (the 1-D
    core at 1 sample per clock)."""
    return args.block in ("fft", "ifft") and args.samples_per_clock in (None, 1)


def _cmd_synth(args):
    from fdagen.emit.outdir import verilog_sources, write_output_directory
    from fdagen.flows.synth import SEEDS, format_report, run_synthesis
    from fdagen.gateware.common.dsp import MULT18X18D_MODEL

    if args.freq is not None and not 1 <= args.freq <= 1000:
        raise InputError(f"clock frequency must be between 1 and 1000 MHz, not {args.freq:g}")
    if args.block is None and args.freq is not None:
        raise InputError("--freq applies to --block synthesis; the accelerator is constrained "
                         "at its --clock")
    if args.placer is not None and args.target == "generic":
        raise InputError("--placer must go with --target ecp5 or ice40 (nextpnr), not generic")
    if args.seed is not None and args.target == "generic":
        raise InputError("--seed must go with --target ecp5 or ice40 (nextpnr), not generic")
    if args.seed is not None and args.seed not in SEEDS:
        raise InputError(f"--seed must be an integer from {SEEDS.start} to {SEEDS.stop - 1}, "
                         f"not {args.seed}")
    if args.placer is None:
        # HeAP packs the P = 16 accelerator into part of the die, where nextpnr's router1 can
        # take from 14 min to past 45 min; the static placer's spread routed each of five
        # netlists in 9 to 18 min (BENCHMARKS.md, "the Fmax steps"). The blocks' figures are
        # HeAP's.
        args.placer = "static" if args.block is None and args.target == "ecp5" else "heap"
    if args.target != "ecp5" and _given_dsp(args) == "ecp5":
        raise InputError(f"--dsp ecp5 must go with --target ecp5, not {args.target}")
    check_output_directory(args.out, args.force)
    # ecp5 by default there: see BENCHMARKS.md, "ECP5 synthesis" and "Step 15"
    config = build_config(args, ecp5_default=args.target == "ecp5")
    files, top, ports = _render(config)
    if args.freq is None:
        args.freq = config.clock_mhz if args.block is None else 150.0
    write_output_directory(files, args.out, args.force)
    ports = [(name, direction, width) for name, direction, width, _ in ports]
    synthesized = verilog_sources(files)
    # Black boxes: the simulation models of macros; a primitive's model is left out, since
    # the target's own library declares the primitive.
    models = [name for name in verilog_sources(files, simulation=True)
              if name not in synthesized and name != MULT18X18D_MODEL]
    report = run_synthesis(args.out, synthesized, top, args.target, args.freq, ports,
                           black_boxes=models, placer=args.placer, seed=args.seed or 1)
    placer = f" --placer {args.placer}" if args.target != "generic" else ""
    if args.seed is not None:
        placer += f" --seed {args.seed}"
    report["command"] = config.command().replace("fdagen build", f"fdagen synth --target "
                                                 f"{args.target} --freq {args.freq:g}{placer}")
    Path(args.out, "synth.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    text = format_report(report)
    Path(args.out, "synth.txt").write_text(text + "\n")
    print(text)
    return 0



def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from fdagen.emit.block import BLOCKS

    generate = Parser(add_help=False)      # what to generate: shared by build and synth
    generate.add_argument("--config", metavar="FILE.toml",
                          help="accelerator configuration (keys as the long flags, with '_')")
    generate.add_argument("--block", metavar="BLOCK",
                          help=f"generate one block instead: {', '.join(BLOCKS)}")
    add_config_flags(generate, notes=BLOCK_NOTES)
    generate.add_argument("--scaling", choices=("per_stage", "growth"),
                          help="block only: FFT scaling (default per_stage)")
    generate.add_argument("--order", choices=("bitrev", "natural"),
                          help="block only: 1-D output order (default bitrev)")
    generate.add_argument("--samples-per-clock", type=int, metavar="L",
                          help="block only: fft/ifft samples per clock (default 1)")
    generate.add_argument("--runtime-schedule", action="store_true",
                          help="block only: add a schedule port")
    generate.add_argument("--out", required=True, metavar="DIR", help="output directory")
    generate.add_argument("--force", action="store_true",
                          help="replace a non-empty output directory")

    build = commands.add_parser(
        "build", help="generate the accelerator (or one block) as Verilog",
        description="Generate the frequency-domain CNN accelerator: Verilog (one file per "
                    "module), files.f, manifest.json, SDC/XDC/LPF/PCF constraints and a FuseSoC "
                    "core. Every knob has a flag; --config FILE.toml gives the same keys "
                    "(pes, fft_size, data_width, ...), and flags override it. With --block, "
                    "generate one block instead.",
        parents=[generate])
    build.set_defaults(handler=_cmd_build)

    from fdagen.flows.synth import PLACERS, TARGETS

    synth = commands.add_parser(
        "synth", help="generate the accelerator or a block and synthesize it (YoWASP)",
        description="Generate like `build` (the accelerator, or one block with --block), then "
                    "synthesize, place and route it with YoWASP Yosys and nextpnr; writes "
                    "synth.json and synth.txt (LUT/FF/DSP/BRAM use and Fmax) beside the "
                    "Verilog.", parents=[generate])
    synth.add_argument("--target", required=True, choices=sorted(TARGETS),
                       help="ecp5 (LFE5U-85F-6, out of context), ice40 (UP5K) or generic")
    synth.add_argument("--freq", type=float, metavar="MHZ",
                       help="clock constraint in MHz for --block (default 150); the "
                            "accelerator is constrained at its --clock")
    synth.add_argument("--placer", choices=PLACERS,
                       help="nextpnr's placer: heap (analytic) or static (electrostatic: it "
                            "spreads the design, and routes the larger accelerators in a "
                            "predictable time; see BENCHMARKS.md) (default: static for the "
                            "accelerator on ecp5, else heap)")
    synth.add_argument("--seed", type=int, metavar="N",
                       help="nextpnr's seed, 1 to 2^31 - 1 (default 1): another placement of "
                            "the same netlist; bench/accel_fmax.py --seeds compares several")
    synth.set_defaults(handler=_cmd_synth)
