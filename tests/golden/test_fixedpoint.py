import numpy as np
import pytest

from fdagen.golden.fixedpoint import (check_width, int_range, quantize, round_shift, saturate,
                                      shift_round_saturate)

VALUES = np.arange(-9, 10)


@pytest.mark.parametrize("rounding, expected", [
    # values / 4 for -9..9:  -2.25 -2 -1.75 -1.5 -1.25 -1 -0.75 -0.5 -0.25 0 0.25 0.5 ...
    ("truncate",   [-3, -2, -2, -2, -2, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]),
    ("half_up",    [-2, -2, -2, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]),
    ("convergent", [-2, -2, -2, -2, -1, -1, -1, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]),
])
def test_round_shift_rules(rounding, expected):
    assert round_shift(VALUES, 2, rounding).tolist() == expected


def test_round_shift_zero_and_negative_shift_are_exact():
    assert round_shift(VALUES, 0, "half_up").tolist() == VALUES.tolist()
    assert round_shift(VALUES, -2, "convergent").tolist() == (VALUES * 4).tolist()


def test_saturate_and_range():
    assert int_range(16) == (-32768, 32767)
    assert saturate([-40000, -32768, 0, 32767, 40000], 16).tolist() == \
        [-32768, -32768, 0, 32767, 32767]
    assert shift_round_saturate([65535, -65537], 1, "half_up", 16).tolist() == [32767, -32768]


def test_quantize_saturates_and_rounds():
    codes = quantize([-1.0, -2.0, 0.99999, 1.0, 0.5 / 32768, 1.5 / 32768], 15, 16, "convergent")
    assert codes.tolist() == [-32768, -32768, 32767, 32767, 0, 2]
    assert quantize([0.5 / 32768], 15, 16, "half_up").tolist() == [1]


def test_half_up_quantize_has_no_double_rounding():
    # floor(x + 0.5) rounds 0.49999999999999994 + 0.5 up to 1.0 in float64
    assert quantize([0.49999999999999994, 0.5, -0.5, 2.5], 0, 8, "half_up").tolist() == [0, 1, 0, 3]


def test_width_errors():
    with pytest.raises(ValueError, match=r"^data width must be between 4 and 32, not 2$"):
        check_width("data width", 2, 4, 32)
    with pytest.raises(TypeError, match=r"^data width must be an integer, not 16.0$"):
        check_width("data width", 16.0)
    with pytest.raises(ValueError, match=r"^rounding must be one of truncate, half_up, "
                                         r"convergent, not 'floor'$"):
        round_shift(VALUES, 1, "floor")
