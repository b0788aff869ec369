# amaranth: UnusedElaboratable=no
# (constructors that raise still leave "created but never used" objects behind)
"""The streaming FFT core in amaranth.sim, bit-exact against the golden FFT."""

import numpy as np
import pytest
from amaranth.sim import Simulator
from conftest import sample
from support.streamsim import run_stream

from fdagen.gateware.fft.core import FFTCore
from fdagen.golden.fft import FFTFormat, fft_fixed


def simulate(core, frames, rng, gaps=0.0, stalls=0.0, schedules=None, max_cycles=None):
    """Feed ``frames`` (list of (re, im) arrays); return the outputs as (re, im, last)."""
    n = core.fmt.n
    words = [(index, j, int(re[j]), int(im[j])) for index, (re, im) in enumerate(frames)
             for j in range(n)]

    def drive(ctx, _, word):
        index, j, re, im = word
        ctx.set(core.i.payload.re, re)
        ctx.set(core.i.payload.im, im)
        ctx.set(core.i.payload.last, int(j == n - 1))
        if schedules is not None:
            ctx.set(core.schedule, schedules[index])

    outputs, _ = run_stream(core, words, len(words), rng, drive,
                            lambda p: (p.re, p.im, p.last), gaps=gaps, stalls=stalls,
                            max_cycles=max_cycles, quiet=3 * n)
    return outputs


def golden_frames(fmt, frames, schedules=None):
    result = []
    for index, (re, im) in enumerate(frames):
        f = fmt
        if schedules is not None:
            f = FFTFormat(fmt.n, fmt.data_width, fmt.twiddle_width,
                          tuple((schedules[index] >> s) & 1 for s in range(fmt.stages)),
                          fmt.rounding, fmt.inverse, fmt.order)
        out_re, out_im = fft_fixed(re, im, f)
        result += [(int(a), int(b)) for a, b in zip(out_re, out_im)]
    return result


def random_frames(rng, fmt, count):
    limit = 1 << (fmt.data_width - 1)
    frames = [tuple(rng.integers(-limit, limit, (2, fmt.n))) for _ in range(count - 1)]
    frames.append((np.full(fmt.n, limit - 1), np.full(fmt.n, -limit)))   # full-scale corner
    return frames


def check(core, frames, rng, **kwargs):
    outputs = simulate(core, frames, rng, **kwargs)
    want = golden_frames(core.fmt, frames, kwargs.get("schedules"))
    assert [(re, im) for re, im, _ in outputs] == want
    n = core.fmt.n
    assert [last for _, _, last in outputs] == [int(j % n == n - 1) for j in range(len(want))]


CONFIGS = [
    # n, data width, twiddle width, scaling, rounding, inverse
    (4, 8, 8, "per_stage", "convergent", False),
    (8, 12, 10, "growth", "half_up", True),
    (16, 16, 16, "per_stage", "convergent", False),
    (16, 10, 12, (1, 0, 1, 0), "truncate", True),
    (32, 16, 16, "per_stage", "half_up", True),
    (64, 16, 16, "per_stage", "convergent", False),
    (2, 8, 8, "per_stage", "convergent", False),
    (128, 12, 12, "growth", "convergent", False),
]


@pytest.mark.parametrize("n, width, tw, scaling, rounding, inverse", CONFIGS)
def test_core_bit_exact_full_rate(rng, n, width, tw, scaling, rounding, inverse):
    fmt = FFTFormat(n, width, tw, scaling, rounding, inverse, "bitrev")
    check(FFTCore(fmt), random_frames(rng, fmt, 3), rng)


@pytest.mark.parametrize("n, width, tw, scaling, rounding, inverse", sample(CONFIGS, every=2))
def test_core_bit_exact_with_gaps_and_backpressure(rng, n, width, tw, scaling, rounding,
                                                   inverse):
    fmt = FFTFormat(n, width, tw, scaling, rounding, inverse, "bitrev")
    check(FFTCore(fmt), random_frames(rng, fmt, 3), rng, gaps=0.3, stalls=0.4)


def test_core_runtime_schedule_per_frame(rng):
    fmt = FFTFormat(16, 16, 16, "per_stage", "convergent", False, "bitrev")
    frames = random_frames(rng, fmt, 4)
    check(FFTCore(fmt, runtime_schedule=True), frames, rng, gaps=0.2, stalls=0.2,
          schedules=[0b1111, 0b0101, 0b0000, 0b1010])


def test_reset_mid_frame_recovers(rng):
    """Half a frame, a reset, then whole frames: only the whole frames come out, bit-exact."""
    from amaranth import ClockDomain, Module

    fmt = FFTFormat(16, 12, 12, "per_stage", "convergent", False, "bitrev")
    core = FFTCore(fmt)
    top = Module()
    top.domains.sync = domain = ClockDomain("sync")
    top.submodules.core = core
    frames = random_frames(rng, fmt, 2)
    outputs = []

    async def source(ctx):
        for j in range(23):                      # a frame and a half of junk
            ctx.set(core.i.valid, 1)
            ctx.set(core.i.payload.re, j * 37 % 2000 - 1000)
            await ctx.tick()
        ctx.set(core.i.valid, 0)
        ctx.set(domain.rst, 1)
        await ctx.tick()
        ctx.set(domain.rst, 0)
        assert not ctx.get(core.o.valid)
        outputs.clear()                          # whatever left before the reset is not judged
        for re, im in frames:
            for j in range(fmt.n):
                ctx.set(core.i.valid, 1)
                ctx.set(core.i.payload.re, int(re[j]))
                ctx.set(core.i.payload.im, int(im[j]))
                await ctx.tick().until(core.i.ready)
        ctx.set(core.i.valid, 0)

    async def sink(ctx):
        ctx.set(core.o.ready, 1)
        for _ in range(10 * fmt.n):
            await ctx.delay(1e-9)
            if ctx.get(core.o.valid) and not ctx.get(domain.rst):
                payload = ctx.get(core.o.payload)
                outputs.append((payload.re, payload.im))
            await ctx.tick()

    sim = Simulator(top)
    sim.add_clock(1e-6, domain="sync")
    sim.add_testbench(source, background=True)
    sim.add_testbench(sink)
    sim.run()
    assert outputs == golden_frames(fmt, frames)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((FFTFormat(16, scaling="growth", order="bitrev"),), {"runtime_schedule": True}, ValueError,
     "FFT scaling must be a schedule (not growth) with a runtime schedule"),
    ((16,), {}, TypeError, "FFT format must be an FFTFormat, not 16"),
    ((FFTFormat(16, order="bitrev"),), {"runtime_length": True}, ValueError,
     "FFT schedule must be a runtime schedule with a runtime length, not fixed"),
    ((FFTFormat(16, order="natural"),), {"runtime_schedule": True, "runtime_length": True},
     ValueError, "FFT output order must be bitrev with a runtime length, not natural"),
    ((FFTFormat(16, order="bitrev"),), {"dsp": "dsp48"}, ValueError,
     "DSP kind must be one of generic, ecp5, not 'dsp48'"),
])
def test_core_parameter_errors(args, kwargs, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        FFTCore(*args, **kwargs)


@pytest.mark.parametrize("fmt, stages", [
    (FFTFormat(64, 16, 16, "per_stage", "convergent"), [0, 1, 2, 3]),  # the last two: trivial
    (FFTFormat(64, 18, 18, "per_stage", "convergent"), []),            # a - b has 19 bits
    (FFTFormat(32, 16, 16, "growth", "convergent"), [0, 1]),   # stage 2: a - b has 19 bits
    (FFTFormat(4, 16, 16, "per_stage", "convergent"), []),             # no general twiddle
])
def test_core_mult18_stages(fmt, stages):
    """With dsp="ecp5" the products of every stage with a general twiddle whose operands fit
    18 x 18 bits go to MULT18X18D output registers; generic cores have none."""
    assert FFTCore(fmt, dsp="ecp5").mult18_stages == stages
    assert FFTCore(fmt).mult18_stages == []


@pytest.mark.parametrize("n, inverse, gaps, stalls", [(4, False, 0.0, 0.0), (16, True, 0.3, 0.4),
                                                      (64, False, 0.2, 0.2)])
def test_core_natural_order(rng, n, inverse, gaps, stalls):
    fmt = FFTFormat(n, 16, 16, "per_stage", "convergent", inverse, "natural")
    check(FFTCore(fmt), random_frames(rng, fmt, 3), rng, gaps=gaps, stalls=stalls)


def first_output_cycle(core, frame, length_shift=None):
    """Clocks from a ``frame``-sample frame's first input (full rate) to its first output; with
    ``length_shift`` the first sample is offered at that run-time length and the count starts
    once the core, empty, has taken the length and accepts."""
    seen = []

    async def bench(ctx):
        ctx.set(core.o.ready, 1)
        if length_shift is not None:
            ctx.set(core.length_shift, length_shift)
            ctx.set(core.i.valid, 1)
            await ctx.delay(1e-9)
            while not ctx.get(core.i.ready):
                await ctx.tick()
                await ctx.delay(1e-9)
        for cycle in range(6 * core.fmt.n):
            ctx.set(core.i.valid, int(cycle < frame))
            ctx.set(core.i.payload.re, 100)
            await ctx.delay(1e-9)
            if ctx.get(core.o.valid) and not seen:
                seen.append(cycle)
            await ctx.tick()

    sim = Simulator(core)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return seen[0]


@pytest.mark.parametrize("order", ["bitrev", "natural"])
def test_core_latency_is_measured(rng, order):
    """The documented latency: a frame's first output appears `latency` clocks after its
    first input at full rate."""
    core = FFTCore(FFTFormat(32, 16, 16, "per_stage", "convergent", False, order))
    assert first_output_cycle(core, 32) == core.latency


def check_lengths(core, lengths, rng, schedules, **kwargs):
    """Frames of the given run-time lengths (``N >> shift``) back to back, each bit-exact with
    the golden FFT of its own length and schedule, ``last`` on each frame's final sample."""
    fmt = core.fmt
    limit = 1 << (fmt.data_width - 1)
    frames = [tuple(rng.integers(-limit, limit, (2, length))) for length in lengths]
    words = [(index, j, int(re[j]), int(im[j])) for index, (re, im) in enumerate(frames)
             for j in range(len(re))]

    def drive(ctx, _, word):
        index, j, re, im = word
        ctx.set(core.i.payload.re, re)
        ctx.set(core.i.payload.im, im)
        ctx.set(core.i.payload.last, int(j == lengths[index] - 1))
        ctx.set(core.schedule, schedules[index])
        ctx.set(core.length_shift, fmt.stages - (lengths[index].bit_length() - 1))

    outputs, _ = run_stream(core, words, len(words), rng, drive,
                            lambda p: (p.re, p.im, p.last), quiet=3 * fmt.n, **kwargs)
    want, lasts = [], []
    for index, (re, im) in enumerate(frames):
        stages = lengths[index].bit_length() - 1
        shifts = tuple((schedules[index] >> s) & 1 for s in range(stages))
        short = FFTFormat(lengths[index], fmt.data_width, fmt.twiddle_width, shifts,
                          fmt.rounding, fmt.inverse, "bitrev")
        out_re, out_im = fft_fixed(re, im, short)
        want += [(int(a), int(b)) for a, b in zip(out_re, out_im)]
        lasts += [int(j == lengths[index] - 1) for j in range(lengths[index])]
    assert [(re, im) for re, im, _ in outputs] == want
    assert [last for _, _, last in outputs] == lasts


@pytest.mark.parametrize("n, inverse, rounding, gaps, stalls", [
    (16, False, "convergent", 0.0, 0.0),
    (16, True, "half_up", 0.3, 0.4),
    (64, False, "convergent", 0.2, 0.3),
])
def test_core_runtime_length_back_to_back(rng, n, inverse, rounding, gaps, stalls):
    """Lengths that shrink, grow and repeat, with per-frame schedules, through one core."""
    fmt = FFTFormat(n, 14, 14, "per_stage", rounding, inverse, "bitrev")
    core = FFTCore(fmt, runtime_schedule=True, runtime_length=True)
    lengths = [n, n // 2, n // 2, 4, n, 2, n // 4, n]
    schedules = [int(rng.integers(0, n)) for _ in lengths]
    check_lengths(core, lengths, rng, schedules, gaps=gaps, stalls=stalls)


def test_core_runtime_length_latency(rng):
    """At a run-time length L the first output follows the first input by L + 2 + 6 log2 N."""
    fmt = FFTFormat(32, 16, 16, "per_stage", "convergent", False, "bitrev")
    core = FFTCore(fmt, runtime_schedule=True, runtime_length=True)
    assert first_output_cycle(core, 8, length_shift=2) == core.latency_at(2) == 8 - 1 + 6 * 5 + 3
