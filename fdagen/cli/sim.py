"""``fdagen sim conv2d|conv3d``: one conv layer on the generated RTL under cocotb, written in the
format of ``fdagen golden conv2d|conv3d --fixed``."""

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from fdagen.cli.common import (InputError, Parser, add_config_flags, add_format_arguments,
                               add_layer_fft_size_flag, add_stride_arguments,
                               check_conv_operands, conv_axes, fixed_layer,
                               format_from, load_array, network_and_weights, positive_int,
                               probability, save_atomically, strided_operands)
from fdagen.emit.outdir import check_output_file


def layer_operands(args):
    """The layer options' operands as the accelerator runs them (the layer options of
    :func:`add_layer_arguments`): ``(x, w, b, stride, padding, note)``, the arrays loaded and
    checked, a strided layer in its polyphase form unless ``--strided decimate``
    (:func:`~fdagen.cli.common.strided_operands`). Shared by ``fdagen sim`` and ``fdagen board
    run``, so both run the identical layer."""
    from fdagen.arch.config import MAX_ACCELERATOR_FFT_SIZE, MAX_ACCELERATOR_FFT_SIZE_3D
    from fdagen.golden.checks import RANGES

    x = load_array(args.input, "input")
    w = load_array(args.weights, "weights")
    b = load_array(args.bias, "bias") if args.bias else None
    check_conv_operands(x, w, b, args.dims)
    x, w, stride, padding, runs_as = strided_operands(args, x, w)
    largest = MAX_ACCELERATOR_FFT_SIZE_3D if args.dims == 3 else MAX_ACCELERATOR_FFT_SIZE
    channels = RANGES["channels"]
    for what, count, source in (("input channels", x.shape[0], args.input),
                                ("output channels", w.shape[0], args.weights)):
        if count > channels.high:
            raise InputError(f"{what} must be at most {channels.high} on the accelerator, not "
                             f"{count} (from {source!r}{runs_as and ', in its polyphase form'})")
    if w.shape[2] > largest:
        raise InputError(f"kernel size must be at most {largest} on the {args.dims}-D "
                         f"accelerator (its largest FFT size; T + K - 1 <= N), not {w.shape[2]} "
                         f"(from {args.weights!r})")
    if args.fft_scaling == "growth":
        raise InputError("FFT scaling on the accelerator must be calibrated or per_stage "
                         "(constant width), not growth")
    return x, w, b, stride, padding, runs_as


def layer_tiling(args, x, w, stride, padding, largest, fft_size):
    """The layer's :class:`~fdagen.golden.tiling.Tiling` (FFT size ``fft_size``, None: the
    cheapest up to ``largest``; ``--tile``)."""
    from fdagen.golden.tiling import Tiling

    return Tiling.choose(x.shape[1:], w.shape[2], stride, padding, fft_size, args.tile,
                         in_channels=x.shape[0], out_channels=w.shape[0],
                         largest_fft_size=largest)


def prepare_layer_job(args, config, x, w, b, tiling):
    """The :class:`~fdagen.flows.simulate.LayerJob` of the layer on ``config`` and its
    calibrated quantization: ``golden conv2d|conv3d --fixed``'s codes, shifts and golden output
    with the same options (ideal devices for crossbars: a build's macros start with every cell
    at its target level)."""
    from fdagen.cli.golden import golden_mac_from
    from fdagen.flows.simulate import layer_job

    mac = golden_mac_from(args)
    x_codes, w, b, fmt, quant, _, mac = fixed_layer(args, x, w, b, tiling, mac)
    return layer_job(config, x_codes, w, b, tiling, fmt, quant, mac), quant


def _cmd_sim_conv(args):
    from fdagen.arch.config import (KIND_FIELDS, MAX_ACCELERATOR_FFT_SIZE,
                                    MAX_ACCELERATOR_FFT_SIZE_3D, AcceleratorConfig)
    from fdagen.arch.pe_kinds import pe_kind
    from fdagen.flows.simulate import run_rtl

    check_output_file(args.out)
    if args.waves:
        check_output_file(args.waves, "waveform file")
    x, w, b, stride, padding, runs_as = layer_operands(args)
    largest = MAX_ACCELERATOR_FFT_SIZE_3D if args.dims == 3 else MAX_ACCELERATOR_FFT_SIZE
    tiling = layer_tiling(args, x, w, stride, padding, largest, args.fft_size)
    kind = pe_kind(args.pe_kind or AcceleratorConfig.pe_kind)
    kind_options = {name: getattr(args, name) for name in KIND_FIELDS
                    if getattr(args, name) is not None}
    args.pe_kind = kind.name
    fmt = format_from(args)
    # the build first: its parameters are checked before the calibration's work
    config = AcceleratorConfig(
        pes=args.pes, fft_size=tiling.fft_size, data_width=fmt.data_width,
        twiddle_width=fmt.twiddle_width, weight_width=fmt.weight_width,
        spectrum_width=fmt.spectrum_width, bias_width=fmt.bias_width, rounding=fmt.rounding,
        bin_lanes=args.bin_lanes, fft_lanes=args.fft_lanes, ifft_lanes=args.ifft_lanes,
        max_channels=x.shape[0], max_out_channels=w.shape[0],
        max_size=max(tiling.padded_shape), weight_beat_words=args.weight_beat_words,
        pixel_beat_words=args.pixel_beat_words, pe_kind=kind.name, dims=args.dims,
        **kind_options)
    config.check_generable()
    job, quant = prepare_layer_job(args, config, x, w, b, tiling)
    work = Path(tempfile.mkdtemp(prefix="fdagen-sim-"))
    try:
        result = run_rtl(config, [job], work, args.sim, waves=args.waves, check=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    layer = result["layers"][0]
    codes = layer["codes"]
    y = codes.astype(np.int32) if args.raw else np.ldexp(codes.astype(np.float64),
                                                         -quant.output_frac)
    save_atomically(args.out, y)
    counters = layer["counters"]
    d = job.descriptor
    agree = "bit-identical to" if np.array_equal(codes, job.expected) else "DIFFERENT FROM"
    print(f"wrote {args.out}: {y.shape}, {agree} golden conv{args.dims}d --fixed; {config.top} on "
          f"{args.sim}, {config.pes} PEs ({config.bin_lanes} bin lanes x {config.slots} slots), "
          f"N={tiling.fft_size} T={tiling.tile}, {tiling.tile_count} tiles{runs_as}")
    bound = d.bound_cycles
    print(f"cycles {counters['cycles']} (load {counters['load_cycles']}, run "
          f"{counters['run_cycles']}, drain {counters['drain_cycles']}); bound (the PE array busy "
          f"every clock) {bound:.0f}; efficiency {bound / counters['cycles']:.3f} of the layer, "
          f"{bound / counters['run_cycles']:.3f} of the run")
    for name, value in counters.items():
        print(f"  {name:<24} {value}")
    print(f"simulation: compile {result['compile_seconds']:.1f} s, run "
          f"{result['run_seconds']:.1f} s")
    if not np.array_equal(codes, job.expected):
        raise InputError("RTL output differs from the golden model (a generator bug: please "
                         "report it with this command line)")
    return 0



def _cmd_sim_net(args):
    from tqdm import tqdm

    from fdagen.flows.simulate import run_network
    from fdagen.golden.digits import load_digits
    from fdagen.golden.model import FixedNetwork
    from fdagen.host.descriptor import layer_format
    from fdagen.host.network import NetworkHost
    from fdagen.model.components import load_library
    from fdagen.model.energy import layer_fft_sizes, network_config

    network, weights = network_and_weights(args.net, args.weights, args.data)
    size = network.in_shape[0]
    test_x, test_y = load_digits("test", size)
    if not 1 <= args.images <= len(test_y):
        raise InputError(f"--images must be between 1 and {len(test_y)} (the {args.data} test "
                         f"set), not {args.images}")
    # the build first: its parameters are checked before the calibration's work
    config = network_config(network, args.pes, args.fft_size, resident=True)
    config.check_generable()
    sizes = config.fft_size
    if args.layer_fft_size == "least-energy":
        sizes = layer_fft_sizes(network, config, load_library(), resident=True)
    calibration, _ = load_digits("train", size)
    fixed = FixedNetwork(network, weights, list(calibration[:args.calibration]),
                         layer_format(config), sizes, config.pe.build_mac(config))
    host = NetworkHost(config, fixed)
    images, labels = test_x[:args.images], test_y[:args.images]
    work = Path(tempfile.mkdtemp(prefix="fdagen-sim-net-"))
    try:
        with tqdm(total=len(images), desc=f"{network.name} on {config.top} ({args.sim})",
                  unit="image", disable=None, file=sys.stderr) as bar:
            result = run_network(host, images, work, args.sim, args.gaps, args.stalls,
                                 progress=lambda done: bar.update(done - bar.n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rtl_classes, golden_classes, exact = [], [], 0
    for x, image in zip(images, result["images"]):
        traces = []
        golden = fixed.forward(x, traces)
        golden_classes.append(int(np.argmax(golden)))
        rtl_classes.append(int(np.argmax(image["logits"])))
        exact += all(np.array_equal(image["layers"][layer.name]["codes"], trace.output_codes)
                     for layer, trace in zip(network.conv_layers, traces))
    agree = sum(a == b for a, b in zip(rtl_classes, golden_classes))
    hits = sum(int(c == label) for c, label in zip(rtl_classes, labels))
    first, later = result["images"][0], result["images"][1:]
    per_layer = ", ".join(f"{layer.name} at N = {fixed.tilings[layer.name].fft_size}"
                          for layer in network.conv_layers)
    print(f"{network.name} on {args.data}: {len(images)} test images through {config.top} on "
          f"{args.sim} ({config.pes} digital PEs, N = {config.fft_size}: {per_layer}; conv "
          f"layers on the RTL, pooling and fully connected layers on the host)")
    print(f"  accuracy {100 * hits / len(images):.2f} % ({hits} of {len(images)})")
    print(f"  predicted classes equal to the golden fixed-point path's: {agree} of "
          f"{len(images)}; every conv layer's output bit-exact: {exact} of {len(images)}")
    for layer in network.conv_layers:
        load = first["layers"][layer.name]["counters"]["cycles"]
        line = f"  {layer.name}: {load} cycles with its weights loaded (first image)"
        if later:
            resident = np.mean([i["layers"][layer.name]["counters"]["cycles"] for i in later])
            line += f", {resident:.0f} resident (mean of {len(later)})"
        print(line)
    if later:
        cycles = np.mean([sum(layer["counters"]["cycles"] for layer in i["layers"].values())
                          for i in later])
        print(f"  conv layers per image with resident weights: {cycles:.0f} cycles, "
              f"{config.clock_mhz * 1e6 / cycles:.0f} images/s at {config.clock_mhz:g} MHz")
    print(f"  simulation: compile {result['compile_seconds']:.1f} s, run "
          f"{result['run_seconds']:.1f} s")
    if agree != len(images) or exact != len(images):
        print("RTL results differ from the golden model (a generator bug: please report it "
              "with this command line)", file=sys.stderr)
        return 1
    return 0


def add_layer_arguments(parser, dims, largest, fft_flag="--fft-size"):
    """The layer options of ``sim conv2d|conv3d`` (and ``board run``): ``--input``,
    ``--weights``, ``--bias``, stride, the layer's FFT size (``fft_flag``, up to ``largest``),
    ``--tile``, ``--relu``."""
    x_axes, w_axes = conv_axes(dims)
    parser.add_argument("--input", required=True, metavar="X.npy", help=f"input ({x_axes})")
    parser.add_argument("--weights", required=True, metavar="W.npy", help=f"weights ({w_axes})")
    parser.add_argument("--bias", metavar="B.npy", help="bias (M,)")
    add_stride_arguments(parser)
    parser.add_argument(fft_flag, type=int, metavar="N",
                        help=f"FFT size, a power of two in 4..{largest} (default: cheapest)")
    parser.add_argument("--tile", type=int, metavar="T", help="tile size (default N - K + 1)")
    parser.add_argument("--relu", action="store_true", help="apply ReLU to the output")


def add_sim_conv(commands, dims):
    """``sim conv2d`` or ``sim conv3d``: one ``dims``-D layer on the accelerator RTL."""
    from fdagen.arch.config import (KIND_FIELDS, MAX_ACCELERATOR_FFT_SIZE,
                                    MAX_ACCELERATOR_FFT_SIZE_3D)
    from fdagen.flows.simulate import SIMULATORS

    name = f"conv{dims}d"
    largest = MAX_ACCELERATOR_FFT_SIZE_3D if dims == 3 else MAX_ACCELERATOR_FFT_SIZE
    sim_conv = commands.add_parser(
        name, help=f"one {dims}-D conv layer on the accelerator RTL",
        description=f"Generate the {dims}-D accelerator for this layer (N, widths and limits "
                    "from the layer and the options), run it under cocotb and write the output "
                    f"in the format of `fdagen golden {name} --fixed` with the same options; the "
                    "two are bit-identical (--pe-kind reram: ideal devices, with the crossbar "
                    "options given to both). Prints cycles, the bound (the PE array busy every "
                    "clock), the efficiency and the counters.")
    sim_conv.add_argument("--pes", type=positive_int, default=64, metavar="P",
                          help="processing elements (default %(default)s)")
    sim_conv.add_argument("--weight-beat-words", type=positive_int, default=1, metavar="W",
                          help="spectral weights per weights-stream beat (a power of two "
                               "dividing P/L; default %(default)s)")
    sim_conv.add_argument("--pixel-beat-words", type=positive_int, default=1, metavar="V",
                          help="input pixels per pixels-stream beat (a power of two, at most 8 "
                               "and the feature-map row pitch; default %(default)s)")
    add_layer_arguments(sim_conv, dims, largest)
    sim_conv.add_argument("--raw", action="store_true", help="write integer output codes")
    add_config_flags(sim_conv, names=("bin_lanes", "fft_lanes", "ifft_lanes", "pe_kind",
                                      *KIND_FIELDS))
    sim_conv.add_argument("--sim", choices=SIMULATORS, default="icarus",
                          help="simulator (default %(default)s)")
    sim_conv.add_argument("--waves", metavar="FILE.fst", help="write an FST waveform")
    add_format_arguments(sim_conv)
    sim_conv.add_argument("--out", required=True, metavar="Y.npy", help="output file")
    sim_conv.set_defaults(handler=_cmd_sim_conv, fixed=True, dims=dims)


def add_commands(commands):
    """Add this module's subcommands to ``commands`` (an argparse subparsers object)."""
    from fdagen.flows.simulate import SIMULATORS

    sim = commands.add_parser("sim", help="run a layer on the generated RTL (cocotb)",
                              description="Simulate the generated accelerator RTL.")
    sim_commands = sim.add_subparsers(dest="sim_command", metavar="LAYER", parser_class=Parser)
    sim_commands.required = True
    for dims in (2, 3):
        add_sim_conv(sim_commands, dims)
    sim_net = sim_commands.add_parser(
        "net", help="a whole network on the accelerator RTL, the host in the loop",
        description="Run test images through a network on the generated accelerator (digital "
                    "PEs) under cocotb: the conv layers on the RTL (every layer's weights "
                    "resident after the first image), quantization, pooling and the fully "
                    "connected layers on the host, exactly as `fdagen golden net`'s fixed-point "
                    "path. Prints the accuracy, whether the predicted classes and every conv "
                    "layer's outputs equal the golden fixed-point path's, and the cycles per "
                    "layer; exits 1 if anything differs.")
    sim_net.add_argument("--net", default="lenet5", metavar="NET",
                         help="lenet5 | FILE.toml | FILE.json: one input channel, square 2-D "
                              "input, one group per conv layer, an fc layer with 10 outputs last "
                              "(default lenet5, the one with shipped weights; any other needs "
                              "--weights)")
    sim_net.add_argument("--weights", metavar="W.npz",
                         help="the network's weights, '<layer>.w' and '<layer>.b' arrays (e.g. "
                              "fdagen optimize's chosen-STRATEGY.npz; default: the shipped "
                              "LeNet-5 weights)")
    sim_net.add_argument("--data", default="digits", choices=["digits"],
                         help="data set (scikit-learn's digits, resampled to the network's "
                              "input size)")
    sim_net.add_argument("--images", type=positive_int, default=100, metavar="COUNT",
                         help="test images, from the first (default %(default)s)")
    sim_net.add_argument("--pes", type=positive_int, default=64, metavar="P",
                         help="processing elements (default %(default)s)")
    sim_net.add_argument("--fft-size", type=positive_int, default=8, metavar="N",
                         help="FFT size of the build, the largest a layer runs at (default "
                              "%(default)s)")
    add_layer_fft_size_flag(sim_net, "the run (as fdagen energy chooses it)")
    sim_net.add_argument("--calibration", type=positive_int, default=64, metavar="COUNT",
                         help="training images the shifts are calibrated on (default "
                              "%(default)s, as golden net)")
    sim_net.add_argument("--sim", choices=SIMULATORS, default="verilator",
                         help="simulator (default %(default)s)")
    sim_net.add_argument("--gaps", type=probability, default=0.0, metavar="P",
                         help="probability of an idle clock on each input stream (default 0)")
    sim_net.add_argument("--stalls", type=probability, default=0.0, metavar="P",
                         help="probability of backpressure on each output clock (default 0)")
    sim_net.set_defaults(handler=_cmd_sim_net)
