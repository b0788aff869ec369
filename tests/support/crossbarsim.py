# amaranth: UnusedElaboratable=no
"""The golden side of the crossbar tests (amaranth.sim and cocotb): the physical device maps of
an array's macros, and the golden programming of its cells where the array places them
(:class:`fdagen.arch.crossbar_layout.CrossbarLayout`)."""

import numpy as np

from fdagen.golden.crossbar import (CellMap, DeviceMap, draw_device_map, ideal_cells,
                                    program_cells, weight_cells)


def physical_maps(fmt, layout, columns, device):
    """One seeded device map of ``fmt.rows x columns`` cells per macro of ``layout`` (None for
    ideal cells)."""
    if device is None:
        return None
    return [draw_device_map((fmt.rows, columns), fmt, device,
                            np.random.default_rng((device.seed, g)))
            for g in range(layout.macros)]


def golden_programming(fmt, layout, weights, maps, ww):
    """Program the physical cells as the array does: ``weights[s]`` is set ``s``'s ``(re, im)``
    codes of shape (M, C). Returns (one logical :class:`CellMap` per set, shaped for
    :func:`~fdagen.golden.crossbar.crossbar_mac` with one bin, pulses, failures)."""
    cells = fmt.cells(ww)
    logical = [weight_cells(np.stack(w), ww, fmt.cell_bits) for w in weights]   # (2, M, C, J)
    levels = [np.zeros_like(cell_levels) for cell_levels in logical]
    pulses = failures = 0
    for g in range(layout.macros):
        # every cell on macro g: (set, part, output, channel, cell) and its (row, column)
        placed = []
        for s, cell_levels in enumerate(logical):
            _, outputs, channels, _ = cell_levels.shape
            for c in range(channels):
                macro, row = layout.place(s, c)
                if macro == g:
                    placed += [(s, q, o, c, j, row, (o * 2 + q) * cells + j)
                               for o in range(outputs) for q in range(2) for j in range(cells)]
        if not placed:
            continue
        index = np.array(placed)
        target = np.array([logical[s][q, o, c, j] for s, q, o, c, j, _, _ in placed])
        if maps is None:
            programmed = ideal_cells(target, fmt)
        else:
            full = maps[g]
            device_map = DeviceMap(*(getattr(full, n)[index[:, 5], index[:, 6]]
                                     for n in ("gain", "stuck", "misses", "wrong")),
                                   full.max_attempts)
            programmed = program_cells(target, fmt, device_map)
        pulses, failures = pulses + programmed.pulses, failures + programmed.failures
        for (s, q, o, c, j, _, _), level in zip(placed, programmed.levels):
            levels[s][q, o, c, j] = level
    return ([CellMap(set_levels[:, :, :, None, None, :], fmt.frac_bits) for set_levels in levels],
            pulses, failures)


def accelerator_maps(config, device):
    """Seeded physical device maps of a ``reram`` build's crossbars: ``maps[lane][macro]``
    (None for ideal cells)."""
    if device is None:
        return None
    kind = config.pe
    fmt, layout = kind.crossbar_format(config), kind.layout(config)
    return [[draw_device_map((fmt.rows, kind.columns(config)), fmt, device,
                             np.random.default_rng((device.seed, lane, macro)))
             for macro in range(layout.macros)] for lane in range(config.bin_lanes)]


def accelerator_cells(config, weights, maps):
    """The :class:`CellMap` (golden layout, ``(2, M, C, N, N/2 + 1, cells)``) that programming
    spectral weight codes ``weights`` ``(re, im)`` of shape (M, C, N, N/2 + 1) leaves in a
    ``reram`` build's crossbars with physical ``maps`` (:func:`accelerator_maps`), placed as the
    loader and the MAC stage place them: weight ``(m, c, ky, kx)`` at bin ``k = kx N +
    bitrev(ky)`` to lane ``k mod L``, weight set ``(m div J) U/L + k div L``, output ``m mod
    J``, ``N`` the layer's FFT size (the weights' shape)."""
    kind = config.pe
    fmt, layout = kind.crossbar_format(config), kind.layout(config)
    n, lanes, slots = weights[0].shape[2], config.bin_lanes, config.slots
    steps = n * (n // 2 + 1) // lanes
    cells = fmt.cells(config.weight_width)
    logical = weight_cells(np.stack(weights), config.weight_width, fmt.cell_bits)
    part, m, c, ky, kx, j = (a.reshape(-1) for a in np.indices(logical.shape))
    bits = n.bit_length() - 1
    bitrev = np.array([int(f"{y:0{bits}b}"[::-1], 2) for y in range(n)])
    k = kx * n + bitrev[ky]
    lane, weight_set = k % lanes, (m // slots) * steps + k // lanes
    block, local = np.divmod(weight_set, layout.sets_per_macro)
    macro = block * layout.row_slices + c // fmt.rows
    row = local * layout.rows_per_set + c % fmt.rows
    column = ((m % slots) * 2 + part) * cells + j
    target = logical.reshape(-1)
    if maps is None:
        programmed = ideal_cells(target, fmt)
    else:
        fields = [np.stack([np.stack([getattr(d, name) for d in lane_maps]) for lane_maps in maps])
                  [lane, macro, row, column] for name in ("gain", "stuck", "misses", "wrong")]
        programmed = program_cells(target, fmt, DeviceMap(*fields, maps[0][0].max_attempts))
    return CellMap(programmed.levels.reshape(logical.shape), fmt.frac_bits, programmed.failures,
                   programmed.pulses)


def accelerator_model_memories(config, maps):
    """``{path: words}`` that load ``maps[lane][macro]`` into the behavioural macros of a
    generated ``reram`` top (``fdagen.flows.simulate.run_rtl``'s ``memories``)."""
    from fdagen.gateware.pe.xbar import XbarModel, XbarSignature

    kind = config.pe
    fmt = kind.crossbar_format(config)
    signature = XbarSignature(fmt.rows, kind.columns(config), fmt.cell_bits, fmt.dac_bits,
                              fmt.resolution, config.adc_share, kind.max_adc_shift(config))
    memories = {}
    for lane, lane_maps in enumerate(maps):
        for macro, device_map in enumerate(lane_maps):
            model = XbarModel(signature, fmt.frac_bits, device_map, config.max_attempts)
            for name, words in model.memory_words().items():
                memories[f"mac.lane{lane}.block.xbar{macro}.block.{name}"] = words
    return memories


class AcceleratorProgramming:
    """A ``program`` for :func:`support.accelsim.random_layer`: programs a layer's weights into
    a build's crossbars with physical ``maps`` (:func:`accelerator_cells`) and keeps the
    result in ``cells``."""

    def __init__(self, config, maps):
        self.config, self.maps, self.cells = config, maps, None

    def __call__(self, weights):
        self.cells = accelerator_cells(self.config, weights, self.maps)
        return self.cells
