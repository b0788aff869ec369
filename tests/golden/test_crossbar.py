"""The bit-true ReRAM crossbar MAC: exact at full ADC resolution, the quantized rule below it,
the device map, and the layer pipeline with crossbars."""

import numpy as np
import pytest

from fdagen.golden.checks import ParameterError
from fdagen.golden.crossbar import (CrossbarFormat, CrossbarMAC, DeviceModel, adc_convert,
                                    crossbar_accumulator_width, draw_device_map,
                                    ideal_cells, input_slices, program_cells, weight_cells)
from fdagen.golden.pipeline import (FixedFormat, calibrate_layer, conv2d_fixed, spectral_mac,
                                    sqnr_db)
from test_pipeline import run_layer


def operands(rng, c, m, bins=(4, 3), tiles=2, data_width=16, weight_width=16):
    lo, hi = -(1 << (data_width - 1)), 1 << (data_width - 1)
    x = tuple(rng.integers(lo, hi, (c, tiles, *bins)) for _ in range(2))
    lo, hi = -(1 << (weight_width - 1)), 1 << (weight_width - 1)
    w = tuple(rng.integers(lo, hi, (m, c, *bins)) for _ in range(2))
    return x, w


def run(fmt, x, w, data_width=16, weight_width=16, device=DeviceModel(), adc_shift=0):
    mac = CrossbarMAC(fmt, device, data_width=data_width, weight_width=weight_width)
    return mac(x, w, adc_shift), mac


# rows (incl. fewer than the channels: digital row-slice sums), cell bits (incl. a weight width
# that is not a multiple of them), DAC bits (incl. a data width that is not a multiple).
GEOMETRIES = [  # C, M, rows, cell bits, DAC bits, data width, weight width
    (6, 16, 128, 2, 1, 16, 16), (5, 3, 2, 2, 1, 16, 16), (7, 4, 3, 3, 2, 16, 16),
    (3, 2, 1, 1, 3, 16, 16), (130, 2, 128, 4, 8, 16, 16), (9, 5, 4, 3, 3, 13, 11),
    (4, 3, 16, 2, 5, 24, 24)]


@pytest.mark.parametrize("c, m, rows, cell_bits, dac_bits, dw, ww", GEOMETRIES)
def test_full_resolution_is_exactly_spectral_mac(rng, c, m, rows, cell_bits, dac_bits, dw, ww):
    x, w = operands(rng, c, m, data_width=dw, weight_width=ww)
    fmt = CrossbarFormat(rows=rows, cell_bits=cell_bits, dac_bits=dac_bits)
    (re, im), _ = run(fmt, x, w, dw, ww)
    exact = spectral_mac(x, w)
    assert np.array_equal(re, exact[0]) and np.array_equal(im, exact[1])


@pytest.mark.parametrize("xv", [-(1 << 15), (1 << 15) - 1, -1, 0])
@pytest.mark.parametrize("wv", [-(1 << 15), (1 << 15) - 1, -1, 0])
def test_full_resolution_worst_case_operands(xv, wv):
    c = 130                                                   # two row slices of 128
    x = (np.full((c, 1, 2, 2), xv), np.full((c, 1, 2, 2), -xv if xv > -(1 << 15) else xv))
    w = (np.full((3, c, 2, 2), wv), np.full((3, c, 2, 2), wv))
    (re, im), _ = run(CrossbarFormat(), x, w)
    exact = spectral_mac(x, w)
    assert np.array_equal(re, exact[0]) and np.array_equal(im, exact[1])


def test_input_slices_rebuild_signed_codes(rng):
    for width, dac in [(16, 1), (16, 2), (13, 3), (8, 8), (5, 7)]:
        codes = np.concatenate([rng.integers(-(1 << (width - 1)), 1 << (width - 1), 200),
                                [-(1 << (width - 1)), (1 << (width - 1)) - 1, 0, -1]])
        slices, weights = input_slices(codes, width, dac)
        assert slices.min() >= 0 and slices.max() < (1 << dac)
        assert len(weights) == CrossbarFormat(dac_bits=dac).slices(width)
        assert np.array_equal(np.tensordot(weights, slices, axes=1), codes)


def test_weight_cells_are_offset_binary(rng):
    codes = rng.integers(-(1 << 10), 1 << 10, 100)
    cells = weight_cells(codes, 11, 3)                          # 4 cells, the top one 2 bits
    assert cells.shape == (100, 4) and cells.max() <= 7 and cells[:, 3].max() <= 3
    assert np.array_equal((cells << np.array([0, 3, 6, 9])).sum(axis=1) - (1 << 10), codes)
    assert weight_cells(0, 16, 2).tolist() == [0] * 7 + [2]     # zero: a half-scale top cell


def test_adc_rule_rounds_half_up_and_clamps():
    frac = 2                                                    # sums in quarter levels
    sums = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 1000], dtype=np.float32) * 1
    assert adc_convert(sums.copy(), frac, 4, 0).tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 15, 15]
    assert adc_convert(sums.copy(), frac, 4, 1).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 13, 15]


def test_full_resolution_bits():
    assert CrossbarFormat().full_resolution_bits() == 9        # 128 rows x 1 x 3 = 384
    assert CrossbarFormat(rows=8, cell_bits=1, dac_bits=1).full_resolution_bits() == 4
    assert CrossbarFormat(rows=1024, cell_bits=4, dac_bits=8).full_resolution_bits() == 22


def test_one_bit_too_few_changes_the_result_and_the_shift_rescues_it(rng):
    """At 8 ADC bits for 128 rows some column sums clamp (the rule, not an exact MAC); the
    calibrated shift keeps every sum in range at the price of rounding."""
    c = 128
    x = (np.full((c, 1, 2, 2), -1), np.zeros((c, 1, 2, 2), dtype=np.int64))  # all slices on
    w = tuple(np.full((2, c, 2, 2), (1 << 15) - 1) for _ in range(2))  # every cell at the top
    exact = spectral_mac(x, w)
    (re, _), mac = run(CrossbarFormat(adc_bits=8), x, w)
    assert not np.array_equal(re, exact[0])
    shift = mac.calibrate([x], w)
    assert shift == 1
    (re, im), _ = run(CrossbarFormat(adc_bits=8), x, w, adc_shift=shift)
    assert np.array_equal(re, exact[0]) and np.array_equal(im, exact[1])   # 384 = 2 x 192


def test_accumulator_width_is_a_tight_bound():
    """An extreme result: ``Y_re = re_re - im_im`` with ``re_re`` at its most negative (full
    ADC codes on the sign slice, the largest positive offset share) and ``im_im`` at its most
    positive (full codes on the magnitude slices, the most negative offset share), over two
    row slices. It needs all but one bit of the bound's width (the bound takes every slice at
    full scale with one sign, which positive and negative slice weights cannot both be)."""
    from fdagen.golden.crossbar import shift_add

    fmt = CrossbarFormat(rows=4, adc_bits=5)
    channels, shift, width = 8, 3, 16
    bound = crossbar_accumulator_width(fmt, width, width, channels, shift)
    _, slice_weights = input_slices(0, width, fmt.dac_bits)
    codes = np.zeros((2, 1, 1, len(slice_weights), 2, 2, 1, fmt.cells(width)))
    top = (1 << fmt.resolution) - 1
    for s, weight in enumerate(slice_weights):
        codes[:, :, :, s, 0, 0] = top if weight < 0 else 0     # Re(x) x W_re
        codes[:, :, :, s, 1, 1] = top if weight > 0 else 0     # Im(x) x W_im
    half = 1 << (width - 1)
    offset = half * np.array([channels * (half - 1), -channels * half]).reshape(2, 1, 1)
    summed = shift_add(codes, slice_weights, fmt.cell_bits, shift, offset, exact_float=False)
    extreme = int(summed[0, 0, 0, 0, 0]) - int(summed[1, 1, 0, 0, 0])
    assert -(1 << (bound - 1)) <= extreme < -(1 << (bound - 3))


def test_accumulator_width_bounds_random_results(rng):
    fmt = CrossbarFormat(rows=4, adc_bits=5)
    x, w = operands(rng, 9, 3)
    device = DeviceModel(sigma=0.5, stuck_high=0.3, seed=3)
    for shift in (0, 3):
        (re, im), mac = run(fmt, x, w, device=device, adc_shift=shift)
        bound = 1 << (mac.accumulator_width(9, shift) - 1)
        assert np.abs(re).max() < bound and np.abs(im).max() < bound


def test_codes_and_widths_are_checked(rng):
    x, w = operands(rng, 2, 2, data_width=8, weight_width=8)
    mac = CrossbarMAC(data_width=8, weight_width=8)
    with pytest.raises(ParameterError, match="crossbar inputs must be 8-bit codes"):
        mac((x[0] * 2, x[1]), w)
    with pytest.raises(ParameterError, match="crossbar weights must be 8-bit codes"):
        mac(x, (w[0], w[1] * 2))
    with pytest.raises(ParameterError, match="data width must be between"):
        CrossbarMAC(data_width=0, weight_width=8)(x, w)


def test_large_layers_are_computed_in_chunks_alike(rng):
    """Output channels beyond one chunk of column sums give the same result as spectral_mac
    (1-row crossbars, 1-bit cells: many column sums per output)."""
    x, w = operands(rng, 3, 40, bins=(8, 5), tiles=3)
    (re, im), _ = run(CrossbarFormat(rows=1, cell_bits=1), x, w)
    exact = spectral_mac(x, w)
    assert np.array_equal(re, exact[0]) and np.array_equal(im, exact[1])


def program(target, fmt, device, seed):
    return program_cells(target, fmt, draw_device_map(np.shape(target), fmt, device,
                                                      np.random.default_rng(seed)))


def test_device_map_is_seeded_and_deterministic(rng):
    fmt = CrossbarFormat()
    target = rng.integers(0, 4, (2, 5, 6, 40, 8))
    device = DeviceModel(sigma=0.1, stuck_low=0.01, stuck_high=0.01, seed=7)
    a, b, c = (program(target, fmt, device, seed) for seed in ((7, 0), (7, 0), (8, 0)))
    assert np.array_equal(a.levels, b.levels) and a.failures == b.failures
    assert not np.array_equal(a.levels, c.levels)
    assert a.levels.min() >= 0 and a.levels.max() < 1 << (fmt.cell_bits + fmt.frac_bits)


def test_the_map_draws_depend_on_neither_the_rates_nor_the_attempts():
    """Changing a rate or max_attempts keeps every other draw: a sweep of one quantity with one
    seed moves only that quantity."""
    fmt = CrossbarFormat()

    def drawn(**kwargs):
        return draw_device_map((2000,), fmt, DeviceModel(**kwargs), np.random.default_rng(4))

    base = drawn(sigma=0.1, stuck_low=0.01, stuck_high=0.02, program_fail=0.3, max_attempts=8)
    for change in ({"program_fail": 0.0}, {"max_attempts": 3}, {"stuck_low": 0.0},
                   {"stuck_high": 0.1}):
        other = drawn(**{**dict(sigma=0.1, stuck_low=0.01, stuck_high=0.02, program_fail=0.3,
                                max_attempts=8), **change})
        assert np.array_equal(base.gain, other.gain) and np.array_equal(base.wrong, other.wrong)
        if "stuck_low" not in change and "stuck_high" not in change:
            assert np.array_equal(base.stuck, other.stuck)
    fewer = drawn(sigma=0.1, stuck_low=0.01, stuck_high=0.02, program_fail=0.3, max_attempts=3)
    # the first 3 attempts are the same draws: a cell that lands within them lands alike
    assert np.array_equal(np.minimum(base.misses, 3), fewer.misses)
    # a stuck cell ignores what is programmed
    low, high = (program_cells(np.full(2000, v), fmt, base) for v in (0, 3))
    assert np.array_equal(low.levels[base.stuck != 0], high.levels[base.stuck != 0])


def write_verify_cell(target, gain, stuck, misses, wrong, attempts, fmt):
    """One cell, pulse by pulse, as the controller and the behavioural macro will do it:
    ``(effective level, pulses, verified)``."""
    level, top = wrong, (1 << fmt.cell_bits) - 1
    for pulse in range(1, attempts + 1):
        if stuck:
            level = top if stuck == 2 else 0
        else:
            level = target if pulse > misses else wrong
        if level == target:                                     # verify reads the level back
            break
    verified = level == target
    effective = (level << fmt.frac_bits if stuck
                 else min(level * gain, (1 << (fmt.cell_bits + fmt.frac_bits)) - 1))
    return effective, pulse, verified


def test_program_cells_is_the_pulse_by_pulse_write_verify(rng):
    fmt = CrossbarFormat()
    device = DeviceModel(sigma=0.3, stuck_low=0.05, stuck_high=0.05, program_fail=0.6,
                         max_attempts=3)
    target = rng.integers(0, 4, (3000,))
    cells_map = draw_device_map(target.shape, fmt, device, np.random.default_rng(9))
    cells = program_cells(target, fmt, cells_map)
    expected = [write_verify_cell(t, g, s, m, w, device.max_attempts, fmt) for t, g, s, m, w in
                zip(target, cells_map.gain, cells_map.stuck, cells_map.misses, cells_map.wrong)]
    assert cells.levels.tolist() == [e[0] for e in expected]
    assert cells.pulses == sum(e[1] for e in expected)
    assert cells.failures == sum(not e[2] for e in expected)
    assert 0 < cells.failures < target.size


def test_variation_scales_the_same_draws(rng):
    fmt = CrossbarFormat(frac_bits=12)
    target = rng.integers(1, 4, (50000,))
    small = program(target, fmt, DeviceModel(sigma=0.01), 1)
    large = program(target, fmt, DeviceModel(sigma=0.02), 1)
    nominal = target << fmt.frac_bits
    d_small, d_large = small.levels - nominal, large.levels - nominal
    assert np.corrcoef(d_small, d_large)[0, 1] > 0.99
    relative = d_large / nominal
    assert 0.019 < relative.std() < 0.021 and abs(relative.mean()) < 0.001
    assert small.failures == large.failures == 0


def test_stuck_cells_are_at_their_rails_and_fail_verify_unless_on_target(rng):
    fmt = CrossbarFormat()
    target = rng.integers(0, 4, (100000,))
    cells = program(target, fmt, DeviceModel(stuck_low=0.02, stuck_high=0.03), 5)
    at_low = cells.levels == 0
    at_high = cells.levels == 3 << fmt.frac_bits
    off_target = cells.levels != target << fmt.frac_bits
    # a quarter of the targets is the rail a cell is stuck at: those are not off target
    assert np.mean(off_target & at_low) == pytest.approx(0.02 * 0.75, abs=0.002)
    assert np.mean(off_target & at_high) == pytest.approx(0.03 * 0.75, abs=0.002)
    assert cells.failures == np.count_nonzero(off_target)           # all of them flagged


def test_programming_failures_are_counted_and_pulses_retried(rng):
    fmt = CrossbarFormat()
    target = rng.integers(0, 4, (40000,))
    cells = program(target, fmt, DeviceModel(program_fail=0.5, max_attempts=3), 2)
    wrong = cells.levels != target << fmt.frac_bits
    # a cell fails when all 3 attempts miss (1/8) and its wrong level is not the target (3/4)
    assert cells.failures / target.size == pytest.approx(3 / 32, abs=0.006)
    assert np.count_nonzero(wrong) == cells.failures
    # pulses: 1 when the wrong level is the target (1/4), else 1, 2, 3, 3 with 1/2, 1/4, 1/8, 1/8
    assert cells.pulses / target.size == pytest.approx(0.25 + 0.75 * 1.75, abs=0.02)
    perfect = program(target, fmt, DeviceModel(), 2)
    assert perfect.failures == 0 and perfect.pulses == target.size
    assert np.array_equal(perfect.levels, ideal_cells(target, fmt).levels)


def test_layer_with_crossbars_at_full_resolution_equals_digital(rng):
    trace, _ = run_layer(rng, 6, 16, 14, 5, FixedFormat(), n=8, relu_=True)
    mac = CrossbarMAC(data_width=16, weight_width=16)
    crossbar = conv2d_fixed(trace.input_codes, *_layer_operands(rng), trace.tiling, FixedFormat(),
                            trace.quant, mac)
    digital = conv2d_fixed(trace.input_codes, *_layer_operands(rng), trace.tiling,
                           FixedFormat(), trace.quant)
    assert np.array_equal(crossbar.output_codes, digital.output_codes)
    assert np.array_equal(crossbar.accumulator[0], digital.accumulator[0])


def _layer_operands(rng, m=16, c=6, k=5):
    gen = np.random.default_rng(11)
    return gen.normal(0, 1 / np.sqrt(c * k * k), (m, c, k, k)), gen.normal(0, 0.1, m)


def test_sqnr_rises_with_adc_bits_and_is_exact_at_full_resolution(rng):
    """A LeNet-C3-sized layer (C = 6, 128-row crossbars, so 6 active rows: full resolution is 9
    bits for 128 rows, but 6 rows' sums need only 5) at 3..9 ADC bits, each with its
    calibrated shift."""
    from fdagen.golden.direct import conv2d_direct, relu
    from fdagen.golden.pipeline import quantize_input
    from fdagen.golden.tiling import Tiling

    w, b = _layer_operands(rng)
    x = np.maximum(rng.normal(0, 0.5, (6, 14, 14)), 0)
    tiling, fmt = Tiling.choose((14, 14), 5, fft_size=8), FixedFormat()
    codes = quantize_input(x, 15, 16)
    reference = relu(conv2d_direct(np.ldexp(codes.astype(float), -15), w, b, 1, 0))
    sqnr = {}
    for bits in range(3, 10):
        mac = CrossbarMAC(CrossbarFormat(adc_bits=bits), data_width=16, weight_width=16)
        quant = calibrate_layer([codes], w, b, tiling, fmt, 15, True, mac)
        out = conv2d_fixed(codes, w, b, tiling, fmt, quant, mac)
        sqnr[bits] = sqnr_db(reference, out.output())
    digital_quant = calibrate_layer([codes], w, b, tiling, fmt, 15, True)
    digital = sqnr_db(reference, conv2d_fixed(codes, w, b, tiling, fmt, digital_quant).output())
    assert sqnr[9] == pytest.approx(digital) and sqnr[5] == pytest.approx(digital)
    assert sqnr[3] < sqnr[4] < sqnr[5]
    assert sqnr[3] < digital - 10


@pytest.mark.parametrize("kwargs, message", [
    ({"rows": 0}, "crossbar rows must be between 1 and 1024, not 0"),
    ({"cell_bits": 5}, "cell bits must be between 1 and 4, not 5"),
    ({"dac_bits": 0}, "DAC bits must be between 1 and 8, not 0"),
    ({"adc_bits": 23}, "ADC bits must be between 1 and 22, not 23"),
])
def test_bad_crossbar_formats(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        CrossbarFormat(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"sigma": -0.1}, "sigma must be between 0 and 1, not -0.1"),
    ({"sigma": True}, "sigma must be between 0 and 1, not True"),
    ({"stuck_low": 0.7, "stuck_high": 0.6}, "stuck-at rates must sum to at most 1, not 1.3"),
    ({"program_fail": float("nan")}, "program failure rate must be between 0 and 1, not nan"),
    ({"max_attempts": 0}, "write-verify attempts must be between 1 and 64, not 0"),
])
def test_bad_device_models(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        DeviceModel(**kwargs)


def test_widths_must_match_the_layer(rng):
    trace, _ = run_layer(rng, 2, 2, 8, 3, FixedFormat(), n=8)
    w, b = np.zeros((2, 2, 3, 3)), None
    with pytest.raises(ParameterError, match="crossbar MAC widths must be the layer's"):
        conv2d_fixed(trace.input_codes, w, b, trace.tiling, FixedFormat(), trace.quant,
                     CrossbarMAC(data_width=12, weight_width=16))
