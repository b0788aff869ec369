"""cocotb bench of a crossbar array's generated Verilog (the periphery and its behavioural
macros): program every weight through the write-verify handshake, run operations, and check
the results and the counters against what the golden crossbar computed
(``FDAGEN_TB_CONFIG``: widths, weights, inputs, ADC shifts, expected results and counters)."""

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

from .streams import pack, unpack


async def _until(dut, signal, limit):
    """Wait, at most ``limit`` cycles, for a falling clock edge with ``signal`` high. The
    design changes only on rising edges, so inputs set now are taken at the next rising edge
    exactly when ``signal`` (a ready, which does not depend on them) says so."""
    for _ in range(limit):
        await FallingEdge(dut.clk)
        if int(signal.value):
            return
    raise AssertionError(f"{signal._name} did not rise within {limit} cycles")


@cocotb.test()
async def crossbar_array_matches_golden(dut):
    config = json.loads(os.environ["FDAGEN_TB_CONFIG"])
    dw, ww, acc = config["data_width"], config["weight_width"], config["acc_width"]
    channels, outputs = config["channels"], config["outputs"]
    for name in ("prog_valid", "prog_set", "prog_m", "prog_c", "prog_re", "prog_im", "start",
                 "set", "active", "x_re", "x_im", "adc_shift", "clear"):
        getattr(dut, name).value = 0                  # every input driven from time 0
    dut.rst.value = 1
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    await ClockCycles(dut.clk, 2)
    dut.rst.value = 0
    limit = config["cycle_limit"]

    for weight_set, (weights_re, weights_im) in enumerate(config["weights"]):
        for o in range(outputs):
            for c in range(channels):
                dut.prog_set.value, dut.prog_m.value, dut.prog_c.value = weight_set, o, c
                dut.prog_re.value = weights_re[o][c] & ((1 << ww) - 1)
                dut.prog_im.value = weights_im[o][c] & ((1 << ww) - 1)
                await _until(dut, dut.prog_ready, limit)
                dut.prog_valid.value = 1
                await RisingEdge(dut.clk)                   # taken here, exactly once
                await FallingEdge(dut.clk)
                dut.prog_valid.value = 0
    for (x_re, x_im), shift, weight_set, active, (want_re, want_im) in zip(
            config["inputs"], config["shifts"], config["sets"], config["active"],
            config["expected"]):
        await _until(dut, dut.ready, limit)
        dut.set.value, dut.active.value = weight_set, active
        dut.x_re.value = pack([(v, dw) for v in x_re])
        dut.x_im.value = pack([(v, dw) for v in x_im])
        dut.adc_shift.value = shift
        dut.start.value = 1
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        dut.start.value = 0
        await _until(dut, dut.result_valid, limit)
        signed = range(outputs)
        got_re = unpack(int(dut.result_re.value), [acc] * outputs, signed)
        got_im = unpack(int(dut.result_im.value), [acc] * outputs, signed)
        assert (got_re, got_im) == (want_re, want_im), (got_re, got_im, want_re, want_im)
    await RisingEdge(dut.clk)
    await ReadOnly()
    for name, want in config["counters"].items():
        assert int(getattr(dut, name).value) == want, (name, int(getattr(dut, name).value), want)
