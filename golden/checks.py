"""One way to check a parameter, and one table of legal ranges per quantity.

Every parameter check in fdagen (golden model, architecture, gateware, command line) goes
through :func:`check_int` or :func:`check_range`, and raises :class:`ParameterError` (a
``ValueError``) or :class:`ParameterTypeError` (a ``TypeError``) with the message
``"<what> must be <legal range>, not <value>"``. The command line reports exactly these (and its
own input errors) as one line with exit status 2; any other exception is a bug in fdagen and is
not disguised as a user error.

:data:`RANGES` holds each quantity's legal range once, with the reason for its bounds. The
accelerator's RTL is narrower than the NumPy model in a few quantities; those have their own
entries (``accelerator ...``), used by :class:`fdagen.arch.config.AcceleratorConfig` and the
gateware.
"""

from typing import NamedTuple

import numpy as np

__all__ = ["ParameterError", "ParameterTypeError", "Range", "RANGES", "check_int",
           "check_range", "is_int"]


class ParameterError(ValueError):
    """A parameter, a file's value or a combination of them is outside its legal range."""


class ParameterTypeError(TypeError):
    """A parameter has the wrong type."""


class Range(NamedTuple):
    """Inclusive bounds of a quantity and why they are what they are."""
    low: int
    high: int
    reason: str


RANGES = {
    # word widths
    "data width": Range(4, 32, "pixel and FFT words; with 24-bit twiddles and weights every "
                               "product stays inside the model's int64 (62 bits exact)"),
    "twiddle width": Range(4, 24, "twiddle and weight products must fit int64 with the data"),
    "weight width": Range(4, 24, "as the twiddle width"),
    "spectrum width": Range(4, 32, "the IFFT input: the data width's range"),
    "bias width": Range(4, 48, "bias codes are added to overlap-add words of up to 48 bits"),
    "FFT block data width": Range(2, 48, "the input of a standalone FFT block; its widest stage "
                                         "plus the twiddle width is bounded to 60 bits further"),
    "FFT block twiddle width": Range(3, 24, "3 bits is the least that holds +-1 and +-j"),
    "accelerator word width": Range(4, 24, "the RTL's data, twiddle, weight and spectrum words: "
                                           "a PE accumulator of 2 x 24 + 1 + log2(C) bits stays "
                                           "within 62"),
    # layer geometry
    "channels": Range(1, 1024, "input or output channels of a layer; sizes the PE weight "
                               "memories and the buffers"),
    "padded input size": Range(1, 4096, "H + 2p and W + 2p: the feature-map and overlap-add "
                                        "buffers are addressed by it"),
    "stride": Range(1, 64, "larger strides skip whole tiles"),
    # array
    "PE count": Range(1, 4096, "the programming port addresses PEs with 12 bits"),
    "FFT lanes": Range(1, 64, "each lane holds a 2-D FFT and its transpose memory"),
    # ReRAM crossbars (golden.crossbar)
    "crossbar rows": Range(1, 1024, "input channels summed by one analog column read; column "
                                    "sums stay exact in the model's float64 products"),
    "cell bits": Range(1, 4, "levels per ReRAM cell; with the level fraction bits a cell's "
                             "effective level stays within 16 bits"),
    "DAC bits": Range(1, 8, "input bits per row drive"),
    "ADC bits": Range(1, 22, "column-sum resolution; the full resolution of the largest legal "
                             "crossbar (1024 rows, 8-bit DAC slices, 4-bit cells) is 22 bits"),
    "cell level fraction bits": Range(0, 12, "resolution of the device map's effective cell "
                                             "levels (conductance variation)"),
    "write-verify attempts": Range(1, 64, "program-and-verify pulses per cell before it is "
                                          "reported failed"),
}


def is_int(value):
    """True for a Python or NumPy integer that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_int(name, value, low=None, high=None):
    """Return ``value`` as an ``int`` if it is an integer in ``[low, high]`` (either bound may
    be None); raise :class:`ParameterTypeError` or :class:`ParameterError` naming ``name``."""
    if not is_int(value):
        raise ParameterTypeError(f"{name} must be an integer, not {value!r}")
    if low is not None and high is not None and not low <= value <= high:
        raise ParameterError(f"{name} must be between {low} and {high}, not {value!r}")
    if low is not None and value < low:
        raise ParameterError(f"{name} must be at least {low}, not {value!r}")
    if high is not None and value > high:
        raise ParameterError(f"{name} must be at most {high}, not {value!r}")
    return int(value)


def check_range(quantity, value, name=None):
    """:func:`check_int` against ``RANGES[quantity]``; the message names ``name`` (default the
    quantity)."""
    bounds = RANGES[quantity]
    return check_int(name or quantity, value, bounds.low, bounds.high)
