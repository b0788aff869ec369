"""The ``fdagen`` command line.

Every subcommand checks its input before it writes anything. A bad parameter or file stops with
one line, ``fdagen: error: <what> must be <legal range>, not <value>``, exit status 2, and no
output file (outputs are written to a temporary name and renamed into place).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from fdagen import __version__
from fdagen.emit.outdir import check_output_directory, check_output_file

__all__ = ["main", "build_parser"]


class InputError(Exception):
    """A user error: bad parameter, file or network description (reported in one line)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(text):
    return _int_at_least(text, 1)


def _int_at_least(text, minimum):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
    return value


def _non_negative_int(text):
    return _int_at_least(text, 0)


def _load_array(path, what):
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{what} file {str(path)!r} must be a file, not a directory")
    if not path.is_file():
        raise InputError(f"{what} file {str(path)!r} does not exist")
    with open(path, "rb") as handle:
        magic = handle.read(6)
    if magic != b"\x93NUMPY":
        raise InputError(f"{what} file {str(path)!r} must be a NumPy .npy array (np.save), "
                         f"not another kind of file")
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise InputError(f"{what} file {str(path)!r} must be a NumPy .npy array "
                         f"({error})") from None
    if not isinstance(array, np.ndarray):
        raise InputError(f"{what} file {str(path)!r} must hold one array, not an .npz archive")
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise InputError(f"{what} array must be integer or float, not {array.dtype}")
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        raise InputError(f"{what} array must be finite, not contain NaN or infinity")
    return array


def _save_atomically(path, array):
    """Write ``array`` to ``path`` via a temporary file in the same directory."""
    path = check_output_file(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, array)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _add_format_arguments(parser):
    from fdagen.golden.fixedpoint import ROUNDING_MODES
    from fdagen.golden.pipeline import FFT_SCALING_MODES, FixedFormat

    default = FixedFormat()
    group = parser.add_argument_group("fixed-point format")
    group.add_argument("--data-width", type=int, default=default.data_width, metavar="BITS",
                       help="pixel word width, in and out (default %(default)s)")
    group.add_argument("--twiddle-width", type=int, default=default.twiddle_width, metavar="BITS",
                       help="FFT twiddle width (default %(default)s)")
    group.add_argument("--weight-width", type=int, default=default.weight_width, metavar="BITS",
                       help="spectral weight width (default %(default)s)")
    group.add_argument("--spectrum-width", type=int, default=default.spectrum_width,
                       metavar="BITS", help="IFFT input width (default %(default)s)")
    group.add_argument("--rounding", choices=ROUNDING_MODES, default=default.rounding,
                       help="rounding at every place that drops bits (default %(default)s)")
    group.add_argument("--fft-scaling", choices=FFT_SCALING_MODES, default=default.fft_scaling,
                       help="FFT stage scaling (default %(default)s)")


def _format_from(args):
    from fdagen.golden.pipeline import FixedFormat

    return FixedFormat(data_width=args.data_width, twiddle_width=args.twiddle_width,
                       weight_width=args.weight_width, spectrum_width=args.spectrum_width,
                       rounding=args.rounding, fft_scaling=args.fft_scaling)


def _check_conv_operands(x, w, b):
    if x.ndim != 3:
        raise InputError(f"input must have rank 3 (C, H, W), not shape {x.shape}")
    if w.ndim != 4:
        raise InputError(f"weights must have rank 4 (M, C, K, K), not shape {w.shape}")
    if w.shape[2] != w.shape[3]:
        raise InputError(f"weights must have square K x K kernels, not {w.shape[2]}x{w.shape[3]}")
    if w.shape[1] != x.shape[0]:
        raise InputError(f"weights must have C = {x.shape[0]} input channels to match the input, "
                         f"not {w.shape[1]}")
    if b is not None and b.shape != (w.shape[0],):
        raise InputError(f"bias must have shape ({w.shape[0]},) to match the weights, "
                         f"not {b.shape}")
    if min(x.shape) < 1 or min(w.shape) < 1:
        raise InputError(f"arrays must not be empty, not shapes {x.shape} and {w.shape}")


def _check_codes(array, what, width):
    """Integer ``array`` must hold signed ``width``-bit codes."""
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    if array.min() < lo or array.max() > hi:
        raise InputError(f"integer {what} codes must lie in [{lo}, {hi}] for {width}-bit "
                         f"words, not [{array.min()}, {array.max()}]")


def _check_finite(y, what="output"):
    """Refuse a float result that overflowed (NumPy's overflow warnings are silenced)."""
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.all(np.isfinite(y)) and np.isfinite(np.sum(np.square(y)))
    if not finite:
        raise InputError(f"{what} must be finite, not overflow float64 (scale the input, "
                         f"weights or bias down)")


def _fixed_layer(args, x, w, b, tiling):
    """Codes, float weights and bias, format and calibrated LayerQuant of ``golden conv2d
    --fixed`` (shared by ``fdagen sim conv2d``, so both run the identical layer)."""
    from fdagen.golden.direct import conv2d_direct
    from fdagen.golden.pipeline import calibrate_layer, quantize_input
    from fdagen.golden.spectral import spectral_weights

    fmt = _format_from(args)
    frac = fmt.data_width - 1
    if np.issubdtype(x.dtype, np.integer):
        _check_codes(x, "input", fmt.data_width)
        x_codes = x.astype(np.int64)
    else:
        with np.errstate(over="ignore"):         # huge values saturate, as documented
            x_codes = quantize_input(x, frac, fmt.data_width, fmt.rounding)
    if np.issubdtype(w.dtype, np.integer):
        _check_codes(w, "weight", fmt.weight_width)
        w = np.ldexp(w.astype(np.float64), -(fmt.weight_width - 1))
    if b is not None and np.issubdtype(b.dtype, np.integer):
        _check_codes(b, "bias", fmt.data_width)
        b = np.ldexp(b.astype(np.float64), -frac)
    with np.errstate(over="ignore", invalid="ignore"):
        spectra = spectral_weights(w, tiling)
        reference = conv2d_direct(np.ldexp(x_codes.astype(np.float64), -frac), w, b,
                                  tiling.stride, tiling.padding)
    _check_finite(spectra, "the spectral weights")
    _check_finite(reference, "the float reference")
    quant = calibrate_layer([x_codes], w, b, tiling, fmt, frac, args.relu)
    return x_codes, w, b, fmt, quant


def _cmd_golden_conv2d(args):
    from fdagen.golden.direct import conv2d_direct, relu
    from fdagen.golden.pipeline import conv2d_fixed, sqnr_db
    from fdagen.golden.spectral import conv2d_spectral
    from fdagen.golden.tiling import Tiling

    check_output_file(args.out)
    x = _load_array(args.input, "input")
    w = _load_array(args.weights, "weights")
    b = _load_array(args.bias, "bias") if args.bias else None
    _check_conv_operands(x, w, b)
    if not args.fixed and args.raw:
        raise InputError("--raw needs --fixed (float results have no integer codes)")
    tiling = Tiling.choose(x.shape[1:], w.shape[2], args.stride, args.padding, args.fft_size,
                           args.tile, in_channels=x.shape[0], out_channels=w.shape[0])
    if not args.fixed:
        with np.errstate(over="ignore", invalid="ignore"):
            y, _ = conv2d_spectral(x, w, b, args.stride, args.padding, tiling.fft_size,
                                   tiling.tile)
        y = relu(y) if args.relu else y
        _check_finite(y)
        _save_atomically(args.out, y)
        print(f"wrote {args.out}: {y.shape} float64, spectral float, N={tiling.fft_size} "
              f"T={tiling.tile}, {tiling.tile_count} tiles")
        return 0
    x_codes, w, b, fmt, quant = _fixed_layer(args, x, w, b, tiling)
    frac = fmt.data_width - 1
    trace = conv2d_fixed(x_codes, w, b, tiling, fmt, quant)
    reference = conv2d_direct(np.ldexp(x_codes.astype(np.float64), -frac), w, b, args.stride,
                              args.padding)
    reference = relu(reference) if args.relu else reference
    y = trace.output_codes.astype(np.int32) if args.raw else trace.output()
    _save_atomically(args.out, y)
    kind = (f"int32 codes with {quant.output_frac} fraction bits" if args.raw
            else "float64 (dequantized)")
    clipped = ", ".join(f"{k} {v}" for k, v in trace.saturated.items() if v)
    print(f"wrote {args.out}: {y.shape} {kind}; N={tiling.fft_size} T={tiling.tile}; "
          f"weight_exp={quant.weight_exp} spectrum_shift={quant.spectrum_shift} "
          f"output_frac={quant.output_frac}; "
          f"SQNR vs float {sqnr_db(reference, trace.output()):.1f} dB"
          + (f"; saturated values: {clipped}" if clipped else ""))
    return 0


def _cmd_sim_conv2d(args):
    from fdagen.arch.config import MAX_ACCELERATOR_FFT_SIZE, AcceleratorConfig
    from fdagen.flows.simulate import layer_job, run_rtl
    from fdagen.golden.checks import RANGES
    from fdagen.golden.tiling import Tiling

    check_output_file(args.out)
    if args.waves:
        check_output_file(args.waves, "waveform file")
    x = _load_array(args.input, "input")
    w = _load_array(args.weights, "weights")
    b = _load_array(args.bias, "bias") if args.bias else None
    _check_conv_operands(x, w, b)
    channels = RANGES["channels"]
    for what, count, source in (("input channels", x.shape[0], args.input),
                                ("output channels", w.shape[0], args.weights)):
        if count > channels.high:
            raise InputError(f"{what} must be at most {channels.high} on the accelerator, not "
                             f"{count} (from {source!r})")
    if w.shape[2] > MAX_ACCELERATOR_FFT_SIZE:
        raise InputError(f"kernel size must be at most {MAX_ACCELERATOR_FFT_SIZE} on the "
                         f"accelerator (its largest FFT size; T + K - 1 <= N), not {w.shape[2]} "
                         f"(from {args.weights!r})")
    if args.fft_scaling == "growth":
        raise InputError("FFT scaling on the accelerator must be calibrated or per_stage "
                         "(constant width), not growth")
    tiling = Tiling.choose(x.shape[1:], w.shape[2], args.stride, args.padding, args.fft_size,
                           args.tile, in_channels=x.shape[0], out_channels=w.shape[0],
                           largest_fft_size=MAX_ACCELERATOR_FFT_SIZE)
    x_codes, w, b, fmt, quant = _fixed_layer(args, x, w, b, tiling)
    config = AcceleratorConfig(
        pes=args.pes, fft_size=tiling.fft_size, data_width=fmt.data_width,
        twiddle_width=fmt.twiddle_width, weight_width=fmt.weight_width,
        spectrum_width=fmt.spectrum_width, bias_width=fmt.bias_width, rounding=fmt.rounding,
        bin_lanes=args.bin_lanes, fft_lanes=args.fft_lanes, ifft_lanes=args.ifft_lanes,
        max_channels=x.shape[0], max_out_channels=w.shape[0],
        max_size=max(tiling.padded_shape))
    job = layer_job(config, x_codes, w, b, tiling, fmt, quant)
    work = Path(tempfile.mkdtemp(prefix="fdagen-sim-"))
    try:
        result = run_rtl(config, [job], work, args.sim, waves=args.waves, check=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    layer = result["layers"][0]
    codes = layer["codes"]
    y = codes.astype(np.int32) if args.raw else np.ldexp(codes.astype(np.float64),
                                                         -quant.output_frac)
    _save_atomically(args.out, y)
    counters = layer["counters"]
    d = job.descriptor
    agree = "bit-identical to" if np.array_equal(codes, job.expected) else "DIFFERENT FROM"
    print(f"wrote {args.out}: {y.shape}, {agree} golden conv2d --fixed; {config.top} on "
          f"{args.sim}, {config.pes} PEs ({config.bin_lanes} bin lanes x {config.slots} slots), "
          f"N={tiling.fft_size} T={tiling.tile}, {tiling.tile_count} tiles")
    bound = d.bound_cycles
    print(f"cycles {counters['cycles']} (load {counters['load_cycles']}, run "
          f"{counters['run_cycles']}, drain {counters['drain_cycles']}); bound 2*B_t*C*M*U/P = "
          f"{bound:.0f}; efficiency {bound / counters['cycles']:.3f} of the layer, "
          f"{bound / counters['run_cycles']:.3f} of the run")
    for name, value in counters.items():
        print(f"  {name:<24} {value}")
    print(f"simulation: compile {result['compile_seconds']:.1f} s, run "
          f"{result['run_seconds']:.1f} s")
    if not np.array_equal(codes, job.expected):
        raise InputError("RTL output differs from the golden model (a generator bug: please "
                         "report it with this command line)")
    return 0


def _cmd_golden_net(args):
    from tqdm import tqdm

    from fdagen.golden.digits import load_digits32
    from fdagen.golden.model import FixedNetwork, accuracy, forward_float, load_weights
    from fdagen.golden.networks import get_network

    if args.net != "lenet5":
        raise InputError(f"network must be lenet5 (the one with trained weights), not {args.net!r}")
    fmt = _format_from(args)
    network, weights = get_network(args.net), load_weights()
    test_x, test_y = load_digits32("test")
    if args.limit:
        test_x, test_y = test_x[:args.limit], test_y[:args.limit]
    calibration, _ = load_digits32("train")
    fixed = FixedNetwork(network, weights, calibration[:args.calibration], fmt, args.fft_size)
    paths = {
        "spatial_float": lambda x: forward_float(network, weights, x, "spatial"),
        "spectral_float": lambda x: forward_float(network, weights, x, "spectral", args.fft_size),
        "spectral_fixed": fixed.forward,
    }
    results = {}
    for name, predict in paths.items():
        images = tqdm(test_x, desc=name, leave=False, disable=None, file=sys.stderr)
        results[name] = accuracy(predict, images, test_y)
    sqnr = fixed.layer_sqnr(test_x[:args.sqnr_images])
    report = {
        "network": args.net, "data": args.data, "test_images": len(test_y),
        "calibration_images": args.calibration, "accuracy": results,
        "layer_sqnr_db": {k: round(float(v), 2) for k, v in sqnr.items()},
        "sqnr_images": min(args.sqnr_images, len(test_y)),
        "layers": {name: {"fft_size": fixed.tilings[name].fft_size,
                          "tile": fixed.tilings[name].tile, **vars(quant)}
                   for name, quant in fixed.quants.items()},
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.net} on {args.data}: {len(test_y)} test images; fixed point calibrated on "
          f"{args.calibration} training images")
    for name, value in results.items():
        print(f"  {name.replace('_', ' '):16s} accuracy {100 * value:6.2f} %")
    print(f"  per-layer SQNR, fixed vs float on the same input ({report['sqnr_images']} images):")
    for name, value in report["layer_sqnr_db"].items():
        tiling, quant = fixed.tilings[name], fixed.quants[name]
        print(f"    {name}: {value:6.2f} dB  (N={tiling.fft_size} T={tiling.tile} "
              f"weight_exp={quant.weight_exp} spectrum_shift={quant.spectrum_shift} "
              f"output_frac={quant.output_frac})")
    return 0


def _accelerator_keys():
    """The configuration file's keys: :class:`AcceleratorConfig`'s fields, in order."""
    from dataclasses import fields

    from fdagen.arch.config import AcceleratorConfig

    return tuple(f.name for f in fields(AcceleratorConfig))
BLOCK_ONLY = ("scaling", "order", "samples_per_clock", "runtime_schedule")


def _flag(key):
    from fdagen.arch.config import flag

    return flag(key)


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


def accelerator_config(args):
    """The :class:`AcceleratorConfig` from ``--config`` and the flags (flags win)."""
    from fdagen.arch.config import AcceleratorConfig

    values = _read_config(args.config) if args.config else {}
    for key in _accelerator_keys():
        given = getattr(args, "clock" if key == "clock_mhz" else key, None)
        if given is not None:
            values[key] = given
    return AcceleratorConfig(**values)


def _render(args):
    """The files of what ``build``/``synth`` options describe: ``(files, top, ports, config)``.

    The accelerator by default; one block with ``--block``. Flags that belong to the other
    kind are refused.
    """
    from fdagen.emit.block import BlockConfig, block_ports, render_block

    if args.block is None:
        from fdagen.emit.accelerator import accelerator_ports
        from fdagen.flows.build import build_accelerator

        for key in BLOCK_ONLY:
            if getattr(args, key) not in (None, False):
                raise InputError(f"{_flag(key)} applies to --block builds, not the accelerator")
        config = accelerator_config(args)
        config.check_generable()
        return build_accelerator(config), config.top, accelerator_ports(config), config
    for key in ("config", "pes", "weight_width", "spectrum_width", "bias_width", "bin_lanes",
                "fft_lanes", "ifft_lanes", "max_channels", "max_out_channels", "max_size",
                "clock", "pe_kind"):
        if getattr(args, key) is not None:
            raise InputError(f"{'--clock' if key == 'clock' else _flag(key)} applies to the "
                             f"accelerator, not --block builds")
    if args.fft_size is None:
        raise InputError("--fft-size is required with --block")
    config = BlockConfig(args.block, args.fft_size,
                         16 if args.data_width is None else args.data_width,
                         16 if args.twiddle_width is None else args.twiddle_width,
                         args.scaling or "per_stage", args.rounding or "convergent",
                         args.runtime_schedule, args.order or "bitrev",
                         1 if args.samples_per_clock is None else args.samples_per_clock)
    return render_block(config), config.top, block_ports(config), config


def _cmd_build(args):
    from fdagen.emit.outdir import write_output_directory

    check_output_directory(args.out, args.force)
    files, top, _, config = _render(args)
    write_output_directory(files, args.out, args.force)
    if args.block is None:
        from fdagen.flows.build import build_summary

        print("\n".join(build_summary(config, files, args.out)))
    else:
        print(f"wrote {args.out}: {', '.join(sorted(files))} (top {top})")
    return 0


def _cmd_synth(args):
    from fdagen.emit.outdir import verilog_sources, write_output_directory
    from fdagen.flows.synth import format_report, run_synthesis

    if args.freq is not None and not 1 <= args.freq <= 1000:
        raise InputError(f"clock frequency must be between 1 and 1000 MHz, not {args.freq:g}")
    if args.block is None and args.freq is not None:
        raise InputError("--freq applies to --block synthesis; the accelerator is constrained "
                         "at its --clock")
    check_output_directory(args.out, args.force)
    files, top, ports, config = _render(args)
    if args.freq is None:
        args.freq = config.clock_mhz if args.block is None else 150.0
    write_output_directory(files, args.out, args.force)
    ports = [(name, direction, width) for name, direction, width, _ in ports]
    report = run_synthesis(args.out, verilog_sources(files), top, args.target, args.freq, ports)
    report["command"] = config.command().replace("fdagen build", f"fdagen synth --target "
                                                 f"{args.target} --freq {args.freq:g}")
    Path(args.out, "synth.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    text = format_report(report)
    Path(args.out, "synth.txt").write_text(text + "\n")
    print(text)
    return 0


def _int_list(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of integers, not "
                                         f"{text!r}") from None
    return values


def _word_list(choices):
    def parse(text):
        values = text.split(",")
        for value in values:
            if value not in choices:
                raise argparse.ArgumentTypeError(f"must be a comma-separated list of "
                                                 f"{', '.join(choices)}, not {text!r}")
        return values
    return parse


def _fft_size_or_auto(text):
    if text == "auto":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a power of two or auto, not {text!r}") \
            from None


def _cmd_energy(args):
    from fdagen.golden.networks import resolve_network
    from fdagen.model.components import load_library
    from fdagen.model.energy import EnergyModel, choose_fft_size, network_config
    from fdagen.model.report import format_report

    network = resolve_network(args.net)
    library = load_library(args.lib)
    options = {"clock_mhz": args.clock, "data_width": args.data_width,
               "weight_width": args.weight_width, "spectrum_width": args.data_width,
               "pe_kind": args.pe_kind}
    fft_size = args.fft_size or choose_fft_size(network, args.pes, library, args.node,
                                                **options)
    config = network_config(network, args.pes, fft_size, **options)
    report = EnergyModel(config, library, args.node).report(network)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _cmd_explore(args):
    from tqdm import tqdm

    from fdagen.emit.outdir import write_output_directory
    from fdagen.golden.networks import resolve_network
    from fdagen.model.components import load_library
    from fdagen.arch.pe_kinds import PE_KINDS
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
    from fdagen.golden.networks import get_network

    result = network_counts(get_network(args.net), args.fft_size)
    print(json.dumps(result, indent=2) if args.json else format_table(result))
    return 0


def build_parser():
    """Return the ``fdagen`` argument parser."""
    from fdagen.golden.networks import NETWORKS

    parser = _Parser(prog="fdagen", description="Generator of frequency-domain CNN accelerators.")
    parser.add_argument("--version", action="version", version=f"fdagen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    golden = commands.add_parser("golden", help="run the NumPy golden model",
                                 description="Run the NumPy golden model.")
    golden_commands = golden.add_subparsers(dest="golden_command", metavar="MODEL",
                                            parser_class=_Parser)
    golden_commands.required = True

    conv = golden_commands.add_parser(
        "conv2d", help="one conv layer, float spectral or bit-true fixed point",
        description="Convolve x (C, H, W) with w (M, C, K, K) as the accelerator does: OaA in "
                    "the frequency domain, float by default, bit-true with --fixed. In --fixed "
                    "mode float inputs are quantized to Q1.(data-width - 1), saturating; integer "
                    "arrays are raw codes (x and b in Q1.(data-width - 1), spatial w in "
                    "Q1.(weight-width - 1)); spectral weights get the largest power-of-two scale "
                    "that fits their biggest component; the layer's shifts are calibrated on this "
                    "input so nothing saturates. Output is float (dequantized) unless --raw.")
    conv.add_argument("--input", required=True, metavar="X.npy", help="input (C, H, W)")
    conv.add_argument("--weights", required=True, metavar="W.npy", help="weights (M, C, K, K)")
    conv.add_argument("--bias", metavar="B.npy", help="bias (M,)")
    conv.add_argument("--stride", type=_positive_int, default=1, metavar="S",
                      help="stride, >= 1 (default 1)")
    conv.add_argument("--padding", type=_non_negative_int, default=0, metavar="P",
                      help="zero padding, >= 0 (default 0)")
    conv.add_argument("--fft-size", type=int, metavar="N",
                      help="FFT size, a power of two in 4..1024 with N >= T + K - 1 "
                           "(default: cheapest)")
    conv.add_argument("--tile", type=int, metavar="T", help="tile size (default: N - K + 1)")
    conv.add_argument("--relu", action="store_true", help="apply ReLU to the output")
    conv.add_argument("--fixed", action="store_true", help="bit-true fixed-point pipeline")
    conv.add_argument("--raw", action="store_true",
                      help="with --fixed, write the integer output codes instead of floats")
    _add_format_arguments(conv)
    conv.add_argument("--out", required=True, metavar="Y.npy", help="output file")
    conv.set_defaults(handler=_cmd_golden_conv2d)

    net = golden_commands.add_parser(
        "net", help="network accuracy: spatial float, spectral float, spectral fixed",
        description="Classify the test split three ways and report accuracy and per-layer SQNR.")
    net.add_argument("--net", default="lenet5", choices=sorted(NETWORKS),
                     help="network (default lenet5; only lenet5 has trained weights)")
    net.add_argument("--data", default="digits", choices=["digits"],
                     help="data set: digits = scikit-learn 8x8 digits upscaled to 32x32")
    net.add_argument("--fft-size", type=int, metavar="N", help="FFT size for every conv layer")
    net.add_argument("--calibration", type=_positive_int, default=64, metavar="COUNT",
                     help="training images used to calibrate shifts (default %(default)s)")
    net.add_argument("--limit", type=_positive_int, metavar="COUNT",
                     help="use only the first COUNT test images")
    net.add_argument("--sqnr-images", type=_positive_int, default=100, metavar="COUNT",
                     help="test images for the per-layer SQNR (default %(default)s)")
    net.add_argument("--json", action="store_true", help="print JSON")
    _add_format_arguments(net)
    net.set_defaults(handler=_cmd_golden_net)

    from fdagen.arch.pe_kinds import PE_KINDS
    from fdagen.emit.block import BLOCKS
    from fdagen.golden.fixedpoint import ROUNDING_MODES

    generate = _Parser(add_help=False)      # what to generate: shared by build and synth
    generate.add_argument("--config", metavar="FILE.toml",
                          help="accelerator configuration (keys as the long flags, with '_')")
    generate.add_argument("--block", metavar="BLOCK",
                          help=f"generate one block instead: {', '.join(BLOCKS)}")
    generate.add_argument("--pes", type=int, metavar="P", help="processing elements, >= 1 "
                          "(default 64)")
    generate.add_argument("--fft-size", type=int, metavar="N",
                          help="FFT size: 4..64 for the accelerator (default 8), 4..1024 for a "
                               "block (required)")
    for flag, text in (("--data-width", "pixel and FFT words"), ("--twiddle-width", "twiddles"),
                       ("--weight-width", "spectral weight parts (accelerator)"),
                       ("--spectrum-width", "requantized spectrum, IFFT input (accelerator)"),
                       ("--bias-width", "bias codes (accelerator)")):
        generate.add_argument(flag, type=int, metavar="BITS", help=f"{text} (default 16"
                              + (", bias 32)" if flag == "--bias-width" else ")"))
    generate.add_argument("--rounding", choices=ROUNDING_MODES,
                          help="rounding wherever bits drop (default convergent)")
    generate.add_argument("--bin-lanes", type=int, metavar="L",
                          help="bins per array operation, a power of two dividing P and N "
                               "(default: from P)")
    generate.add_argument("--fft-lanes", type=int, metavar="LF",
                          help="2-D FFT lanes (default L)")
    generate.add_argument("--ifft-lanes", type=int, metavar="LI",
                          help="2-D IFFT lanes (default min(P/L, 2L + 1))")
    generate.add_argument("--max-channels", type=int, metavar="C",
                          help="largest C (default 16)")
    generate.add_argument("--max-out-channels", type=int, metavar="M",
                          help="largest M (default 16)")
    generate.add_argument("--max-size", type=int, metavar="S",
                          help="largest padded input height/width (default 32)")
    generate.add_argument("--clock", type=float, metavar="MHZ",
                          help="target clock for the constraints (default 100)")
    generate.add_argument("--pe-kind", choices=tuple(PE_KINDS),
                          help="PE kind: " + "; ".join(f"{k.name}: {k.description}"
                                                      for k in PE_KINDS.values())
                               + " (default digital)")
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

    from fdagen.flows.simulate import SIMULATORS

    sim = commands.add_parser("sim", help="run a layer on the generated RTL (cocotb)",
                              description="Simulate the generated accelerator RTL.")
    sim_commands = sim.add_subparsers(dest="sim_command", metavar="LAYER", parser_class=_Parser)
    sim_commands.required = True
    sim_conv = sim_commands.add_parser(
        "conv2d", help="one conv layer on the accelerator RTL",
        description="Generate the accelerator for this layer (N, widths and limits from the "
                    "layer and the options), run it under cocotb and write the output in the "
                    "format of `fdagen golden conv2d --fixed` with the same options; the two "
                    "are bit-identical. Prints cycles, the bound 2*B_t*C*M*U/P, the efficiency "
                    "and the counters.")
    sim_conv.add_argument("--pes", type=_positive_int, default=64, metavar="P",
                          help="processing elements (default %(default)s)")
    sim_conv.add_argument("--input", required=True, metavar="X.npy", help="input (C, H, W)")
    sim_conv.add_argument("--weights", required=True, metavar="W.npy",
                          help="weights (M, C, K, K)")
    sim_conv.add_argument("--bias", metavar="B.npy", help="bias (M,)")
    sim_conv.add_argument("--stride", type=_positive_int, default=1, metavar="S",
                          help="stride, >= 1 (default 1)")
    sim_conv.add_argument("--padding", type=_non_negative_int, default=0, metavar="P",
                          help="zero padding, >= 0 (default 0)")
    sim_conv.add_argument("--fft-size", type=int, metavar="N",
                          help="FFT size, a power of two in 4..64 (default: cheapest)")
    sim_conv.add_argument("--tile", type=int, metavar="T", help="tile size (default N - K + 1)")
    sim_conv.add_argument("--relu", action="store_true", help="apply ReLU to the output")
    sim_conv.add_argument("--raw", action="store_true", help="write integer output codes")
    sim_conv.add_argument("--bin-lanes", type=int, metavar="L", help="default: from P")
    sim_conv.add_argument("--fft-lanes", type=int, metavar="LF", help="default: L")
    sim_conv.add_argument("--ifft-lanes", type=int, metavar="LI", help="default: min(P/L, 2L+1)")
    sim_conv.add_argument("--sim", choices=SIMULATORS, default="icarus",
                          help="simulator (default %(default)s)")
    sim_conv.add_argument("--waves", metavar="FILE.fst", help="write an FST waveform")
    _add_format_arguments(sim_conv)
    sim_conv.add_argument("--out", required=True, metavar="Y.npy", help="output file")
    sim_conv.set_defaults(handler=_cmd_sim_conv2d, fixed=True)

    from fdagen.flows.synth import TARGETS

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
    synth.set_defaults(handler=_cmd_synth)

    cmc = commands.add_parser(
        "cmc", help="per-layer op and memory counts, spatial and spectral",
        description="Per-layer counts in both domains (the CMC view of Rizvi et al.): spatial "
                    "MACs, FFT butterflies, complex MACs, IFFT butterflies, weight and feature "
                    "map words.")
    cmc.add_argument("--net", required=True, choices=sorted(NETWORKS), help="network")
    cmc.add_argument("--fft-size", type=int, metavar="N",
                     help="FFT size for every conv layer (default: cheapest per layer)")
    cmc.add_argument("--json", action="store_true", help="print JSON")
    cmc.set_defaults(handler=_cmd_cmc)

    from fdagen.arch.pe_kinds import PE_KINDS

    energy = commands.add_parser(
        "energy", help="energy, latency and area of a network on a build",
        description="Model a network's conv layers on the accelerator: counts from the "
                    "controller's schedule, cycles from the tile-pipeline model, energy and "
                    "area from the component library (every constant with its source), and "
                    "the same network on a spatial-domain array with the same multiplier "
                    "budget. Memories are sized to the network.")
    energy.add_argument("--pes", type=int, default=64, metavar="P",
                        help="processing elements (default %(default)s)")
    energy.add_argument("--net", required=True, metavar="NET",
                        help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json "
                             f"(a list of layers; see fdagen.golden.networks.load_network)")
    energy.add_argument("--fft-size", type=_fft_size_or_auto, default=None, metavar="N",
                        help="FFT size 8..64, or auto: the one with the least energy "
                             "(default auto)")
    energy.add_argument("--pe-kind", choices=PE_KINDS, default="digital",
                        help="digital (the generated RTL) or reram (modelled crossbar PEs)")
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
    explore.add_argument("--pes", type=_int_list, default=[16, 32, 64, 128], metavar="P,...",
                         help="PE counts (default 16,32,64,128)")
    explore.add_argument("--fft-size", type=_int_list, default=[8, 16, 32], metavar="N,...",
                         help="FFT sizes (default 8,16,32)")
    explore.add_argument("--data-width", type=_int_list, default=[16], metavar="BITS,...",
                         help="data widths (default 16)")
    explore.add_argument("--pe-kind", type=_word_list(PE_KINDS), default=["digital"],
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
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    from fdagen.emit.outdir import OutputPathError
    from fdagen.flows.synth import SynthError
    from fdagen.flows.tools import ToolError
    from fdagen.golden.checks import ParameterError, ParameterTypeError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (InputError, OutputPathError, ParameterError, ParameterTypeError, SynthError,
            ToolError) as error:
        print(f"fdagen: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
