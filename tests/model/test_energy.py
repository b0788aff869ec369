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
    assert report["counts"]["reram_cell_programs"] == 16 * 6 * 40 * 2 * 8
    assert report["cycles"]["pe_busy_cycles"] == (2 * 16 * 9 + 3) * ops
    assert "weight_memory" not in report["energy"]


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
        assert layer["baseline"]["compute_cycles"] == -(-layer["spatial_macs"] // 128)
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
    with pytest.raises(ModelError, match="FFT size must be at least the kernel size 11 of "
                                         "layer 'conv1', not 8"):
        network_config(alexnet(), 64, 8)
    assert choose_fft_size(alexnet(), 64, LIBRARY) in (16, 32, 64)


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
    assert report["config"]["fft_size"] == 8


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
    (["--net", "alexnet", "--fft-size", "8"], "FFT size must be at least the kernel size 11"),
    (["--net", "lenet5", "--lib", "/nonexistent.toml"], "does not exist"),
    (["--net", "lenet5", "--node", "1"], "technology node must be between 5 and 180 nm"),
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
    assert main(["explore", "--pes", "64", "--fft-size", "8,16", "--net", "alexnet",
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
