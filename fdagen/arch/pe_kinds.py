"""Processing-element kinds: one base class, one registry, no branching on a kind's name.

A kind declares what the rest of fdagen needs to know about a PE (the pattern of LiteX's CPU
classes and ``collect_cpus()``):

- ``name`` and ``description``;
- ``gateware``: ``"module:Class"`` of its Amaranth component (looked up by
  :mod:`fdagen.gateware.blocks`), or ``None`` for a kind that is only modelled;
- :meth:`PEKind.issue_interval`: clocks per array operation (one complex MAC on every PE). The
  MAC stage issues at this interval, the counters and the schedule count with it, the cycle
  model replays it: it is stated here and nowhere else;
- ``latency``: clocks from a ``last`` operation's start to its ``result_valid`` (generated
  kinds);
- :meth:`PEKind.golden_mac` and ``golden_options``: the golden model's MAC for the kind
  (``fdagen golden net --pe-kind``) and the options it takes;
- :meth:`PEKind.accumulator_width`;
- cost hooks for :mod:`fdagen.model.energy`: :meth:`PEKind.array_counts` (events per layer) and
  :meth:`PEKind.energy_terms` / :meth:`PEKind.area_terms`, which name costs as data,
  ``(rule, *arguments)`` of :class:`fdagen.model.costs.CostRules` (``("multiply", 16, 16)``,
  ``("event", "adc_8b_conversion")``), so that this layer needs no cost model.

Add a kind by subclassing :class:`PEKind` and decorating the class with :func:`register`.
"""

from fdagen.golden.checks import ParameterError
from fdagen.golden.pipeline import accumulator_width

__all__ = ["PEKind", "DigitalPE", "ReRAMPE", "PE_KINDS", "register", "pe_kind", "generated_kinds"]

#: Every registered kind by name, in registration order.
PE_KINDS = {}


def register(cls):
    """Class decorator: add an instance of the :class:`PEKind` subclass ``cls`` to
    :data:`PE_KINDS`."""
    kind = cls()
    if kind.name in PE_KINDS:
        raise ValueError(f"PE kind {kind.name!r} is registered twice")
    PE_KINDS[kind.name] = kind
    return cls


def pe_kind(name):
    """The registered kind called ``name``; :class:`ParameterError` naming the choices."""
    if name not in PE_KINDS:
        raise ParameterError(f"PE kind must be one of {', '.join(PE_KINDS)}, not {name!r}")
    return PE_KINDS[name]


def generated_kinds():
    """Names of the kinds that have gateware (``fdagen build --pe-kind``)."""
    return tuple(name for name, kind in PE_KINDS.items() if kind.gateware)


class PEKind:
    """Base class of a PE kind (see the module docstring). Subclasses set the class attributes
    and override the methods that differ."""

    name = None
    description = ""
    gateware = None
    latency = None
    #: Options of :meth:`golden_mac` (``fdagen golden net`` flags' argparse destinations).
    golden_options = ()

    def require_gateware(self):
        """Return ``gateware``; :class:`ParameterError` for a kind that is only modelled."""
        if self.gateware is None:
            raise ParameterError(f"PE kind must have gateware to be generated "
                                 f"({', '.join(generated_kinds())}), not {self.name!r} "
                                 f"(modelled only: see fdagen energy --pe-kind)")
        return self.gateware

    def issue_interval(self, config):
        """Clocks per array operation on a build ``config``."""
        raise NotImplementedError

    def golden_mac(self, options):
        """The MAC :func:`fdagen.golden.pipeline.conv2d_fixed` runs for this kind, from
        ``options`` (a dict of some of :attr:`golden_options`): None for the exact
        :func:`~fdagen.golden.pipeline.spectral_mac`."""
        return None

    def accumulator_width(self, config):
        """Bits of each PE sum: the worst case of ``max_channels`` complex products."""
        return accumulator_width(config.data_width, config.weight_width, config.max_channels)

    def array_counts(self, config, operations, weight_writes):
        """``{event: count}`` of the array for ``operations`` array operations and
        ``weight_writes`` weight words written."""
        raise NotImplementedError

    def energy_terms(self, config):
        """``[(component, counts, cost)]``: each component's energy is the count times the
        cost; ``counts`` names a key of :meth:`array_counts`' result or of the schedule's
        counters, or is a tuple of such keys, summed."""
        raise NotImplementedError

    def area_terms(self, config):
        """``[(component, instances, cost)]`` of the array's area."""
        raise NotImplementedError

    def __repr__(self):
        return f"<PE kind {self.name}>"


@register
class DigitalPE(PEKind):
    """FDA's two-cell PE as digital logic: the real and imaginary weight parts drive two real
    multipliers; cycle 1 takes ``Re(x)``-terms into the real sum, cycle 2 the imaginary sum.
    Weights in a per-PE SRAM. Generated (:class:`fdagen.gateware.pe.digital.PE`)."""

    name = "digital"
    description = "digital twin: two multipliers per PE, two cycles per complex MAC (generated)"
    gateware = "fdagen.gateware.pe.digital:PE"
    #: operation register, product register, real sum, imaginary sum
    latency = 4

    def issue_interval(self, config):
        return 2

    def array_counts(self, config, operations, weight_writes):
        # four real products per complex MAC (two cells x two cycles), one accumulation each
        return {"pe_multiplies": 4 * config.pes * operations,
                "pe_accumulations": 4 * config.pes * operations}

    def energy_terms(self, config):
        c, word = config, 2 * config.weight_width
        acc = self.accumulator_width(c)
        return [
            ("pe_multipliers", "pe_multiplies", ("multiply", c.data_width, c.weight_width)),
            ("pe_accumulators", "pe_accumulations", ("add", acc)),
            ("weight_memory", ("weight_reads", "weight_writes"),
             ("memory_access", word, c.weight_depth * word)),
        ]

    def area_terms(self, config):
        c = config
        acc = self.accumulator_width(c)
        return [
            ("pe_multipliers", 2 * c.pes, ("multiplier_area", c.data_width, c.weight_width)),
            ("pe_adders", 2 * c.pes, ("adder_area", acc)),
            ("pe_accumulators", c.pes, ("memory_area", 2 * acc)),
            ("weight_memory", c.pes, ("memory_area", c.weight_depth * 2 * c.weight_width)),
        ]


@register
class ReRAMPE(PEKind):
    """ISAAC-style crossbar PEs (modelled, not generated): each PE owns a 2-row column of
    ``ceil(weight_width / CELL_BITS)`` cells per weight part, inputs arrive bit-serially through
    1-bit DACs and every column read is an 8-bit ADC conversion; the sum over input channels is
    digital. (ISAAC, ISCA 2016: 2-bit cells, 1-bit DACs, 8-bit ADCs.)"""

    name = "reram"
    description = "ISAAC-style crossbar PEs, bit-serial inputs (modelled only)"
    #: bits per ReRAM cell and per DAC conversion
    CELL_BITS = 2
    DAC_BITS = 1

    golden_options = ("xbar_rows", "cell_bits", "dac_bits", "adc_bits", "sigma", "stuck_at",
                      "program_fail", "max_attempts", "seed")

    def golden_mac(self, options):
        """The bit-true crossbars of :mod:`fdagen.golden.crossbar` (what the generated kind is
        to compute; the cost hooks below still model ISAAC-style PEs). ``stuck_at`` is split
        half stuck low, half stuck high."""
        from fdagen.golden.crossbar import CrossbarFormat, CrossbarMAC, DeviceModel

        fmt, device = CrossbarFormat(), DeviceModel()
        stuck = options.get("stuck_at", 0.0)
        if not 0 <= stuck <= 1:                      # also refuses nan
            raise ParameterError(f"stuck-at rate must be between 0 and 1, not {stuck:g}")
        return CrossbarMAC(
            CrossbarFormat(rows=options.get("xbar_rows", fmt.rows),
                           cell_bits=options.get("cell_bits", fmt.cell_bits),
                           dac_bits=options.get("dac_bits", fmt.dac_bits),
                           adc_bits=options.get("adc_bits")),
            DeviceModel(sigma=options.get("sigma", 0.0), stuck_low=stuck / 2,
                        stuck_high=stuck / 2, program_fail=options.get("program_fail", 0.0),
                        max_attempts=options.get("max_attempts", device.max_attempts),
                        seed=options.get("seed", device.seed)))

    def cells_per_part(self, config):
        return -(-config.weight_width // self.CELL_BITS)

    def input_slices(self, config):
        return -(-config.data_width // self.DAC_BITS)

    def issue_interval(self, config):
        # the two FDA cycles, each streaming the input word bit-serially through the DACs
        return 2 * self.input_slices(config)

    def array_counts(self, config, operations, weight_writes):
        c, cells, slices = config, self.cells_per_part(config), self.input_slices(config)
        return {
            "reram_cell_reads": operations * c.pes * 2 * 2 * cells * slices,
            "reram_cell_programs": weight_writes * 2 * cells,
            "dac_conversions": operations * c.bin_lanes * 2 * 2 * slices,
            "adc_conversions": operations * c.pes * 2 * cells * slices,
        }

    def energy_terms(self, config):
        acc = self.accumulator_width(config)
        return [
            ("reram_cells", "reram_cell_reads", ("event", "reram_cell_read")),
            ("reram_programming", "reram_cell_programs", ("event", "reram_cell_program")),
            ("dacs", "dac_conversions", ("event", "dac_1b_conversion")),
            ("adcs", "adc_conversions", ("event", "adc_8b_conversion")),
            ("shift_add", "adc_conversions", ("add", acc)),
        ]

    def area_terms(self, config):
        c, cells = config, self.cells_per_part(config)
        acc = self.accumulator_width(c)
        return [
            ("reram_cells", c.pes * c.weight_depth * 2 * cells, ("area_of", "area_reram_cell")),
            ("adcs", c.pes * cells, ("area_of", "area_adc_8b")),
            ("dacs", c.bin_lanes * 2, ("area_of", "area_dac_1b")),
            ("shift_add", c.pes * cells, ("adder_area", acc)),
            ("pe_accumulators", c.pes, ("memory_area", 2 * acc)),
        ]
