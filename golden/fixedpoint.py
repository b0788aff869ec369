"""Two's-complement fixed-point rules shared by the golden model and the RTL.

Every place in the accelerator that drops bits names one of the rounding rules below, and every
place that can overflow either has the bits for the worst case or saturates. These functions are
the single definition of those rules; the RTL generators implement the same arithmetic.

Integers are carried in ``numpy.int64`` arrays. Widths up to 62 bits are exact.

Rounding rules (``s`` is the number of bits dropped, ``s >= 0``):

``truncate``
    Arithmetic shift right by ``s`` (round toward minus infinity).
``half_up``
    Add ``2**(s-1)``, then arithmetic shift right by ``s`` (round half toward plus infinity).
``convergent``
    Round half to even.
"""

import numpy as np

from .checks import ParameterError, check_int

__all__ = [
    "ROUNDING_MODES", "check_width", "check_rounding", "int_range", "count_saturated", "saturate",
    "round_shift",
    "shift_round_saturate", "quantize", "dequantize", "fits",
]

ROUNDING_MODES = ("truncate", "half_up", "convergent")

#: Widest word the NumPy model handles exactly (int64 with headroom for one addition).
MAX_WIDTH = 62


def check_width(name, width, minimum=2, maximum=MAX_WIDTH):
    """Return ``width`` if it is an int in ``[minimum, maximum]``; raise otherwise
    (:func:`fdagen.golden.checks.check_int`)."""
    return check_int(name, width, minimum, maximum)


def check_rounding(name, rounding):
    """Return ``rounding`` if it names one of :data:`ROUNDING_MODES`; raise otherwise."""
    if rounding not in ROUNDING_MODES:
        raise ParameterError(f"{name} must be one of {', '.join(ROUNDING_MODES)}, not {rounding!r}")
    return rounding


def int_range(width):
    """Return ``(min, max)`` of a signed two's-complement word of ``width`` bits."""
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def fits(values, width):
    """Return True if every element of ``values`` fits a signed ``width``-bit word."""
    lo, hi = int_range(width)
    values = np.asarray(values)
    return bool(np.all((values >= lo) & (values <= hi)))


def count_saturated(values, width):
    """Return how many of ``values`` lie outside the signed ``width``-bit range."""
    lo, hi = int_range(width)
    values = np.asarray(values)
    return int(np.count_nonzero((values < lo) | (values > hi)))


def saturate(values, width):
    """Clamp integers to the signed ``width``-bit range."""
    lo, hi = int_range(width)
    return np.clip(np.asarray(values, dtype=np.int64), lo, hi)


def round_shift(values, shift, rounding):
    """Divide integers by ``2**shift`` with the named rounding rule.

    A negative ``shift`` multiplies by ``2**-shift`` (exact). Widths are not limited here.
    """
    values = np.asarray(values, dtype=np.int64)
    if shift <= 0:
        return values << (-shift)
    if rounding == "truncate":
        return values >> shift
    if rounding == "half_up":
        return (values + (1 << (shift - 1))) >> shift
    if rounding == "convergent":
        floor = values >> shift
        remainder = values - (floor << shift)
        half = 1 << (shift - 1)
        round_up = (remainder > half) | ((remainder == half) & ((floor & 1) == 1))
        return floor + round_up.astype(np.int64)
    raise ParameterError(f"rounding must be one of {', '.join(ROUNDING_MODES)}, not {rounding!r}")


def shift_round_saturate(values, shift, rounding, width):
    """Drop ``shift`` bits with ``rounding``, then saturate to a signed ``width``-bit word."""
    return saturate(round_shift(values, shift, rounding), width)


def quantize(values, frac_bits, width, rounding="half_up"):
    """Quantize floats to signed ``width``-bit codes with ``frac_bits`` fraction bits.

    ``code = saturate(round(values * 2**frac_bits))``; ``half_up`` rounds halves toward plus
    infinity, ``convergent`` to even, ``truncate`` toward minus infinity.
    """
    scaled = np.asarray(values, dtype=np.float64) * np.ldexp(1.0, frac_bits)
    if rounding == "truncate":
        codes = np.floor(scaled)
    elif rounding == "half_up":
        floor = np.floor(scaled)          # scaled - floor is exact; scaled + 0.5 may round
        codes = floor + (scaled - floor >= 0.5)
    elif rounding == "convergent":
        codes = np.round(scaled)  # NumPy rounds half to even
    else:
        raise ParameterError(f"rounding must be one of {', '.join(ROUNDING_MODES)}, not "
                             f"{rounding!r}")
    lo, hi = int_range(width)
    return np.clip(codes, lo, hi).astype(np.int64)


def dequantize(codes, frac_bits):
    """Return the float value of fixed-point ``codes`` with ``frac_bits`` fraction bits."""
    return np.asarray(codes, dtype=np.float64) * np.ldexp(1.0, -frac_bits)
