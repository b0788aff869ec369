"""The generated accelerator with ReRAM crossbar PEs (``--pe-kind reram``) under cocotb on Icarus:
the periphery, MAC stage and black-box macros (their behavioural model from ``sim_files.f``)
bit-exact with the golden crossbar pipeline, with random input gaps and output backpressure;
every schedule-determined counter equal to the schedule, the programming counters equal to
write-verify on ideal cells, and the run cycles within the cycle model's tolerance."""

import numpy as np
from support.accelsim import layer_weights, random_layer
from support.crossbarsim import (AcceleratorProgramming, accelerator_maps,
                                 accelerator_model_memories)
from support.modelcheck import CYCLE_TOLERANCE

from fdagen.arch.config import AcceleratorConfig
from fdagen.cli import main
from fdagen.golden.crossbar import DeviceModel
from fdagen.flows.simulate import run_rtl
from fdagen.model.cycles import estimate_cycles

#: A small build the Icarus test runs (also in the lint matrix of tests/emit).
RERAM_SMALL = dict(pes=4, pe_kind="reram", fft_size=4, max_channels=4, max_out_channels=4,
                   max_size=8, data_width=8, weight_width=8, spectrum_width=10, xbar_rows=16,
                   adc_share=4, adc_bits=3)


def test_icarus_reram_layer_with_a_reduced_adc(tmp_path):
    config = AcceleratorConfig(**RERAM_SMALL)
    job = random_layer(config, np.random.default_rng(3), 4, 3, 6, 5, 2, 1, 1, relu=True)
    assert job.descriptor.quant.adc_shift > 0            # 4 channels x 3 levels > 3 bits
    result = run_rtl(config, [job], tmp_path, "icarus", gaps=0.25, stalls=0.3, seed=4)
    layer = result["layers"][0]
    np.testing.assert_array_equal(layer["codes"], job.expected)
    assert layer["lasts"] == [0] * (job.expected.size - 1) + [1]
    counters, scheduled = layer["counters"], job.descriptor.scheduled_counts()
    assert {name: counters[name] for name in scheduled} == scheduled
    cells = 2 * config.pe.crossbar_format(config).cells(config.weight_width)
    assert counters["program_pulses"] == counters["verify_reads"] == \
        counters["weight_writes"] * cells
    assert counters["program_failures"] == 0
    estimate = estimate_cycles(job.descriptor.schedule)
    assert abs(estimate.run_cycles - counters["run_cycles"]) <= \
        CYCLE_TOLERANCE * counters["run_cycles"], (estimate, counters)


def test_icarus_reram_layer_with_a_loaded_device_map(tmp_path):
    """A seeded map of conductance variation, stuck cells and programming misses loaded into the
    generated macros' models: bit-exact with the golden model programmed with the same physical
    map, and the cells whose write-verify failed are reported on the counter stream."""
    config = AcceleratorConfig(**{**RERAM_SMALL, "max_attempts": 2})
    device = DeviceModel(sigma=0.1, stuck_low=0.02, stuck_high=0.02, program_fail=0.3,
                         max_attempts=2, seed=4)
    maps = accelerator_maps(config, device)
    program = AcceleratorProgramming(config, maps)
    job = random_layer(config, np.random.default_rng(6), 3, 4, 5, 5, 2, 1, 1, program=program)
    result = run_rtl(config, [job], tmp_path, "icarus", gaps=0.2, stalls=0.2, seed=6,
                     memories=accelerator_model_memories(config, maps))
    layer = result["layers"][0]
    np.testing.assert_array_equal(layer["codes"], job.expected)
    counters, cells = layer["counters"], program.cells
    assert (counters["program_pulses"], counters["program_failures"]) == (cells.pulses,
                                                                          cells.failures)
    assert cells.failures > 0


def test_sim_cli_reram_writes_what_golden_writes(tmp_path, capsys):
    """``fdagen sim conv2d --pe-kind reram`` on the small build (Icarus) writes the very bytes
    ``fdagen golden conv2d --fixed --pe-kind reram`` writes with the same options, here with
    a 3-bit ADC that needs an ADC shift."""
    rng = np.random.default_rng(11)
    np.save(tmp_path / "x.npy", rng.uniform(-1, 1, (3, 6, 5)))
    np.save(tmp_path / "w.npy", rng.uniform(-0.3, 0.3, (4, 3, 3, 3)))
    small = RERAM_SMALL
    layer = ["conv2d", "--input", tmp_path / "x.npy", "--weights", tmp_path / "w.npy",
             "--padding", "1", "--fft-size", "4", "--raw", "--pe-kind", "reram",
             "--data-width", small["data_width"], "--weight-width", small["weight_width"],
             "--spectrum-width", small["spectrum_width"], "--xbar-rows", small["xbar_rows"],
             "--adc-bits", small["adc_bits"]]
    assert main([str(a) for a in ["golden", *layer, "--fixed", "--out",
                                  tmp_path / "golden.npy"]]) == 0
    assert "adc_shift=1 (3-bit ADCs)" in capsys.readouterr().out
    assert main([str(a) for a in ["sim", *layer, "--pes", small["pes"], "--adc-share",
                                  small["adc_share"], "--out", tmp_path / "sim.npy"]]) == 0
    out = capsys.readouterr().out
    assert "bit-identical to golden" in out and "adc_conversions" in out
    assert (tmp_path / "sim.npy").read_bytes() == (tmp_path / "golden.npy").read_bytes()


def test_icarus_reram_resident_weights_across_layers(tmp_path):
    """The generated Verilog keeps two layers' weights (``--weight-sets 24``, 12 sets a layer):
    A programs sets 0..11, B sets 12..23, then A runs again on new pixels with its weights
    resident, programming nothing; all three bit-exact."""
    config = AcceleratorConfig(**{**RERAM_SMALL, "weight_sets": 24})
    rng = np.random.default_rng(9)
    weights_a = layer_weights(rng, 4, 3, 2)
    jobs = [random_layer(config, rng, 4, 3, 6, 5, 2, 1, 1, weights=weights_a),
            random_layer(config, rng, 2, 4, 5, 5, 3, weight_base=12),
            random_layer(config, rng, 4, 3, 6, 5, 2, 1, 1, weights=weights_a, resident=True)]
    result = run_rtl(config, jobs, tmp_path, "icarus", gaps=0.2, stalls=0.2, seed=9)
    for job, layer in zip(jobs, result["layers"]):
        np.testing.assert_array_equal(layer["codes"], job.expected)
        scheduled = job.descriptor.scheduled_counts()
        assert {name: layer["counters"][name] for name in scheduled} == scheduled
    assert result["layers"][2]["counters"]["program_pulses"] == 0
    assert result["layers"][0]["counters"]["program_pulses"] > 0
