"""Per-event energy and area of the accelerator's building blocks, derived from the library.

The component library (:mod:`fdagen.model.components`) holds published figures at fixed widths and
sizes; the blocks of a build have their own widths and memory sizes. These rules carry one to
the other, and every :class:`Cost` names the library entries it used, so a report can print
the source of every number.

Rules (assumptions, stated so they can be checked or overridden by changing the entries):

* **Adders and multipliers**: a power law through the two published widths, ``E(w) = E(8)
  (w / 8)^a`` with ``a`` such that ``E(32)`` is the published 32-bit figure (Horowitz: adders
  ``a = 0.87``, multipliers ``a = 1.98``, close to the textbook linear and quadratic). An
  ``a x b`` multiplier takes the width ``sqrt(a b)``. Areas follow the same rule through the
  published areas.
* **Memories**: energy per access is linear in the word width (the figures are for 64-bit
  words) and follows a piecewise power law in capacity through the published 8 KB, 32 KB and
  1 MB points (extrapolated with the end slopes, so a 1 KB memory costs ``10 pJ x sqrt(1/8)``
  per 64 bits). Area is ``area_buffer_bit`` per bit whatever the size.
* **Converters** (Accelergy's ``hwcomponents-library`` ``isaac.py`` rules, from ISAAC's 8-bit ADC
  and 1-bit DAC): an ADC conversion and an ADC's area double with every bit of resolution,
  ``E(b) = E(8) 2^(b - 8)``; a DAC's, ``E(b) = E(1) 2^(b - 1)``. Below 8 bits this is the
  optimistic end: the older Saberi-scaled table of Accelergy's ADC plug-in gives 0.79 pJ at 4
  bits where the doubling rule gives 0.10 pJ.
* **Shift-and-add units** are linear in their width from ISAAC's 16-bit unit.
"""

import math
from dataclasses import dataclass

__all__ = ["Cost", "CostRules", "total"]

_KIB = 8 * 1024                       # bits in a KB
_SRAM_POINTS = ((8 * _KIB, "sram_8kb_read_64b"), (32 * _KIB, "sram_32kb_read_64b"),
                (1024 * _KIB, "sram_1mb_read_64b"))


@dataclass(frozen=True)
class Cost:
    """``value`` (pJ per event, or um^2) and the library entries it was derived from."""

    value: float
    sources: tuple

    def __mul__(self, factor):
        return Cost(self.value * factor, self.sources)

    __rmul__ = __mul__

    def __add__(self, other):
        return Cost(self.value + other.value, _merge(self.sources, other.sources))


def _merge(*groups):
    seen = []
    for group in groups:
        for name in group:
            if name not in seen:
                seen.append(name)
    return tuple(seen)


def total(costs):
    """Sum of :class:`Cost` values with their sources merged."""
    costs = list(costs)
    return Cost(sum(c.value for c in costs), _merge(*(c.sources for c in costs)))


class CostRules:
    """Per-event energies and areas at ``node_nm`` from a
    :class:`~fdagen.model.components.ComponentLibrary` (see the module docstring for the rules)."""

    def __init__(self, library, node_nm):
        self.library = library
        self.node_nm = node_nm

    def _power_law(self, small, large, width, area):
        get = self.library.area if area else self.library.energy
        e_small, e_large = get(small, self.node_nm), get(large, self.node_nm)
        exponent = math.log(e_large / e_small) / math.log(32 / 8)
        return Cost(e_small * (width / 8) ** exponent, (small, large))

    def add(self, bits):
        """Energy of one ``bits``-wide integer add."""
        return self._power_law("int_add_8", "int_add_32", bits, area=False)

    def multiply(self, a_bits, b_bits):
        """Energy of one ``a_bits x b_bits`` integer multiply."""
        return self._power_law("int_mult_8", "int_mult_32", math.sqrt(a_bits * b_bits),
                               area=False)

    def adder_area(self, bits):
        return self._power_law("area_int_add_8", "area_int_add_32", bits, area=True)

    def multiplier_area(self, a_bits, b_bits):
        return self._power_law("area_int_mult_8", "area_int_mult_32",
                               math.sqrt(a_bits * b_bits), area=True)

    def memory_access(self, word_bits, capacity_bits):
        """Energy of one read or write of a ``word_bits`` word in a ``capacity_bits`` memory."""
        points = [(cap, name, self.library.energy(name, self.node_nm))
                  for cap, name in _SRAM_POINTS]
        capacity = max(capacity_bits, word_bits, 1)
        # the segment whose slope applies: first one below 32 KB, second one above
        (c0, n0, e0), (c1, n1, e1) = (points[0], points[1]) if capacity <= points[1][0] \
            else (points[1], points[2])
        slope = math.log(e1 / e0) / math.log(c1 / c0)
        per_64 = e0 * (capacity / c0) ** slope
        return Cost(per_64 * word_bits / 64, (n0, n1))

    def memory_area(self, bits):
        return Cost(self.library.area("area_buffer_bit", self.node_nm) * bits,
                    ("area_buffer_bit",))

    def adc_conversion(self, bits):
        """Energy of one ``bits``-bit ADC conversion."""
        return self.event("adc_8b_conversion") * 2.0 ** (bits - 8)

    def adc_area(self, bits):
        return self.area_of("area_adc_8b") * 2.0 ** (bits - 8)

    def dac_conversion(self, bits):
        """Energy of one ``bits``-bit DAC drive of a row."""
        return self.event("dac_1b_conversion") * 2.0 ** (bits - 1)

    def dac_area(self, bits):
        return self.area_of("area_dac_1b") * 2.0 ** (bits - 1)

    def verify_read(self, bits):
        """Energy of a write-verify read-back: one cell read, one ``bits``-bit conversion."""
        return self.event("reram_cell_read") + self.adc_conversion(bits)

    def shift_add(self, bits):
        """Energy of one shift-and-add into a ``bits``-wide register."""
        return self.event("shift_add_16b") * (bits / 16)

    def shift_add_area(self, bits):
        return self.area_of("area_shift_add_16b") * (bits / 16)

    def event(self, name):
        """A library entry used as is (pJ per event)."""
        return Cost(self.library.energy(name, self.node_nm), (name,))

    def area_of(self, name):
        return Cost(self.library.area(name, self.node_nm), (name,))
