"""Processing-element kinds: one base class, one registry, no branching on a kind's name.

A kind declares what the rest of fdagen needs to know about a PE (the pattern of LiteX's CPU
classes and ``collect_cpus()``):

- ``name`` and ``description``;
- ``gateware``: ``"module:Class"`` of its Amaranth component (looked up by
  :mod:`fdagen.gateware.blocks`), or ``None`` for a kind that is only modelled;
- ``mac_stage``: ``"module:Class"`` of the MAC stage that drives the kind's array behind the
  common stage ports (:mod:`fdagen.gateware.accel.mac`);
- ``config_fields``: the :class:`~fdagen.arch.config.AcceleratorConfig` fields only this kind
  takes (its build flags), checked by :meth:`PEKind.check_config`;
- :meth:`PEKind.issue_interval`: clocks per array operation. The MAC stage issues at this
  interval, the counters and the schedule count with it, the cycle model replays it: it is
  stated here and nowhere else; :meth:`PEKind.operations` and
  :meth:`PEKind.scheduled_counts`: the operations of a layer and the counters that follow from
  them;
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

from fdagen.arch.dsp import MULT18_WIDTH, fits_mult18
from fdagen.arch.fields import PE_COUNTERS

#: Clocks a programming pulse keeps a crossbar macro busy in the generated builds
#: (``fdagen.gateware.pe.xbar.XbarSignature.pulse_cycles``).
XBAR_PULSE_CYCLES = 1
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
    #: Whether the kind's whole datapath synthesizes (a board build needs it); False where
    #: the build instantiates black-box macros.
    synthesizable = True
    gateware = None
    mac_stage = None
    latency = None
    #: Options of :meth:`golden_mac` (``fdagen golden net`` flags' argparse destinations).
    golden_options = ()
    #: AcceleratorConfig fields only this kind takes.
    config_fields = ()
    #: The weights stream into the run, a group into each free group buffer while the array
    #: computes (else every weight is in place before the run starts, and a layer needs a
    #: buffer per group).
    streams_weights = True
    #: An operation runs only the PEs of slots with an output channel (``g J + j < M``): the
    #: others read no weight, multiply nothing and write no sum (else every PE works in every
    #: operation). A kind says so only when its MAC stage gates them.
    gates_idle_slots = False
    #: The MAC stage counts weight-programming events among a layer's counters (cleared with
    #: ``control.capture``), so the next layer's weights may be programmed only once the
    #: running layer's run counters are captured (else they load as soon as its run is over).
    counts_programming = False

    def default_weight_groups(self, config):
        """Output-channel group buffers of a build that does not set ``--weight-sets``: two
        (one computes while the next loads), or one for a build of one group."""
        return min(2, config.max_groups)

    def require_gateware(self):
        """Return ``gateware``; :class:`ParameterError` for a kind that is only modelled."""
        if self.gateware is None:
            raise ParameterError(f"PE kind must have gateware to be generated "
                                 f"({', '.join(generated_kinds())}), not {self.name!r} "
                                 f"(modelled only: see fdagen energy --pe-kind)")
        return self.gateware

    def check_generable(self, config):
        """Refuse a build of this kind the generator cannot elaborate in reasonable time
        (:meth:`fdagen.arch.config.AcceleratorConfig.check_generable`; the cost model has no such
        limit)."""

    def check_config(self, config):
        """Refuse (:class:`ParameterError`) a build ``config`` this kind cannot take."""

    def issue_interval(self, config):
        """Clocks per array operation on a build ``config``."""
        raise NotImplementedError

    def operations(self, config, steps, tiles, groups, channels):
        """Array operations of a layer of ``steps`` bin steps a pass (``U/L`` at the layer's FFT
        size), ``tiles`` tiles, ``groups`` output-channel groups and ``channels`` input
        channels."""
        raise NotImplementedError

    def operation_clocks(self, config, channels):
        """Clocks from one operation to the next when nothing else waits (the cycle model's):
        the issue interval, unless feeding an operation takes longer."""
        return self.issue_interval(config)

    def lead_clocks(self, channels):
        """Clocks between a tile's spectra being ready and its first operation beyond the
        digital stage's (the cycle model's)."""
        return 0

    def weight_load_clocks(self, config, weights):
        """Clocks the array takes ``weights`` spectral weight words in (one per clock)."""
        return weights

    def channels_per_operation(self, channels):
        """Input channels one array operation sums (of a layer's ``channels``)."""
        raise NotImplementedError

    def scheduled_counts(self, config, operations, channels, pe_operations):
        """The kind's own counters (``PE_COUNTERS`` of :mod:`fdagen.arch.fields`) and the
        array's buffer reads for ``operations`` operations of a layer of ``channels`` input
        channels, ``pe_operations`` PE operations among them (:attr:`gates_idle_slots`):
        ``weight_reads``, ``spectrum_reads`` and every kind counter, 0 for events the kind has
        not."""
        raise NotImplementedError

    def build_mac(self, config):
        """The golden MAC (see :meth:`golden_mac`) that a build ``config`` of this kind
        computes, with ideal devices."""
        return None

    def max_adc_shift(self, config):
        """Largest ADC shift a layer's descriptor may ask for (0: the kind has no ADC)."""
        return 0

    def contract_lines(self, config):
        """Lines the generated top's header adds about this kind."""
        return []

    def memories(self, config):
        """The array's RAMs in :meth:`fdagen.arch.config.AcceleratorConfig.derived`'s form
        (``{name: {"banks", "depth", "width"}}``)."""
        return {}

    def derived(self, config):
        """The kind's derived sizes for the manifest (JSON-ready)."""
        return {}

    def golden_mac(self, options):
        """The MAC :func:`fdagen.golden.pipeline.conv2d_fixed` runs for this kind, from
        ``options`` (a dict of some of :attr:`golden_options`): None for the exact
        :func:`~fdagen.golden.pipeline.spectral_mac`."""
        return None

    def accumulator_width(self, config):
        """Bits of each PE sum: the worst case of ``max_channels`` complex products."""
        return accumulator_width(config.data_width, config.weight_width, config.max_channels)

    def array_counts(self, config, counts):
        """``{event: count}`` of the array from a layer's scheduled ``counts``
        (:meth:`fdagen.arch.schedule.LayerSchedule.scheduled_counts`)."""
        raise NotImplementedError

    def energy_terms(self, config):
        """``[(component, counts, cost)]``: each component's energy is the count times the
        cost; ``counts`` names a key of :meth:`array_counts`' result or of the schedule's
        counters, or is a tuple of such keys, summed."""
        raise NotImplementedError

    def area_terms(self, config):
        """``[(component, instances, cost)]`` of the array's area."""
        raise NotImplementedError

    def endurance(self, config, layers):
        """What programming the array costs a network per inference, from the
        :meth:`fdagen.model.energy.EnergyModel.layer` reports ``layers``: a JSON-ready dict, or
        None for a kind whose weights need no programming."""
        return None

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
    mac_stage = "fdagen.gateware.accel.mac:MACStage"
    #: The MAC stage starts only the PEs of slots with an output channel (``PEArray.active``).
    gates_idle_slots = True
    #: operation register, operand register (the weight word and x), product register, real
    #: sum, imaginary sum
    latency = 5

    def issue_interval(self, config):
        return 2

    def check_config(self, config):
        c = config
        if c.dsp == "ecp5" and not fits_mult18(c.data_width, c.weight_width):
            raise ParameterError(f"data and weight widths must be at most {MULT18_WIDTH} bits "
                                 f"with --dsp ecp5 (one MULT18X18D per PE product), not "
                                 f"{c.data_width} and {c.weight_width}")

    def memories(self, config):
        return {"weights": {"banks": config.pes, "depth": config.weight_depth,
                            "width": 2 * config.weight_width}}

    def operations(self, config, steps, tiles, groups, channels):
        # one input channel at L bins per operation
        return tiles * groups * steps * channels

    def channels_per_operation(self, channels):
        return 1

    def scheduled_counts(self, config, operations, channels, pe_operations):
        counts = dict.fromkeys(PE_COUNTERS, 0)
        counts.update(weight_reads=pe_operations,
                      spectrum_reads=operations * config.bin_lanes)
        return counts

    def array_counts(self, config, counts):
        # four real products per complex MAC (two cells x two cycles), one accumulation each,
        # on the PEs at work (one weight read each)
        return {"pe_multiplies": 4 * counts["weight_reads"],
                "pe_accumulations": 4 * counts["weight_reads"]}

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
    """FDA's two-cell PE in ReRAM crossbars (generated:
    :class:`fdagen.gateware.pe.crossbar_array.CrossbarArray` behind
    :class:`fdagen.gateware.accel.crossbar_mac.CrossbarMACStage`).

    An array operation is one bin step of one output-channel group: each bin lane's crossbars
    take the ``C`` input-spectrum values of their bin on ``C`` rows and sum ``C`` complex
    products per output column in the analog domain (:mod:`fdagen.golden.crossbar` gives the
    arithmetic). Rows: input channels, in slices of ``R`` (``--xbar-rows``); a bin lane's weight
    sets (one per group and bin step) are stacked down the rows
    (:class:`fdagen.arch.crossbar_layout.CrossbarLayout`). Columns: ``J`` outputs x 2 parts x
    ``ceil(weight_width / cell_bits)`` cells, ``--adc-share`` columns per ADC."""

    synthesizable = False
    name = "reram"
    description = ("FDA's two-cell PE in ReRAM crossbars, analog sums over input channels "
                   "(generated)")
    gateware = "fdagen.gateware.pe.crossbar_array:CrossbarArray"
    mac_stage = "fdagen.gateware.accel.crossbar_mac:CrossbarMACStage"
    config_fields = ("xbar_rows", "cell_bits", "dac_bits", "adc_bits", "adc_share",
                     "max_attempts")
    #: Weights are stationary: programmed (write-verify) before the layer runs.
    streams_weights = False
    counts_programming = True
    #: Every slot's columns are converted (no gating of idle slots' crossbar columns yet).
    golden_options = ("xbar_rows", "cell_bits", "dac_bits", "adc_bits", "sigma", "stuck_at",
                      "program_fail", "max_attempts", "seed")

    # -- the build -------------------------------------------------------------------------------
    def crossbar_format(self, config):
        """The :class:`~fdagen.golden.crossbar.CrossbarFormat` of a build."""
        from fdagen.golden.crossbar import CrossbarFormat

        return CrossbarFormat(rows=config.xbar_rows, cell_bits=config.cell_bits,
                              dac_bits=config.dac_bits, adc_bits=config.adc_bits)

    def layout(self, config):
        """The :class:`~fdagen.arch.crossbar_layout.CrossbarLayout` of each bin lane."""
        from fdagen.arch.crossbar_layout import CrossbarLayout

        return CrossbarLayout(config.xbar_rows, config.max_channels, config.weight_sets)

    def columns(self, config):
        """Columns of every crossbar: ``J`` outputs x 2 parts x cells per part."""
        return config.slots * 2 * self.crossbar_format(config).cells(config.weight_width)

    def max_adc_shift(self, config):
        """Largest ADC shift a layer may take: the bits a full-scale column sum (cells at twice
        their level under variation) has beyond the ADC, plus one for rounding up."""
        fmt = self.crossbar_format(config)
        return fmt.full_resolution_bits() - fmt.resolution + 1

    def contract_lines(self, config):
        fmt, layout = self.crossbar_format(config), self.layout(config)
        return [
            f"Crossbars: {config.bin_lanes} bin lane(s) x {layout.macros} macro(s) "
            f"{config.top}_xbar of {fmt.rows} rows x {self.columns(config)} columns "
            f"({fmt.cell_bits}-bit cells, {fmt.dac_bits}-bit DACs, {fmt.resolution}-bit ADCs "
            f"shared by {config.adc_share} columns); {layout.sets_per_macro} weight set(s) of "
            f"{layout.rows_per_set} rows per macro; write-verify up to {config.max_attempts} "
            f"pulses per cell (program_failures counts the cells that never verified).",
            f"The descriptor's adc_shift is at most {self.max_adc_shift(config)}. The macro is "
            f"a black box: its behavioural model {config.top}_xbar.v is for simulation only "
            f"(sim_files.f).",
        ]

    def derived(self, config):
        fmt, layout = self.crossbar_format(config), self.layout(config)
        return {"crossbars": {
            "macros": config.bin_lanes * layout.macros, "macros_per_lane": layout.macros,
            "rows": fmt.rows, "columns": self.columns(config), "cell_bits": fmt.cell_bits,
            "dac_bits": fmt.dac_bits, "adc_bits": fmt.resolution,
            "adcs_per_macro": self.columns(config) // config.adc_share,
            "weight_sets_per_lane": layout.sets, "sets_per_macro": layout.sets_per_macro,
            "rows_per_set": layout.rows_per_set, "max_adc_shift": self.max_adc_shift(config)}}

    #: Most crossbar macros a build may instantiate (elaboration takes about 0.1 s a macro).
    MAX_MACROS = 4096

    def check_generable(self, config):
        macros = config.bin_lanes * self.layout(config).macros
        if macros > self.MAX_MACROS:
            raise ParameterError(f"crossbar macros must be at most {self.MAX_MACROS} to "
                                 f"generate, not {macros} (lower --weight-sets, --max-channels "
                                 f"or --max-out-channels, or raise --xbar-rows)")

    def default_weight_groups(self, config):
        """Every group of the largest layer: the crossbars hold a layer's weights."""
        return config.max_groups

    def check_config(self, config):
        from fdagen.golden.checks import check_range

        if config.weight_beat_words != 1:
            raise ParameterError(f"weight beat words must be 1 for PE kind {self.name!r} (its "
                                 f"crossbars program one weight at a time), not "
                                 f"{config.weight_beat_words}")
        sets = config.max_groups * config.bin_steps
        if config.weight_sets < sets:
            raise ParameterError(f"weight sets must be at least G U/L = {config.max_groups} x "
                                 f"{config.bin_steps} = {sets} for PE kind {self.name!r} (its "
                                 f"crossbars hold a layer's every group), not "
                                 f"{config.weight_sets}")
        fmt = self.crossbar_format(config)        # checks rows, cell, DAC and ADC bits
        full = fmt.full_resolution_bits()
        if config.adc_bits is not None and config.adc_bits > full:
            raise ParameterError(f"ADC bits must be between 1 and {full} (the full resolution of "
                                 f"{fmt.rows} rows of {fmt.cell_bits}-bit cells and "
                                 f"{fmt.dac_bits}-bit DACs), not {config.adc_bits}")
        check_range("write-verify attempts", config.max_attempts)
        columns = self.columns(config)
        share = config.adc_share
        if not (isinstance(share, int) and not isinstance(share, bool) and share >= 1
                and columns % share == 0):
            raise ParameterError(f"ADC share must divide the crossbar columns ({config.slots} "
                                 f"outputs x 2 parts x {fmt.cells(config.weight_width)} cells = "
                                 f"{columns}), not {share!r}")

    def issue_interval(self, config):
        # per phase and input slice: one read of the crossbars, then adc_share conversions (one
        # per clock through the ADC mux); one clock to take the operation, two to combine
        fmt = self.crossbar_format(config)
        return 2 * fmt.slices(config.data_width) * (1 + config.adc_share) + 3

    def accumulator_width(self, config):
        from fdagen.golden.crossbar import crossbar_accumulator_width

        return crossbar_accumulator_width(self.crossbar_format(config), config.data_width,
                                          config.weight_width, config.max_channels,
                                          self.max_adc_shift(config))

    def operations(self, config, steps, tiles, groups, channels):
        # every input channel at once: one operation per tile, group and bin step
        return tiles * groups * steps

    def channels_per_operation(self, channels):
        return channels

    #: Clocks from a launch to the next operation's gather being complete, beyond its ``C``
    #: reads: a clock for the launch to register, the read latency (2), a clock to register
    #: the arrival (``fdagen.gateware.accel.crossbar_mac``).
    GATHER_OVERHEAD = 4

    def operation_clocks(self, config, channels):
        # the next operation's C reads overlap this one's crossbar work
        return max(self.issue_interval(config), channels + self.GATHER_OVERHEAD)

    def lead_clocks(self, channels):
        # the first operation of a tile gathers its C channels first
        return channels + self.GATHER_OVERHEAD - 1

    def weight_load_clocks(self, config, weights):
        # write-verify with ideal cells: per cell a pulse, the macro busy for its pulse, a
        # verify read and the check; a clock to take each weight. The bin lanes programme
        # concurrently (each has a FIFO), each its 1/L of the weights.
        cells = 2 * self.crossbar_format(config).cells(config.weight_width)
        return -(-weights // config.bin_lanes) * (cells * (XBAR_PULSE_CYCLES + 3) + 1)

    def scheduled_counts(self, config, operations, channels, pe_operations):
        fmt = self.crossbar_format(config)
        per_phase = 2 * fmt.slices(config.data_width)      # reads per operation and lane
        reads = operations * config.bin_lanes * per_phase * fmt.row_slices(channels)
        conversions = reads * self.columns(config)
        counts = dict.fromkeys(PE_COUNTERS, 0)
        counts.update(
            weight_reads=0, spectrum_reads=operations * config.bin_lanes * channels,
            xbar_reads=reads, dac_conversions=operations * config.bin_lanes * per_phase * channels,
            adc_conversions=conversions, shift_adds=conversions)
        return counts

    def build_mac(self, config):
        from fdagen.golden.crossbar import CrossbarMAC, DeviceModel

        return CrossbarMAC(self.crossbar_format(config),
                           DeviceModel(max_attempts=config.max_attempts),
                           data_width=config.data_width, weight_width=config.weight_width)

    def golden_mac(self, options):
        """The bit-true crossbars of :mod:`fdagen.golden.crossbar`. ``stuck_at`` is split half
        stuck low, half stuck high."""
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

    # -- cost hooks: the counters above, ISAAC's converters at the build's resolutions ---------
    def array_counts(self, config, counts):
        cells = self.crossbar_format(config).cells(config.weight_width)
        # a driven row reads every cell on it; an ideal cell verifies after one pulse (the RTL
        # counts the real pulses: program_pulses, verify_reads)
        return {"reram_cell_reads": counts["dac_conversions"] * self.columns(config),
                "cell_programs": counts["weight_writes"] * 2 * cells}

    def energy_terms(self, config):
        acc = self.accumulator_width(config)
        fmt = self.crossbar_format(config)
        return [
            ("reram_cells", "reram_cell_reads", ("event", "reram_cell_read")),
            ("dacs", "dac_conversions", ("dac_conversion", fmt.dac_bits)),
            ("sample_hold", "adc_conversions", ("event", "snh_sample")),
            ("adcs", "adc_conversions", ("adc_conversion", fmt.resolution)),
            ("shift_add", "shift_adds", ("shift_add", acc)),
            ("program_pulses", "cell_programs", ("event", "reram_program_pulse")),
            ("verify_reads", "cell_programs", ("verify_read", fmt.resolution)),
        ]

    def endurance(self, config, layers):
        """Cell writes and programming time per inference. Unless they are resident, a layer's
        weights are programmed before it runs, into the sets from its base: with one layer's
        sets (the default) the cells of set 0 are written once per layer (per group of a
        grouped conv) and inference. ``resident_sets_per_lane``: the sets that keep every
        weight at once (``--weight-sets``), programmed once."""
        from fdagen.arch.crossbar_layout import CrossbarLayout

        fmt, layout = self.crossbar_format(config), self.layout(config)
        cells = config.bin_lanes * layout.macros * fmt.rows * self.columns(config)
        writes = sum(layer["counts"]["cell_programs"] for layer in layers)
        clocks = sum(layer["groups"] * self.weight_load_clocks(
            config, layer["counts"]["weight_writes"] // layer["groups"]) for layer in layers)
        cycles = sum(layer["cycles"]["cycles"] for layer in layers)
        sets = sum(layer["weight_sets"] for layer in layers)
        resident = CrossbarLayout(config.xbar_rows, config.max_channels, sets)
        return {
            "cell_writes_per_inference": writes,
            "cells": cells,
            "writes_per_cell_per_inference": {
                "mean": writes / cells,
                "max": sum(layer["groups"] for layer in layers if not layer["resident"])},
            "programming_cycles": clocks,
            "programming_share_of_latency": clocks / cycles,
            "weight_sets_per_lane": layout.sets,
            "resident_sets_per_lane": sets,
            "resident_macros": config.bin_lanes * resident.macros,
        }

    def area_terms(self, config):
        c, layout = config, self.layout(config)
        fmt = self.crossbar_format(c)
        macros = c.bin_lanes * layout.macros
        acc = self.accumulator_width(c)
        columns = self.columns(c)
        return [
            ("reram_cells", macros * c.xbar_rows * columns, ("area_of", "area_reram_cell")),
            ("sample_hold", macros * columns, ("area_of", "area_snh")),
            ("adcs", macros * columns // c.adc_share, ("adc_area", fmt.resolution)),
            ("dacs", macros * c.xbar_rows, ("dac_area", fmt.dac_bits)),
            ("shift_add", macros * columns // c.adc_share, ("shift_add_area", acc)),
            ("pe_accumulators", c.pes, ("memory_area", 4 * acc)),
        ]
