"""Bit-true model of the accelerator's radix-2 FFT, IFFT and 2-D real FFT.

Numeric contract (one definition; the RTL implements exactly this):

* Algorithm: radix-2 decimation in frequency (DIF), natural-order input. Stage ``s``
  (``s = 0 .. log2(N)-1``) pairs samples ``h = N / 2**(s+1)`` apart; for the pair ``(a, b)`` at
  offset ``i`` inside its block the twiddle index is ``k = i * 2**s`` and

      upper = (a + b)       >> shift_s          (rounded, saturated)
      lower = ((a - b) * W^k) >> (shift_s + tw-1) (rounded, saturated)

  with the whole sum or product formed exactly first, so each output is rounded once.
* Twiddles: ``W^k = exp(-+2*pi*j*k/N)`` (``-`` forward, ``+`` inverse), quantized as
  ``round_half_away(cos/sin * (2**(tw-1) - 1))`` so +1.0 never overflows. The trivial twiddles are
  applied exactly, without a multiplier: ``k = 0`` is 1, ``k = N/4`` is ``-j`` (forward) or
  ``+j`` (inverse).
* Scaling: either a *schedule* at constant word width, ``"per_stage"`` (every ``shift_s`` = 1,
  the scaled FFT that never overflows but for the sqrt(2) corner) or any tuple of per-stage
  shifts in {0, 1} (a run-time schedule, as in vendor FFT cores; the controller loads it per
  layer); or ``"growth"``: unscaled, ``shift_s = 0`` and the width grows one bit per stage.
* Overflow: every stage output saturates to its width. With ``"per_stage"`` or ``"growth"`` only
  full-scale corners reach it: the sqrt(2) gain of a complex rotation, and a difference of
  ``2**w - 1`` through a trivial twiddle that rounds up to ``2**(w-1)``. A schedule with zeros
  saturates whatever does not fit; calibration (:func:`calibrate_schedule`) shifts wherever the
  calibration data would need it, so only those full-scale corners can still saturate there.
  Pass a list as ``saturations`` to :func:`fft_fixed` to count the values clipped per stage.
* Output order: ``"bitrev"`` (what a DIF pipeline emits, no reorder buffer) or ``"natural"``; the
  two differ only by a permutation, never by arithmetic.

The inverse transform with ``"per_stage"`` scaling is the normalised IDFT (``1/N`` overall).
Complex values travel as a pair of ``int64`` arrays ``(re, im)``; transforms act on the last axis.
"""

from dataclasses import dataclass, replace

import numpy as np

from .checks import ParameterError, ParameterTypeError, check_range
from .fixedpoint import check_rounding, count_saturated, fits, round_shift, saturate

__all__ = [
    "check_fft_size", "FFTFormat", "twiddles", "bit_reverse_indices", "fft_stage", "fft_stage_unsaturated",
    "calibrate_schedule", "fft_fixed",
    "FFT2DFormat", "fft2d_real_fixed", "ifft2d_half_fixed", "hermitian_extend_rows",
    "calibrate_fft2d", "calibrate_ifft2d",
    "FFT3DFormat", "fft3d_real_fixed", "ifft3d_half_fixed", "calibrate_fft3d", "calibrate_ifft3d",
]

SCALING_MODES = ("per_stage", "growth")
ORDERS = ("natural", "bitrev")


def check_fft_size(name, n, minimum=2, maximum=1 << 16):
    """Return ``n`` if it is a power of two in ``[minimum, maximum]``; raise otherwise."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ParameterTypeError(f"{name} must be an integer, not {n!r}")
    if n < minimum or n > maximum or n & (n - 1):
        raise ParameterError(
            f"{name} must be a power of two between {minimum} and {maximum}, not {n!r}")
    return int(n)


@dataclass(frozen=True)
class FFTFormat:
    """Parameters of one 1-D fixed-point FFT/IFFT.

    Members
    -------
    n : int
        Transform size, a power of two >= 2.
    data_width : int
        Width of the input real and imaginary parts.
    twiddle_width : int
        Width of the quantized twiddle factors.
    scaling : str or tuple of int
        ``"per_stage"``, ``"growth"`` or a schedule: a tuple of per-stage shifts in {0, 1}.
    rounding : str
        Rounding rule for every stage (see :mod:`.fixedpoint`).
    inverse : bool
        Inverse transform (``+j`` twiddles).
    order : str
        ``"natural"`` or ``"bitrev"`` output order.
    """

    n: int
    data_width: int = 16
    twiddle_width: int = 16
    scaling: object = "per_stage"
    rounding: str = "half_up"
    inverse: bool = False
    order: str = "natural"

    def __post_init__(self):
        check_fft_size("FFT size", self.n)
        check_range("FFT block data width", self.data_width, "FFT data width")
        check_range("FFT block twiddle width", self.twiddle_width, "FFT twiddle width")
        check_rounding("FFT rounding", self.rounding)
        if self.order not in ORDERS:
            raise ParameterError(f"FFT order must be one of {', '.join(ORDERS)}, not "
                                 f"{self.order!r}")
        if isinstance(self.scaling, str):
            if self.scaling not in SCALING_MODES:
                raise ParameterError(f"FFT scaling must be one of {', '.join(SCALING_MODES)} "
                                     f"or a tuple of per-stage shifts, not {self.scaling!r}")
        else:
            shifts = tuple(self.scaling)
            if len(shifts) != self.stages or any(s not in (0, 1) for s in shifts):
                raise ParameterError(f"FFT scaling schedule must be {self.stages} shifts of 0 or "
                                     f"1, not {self.scaling!r}")
            object.__setattr__(self, "scaling", shifts)
        # A stage forms (a - b) * w exactly: (width + 1) + twiddle_width bits, plus one for the
        # sum of two products. The NumPy model is exact up to 62 bits.
        widest = max(self.stage_widths) + 2 + self.twiddle_width
        if widest > 62:
            raise ParameterError(f"FFT widest stage ({max(self.stage_widths)} bits) plus twiddle "
                                 f"width ({self.twiddle_width} bits) must be at most 60 bits, "
                                 f"not {widest - 2}")

    @property
    def stages(self):
        """Number of radix-2 stages, ``log2(n)``."""
        return self.n.bit_length() - 1

    @property
    def shifts(self):
        """Per-stage right shifts, a tuple of ``stages`` values in {0, 1}."""
        if self.scaling == "per_stage":
            return (1,) * self.stages
        if self.scaling == "growth":
            return (0,) * self.stages
        return self.scaling

    @property
    def stage_widths(self):
        """Data widths at each stage boundary, input first (``stages + 1`` values)."""
        growth = 1 if self.scaling == "growth" else 0
        return tuple(self.data_width + growth * s for s in range(self.stages + 1))

    @property
    def output_width(self):
        """Width of the output real and imaginary parts."""
        return self.stage_widths[-1]

    @property
    def total_shift(self):
        """Total right shift over all stages; output = DFT(input) / 2**total_shift."""
        return sum(self.shifts)


def _round_half_away(values):
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def twiddles(n, twiddle_width, inverse=False):
    """Return quantized twiddles ``(re, im)`` for ``k = 0 .. n/2 - 1`` as int64 arrays."""
    k = np.arange(n // 2)
    scale = (1 << (twiddle_width - 1)) - 1
    angle = 2 * np.pi * k / n
    sign = 1.0 if inverse else -1.0
    re = _round_half_away(np.cos(angle) * scale).astype(np.int64)
    im = _round_half_away(sign * np.sin(angle) * scale).astype(np.int64)
    return re, im


def bit_reverse_indices(n):
    """Return the bit-reversal permutation of ``range(n)``."""
    bits = n.bit_length() - 1
    indices = np.arange(n)
    reversed_ = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        reversed_ |= ((indices >> b) & 1) << (bits - 1 - b)
    return reversed_


def fft_stage(re, im, fmt, stage, saturations=None):
    """Apply DIF stage ``stage`` of ``fmt`` to natural-layout data on the last axis.

    The data layout is the in-place DIF layout: stage ``s`` sees ``2**s`` blocks of ``n / 2**s``
    samples. Returns the new ``(re, im)`` (same layout), saturated to the stage output width;
    appends the number of clipped values to ``saturations`` if it is a list.
    """
    width = fmt.stage_widths[stage + 1]
    re, im = fft_stage_unsaturated(re, im, fmt, stage, fmt.shifts[stage])
    if saturations is not None:
        saturations.append(count_saturated(re, width) + count_saturated(im, width))
    return saturate(re, width), saturate(im, width)


def fft_stage_unsaturated(re, im, fmt, stage, shift):
    """Return DIF stage ``stage`` with right shift ``shift``, rounded but not yet saturated."""
    n = fmt.n
    half = n >> (stage + 1)
    lead = re.shape[:-1]
    blocks = (*lead, n // (2 * half), 2, half)
    re = re.reshape(blocks)
    im = im.reshape(blocks)
    a_re, b_re = re[..., 0, :], re[..., 1, :]
    a_im, b_im = im[..., 0, :], im[..., 1, :]

    up_re = round_shift(a_re + b_re, shift, fmt.rounding)
    up_im = round_shift(a_im + b_im, shift, fmt.rounding)

    d_re = a_re - b_re
    d_im = a_im - b_im
    k = np.arange(half) << stage
    w_re, w_im = twiddles(n, fmt.twiddle_width, fmt.inverse)
    w_re, w_im = w_re[k], w_im[k]
    tw_shift = shift + fmt.twiddle_width - 1
    # General twiddles: one exact complex product, one rounding.
    lo_re = round_shift(d_re * w_re - d_im * w_im, tw_shift, fmt.rounding)
    lo_im = round_shift(d_re * w_im + d_im * w_re, tw_shift, fmt.rounding)
    # Trivial twiddles: k = 0 is 1, k = n/4 is -j (forward) or +j (inverse), applied exactly.
    exact_re = round_shift(d_re, shift, fmt.rounding)
    exact_im = round_shift(d_im, shift, fmt.rounding)
    is_one = k == 0
    lo_re = np.where(is_one, exact_re, lo_re)
    lo_im = np.where(is_one, exact_im, lo_im)
    if n >= 4:
        is_quarter = k == n // 4
        if fmt.inverse:   # (re + j im) * j = -im + j re
            q_re, q_im = round_shift(-d_im, shift, fmt.rounding), exact_re
        else:             # (re + j im) * -j = im - j re
            q_re, q_im = exact_im, round_shift(-d_re, shift, fmt.rounding)
        lo_re = np.where(is_quarter, q_re, lo_re)
        lo_im = np.where(is_quarter, q_im, lo_im)

    out_re = np.stack([up_re, lo_re], axis=-2).reshape(*lead, n)
    out_im = np.stack([up_im, lo_im], axis=-2).reshape(*lead, n)
    return out_re, out_im


def calibrate_schedule(re, im, fmt):
    """Return the schedule (tuple of shifts) with which ``(re, im)`` saturates least.

    Greedy, stage by stage: a stage shifts by 1 only if its unshifted output would not fit the
    word width. Only full-scale corners (see the module docstring) can then still saturate.
    ``fmt`` gives the size, widths, twiddles and rounding (its scaling is ignored).
    """
    fmt = replace(fmt, scaling="per_stage", order="bitrev")
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    shifts = []
    for stage in range(fmt.stages):
        out_re, out_im = fft_stage_unsaturated(re, im, fmt, stage, 0)
        if not (fits(out_re, fmt.data_width) and fits(out_im, fmt.data_width)):
            out_re, out_im = fft_stage_unsaturated(re, im, fmt, stage, 1)
            shifts.append(1)
        else:
            shifts.append(0)
        re, im = saturate(out_re, fmt.data_width), saturate(out_im, fmt.data_width)
    return tuple(shifts)


def fft_fixed(re, im, fmt, saturations=None):
    """Transform integer codes ``(re, im)`` along the last axis with the format ``fmt``.

    Inputs must fit ``fmt.data_width``; the result fits ``fmt.output_width`` and is in
    ``fmt.order``. Returns ``(re, im)`` int64 arrays. If ``saturations`` is a list, the number
    of values clipped at each stage is appended to it.
    """
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    if re.shape != im.shape or re.shape[-1:] != (fmt.n,):
        raise ParameterError(f"FFT input must have last axis {fmt.n} and equal re/im shapes, "
                             f"not {re.shape} and {im.shape}")
    limit = 1 << (fmt.data_width - 1)
    for part in (re, im):
        if part.size and (part.min() < -limit or part.max() >= limit):
            raise ParameterError(f"FFT input must fit {fmt.data_width} bits, "
                                 f"not range [{part.min()}, {part.max()}]")
    for stage in range(fmt.stages):
        re, im = fft_stage(re, im, fmt, stage, saturations)
    if fmt.order == "natural":
        perm = bit_reverse_indices(fmt.n)
        re, im = re[..., perm], im[..., perm]
    return re, im


@dataclass(frozen=True)
class FFT2DFormat:
    """Parameters of the 2-D real-input FFT (rows, then columns) and its half-spectrum inverse
    (columns, then rows).

    Both passes share ``twiddle_width`` and ``rounding``; each has its own scaling (a mode or a
    schedule, see :class:`FFTFormat`). With ``"growth"`` the second pass takes the first pass's
    output width. The spectrum keeps the ``U = n * (n/2 + 1)`` unique bins, indexed ``[ky, kx]``
    with ``kx = 0 .. n/2`` (natural order; the RTL's order is a permutation of it).
    """

    n: int
    data_width: int = 16
    twiddle_width: int = 16
    row_scaling: object = "per_stage"
    column_scaling: object = "per_stage"
    rounding: str = "half_up"
    inverse: bool = False

    def __post_init__(self):
        check_fft_size("FFT size", self.n, minimum=4)
        self.second_format  # validates the rest

    def _format(self, width, scaling):
        return FFTFormat(self.n, width, self.twiddle_width, scaling, self.rounding,
                         inverse=self.inverse, order="natural")

    @property
    def row_format(self):
        """The row pass (first when forward, second when inverse)."""
        if self.inverse:
            return self._format(self.column_format.output_width, self.row_scaling)
        return self._format(self.data_width, self.row_scaling)

    @property
    def column_format(self):
        """The column pass (second when forward, first when inverse)."""
        if self.inverse:
            return self._format(self.data_width, self.column_scaling)
        return self._format(self.row_format.output_width, self.column_scaling)

    @property
    def second_format(self):
        return self.row_format if self.inverse else self.column_format

    @property
    def output_width(self):
        """Width of the output words (spectrum parts, or the real tile when inverse)."""
        return self.second_format.output_width

    @property
    def total_shift(self):
        """Output = DFT2(input) / 2**total_shift (unnormalised inverse DFT when inverse)."""
        return self.row_format.total_shift + self.column_format.total_shift

    @property
    def unique_bins(self):
        """Number of bins kept, ``U = n * (n/2 + 1)``."""
        return self.n * (self.n // 2 + 1)

    dims = 2

    @property
    def pass_scalings(self):
        """The passes' scalings in the order they run (rows, columns; columns, rows inverse)."""
        if self.inverse:
            return (self.column_scaling, self.row_scaling)
        return (self.row_scaling, self.column_scaling)


def fft2d_real_fixed(x, fmt, saturations=None):
    """Return the half spectrum ``(re, im)``, shape ``(..., n, n/2+1)``, of real codes ``x``.

    Row pass: each row is a complex FFT with zero imaginary input; bins ``kx = 0 .. n/2`` are
    kept. Column pass: a complex FFT of each kept column. ``saturations``: see :func:`fft_fixed`
    (row stages, then column stages).
    """
    x = np.asarray(x, dtype=np.int64)
    if fmt.inverse:
        raise ParameterError("2-D FFT format must be a forward format, not an inverse one")
    if x.shape[-2:] != (fmt.n, fmt.n):
        raise ParameterError(f"2-D FFT input must end in ({fmt.n}, {fmt.n}), not {x.shape}")
    re, im = _real_rows(x, fmt.row_format, saturations)
    return _columns(re, im, fmt.column_format, saturations)


def _real_rows(x, row_format, saturations=None):
    half = row_format.n // 2 + 1
    re, im = fft_fixed(x, np.zeros_like(x), row_format, saturations)
    return re[..., :half], im[..., :half]


def _columns(re, im, column_format, saturations=None):
    re, im = fft_fixed(np.swapaxes(re, -1, -2), np.swapaxes(im, -1, -2), column_format,
                       saturations)
    return np.swapaxes(re, -1, -2), np.swapaxes(im, -1, -2)


def hermitian_extend_rows(re, im, width):
    """Rebuild full rows of ``n`` bins from ``n/2 + 1`` bins: ``X[n-k] = conj(X[k])``.

    The conjugate's negated imaginary part saturates to ``width`` bits (``-(-2**(w-1))``).
    """
    half = re.shape[-1]
    mirror = np.arange(half - 2, 0, -1)
    full_re = np.concatenate([re, re[..., mirror]], axis=-1)
    full_im = np.concatenate([im, saturate(-im[..., mirror], width)], axis=-1)
    return full_re, full_im


def ifft2d_half_fixed(re, im, fmt, saturations=None):
    """Return the real tile, shape ``(..., n, n)``, whose half spectrum is ``(re, im)``.

    ``fmt`` is an inverse format. Column pass: a complex IFFT of each of the ``n/2 + 1``
    columns. Row pass: each row is extended to ``n`` bins by Hermitian symmetry, inverse
    transformed, and its real part kept. ``saturations``: see :func:`fft_fixed` (column
    stages, then row stages; the Hermitian negation's own clip is not counted).
    """
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    if not fmt.inverse:
        raise ParameterError("2-D IFFT format must be an inverse format, not a forward one")
    half = fmt.n // 2 + 1
    if re.shape[-2:] != (fmt.n, half) or im.shape != re.shape:
        raise ParameterError(f"half spectrum must end in ({fmt.n}, {half}), not {re.shape}")
    re, im = _columns(re, im, fmt.column_format, saturations)
    re, im = hermitian_extend_rows(re, im, fmt.column_format.output_width)
    re, _ = fft_fixed(re, im, fmt.row_format, saturations)
    return re


@dataclass(frozen=True)
class FFT3DFormat:
    """Parameters of the 3-D real-input FFT and its half-spectrum inverse.

    Forward: the 2-D real FFT of every depth plane (rows, then columns, as
    :class:`FFT2DFormat`), then a complex FFT along depth of each of the ``n (n/2 + 1)`` kept bin
    lines. Inverse: the depth IFFT of each bin line, then the 2-D half-spectrum inverse of every
    plane (columns, then rows, real part). Each of the three passes has its own scaling; with
    ``"growth"`` a pass takes the previous pass's output width. The spectrum keeps the
    ``U = n * n * (n/2 + 1)`` unique bins, indexed ``[kz, ky, kx]`` with ``kx = 0 .. n/2``.
    """

    n: int
    data_width: int = 16
    twiddle_width: int = 16
    row_scaling: object = "per_stage"
    column_scaling: object = "per_stage"
    depth_scaling: object = "per_stage"
    rounding: str = "half_up"
    inverse: bool = False

    dims = 3

    def __post_init__(self):
        check_fft_size("FFT size", self.n, minimum=4)
        self.output_width  # validates every pass

    @property
    def plane_format(self):
        """The 2-D pass of each depth plane (first when forward, second when inverse)."""
        width = self.depth_format.output_width if self.inverse else self.data_width
        return FFT2DFormat(self.n, width, self.twiddle_width, self.row_scaling,
                           self.column_scaling, self.rounding, self.inverse)

    @property
    def depth_format(self):
        """The depth pass (last when forward, first when inverse)."""
        width = self.data_width if self.inverse else self.plane_format.output_width
        return FFTFormat(self.n, width, self.twiddle_width, self.depth_scaling, self.rounding,
                         inverse=self.inverse, order="natural")

    @property
    def output_width(self):
        """Width of the output words (spectrum parts, or the real tile when inverse)."""
        last = self.plane_format if self.inverse else self.depth_format
        return last.output_width

    @property
    def total_shift(self):
        """Output = DFT3(input) / 2**total_shift (unnormalised inverse DFT when inverse)."""
        return self.plane_format.total_shift + self.depth_format.total_shift

    @property
    def unique_bins(self):
        """Number of bins kept, ``U = n * n * (n/2 + 1)``."""
        return self.n * self.n * (self.n // 2 + 1)

    @property
    def pass_scalings(self):
        """The passes' scalings in the order they run (rows, columns, depth; depth, columns,
        rows inverse)."""
        if self.inverse:
            return (self.depth_scaling, self.column_scaling, self.row_scaling)
        return (self.row_scaling, self.column_scaling, self.depth_scaling)


def _depth(re, im, depth_format, saturations=None):
    """A complex FFT along the depth axis (``-3``) of ``(re, im)``."""
    re, im = fft_fixed(np.moveaxis(re, -3, -1), np.moveaxis(im, -3, -1), depth_format,
                       saturations)
    return np.moveaxis(re, -1, -3), np.moveaxis(im, -1, -3)


def fft3d_real_fixed(x, fmt, saturations=None):
    """Return the half spectrum ``(re, im)``, shape ``(..., n, n, n/2+1)``, of real codes ``x``.

    The 2-D real FFT of each depth plane (:func:`fft2d_real_fixed`), then a complex FFT along
    depth. ``saturations``: see :func:`fft_fixed` (row, column, then depth stages).
    """
    x = np.asarray(x, dtype=np.int64)
    if fmt.inverse:
        raise ParameterError("3-D FFT format must be a forward format, not an inverse one")
    if x.shape[-3:] != (fmt.n,) * 3:
        raise ParameterError(f"3-D FFT input must end in {(fmt.n,) * 3}, not {x.shape}")
    re, im = fft2d_real_fixed(x, fmt.plane_format, saturations)
    return _depth(re, im, fmt.depth_format, saturations)


def ifft3d_half_fixed(re, im, fmt, saturations=None):
    """Return the real tile, shape ``(..., n, n, n)``, whose half spectrum is ``(re, im)``.

    ``fmt`` is an inverse format: a complex IFFT along depth of each bin line, then
    :func:`ifft2d_half_fixed` of each plane. ``saturations``: see :func:`fft_fixed` (depth,
    column, then row stages).
    """
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    if not fmt.inverse:
        raise ParameterError("3-D IFFT format must be an inverse format, not a forward one")
    shape = (fmt.n, fmt.n, fmt.n // 2 + 1)
    if re.shape[-3:] != shape or im.shape != re.shape:
        raise ParameterError(f"half spectrum must end in {shape}, not {re.shape}")
    re, im = _depth(re, im, fmt.depth_format, saturations)
    return ifft2d_half_fixed(re, im, fmt.plane_format, saturations)


def calibrate_fft2d(x, fmt):
    """Return ``fmt`` with row and column schedules that keep the real tiles ``x`` unsaturated."""
    fmt = replace(fmt, row_scaling="per_stage", column_scaling="per_stage")
    x = np.asarray(x, dtype=np.int64)
    rows = calibrate_schedule(x, np.zeros_like(x), fmt.row_format)
    fmt = replace(fmt, row_scaling=rows)
    re, im = _real_rows(x, fmt.row_format)
    columns = calibrate_schedule(np.swapaxes(re, -1, -2), np.swapaxes(im, -1, -2),
                                 fmt.column_format)
    return replace(fmt, column_scaling=columns)


def calibrate_ifft2d(re, im, fmt):
    """Return inverse ``fmt`` with schedules that keep half spectra ``(re, im)`` unsaturated."""
    fmt = replace(fmt, row_scaling="per_stage", column_scaling="per_stage")
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    columns = calibrate_schedule(np.swapaxes(re, -1, -2), np.swapaxes(im, -1, -2),
                                 fmt.column_format)
    fmt = replace(fmt, column_scaling=columns)
    re, im = _columns(re, im, fmt.column_format)
    re, im = hermitian_extend_rows(re, im, fmt.column_format.output_width)
    return replace(fmt, row_scaling=calibrate_schedule(re, im, fmt.row_format))


def calibrate_fft3d(x, fmt):
    """Return ``fmt`` with row, column and depth schedules that keep the real tiles ``x``
    unsaturated (each pass calibrated on the previous passes' calibrated output)."""
    fmt = replace(fmt, row_scaling="per_stage", column_scaling="per_stage",
                  depth_scaling="per_stage")
    plane = calibrate_fft2d(x, fmt.plane_format)
    fmt = replace(fmt, row_scaling=plane.row_scaling, column_scaling=plane.column_scaling)
    re, im = fft2d_real_fixed(x, fmt.plane_format)
    depth = calibrate_schedule(np.moveaxis(re, -3, -1), np.moveaxis(im, -3, -1),
                               fmt.depth_format)
    return replace(fmt, depth_scaling=depth)


def calibrate_ifft3d(re, im, fmt):
    """Return inverse ``fmt`` with schedules that keep half spectra ``(re, im)`` unsaturated."""
    fmt = replace(fmt, row_scaling="per_stage", column_scaling="per_stage",
                  depth_scaling="per_stage")
    re = np.asarray(re, dtype=np.int64)
    im = np.asarray(im, dtype=np.int64)
    fmt = replace(fmt, depth_scaling=calibrate_schedule(
        np.moveaxis(re, -3, -1), np.moveaxis(im, -3, -1), fmt.depth_format))
    re, im = _depth(re, im, fmt.depth_format)
    plane = calibrate_ifft2d(re, im, fmt.plane_format)
    return replace(fmt, row_scaling=plane.row_scaling, column_scaling=plane.column_scaling)
