# amaranth: UnusedElaboratable=no
"""Several samples per clock: bit-exact per frame, and the sustained rate."""

import pytest
from support.streamsim import run_stream

from fdagen.gateware.fft.parallel import ParallelFFT
from fdagen.golden.fft import FFTFormat, fft_fixed


def run(dut, frames, rng, gaps=0.0, stalls=0.0):
    """Feed frames as beats; return (output beats as (re list, im list, last), their cycles)."""
    n, lanes = dut.fmt.n, dut.lanes
    beats = [(re[b * lanes:(b + 1) * lanes], im[b * lanes:(b + 1) * lanes])
             for re, im in frames for b in range(n // lanes)]

    def drive(ctx, _, beat):
        for lane in range(lanes):
            ctx.set(dut.i.payload.re[lane], int(beat[0][lane]))
            ctx.set(dut.i.payload.im[lane], int(beat[1][lane]))

    def take(payload):
        return ([payload.re[k] for k in range(lanes)], [payload.im[k] for k in range(lanes)],
                payload.last)

    return run_stream(dut, beats, len(beats), rng, drive, take, gaps=gaps, stalls=stalls,
                      quiet=2 * n)


def golden_beats(fmt, frames, lanes):
    beats = []
    for re, im in frames:
        out_re, out_im = fft_fixed(re, im, fmt)
        for b in range(fmt.n // lanes):
            part = slice(b * lanes, (b + 1) * lanes)
            beats.append(([int(v) for v in out_re[part]], [int(v) for v in out_im[part]],
                          int(b == fmt.n // lanes - 1)))
    return beats


def frames_for(rng, fmt, count):
    limit = 1 << (fmt.data_width - 1)
    return [tuple(rng.integers(-limit, limit, (2, fmt.n))) for _ in range(count)]


@pytest.mark.parametrize("n, lanes, order, gaps, stalls", [
    (16, 2, "bitrev", 0.0, 0.0),
    (16, 2, "natural", 0.3, 0.3),
    (8, 1, "bitrev", 0.2, 0.2),
    (32, 4, "bitrev", 0.1, 0.4),
    (16, 16, "natural", 0.0, 0.0),
])
def test_parallel_bit_exact(rng, n, lanes, order, gaps, stalls):
    fmt = FFTFormat(n, 16, 16, "per_stage", "convergent", False, order)
    frames = frames_for(rng, fmt, 2 * lanes + 1)
    outputs, _ = run(ParallelFFT(fmt, lanes), frames, rng, gaps, stalls)
    assert outputs == golden_beats(fmt, frames, lanes)


def test_parallel_parameter_errors():
    with pytest.raises(ValueError, match=r"^lanes must be between 1 and 16 and divide the FFT "
                                         r"size 16, not 3$"):
        ParallelFFT(FFTFormat(16), 3)
    with pytest.raises(TypeError, match=r"^lanes must be an integer, not 2.0$"):
        ParallelFFT(FFTFormat(16), 2.0)


@pytest.mark.parametrize("lanes", [1, 2, 4, 8, 16])
def test_sustained_rate_is_lanes_samples_per_clock(rng, lanes):
    """At full rate, frame after frame, output beats come every clock (lanes = N/2 once ran
    at 2/3 of that: its 2-beat FIFOs could not take two writes in a row)."""
    fmt = FFTFormat(16, 16, 16, "per_stage", "convergent", False, "bitrev")
    count = max(12, 3 * lanes)
    frames = frames_for(rng, fmt, count)
    outputs, cycles = run(ParallelFFT(fmt, lanes), frames, rng)
    beats = fmt.n // lanes
    assert len(outputs) == count * beats
    steady = cycles[(lanes + 3) * beats:]         # after every core's pipeline has filled
    assert steady[-1] - steady[0] == len(steady) - 1
