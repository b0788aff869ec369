"""The spatial-domain baselines a build is rated against, per conv layer.

Each function returns ``{"energy": {component: {...}}, "energy_pj", "cycles", "latency_s",
...}`` for one layer (all its groups), with the same component library and cost rules as the
build, so that a ratio compares architectures, not constants.

* :func:`spatial_digital`: an array with the build's multiplier budget (``2 P`` multipliers of
  ``data_width x weight_width``) at full utilisation, one weight read per MAC from its local
  memory, each input read once per ``min(M, 2P)`` MACs (broadcast to the output channels in
  flight), partial sums in registers.
* :func:`spatial_reram`: ISAAC-like (Shafiee et al., ISCA 2016) with the build's crossbar format
  (rows ``R``, cell bits, DAC bits, ADC resolution and sharing, crossbar width): one row per input
  of the receptive field (``C K K`` rows, ``C K K K`` in 3-D, in slices of ``R``), one column per
  output channel and weight cell (real weights in offset binary, as the spectral kind stores each
  part), every weight resident and programmed once per layer like the build's. Per output pixel
  every crossbar of the layer is read once per input slice (``data_width / dac_bits`` bit-serial
  steps) and every used column converted once per read; the inputs of the window are read from the
  feature-map buffer as it slides (``C K s`` new words per output pixel at stride ``s``, ``C K K``
  at most; ``C K K s`` in 3-D). Throughput: the layer's crossbars work at once (one copy of the
  weights, no replication), each read taking ``1 + adc_share`` clocks (a read, then the ADC mux),
  like the build's.

With ``resident`` (weights in place already, as the build's with ``--weight-sets``) neither
baseline loads or programs weights.
"""

import math

from fdagen.arch.pe_kinds import PE_KINDS, XBAR_PULSE_CYCLES

__all__ = ["spatial_digital", "spatial_reram"]


def _finish(config, energy, cycles, **extra):
    return {**extra, "cycles": cycles, "latency_s": cycles / (config.clock_mhz * 1e6),
            "energy": energy, "energy_pj": sum(part["pj"] for part in energy.values())}


def spatial_digital(config, rules, component, layer, spatial, resident=False):
    """The spatial digital array of the module docstring; ``component(events, cost)`` makes a
    report entry, ``spatial`` is :func:`fdagen.golden.cmc.layer_counts` of ``layer``."""
    c, r = config, rules
    multipliers = 2 * c.pes
    macs = spatial["spatial_macs"]
    group_in = layer.in_channels // layer.groups
    acc = c.data_width + c.weight_width + math.ceil(math.log2(group_in
                                                              * layer.kernel ** layer.dims))
    weights = spatial["spatial_weight_words"]
    per_unit = -(-weights // multipliers) * c.weight_width
    inputs, outputs = spatial["input_words"], spatial["output_words"]
    fmap_bits = c.fmap_pixels * c.data_width
    input_reads = -(-macs // min(layer.out_channels, multipliers))
    loaded = 0 if resident else weights
    energy = {
        "multipliers": component(macs, r.multiply(c.data_width, c.weight_width)),
        "accumulators": component(macs, r.add(acc)),
        "weight_memory": component(macs + loaded, r.memory_access(c.weight_width, per_unit)),
        "fmap_buffer": component(inputs + input_reads, r.memory_access(c.data_width, fmap_bits)),
        "output_stage": component(outputs, r.add(acc)),
    }
    load = max(loaded + layer.out_channels, inputs) + 1
    compute = -(-macs // multipliers)
    return _finish(c, energy, load + compute + outputs + 4, multipliers=multipliers,
                   compute_cycles=compute)


def spatial_reram_counts(config, layer, resident=False):
    """Events of the ISAAC-like array on ``layer`` (module docstring), all groups; with
    ``resident`` its weights are programmed already."""
    kind = PE_KINDS["reram"]
    fmt = kind.crossbar_format(config)
    group_in = layer.in_channels // layer.groups
    out_channels = layer.out_channels // layer.groups
    rows = group_in * layer.kernel ** layer.dims
    cells = fmt.cells(config.weight_width)
    used_columns = out_channels * cells
    column_blocks = -(-used_columns // kind.columns(config))
    row_slices = fmt.row_slices(rows)
    slices = fmt.slices(config.data_width)
    pixels = layer.groups * math.prod(layer.out_shape)
    reads = pixels * slices * row_slices * column_blocks
    conversions = pixels * slices * row_slices * used_columns
    return {
        "crossbars": layer.groups * row_slices * column_blocks,
        "xbar_reads": reads,
        "dac_conversions": pixels * slices * rows * column_blocks,
        "reram_cell_reads": pixels * slices * rows * used_columns,
        "adc_conversions": conversions,
        "shift_adds": conversions,
        "slice_adds": pixels * out_channels * row_slices,
        "cell_programs": 0 if resident else layer.groups * rows * used_columns,
        "fmap_reads": (pixels * group_in * layer.kernel ** (layer.dims - 1)
                       * min(layer.stride, layer.kernel)),
        "output_pixels": pixels * out_channels,
    }


def spatial_reram(config, rules, component, layer, resident=False):
    """The ISAAC-like spatial ReRAM array of the module docstring on ``layer`` (``resident``:
    its weights programmed already, as the spectral build's)."""
    kind = PE_KINDS["reram"]
    c, r = config, rules
    fmt = kind.crossbar_format(c)
    counts = spatial_reram_counts(c, layer, resident)
    acc = kind.accumulator_width(c)
    energy = {
        "reram_cells": component(counts["reram_cell_reads"], r.event("reram_cell_read")),
        "dacs": component(counts["dac_conversions"], r.dac_conversion(fmt.dac_bits)),
        "sample_hold": component(counts["adc_conversions"], r.event("snh_sample")),
        "adcs": component(counts["adc_conversions"], r.adc_conversion(fmt.resolution)),
        "shift_add": component(counts["shift_adds"], r.shift_add(acc)),
        "slice_adds": component(counts["slice_adds"], r.add(acc)),
        "program_pulses": component(counts["cell_programs"], r.event("reram_program_pulse")),
        "verify_reads": component(counts["cell_programs"], r.verify_read(fmt.resolution)),
        "fmap_buffer": component(counts["fmap_reads"] + layer.in_channels
                                 * math.prod(layer.in_shape),
                                 r.memory_access(c.data_width, c.fmap_pixels * c.data_width)),
        "output_stage": component(counts["output_pixels"], r.add(acc)),
    }
    compute = -(-counts["xbar_reads"] * (1 + c.adc_share) // counts["crossbars"])
    cells = fmt.cells(c.weight_width)
    program = -(-counts["cell_programs"] // (cells * c.bin_lanes)) * (
        cells * (XBAR_PULSE_CYCLES + 3) + 1)
    cycles = program + compute + counts["output_pixels"] + 4
    return _finish(c, energy, cycles, counts=counts, compute_cycles=compute,
                   program_cycles=program, crossbars=counts["crossbars"],
                   adc_bits=fmt.resolution)
