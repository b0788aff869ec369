"""What every command shares: the one-line input error, the parser class, argument types,
array loading and saving, the fixed-point options, and the checks of a conv layer's operands.

Every subcommand checks its input before it writes anything. A bad parameter or file stops with
one line, ``fdagen: error: <what> must be <legal range>, not <value>``, exit status 2, and no
output file (outputs are written to a temporary name and renamed into place).
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from fdagen.emit.outdir import check_output_file

__all__ = ["InputError", "Parser", "positive_int", "non_negative_int", "int_list", "word_list",
           "fft_size_or_auto", "load_array", "save_atomically", "add_format_arguments",
           "format_from", "conv_axes", "check_conv_operands", "add_stride_arguments",
           "strided_operands", "probability", "check_codes", "check_finite", "fixed_layer",
           "add_config_flags", "load_network_weights", "network_and_weights"]


class InputError(Exception):
    """A user error: bad parameter, file or network description (reported in one line)."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text):
    return int_at_least(text, 1)


def int_at_least(text, minimum):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
    return value


def non_negative_int(text):
    return int_at_least(text, 0)


def load_array(path, what):
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


def load_network_weights(network, path):
    """The weights of ``network`` from ``path``, a .npz archive (``np.savez``) holding each conv
    and fully connected layer's ``"<layer>.w"`` and ``"<layer>.b"`` (the layout of
    :func:`fdagen.golden.model.load_weights`, e.g. ``fdagen optimize``'s chosen-STRATEGY.npz):
    ``{key: array}``, each array as stored. Refuses (:class:`InputError`) a missing file, one
    that is not a .npz archive, and an array that is missing, of the wrong shape, not real
    numbers or not finite."""
    import zipfile

    path = Path(path)
    if not path.is_file():
        raise InputError(f"weights file {str(path)!r} must be an existing .npz file, not "
                         f"{'a directory' if path.is_dir() else 'missing'}")
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile):
        data = None
    if not isinstance(data, np.lib.npyio.NpzFile):
        kind = "another kind of file" if data is None else "a single .npy array"
        raise InputError(f"weights file {str(path)!r} must be a NumPy .npz archive (np.savez), "
                         f"not {kind}")
    with data:
        weights = {key: data[key] for key in data.files}
    for layer in network.layers:
        if layer.kind == "conv":
            shape = (layer.out_channels, layer.in_channels // layer.groups,
                     *([layer.kernel] * layer.dims))
        elif layer.kind == "fc":
            shape = (layer.out_channels, layer.in_channels)
        else:
            continue
        for key, want in ((f"{layer.name}.w", shape), (f"{layer.name}.b", shape[:1])):
            got = weights.get(key)
            if got is None or got.shape != want:
                raise InputError(f"weights file {str(path)!r}: {key} must have shape {want} "
                                 f"for network {network.name!r}, not "
                                 f"{'missing' if got is None else got.shape}")
            if got.dtype.kind not in "biuf":
                raise InputError(f"weights file {str(path)!r}: {key} must hold real numbers, "
                                 f"not {got.dtype}")
            if not np.all(np.isfinite(got)):
                raise InputError(f"weights file {str(path)!r}: {key} must be finite, not "
                                 f"holding NaN or infinity")
    return weights


def network_and_weights(spec, weights_file, data="digits"):
    """``(network, weights)`` of a command that runs a trained network on ``data``: ``spec`` is
    a built-in network's name or a network file (``.toml`` / ``.json``), ``weights_file`` its
    weights (:func:`load_network_weights`), or None for the shipped LeNet-5 weights, which only
    ``lenet5`` has. The network must be one :func:`fdagen.optimize.search.check_network` accepts
    for ``data`` (one group per conv layer, the data's input channels, an fc layer per class
    last)."""
    from fdagen.golden.model import load_weights
    from fdagen.golden.networks import resolve_network
    from fdagen.optimize.search import check_network

    if weights_file is None and spec != "lenet5":
        raise InputError(f"network must be lenet5 (the one with trained weights) or come with "
                         f"--weights, not {spec!r}")
    network = check_network(resolve_network(spec), data)
    if weights_file is None:
        return network, load_weights()
    return network, load_network_weights(network, weights_file)


def save_atomically(path, array):
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


def add_format_arguments(parser):
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


def format_from(args):
    from fdagen.golden.pipeline import FixedFormat

    return FixedFormat(data_width=args.data_width, twiddle_width=args.twiddle_width,
                       weight_width=args.weight_width, spectrum_width=args.spectrum_width,
                       rounding=args.rounding, fft_scaling=args.fft_scaling)


def conv_axes(dims):
    """``(input axes, weight axes)`` of a ``dims``-D layer, as help and errors name them:
    ``("C, H, W", "M, C, K, K")`` in 2-D, ``("C, D, H, W", "M, C, K, K, K")`` in 3-D."""
    return ("C, D, H, W", "M, C, K, K, K") if dims == 3 else ("C, H, W", "M, C, K, K")


def check_conv_operands(x, w, b, dims=2):
    """The operands of a ``dims``-D layer (:func:`conv_axes`)."""
    axes, kernel = conv_axes(dims)
    if x.ndim != dims + 1:
        raise InputError(f"input must have rank {dims + 1} ({axes}), not shape {x.shape}")
    if w.ndim != dims + 2:
        raise InputError(f"weights must have rank {dims + 2} ({kernel}), not shape {w.shape}")
    if len(set(w.shape[2:])) != 1:
        cube = " x ".join(["K"] * dims)
        shape = "x".join(map(str, w.shape[2:]))
        raise InputError(f"weights must have {'cubic' if dims == 3 else 'square'} {cube} "
                         f"kernels, not {shape}")
    if w.shape[1] != x.shape[0]:
        raise InputError(f"weights must have C = {x.shape[0]} input channels to match the input, "
                         f"not {w.shape[1]}")
    if b is not None and b.shape != (w.shape[0],):
        raise InputError(f"bias must have shape ({w.shape[0]},) to match the weights, "
                         f"not {b.shape}")
    if min(x.shape) < 1 or min(w.shape) < 1:
        raise InputError(f"arrays must not be empty, not shapes {x.shape} and {w.shape}")


def probability(text):
    """An argparse type: a float in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a probability in [0, 1), not {text!r}")
    return value


def add_stride_arguments(parser):
    """``--stride``, ``--padding`` and ``--strided`` (how a stride > 1 runs)."""
    from fdagen.golden.polyphase import STRIDED_TREATMENTS

    parser.add_argument("--stride", type=positive_int, default=1, metavar="S",
                        help="stride, >= 1 (default 1)")
    parser.add_argument("--padding", type=non_negative_int, default=0, metavar="P",
                        help="zero padding, >= 0 (default 0)")
    parser.add_argument("--strided", choices=STRIDED_TREATMENTS, default="polyphase",
                        help="with stride > 1: run the layer as its stride-1 polyphase form "
                             "(C*min(s,K)^2 channels of ceil(K/s) kernels, arranged by the "
                             "host; default) or decimate (stride 1 over the whole input, "
                             "every s-th output kept)")


def strided_operands(args, x, w):
    """``(x, w, stride, padding, note)``: the layer as it runs. With ``--stride`` above 1 and
    ``--strided polyphase``, ``x`` and ``w`` become the polyphase inputs and kernels
    (:class:`fdagen.golden.polyphase.Polyphase`, an exact rearrangement of floats or codes)
    at stride 1 without padding, and ``note`` says so; otherwise they pass through."""
    from fdagen.golden.polyphase import Polyphase

    if args.stride == 1 or args.strided == "decimate":
        return x, w, args.stride, args.padding, ""
    phases = Polyphase(x.shape[1:], w.shape[2], args.stride, args.padding)
    return (phases.inputs(x), phases.weights(w), 1, 0,
            f"; {phases.describe(x.shape[0])}")


def check_codes(array, what, width):
    """Integer ``array`` must hold signed ``width``-bit codes."""
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    if array.min() < lo or array.max() > hi:
        raise InputError(f"integer {what} codes must lie in [{lo}, {hi}] for {width}-bit "
                         f"words, not [{array.min()}, {array.max()}]")


def check_finite(y, what="output"):
    """Refuse a float result that overflowed (NumPy's overflow warnings are silenced)."""
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.all(np.isfinite(y)) and np.isfinite(np.sum(np.square(y)))
    if not finite:
        raise InputError(f"{what} must be finite, not overflow float64 (scale the input, "
                         f"weights or bias down)")


def fixed_layer(args, x, w, b, tiling, mac=None):
    """Codes, float weights and bias, format, calibrated LayerQuant and the float reference
    (direct convolution of the codes, before ReLU) of ``golden conv2d|conv3d --fixed`` (shared
    by ``fdagen sim``, so both run the identical layer); ``mac``: the golden MAC of the PE
    kind (None: the exact spectral MAC), bound to the layer's word widths and returned last,
    which the calibration runs."""
    from fdagen.golden.direct import conv_direct
    from fdagen.golden.pipeline import calibrate_layer, quantize_input
    from fdagen.golden.spectral import spectral_weights

    fmt = format_from(args)
    frac = fmt.data_width - 1
    if np.issubdtype(x.dtype, np.integer):
        check_codes(x, "input", fmt.data_width)
        x_codes = x.astype(np.int64)
    else:
        with np.errstate(over="ignore"):         # huge values saturate, as documented
            x_codes = quantize_input(x, frac, fmt.data_width, fmt.rounding)
    if np.issubdtype(w.dtype, np.integer):
        check_codes(w, "weight", fmt.weight_width)
        w = np.ldexp(w.astype(np.float64), -(fmt.weight_width - 1))
    if b is not None and np.issubdtype(b.dtype, np.integer):
        check_codes(b, "bias", fmt.data_width)
        b = np.ldexp(b.astype(np.float64), -frac)
    with np.errstate(over="ignore", invalid="ignore"):
        spectra = spectral_weights(w, tiling)
        reference = conv_direct(np.ldexp(x_codes.astype(np.float64), -frac), w, b,
                                tiling.stride, tiling.padding)
    check_finite(spectra, "the spectral weights")
    check_finite(reference, "the float reference")
    if mac is not None:
        mac = mac.for_layer(0, fmt.mac_input_width(tiling.fft_size, tiling.dims),
                            fmt.weight_width)
    quant = calibrate_layer([x_codes], w, b, tiling, fmt, frac, args.relu, mac)
    return x_codes, w, b, fmt, quant, reference, mac


def int_list(text):
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of integers, not "
                                         f"{text!r}") from None
    return values


def word_list(choices):
    def parse(text):
        values = text.split(",")
        for value in values:
            if value not in choices:
                raise argparse.ArgumentTypeError(f"must be a comma-separated list of "
                                                 f"{', '.join(choices)}, not {text!r}")
        return values
    return parse


def fft_size_or_auto(text):
    if text == "auto":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a power of two or auto, not {text!r}") \
            from None


def add_config_flags(parser, names=None, notes=None):
    """Add one flag per :class:`~fdagen.arch.config.AcceleratorConfig` field (or the fields in
    ``names``) to ``parser``: help, metavar and default come from the field, so each is stated
    once. ``notes`` adds text to a field's help. Unset flags are ``None`` (the field's default
    applies)."""
    from dataclasses import fields

    from fdagen.arch.config import AcceleratorConfig, flag
    from fdagen.arch.dsp import DSP_KINDS
    from fdagen.arch.pe_kinds import PE_KINDS
    from fdagen.golden.fixedpoint import ROUNDING_MODES

    choices = {"rounding": ROUNDING_MODES, "pe_kind": tuple(PE_KINDS), "dsp": DSP_KINDS}
    for field in fields(AcceleratorConfig):
        if names is not None and field.name not in names:
            continue
        meta = field.metadata
        default = meta["default_text"] or (f"{field.default:g}" if isinstance(field.default, float)
                                           else field.default)
        text = meta["meaning"]
        if field.name == "pe_kind":
            text += ": " + "; ".join(f"{k.name}: {k.description}" for k in PE_KINDS.values())
        note = (notes or {}).get(field.name)
        help_text = f"{text} (default {default}" + (f"; {note})" if note else ")")
        if field.name in choices:
            parser.add_argument(flag(field.name), dest=field.name, choices=choices[field.name],
                                help=help_text)
        else:
            parser.add_argument(flag(field.name), dest=field.name, type=field.type,
                                metavar=meta["metavar"], help=help_text)


def add_layer_fft_size_flag(parser, what):
    """``--layer-fft-size least-energy|build``: how ``what`` chooses each conv layer's FFT
    size."""
    parser.add_argument("--layer-fft-size", choices=["least-energy", "build"],
                        default="least-energy",
                        help=f"each conv layer's FFT size in {what}: the one of the build's (its "
                             "N and the smaller powers of two a descriptor selects) the energy "
                             "model rates cheapest, or the build's N for every layer (default "
                             "%(default)s)")
