"""Where a build's multipliers register their products: the choice, and what fits a DSP block.

The gateware that builds each kind is :mod:`fdagen.gateware.common.dsp`; this module holds
only the names and the operand limit, so that configurations (:mod:`fdagen.arch.config`) and
the command line check them without importing Amaranth.
"""

from fdagen.golden.checks import ParameterError

__all__ = ["DSP_KINDS", "MULT18_WIDTH", "check_dsp", "fits_mult18"]

#: How a registered product is built: ``generic`` (a fabric register after the multiplier,
#: portable Verilog) or ``ecp5`` (the output register of a Lattice ECP5 MULT18X18D block).
DSP_KINDS = ("generic", "ecp5")

#: Operand width of one MULT18X18D.
MULT18_WIDTH = 18


def check_dsp(dsp):
    """Refuse a DSP kind other than those of :data:`DSP_KINDS`."""
    if dsp not in DSP_KINDS:
        raise ParameterError(f"DSP kind must be one of {', '.join(DSP_KINDS)}, not {dsp!r}")
    return dsp


def fits_mult18(a_width, b_width):
    """Whether a signed ``a_width`` x ``b_width`` product fits one MULT18X18D."""
    return a_width <= MULT18_WIDTH and b_width <= MULT18_WIDTH
