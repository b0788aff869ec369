"""fdagen build: the generated directory, its determinism, and its refusals."""

import json
import subprocess

import pytest

from fdagen.cli import main
from fdagen.flows.lint import lint
from fdagen.flows.tools import require


def build(capsys, *args):
    try:
        status = main(["build", *map(str, args)])
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_fft_block_directory(tmp_path, capsys):
    out = tmp_path / "rtl"
    status, _, _ = build(capsys, "--block", "fft", "--fft-size", 32, "--out", out)
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["fdagen_fft32.v", "files.f", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["top"] == "fdagen_fft32"
    assert manifest["files"] == ["fdagen_fft32.v"]
    assert manifest["derived"]["latency_cycles"] == 32 + 2 + 6 * 5     # 6 registers a stage
    assert {p["name"] for p in manifest["ports"]} >= {"clk", "rst", "i__payload", "o__payload"}
    assert (out / "files.f").read_text() == "fdagen_fft32.v\n"
    verilog = (out / "fdagen_fft32.v").read_text()
    for needle in ("// Command: fdagen build --block fft --fft-size 32", "// Ports:",
                   "// Numeric contract:", "Latency: 64 clocks", "module fdagen_fft32("):
        assert needle in verilog
    assert str(tmp_path) not in verilog
    subprocess.run([require("iverilog"), "-g2012", "-o", str(tmp_path / "sim"),
                    "-c", str(out / "files.f")], cwd=out, check=True, capture_output=True)
    lint([out / "fdagen_fft32.v"], top="fdagen_fft32")


def test_fft_block_with_ecp5_dsp(tmp_path, capsys):
    """--dsp ecp5: the same core with MULT18X18D instances, the primitive's simulation model
    beside it (sim_files.f lists it first, files.f leaves it out); both compile together."""
    out = tmp_path / "rtl"
    status, _, _ = build(capsys, "--block", "fft", "--fft-size", 32, "--dsp", "ecp5",
                         "--out", out)
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["MULT18X18D_sim.v", "fdagen_fft32.v",
                                                     "files.f", "manifest.json", "sim_files.f"]
    assert (out / "files.f").read_text() == "fdagen_fft32.v\n"
    assert (out / "sim_files.f").read_text() == "MULT18X18D_sim.v\nfdagen_fft32.v\n"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["dsp"] == "ecp5"
    assert manifest["simulation_models"] == ["MULT18X18D_sim.v"]
    assert manifest["derived"]["latency_cycles"] == 32 + 2 + 6 * 5     # unchanged
    verilog = (out / "fdagen_fft32.v").read_text()
    assert "// Command: fdagen build --block fft --fft-size 32" in verilog
    assert "--order bitrev --dsp ecp5" in verilog
    assert "register (stages 0, 1, 2; others as generic logic)" in verilog
    assert verilog.count("MULT18X18D #(") == 12                      # 4 a stage, 3 stages
    subprocess.run([require("iverilog"), "-g2012", "-o", str(tmp_path / "sim"),
                    "-c", str(out / "sim_files.f")], cwd=out, check=True, capture_output=True)

    status, _, _ = build(capsys, "--block", "fft", "--fft-size", 32, "--dsp", "generic",
                         "--out", tmp_path / "generic")
    plain = tmp_path / "plain"
    build(capsys, "--block", "fft", "--fft-size", 32, "--out", plain)
    for name in ("fdagen_fft32.v", "files.f", "manifest.json"):     # --dsp generic: default
        assert (tmp_path / "generic" / name).read_bytes() == (plain / name).read_bytes()
    assert "dsp" not in json.loads((plain / "manifest.json").read_text())["parameters"]


@pytest.mark.parametrize("argv, dsp", [
    (["--target", "ecp5", "--pes", "4"], "ecp5"),
    (["--target", "ecp5", "--pes", "4", "--dsp", "generic"], "generic"),
    (["--target", "ecp5", "--pes", "4", "--data-width", "20"], "generic"),  # too wide for a PE
    (["--target", "ecp5", "--pes", "4", "--pe-kind", "reram", "--data-width", "20"], "ecp5"),
    (["--target", "ecp5", "--pes", "4", "--config", "generic.toml"], "generic"),
    (["--target", "ice40", "--pes", "4"], "generic"),
    (["--target", "ecp5", "--block", "fft", "--fft-size", "8"], "ecp5"),
    (["--target", "ecp5", "--block", "fft2d", "--fft-size", "8"], "generic"),
    (["--target", "ecp5", "--block", "fft", "--fft-size", "8", "--samples-per-clock", "2"],
     "generic"),
])
def test_synth_takes_the_ecp5_multipliers_where_they_apply(tmp_path, monkeypatch, argv, dsp):
    """``synth --target ecp5`` puts the products in the MULT18X18D output registers unless a
    flag or the configuration file says otherwise or they do not fit; ``build`` and the other
    targets stay generic."""
    from fdagen.cli import build_parser
    from fdagen.cli.build import build_config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "generic.toml").write_text('dsp = "generic"\n')
    args = build_parser().parse_args(["synth", *argv, "--out", "o"])
    assert build_config(args, ecp5_default=args.target == "ecp5").dsp == dsp
    if "--block" not in argv:
        build = build_parser().parse_args(["build", *argv[2:], "--out", "o"])
        assert build_config(build).dsp == "generic"


def test_same_configuration_same_bytes(tmp_path, capsys):
    args = ["--block", "ifft", "--fft-size", 16, "--rounding", "half_up", "--runtime-schedule"]
    build(capsys, *args, "--out", tmp_path / "a")
    build(capsys, *args, "--out", tmp_path / "b")
    for name in ("fdagen_ifft16.v", "files.f", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert "schedule" in (tmp_path / "a" / "fdagen_ifft16.v").read_text()


def test_existing_directory_needs_force(tmp_path, capsys):
    out = tmp_path / "rtl"
    out.mkdir()
    (out / "keep.txt").write_text("user file")
    status, _, err = build(capsys, "--block", "fft", "--fft-size", 8, "--out", out)
    assert status == 2 and "must be empty or new (pass --force to replace it)" in err
    assert (out / "keep.txt").exists() and len(list(out.iterdir())) == 1
    status, _, _ = build(capsys, "--block", "fft", "--fft-size", 8, "--out", out, "--force")
    assert status == 0 and not (out / "keep.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("args, message", [
    (["--block", "pe-array", "--fft-size", 8],
     "block must be one of fft, ifft, fft2d, ifft2d, fft3d, ifft3d (the PE array comes "
     "with the "
     "accelerator: omit --block), "
     "not 'pe-array'"),
    (["--block", "fft", "--fft-size", 48],
     "FFT size must be a power of two between 4 and 1024, not 48"),
    (["--block", "fft", "--fft-size", 2048],
     "FFT size must be a power of two between 4 and 1024, not 2048"),
    (["--block", "fft", "--fft-size", 16, "--data-width", 1],
     "FFT data width must be between 2 and 48, not 1"),
    (["--block", "fft", "--fft-size", 16, "--twiddle-width", 40],
     "FFT twiddle width must be between 3 and 24, not 40"),
    (["--block", "fft", "--fft-size", 16, "--scaling", "growth", "--runtime-schedule"],
     "FFT scaling must be a schedule (not growth) with a runtime schedule"),
    (["--block", "ifft2d", "--fft-size", 512],
     "FFT size of a 2-D block must be a power of two between 4 and 256 (its transpose memory "
     "holds 2 N (N/2 + 1) words), not 512"),
    (["--block", "fft3d", "--fft-size", 64],
     "FFT size of a 3-D block must be a power of two between 4 and 32 (its depth transpose "
     "memory holds 2 N N (N/2 + 1) words), not 64"),
    (["--block", "ifft3d", "--fft-size", 8, "--order", "natural"],
     "output order of a 3-D block must be bitrev (its stream order is fixed), not 'natural'"),
    (["--block", "fft", "--fft-size", 16, "--samples-per-clock", 3],
     "samples per clock must be between 1 and 16 and divide the FFT size 16, not 3"),
    (["--block", "fft2d", "--fft-size", 16, "--samples-per-clock", 2],
     "samples per clock above 1 must be for the fft or ifft block without a runtime schedule"),
    (["--block", "fft2d", "--fft-size", 16, "--order", "natural"],
     "output order of a 2-D block must be bitrev (its stream order is fixed), not 'natural'"),
])
def test_bad_parameters_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "rtl"
    status, _, err = build(capsys, *args, "--out", out)
    assert status == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("block", ["fft2d", "ifft2d", "fft3d", "ifft3d"])
def test_tile_block_directories_compile_and_lint(tmp_path, capsys, block):
    out = tmp_path / block
    status, _, _ = build(capsys, "--block", block, "--fft-size", 8, "--runtime-schedule",
                         "--out", out)
    assert status == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["top"] == f"fdagen_{block}8"
    dims = int(block[-2])
    assert manifest["derived"]["unique_bins"] == 8 ** (dims - 1) * 5
    assert manifest["derived"]["tile_clocks"] == 8 ** dims
    names = {p["name"] for p in manifest["ports"]}
    assert {"row_schedule", "column_schedule", "i__payload", "o__payload"} <= names
    assert ("depth_schedule" in names) == (dims == 3)
    verilog = (out / f"fdagen_{block}8.v").read_text()
    assert "Bit-exact with fdagen.golden.fft." in verilog
    subprocess.run([require("iverilog"), "-g2012", "-o", str(tmp_path / "sim"),
                    "-c", str(out / "files.f")], cwd=out, check=True, capture_output=True)
    lint([out / f"fdagen_{block}8.v"], top=f"fdagen_{block}8")
