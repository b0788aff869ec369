"""Sign-off of the generated accelerator Verilog under cocotb (``fdagen.tb.accel_tb``).

LeNet-5 conv1 then conv2, back to back, on a real test digit with shifts calibrated on training
images: bit-exact against the golden fixed-point pipeline, ``last`` on the final pixel and
counter, every schedule-determined counter equal to :meth:`LayerDescriptor.scheduled_counts`,
with random gaps on the input streams and random backpressure on the output and counter
streams (but for P = 12, on an ideal host, whose every cycle counter the model must match).
P = 64 (the product configuration) runs on Verilator, whose C++ build takes about
2 minutes but then simulates 10x faster than Icarus; a small P and a non-power-of-two P run
on Icarus. The small P keeps both layers' weights resident (``--weight-sets``): a first image
loads them, each at its own weight sets, and a second image runs on them, loading none. The energy
model (``fdagen.model.energy``) must report exactly the counts the RTL
counters report, and run cycles within ``modelcheck.CYCLE_TOLERANCE``. ``fdagen sim conv2d`` must
write exactly what ``fdagen golden conv2d --fixed`` writes.
"""

from dataclasses import replace

import numpy as np
import pytest
from support.accelsim import check_rtl_layers, random_layer
from support.modelcheck import check_model_agrees

from fdagen.arch.config import AcceleratorConfig
from fdagen.cli import main
from fdagen.emit.accelerator import render_accelerator
from fdagen.flows.simulate import lenet5_jobs, run_rtl
from fdagen.golden.networks import Layer, lenet5
from fdagen.model.components import load_library


@pytest.mark.parametrize("pes, simulator", [(64, "verilator"), (4, "icarus"), (12, "icarus")],
                         ids=["p64-verilator", "p4-icarus", "p12-icarus"])
def test_lenet5_conv1_conv2_back_to_back(tmp_path, pes, simulator):
    if pes == 4:        # conv1's 2 x 40 weight sets and conv2's 4 x 40, then a second image
        config = AcceleratorConfig(pes=pes, weight_sets=240)
        jobs = (lenet5_jobs(config, image=pes % 7, resident=False)
                + lenet5_jobs(config, image=pes % 7 + 1, resident=True))
        assert [job.descriptor.weight_base for job in jobs] == [0, 80, 0, 80]
    else:
        config = AcceleratorConfig(pes=pes)
        jobs = lenet5_jobs(config, image=pes % 7)
    # P = 12 on an ideal host: every cycle counter against the model, weights streamed into
    # the run; the others with gaps and backpressure
    ideal = pes == 12
    result = run_rtl(config, jobs, tmp_path, simulator, gaps=0 if ideal else 0.25,
                     stalls=0 if ideal else 0.3, seed=pes)
    check_rtl_layers(jobs, result)
    library = load_library()
    layers = {layer.name: layer for layer in lenet5().conv_layers}
    for job, name, layer in zip(jobs, ("C1", "C3") * 2, result["layers"]):
        check_model_agrees(config, layers[name], layer["counters"], library, ideal_host=ideal,
                           resident=job.descriptor.resident)
    if pes == 4:
        assert [layer["counters"]["weight_writes"] for layer in result["layers"]] == \
            [6 * 40, 16 * 6 * 40, 0, 0]


def test_streamed_groups_wide_beats_and_tile_blocks_icarus(tmp_path):
    """Output-channel groups streamed through two weight buffers (more groups than buffers),
    two weights a beat, tile blocks of 4: a layer whose weights stream in again for every
    block (its last beat one output channel short), then one whose two groups load once; on
    an ideal host, so every cycle counter is held to the model too."""
    config = AcceleratorConfig(pes=4, bin_lanes=1, weight_beat_words=2, spectrum_tiles=4,
                               max_channels=3, max_out_channels=9, max_size=16)
    rng = np.random.default_rng(29)
    shapes = [(3, 9, 13, 11, 3, 1, 1), (2, 8, 9, 9, 3, 1, 0)]
    jobs = [random_layer(config, rng, *shape, relu=True) for shape in shapes]
    assert [job.descriptor.schedule.weight_passes for job in jobs] == [3, 1]
    result = run_rtl(config, jobs, tmp_path, "icarus")
    check_rtl_layers(jobs, result)
    library = load_library()
    for (c, m, h, w, k, s, p), layer in zip(shapes, result["layers"]):
        check_model_agrees(config, Layer("layer", "conv", c, m, (h, w), k, s, p),
                           layer["counters"], library)


def test_drain_beside_the_run_pixel_beats_whole_map_and_idle_slots_verilator(tmp_path):
    """The generated Verilog with four pixels a beat and two weights a beat, groups of four
    slots whose outputs drain beside the run (two overlap-add banks per lane), the last group
    with idle slots, then a layer that runs as one whole-map tile (T = 8 > N - K + 1); on an
    ideal host, so every cycle counter is held to the model too."""
    config = AcceleratorConfig(pes=8, bin_lanes=2, weight_beat_words=2, pixel_beat_words=4,
                               max_channels=3, max_out_channels=10, max_size=13)
    rng = np.random.default_rng(31)
    shapes = [(3, 10, 11, 10, 3, 1, 1), (2, 6, 8, 8, 3, 1, 0)]
    jobs = [random_layer(config, rng, *shapes[0], relu=True),
            random_layer(config, rng, *shapes[1], tile=8)]
    assert [job.descriptor.schedule.groups for job in jobs] == [3, 2]
    assert jobs[1].descriptor.tiling.whole_map and config.oaa_banks == 2
    result = run_rtl(config, jobs, tmp_path, "verilator")
    check_rtl_layers(jobs, result)
    library = load_library()
    for (c, m, h, w, k, s, p), layer in zip(shapes, result["layers"]):
        check_model_agrees(config, Layer("layer", "conv", c, m, (h, w), k, s, p),
                           layer["counters"], library, whole_map=True)
        # the drain phase is what is left after the run: less than the layer's outputs
        assert layer["counters"]["drain_cycles"] < layer["counters"]["output_pixels"]


def test_layer_fft_sizes_back_to_back_and_overlapped_verilator(tmp_path):
    """Each layer's descriptor selects its FFT size on an N = 16 build: layers at N = 8, 16, 4
    and 8 back to back (the cores wait at each size change until they are empty), bit-exact
    on the generated Verilog; on an ideal host, every count equal to the model's at the
    layer's N and every cycle counter within its tolerance (but for the N = 4 layer's:
    ``support.modelcheck.KNOWN_MISSES``). Then the same layers overlapped, with random input
    gaps and output backpressure: every layer's inputs offered from the start, so the next
    layer's descriptor, biases, pixels and weights load while the current one runs and
    drains; bit-exact, counters equal to the schedule, the layers' spans overlapping."""
    config = AcceleratorConfig(pes=8, bin_lanes=2, fft_size=16, max_channels=3,
                               max_out_channels=6, max_size=14)
    rng = np.random.default_rng(41)
    layers = [((3, 6, 12, 12, 3, 1, 1), 8), ((2, 4, 12, 10, 5, 1, 0), 16),
              ((3, 2, 6, 6, 3, 1, 0), 4), ((2, 5, 9, 7, 3, 1, 1), 8)]
    jobs = [random_layer(config, rng, *shape, relu=True, fft_size=n) for shape, n in layers]
    assert [job.descriptor.values()["fft_shift"] for job in jobs] == [1, 0, 2, 1]
    result = run_rtl(config, jobs, tmp_path, "verilator")
    check_rtl_layers(jobs, result)
    library = load_library()
    for ((c, m, h, w, k, s, p), n), layer in zip(layers, result["layers"]):
        check_model_agrees(config, Layer("layer", "conv", c, m, (h, w), k, s, p),
                           layer["counters"], library, fft_size=n, timing=n > 4)
    overlapped = run_rtl(config, jobs, tmp_path, "verilator", gaps=0.2, stalls=0.3, seed=41,
                         overlap=True)
    check_rtl_layers(jobs, overlapped)
    layers = overlapped["layers"]
    assert sum(layer["bench_cycles"] for layer in layers) < \
        sum(layer["counters"]["cycles"] for layer in layers)


def test_polyphase_layers_stride_2_3_4_back_to_back_icarus(tmp_path):
    """Strided layers as the host runs them, their stride-1 polyphase forms (odd sizes,
    padding, K not a multiple of s, K < s), back to back with input gaps and output
    backpressure: bit-exact, and every count the energy model gives for the strided layer
    as defined (``strided="polyphase"``) equal to the RTL's."""
    config = AcceleratorConfig(pes=4, max_channels=16, max_out_channels=4, max_size=12)
    rng = np.random.default_rng(23)
    # (C, M, H, W, K, stride, padding): run as 8 channels of K = 2 on 7x6, 9 of K = 2 on
    # 4x4, 9 of K = 1 on 3x3 (K = 3 < s = 4 leaves 7 of the 16 phases out)
    shapes = [(2, 4, 11, 10, 3, 2, 1), (1, 3, 13, 13, 5, 3, 0), (1, 2, 9, 12, 3, 4, 1)]
    jobs = [random_layer(config, rng, *shape, relu=True, strided="polyphase")
            for shape in shapes]
    assert [job.descriptor.channels for job in jobs] == [8, 9, 9]
    result = run_rtl(config, jobs, tmp_path, "icarus", gaps=0.25, stalls=0.3, seed=23)
    check_rtl_layers(jobs, result)
    library = load_library()
    for (c, m, h, w, k, s, p), layer in zip(shapes, result["layers"]):
        check_model_agrees(config, Layer("strided", "conv", c, m, (h, w), k, s, p),
                           layer["counters"], library, ideal_host=False)


def test_sim_cli_writes_what_golden_writes(tmp_path, rng, capsys):
    x, w, b = (rng.uniform(-1, 1, (3, 12, 11)), rng.normal(0, 0.2, (5, 3, 3, 3)),
               rng.normal(0, 0.1, 5))
    for name, array in (("x", x), ("w", w), ("b", b)):
        np.save(tmp_path / f"{name}.npy", array)
    layer = ["conv2d", "--input", tmp_path / "x.npy", "--weights", tmp_path / "w.npy",
             "--bias", tmp_path / "b.npy", "--stride", "2", "--padding", "1", "--relu"]
    # float output of the polyphase form (the default), raw codes of the decimated layer
    for raw, strided in (([], "polyphase"), (["--raw"], "decimate")):
        tag = "raw" if raw else "float"
        options = [*raw, "--strided", strided]
        sim = ["sim", *layer, "--pes", "6", *options, "--out", tmp_path / f"sim_{tag}.npy",
               "--waves", tmp_path / "waves.fst"]
        assert main([str(a) for a in sim]) == 0
        out = capsys.readouterr().out
        assert "bit-identical to golden" in out and "efficiency" in out
        assert ("stride 2 as 4 polyphase components: 12 channels, K=2 on 7x7" in out) == \
            (strided == "polyphase")
        golden = ["golden", *layer, "--fixed", *options, "--out",
                  tmp_path / f"golden_{tag}.npy"]
        assert main([str(a) for a in golden]) == 0
        assert ("polyphase components" in capsys.readouterr().out) == (strided == "polyphase")
        assert ((tmp_path / f"sim_{tag}.npy").read_bytes()
                == (tmp_path / f"golden_{tag}.npy").read_bytes())
    assert (tmp_path / "waves.fst").stat().st_size > 0


def test_3d_layer_verilator(tmp_path):
    """A 3-D build (``dims = 3``) on the generated Verilog: C = 3, M = 8, an 8x16x16 volume,
    K = 3, padding 1, ReLU, at P = 16 on an ideal host: bit-exact with
    :func:`fdagen.golden.pipeline.conv3d_fixed`, every count equal to the energy model's and
    every cycle counter within its tolerance (measured: equal)."""
    config = AcceleratorConfig(pes=16, dims=3, max_channels=3, max_out_channels=8,
                               max_size=18)
    rng = np.random.default_rng(43)
    job = random_layer(config, rng, 3, 8, 16, 16, 3, 1, 1, relu=True, depth=8)
    assert job.descriptor.tiling.tiles_per_axis == (2, 3, 3)
    result = run_rtl(config, [job], tmp_path, "verilator")
    check_rtl_layers([job], result)
    check_model_agrees(config, Layer("layer", "conv", 3, 8, (8, 16, 16), 3, 1, 1),
                       result["layers"][0]["counters"], load_library())


def test_sim_conv3d_writes_what_golden_writes(tmp_path, rng, capsys):
    """``fdagen sim conv3d`` (Icarus) and ``fdagen golden conv3d --fixed`` write the same bytes:
    a stride-2 layer in its polyphase form (the default), depth != height != width."""
    x, w, b = (rng.uniform(-1, 1, (2, 5, 7, 6)), rng.normal(0, 0.2, (3, 2, 3, 3, 3)),
               rng.normal(0, 0.1, 3))
    for name, array in (("x", x), ("w", w), ("b", b)):
        np.save(tmp_path / f"{name}.npy", array)
    layer = ["conv3d", "--input", tmp_path / "x.npy", "--weights", tmp_path / "w.npy",
             "--bias", tmp_path / "b.npy", "--stride", "2", "--padding", "1", "--relu",
             "--fft-size", "4"]
    sim = ["sim", *layer, "--pes", "4", "--out", tmp_path / "sim.npy"]
    assert main([str(a) for a in sim]) == 0
    out = capsys.readouterr().out
    assert "bit-identical to golden conv3d --fixed" in out
    assert "stride 2 as 8 polyphase components: 16 channels, K=2 on 4x5x4" in out
    golden = ["golden", *layer, "--fixed", "--out", tmp_path / "golden.npy"]
    assert main([str(a) for a in golden]) == 0
    assert (tmp_path / "sim.npy").read_bytes() == (tmp_path / "golden.npy").read_bytes()


def test_ecp5_multipliers_icarus(tmp_path):
    """``dsp="ecp5"``: the PEs' products and the tile transforms' in MULT18X18D output
    registers (instances of the primitive, simulated with the model the build writes first in
    ``sim_files.f``). Layers at the build's N = 16 and at N = 8 (the cores' run-time size),
    with input gaps and output backpressure: bit-exact, every counter equal to the schedule,
    and, on the same jobs, the cycle counts of the generic build (the DSP registers take the
    fabric registers' clocks)."""
    config = AcceleratorConfig(pes=4, bin_lanes=2, fft_size=16, max_channels=2,
                               max_out_channels=4, max_size=14, dsp="ecp5")
    files = render_accelerator(config)
    assert files["sim_files.f"].decode().splitlines()[0] == "MULT18X18D_sim.v"
    assert "MULT18X18D_sim.v" not in files["files.f"].decode()
    for name in (f"{config.top}_pe_digital.v", f"{config.top}_fft2d16.v",
                 f"{config.top}_ifft2d16.v"):
        assert files[name].decode().count("MULT18X18D #(") >= 2, name
    rng = np.random.default_rng(43)
    layers = [((2, 4, 12, 11, 3, 1, 1), 16), ((2, 3, 9, 9, 3, 1, 0), 8)]
    jobs = [random_layer(config, rng, *shape, relu=True, fft_size=n) for shape, n in layers]
    result = run_rtl(config, jobs, tmp_path / "ecp5", "icarus", gaps=0.2, stalls=0.3, seed=43)
    check_rtl_layers(jobs, result)
    generic = run_rtl(replace(config, dsp="generic"), jobs, tmp_path / "generic", "icarus",
                      gaps=0.2, stalls=0.3, seed=43)
    for ecp5, fabric in zip(result["layers"], generic["layers"]):
        assert ecp5["counters"] == fabric["counters"]
