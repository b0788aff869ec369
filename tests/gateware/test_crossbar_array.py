"""The crossbar array (one bin's complex matrix-vector product on behavioural macros) against
the golden crossbar MAC, bit for bit: programming with write-verify (pulses, verifies,
failures) and operations over row slices, cell and DAC slicing, reduced ADCs with a shift,
with ideal cells and with device maps."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.crossbar_layout import CrossbarLayout
from fdagen.arch.pe_kinds import ReRAMPE
from fdagen.golden.crossbar import (CellMap, CrossbarFormat, DeviceModel, crossbar_mac,
                                    draw_device_map)
from fdagen.golden.pipeline import spectral_mac
from fdagen.gateware.pe.crossbar_array import CrossbarArray
from support.crossbarsim import golden_programming, physical_maps

CASES = {  # format, ADC share, data width, weight width, C, M, sets, device
    "ideal-full": (CrossbarFormat(rows=3, cell_bits=2, dac_bits=2, frac_bits=4), 4, 8, 8, 5, 2,
                   1, None),
    "ideal-4bit": (CrossbarFormat(rows=4, cell_bits=3, dac_bits=1, adc_bits=4, frac_bits=2), 3,
                   7, 9, 4, 3, 1, None),
    "faulty": (CrossbarFormat(rows=3, cell_bits=2, dac_bits=3, adc_bits=5, frac_bits=4), 2, 8,
               6, 6, 2, 1, DeviceModel(sigma=0.1, stuck_low=0.03, stuck_high=0.03,
                                       program_fail=0.4, max_attempts=3, seed=5)),
    # weight sets stacked down the rows: 4 sets of 3 rows per macro, 2 macros
    "stacked": (CrossbarFormat(rows=13, cell_bits=2, dac_bits=1, adc_bits=6, frac_bits=3), 4,
                6, 6, 3, 2, 7, None),
    "stacked-faulty": (CrossbarFormat(rows=8, cell_bits=2, dac_bits=2, adc_bits=5, frac_bits=4),
                       2, 7, 5, 3, 2, 3, DeviceModel(sigma=0.15, stuck_low=0.05, stuck_high=0.05,
                                                     program_fail=0.3, max_attempts=2, seed=9)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_crossbar_array_is_bit_exact_with_the_golden_crossbar(rng, name):
    fmt, share, dw, ww, channels, outputs, sets, device = CASES[name]
    max_attempts = 1 if device is None else device.max_attempts
    layout = CrossbarLayout(fmt.rows, channels, sets)
    maps = physical_maps(fmt, layout, outputs * 2 * fmt.cells(ww), device)
    dut = CrossbarArray(fmt, share, dw, ww, channels, outputs, sets=sets, max_shift=3,
                        max_attempts=max_attempts, device_maps=maps, pulse_cycles=2)
    lo, hi = -(1 << (ww - 1)), 1 << (ww - 1)
    weights = [(rng.integers(lo, hi, (outputs, channels)),
                rng.integers(lo, hi, (outputs, channels))) for _ in range(sets)]
    weights[0][0][0, 0], weights[-1][1][-1, -1] = lo, hi - 1          # the extremes
    lo, hi = -(1 << (dw - 1)), 1 << (dw - 1)
    inputs = [(rng.integers(lo, hi, channels), rng.integers(lo, hi, channels)) for _ in range(4)]
    inputs.append((np.full(channels, lo), np.full(channels, hi - 1)))
    shifts = [0, 1, 2, 3, 0]
    chosen = [int(rng.integers(sets)) for _ in inputs]                  # set per operation
    active = [channels, channels, max(1, channels - 1), 1, channels]    # channels in use
    seen = {"results": []}

    async def bench(ctx):
        for s in range(sets):
            for o in range(outputs):
                for c in range(channels):
                    ctx.set(dut.prog_set, s)
                    ctx.set(dut.prog_m, o)
                    ctx.set(dut.prog_c, c)
                    ctx.set(dut.prog_re, int(weights[s][0][o, c]))
                    ctx.set(dut.prog_im, int(weights[s][1][o, c]))
                    ctx.set(dut.prog_valid, 1)
                    await ctx.tick().until(dut.prog_ready)
                    ctx.set(dut.prog_valid, 0)
                    await ctx.tick()
        for (x_re, x_im), shift, s, used in zip(inputs, shifts, chosen, active):
            await ctx.tick().until(dut.ready)
            for c in range(channels):
                ctx.set(dut.x_re[c], int(x_re[c]))
                ctx.set(dut.x_im[c], int(x_im[c]))
            ctx.set(dut.adc_shift, shift)
            ctx.set(dut.set, s)
            ctx.set(dut.active, used)
            ctx.set(dut.start, 1)
            await ctx.tick()
            ctx.set(dut.start, 0)
            started = 1
            while not ctx.get(dut.ready):
                await ctx.tick()
                started += 1
            seen.setdefault("clocks", []).append(started)
            assert ctx.get(dut.result_valid)
            seen["results"].append(([ctx.get(dut.result_re[o]) for o in range(outputs)],
                                    [ctx.get(dut.result_im[o]) for o in range(outputs)]))
        for name in ("reads", "dac_conversions", "conversions", "shift_adds", "pulses",
                     "verifies", "failures"):
            seen[name] = ctx.get(getattr(dut, name))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()

    cell_maps, pulses, failures = golden_programming(fmt, layout, weights, maps, ww)
    assert (seen["pulses"], seen["failures"]) == (pulses, failures)
    assert seen["verifies"] == pulses                       # one verify read per pulse
    for ((x_re, x_im), shift, s, used), (re, im) in zip(zip(inputs, shifts, chosen, active),
                                                         seen["results"]):
        x = (x_re[:used, None, None, None], x_im[:used, None, None, None])
        w = tuple(part[:, :used, None, None] for part in weights[s])
        levels = cell_maps[s].levels[:, :, :used]
        g_re, g_im = crossbar_mac(x, w, fmt, dw, ww, CellMap(levels, fmt.frac_bits), shift)
        assert re == g_re[:, 0, 0, 0].tolist() and im == g_im[:, 0, 0, 0].tolist()
        if device is None and fmt.adc_bits is None and shift == 0:
            e_re, e_im = spectral_mac(x, w)                 # full resolution: exact
            assert re == e_re[:, 0, 0, 0].tolist() and im == e_im[:, 0, 0, 0].tolist()
    slices = fmt.slices(dw)
    live = sum(fmt.row_slices(used) for used in active)
    columns = outputs * 2 * fmt.cells(ww)
    assert seen["reads"] == 2 * slices * live
    assert seen["dac_conversions"] == 2 * slices * sum(active)
    assert seen["conversions"] == seen["shift_adds"] == 2 * slices * live * columns
    config = AcceleratorConfig(pes=outputs, pe_kind="reram", data_width=dw, weight_width=ww,
                               cell_bits=fmt.cell_bits, dac_bits=fmt.dac_bits, adc_share=share)
    # start to the next start taken: the operation time the PE kind states
    assert seen["clocks"] == [ReRAMPE().issue_interval(config)] * len(inputs)
    if device is not None:
        assert failures > 0


def test_crossbar_array_verilog_lints_clean(tmp_path):
    from fdagen.emit.verilog import convert
    from fdagen.flows.lint import lint

    fmt, share, dw, ww, channels, outputs, sets, device = CASES["stacked-faulty"]
    layout = CrossbarLayout(fmt.rows, channels, sets)
    dut = CrossbarArray(fmt, share, dw, ww, channels, outputs, sets=sets, max_shift=3,
                        max_attempts=device.max_attempts,
                        device_maps=physical_maps(fmt, layout, outputs * 2 * fmt.cells(ww),
                                                  device))
    path = tmp_path / "crossbar_array.v"
    text = convert(dut, "crossbar_array")
    path.write_text(text)
    assert "$signal$" not in text and "[-1:0]" not in text
    lint([path], top="crossbar_array")


@pytest.mark.parametrize("kwargs, message", [
    (dict(adc_share=3), "ADC share must divide the crossbar columns \\(4 outputs x 2 parts x "
                        "8 cells = 64\\), not 3"),
    (dict(device_maps=[]), "device maps must be one per crossbar \\(1\\), not 0"),
    (dict(max_attempts=0), "write-verify attempts must be between 1 and 64, not 0"),
])
def test_bad_crossbar_array_parameters(kwargs, message):
    with pytest.raises(Exception, match=message):
        CrossbarArray(**kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(adc_share=1, channels=1, outputs=1, max_shift=0),
    dict(adc_share=2, channels=3, outputs=1, max_shift=1,
         fmt=CrossbarFormat(rows=2, cell_bits=4, dac_bits=8, frac_bits=0)),
], ids=["ones", "wide-dac"])
def test_corner_arrays_lint_clean(tmp_path, kwargs):
    from fdagen.emit.verilog import convert
    from fdagen.flows.lint import lint

    text = convert(CrossbarArray(**{"weight_width": 8, "data_width": 8, **kwargs}), "array")
    assert "[-1:0]" not in text
    path = tmp_path / "array.v"
    path.write_text(text)
    lint([path], top="array")


def test_a_start_offered_with_a_weight_waits():
    dut = CrossbarArray(CrossbarFormat(rows=2, frac_bits=0), 4, 8, 8, 2, 1, max_shift=0,
                        max_attempts=1)
    seen = {}

    async def bench(ctx):
        ctx.set(dut.prog_valid, 1)
        ctx.set(dut.start, 1)
        ctx.set(dut.active, 2)
        seen["ready"] = ctx.get(dut.ready)
        await ctx.tick()
        ctx.set(dut.prog_valid, 0)
        await ctx.tick().until(dut.ready)
        await ctx.tick()
        ctx.set(dut.start, 0)
        await ctx.tick().until(dut.result_valid)
        seen["pulses"], seen["reads"] = ctx.get(dut.pulses), ctx.get(dut.reads)

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen["ready"] == 0
    assert seen["pulses"] == 2 * 4 and seen["reads"] == 2 * 8  # the weight, then the operation


def test_attempts_must_match_the_maps():
    fmt = CrossbarFormat(rows=4)
    maps = [draw_device_map((4, 2 * 2 * 8), fmt, DeviceModel(max_attempts=3),
                            np.random.default_rng(0))]
    with pytest.raises(Exception, match="write-verify attempts must be the device maps' "
                                        "\\(3\\), not 2"):
        CrossbarArray(fmt, 8, 16, 16, 4, 2, max_attempts=2, device_maps=maps)
