# amaranth: UnusedElaboratable=no
"""The streaming 2-D half-spectrum IFFT in amaranth.sim, bit-exact against ifft2d_half_fixed."""

import numpy as np
import pytest
from support.streamsim import run_stream

from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.golden.fft import FFT2DFormat, fft2d_real_fixed, ifft2d_half_fixed


def simulate(dut, spectra, rng, gaps=0.0, stalls=0.0, schedules=None):
    """Feed ``spectra``; ``stalls`` is a probability or a function of the cycle (True: stall).
    Returns the outputs as (value, last)."""
    n = dut.fmt.n
    words = [(index, int(re[ky, kx]), int(im[ky, kx])) for index, (re, im) in enumerate(spectra)
             for ky, kx in IFFT2D.input_order(n)]

    def drive(ctx, _, word):
        index, re, im = word
        ctx.set(dut.i.payload.re, re)
        ctx.set(dut.i.payload.im, im)
        if schedules is not None:
            ctx.set(dut.column_schedule, schedules[index][0])
            ctx.set(dut.row_schedule, schedules[index][1])

    outputs, _ = run_stream(dut, words, len(spectra) * n * n, rng, drive,
                            lambda p: (p.value, p.last), gaps=gaps, stalls=stalls,
                            quiet=2 * n * n)
    return outputs


def expected_stream(fmt, spectra, schedules=None):
    """Golden tiles in the block's output order, ``last`` on each tile's final pixel."""
    n = fmt.n
    order = IFFT2D.output_order(n)
    stream = []
    for index, (re, im) in enumerate(spectra):
        f = fmt
        if schedules is not None:
            bits = [tuple((word >> s) & 1 for s in range(fmt.row_format.stages))
                    for word in schedules[index]]
            f = FFT2DFormat(n, fmt.data_width, fmt.twiddle_width, bits[1], bits[0],
                            fmt.rounding, inverse=True)
        tile = ifft2d_half_fixed(re, im, f)
        stream += [(int(tile[y, x]), int(j == len(order) - 1)) for j, (y, x) in enumerate(order)]
    return stream


def spectra_for(rng, fmt, count):
    """Half spectra of real tiles (via the golden forward FFT), plus arbitrary ones."""
    n, width = fmt.n, fmt.data_width
    limit = 1 << (width - 1)
    forward = FFT2DFormat(n, width, fmt.twiddle_width, "growth", "growth", fmt.rounding)
    spectra = []
    for _ in range(count - 2):
        tile = rng.integers(-(limit >> (2 * forward.row_format.stages)),
                            limit >> (2 * forward.row_format.stages), (n, n))
        spectra.append(fft2d_real_fixed(tile, forward))
    spectra.append(tuple(rng.integers(-limit, limit, (2, n, n // 2 + 1))))
    spectra.append((np.full((n, n // 2 + 1), limit - 1), np.full((n, n // 2 + 1), -limit)))
    return spectra


@pytest.mark.parametrize("n, width, rounding, gaps, stalls", [
    (4, 12, "convergent", 0.0, 0.0),
    (8, 16, "half_up", 0.3, 0.3),
    (16, 16, "convergent", 0.1, 0.5),
])
def test_ifft2d_bit_exact(rng, n, width, rounding, gaps, stalls):
    fmt = FFT2DFormat(n, width, 16, rounding=rounding, inverse=True)
    spectra = spectra_for(rng, fmt, 4)
    assert simulate(IFFT2D(fmt), spectra, rng, gaps, stalls) == expected_stream(fmt, spectra)


def test_ifft2d_growth_widths(rng):
    fmt = FFT2DFormat(8, 10, 12, "growth", "growth", "truncate", inverse=True)
    spectra = spectra_for(rng, fmt, 3)
    assert fmt.output_width == 16
    assert simulate(IFFT2D(fmt), spectra, rng, 0.2, 0.2) == expected_stream(fmt, spectra)


def test_ifft2d_runtime_schedules_latched_per_tile(rng):
    fmt = FFT2DFormat(8, 16, 16, rounding="convergent", inverse=True)
    spectra = spectra_for(rng, fmt, 4)
    schedules = [(0b111, 0b111), (0b001, 0b010), (0b110, 0b000), (0b011, 0b101)]
    got = simulate(IFFT2D(fmt, runtime_schedule=True), spectra, rng, 0.2, 0.6, schedules)
    assert got == expected_stream(fmt, spectra, schedules)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((FFT2DFormat(8),), {}, ValueError,
     "2-D IFFT format must be an inverse format, not a forward one"),
    ((FFT2DFormat(8, row_scaling="growth", inverse=True),), {"runtime_schedule": True},
     ValueError, "2-D IFFT scaling must be a schedule (not growth) with a runtime schedule"),
    ((8,), {}, TypeError, "2-D IFFT format must be an FFT2DFormat, not 8"),
])
def test_ifft2d_parameter_errors(args, kwargs, error, message):
    with pytest.raises(error, match="^" + __import__("re").escape(message) + "$"):
        IFFT2D(*args, **kwargs)


@pytest.mark.parametrize("n, shifts, gaps, stalls", [
    (8, [0, 1, 1, 0, 1], 0.0, 0.0),
    (16, [1, 0, 2, 2, 1, 0], 0.3, 0.4),
])
def test_ifft2d_runtime_size_back_to_back(rng, n, shifts, gaps, stalls):
    """Per tile an N' = N >> shift inverse, bit-exact with the golden N'-point 2-D IFFT."""
    fmt = FFT2DFormat(n, 14, 14, rounding="half_up", inverse=True)
    limit = 1 << (fmt.data_width - 1)
    spectra = [tuple(rng.integers(-limit, limit, (2, n >> k, (n >> k) // 2 + 1)))
               for k in shifts]
    schedules = [tuple(int(rng.integers(0, n >> k)) for _ in range(2)) for k in shifts]
    words, want = [], []
    for index, ((re, im), k) in enumerate(zip(spectra, shifts)):
        small = FFT2DFormat(n >> k, fmt.data_width, fmt.twiddle_width, rounding=fmt.rounding,
                            inverse=True)
        words += [(index, int(re[ky, kx]), int(im[ky, kx]))
                  for ky, kx in IFFT2D.input_order(n >> k)]
        want += expected_stream(small, [(re, im)], [schedules[index]])
    dut = IFFT2D(fmt, runtime_schedule=True, runtime_length=True)

    def drive(ctx, _, word):
        index, re, im = word
        ctx.set(dut.i.payload.re, re)
        ctx.set(dut.i.payload.im, im)
        ctx.set(dut.column_schedule, schedules[index][0])
        ctx.set(dut.row_schedule, schedules[index][1])
        ctx.set(dut.length_shift, shifts[index])

    outputs, _ = run_stream(dut, words, len(want), rng, drive, lambda p: (p.value, p.last),
                            gaps=gaps, stalls=stalls, quiet=2 * n * n)
    assert outputs == want
