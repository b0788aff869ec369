"""The golden side of the crossbar array tests (amaranth.sim and cocotb): the physical device
maps of an array's macros, and the golden programming of its cells."""

import numpy as np

from fdagen.golden.crossbar import (CellMap, DeviceMap, DeviceModel, draw_device_map,
                                    program_cells, weight_cells)


def physical_maps(fmt, dut, device):
    """One seeded device map per macro (None for ideal cells)."""
    if device is None:
        return None
    return [draw_device_map((fmt.rows, dut_columns(dut)), fmt, device,
                            np.random.default_rng((device.seed, g)))
            for g in range(fmt.row_slices(dut["channels"]))]


def dut_columns(dut):
    """Columns of every macro of an array with ``dut``'s channels, outputs and cells."""
    return dut["outputs"] * 2 * dut["cells"]


def golden_programming(fmt, weights, maps, ww, channels, outputs):
    """Program the physical cells as the array does; return (logical CellMap for crossbar_mac,
    pulses, failures)."""
    cells = fmt.cells(ww)
    logical = weight_cells(np.stack(weights), ww, fmt.cell_bits)        # (2, M, C, J)
    levels = np.zeros_like(logical)
    pulses = failures = 0
    for g in range(fmt.row_slices(channels)):
        used = range(g * fmt.rows, min(channels, (g + 1) * fmt.rows))
        target = np.zeros((len(used), outputs * 2 * cells), dtype=np.int64)
        for r, c in enumerate(used):
            for o in range(outputs):
                for q in range(2):
                    target[r, (o * 2 + q) * cells:(o * 2 + q + 1) * cells] = logical[q, o, c]
        if maps is None:
            device_map = draw_device_map(target.shape, fmt, DeviceModel(max_attempts=1),
                                         np.random.default_rng(0))
        else:
            full = maps[g]
            device_map = DeviceMap(*(getattr(full, n)[:len(used)]
                                     for n in ("gain", "stuck", "misses", "wrong")),
                                   full.max_attempts)
        programmed = program_cells(target, fmt, device_map)
        pulses, failures = pulses + programmed.pulses, failures + programmed.failures
        for r, c in enumerate(used):
            for o in range(outputs):
                for q in range(2):
                    levels[q, o, c] = programmed.levels[r, (o * 2 + q) * cells:
                                                        (o * 2 + q + 1) * cells]
    return CellMap(levels[:, :, :, None, None, :], fmt.frac_bits), pulses, failures
