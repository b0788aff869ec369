"""``fdagen golden conv2d|conv3d`` and ``fdagen golden net``: the NumPy golden model from the
command line (the numerics check)."""

import json
import sys

import numpy as np

from fdagen.cli.common import (InputError, Parser, add_format_arguments, add_stride_arguments,
                               check_conv_operands, check_finite, conv_axes, fixed_layer,
                               format_from, load_array, network_and_weights, positive_int,
                               save_atomically, strided_operands)
from fdagen.emit.outdir import check_output_file


def _cmd_golden_conv(args):
    from fdagen.golden.direct import relu
    from fdagen.golden.pipeline import conv_fixed, sqnr_db
    from fdagen.golden.spectral import conv_spectral
    from fdagen.golden.tiling import Tiling

    check_output_file(args.out)
    x = load_array(args.input, "input")
    w = load_array(args.weights, "weights")
    b = load_array(args.bias, "bias") if args.bias else None
    check_conv_operands(x, w, b, args.dims)
    if not args.fixed and args.raw:
        raise InputError("--raw needs --fixed (float results have no integer codes)")
    mac = golden_mac_from(args)
    if not args.fixed and mac is not None:
        raise InputError(f"--pe-kind must be digital without --fixed (the {args.pe_kind} "
                         f"kind's crossbars compute on integer codes), not {args.pe_kind}")
    x, w, stride, padding, runs_as = strided_operands(args, x, w)
    tiling = Tiling.choose(x.shape[1:], w.shape[2], stride, padding, args.fft_size,
                           args.tile, in_channels=x.shape[0], out_channels=w.shape[0])
    if not args.fixed:
        with np.errstate(over="ignore", invalid="ignore"):
            y, _ = conv_spectral(x, w, b, stride, padding, tiling.fft_size, tiling.tile,
                                 dims=args.dims)
        y = relu(y) if args.relu else y
        check_finite(y)
        save_atomically(args.out, y)
        print(f"wrote {args.out}: {y.shape} float64, spectral float, N={tiling.fft_size} "
              f"T={tiling.tile}, {tiling.tile_count} tiles{runs_as}")
        return 0
    x_codes, w, b, fmt, quant, reference, mac = fixed_layer(args, x, w, b, tiling, mac)
    trace = conv_fixed(x_codes, w, b, tiling, fmt, quant, mac)
    reference = relu(reference) if args.relu else reference
    y = trace.output_codes.astype(np.int32) if args.raw else trace.output()
    save_atomically(args.out, y)
    kind = (f"int32 codes with {quant.output_frac} fraction bits" if args.raw
            else "float64 (dequantized)")
    clipped = ", ".join(f"{k} {v}" for k, v in trace.saturated.items() if v)
    print(f"wrote {args.out}: {y.shape} {kind}; N={tiling.fft_size} T={tiling.tile}; "
          f"weight_exp={quant.weight_exp} spectrum_shift={quant.spectrum_shift} "
          f"output_frac={quant.output_frac}"
          + (f" adc_shift={quant.adc_shift} ({mac.fmt.resolution}-bit ADCs)" if mac else "")
          + f"; SQNR vs float {sqnr_db(reference, trace.output()):.1f} dB"
          + (f"; saturated values: {clipped}" if clipped else "") + runs_as)
    return 0


def _cmd_golden_net(args):
    from tqdm import tqdm

    from fdagen.golden.digits import load_digits
    from fdagen.golden.model import FixedNetwork, accuracy, forward_float

    fmt = format_from(args)
    mac = golden_mac_from(args)
    network, weights = network_and_weights(args.net, args.weights, args.data)
    size = network.in_shape[0]
    test_x, test_y = load_digits("test", size)
    if args.limit:
        test_x, test_y = test_x[:args.limit], test_y[:args.limit]
    calibration, _ = load_digits("train", size)
    calibration = calibration[:args.calibration]
    fixed = FixedNetwork(network, weights, calibration, fmt, args.fft_size)
    paths = {
        "spatial_float": lambda x: forward_float(network, weights, x, "spatial"),
        "spectral_float": lambda x: forward_float(network, weights, x, "spectral", args.fft_size),
        "spectral_fixed": fixed.forward,
    }
    crossbars = None
    if mac is not None:
        crossbars = FixedNetwork(network, weights, calibration, fmt, args.fft_size, mac)
        paths[f"spectral_fixed_{args.pe_kind}"] = crossbars.forward
    results = {}
    for name, predict in paths.items():
        images = tqdm(test_x, desc=name, leave=False, disable=None, file=sys.stderr)
        results[name] = accuracy(predict, images, test_y)
    sqnr_images = test_x[:args.sqnr_images]
    sqnr = fixed.layer_sqnr(sqnr_images)
    report = {
        "network": args.net, "data": args.data, "test_images": len(test_y),
        "calibration_images": len(calibration), "accuracy": results,
        "layer_sqnr_db": {k: round(float(v), 2) for k, v in sqnr.items()},
        "sqnr_images": len(sqnr_images),
        "layers": {name: {"fft_size": fixed.tilings[name].fft_size,
                          "tile": fixed.tilings[name].tile, **vars(quant)}
                   for name, quant in fixed.quants.items()},
    }
    if crossbars is not None:
        report["crossbars"] = crossbar_report(crossbars, mac, sqnr_images)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.net} on {args.data}: {len(test_y)} test images; fixed point calibrated on "
          f"{len(calibration)} training images")
    for name, value in results.items():
        print(f"  {name.replace('_', ' '):20s} accuracy {100 * value:6.2f} %")
    print(f"  per-layer SQNR, fixed vs float on the same input ({report['sqnr_images']} images):")
    for name, value in report["layer_sqnr_db"].items():
        tiling, quant = fixed.tilings[name], fixed.quants[name]
        print(f"    {name}: {value:6.2f} dB  (N={tiling.fft_size} T={tiling.tile} "
              f"weight_exp={quant.weight_exp} spectrum_shift={quant.spectrum_shift} "
              f"output_frac={quant.output_frac})")
    if crossbars is not None:
        xbars = report["crossbars"]
        print(f"  {args.pe_kind}: {xbars['crossbar']['rows']}-row crossbars, "
              f"{xbars['crossbar']['cell_bits']}-bit cells, {xbars['crossbar']['dac_bits']}-bit "
              f"DACs, {xbars['adc_bits']}-bit ADCs (full resolution "
              f"{xbars['full_resolution_bits']}); sigma {xbars['device']['sigma']:g}, stuck-at "
              f"low {xbars['device']['stuck_low']:g} high {xbars['device']['stuck_high']:g}, "
              f"program failure {xbars['device']['program_fail']:g} per attempt, seed "
              f"{xbars['device']['seed']}")
        for name, layer in xbars["layers"].items():
            print(f"    {name}: {layer['sqnr_db']:6.2f} dB  (adc_shift={layer['adc_shift']}, "
                  f"{layer['cells']} cells, {layer['program_pulses']} program pulses, "
                  f"{layer['program_failures']} failed verify)")
    return 0


def golden_mac_from(args):
    """The golden MAC of ``--pe-kind`` with the crossbar options given (None: the exact MAC of
    digital PEs); an option the kind does not take is refused."""
    from fdagen.arch.pe_kinds import PE_KINDS, pe_kind

    kind = pe_kind(args.pe_kind)
    given = {dest: getattr(args, dest, None) for _, dest in CROSSBAR_FLAGS
             if getattr(args, dest, None) is not None}
    for flag, dest in CROSSBAR_FLAGS:
        if dest in given and dest not in kind.golden_options:
            takers = [k.name for k in PE_KINDS.values() if dest in k.golden_options]
            raise InputError(f"{flag} needs --pe-kind {' or '.join(takers)}, not --pe-kind "
                             f"{kind.name}")
    return kind.golden_mac(given)


def crossbar_report(network, mac, images):
    """The ``"crossbars"`` part of ``golden net``'s report: the crossbar and device settings, and
    per conv layer the ADC shift, cells, programming pulses and failures and the SQNR."""
    sqnr = network.layer_sqnr(images)
    layers = {}
    for name, layer_mac in network.macs.items():
        cells = layer_mac.programmed
        layers[name] = {"sqnr_db": round(float(sqnr[name]), 2),
                        "adc_shift": network.quants[name].adc_shift,
                        "cells": int(cells.levels.size), "program_pulses": cells.pulses,
                        "program_failures": cells.failures}
    return {"crossbar": {"rows": mac.fmt.rows, "cell_bits": mac.fmt.cell_bits,
                         "dac_bits": mac.fmt.dac_bits, "frac_bits": mac.fmt.frac_bits},
            "adc_bits": mac.fmt.resolution, "full_resolution_bits": mac.fmt.full_resolution_bits(),
            "device": vars(mac.device), "layers": layers}


#: ``golden net``'s crossbar options: (flag, argparse destination).
CROSSBAR_FLAGS = [("--xbar-rows", "xbar_rows"), ("--cell-bits", "cell_bits"),
                  ("--dac-bits", "dac_bits"), ("--adc-bits", "adc_bits"), ("--sigma", "sigma"),
                  ("--stuck-at", "stuck_at"), ("--program-fail", "program_fail"),
                  ("--max-attempts", "max_attempts"), ("--seed", "seed")]



def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from fdagen.golden.networks import NETWORKS

    golden = commands.add_parser("golden", help="run the NumPy golden model",
                                 description="Run the NumPy golden model.")
    golden_commands = golden.add_subparsers(dest="golden_command", metavar="MODEL",
                                            parser_class=Parser)
    golden_commands.required = True

    for dims, name in ((2, "conv2d"), (3, "conv3d")):
        add_golden_conv(golden_commands, dims, name)

    net = golden_commands.add_parser(
        "net", help="network accuracy: spatial float, spectral float, spectral fixed",
        description="Classify the test split three ways and report accuracy and per-layer SQNR.")
    net.add_argument("--net", default="lenet5", metavar="NET",
                     help=f"{' | '.join(sorted(NETWORKS))} | FILE.toml | FILE.json (default "
                          "lenet5, the one with shipped weights; any other needs --weights)")
    net.add_argument("--weights", metavar="W.npz",
                     help="the network's weights, '<layer>.w' and '<layer>.b' arrays (e.g. "
                          "fdagen optimize's chosen-STRATEGY.npz; default: the shipped LeNet-5 "
                          "weights)")
    net.add_argument("--data", default="digits", choices=["digits"],
                     help="data set: digits = scikit-learn 8x8 digits upscaled to 32x32")
    net.add_argument("--fft-size", type=int, metavar="N", help="FFT size for every conv layer")
    net.add_argument("--calibration", type=positive_int, default=64, metavar="COUNT",
                     help="training images used to calibrate shifts (default %(default)s)")
    net.add_argument("--limit", type=positive_int, metavar="COUNT",
                     help="use only the first COUNT test images")
    net.add_argument("--sqnr-images", type=positive_int, default=100, metavar="COUNT",
                     help="test images for the per-layer SQNR (default %(default)s)")
    net.add_argument("--json", action="store_true", help="print JSON")
    add_format_arguments(net)
    add_crossbar_arguments(net)
    net.set_defaults(handler=_cmd_golden_net)


def add_golden_conv(commands, dims, name):
    """``golden conv2d`` or ``golden conv3d``: one ``dims``-D layer."""
    x_axes, w_axes = conv_axes(dims)
    conv = commands.add_parser(
        name, help=f"one {dims}-D conv layer, float spectral or bit-true fixed point",
        description=f"Convolve x ({x_axes}) with w ({w_axes}) as the accelerator does: OaA in "
                    "the frequency domain, float by default, bit-true with --fixed. In --fixed "
                    "mode float inputs are quantized to Q1.(data-width - 1), saturating; integer "
                    "arrays are raw codes (x and b in Q1.(data-width - 1), spatial w in "
                    "Q1.(weight-width - 1)); spectral weights get the largest power-of-two scale "
                    "that fits their biggest component; the layer's shifts are calibrated on this "
                    "input so nothing saturates. Output is float (dequantized) unless --raw.")
    conv.add_argument("--input", required=True, metavar="X.npy", help=f"input ({x_axes})")
    conv.add_argument("--weights", required=True, metavar="W.npy", help=f"weights ({w_axes})")
    conv.add_argument("--bias", metavar="B.npy", help="bias (M,)")
    add_stride_arguments(conv)
    conv.add_argument("--fft-size", type=int, metavar="N",
                      help="FFT size, a power of two in 4..1024 with N >= T + K - 1, or "
                           "N >= T for a tile T covering the padded map (default: cheapest)")
    conv.add_argument("--tile", type=int, metavar="T",
                      help="tile size (default: N - K + 1); a tile of the padded size runs the "
                           "map as one circular transform (exact on the outputs kept)")
    conv.add_argument("--relu", action="store_true", help="apply ReLU to the output")
    conv.add_argument("--fixed", action="store_true", help="bit-true fixed-point pipeline")
    conv.add_argument("--raw", action="store_true",
                      help="with --fixed, write the integer output codes instead of floats")
    add_format_arguments(conv)
    add_crossbar_arguments(conv, "with --fixed, --pe-kind reram runs the layer's MAC through "
                                 "the bit-true ReRAM crossbar model (fdagen.golden.crossbar)")
    conv.add_argument("--out", required=True, metavar="Y.npy", help="output file")
    conv.set_defaults(handler=_cmd_golden_conv, dims=dims)


def add_crossbar_arguments(parser, description="--pe-kind reram also runs the conv layers' "
                           "MACs through the bit-true ReRAM crossbar model "
                           "(fdagen.golden.crossbar) and reports its accuracy"):
    from fdagen.arch.pe_kinds import PE_KINDS
    from fdagen.golden.crossbar import CrossbarFormat, DeviceModel

    fmt, device = CrossbarFormat(), DeviceModel()
    group = parser.add_argument_group("PE kind", description)
    group.add_argument("--pe-kind", choices=sorted(PE_KINDS), default="digital",
                       help="PE kind (default %(default)s)")
    group.add_argument("--xbar-rows", type=int, metavar="R",
                       help=f"crossbar rows: input channels per analog column sum (default "
                            f"{fmt.rows})")
    group.add_argument("--cell-bits", type=int, metavar="BITS",
                       help=f"bits per ReRAM cell (default {fmt.cell_bits})")
    group.add_argument("--dac-bits", type=int, metavar="BITS",
                       help=f"bits per input DAC drive (default {fmt.dac_bits})")
    group.add_argument("--adc-bits", type=int, metavar="BITS",
                       help="ADC resolution (default: full resolution for R rows, exact)")
    group.add_argument("--sigma", type=float, metavar="S",
                       help="relative conductance variation per cell (default 0)")
    group.add_argument("--stuck-at", type=float, metavar="F",
                       help="fraction of stuck cells, half at the low and half at the high "
                            "level (default 0)")
    group.add_argument("--program-fail", type=float, metavar="P",
                       help="probability that one write-verify attempt misses (default 0)")
    group.add_argument("--max-attempts", type=int, metavar="COUNT",
                       help=f"write-verify attempts per cell (default {device.max_attempts})")
    group.add_argument("--seed", type=int, metavar="N",
                       help=f"seed of the device map (default {device.seed})")
