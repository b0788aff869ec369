"""``fdagen board build`` and ``fdagen board run``: the accelerator on an FPGA board behind a
UART bridge (:mod:`fdagen.flows.board`, protocol :mod:`fdagen.arch.bridge`)."""

import sys

import numpy as np

from fdagen.cli.common import InputError, add_config_flags, positive_int, save_atomically
from fdagen.emit.outdir import check_output_directory, check_output_file


def _board_config(args):
    """The build of ``--config`` and the flags over the board defaults; a kind that
    synthesizes."""
    from fdagen.arch.bridge import BridgeFormat
    from fdagen.cli.build import accelerator_config
    from fdagen.flows.board import BOARD_DEFAULTS

    config = accelerator_config(args, BOARD_DEFAULTS)
    if not config.pe.synthesizable:
        raise InputError(f"PE kind must be one that synthesizes on a board (digital; the "
                         f"crossbars of the others are black-box macros), not "
                         f"{config.pe_kind!r}")
    config.check_generable()
    BridgeFormat(config, args.depth)           # the FIFO depth: 1..255
    return config


def _check_baud(args, clock_hz):
    from fdagen.arch.bridge import divisor_for

    return divisor_for(clock_hz, args.baud)


def _cmd_board_build(args):
    from fdagen.flows.board import board_platform, format_board_report, run_board_build

    check_output_directory(args.out, args.force)
    platform = board_platform(args.board)
    if args.clock_mhz is not None and args.clock_mhz * 1e6 != platform.default_clk_frequency:
        raise InputError(f"--clock must be the board's {platform.default_clk_frequency / 1e6:g} "
                         f"MHz on {args.board}, not {args.clock_mhz:g}")
    args.clock_mhz = platform.default_clk_frequency / 1e6
    config = _board_config(args)
    _check_baud(args, platform.default_clk_frequency)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.force:
        for path in args.out.iterdir():
            if path.is_file():
                path.unlink()
    print(f"building {args.board}: {config.command(minimal=True)}, UART {args.baud} baud "
          f"(this takes about 15 minutes for the default build)", flush=True)
    report = run_board_build(config, args.board, args.out, args.baud, args.depth, args.seed)
    print(format_board_report(report))
    if not report["timing_met"]:
        print(f"fdagen: timing not met at {report['constraint_mhz']:g} MHz: the bitstream may "
              f"misbehave", file=sys.stderr)
        return 1
    return 0


def _cmd_board_run(args):
    from fdagen.cli.sim import layer_operands, layer_tiling, prepare_layer_job
    from fdagen.flows.board import run_on_board
    from fdagen.host.bridge import BridgeError, SerialTransport

    if args.out:
        check_output_file(args.out)
    config = _board_config(args)
    if config.dims != 2:
        raise InputError(f"board run takes 2-D layers: the build's dims must be 2, not "
                         f"{config.dims}")
    args.dims = config.dims
    _check_baud(args, config.clock_mhz * 1e6)
    x, w, b, stride, padding, runs_as = layer_operands(args)
    tiling = layer_tiling(args, x, w, stride, padding, config.fft_size, args.layer_fft_size)
    for name in ("data_width", "twiddle_width", "weight_width", "spectrum_width", "rounding",
                 "pe_kind"):
        setattr(args, name, getattr(config, name))     # the golden format is the build's
    job, quant = prepare_layer_job(args, config, x, w, b, tiling)   # checks the build's limits
    import serial

    try:
        transport = SerialTransport(args.port, args.baud)
    except (serial.SerialException, ValueError, OSError) as error:
        raise InputError(f"serial port {args.port!r} must be a serial device this user can "
                         f"open, not give '{error}'") from None
    try:
        try:
            result = run_on_board(config, [job], transport, args.depth, args.timeout)
        except BridgeError as error:
            print(f"fdagen: board run failed: {error}", file=sys.stderr)
            return 1
    finally:
        transport.close()
    layer = result["layers"][0]
    codes = layer["codes"]
    if args.out:
        y = codes.astype(np.int32) if args.raw else np.ldexp(codes.astype(np.float64),
                                                             -quant.output_frac)
        save_atomically(args.out, y)
    same = np.array_equal(codes, job.expected)
    counters = layer["counters"]
    print(f"{config.top} on {args.port} at {args.baud} baud: output {codes.shape} "
          f"{'bit-identical to' if same else 'DIFFERENT FROM'} golden conv{args.dims}d --fixed; "
          f"N={tiling.fft_size} T={tiling.tile}, {tiling.tile_count} tiles{runs_as}; "
          f"{result['seconds']:.2f} s over the link")
    print(f"cycles {counters['cycles']} (load {counters['load_cycles']}, run "
          f"{counters['run_cycles']}, drain {counters['drain_cycles']}) at "
          f"{config.clock_mhz:g} MHz")
    for name, value in counters.items():
        print(f"  {name:<24} {value}")
    if not same:
        wrong = int(np.sum(codes != job.expected))
        print(f"fdagen: {wrong} of {codes.size} output codes differ from the golden model",
              file=sys.stderr)
        return 1
    return 0


def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from pathlib import Path

    from fdagen.arch.bridge import DEFAULT_BAUD, DEFAULT_DEPTH
    from fdagen.cli.common import Parser
    from fdagen.cli.sim import add_layer_arguments
    from fdagen.flows.board import BOARD_DEFAULTS, BOARDS

    defaults = ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in BOARD_DEFAULTS.items()
                         if k != "clock_mhz")
    shared = Parser(add_help=False)        # the build in the bitstream and its UART
    shared.add_argument("--config", metavar="FILE.toml",
                        help="accelerator configuration (keys as the long flags, with '_')")
    notes = {key: f"on a board {value:g}" for key, value in BOARD_DEFAULTS.items()}
    notes["clock_mhz"] = "on a board: the board's clock"
    add_config_flags(shared, notes=notes)
    shared.add_argument("--baud", type=positive_int, default=DEFAULT_BAUD, metavar="BAUD",
                        help="UART baud rate (default %(default)s)")
    shared.add_argument("--depth", type=positive_int, default=DEFAULT_DEPTH, metavar="BEATS",
                        help="input FIFO depth of the bridge, the host's credits per stream, "
                             "1..255 (default %(default)s)")

    board = commands.add_parser(
        "board", help="the accelerator on an FPGA board, behind a UART bridge",
        description=f"Build a board bitstream of the accelerator behind a UART bridge, or run "
                    f"a layer on a board through it. The build defaults to {defaults} (flags "
                    f"and --config override them); `board run` must be given the same build "
                    f"options and baud rate as `board build`.")
    board_commands = board.add_subparsers(dest="board_command", metavar="ACTION",
                                          parser_class=Parser)
    board_commands.required = True
    build = board_commands.add_parser(
        "build", parents=[shared], help="platform build: bitstream, LPF, timing report",
        description="Elaborate the UART bridge and the accelerator for the board's platform "
                    "(amaranth-boards), then synthesize, place, route and pack it with YoWASP "
                    "Yosys, nextpnr-ecp5 and ecppack. Writes the bitstream, the LPF, the logs "
                    "and board.json/board.txt (Fmax against the board's clock, utilisation). "
                    "Exits 1 if timing is not met.")
    build.add_argument("--board", required=True, metavar="BOARD",
                       help="; ".join(f"{b.name}: {b.description}" for b in BOARDS.values()))
    build.add_argument("--seed", type=positive_int, default=1, help="nextpnr seed (default 1)")
    build.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="output directory (new or empty)")
    build.add_argument("--force", action="store_true",
                       help="replace a non-empty output directory")
    build.set_defaults(handler=_cmd_board_build)

    run = board_commands.add_parser(
        "run", parents=[shared], help="run one conv layer on a board over its serial port",
        description="Run one 2-D conv layer (the options of `fdagen sim conv2d`) on a board "
                    "programmed with `fdagen board build` (same build options and baud), "
                    "through the serial port; compare the output with the golden model "
                    "(`fdagen golden conv2d --fixed`). Exits 1 if it differs or the board "
                    "reports an error.")
    run.add_argument("--port", required=True, metavar="DEVICE",
                     help="serial port of the board's USB-UART (e.g. /dev/ttyUSB0)")
    add_layer_arguments(run, 2, "the build's N", fft_flag="--layer-fft-size")
    run.add_argument("--fft-scaling", choices=("calibrated", "per_stage"),
                     default="calibrated", help="FFT stage scaling (default %(default)s)")
    run.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                     help="give up when the board sends nothing for this long (default 5)")
    run.add_argument("--raw", action="store_true", help="write integer output codes")
    run.add_argument("--out", metavar="Y.npy", help="also write the output (as sim conv2d)")
    run.set_defaults(handler=_cmd_board_run, fixed=True)
