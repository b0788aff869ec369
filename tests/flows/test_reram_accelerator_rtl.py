"""The generated accelerator with ReRAM crossbar PEs (``--pe-kind reram``) under cocotb: the
periphery, MAC stage and black-box macros (their behavioural model from ``sim_files.f``)
bit-exact with the golden crossbar pipeline, with random input gaps and output backpressure;
every schedule-determined counter equal to the schedule, the programming counters equal to
write-verify on ideal cells (or to the golden programming with a device map), and the run
cycles within the cycle model's tolerance.

LeNet-5 conv1 then conv2 on a real test digit run at a small build on Verilator, with reduced
ADCs and a seeded map of conductance variation, stuck cells and programming misses loaded into
the macros (it took 6 minutes on Icarus, the suite's longest test); and at the default build (P =
64, full-resolution ADCs, ideal cells) on Verilator,
with every count equal to the energy model's (about 3 minutes on 2 cores: a 2-minute C++ build,
then 309 k cycles at 10-15 k cycles/s, since ``run_rtl`` makes only the bench's ports and
memories public to VPI). Random layers cover the rest on the small build on Icarus, the loaded
device map on both simulators.
"""

import numpy as np
import pytest
from support.accelsim import check_rtl_layers, layer_weights, random_layer
from support.crossbarsim import (AcceleratorProgramming, accelerator_cells, accelerator_maps,
                                 accelerator_model_memories)
from support.modelcheck import CYCLE_TOLERANCE, check_model_agrees

from fdagen.arch.config import AcceleratorConfig
from fdagen.cli import main
from fdagen.golden.crossbar import DeviceModel
from fdagen.flows.simulate import lenet5_jobs, run_rtl
from fdagen.golden.networks import lenet5
from fdagen.model.components import load_library
from fdagen.model.cycles import estimate_cycles

#: A small build the Icarus test runs (also in the lint matrix of tests/emit).
RERAM_SMALL = dict(pes=4, pe_kind="reram", fft_size=4, max_channels=4, max_out_channels=4,
                   max_size=8, data_width=8, weight_width=8, spectrum_width=10, xbar_rows=16,
                   adc_share=4, adc_bits=3)

#: The small LeNet-5 build: 8-bit words, 4-bit DAC slices and 4-bit cells keep the
#: operations short (2 phases x 3 slices x 2 clocks) and programming at 4 cells a weight; a
#: 6-bit ADC (full resolution for 128 rows is 15 bits) needs a shift.
RERAM_LENET = dict(pes=16, pe_kind="reram", data_width=8, weight_width=8, spectrum_width=12,
                   dac_bits=4, cell_bits=4, adc_share=1, adc_bits=6)


def test_lenet5_conv1_conv2_default_build_verilator(tmp_path):
    """The default ``--pe-kind reram`` build at P = 64 (full-resolution ADCs, ideal cells)."""
    config = AcceleratorConfig(pes=64, pe_kind="reram")
    jobs = lenet5_jobs(config, image=5)
    result = run_rtl(config, jobs, tmp_path, "verilator", gaps=0.25, stalls=0.3, seed=64)
    check_rtl_layers(jobs, result)
    library, layers = load_library(), lenet5().conv_layers
    for layer, counters in zip(layers, (r["counters"] for r in result["layers"])):
        check_model_agrees(config, layer, counters, library, ideal_host=False)
        assert counters["program_failures"] == 0


def test_lenet5_conv1_conv2_reduced_adc_device_map_verilator(tmp_path):
    """A small build with 8-bit ADCs and a seeded device map loaded into its macros: bit-exact
    with the golden crossbar path programmed with the same physical map, the programming
    pulses and failures of each layer equal to golden write-verify's."""
    config = AcceleratorConfig(**RERAM_LENET)
    device = DeviceModel(sigma=0.05, stuck_low=0.01, stuck_high=0.01, program_fail=0.2,
                         max_attempts=config.max_attempts, seed=12)
    maps = accelerator_maps(config, device)
    programmed = []

    def program(weights):
        programmed.append(accelerator_cells(config, weights, maps))
        return programmed[-1]

    jobs = lenet5_jobs(config, image=3, program=program)
    assert [job.descriptor.quant.adc_shift > 0 for job in jobs] == [True, True]
    result = run_rtl(config, jobs, tmp_path, "verilator", gaps=0.25, stalls=0.3, seed=3,
                     memories=accelerator_model_memories(config, maps))
    check_rtl_layers(jobs, result)
    for cells, layer in zip(programmed, result["layers"]):
        counters = layer["counters"]
        assert (counters["program_pulses"], counters["program_failures"]) == \
            (cells.pulses, cells.failures)
    assert sum(cells.failures for cells in programmed) > 0


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


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_reram_layer_with_a_loaded_device_map(tmp_path, simulator):
    """A seeded map of conductance variation, stuck cells and programming misses loaded into the
    generated macros' models: bit-exact with the golden model programmed with the same physical
    map, and the cells whose write-verify failed are reported on the counter stream (on
    Verilator the memories are the only internal signals made public to the bench); an FST
    waveform from either simulator."""
    config = AcceleratorConfig(**{**RERAM_SMALL, "max_attempts": 2})
    device = DeviceModel(sigma=0.1, stuck_low=0.02, stuck_high=0.02, program_fail=0.3,
                         max_attempts=2, seed=4)
    maps = accelerator_maps(config, device)
    program = AcceleratorProgramming(config, maps)
    job = random_layer(config, np.random.default_rng(6), 3, 4, 5, 5, 2, 1, 1, program=program)
    result = run_rtl(config, [job], tmp_path, simulator, gaps=0.2, stalls=0.2, seed=6,
                     memories=accelerator_model_memories(config, maps),
                     waves=tmp_path / "waves.fst")
    assert (tmp_path / "waves.fst").read_bytes()[:1] == b"\x00"     # an FST header block
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
