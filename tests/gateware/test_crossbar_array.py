"""The crossbar array (one bin's complex matrix-vector product on behavioural macros) against
the golden crossbar MAC, bit for bit: programming with write-verify (pulses, verifies,
failures) and operations over row slices, cell and DAC slicing, reduced ADCs with a shift,
with ideal cells and with device maps."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from fdagen.golden.crossbar import CrossbarFormat, DeviceModel, crossbar_mac, draw_device_map
from fdagen.golden.pipeline import spectral_mac
from fdagen.gateware.pe.crossbar_array import CrossbarArray
from support.crossbarsim import golden_programming, physical_maps

CASES = {  # format, ADC share, data width, weight width, C, M, device
    "ideal-full": (CrossbarFormat(rows=3, cell_bits=2, dac_bits=2, frac_bits=4), 4, 8, 8, 5, 2,
                   None),
    "ideal-4bit": (CrossbarFormat(rows=4, cell_bits=3, dac_bits=1, adc_bits=4, frac_bits=2), 3,
                   7, 9, 4, 3, None),
    "faulty": (CrossbarFormat(rows=3, cell_bits=2, dac_bits=3, adc_bits=5, frac_bits=4), 2, 8,
               6, 6, 2, DeviceModel(sigma=0.1, stuck_low=0.03, stuck_high=0.03,
                                    program_fail=0.4, max_attempts=3, seed=5)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_crossbar_array_is_bit_exact_with_the_golden_crossbar(rng, name):
    fmt, share, dw, ww, channels, outputs, device = CASES[name]
    max_attempts = 1 if device is None else device.max_attempts
    shape = {"channels": channels, "outputs": outputs, "cells": fmt.cells(ww)}
    maps = physical_maps(fmt, shape, device)
    dut = CrossbarArray(fmt, share, dw, ww, channels, outputs, max_shift=3,
                        max_attempts=max_attempts, device_maps=maps, pulse_cycles=2)
    lo, hi = -(1 << (ww - 1)), 1 << (ww - 1)
    weights = (rng.integers(lo, hi, (outputs, channels)), rng.integers(lo, hi, (outputs, channels)))
    weights[0][0, 0], weights[1][-1, -1] = lo, hi - 1                  # the extremes
    lo, hi = -(1 << (dw - 1)), 1 << (dw - 1)
    inputs = [(rng.integers(lo, hi, channels), rng.integers(lo, hi, channels)) for _ in range(4)]
    inputs.append((np.full(channels, lo), np.full(channels, hi - 1)))
    shifts = [0, 1, 2, 3, 0]
    seen = {"results": []}

    async def bench(ctx):
        for o in range(outputs):
            for c in range(channels):
                ctx.set(dut.prog_m, o)
                ctx.set(dut.prog_c, c)
                ctx.set(dut.prog_re, int(weights[0][o, c]))
                ctx.set(dut.prog_im, int(weights[1][o, c]))
                ctx.set(dut.prog_valid, 1)
                await ctx.tick().until(dut.prog_ready)
                ctx.set(dut.prog_valid, 0)
                await ctx.tick()
        for (x_re, x_im), shift in zip(inputs, shifts):
            await ctx.tick().until(dut.ready)
            for c in range(channels):
                ctx.set(dut.x_re[c], int(x_re[c]))
                ctx.set(dut.x_im[c], int(x_im[c]))
            ctx.set(dut.adc_shift, shift)
            ctx.set(dut.start, 1)
            await ctx.tick()
            ctx.set(dut.start, 0)
            await ctx.tick().until(dut.result_valid)
            seen["results"].append(([ctx.get(dut.result_re[o]) for o in range(outputs)],
                                    [ctx.get(dut.result_im[o]) for o in range(outputs)]))
        for name in ("reads", "conversions", "pulses", "verifies", "failures"):
            seen[name] = ctx.get(getattr(dut, name))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()

    cell_map, pulses, failures = golden_programming(fmt, weights, maps, ww, channels, outputs)
    assert (seen["pulses"], seen["failures"]) == (pulses, failures)
    assert seen["verifies"] == pulses                       # one verify read per pulse
    w = tuple(part[:, :, None, None] for part in weights)
    for ((x_re, x_im), shift), (re, im) in zip(zip(inputs, shifts), seen["results"]):
        x = (x_re[:, None, None, None], x_im[:, None, None, None])
        g_re, g_im = crossbar_mac(x, w, fmt, dw, ww, cell_map, shift)
        assert re == g_re[:, 0, 0, 0].tolist() and im == g_im[:, 0, 0, 0].tolist()
        if name == "ideal-full" and shift == 0:
            e_re, e_im = spectral_mac(x, w)                 # full resolution: exact
            assert re == e_re[:, 0, 0, 0].tolist() and im == e_im[:, 0, 0, 0].tolist()
    operations, slices = len(inputs), fmt.slices(dw)
    macros = fmt.row_slices(channels)
    assert seen["reads"] == operations * 2 * slices * macros
    assert seen["conversions"] == operations * 2 * slices * share * macros \
        * (outputs * 2 * fmt.cells(ww) // share)
    if device is not None:
        assert failures > 0


def test_crossbar_array_verilog_lints_clean(tmp_path):
    from fdagen.emit.verilog import convert
    from fdagen.flows.lint import lint

    fmt, share, dw, ww, channels, outputs, device = CASES["faulty"]
    shape = {"channels": channels, "outputs": outputs, "cells": fmt.cells(ww)}
    dut = CrossbarArray(fmt, share, dw, ww, channels, outputs, max_shift=3,
                        max_attempts=device.max_attempts,
                        device_maps=physical_maps(fmt, shape, device))
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
