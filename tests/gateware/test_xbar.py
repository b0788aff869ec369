"""The crossbar macro's behavioural model against the golden crossbar: write-verify
programming through the port (levels, pulses, failures) and ADC codes of reads, with ideal
cells and with a device map; its Verilog lints clean."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from fdagen.emit.verilog import convert
from fdagen.flows.lint import lint
from fdagen.golden.checks import ParameterError
from fdagen.golden.crossbar import (CrossbarFormat, DeviceModel, adc_convert, column_read,
                                    draw_device_map, program_cells)
from fdagen.gateware.pe.xbar import XbarModel, XbarSignature

CASES = [  # rows, columns, share, cell bits, DAC bits, ADC bits, frac bits, pulse cycles, device
    (6, 8, 4, 2, 2, 6, 4, 2, None),
    (5, 6, 3, 3, 1, 4, 6, 1, DeviceModel(sigma=0.2, stuck_low=0.1, stuck_high=0.1,
                                         program_fail=0.5, max_attempts=3, seed=4)),
    (8, 4, 1, 1, 3, 3, 0, 3, DeviceModel(stuck_high=0.3, program_fail=0.7, max_attempts=2,
                                         seed=9)),
]


def simulate(case, target, drives, shifts, selects):
    """Program ``target`` (rows, columns) with write-verify through the port, then convert
    ``drives`` (reads x rows, with row enables) at the given shifts and ADC selects. Returns
    (codes per conversion, pulses, failures, model, format)."""
    rows, columns, share, cell_bits, dac_bits, adc_bits, frac, pulse, device = case
    signature = XbarSignature(rows, columns, cell_bits, dac_bits, adc_bits, share, 3, pulse)
    fmt = CrossbarFormat(rows=rows, cell_bits=cell_bits, dac_bits=dac_bits, adc_bits=adc_bits,
                         frac_bits=frac)
    device_map = None if device is None else draw_device_map(
        (rows, columns), fmt, device, np.random.default_rng(device.seed))
    model = XbarModel(signature, frac, device_map)
    attempts = 1 if device is None else device.max_attempts
    seen = {"codes": [], "pulses": 0, "failures": 0}

    async def bench(ctx):
        for r in range(rows):
            for c in range(columns):
                ctx.set(model.prog_row, r)
                ctx.set(model.prog_col, c)
                ctx.set(model.prog_level, int(target[r, c]))
                for _ in range(attempts):           # the controller's write-verify loop
                    ctx.set(model.prog_pulse, 1)
                    await ctx.tick()
                    ctx.set(model.prog_pulse, 0)
                    seen["pulses"] += 1
                    assert ctx.get(model.busy)
                    while ctx.get(model.busy):
                        await ctx.tick()
                    ctx.set(model.verify, 1)
                    await ctx.tick()
                    ctx.set(model.verify, 0)
                    assert ctx.get(model.verify_valid)
                    if ctx.get(model.verify_level) == target[r, c]:
                        break
                else:
                    seen["failures"] += 1
        for (drive, enable), shift, select in zip(drives, shifts, selects):
            for r in range(rows):
                ctx.set(model.row_dac[r], int(drive[r]))
            ctx.set(model.row_en, int(sum(int(e) << r for r, e in enumerate(enable))))
            ctx.set(model.read, 1)
            await ctx.tick()
            ctx.set(model.read, 0)
            ctx.set(model.adc_shift, shift)
            ctx.set(model.adc_sel, select)
            ctx.set(model.convert, 1)
            await ctx.tick()
            ctx.set(model.convert, 0)
            assert ctx.get(model.adc_valid)
            seen["codes"].append([ctx.get(model.adc_code[a]) for a in range(signature.adcs)])

    sim = Simulator(model)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return seen, device_map, fmt, model


@pytest.mark.parametrize("case", CASES, ids=["ideal", "map", "harsh-map"])
def test_model_is_bit_exact_with_the_golden_crossbar(rng, case):
    rows, columns, share, cell_bits, dac_bits, adc_bits, frac, _, device = case
    target = rng.integers(0, 1 << cell_bits, (rows, columns))
    reads = 12
    drives = [(rng.integers(0, 1 << dac_bits, rows), rng.integers(0, 2, rows))
              for _ in range(reads - 2)]
    full = [(np.full(rows, (1 << dac_bits) - 1), np.ones(rows, dtype=int))] * 2   # clamps
    drives += full
    shifts = [int(s) for s in rng.integers(0, 4, reads)]
    selects = [int(s) for s in rng.integers(0, share, reads)]
    seen, device_map, fmt, _ = simulate(case, target, drives, shifts, selects)

    if device_map is None:
        cells = program_cells(target, fmt, draw_device_map(target.shape, fmt, DeviceModel(),
                                                           np.random.default_rng(0)))
    else:
        cells = program_cells(target, fmt, device_map)
    assert seen["pulses"] == cells.pulses and seen["failures"] == cells.failures
    for (drive, enable), shift, select, codes in zip(drives, shifts, selects, seen["codes"]):
        sums = column_read(drive * enable, cells.levels)
        expected = adc_convert(sums.astype(np.float64), frac, adc_bits, shift)
        assert codes == [int(expected[a * share + select]) for a in range(columns // share)]
    if device is not None:
        assert cells.failures > 0                    # the map exercises failed verifies


def test_model_verilog_lints_clean(tmp_path):
    rows, columns, share, cell_bits, dac_bits, adc_bits, frac, pulse, device = CASES[1]
    signature = XbarSignature(rows, columns, cell_bits, dac_bits, adc_bits, share, 3, pulse)
    fmt = CrossbarFormat(rows=rows, cell_bits=cell_bits, dac_bits=dac_bits, adc_bits=adc_bits,
                         frac_bits=frac)
    device_map = draw_device_map((rows, columns), fmt, device, np.random.default_rng(1))
    path = tmp_path / "xbar_model.v"
    text = convert(XbarModel(signature, frac, device_map), "xbar_model")
    path.write_text(text)
    assert "$signal$" not in text and "[-1:0]" not in text
    lint([path], top="xbar_model")
    again = convert(XbarModel(signature, frac, device_map), "xbar_model")
    assert again == text                             # byte-identical for the same map


def test_bad_macro_parameters():
    with pytest.raises(ParameterError, match="crossbar columns must be a positive multiple of "
                                             "the ADC share \\(3\\), not 8"):
        XbarSignature(4, 8, 2, 1, 6, 3, 2)
    with pytest.raises(ParameterError, match="device map must have shape \\(4, 6\\)"):
        fmt = CrossbarFormat(rows=4)
        XbarModel(XbarSignature(4, 6, 2, 1, 6, 3, 2), 8,
                  draw_device_map((4, 5), fmt, DeviceModel(), np.random.default_rng(0)))


def test_contract_corners(rng):
    """The drive is latched at ``read``; requests while busy are ignored; a pulse wins over a
    verify in the same clock; a stuck-high cell conducts at its rail before any pulse."""
    fmt = CrossbarFormat(rows=2, cell_bits=2, dac_bits=1, adc_bits=8, frac_bits=0)
    signature = XbarSignature(2, 2, 2, 1, 8, 2, 0, pulse_cycles=3)
    device = DeviceModel(stuck_high=1.0)                          # every cell stuck high
    device_map = draw_device_map((2, 2), fmt, device, np.random.default_rng(0))
    model = XbarModel(signature, 0, device_map)
    seen = {}

    async def convert(ctx):
        ctx.set(model.convert, 1)
        await ctx.tick()
        ctx.set(model.convert, 0)
        return ctx.get(model.adc_valid), ctx.get(model.adc_code[0])

    async def bench(ctx):
        ctx.set(model.row_en, 0b11)
        ctx.set(model.row_dac[0], 1)
        ctx.set(model.read, 1)
        await ctx.tick()
        ctx.set(model.read, 0)
        ctx.set(model.row_dac[1], 1)                          # not read: no effect
        seen["stuck"] = await convert(ctx)                    # row 0 at level 3
        ctx.set(model.prog_level, 1)
        ctx.set(model.prog_pulse, 1)
        ctx.set(model.verify, 1)                              # loses to the pulse
        await ctx.tick()
        ctx.set(model.prog_pulse, 0)
        seen["verify_with_pulse"] = ctx.get(model.verify_valid)
        ctx.set(model.read, 1)                                # busy: ignored
        await ctx.tick()
        ctx.set(model.read, 0)
        seen["busy"] = ctx.get(model.busy)
        seen["while_busy"] = await convert(ctx)               # busy: ignored
        await ctx.tick().until(~model.busy)
        await ctx.tick()
        seen["verify"] = (ctx.get(model.verify_valid), ctx.get(model.verify_level))

    sim = Simulator(model)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen["stuck"] == (1, 3)
    assert seen["verify_with_pulse"] == 0 and seen["busy"] == 1
    assert seen["while_busy"] == (0, 3)                       # no conversion, codes held
    assert seen["verify"] == (1, 3)                           # stuck: the pulse did nothing


@pytest.mark.parametrize("rows, columns, share, max_shift", [
    (3, 4, 1, 0), (1, 2, 2, 5), (4, 3, 3, 1)])
def test_corner_configurations_lint_clean(tmp_path, rows, columns, share, max_shift):
    signature = XbarSignature(rows, columns, 2, 1, 4, share, max_shift)
    text = convert(XbarModel(signature, 4), "xbar_model")
    assert "[-1:0]" not in text
    path = tmp_path / "xbar_model.v"
    path.write_text(text)
    lint([path], top="xbar_model")


def test_the_largest_crossbar_elaborates():
    """1024 rows: the column sums are adder trees, not 1024-deep chains."""
    from amaranth.back import rtlil

    rtlil.convert(XbarModel(XbarSignature(1024, 2, 1, 1, 11, 2, 2), 0), name="big")


def test_maps_drawn_for_other_formats_are_refused():
    fmt = CrossbarFormat(rows=2, cell_bits=3, frac_bits=8)
    device_map = draw_device_map((2, 2), fmt, DeviceModel(sigma=0.3), np.random.default_rng(1))
    with pytest.raises(ParameterError, match="device map must be drawn for 4 level fraction "
                                             "bits and 2-bit cells"):
        XbarModel(XbarSignature(2, 2, 2, 1, 6, 2, 2), 4, device_map)
