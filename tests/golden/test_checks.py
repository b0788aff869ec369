"""The one parameter-check helper and the one table of legal ranges."""

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.golden.checks import (RANGES, ParameterError, ParameterTypeError, check_int,
                                  check_range)
from fdagen.golden.fft import FFTFormat
from fdagen.golden.pipeline import FixedFormat


def test_check_int_messages():
    assert check_int("x", 3, 1, 4) == 3
    with pytest.raises(ParameterError, match=r"^x must be between 1 and 4, not 5$"):
        check_int("x", 5, 1, 4)
    with pytest.raises(ParameterError, match=r"^x must be at least 1, not 0$"):
        check_int("x", 0, 1)
    with pytest.raises(ParameterTypeError, match=r"^x must be an integer, not True$"):
        check_int("x", True, 1)
    assert issubclass(ParameterError, ValueError) and issubclass(ParameterTypeError, TypeError)


def test_every_range_states_its_reason():
    for quantity, bounds in RANGES.items():
        assert bounds.low <= bounds.high and bounds.reason, quantity
        assert check_range(quantity, bounds.low) == bounds.low


@pytest.mark.parametrize("make, quantity, name", [
    (lambda v: AcceleratorConfig(data_width=v), "accelerator word width", "data width"),
    (lambda v: AcceleratorConfig(spectrum_width=v), "accelerator word width", "spectrum width"),
    (lambda v: FixedFormat(data_width=v), "data width", "data width"),
    (lambda v: FixedFormat(bias_width=v), "bias width", "bias width"),
    (lambda v: AcceleratorConfig(bias_width=v), "bias width", "bias width"),
    (lambda v: FFTFormat(8, data_width=v), "FFT block data width", "FFT data width"),
    (lambda v: AcceleratorConfig(max_channels=v), "channels", "max channels"),
    (lambda v: AcceleratorConfig(pes=v), "PE count", "PE count"),
])
def test_every_site_uses_its_quantitys_range(make, quantity, name):
    """(The PE's own check of the same range is in tests/gateware/test_pe.py.)"""
    low, high = RANGES[quantity].low, RANGES[quantity].high
    make(low)
    for bad in (low - 1, high + 1):
        with pytest.raises(ParameterError, match=rf"^{name} must be between {low} and {high}, "
                                                 rf"not {bad}$"):
            make(bad)
