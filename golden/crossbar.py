"""Bit-true model of FDA's complex MAC inside ReRAM crossbars (the ``reram`` PE kind).

For one frequency bin ``k`` the layer's MAC, ``Y[m](k) = sum_c X[c](k) W[m, c](k)``, is a complex
matrix-vector product over input channels. This module maps it onto crossbars and computes
what the crossbars, their DACs and ADCs and the digital periphery deliver, bit for bit. It is
our reading of FDA (Liu et al., IEEE TPDS 2023); every choice is stated here.

Mapping
    **Rows** are input channels at one bin, in slices of ``R`` rows (:attr:`CrossbarFormat.rows`);
    a column sums its rows in the analog domain, so one ADC conversion serves up to ``R``
    multiply-accumulates. Channel slices beyond ``R`` are added digitally.
    **Columns** are output channels x {``W_re``, ``W_im``} x cell slices.

Cells (FDA's two-cell PE)
    Each complex weight is two cells' worth of words: one for ``W_re``, one for ``W_im``, each a
    ``weight_width``-bit code split over ``ceil(weight_width / cell_bits)`` cells, least
    significant first (:func:`weight_cells`). **Signed encoding: offset binary.** A cell stores
    the bits of ``w + 2**(weight_width - 1)`` (unsigned); the periphery subtracts the offset's
    share, ``2**(weight_width - 1) * sum_c x_c``, which it computes *digitally* from the row
    inputs it drives (a popcount-style adder; exact, no correction column, no ADC). The cost of
    this choice: a weight near zero still stores a half-scale top cell, so its column current
    passes through the ADC and is quantized with the rest (a differential pair would not carry
    the offset, at twice the cells).

Two phases (cycles)
    Phase 0 drives ``Re(x)``, and the ``W_re`` and ``W_im`` columns give ``sum Re*W_re`` and
    ``sum Re*W_im``; phase 1 drives ``Im(x)`` for ``sum Im*W_re`` and ``sum Im*W_im``; the
    periphery forms ``Y_re = sum Re*W_re - sum Im*W_im`` and ``Y_im = sum Re*W_im + sum Im*W_re``.

Inputs, bit-serial
    A ``data_width``-bit two's-complement input is driven in slices through ``dac_bits``-bit DACs
    (:func:`input_slices`): the low ``data_width - 1`` bits in ``ceil((data_width - 1) /
    dac_bits)`` unsigned slices (weights ``2**(dac_bits s)``), then the sign bit alone (weight
    ``-2**(data_width - 1)``). Every DAC code is unsigned, so no row is ever driven negative, and
    the signed value is exact. With 1-bit DACs this is the usual ``data_width`` bit-serial steps.

ADC (:func:`adc_convert`)
    A deterministic integer transfer: the column's sum in cell-level units (a multiple of
    ``2**-frac_bits`` when the cells are not ideal, see below) is divided by ``2**adc_shift``,
    rounded half up, and clamped to ``[0, 2**adc_bits - 1]``; the periphery multiplies the code
    back by ``2**adc_shift``. With ``adc_bits`` at least :meth:`CrossbarFormat.full_resolution_bits`
    and ``adc_shift = 0``, ideal cells give exactly :func:`.pipeline.spectral_mac`'s result.
    With fewer bits, this rule defines the quantized result, and the RTL must match it. The
    layer's ``adc_shift`` is programmable (the descriptor carries it);
    :func:`calibrate_adc_shift` picks the smallest one at which no calibration column clamps.

Shift-and-add (:func:`shift_add`)
    ``sum_s slice_weight[s] * sum_j 2**(cell_bits j) * (code[s, j] << adc_shift)``, minus the
    offset share, then summed over row slices.

Devices (:class:`DeviceModel`, :func:`draw_device_map`, :func:`program_cells`)
    Effective cell levels are integers with ``frac_bits`` fraction bits (a cell at level ``v``
    conducts ``v`` units; ideally its effective level is ``v << frac_bits``). What each cell
    does is a :class:`DeviceMap` of integers drawn, seeded, before any weight is known, so that
    the RTL's behavioural macro can load the very same map and, programmed through its port,
    stay bit-exact: **stuck-at** faults (level 0 or the top level, whatever is programmed);
    **write-verify programming**, in which each attempt misses its window with probability
    ``program_fail``, up to ``max_attempts`` attempts, a missed attempt leaving a random wrong
    level, and a cell whose verify never passes (a miss on every attempt, or a stuck cell off
    its target) is counted as a failure; **conductance variation**, a frozen per-cell gain
    ``round(2**frac_bits (1 + sigma z))`` that multiplies the programmed level (read after
    verify, so verify does not see it; drift and read noise in one number). The random draws
    do not depend on the rates, so a larger ``sigma`` with the same seed scales the same
    deviations.
"""

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .checks import ParameterError, check_int, check_range
from .fixedpoint import fits, round_shift

__all__ = ["CrossbarFormat", "DeviceModel", "DeviceMap", "CellMap", "STUCK_LOW", "STUCK_HIGH",
           "weight_cells", "input_slices", "column_read", "draw_device_map", "program_cells",
           "ideal_cells", "column_sums", "adc_convert", "shift_add", "crossbar_mac",
           "calibrate_adc_shift", "crossbar_accumulator_width", "CrossbarMAC"]


@dataclass(frozen=True)
class CrossbarFormat:
    """Crossbar geometry and converters.

    Members
    -------
    rows : int
        ``R``, rows of one crossbar: input channels summed in one analog column read.
    cell_bits : int
        Bits per ReRAM cell (``2**cell_bits`` levels).
    dac_bits : int
        Bits per DAC conversion (the input slice width).
    adc_bits : int or None
        ADC resolution; None gives :meth:`full_resolution_bits` (exact).
    frac_bits : int
        Fraction bits of the effective cell levels (the device map's resolution).
    """

    rows: int = 128
    cell_bits: int = 2
    dac_bits: int = 1
    adc_bits: int = None
    frac_bits: int = 8

    def __post_init__(self):
        check_range("crossbar rows", self.rows)
        check_range("cell bits", self.cell_bits)
        check_range("DAC bits", self.dac_bits)
        if self.adc_bits is not None:
            check_range("ADC bits", self.adc_bits)
        check_range("cell level fraction bits", self.frac_bits)

    def full_resolution_bits(self):
        """ADC bits that hold any column sum of ``rows`` ideal cells exactly: the largest is
        ``rows * (2**dac_bits - 1) * (2**cell_bits - 1)``."""
        return (self.rows * ((1 << self.dac_bits) - 1) * ((1 << self.cell_bits) - 1)).bit_length()

    @property
    def resolution(self):
        """The ADC bits in use (``adc_bits``, or the full resolution)."""
        return self.full_resolution_bits() if self.adc_bits is None else self.adc_bits

    def cells(self, weight_width):
        """Cells per weight part: ``ceil(weight_width / cell_bits)``."""
        return -(-weight_width // self.cell_bits)

    def slices(self, data_width):
        """Input slices per phase: the magnitude slices and the sign slice."""
        return -(-(data_width - 1) // self.dac_bits) + 1

    def row_slices(self, channels):
        """Crossbar row slices a layer of ``channels`` input channels needs."""
        return -(-channels // self.rows)


@dataclass(frozen=True)
class DeviceModel:
    """Device non-idealities (all zero: ideal cells). See the module docstring for the order.

    Members
    -------
    sigma : float
        Relative standard deviation of a programmed cell's conductance.
    stuck_low, stuck_high : float
        Fraction of cells stuck at level 0 and at the top level.
    program_fail : float
        Probability that one write-verify attempt misses its window.
    max_attempts : int
        Write-verify attempts per cell before it is counted as failed.
    seed : int
        Seed of the map; a layer's map also depends on the layer's index.
    """

    sigma: float = 0.0
    stuck_low: float = 0.0
    stuck_high: float = 0.0
    program_fail: float = 0.0
    max_attempts: int = 8
    seed: int = 0

    def __post_init__(self):
        for name, value in (("sigma", self.sigma), ("stuck-at-low rate", self.stuck_low),
                            ("stuck-at-high rate", self.stuck_high),
                            ("program failure rate", self.program_fail)):
            real = isinstance(value, (int, float, np.integer, np.floating)) \
                and not isinstance(value, bool)
            if not (real and math.isfinite(value) and 0 <= value <= 1):
                raise ParameterError(f"{name} must be between 0 and 1, not {value!r}")
        if self.stuck_low + self.stuck_high > 1:
            raise ParameterError(f"stuck-at rates must sum to at most 1, not "
                                 f"{self.stuck_low + self.stuck_high:g}")
        check_range("write-verify attempts", self.max_attempts)
        check_int("device seed", self.seed, 0, 2 ** 63 - 1)

    @property
    def ideal(self):
        return (self.sigma, self.stuck_low, self.stuck_high, self.program_fail) == (0, 0, 0, 0)


#: :attr:`DeviceMap.stuck` codes.
STUCK_LOW, STUCK_HIGH = 1, 2


@dataclass(frozen=True)
class DeviceMap:
    """What each cell of an array does, drawn before any weight is programmed (so that a
    behavioural model of the macro can load it): int64 arrays of one shape.

    Members
    -------
    gain : numpy.ndarray
        Conductance per level, ``frac_bits`` fraction bits: ``round(2**frac_bits (1 + sigma
        z))``, ``z`` standard normal, clamped to ``[0, 2**(frac_bits + 1) - 1]``.
    stuck : numpy.ndarray
        0, :data:`STUCK_LOW` (level 0) or :data:`STUCK_HIGH` (the top level).
    misses : numpy.ndarray
        Programming attempts that miss before the first that lands (``max_attempts``: none
        lands).
    wrong : numpy.ndarray
        The level a missed attempt leaves.
    max_attempts : int
    """

    gain: np.ndarray
    stuck: np.ndarray
    misses: np.ndarray
    wrong: np.ndarray
    max_attempts: int


@dataclass(frozen=True)
class CellMap:
    """Effective levels of a layer's weight cells, and what programming reported.

    Members
    -------
    levels : numpy.ndarray
        int64, shape ``(2, M, C, *bins, cells)``: part (0 ``W_re``, 1 ``W_im``), output
        channel, input channel, bin, cell (least significant first); ``frac_bits`` fraction
        bits.
    frac_bits : int
    failures : int
        Cells whose write-verify never passed (each flagged by the controller).
    pulses : int
        Programming pulses applied (one per attempt).
    """

    levels: np.ndarray
    frac_bits: int
    failures: int = 0
    pulses: int = 0


def weight_cells(codes, weight_width, cell_bits):
    """Cell levels of signed weight ``codes`` in offset binary: the bits of ``codes +
    2**(weight_width - 1)``, ``cell_bits`` at a time, least significant first (a new last
    axis of ``ceil(weight_width / cell_bits)``)."""
    unsigned = np.asarray(codes, dtype=np.int64) + (1 << (weight_width - 1))
    cells = -(-weight_width // cell_bits)
    shifts = np.arange(cells, dtype=np.int64) * cell_bits
    return (unsigned[..., None] >> shifts) & ((1 << cell_bits) - 1)


def input_slices(codes, data_width, dac_bits):
    """DAC codes of signed ``codes`` and their weights: ``(slices, weights)`` with ``slices``
    of shape ``(S, *codes.shape)`` (unsigned, ``< 2**dac_bits``) and ``weights`` a list of
    ``S`` ints such that ``codes == sum_s weights[s] * slices[s]``. The low ``data_width - 1``
    bits come first, ``dac_bits`` at a time; the sign bit is the last slice, weight
    ``-2**(data_width - 1)``."""
    codes = np.asarray(codes, dtype=np.int64)
    magnitude = -(-(data_width - 1) // dac_bits)
    low = codes & ((1 << (data_width - 1)) - 1)
    slices = [(low >> (dac_bits * s)) & ((1 << dac_bits) - 1) for s in range(magnitude)]
    slices.append((codes >> (data_width - 1)) & 1)
    weights = [1 << (dac_bits * s) for s in range(magnitude)] + [-(1 << (data_width - 1))]
    return np.stack(slices), weights


def draw_device_map(shape, fmt, device, stream):
    """Draw the non-idealities of ``shape`` cells: a :class:`DeviceMap`. ``stream`` is the
    map's ``numpy.random.Generator`` (:meth:`CrossbarMAC.rng`). Every draw is made whatever
    the rates, in a fixed order (the attempts, whose number is a parameter, last, attempt by
    attempt), so that the stuck cells, wrong levels and deviations depend on neither the rates
    nor ``max_attempts``, and the first attempts' outcomes not on ``max_attempts``."""
    shape = tuple(shape)
    top = (1 << fmt.cell_bits) - 1
    stuck_draw = stream.random(shape)
    wrong = stream.integers(0, top, shape, endpoint=True)
    deviation = stream.standard_normal(shape)
    attempt_draws = stream.random((device.max_attempts,) + shape)     # attempt-major
    stuck = np.where(stuck_draw < device.stuck_low, STUCK_LOW,
                     np.where(stuck_draw < device.stuck_low + device.stuck_high, STUCK_HIGH,
                              0)).astype(np.int64)
    missed = attempt_draws < device.program_fail
    misses = np.where(missed.all(axis=0), device.max_attempts, np.argmin(missed, axis=0))
    scale = 1 << fmt.frac_bits
    gain = np.clip(np.rint(scale * (1.0 + device.sigma * deviation)), 0, 2 * scale - 1)
    return DeviceMap(gain.astype(np.int64), stuck, misses.astype(np.int64), wrong,
                     device.max_attempts)


def program_cells(target, fmt, device_map):
    """Program ``target`` levels (ints in ``[0, 2**cell_bits)``, the map's shape) with
    write-verify into cells with ``device_map``; return their :class:`CellMap`.

    Per cell, at most ``max_attempts`` pulse-then-verify steps: verify reads the cell's level
    back and passes when it equals the target. A stuck cell stays at its rail; otherwise an
    attempt lands (level = target) once the cell's ``misses`` leading attempts have missed,
    and a missed attempt leaves the cell at its ``wrong`` level (so a cell whose wrong level
    is the target passes at once). A cell that never passes is a failure. The effective level
    is ``min(level * gain, 2**(cell_bits + frac_bits) - 1)`` (a stuck cell: its rail, ``level
    << frac_bits``)."""
    target = np.asarray(target, dtype=np.int64)
    d, attempts = device_map, device_map.max_attempts
    top = (1 << fmt.cell_bits) - 1
    rail = np.where(d.stuck == STUCK_HIGH, top, 0)
    lands = d.misses < attempts
    level = np.where(d.stuck != 0, rail,
                     np.where(d.wrong == target, target, np.where(lands, target, d.wrong)))
    verified = level == target
    pulses = np.where(~verified, attempts,
                      np.where((d.stuck != 0) | (d.wrong == target), 1, d.misses + 1))
    varied = np.minimum(level * d.gain, (1 << (fmt.cell_bits + fmt.frac_bits)) - 1)
    levels = np.where(d.stuck != 0, level << fmt.frac_bits, varied)
    return CellMap(levels, fmt.frac_bits, int(np.count_nonzero(~verified)), int(pulses.sum()))


def ideal_cells(target, fmt):
    """The :class:`CellMap` of ideal cells at ``target`` levels (one pulse each)."""
    target = np.asarray(target, dtype=np.int64)
    return CellMap(target << fmt.frac_bits, fmt.frac_bits, 0, int(target.size))


def column_sums(slices, levels, rows):
    """Analog column sums of every crossbar read.

    ``slices`` (S, 2, C, B, K): DAC codes per input slice, phase (``Re``, ``Im``), channel,
    tile and flattened bin; ``levels`` (2, M, C, K, J): effective cell levels per part
    (``W_re``, ``W_im``), output channel, channel, bin and cell. Returns float32 or float64
    (see below) of shape (G, K, B, S, 2, 2, M, J), integer-valued: row slice ``g`` (channels
    ``g R .. g R + R - 1``), bin, tile, input slice, phase, part, output channel, cell, in
    units of ``2**-frac_bits`` of a cell level. Exact: every sum is an integer that the float type holds exactly (float32 below
    ``2**24``, else float64, below ``2**53`` within :data:`RANGES`)."""
    s_count, _, channels, tiles, bins = slices.shape
    _, outputs, _, _, cells = levels.shape
    groups = -(-channels // rows)
    peak = min(rows, channels) * int(slices.max(initial=0)) * int(levels.max(initial=0))
    dtype = np.float32 if peak < 1 << 24 else np.float64
    out = np.empty((groups, bins, tiles, s_count, 2, 2, outputs, cells), dtype=dtype)
    for g in range(groups):
        part = slice(g * rows, (g + 1) * rows)
        x = slices[:, :, part].astype(dtype).transpose(4, 3, 0, 1, 2)      # (K, B, S, 2, c)
        w = levels[:, :, part].astype(dtype).transpose(3, 2, 0, 1, 4)      # (K, c, 2, M, J)
        np.matmul(x.reshape(bins, tiles * s_count * 2, -1), w.reshape(bins, w.shape[1], -1),
                  out=out[g].reshape(bins, tiles * s_count * 2, -1))
    return out


def column_read(drive, levels):
    """One read of a physical crossbar: ``drive`` (rows,) unsigned DAC codes (0 on a disabled
    row), ``levels`` (rows, columns) effective levels; the column sums ``sum_r drive_r
    levels_rc`` (int64), the input of :func:`adc_convert`."""
    return np.asarray(drive, dtype=np.int64) @ np.asarray(levels, dtype=np.int64)


def adc_convert(sums, frac_bits, adc_bits, adc_shift):
    """ADC codes of column ``sums`` (:func:`column_sums`' float integers in units of
    ``2**-frac_bits`` of a level, any shape): ``>> (frac_bits + adc_shift)`` rounded half up,
    clamped to ``[0, 2**adc_bits - 1]``. Exact for every sum :func:`column_sums` gives within
    :data:`RANGES`: with a shift of at least one bit, adding one half rounds only sums at or
    above ``2**24 - 2**(shift - 1)`` (float32), and never changes their floor; with no shift
    (``frac_bits = 0``) the sums stay below ``2**22``. Works in place: ``sums`` becomes the
    codes."""
    codes = np.multiply(sums, sums.dtype.type(2.0 ** -(frac_bits + adc_shift)), out=sums)
    codes += sums.dtype.type(0.5)
    np.floor(codes, out=codes)
    return np.clip(codes, 0, (1 << adc_bits) - 1, out=codes)


def shift_add(codes, slice_weights, cell_bits, adc_shift, offset, exact_float=True):
    """Rebuild the per-phase, per-part sums from ADC ``codes`` (G, K, B, S, 2, 2, M, J), the
    layout of :func:`column_sums`: ``sum_g sum_s w_s sum_j 2**(cell_bits j) (code <<
    adc_shift)`` minus ``offset`` (2, B, K), the offset encoding's digital share per phase.
    Returns int64 (2 phases, 2 parts, M, B, K). ``exact_float`` says that every partial sum
    stays below ``2**53`` (:func:`crossbar_accumulator_width`), so that float64 arithmetic
    (BLAS) is exact; otherwise the sums are taken in int64."""
    cells = codes.shape[-1]
    place = [1 << (cell_bits * j + adc_shift) for j in range(cells)]
    if exact_float:
        words = (codes.astype(np.float64, copy=False)
                 @ np.array(place, dtype=np.float64)).sum(axis=0)        # (K, B, S, 2, 2, M)
        summed = np.rint(np.tensordot(words, np.array(slice_weights, dtype=np.float64),
                                      axes=(2, 0))).astype(np.int64)
    else:
        words = (codes.astype(np.int64) @ np.array(place, dtype=np.int64)).sum(axis=0)
        summed = np.tensordot(words, np.array(slice_weights, dtype=np.int64), axes=(2, 0))
    # (K, B, 2, 2, M) -> (2, 2, M, B, K)
    return summed.transpose(2, 3, 4, 1, 0) - offset[:, None, None]


def _flat_inputs(spectrum, bins):
    """``(re, im)`` (C, *B, *bins) codes, ``bins`` of them per tile, as one int64 array
    (2, C, B, bins)."""
    re, im = (np.asarray(part, dtype=np.int64) for part in spectrum)
    return np.stack([p.reshape(re.shape[0], -1, bins) for p in (re, im)])


def _drives(spectrum, cell_map, fmt, data_width):
    """What the crossbars see for ``spectrum``: ``(flat inputs, DAC slices, slice weights,
    levels)`` in the shapes of :func:`column_sums`."""
    flat = _flat_inputs(spectrum, math.prod(cell_map.levels.shape[3:-1]))    # (2, C, B, K)
    slices, slice_weights = input_slices(flat, data_width, fmt.dac_bits)
    outputs, cells = cell_map.levels.shape[1], cell_map.levels.shape[-1]
    levels = cell_map.levels.reshape(2, outputs, flat.shape[1], -1, cells)
    return flat, slices, slice_weights, levels


def _column_sum_chunks(slices, levels, fmt):
    """:func:`column_sums` over output channels in chunks of about ``2**25`` sums each, so
    that memory stays bounded on large layers and small crossbars."""
    channels, outputs = slices.shape[2], levels.shape[1]
    per_output = slices.size // channels * fmt.row_slices(channels) * 2 * levels.shape[-1]
    chunk = max(1, (1 << 25) // per_output)
    for first in range(0, outputs, chunk):
        yield column_sums(slices, levels[:, first:first + chunk], fmt.rows)


def crossbar_mac(spectrum, weights, fmt, data_width, weight_width, cell_map, adc_shift=0):
    """The crossbars' ``Y^[m] = sum_c X^[c] W^[m, c]``, shaped as :func:`.pipeline.spectral_mac`.

    ``spectrum`` ``(re, im)`` of shape (C, *B, *bins), ``data_width``-bit codes; ``weights``
    ``(re, im)`` (M, C, *bins), ``weight_width``-bit codes, programmed as ``cell_map``
    (:func:`program_cells` of :func:`weight_cells`); the bins are (N, N/2+1) in 2-D and
    (N, N, N/2+1) in 3-D. Returns ``(re, im)`` (M, *B, *bins)."""
    check_range("data width", data_width)
    check_range("weight width", weight_width)
    if not all(fits(part, data_width) for part in spectrum):
        raise ParameterError(f"crossbar inputs must be {data_width}-bit codes")
    if not all(fits(part, weight_width) for part in weights):
        raise ParameterError(f"crossbar weights must be {weight_width}-bit codes")
    x_re = np.asarray(spectrum[0])
    bin_shape = np.shape(weights[0])[2:]
    channels, lead = x_re.shape[0], x_re.shape[1:x_re.ndim - len(bin_shape)]
    outputs = weights[0].shape[0]
    flat, slices, slice_weights, levels = _drives(spectrum, cell_map, fmt, data_width)
    offset = (1 << (weight_width - 1)) * flat.sum(axis=1)                     # (2, B, K)
    exact = crossbar_accumulator_width(fmt, data_width, weight_width, channels, adc_shift) <= 53
    parts = []
    for sums in _column_sum_chunks(slices, levels, fmt):
        codes = adc_convert(sums, cell_map.frac_bits, fmt.resolution, adc_shift)
        parts.append(shift_add(codes, slice_weights, fmt.cell_bits, adc_shift, offset, exact))
    (re_re, re_im), (im_re, im_im) = np.concatenate(parts, axis=2)
    shape = (outputs, *lead, *bin_shape)
    return (re_re - im_im).reshape(shape), (re_im + im_re).reshape(shape)


def calibrate_adc_shift(spectra, cell_map, fmt, data_width):
    """Smallest ADC shift at which no column sum of the calibration ``spectra`` (a list of
    ``(re, im)``) clamps at ``fmt``'s resolution (0 at full resolution with ideal cells)."""
    peak = 0
    for spectrum in spectra:
        _, slices, _, levels = _drives(spectrum, cell_map, fmt, data_width)
        for sums in _column_sum_chunks(slices, levels, fmt):
            peak = max(peak, int(sums.max()))
    top = (1 << fmt.resolution) - 1
    shift = 0
    while round_shift(peak, cell_map.frac_bits + shift, "half_up") > top:
        shift += 1
    return shift


def crossbar_accumulator_width(fmt, data_width, weight_width, channels, adc_shift):
    """Bits that hold any result of :func:`crossbar_mac` (any codes, any cell map): the bound
    the RTL's shift-and-add and row-slice adders are sized for."""
    code = ((1 << fmt.resolution) - 1) << adc_shift
    place = sum(1 << (fmt.cell_bits * j) for j in range(fmt.cells(weight_width)))
    _, slice_weights = input_slices(0, data_width, fmt.dac_bits)
    words = sum(abs(w) for w in slice_weights) * code * place
    offset = (1 << (weight_width - 1)) * channels * (1 << (data_width - 1))
    part = fmt.row_slices(channels) * words + offset
    return (2 * part).bit_length() + 1


@dataclass
class CrossbarMAC:
    """The ``reram`` kind's MAC for :func:`.pipeline.conv2d_fixed` and
    :func:`.pipeline.calibrate_layer`: crossbars of ``fmt`` with devices ``device``, this
    layer's map drawn from ``(device.seed, layer)``.

    The map is programmed once per weight array (kept until the weights change, as stationary
    weights are) from a generator seeded by ``(seed, layer)``, so the same layer always gets
    the same map.
    """

    fmt: CrossbarFormat = field(default_factory=CrossbarFormat)
    device: DeviceModel = field(default_factory=DeviceModel)
    layer: int = 0
    data_width: int = 16
    weight_width: int = 16
    _programmed: tuple = field(default=None, repr=False)

    def rng(self):
        """The map's random generator."""
        return np.random.default_rng((self.device.seed, self.layer))

    def device_map(self, shape):
        """The layer's :class:`DeviceMap` for ``shape`` cells (drawn from :meth:`rng`)."""
        return draw_device_map(shape, self.fmt, self.device, self.rng())

    def cell_map(self, weights):
        """The :class:`CellMap` of ``weights`` ``(re, im)`` codes (programmed once; see also
        :meth:`pin`)."""
        key = tuple(np.asarray(p, dtype=np.int64).tobytes() for p in weights)
        if self._programmed is None or self._programmed[0] != key:
            target = weight_cells(np.stack(weights), self.weight_width, self.fmt.cell_bits)
            cells = (ideal_cells(target, self.fmt) if self.device.ideal
                     else program_cells(target, self.fmt, self.device_map(target.shape)))
            self._programmed = (key, cells)
        return self._programmed[1]

    def pin(self, weights, cell_map):
        """Take ``cell_map`` as what programming ``weights`` left (a hardware model's
        programming with its own physical map, e.g. the accelerator's crossbars: their cells
        are placed by the hardware, not by this layer's draw)."""
        key = tuple(np.asarray(p, dtype=np.int64).tobytes() for p in weights)
        self._programmed = (key, cell_map)
        return self

    @property
    def programmed(self):
        """The :class:`CellMap` last programmed (None before the first call)."""
        return None if self._programmed is None else self._programmed[1]

    def __call__(self, spectrum, weights, adc_shift=0):
        return crossbar_mac(spectrum, weights, self.fmt, self.data_width, self.weight_width,
                            self.cell_map(weights), adc_shift)

    def calibrate(self, spectra, weights):
        """The layer's ADC shift from calibration ``spectra`` (see :func:`calibrate_adc_shift`)."""
        return calibrate_adc_shift(spectra, self.cell_map(weights), self.fmt, self.data_width)

    def accumulator_width(self, channels, adc_shift):
        return crossbar_accumulator_width(self.fmt, self.data_width, self.weight_width, channels,
                                          adc_shift)

    def for_layer(self, layer, data_width, weight_width):
        """This MAC for another layer (its own map) and word widths."""
        return replace(self, layer=layer, data_width=data_width, weight_width=weight_width,
                       _programmed=None)
