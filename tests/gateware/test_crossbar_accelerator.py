# amaranth: UnusedElaboratable=no
"""The accelerator with ReRAM crossbar PEs in amaranth.sim against the golden crossbar pipeline:
bit-exact outputs with input gaps and output backpressure, counters equal to the schedule, and
the programming counters equal to the golden write-verify (ideal cells; a reduced ADC with a
seeded variation, stuck-at and programming-failure map, where failures are reported)."""

import numpy as np
from support.accelsim import random_layer, run_layers
from support.crossbarsim import AcceleratorProgramming, accelerator_maps
from support.modelcheck import CYCLE_TOLERANCE

from fdagen.arch.config import AcceleratorConfig
from fdagen.golden.crossbar import DeviceModel
from fdagen.host.descriptor import decode_output
from fdagen.model.cycles import estimate_cycles

# Small words, N = 4 and few macros (weight sets stacked in 32 or 8 rows) keep the behavioural
# macros quick to simulate; row slices (C > R) are the crossbar array's tests'.
WORDS = dict(fft_size=4, data_width=6, weight_width=6, spectrum_width=8, max_size=8)
CROSSBARS = dict(pe_kind="reram", adc_share=3)


def run(config, job, **options):
    (words, counters), = run_layers(config, [(job.desc, job.weights, job.pixels,
                                              job.expected.size)], gaps=0.3, stalls=0.3,
                                    **options)
    codes = decode_output(config, [v for v, _ in words], job.descriptor)
    np.testing.assert_array_equal(codes, job.expected)
    scheduled = job.descriptor.scheduled_counts()
    assert {name: counters[name] for name in scheduled} == scheduled
    assert counters["verify_reads"] == counters["program_pulses"]
    # the cycle model replays the crossbars' gather and operation time (the run phase: load
    # and drain follow the random gaps and backpressure)
    estimate = estimate_cycles(job.descriptor.schedule)
    assert abs(estimate.run_cycles - counters["run_cycles"]) <= \
        CYCLE_TOLERANCE * counters["run_cycles"], (estimate, counters)
    return counters


def test_ideal_crossbars_at_full_resolution_compute_the_digital_result():
    """Full-resolution ADCs and ideal cells: the crossbars' sums are the exact spectral MAC, so
    the layer's golden result is the digital PEs' too, and the RTL gives it."""
    limits = dict(pes=2, max_channels=3, max_out_channels=3, **WORDS)
    config = AcceleratorConfig(**limits, **CROSSBARS, xbar_rows=32)
    job = random_layer(config, np.random.default_rng(5), 3, 3, 6, 6, 2, relu=True)
    digital = random_layer(AcceleratorConfig(**limits), np.random.default_rng(5), 3, 3, 6, 6, 2,
                           relu=True)
    assert job.descriptor.quant.adc_shift == 0
    np.testing.assert_array_equal(job.expected, digital.expected)
    counters = run(config, job)
    cells = config.pe.crossbar_format(config).cells(config.weight_width)
    assert counters["program_pulses"] == counters["weight_writes"] * 2 * cells
    assert counters["program_failures"] == 0


def test_reduced_adc_and_faulty_cells_are_bit_exact_and_failures_are_reported():
    """Two bin lanes, 2-bit ADCs (two channels sum to 6 levels: a shift), conductance
    variation, stuck cells and programming that can fail: the RTL loads the same physical maps
    as the golden model programs, and reports the cells whose write-verify failed."""
    config = AcceleratorConfig(pes=4, bin_lanes=2, max_channels=2, max_out_channels=4,
                               xbar_rows=8, adc_bits=2, max_attempts=3, **WORDS, **CROSSBARS)
    device = DeviceModel(sigma=0.1, stuck_low=0.01, stuck_high=0.01, program_fail=0.3,
                         max_attempts=3, seed=11)
    maps = accelerator_maps(config, device)
    program = AcceleratorProgramming(config, maps)
    job = random_layer(config, np.random.default_rng(8), 2, 4, 5, 6, 2, 1, 1,
                       program=program)
    assert job.descriptor.quant.adc_shift > 0
    counters = run(config, job, device_maps=maps)
    cells = program.cells
    assert (counters["program_pulses"], counters["program_failures"]) == (cells.pulses,
                                                                          cells.failures)
    assert cells.failures > 0


def test_crossbars_run_a_layer_at_a_smaller_fft_size():
    """A layer whose descriptor selects N = 4 on an N = 8 crossbar build: the crossbars take
    the layer's U/L bin steps of the build's weight sets, bit-exact with the golden crossbar
    pipeline at N = 4 and counters equal to its schedule."""
    words = dict(WORDS, fft_size=8)
    config = AcceleratorConfig(pes=2, max_channels=3, max_out_channels=3, **words,
                               **CROSSBARS, xbar_rows=32)
    job = random_layer(config, np.random.default_rng(6), 3, 3, 6, 6, 2, relu=True, fft_size=4)
    assert job.descriptor.values()["fft_shift"] == 1
    assert (job.descriptor.schedule.bin_steps, config.bin_steps) == (12, 40)
    run(config, job)


def test_overlapped_layers_count_their_own_programming():
    """Three layers with every input offered at once and a slow counter stream: a layer's
    biases and pixels load while the previous one runs, its weights are programmed only once
    the previous run's counters are captured (:attr:`fdagen.arch.pe_kinds.PEKind.
    counts_programming`; a capture waits while the report before it is still going out), so
    each layer reports exactly its own write-verify pulses; all bit-exact, counters equal to
    the schedule."""
    config = AcceleratorConfig(pes=2, max_channels=3, max_out_channels=3, **WORDS, **CROSSBARS,
                               xbar_rows=32)
    rng = np.random.default_rng(17)
    jobs = [random_layer(config, rng, 3, 3, 6, 6, 2, relu=True),
            random_layer(config, rng, 1, 2, 4, 4, 2),
            random_layer(config, rng, 2, 2, 6, 5, 3, 1, 1)]
    results = run_layers(config, [(j.desc, j.weights, j.pixels, j.expected.size) for j in jobs],
                         gaps=0.3, stalls=0.3, overlap=True, report_stalls=0.995)
    cells = config.pe.crossbar_format(config).cells(config.weight_width)
    for job, (words, counters) in zip(jobs, results):
        codes = decode_output(config, [v for v, _ in words], job.descriptor)
        np.testing.assert_array_equal(codes, job.expected)
        scheduled = job.descriptor.scheduled_counts()
        assert {name: counters[name] for name in scheduled} == scheduled
        assert counters["program_pulses"] == counters["weight_writes"] * 2 * cells


def test_crossbars_run_a_3d_layer():
    """The PE kinds see bins, not axes: a 3-D build with crossbar PEs (N = 4: 48 bins a tile)
    runs a 3-D layer bit-exact with the golden crossbar pipeline (ideal cells at full
    resolution: the digital result), its programming counted."""
    config = AcceleratorConfig(pes=2, dims=3, max_channels=2, max_out_channels=2, **WORDS,
                               **CROSSBARS, xbar_rows=32)
    job = random_layer(config, np.random.default_rng(7), 2, 2, 4, 3, 2, 1, 1, relu=True,
                       depth=3)
    assert job.descriptor.tiling.dims == 3 and job.descriptor.schedule.unique_bins == 48
    counters = run(config, job)
    cells = config.pe.crossbar_format(config).cells(config.weight_width)
    assert counters["program_pulses"] == counters["weight_writes"] * 2 * cells
