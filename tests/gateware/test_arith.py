"""The run-time requantizer against the golden model's rounding shift, bit for bit: every
rounding rule, combinational and registered, every shift from 0 to beyond the value's width."""

import numpy as np
import pytest
from amaranth import Module, Signal, signed
from amaranth.sim import Simulator

from fdagen.gateware.common.arith import round_shift_saturate, saturate_expr
from golden.fixedpoint import ROUNDING_MODES, shift_round_saturate

IN_WIDTH, OUT_WIDTH = 10, 6


def _requantize(rounding, registered, cases):
    """Run (value, shift) pairs through the RTL, one a clock; return its results."""
    m = Module()
    value = Signal(signed(IN_WIDTH))
    shift = Signal(5)
    result = round_shift_saturate(m, value, shift, rounding, OUT_WIDTH, "rq",
                                  registered=registered)
    seen = []

    async def bench(ctx):
        for v, s in cases:
            ctx.set(shift, s)
            if registered:
                await ctx.tick()            # the shift's decode is a register
            ctx.set(value, v)
            if registered:
                await ctx.tick()
            seen.append(ctx.get(result))

    sim = Simulator(m)
    if registered:
        sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return seen


@pytest.mark.parametrize("registered", [False, True], ids=["comb", "registered"])
@pytest.mark.parametrize("rounding", ROUNDING_MODES)
def test_requantizer_matches_golden(rounding, registered):
    rng = np.random.default_rng(7)
    lo, hi = -(1 << (IN_WIDTH - 1)), (1 << (IN_WIDTH - 1)) - 1
    edges = [lo, lo + 1, -1, 0, 1, hi - 1, hi]
    cases = [(int(v), s) for s in range(IN_WIDTH + 4)
             for v in [*edges, *rng.integers(lo, hi + 1, 24)]]
    # halves exactly, where the rules differ
    cases += [((2 * k + 1) << (s - 1), s) for s in range(1, IN_WIDTH - 2) for k in (-3, -2, 0, 1)]
    expected = [int(shift_round_saturate(v, s, rounding, OUT_WIDTH)) for v, s in cases]
    assert _requantize(rounding, registered, cases) == expected


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("in_width", [4, 6, 7, 9])
def test_saturate_expr_every_value(signed_in, in_width):
    """The bit-test saturation equals the clamp for every value of the input width."""
    m = Module()
    value = Signal(signed(in_width) if signed_in else in_width)
    result = Signal(signed(OUT_WIDTH))
    m.d.comb += result.eq(saturate_expr(value, OUT_WIDTH))
    lo, hi = -(1 << (OUT_WIDTH - 1)), (1 << (OUT_WIDTH - 1)) - 1
    values = (range(-(1 << (in_width - 1)), 1 << (in_width - 1)) if signed_in
              else range(1 << in_width))
    seen = []

    async def bench(ctx):
        for v in values:
            ctx.set(value, v)
            seen.append(ctx.get(result))

    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [min(max(v, lo), hi) for v in values]
