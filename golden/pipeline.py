"""Bit-true fixed-point model of one accelerator conv layer (DESIGN.md sections 2 and 3).

Each step is its own function so the RTL blocks can be checked one at a time; :func:`conv_fixed`
(:func:`conv2d_fixed`, :func:`conv3d_fixed`) chains them and keeps every intermediate in a
:class:`ConvTrace`. The same steps run a 2-D layer (C, H, W) and a 3-D one (C, D, H, W):

    quantize_input      float pixels -> data_width codes, input_frac fraction bits (saturating)
    Tiling.tiles        T x T (x T) tiles, zero-padded to N x N (x N)
    real_fft_fixed      row FFT -> keep n/2+1 bins -> column FFT (-> depth FFT)  (see golden.fft)
    quantize_spectral_weights   offline float FFT of the flipped kernel, power-of-two scaled
    spectral_mac        exact complex MAC over input channels (FDA two-cycle PE arithmetic);
                        the reram kind's crossbars instead (golden.crossbar.CrossbarMAC)
    requantize_spectrum accumulator -> spectrum_width, >> spectrum_shift (rounded, saturating)
    half_ifft_fixed     (depth IFFT ->) column IFFT -> Hermitian row rebuild -> row IFFT, real part
    Tiling.overlap_add  exact integer sum over K-1 wide seams (width sized for the worst case)
    Tiling.crop         cross-correlation positions, stride decimation
    bias_requantize     + bias codes, >> output_shift (rounded, saturating), optional ReLU

Scale bookkeeping (all powers of two). With input codes ``x * 2**f_in``, spectral weights ``W^ *
2**e``, forward and inverse FFT total shifts ``S_f`` and ``S_i`` and ``d = dims*log2(N)``, the
IFFT output tile holds the convolution times ``2**tile_frac`` with

    tile_frac = f_in + e - S_f - spectrum_shift + d - S_i

and the layer output has ``output_frac = tile_frac - output_shift`` fraction bits.
"""

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .checks import ParameterError, check_range
from .fft import (FFT2DFormat, FFT3DFormat, calibrate_fft2d, calibrate_fft3d, calibrate_ifft2d,
                  calibrate_ifft3d, fft2d_real_fixed, fft3d_real_fixed, ifft2d_half_fixed,
                  ifft3d_half_fixed)
from .fixedpoint import (check_rounding, count_saturated, fits, quantize, round_shift,
                         shift_round_saturate)
from .spectral import spectral_weights
from .tiling import Tiling

__all__ = [
    "FixedFormat", "LayerQuant", "ConvTrace", "quantize_input", "quantize_spectral_weights",
    "weight_exponent", "spectral_mac", "accumulator_width", "requantize_spectrum",
    "overlap_add_width", "bias_requantize", "check_datapath", "conv_fixed", "conv2d_fixed",
    "conv3d_fixed", "calibrate_layer", "sqnr_db", "real_fft_fixed", "half_ifft_fixed",
    "DIMS",
]

#: Spatial axes the fixed-point pipeline runs: 2-D and 3-D layers.
DIMS = (2, 3)


FFT_SCALING_MODES = ("calibrated", "per_stage", "growth")


@dataclass(frozen=True)
class FixedFormat:
    """Word widths and rounding of the accelerator datapath.

    Defaults: 16-bit words everywhere, convergent rounding (``half_up`` costs a few dB through
    its DC bias), calibrated FFT schedules: on the trained LeNet-5 the static 1/2-per-stage
    schedule gives 10-32 dB per layer against 56-62 dB calibrated, because ReLU feature maps
    have a high crest factor and zero-padded tiles gain nothing in the first stages. Each extra
    bit on every word buys about 6 dB; in 3-D the spectrum words matter most (18 bits give
    61-65 dB on conv3d-small against 58-61 dB at 16). Figures from ``bench/sqnr.py``.

    Members
    -------
    data_width : int
        Pixel words in and out of a layer.
    twiddle_width : int
        FFT/IFFT twiddle factors.
    weight_width : int
        Spectral weight real and imaginary parts (the PE cells).
    spectrum_width : int
        Accumulated output spectrum after requantization, the IFFT input.
    bias_width : int
        Bias codes, aligned to the IFFT output scale.
    fft_scaling : str
        ``"calibrated"``: every FFT/IFFT pass (rows, columns and, in 3-D, depth) runs a
        per-layer schedule of 0/1 stage shifts at constant width, chosen by
        :func:`calibrate_layer` and carried in :class:`LayerQuant`;
        ``"per_stage"``: the static scaled FFT (1/2 every stage, never overflows but for the
        sqrt(2) corner); ``"growth"``: unscaled, one bit of growth per stage.
    rounding : str
        Rounding rule at every place that drops bits.
    """

    data_width: int = 16
    twiddle_width: int = 16
    weight_width: int = 16
    spectrum_width: int = 16
    bias_width: int = 32
    fft_scaling: str = "calibrated"
    rounding: str = "convergent"

    def __post_init__(self):
        for name in ("data", "twiddle", "weight", "spectrum", "bias"):
            check_range(f"{name} width", getattr(self, f"{name}_width"))
        check_rounding("rounding", self.rounding)
        if self.fft_scaling not in FFT_SCALING_MODES:
            raise ParameterError(f"FFT scaling must be one of {', '.join(FFT_SCALING_MODES)}, "
                                 f"not {self.fft_scaling!r}")

    def _scalings(self, quant, dims, inverse):
        """The ``dims`` passes' scalings in the order they run (see :class:`LayerQuant`)."""
        if self.fft_scaling != "calibrated":
            return (self.fft_scaling,) * dims
        if quant is None or quant.schedules is None:
            raise ParameterError("calibrated FFT scaling needs the layer's schedules "
                                 "(see calibrate_layer)")
        if len(quant.schedules) != 2 * dims:
            raise ParameterError(f"a {dims}-D layer's schedules must be {2 * dims} (one per "
                                 f"pass), not {len(quant.schedules)}")
        return tuple(quant.schedules[dims:] if inverse else quant.schedules[:dims])

    def forward_fft(self, n, dims=2, quant=None):
        """Forward ``dims``-D format for FFT size ``n`` (schedules from ``quant`` when
        calibrated): an :class:`.fft.FFT2DFormat` or :class:`.fft.FFT3DFormat`."""
        scalings = self._scalings(quant, _check_dims(dims), inverse=False)
        return _FORMATS[dims](n, self.data_width, self.twiddle_width, *scalings,
                              rounding=self.rounding)

    def inverse_fft(self, n, dims=2, quant=None):
        """Inverse ``dims``-D format for FFT size ``n`` (schedules from ``quant`` when
        calibrated)."""
        scalings = self._scalings(quant, _check_dims(dims), inverse=True)[::-1]
        return _FORMATS[dims](n, self.spectrum_width, self.twiddle_width, *scalings,
                              rounding=self.rounding, inverse=True)

    def mac_input_width(self, n, dims=2):
        """Bits of the forward FFT's output words at FFT size ``n``: the PE array's inputs."""
        return self.forward_fft(n, dims, _static(dims)).output_width


@dataclass(frozen=True)
class LayerQuant:
    """Per-layer numbers the controller's descriptor carries.

    Members
    -------
    input_frac : int
        Fraction bits of the input pixel codes.
    weight_exp : int
        Spectral weights are ``round(W^ * 2**weight_exp)``.
    spectrum_shift : int
        Right shift from the MAC accumulator to the IFFT input (>= 0).
    output_frac : int
        Fraction bits of the output pixel codes.
    relu : bool
        Apply ReLU after requantization.
    schedules : tuple or None
        FFT stage-shift schedules, each a tuple of 0/1 per stage, when the format's scaling is
        ``"calibrated"``: the forward passes then the inverse passes, each in the order they
        run. 2-D: ``(forward rows, forward columns, inverse columns, inverse rows)``; 3-D:
        ``(forward rows, columns, depth, inverse depth, columns, rows)``.
    adc_shift : int
        ReRAM crossbars only: the ADCs' right shift (:func:`.crossbar.adc_convert`); 0 for
        digital PEs.
    """

    input_frac: int
    weight_exp: int
    spectrum_shift: int
    output_frac: int
    relu: bool = False
    schedules: tuple = None
    adc_shift: int = 0


@dataclass
class ConvTrace:
    """Every intermediate of :func:`conv_fixed`, for block-by-block RTL checks."""

    tiling: Tiling
    fmt: FixedFormat
    quant: LayerQuant
    input_codes: np.ndarray = None
    tiles: np.ndarray = None
    spectrum: tuple = None
    weights: tuple = None
    accumulator: tuple = None
    output_spectrum: tuple = None
    tile_outputs: np.ndarray = None
    overlap_added: np.ndarray = None
    cropped: np.ndarray = None
    bias_codes: np.ndarray = None
    output_codes: np.ndarray = None
    saturated: dict = field(default_factory=dict)

    @property
    def tile_frac(self):
        return tile_frac(self.tiling, self.fmt, self.quant)

    @property
    def output_shift(self):
        return self.tile_frac - self.quant.output_frac

    def output(self):
        """Return the output as floats (codes / 2**output_frac)."""
        return np.ldexp(self.output_codes.astype(np.float64), -self.quant.output_frac)


def quantize_input(x, frac, width, rounding="convergent"):
    """Quantize float pixels to ``width``-bit codes with ``frac`` fraction bits (saturating)."""
    return quantize(x, frac, width, rounding)


def weight_exponent(spectral, width):
    """Largest ``e`` with ``max(|Re W^|, |Im W^|) * 2**e <= 2**(width-1) - 1``.

    This is the per-layer power-of-two weight scale: the largest spectral weight component
    uses the format's full range and never saturates.
    """
    peak = max(np.abs(spectral.real).max(), np.abs(spectral.imag).max())
    if peak == 0:
        return width - 1
    top = (1 << (width - 1)) - 1
    e = math.floor(math.log2(top / peak))
    while peak * 2.0 ** e > top:      # guard log2 rounding at exact powers of two
        e -= 1
    while peak * 2.0 ** (e + 1) <= top:
        e += 1
    return e


def quantize_spectral_weights(w, tiling, width, rounding="convergent", exponent=None):
    """Return ``((re, im), e)``: spectral weight codes (M, C, *bins) and their exponent; the
    bins are (N, N/2+1) in 2-D, (N, N, N/2+1) in 3-D.

    ``W^ = rfftn(flip(w) zero-padded to N on every axis)`` in float64 (weights are transformed once,
    offline); codes are ``round(W^ * 2**e)`` with ``e`` from :func:`weight_exponent` unless
    given (then saturating).
    """
    spectral = spectral_weights(w, tiling, half_spectrum=True)
    e = weight_exponent(spectral, width) if exponent is None else exponent
    re = quantize(spectral.real, e, width, rounding)
    im = quantize(spectral.imag, e, width, rounding)
    return (re, im), e


def accumulator_width(data_width, weight_width, channels):
    """Accumulator width that holds the worst case of ``channels`` complex products.

    One component of a complex product, ``a*b - c*d``, reaches ``2**(dw+ww-1)`` (both products
    at ``(-2**(dw-1)) * (-2**(ww-1))``), which needs ``dw + ww + 1`` bits; summing ``channels``
    of them adds ``ceil(log2(channels))``.
    """
    return data_width + weight_width + 1 + max(0, math.ceil(math.log2(channels)))


def spectral_mac(spectrum, weights):
    """Multiply-accumulate over input channels: ``Y^[m] = sum_c X^[c] * W^[m, c]`` (exact).

    ``spectrum`` is ``(re, im)`` of shape (C, *B, *bins); ``weights`` (M, C, *bins), with the bins
    (N, N/2+1) of a 2-D layer or (N, N, N/2+1) of a 3-D one. The per-bin arithmetic is the FDA
    two-cycle PE: cycle 1 drives ``(x_re, -x_im)`` onto the ``(w_re, w_im)`` cells and sums into the
    real part, cycle 2 drives ``(x_im, x_re)`` and sums into the imaginary part. ``-x_im`` is exact:
    it needs one bit more than ``x_im`` (``x_im`` may be ``-2**(w-1)``), or the RTL subtracts
    ``x_im * w_im`` instead of negating. Returns ``(re, im)`` of shape (M, *B, *bins).
    """
    x_re, x_im = spectrum
    w_re, w_im = weights
    channels = x_re.shape[0]
    bins = w_re.shape[2:]
    lead = x_re.shape[1:x_re.ndim - len(bins)]
    x_re = x_re.reshape(channels, -1, math.prod(bins))
    x_im = x_im.reshape(channels, -1, math.prod(bins))
    w_re = w_re.reshape(*w_re.shape[:2], -1)
    w_im = w_im.reshape(*w_im.shape[:2], -1)
    acc_re = (np.einsum("cbu,mcu->mbu", x_re, w_re)
              + np.einsum("cbu,mcu->mbu", -x_im, w_im))          # cycle 1
    acc_im = (np.einsum("cbu,mcu->mbu", x_im, w_re)
              + np.einsum("cbu,mcu->mbu", x_re, w_im))           # cycle 2
    shape = (w_re.shape[0], *lead, *bins)
    return acc_re.reshape(shape), acc_im.reshape(shape)


def requantize_spectrum(acc, shift, rounding, width):
    """Accumulator -> IFFT input: ``>> shift`` with ``rounding``, saturating to ``width``."""
    return tuple(shift_round_saturate(part, shift, rounding, width) for part in acc)


def overlap_add_width(tile_width, tiling):
    """OaA buffer width that holds the worst-case sum of overlapping tile outputs."""
    overlaps = tiling.max_overlap ** tiling.dims
    return tile_width + max(0, math.ceil(math.log2(overlaps)))


def bias_requantize(values, bias_codes, shift, rounding, width, relu):
    """Add bias codes, drop ``shift`` bits (rounded), saturate to ``width``, then ReLU."""
    dims = values.ndim - 1
    summed = values + np.asarray(bias_codes, dtype=np.int64).reshape((-1,) + (1,) * dims)
    out = shift_round_saturate(summed, shift, rounding, width)
    return np.maximum(out, 0) if relu else out


def real_fft_fixed(x, fmt, saturations=None):
    """The real-input forward FFT of ``fmt``'s dimensions (:func:`.fft.fft2d_real_fixed` or
    :func:`.fft.fft3d_real_fixed`)."""
    return _TRANSFORMS[fmt.dims][0](x, fmt, saturations)


def half_ifft_fixed(re, im, fmt, saturations=None):
    """The half-spectrum inverse FFT of ``fmt``'s dimensions (:func:`.fft.ifft2d_half_fixed` or
    :func:`.fft.ifft3d_half_fixed`)."""
    return _TRANSFORMS[fmt.dims][1](re, im, fmt, saturations)


def tile_frac(tiling, fmt, quant):
    """Fraction bits of the IFFT output tile (see the module docstring)."""
    n = tiling.fft_size
    forward = fmt.forward_fft(n, tiling.dims, quant).total_shift
    inverse = fmt.inverse_fft(n, tiling.dims, quant).total_shift
    d = tiling.dims * int(math.log2(n))
    return quant.input_frac + quant.weight_exp - forward - quant.spectrum_shift + d - inverse


def check_datapath(tiling, fmt, channels):
    """Raise ValueError unless the layer fits the accelerator datapath and the exact model.

    Layers are 2-D or 3-D (:data:`DIMS`); the accumulator (see :func:`accumulator_width`)
    must fit the model's exact 62-bit integers.
    """
    _check_dims(tiling.dims, "fixed-point layers")
    static = _static(tiling.dims)
    forward = fmt.forward_fft(tiling.fft_size, tiling.dims, static)
    width = accumulator_width(forward.output_width, fmt.weight_width, channels)
    if width > 62:
        raise ParameterError(f"accumulator width must be at most 62 bits, not {width} "
                             f"({forward.output_width}-bit spectrum, {fmt.weight_width}-bit "
                             f"weights, {channels} channels)")
    fmt.inverse_fft(tiling.fft_size, tiling.dims, static)     # validates the inverse widths


def conv2d_fixed(x_codes, w, bias, tiling, fmt, quant, mac=None):
    """:func:`conv_fixed` of a 2-D layer: ``x_codes`` (C, H, W), ``w`` (M, C, K, K)."""
    _check_rank(x_codes, tiling, 2)
    return conv_fixed(x_codes, w, bias, tiling, fmt, quant, mac)


def conv3d_fixed(x_codes, w, bias, tiling, fmt, quant, mac=None):
    """:func:`conv_fixed` of a 3-D layer: ``x_codes`` (C, D, H, W), ``w`` (M, C, K, K, K)."""
    _check_rank(x_codes, tiling, 3)
    return conv_fixed(x_codes, w, bias, tiling, fmt, quant, mac)


def _check_rank(x_codes, tiling, dims):
    if tiling.dims != dims or np.ndim(x_codes) != dims + 1:
        raise ParameterError(f"a {dims}-D layer's input must have rank {dims + 1}, not "
                             f"{np.ndim(x_codes)} (a {tiling.dims}-D tiling)")


def conv_fixed(x_codes, w, bias, tiling, fmt, quant, mac=None):
    """Run one layer bit-true. Returns a :class:`ConvTrace` (``trace.output_codes`` is the result).

    ``x_codes`` are input codes (C, *S) with ``quant.input_frac`` fraction bits, ``S`` the tiling's
    2 or 3 spatial axes; ``w`` float weights (M, C, *K); ``bias`` float (M,) or None. ``mac`` is the
    PE kind's MAC: None for the digital PEs' exact :func:`spectral_mac`, or a
    :class:`.crossbar.CrossbarMAC` (run with ``quant.adc_shift``). ``trace.saturated`` counts the
    values clipped at each saturating step: ``fft`` and ``ifft`` (all stages), ``spectrum`` (the
    requantized accumulator) and ``output``.
    """
    x_codes = np.asarray(x_codes, dtype=np.int64)
    check_datapath(tiling, fmt, x_codes.shape[0])
    if not fits(x_codes, fmt.data_width):
        raise ParameterError(f"input codes must fit {fmt.data_width} bits")
    trace = ConvTrace(tiling, fmt, quant, input_codes=x_codes)
    n, dims = tiling.fft_size, tiling.dims
    trace.tiles = tiling.tiles(x_codes)
    forward, inverse = fmt.forward_fft(n, dims, quant), fmt.inverse_fft(n, dims, quant)
    fft_clipped, ifft_clipped = [], []
    trace.spectrum = real_fft_fixed(trace.tiles, forward, fft_clipped)
    trace.saturated["fft"] = sum(fft_clipped)
    trace.weights, _ = quantize_spectral_weights(w, tiling, fmt.weight_width, fmt.rounding,
                                                 exponent=quant.weight_exp)
    channels = x_codes.shape[0]
    if mac is None:
        trace.accumulator = spectral_mac(trace.spectrum, trace.weights)
        acc_width = accumulator_width(forward.output_width, fmt.weight_width, channels)
    else:
        if (mac.data_width, mac.weight_width) != (forward.output_width, fmt.weight_width):
            raise ParameterError(f"crossbar MAC widths must be the layer's "
                                 f"({forward.output_width}-bit spectrum, {fmt.weight_width}-bit "
                                 f"weights), not {mac.data_width} and {mac.weight_width}")
        acc_width = mac.accumulator_width(channels, quant.adc_shift)
        if acc_width > 62:
            raise ParameterError(f"crossbar accumulator width must be at most 62 bits, not "
                                 f"{acc_width} ({channels} channels; see "
                                 f"golden.crossbar.crossbar_accumulator_width)")
        trace.accumulator = mac(trace.spectrum, trace.weights, quant.adc_shift)
    assert all(fits(part, acc_width) for part in trace.accumulator)
    shifted = [round_shift(p, quant.spectrum_shift, fmt.rounding) for p in trace.accumulator]
    trace.saturated["spectrum"] = sum(count_saturated(p, fmt.spectrum_width) for p in shifted)
    trace.output_spectrum = requantize_spectrum(trace.accumulator, quant.spectrum_shift,
                                                fmt.rounding, fmt.spectrum_width)
    trace.tile_outputs = half_ifft_fixed(*trace.output_spectrum, inverse, ifft_clipped)
    trace.saturated["ifft"] = sum(ifft_clipped)
    trace.overlap_added = tiling.overlap_add(trace.tile_outputs)
    oaa_width = overlap_add_width(inverse.output_width, tiling)
    assert fits(trace.overlap_added, oaa_width)
    trace.cropped = tiling.crop(trace.overlap_added)
    frac = trace.tile_frac
    trace.bias_codes = (quantize(bias, frac, fmt.bias_width, fmt.rounding) if bias is not None
                        else np.zeros(w.shape[0], dtype=np.int64))
    summed = trace.cropped + trace.bias_codes.reshape((-1,) + (1,) * dims)
    trace.saturated["output"] = count_saturated(
        round_shift(summed, trace.output_shift, fmt.rounding), fmt.data_width)
    trace.output_codes = bias_requantize(trace.cropped, trace.bias_codes, trace.output_shift,
                                         fmt.rounding, fmt.data_width, quant.relu)
    return trace


def _smallest_shift(peak, width, rounding):
    """Smallest ``s >= 0`` with ``+-peak`` shifted by ``s`` (rounded) inside ``width`` bits."""
    shift = 0
    while not fits(round_shift([peak, -peak], shift, rounding), width):
        shift += 1
    return shift


def calibrate_layer(x_codes_set, w, bias, tiling, fmt, input_frac, relu=False, mac=None):
    """Choose a layer's :class:`LayerQuant` from calibration inputs (a list of code arrays).

    Rules, in datapath order, each on all calibration inputs at once: ``weight_exp`` from
    :func:`weight_exponent`; with ``"calibrated"`` scaling, the forward FFT schedules from
    :func:`.fft.calibrate_fft2d` (:func:`.fft.calibrate_fft3d` in 3-D); with a crossbar ``mac`` (see
    :func:`conv_fixed`), the ADC shift from its ``calibrate``; ``spectrum_shift`` the smallest shift
    that fits the largest accumulator component into ``spectrum_width`` bits; the IFFT schedules
    from :func:`.fft.calibrate_ifft2d` (``calibrate_ifft3d``); ``output_frac`` the most fraction
    bits that fit the largest output (the positive side only when ``relu``) into ``data_width``
    bits. On the calibration inputs nothing saturates but full-scale FFT corners (see :mod:`.fft`);
    other inputs saturate rather than wrap, and :func:`conv_fixed` counts every clipped value.
    """
    check_datapath(tiling, fmt, np.asarray(x_codes_set[0]).shape[0])
    n, dims = tiling.fft_size, tiling.dims
    _, _, calibrate_forward, calibrate_inverse = _TRANSFORMS[dims]
    weights, e = quantize_spectral_weights(w, tiling, fmt.weight_width, fmt.rounding)
    tiles = np.stack([tiling.tiles(x_codes) for x_codes in x_codes_set])
    calibrated = fmt.fft_scaling == "calibrated"
    schedules = None
    if calibrated:
        forward = calibrate_forward(tiles, fmt.forward_fft(n, dims, _static(dims)))
        schedules = forward.pass_scalings + (None,) * dims
    quant = LayerQuant(input_frac, e, 0, 0, relu, schedules)
    spectra = list(zip(*real_fft_fixed(tiles, fmt.forward_fft(n, dims, quant))))
    if mac is None:
        acc = [spectral_mac(spectrum, weights) for spectrum in spectra]
    else:
        quant = replace(quant, adc_shift=mac.calibrate(spectra, weights))
        acc = [mac(spectrum, weights, quant.adc_shift) for spectrum in spectra]
    peak = max(int(np.abs(part).max()) for pair in acc for part in pair)
    quant = replace(quant, spectrum_shift=_smallest_shift(peak, fmt.spectrum_width, fmt.rounding))
    if calibrated:
        outputs = [requantize_spectrum(pair, quant.spectrum_shift, fmt.rounding,
                                       fmt.spectrum_width) for pair in acc]
        inverse = calibrate_inverse(np.stack([re for re, _ in outputs]),
                                    np.stack([im for _, im in outputs]),
                                    fmt.inverse_fft(n, dims, _static(dims)))
        quant = replace(quant, schedules=schedules[:dims] + inverse.pass_scalings)
    frac = tile_frac(tiling, fmt, quant)
    peak = 1
    for x_codes in x_codes_set:
        trace = conv_fixed(x_codes, w, bias, tiling, fmt, replace(quant, output_frac=frac), mac)
        summed = trace.cropped + trace.bias_codes.reshape((-1,) + (1,) * dims)
        peak = max(peak, int(summed.max() if relu else np.abs(summed).max()))
    return replace(quant, output_frac=frac - _smallest_shift(peak, fmt.data_width, fmt.rounding))


def _static(dims):
    """Placeholder schedules for building formats before calibration has chosen the real ones."""
    return LayerQuant(0, 0, 0, 0, schedules=("per_stage",) * (2 * dims))


def _check_dims(dims, what="FFT dimensions"):
    if dims not in DIMS:
        raise ParameterError(f"{what} must be {' or '.join(f'{d}-D' for d in DIMS)}, not "
                             f"{dims}-D")
    return dims


_FORMATS = {2: FFT2DFormat, 3: FFT3DFormat}
_TRANSFORMS = {
    2: (fft2d_real_fixed, ifft2d_half_fixed, calibrate_fft2d, calibrate_ifft2d),
    3: (fft3d_real_fixed, ifft3d_half_fixed, calibrate_fft3d, calibrate_ifft3d),
}


def sqnr_db(reference, measured):
    """Signal-to-quantization-noise ratio of ``measured`` against ``reference``, in dB."""
    reference = np.asarray(reference, dtype=np.float64)
    noise = np.sum((np.asarray(measured, dtype=np.float64) - reference) ** 2)
    signal = np.sum(reference ** 2)
    return float("inf") if noise == 0 else float(10 * np.log10(signal / noise))
