"""The energy, latency and area model: cost rules, counts, reports, network files, the
``fdagen energy`` and ``fdagen explore`` commands, and the report ``fdagen build`` writes."""

import csv
import json
import math

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.schedule import LayerSchedule
from fdagen.cli import main
from fdagen.golden.cmc import layer_counts
from fdagen.golden.networks import NetworkFileError, alexnet, lenet5, load_network, resolve_network
from fdagen.golden.tiling import Tiling
from fdagen.model.components import load_library
from fdagen.model.costs import CostRules
from fdagen.model.energy import EnergyModel, ModelError, choose_fft_size, network_config

LIBRARY = load_library()


def run(argv):
    """``main`` with argparse's own exits turned into the status they carry."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


# -- cost rules ---------------------------------------------------------------------------------
def test_rules_reproduce_the_published_points():
    at45 = CostRules(LIBRARY, 45)
    assert math.isclose(at45.multiply(8, 8).value, 0.2)
    assert math.isclose(at45.multiply(32, 32).value, 3.1)
    assert math.isclose(at45.add(8).value, 0.03)
    assert math.isclose(at45.add(32).value, 0.1)
    assert 0.04 < at45.add(16).value < 0.06          # Horowitz's often quoted 16-bit 0.05 pJ
    assert math.isclose(at45.memory_access(64, 8 * 8192).value, 10.0)
    assert math.isclose(at45.memory_access(64, 32 * 8192).value, 20.0)
    assert math.isclose(at45.memory_access(64, 1024 * 8192).value, 100.0)
    assert math.isclose(at45.memory_access(32, 8 * 8192).value, 5.0)
    at32 = CostRules(LIBRARY, 32)
    assert math.isclose(at32.multiply(8, 8).value, 0.2 * 32 / 45)
    assert math.isclose(at32.event("adc_8b_conversion").value, 1.67)
    assert math.isclose(CostRules(LIBRARY, 7).event("reram_cell_read").value, 0.00625)


def test_converter_and_shift_add_rules():
    """Accelergy's isaac.py rules: ADC and DAC double per bit, shift-and-add linear in width."""
    at32 = CostRules(LIBRARY, 32)
    assert math.isclose(at32.adc_conversion(8).value, 1.67)
    assert math.isclose(at32.adc_conversion(9).value, 2 * 1.67)
    assert math.isclose(at32.adc_conversion(4).value, 1.67 / 16)
    assert math.isclose(at32.adc_area(10).value, 4 * 1200)
    assert math.isclose(at32.dac_conversion(1).value, 0.39)
    assert math.isclose(at32.dac_conversion(2).value, 0.78)
    assert math.isclose(at32.shift_add(16).value, 0.021)
    assert math.isclose(at32.shift_add(40).value, 0.021 * 40 / 16)
    assert math.isclose(at32.verify_read(8).value, 1.67 + 0.00625)
    assert at32.verify_read(8).sources == ("reram_cell_read", "adc_8b_conversion")
    assert math.isclose(CostRules(LIBRARY, 16).adc_conversion(8).value, 1.67 / 2)


def test_costs_name_their_library_entries():
    cost = CostRules(LIBRARY, 32).multiply(16, 12)
    assert cost.sources == ("int_mult_8", "int_mult_32")


# -- counts and energy of one layer -------------------------------------------------------------
def _c3(config):
    return next(layer for layer in lenet5().conv_layers if layer.name == "C3")


def test_layer_counts_are_the_schedule_and_energy_adds_up():
    config = AcceleratorConfig(pes=16)
    layer = _c3(config)
    report = EnergyModel(config, LIBRARY).layer(layer)
    schedule = LayerSchedule(config, Tiling.choose((14, 14), 5, fft_size=8), 6, 16)
    for name, value in schedule.scheduled_counts().items():
        assert report["counts"][name] == value
    assert report["counts"]["complex_macs"] == 16 * 6 * 16 * 40
    assert report["counts"]["pe_multiplies"] == 4 * 16 * schedule.mac_operations
    assert report["spatial_macs"] == 16 * 6 * 25 * 100
    for part in report["energy"].values():
        assert math.isclose(part["pj"], part["events"] * part["pj_per_event"])
        assert part["source"] and all(":" in s for s in part["source"])
    assert math.isclose(report["energy_pj"], sum(p["pj"] for p in report["energy"].values()))
    assert report["pe_efficiency"] == report["bound_cycles"] / report["cycles"]["cycles"]


def test_small_layer_runs_as_one_whole_map_tile_and_reports_the_tiled_treatment(capsys):
    """LeNet-5 C5 (5x5 input, K = 5) at N = 8: one whole-map tile, not four; the report keeps
    the four-tile figures beside it, and says on which layers the spatial baseline wins."""
    config = AcceleratorConfig(pes=64, max_channels=16, max_out_channels=120)
    c5 = lenet5().conv_layers[2]
    report = EnergyModel(config, LIBRARY).layer(c5)
    tiled = EnergyModel(config, LIBRARY, whole_map=False).layer(c5)
    assert (report["tiles"], report["tile"], report["whole_map"]) == (1, 5, True)
    assert report["counts"]["mac_operations"] * 4 == tiled["counts"]["mac_operations"]
    assert report["tiled"]["tiles"] == tiled["tiles"] == 4 and tiled["tiled"] is None
    assert report["tiled"]["energy_pj"] == tiled["energy_pj"] > report["energy_pj"]
    assert main(["energy", "--pes", "64", "--net", "lenet5", "--fft-size", "8"]) == 0
    out = capsys.readouterr().out
    assert "C5            T = 5, 1 tile" in out and "T = 4, 4 tiles" in out
    assert "the spatial baseline needs less energy on 3 of 3 layers: C1, C3, C5" in out


def test_energy_takes_the_lanes_and_beats(capsys):
    """Wider weight and pixel beats shorten LeNet-5's latency (C5 streams 77 k weights), the
    baseline stays the same array, and a beat that does not fit the build is one error."""
    reports = []
    for flags in ([], ["--weight-beat-words", "16", "--pixel-beat-words", "8"]):
        assert main(["energy", "--pes", "64", "--net", "lenet5", "--json", *flags]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    narrow, wide = reports
    assert wide["config"]["weight_beat_words"] == 16 and wide["config"]["pixel_beat_words"] == 8
    assert wide["totals"]["cycles"] < narrow["totals"]["cycles"] / 4
    assert wide["baseline"]["energy_pj"] == narrow["baseline"]["energy_pj"]
    assert main(["energy", "--pes", "64", "--net", "lenet5", "--weight-beat-words", "3"]) == 2
    assert "weight beat words must be a power of two" in capsys.readouterr().err


def test_reram_counts_by_hand():
    """P = 4, L = 1, C3 (C = 6, M = 16, 16 tiles): an operation per tile, group and bin (16 x 4
    x 40); per operation 2 phases x 16 input slices, each one read of the one row slice (6 <= 128
    rows) driving 6 rows, and a conversion of each of its 4 outputs x 2 parts x 8 cells."""
    config = AcceleratorConfig(pes=4, max_channels=6, pe_kind="reram")
    report = EnergyModel(config, LIBRARY).layer(_c3(config))
    ops = report["counts"]["mac_operations"]
    assert ops == 16 * 4 * 40
    assert report["counts"]["xbar_reads"] == ops * 2 * 16
    assert report["counts"]["dac_conversions"] == ops * 2 * 16 * 6
    assert report["counts"]["adc_conversions"] == ops * 2 * 16 * 64
    assert report["counts"]["reram_cell_reads"] == ops * 2 * 16 * 6 * 64
    assert report["counts"]["cell_programs"] == 16 * 6 * 40 * 2 * 8
    assert report["cycles"]["pe_busy_cycles"] == (2 * 16 * 9 + 3) * ops
    assert "weight_memory" not in report["energy"]


def test_reram_energy_takes_the_builds_converters():
    """The ADC costs what the build's resolution costs (9 bits: full resolution for 128 rows of
    2-bit cells and 1-bit DACs; 6 bits when asked); programming is a pulse and a verify read
    per cell."""
    full = AcceleratorConfig(pes=4, max_channels=6, pe_kind="reram")
    reduced = AcceleratorConfig(pes=4, max_channels=6, pe_kind="reram", adc_bits=6)
    at32 = CostRules(LIBRARY, 32)
    for config, bits in ((full, 9), (reduced, 6)):
        report = EnergyModel(config, LIBRARY).layer(_c3(config))
        energy = report["energy"]
        assert math.isclose(energy["adcs"]["pj_per_event"], 1.67 * 2 ** (bits - 8))
        assert energy["adcs"]["events"] == report["counts"]["adc_conversions"]
        assert energy["sample_hold"]["events"] == report["counts"]["adc_conversions"]
        assert energy["program_pulses"]["events"] == report["counts"]["cell_programs"]
        assert math.isclose(energy["verify_reads"]["pj_per_event"],
                            at32.verify_read(bits).value)
        assert math.isclose(energy["dacs"]["pj_per_event"], 0.39)
    area = EnergyModel(reduced, LIBRARY).area()["components"]
    assert math.isclose(area["adcs"]["um2_each"], 1200 / 4)
    # 160 weight sets (4 groups x 40 bins) of 6 rows, 16 to a 128-row macro: 10 macros
    assert area["adcs"]["count"] == 10 * 64 // 8


def test_spatial_reram_baseline_by_hand():
    """C3 on the P = 4 build: 150 rows (C K K) in 2 slices of 128, 16 outputs x 8 cells = 128
    columns in 2 crossbars of 64, 16 input slices, 100 output pixels."""
    config = AcceleratorConfig(pes=4, max_channels=6, pe_kind="reram")
    layer = EnergyModel(config, LIBRARY).layer(_c3(config))
    base = layer["baselines"]["spatial_reram"]
    counts = base["counts"]
    assert counts["crossbars"] == 2 * 2
    assert counts["xbar_reads"] == 100 * 16 * 2 * 2
    assert counts["adc_conversions"] == counts["shift_adds"] == 100 * 16 * 2 * 128
    assert counts["dac_conversions"] == 100 * 16 * 150 * 2
    assert counts["reram_cell_reads"] == 100 * 16 * 150 * 128
    assert counts["cell_programs"] == 150 * 128
    assert counts["fmap_reads"] == 100 * 6 * 5
    assert base["adc_bits"] == 9
    assert math.isclose(base["energy"]["adcs"]["pj"], 100 * 16 * 2 * 128 * 1.67 * 2)
    # 6400 reads over the 4 crossbars, each a read and 8 conversions through its ADC mux
    assert base["compute_cycles"] == 6400 * 9 // 4
    # 150 x 16 weights of 8 cells, one bin lane: 2400 x (8 x (1 + 3) + 1) clocks to program
    assert base["program_cycles"] == 2400 * 33
    assert math.isclose(base["energy_pj"], sum(p["pj"] for p in base["energy"].values()))


def test_reram_report_rates_both_spectral_kinds_and_both_spatial_arrays():
    config = AcceleratorConfig(pes=16, max_channels=6, pe_kind="reram")
    report = EnergyModel(config, LIBRARY).report(lenet5())
    assert list(report["baselines"]) == ["spatial_digital", "spatial_reram", "spectral_digital"]
    twin = AcceleratorConfig(pes=16, max_channels=6)
    digital = EnergyModel(twin, LIBRARY).report(lenet5())
    assert list(digital["baselines"]) == ["spatial_digital", "spatial_reram"]
    assert math.isclose(report["baselines"]["spectral_digital"]["energy_pj"],
                        digital["totals"]["energy_pj"])
    assert report["baselines"]["spectral_digital"]["cycles"] == digital["totals"]["cycles"]
    for name, other in report["baselines"].items():
        assert math.isclose(other["energy_ratio"],
                            other["energy_pj"] / report["totals"]["energy_pj"])
        assert other["energy_pj"] == sum(layer["baselines"][name]["energy_pj"]
                                         for layer in report["layers"])
    assert {"adc_8b_conversion", "shift_add_16b", "snh_sample",
            "reram_program_pulse"} <= set(report["library"])


def test_reram_endurance_per_inference():
    """LeNet-5 at P = 64 (J = 16, L = 4, 10 bin steps): C1 and C3 one group each, C5 eight, so
    every weight resident takes 100 sets per lane, 16-row sets, 8 to a macro: 13 macros a lane."""
    config = network_config(lenet5(), 64, 8, pe_kind="reram")
    report = EnergyModel(config, LIBRARY).report(lenet5())
    endurance = report["endurance"]
    writes = sum(layer["counts"]["weight_writes"] for layer in report["layers"])
    assert endurance["cell_writes_per_inference"] == writes * 2 * 8
    assert endurance["cells"] == 4 * 10 * 128 * 256
    assert endurance["writes_per_cell_per_inference"]["max"] == 3
    assert endurance["programming_cycles"] == sum(
        config.pe.weight_load_clocks(config, layer["counts"]["weight_writes"])
        for layer in report["layers"])
    assert 0 < endurance["programming_share_of_latency"] < 1
    assert (endurance["weight_sets_per_lane"], endurance["resident_sets_per_lane"],
            endurance["resident_macros"]) == (80, 100, 4 * 13)
    assert EnergyModel(network_config(lenet5(), 64, 8), LIBRARY).report(
        lenet5())["endurance"] is None


@pytest.mark.parametrize("kind", ["digital", "reram"])
def test_resident_weights_load_once(kind):
    """--resident sizes the weight sets to the network (LeNet-5 at P = 64: 10 + 10 + 80); an
    inference then loads no weight, and the report prices loading them once as the difference
    to loading them every layer on the same build."""
    config = network_config(lenet5(), 64, 8, resident=True, pe_kind=kind)
    assert config.weight_sets == 100
    model = EnergyModel(config, LIBRARY)
    resident, loading = model.report(lenet5(), resident=True), model.report(lenet5())
    for layer in resident["layers"]:
        assert layer["counts"]["weight_writes"] == 0 and layer["resident"]
        assert layer["cycles"]["load_cycles"] < layer["counts"]["fmap_writes"] + 10   # pixels
    once = resident["weights"]["loaded_once"]
    assert math.isclose(once["energy_pj"], loading["totals"]["energy_pj"]
                        - resident["totals"]["energy_pj"])
    assert once["cycles"] == loading["totals"]["cycles"] - resident["totals"]["cycles"] > 0
    assert resident["weights"]["network_weight_sets"] == 100
    assert loading["weights"] == {"resident": False, "weight_sets": 100,
                                  "network_weight_sets": 100, "loaded_once": None}
    # without --resident: two group buffers for digital PEs, every group of C5 for crossbars
    with pytest.raises(ModelError, match="weight sets must be at least 100 to keep every "
                                         f"weight of 'lenet5' resident, not "
                                         f"{20 if kind == 'digital' else 80}"):
        EnergyModel(network_config(lenet5(), 64, 8, pe_kind=kind), LIBRARY).report(
            lenet5(), resident=True)


def test_resident_baselines_load_nothing():
    """With --resident no baseline loads weights either: the ISAAC-like array programs no cell,
    the spatial digital array writes no weight, so both get cheaper and faster."""
    config = network_config(lenet5(), 16, 8, resident=True, pe_kind="reram")
    model = EnergyModel(config, LIBRARY)
    report, loading = model.report(lenet5(), resident=True), model.report(lenet5())
    for layer, loaded in zip(report["layers"], loading["layers"]):
        reram, digital = (layer["baselines"][name] for name in ("spatial_reram",
                                                                "spatial_digital"))
        assert reram["counts"]["cell_programs"] == reram["program_cycles"] == 0
        assert digital["energy"]["weight_memory"]["events"] == layer["spatial_macs"]
        for name in ("spatial_reram", "spatial_digital", "spectral_digital"):
            assert layer["baselines"][name]["energy_pj"] < loaded["baselines"][name]["energy_pj"]
            assert layer["baselines"][name]["cycles"] <= loaded["baselines"][name]["cycles"]
    assert report["endurance"]["cell_writes_per_inference"] == 0


def test_energy_takes_the_kinds_flags(capsys):
    argv = ["energy", "--pes", "16", "--net", "lenet5", "--fft-size", "8", "--pe-kind", "reram",
            "--json"]
    assert main(argv) == 0
    full = json.loads(capsys.readouterr().out)
    assert main(argv + ["--adc-bits", "6", "--xbar-rows", "64"]) == 0
    reduced = json.loads(capsys.readouterr().out)
    assert reduced["config"]["adc_bits"] == 6 and reduced["config"]["xbar_rows"] == 64
    assert reduced["totals"]["energy_pj"] < full["totals"]["energy_pj"]
    assert main(argv[:-1]) == 0
    table = capsys.readouterr().out
    assert "spatial reram" in table and "spectral digital" in table
    assert main(argv[:-1] + ["--resident"]) == 0
    table = capsys.readouterr().out
    assert "--weight-sets 400" in table.splitlines()[0] and "loading them once" in table


def test_grouped_layer_runs_as_groups():
    net = alexnet()
    conv2 = next(layer for layer in net.conv_layers if layer.name == "conv2")
    config = network_config(net, 64, 16)
    report = EnergyModel(config, LIBRARY).layer(conv2)
    tiling = Tiling.choose(conv2.in_shape, 5, 1, 2, fft_size=16)
    one = LayerSchedule(config, tiling, 48, 128)
    assert report["counts"]["mac_operations"] == 2 * one.mac_operations
    assert report["spatial_macs"] == layer_counts(conv2)["spatial_macs"]


def test_baseline_has_the_same_multiplier_budget():
    config = AcceleratorConfig(pes=64)
    report = EnergyModel(config, LIBRARY).report(lenet5())
    assert report["baseline"]["multipliers"] == 128
    for layer in report["layers"]:
        assert layer["baselines"]["spatial_digital"]["compute_cycles"] == -(-layer["spatial_macs"] // 128)
    assert math.isclose(report["baseline"]["energy_ratio"],
                        report["baseline"]["energy_pj"] / report["totals"]["energy_pj"])


def test_report_lists_what_it_does_not_model():
    report = EnergyModel(AcceleratorConfig(pes=64), LIBRARY).report(lenet5())
    reasons = {n["name"]: n["reason"] for n in report["not_modelled"]}
    assert [layer["name"] for layer in report["layers"]] == ["C1", "C3"]
    assert reasons["C5"] == "output channels 120 exceed this build's limit 16"
    assert "pooling" in reasons["S2"] and "fully connected" in reasons["F6"]
    assert set(report["library"]) >= {"int_mult_8", "sram_8kb_read_64b", "area_buffer_bit"}


def test_fft_size_must_hold_the_kernels():
    """As the layers run: AlexNet conv1 (K = 11, stride 4) runs as K = 3 polyphase, so N = 8
    holds every kernel (conv2's 5); decimated it needs N = 16."""
    with pytest.raises(ModelError, match="FFT size must be at least the kernel size 11 of "
                                         "layer 'conv1', not 8"):
        network_config(alexnet(), 64, 8, strided="decimate")
    with pytest.raises(ModelError, match="kernel size 5 of layer 'conv2', not 4"):
        network_config(alexnet(), 64, 4)
    assert network_config(alexnet(), 64, 8).fft_size == 8
    assert choose_fft_size(alexnet(), 64, LIBRARY, strided="decimate") in (16, 32, 64)


# -- network files ------------------------------------------------------------------------------
LENET_TOML = """
name = "lenet5"
in_channels = 1
in_shape = [32, 32]
layers = [
  {name = "C1", kind = "conv", out_channels = 6, kernel = 5},
  {name = "S2", kind = "pool", kernel = 2, stride = 2, relu = false},
  {name = "C3", kind = "conv", out_channels = 16, kernel = 5},
  {name = "S4", kind = "pool", kernel = 2, stride = 2, relu = false},
  {name = "C5", kind = "conv", out_channels = 120, kernel = 5},
  {name = "F6", kind = "fc", out_channels = 84},
  {name = "OUT", kind = "fc", out_channels = 10, relu = false},
]
"""


def test_network_file_describes_the_builtin(tmp_path):
    (tmp_path / "net.toml").write_text(LENET_TOML)
    assert load_network(tmp_path / "net.toml") == lenet5()
    doc = {"in_channels": 1, "in_shape": [32, 32],
           "layers": [{"kind": "conv", "out_channels": 6, "kernel": 5}]}
    (tmp_path / "small.json").write_text(json.dumps(doc))
    net = resolve_network(str(tmp_path / "small.json"))
    assert net.name == "small" and net.layers[0].name == "conv1"


@pytest.mark.parametrize("text, message", [
    ("in_channels = 1\nin_shape = [8, 8]\n", "must give layers"),
    ("in_channels = 1\nin_shape = [8, 8]\nlayers = [{kind = 'dense', out_channels = 2}]",
     "layer 1: kind must be one of conv, pool, fc, not 'dense'"),
    ("in_channels = 1\nin_shape = [8, 8]\nlayers = [{kind = 'conv', out_channels = 2, "
     "kernel = 9}]", "kernel must be an integer between 1 and 8, not 9"),
    ("in_channels = 3\nin_shape = [8, 8]\nlayers = [{kind = 'conv', out_channels = 4, "
     "kernel = 3, groups = 2}]", "groups must divide the input channels 3 and out_channels 4"),
    ("in_channels = 1\nin_shape = [8, 8]\nlayers = [{kind = 'conv', out_channels = 0, "
     "kernel = 3}]", "out_channels must be an integer between 1 and"),
    ("in_channels = 1\nin_shape = [8, 8]\nlayers = [{kind = 'conv', out_channels = 2, "
     "kernel = 3, dilation = 2}]", "key 'dilation' must be one of"),
    ("in_channels = 1\nin_shape = 8\nlayers = []", "in_shape must be a list of 1 to 3 sizes"),
    ("in_channels = [", "must be valid TOML"),
])
def test_bad_network_files_get_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(NetworkFileError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_network(path)


def test_network_spec_must_be_known(tmp_path):
    with pytest.raises(NetworkFileError, match="network must be one of"):
        resolve_network("resnet")
    with pytest.raises(NetworkFileError, match="does not exist"):
        resolve_network(str(tmp_path / "missing.toml"))


# -- fdagen energy ------------------------------------------------------------------------------
def test_energy_table_and_json(capsys):
    assert main(["energy", "--pes", "64", "--net", "lenet5"]) == 0
    table = capsys.readouterr().out
    for text in ("C1", "C3", "C5", "total", "energy by component", "area by component",
                 "Horowitz, ISSCC 2014", "baseline"):
        assert text in table
    assert main(["energy", "--pes", "64", "--net", "lenet5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [layer["name"] for layer in report["layers"]] == ["C1", "C3", "C5"]
    for layer in report["layers"]:
        for part in layer["energy"].values():
            assert part["source"]
    assert report["baseline"]["multipliers"] == 128
    assert report["config"]["fft_size"] == 16       # C1 and C3 at 16, C5 at 8
    assert [layer["fft_size"] for layer in report["layers"]] == [16, 16, 8]


def test_energy_user_library_overrides(tmp_path, capsys):
    main(["energy", "--pes", "16", "--net", "lenet5", "--fft-size", "8", "--json"])
    before = json.loads(capsys.readouterr().out)
    (tmp_path / "lib.toml").write_text(
        '[int_mult_8]\nvalue = 0.4\nunit = "pJ"\nnode_nm = 45\nsource = "my measurement"\n'
        '[int_mult_32]\nvalue = 6.2\nunit = "pJ"\nnode_nm = 45\nsource = "my measurement"\n')
    main(["energy", "--pes", "16", "--net", "lenet5", "--fft-size", "8", "--json",
          "--lib", str(tmp_path / "lib.toml")])
    after = json.loads(capsys.readouterr().out)
    old = before["energy_by_component"]["pe_multipliers"]["pj"]
    new = after["energy_by_component"]["pe_multipliers"]
    assert math.isclose(new["pj"], 2 * old)
    assert after["library"]["int_mult_8"]["source"] == "my measurement"
    assert "int_mult_8: my measurement" in new["source"]


def test_energy_alexnet_and_a_file(tmp_path, capsys):
    assert main(["energy", "--pes", "64", "--net", "alexnet", "--fft-size", "16",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["layers"]) == 5
    assert report["totals"]["spatial_macs"] == 665_784_864
    (tmp_path / "net.toml").write_text(LENET_TOML)
    assert main(["energy", "--pes", "8", "--net", str(tmp_path / "net.toml"),
                 "--pe-kind", "reram"]) == 0
    assert "reram" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--pes", "0", "--net", "lenet5"], "PE count must be between 1 and 4096, not 0"),
    (["--net", "lenet6"], "network must be one of"),
    (["--net", "lenet5", "--fft-size", "12"], "FFT size must be a power of two"),
    (["--net", "alexnet", "--fft-size", "8", "--strided", "decimate"],
     "FFT size must be at least the kernel size 11"),
    (["--net", "lenet5", "--strided", "skip"], "argument --strided: invalid choice"),
    (["--net", "lenet5", "--lib", "/nonexistent.toml"], "does not exist"),
    (["--net", "lenet5", "--node", "1"], "technology node must be between 5 and 180 nm"),
    (["--net", "lenet5", "--adc-bits", "6"], "--adc-bits must be left at its default for PE "
                                             "kind 'digital'"),
    (["--net", "lenet5", "--pe-kind", "reram", "--adc-bits", "12"],
     "ADC bits must be between 1 and 9 (the full resolution of 128 rows of 2-bit cells and "
     "1-bit DACs), not 12"),
])
def test_energy_bad_input(capsys, argv, message):
    assert run(["energy", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


# -- fdagen explore -----------------------------------------------------------------------------
def test_explore_writes_csv_json_and_pareto_plot(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["explore", "--pes", "8,16", "--fft-size", "8,16", "--data-width", "12,16",
                 "--pe-kind", "digital,reram", "--net", "lenet5", "--out", str(out),
                 "--jobs", "2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["explore.csv", "explore.json",
                                                     "pareto.png"]
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    rows = list(csv.DictReader((out / "explore.csv").open()))
    assert len(rows) == 16
    points = json.loads((out / "explore.json").read_text())["points"]
    front = [p for p in points if p["pareto"]]
    assert front
    keys = ("energy_per_inference_uj", "latency_s", "area_mm2")
    for p in points:      # a point is on the front exactly when nothing dominates it
        dominated = any(all(q[k] <= p[k] for k in keys) and any(q[k] < p[k] for k in keys)
                        for q in points)
        assert p["pareto"] == (not dominated)
    # the same sweep in one process gives the same numbers
    again = tmp_path / "again"
    main(["explore", "--pes", "8,16", "--fft-size", "8,16", "--data-width", "12,16",
          "--pe-kind", "digital,reram", "--net", "lenet5", "--out", str(again)])
    assert (again / "explore.csv").read_bytes() == (out / "explore.csv").read_bytes()


def test_explore_marks_infeasible_points(tmp_path, capsys):
    out = tmp_path / "alex"
    network = tmp_path / "wide.toml"
    network.write_text('name = "wide"\nin_channels = 3\nin_shape = [32, 32]\nlayers = [\n'
                       '  {name = "c1", kind = "conv", out_channels = 8, kernel = 11},\n]\n')
    assert main(["explore", "--pes", "64", "--fft-size", "8,16", "--net", str(network),
                 "--out", str(out)]) == 0
    points = json.loads((out / "explore.json").read_text())["points"]
    assert "kernel size 11" in points[0]["infeasible"] and "infeasible" not in points[1]


@pytest.mark.parametrize("argv, message", [
    (["--pes", "16,x"], "must be a comma-separated list of integers"),
    (["--fft-size", "12"], "--fft-size values must be powers of two between 8 and 64, not 12"),
    (["--pe-kind", "analog"], "must be a comma-separated list of digital, reram"),
    (["--jobs", "0"], "--jobs must be between 1 and 64, not 0"),
])
def test_explore_bad_input_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert run(["explore", "--net", "lenet5", "--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


# -- fdagen build ---------------------------------------------------------------------------
def test_build_report_matches_fdagen_energy_on_the_same_build():
    from fdagen.model.report import build_report_files

    config = AcceleratorConfig(pes=16)
    files = build_report_files(config)
    report = json.loads(files["energy.json"])
    assert report == json.loads(json.dumps(EnergyModel(config, LIBRARY).report(lenet5())))
    assert files["energy.txt"].decode().startswith("lenet5 on 16 digital PEs")


def test_build_report_when_no_layer_fits():
    from fdagen.model.report import build_report_files

    files = build_report_files(AcceleratorConfig(pes=6, fft_size=4, max_size=8))
    report = json.loads(files["energy.json"])
    assert report["layers"] == [] and report["totals"] is None
    assert report["area"]["total_mm2"] > 0
    assert b"no layer of lenet5 fits this build" in files["energy.txt"]


def test_strided_layers_run_as_polyphase():
    """AlexNet conv1 (C = 3, K = 11, stride 4 on 227x227) runs as C = 48, K = 3 on 57x57: the
    accelerator's counts are that stride-1 layer's, the spatial baseline's the layer's as
    defined; decimated at N = 16 it costs more (the transforms of 217 x 217 outputs of which
    55 x 55 are kept)."""
    conv1 = alexnet().conv_layers[0]
    config = network_config(alexnet(), 64, 8)
    assert (config.max_size, config.max_channels) == (57, 256)
    report = EnergyModel(config, LIBRARY).layer(conv1)
    assert report["runs_as"] == {"treatment": "polyphase", "in_channels": 48,
                                 "in_shape": [57, 57], "kernel": 3, "stride": 1, "padding": 0}
    run = Tiling.choose((57, 57), 3, fft_size=8)
    schedule = LayerSchedule(config, run, 48, 96)
    assert report["counts"]["complex_macs"] == schedule.complex_macs
    assert report["counts"]["input_words"] == 48 * 57 * 57
    assert report["counts"]["output_pixels"] == 96 * 55 * 55
    assert report["spatial_macs"] == layer_counts(conv1)["spatial_macs"] == 96 * 3 * 121 * 55 ** 2
    decimate = network_config(alexnet(), 64, 16, strided="decimate")
    decimated = EnergyModel(decimate, LIBRARY, strided="decimate").layer(conv1)
    assert decimated["runs_as"]["treatment"] == "decimate"
    assert decimated["counts"]["input_words"] == 3 * 227 * 227
    assert decimated["energy_pj"] > 5 * report["energy_pj"]
    assert EnergyModel(decimate, LIBRARY).report(alexnet())["strided"] == "polyphase"


def test_energy_cli_strided_treatments(capsys):
    for strided in ("polyphase", "decimate"):
        assert main(["energy", "--net", "alexnet", "--pes", "64", "--json",
                     "--strided", strided]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["strided"] == strided
        assert report["config"]["fft_size"] == (8 if strided == "polyphase" else 32)


def test_a_network_too_big_for_any_build_is_a_model_error():
    """P = 8, N = 64, crossbars: AlexNet conv3's G U/L weight sets (the crossbars hold every
    group) exceed what a build addresses; the sweep lists such points as infeasible instead of
    stopping."""
    with pytest.raises(ModelError, match=r"the build for 'alexnet' at P = 8, N = 64: weight "
                                         r"sets .* must be between"):
        network_config(alexnet(), 8, 64, pe_kind="reram")


def test_energy_text_says_how_strided_layers_run(capsys):
    assert main(["energy", "--net", "alexnet", "--pes", "64"]) == 0
    assert ("conv1 (stride 4) runs as its stride-1 polyphase form: 48 channels, K = 3 on 57x57"
            in capsys.readouterr().out)
    assert main(["energy", "--net", "alexnet", "--pes", "64", "--strided", "decimate"]) == 0
    assert "conv1 (stride 4) runs decimated" in capsys.readouterr().out
    assert main(["energy", "--net", "lenet5", "--pes", "64"]) == 0
    assert ") runs as its stride-1 polyphase form:" not in capsys.readouterr().out
