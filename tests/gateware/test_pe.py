# amaranth: UnusedElaboratable=no
"""The FDA two-cycle PE in amaranth.sim, bit-exact against the golden spectral MAC."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from fdagen.gateware.pe.digital import PE
from fdagen.golden.fixedpoint import fits
from fdagen.golden.pipeline import spectral_mac


def run_pe(pe, weights, sums, rng, gap=0.0):
    """Program ``weights`` ((re, im) per address), then issue ``sums`` (lists of (x_re, x_im,
    addr)) one operation every 2 cycles plus random gaps. Returns results and their cycles."""
    results, starts = [], []

    async def bench(ctx):
        for addr, (re, im) in enumerate(weights):
            ctx.set(pe.prog_en, 1)
            ctx.set(pe.prog_addr, addr)
            ctx.set(pe.prog_re, int(re))
            ctx.set(pe.prog_im, int(im))
            await ctx.tick()
        ctx.set(pe.prog_en, 0)
        cycle = 0
        operations = [(term, k == 0, k == len(s) - 1) for s in sums for k, term in enumerate(s)]
        pending = list(operations)
        since = 2

        def running():
            return bool(pending) or (bool(starts) and cycle < starts[-1] + 8)

        while running():
            issue = bool(pending) and since >= 2 and rng.random() >= gap
            ctx.set(pe.start, int(issue))
            if issue:
                (x_re, x_im, addr), first, last = pending.pop(0)
                ctx.set(pe.x_re, int(x_re))
                ctx.set(pe.x_im, int(x_im))
                ctx.set(pe.addr, int(addr))
                ctx.set(pe.first, int(first))
                ctx.set(pe.last, int(last))
                if last:
                    starts.append(cycle)
                since = 0
            await ctx.delay(1e-9)
            if ctx.get(pe.result_valid):
                results.append((ctx.get(pe.result_re), ctx.get(pe.result_im), cycle))
            await ctx.tick()
            since += 1
            cycle += 1

    sim = Simulator(pe)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return results, starts


def golden_sums(weights, sums):
    out = []
    for s in sums:
        x_re = np.array([t[0] for t in s]).reshape(len(s), 1, 1, 1)
        x_im = np.array([t[1] for t in s]).reshape(len(s), 1, 1, 1)
        w_re = np.array([weights[t[2]][0] for t in s]).reshape(1, len(s), 1, 1)
        w_im = np.array([weights[t[2]][1] for t in s]).reshape(1, len(s), 1, 1)
        re, im = spectral_mac((x_re, x_im), (w_re, w_im))
        out.append((int(re.item()), int(im.item())))
    return out


@pytest.mark.parametrize("dw, ww, terms, gap", [(16, 16, 6, 0.0), (16, 16, 6, 0.4),
                                                (12, 10, 16, 0.2), (18, 18, 1, 0.0)])
def test_pe_bit_exact(rng, dw, ww, terms, gap):
    depth = 24
    pe = PE(dw, ww, depth, terms)
    lo_x, hi_x = -(1 << (dw - 1)), (1 << (dw - 1))
    lo_w, hi_w = -(1 << (ww - 1)), (1 << (ww - 1))
    weights = [tuple(rng.integers(lo_w, hi_w, 2)) for _ in range(depth)]
    weights[0] = (lo_w, lo_w)                            # the corners of the worst case
    weights[1] = (lo_w, hi_w - 1)
    sums = []
    for _ in range(12):
        length = int(rng.integers(1, terms + 1))
        sums.append([(int(rng.integers(lo_x, hi_x)), int(rng.integers(lo_x, hi_x)),
                      int(rng.integers(0, depth))) for _ in range(length)])
    sums.append([(lo_x, lo_x, 0)] * terms)               # worst-case sum, both parts
    sums.append([(lo_x, lo_x, 1)] * terms)
    results, starts = run_pe(pe, weights, sums, rng, gap)
    want = golden_sums(weights, sums)
    assert [(re, im) for re, im, _ in results] == want
    assert all(fits(part, pe.acc_width) for pair in want for part in pair)
    assert [cycle for _, _, cycle in results] == [s + PE.LATENCY for s in starts]


@pytest.mark.parametrize("args, error, message", [
    ((1, 16, 8, 4), ValueError, "PE data width must be between 4 and 24, not 1"),
    ((16, 16, 0, 4), ValueError, "PE weight depth must be between 1 and 1048576, not 0"),
    ((16, 16.0, 8, 4), TypeError, "PE weight width must be an integer, not 16.0"),
    ((24, 24, 8, 1 << 20), ValueError, "PE accumulator width must be at most 62 bits, not 69"),
])
def test_pe_parameter_errors(args, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        PE(*args)


def test_pe_verilog_lints_clean(tmp_path):
    from fdagen.emit.verilog import convert
    from fdagen.flows.lint import lint

    source = tmp_path / "pe.v"
    source.write_text(convert(PE(16, 16, 240, 16), "pe"))
    lint([source], top="pe")


def test_pe_ignores_a_start_while_not_ready(rng):
    """Starts on consecutive cycles: the second is not taken (ready was low) and the first
    operation's sum is unharmed."""
    pe = PE(16, 16, 4, 2)
    seen = []

    async def bench(ctx):
        for addr, (re, im) in enumerate([(3, -2), (5, 7), (0, 0), (0, 0)]):
            ctx.set(pe.prog_en, 1)
            ctx.set(pe.prog_addr, addr)
            ctx.set(pe.prog_re, re)
            ctx.set(pe.prog_im, im)
            await ctx.tick()
        ctx.set(pe.prog_en, 0)
        for cycle, (start, x, addr, first, last) in enumerate(
                [(1, (4, 1), 0, 1, 1), (1, (9, 9), 1, 1, 1), (0, (0, 0), 0, 0, 0)] +
                [(0, (0, 0), 0, 0, 0)] * 6):
            ctx.set(pe.start, start)
            ctx.set(pe.x_re, x[0])
            ctx.set(pe.x_im, x[1])
            ctx.set(pe.addr, addr)
            ctx.set(pe.first, first)
            ctx.set(pe.last, last)
            await ctx.delay(1e-9)
            if cycle == 1:
                assert not ctx.get(pe.ready)
            if ctx.get(pe.result_valid):
                seen.append((ctx.get(pe.result_re), ctx.get(pe.result_im)))
            await ctx.tick()
        assert not ctx.get(pe.busy)

    sim = Simulator(pe)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    assert seen == [(4 * 3 - 1 * -2, 1 * 3 + 4 * -2)]     # (4 + 1j)(3 - 2j) = 14 - 5j
