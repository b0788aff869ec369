"""`fdagen build --pes P`: the accelerator's output directory, lint, determinism, bad input."""

import json

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.fields import field_names
from fdagen.cli import main
from fdagen.emit.accelerator import render_accelerator
from fdagen.flows.lint import lint


@pytest.fixture(scope="module")
def p64(tmp_path_factory):
    out = tmp_path_factory.mktemp("rtl") / "p64"
    assert main(["build", "--pes", "64", "--out", str(out)]) == 0
    return out


def test_build_p64_writes_every_output(p64):
    manifest = json.loads((p64 / "manifest.json").read_text())
    top = manifest["top"]
    assert top == "fdagen_accel_p64_n8"
    files = (p64 / "files.f").read_text().split()
    assert files == manifest["files"] and files[-1] == f"{top}.v"
    for kind in ("sdc", "xdc", "lpf", "pcf", "core"):
        assert (p64 / f"{top}.{kind}").is_file()
    assert "create_clock -name clk -period 10.000" in (p64 / f"{top}.sdc").read_text()
    assert 'FREQUENCY PORT "clk" 100 MHZ;' in (p64 / f"{top}.lpf").read_text()
    core = (p64 / f"{top}.core").read_text()
    assert core.startswith("CAPI=2:") and all(f"- {name}" in core for name in files)
    assert manifest["parameters"]["pes"] == 64 and manifest["derived"]["slots"] == 16
    roles = {name: s["role"] for name, s in manifest["streams"].items()}
    assert roles == {"desc": "sink", "weights": "sink", "pixels": "sink", "out": "source",
                     "counters": "source"}
    header = (p64 / f"{top}.v").read_text()[:4000]
    assert "Command: fdagen build --pes 64" in header and "Numeric and control contract" in header


def test_build_p64_lints_clean(p64):
    files = (p64 / "files.f").read_text().split()
    lint([p64 / name for name in files], top="fdagen_accel_p64_n8")


def test_build_is_byte_identical(p64, tmp_path):
    again = tmp_path / "again"
    assert main(["build", "--pes", "64", "--out", str(again)]) == 0
    for path in p64.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_config_file_equals_flags(tmp_path):
    config = tmp_path / "accel.toml"
    config.write_text('pes = 6\nfft_size = 4\nmax_size = 8\nrounding = "half_up"\n')
    assert main(["build", "--config", str(config), "--out", str(tmp_path / "a")]) == 0
    assert main(["build", "--pes", "6", "--fft-size", "4", "--max-size", "8", "--rounding",
                 "half_up", "--out", str(tmp_path / "b")]) == 0
    for path in (tmp_path / "a").iterdir():
        assert (tmp_path / "b" / path.name).read_bytes() == path.read_bytes()
    assert main(["build", "--config", str(config), "--pes", "3",
                 "--out", str(tmp_path / "c")]) == 0          # flags override the file
    assert json.loads((tmp_path / "c" / "manifest.json").read_text())["parameters"]["pes"] == 3


@pytest.mark.parametrize("argv, message", [
    (["--pes", "0"], "PE count must be between 1 and 4096, not 0"),
    (["--pes", "8", "--fft-size", "12"], "FFT size must be a power of two"),
    (["--pes", "12", "--bin-lanes", "8"], "bin lanes must be a power of two dividing"),
    (["--pes", "4", "--order", "natural"], "--order applies to --block builds"),
    (["--block", "fft", "--fft-size", "8", "--pes", "4"], "--pes applies to the accelerator"),
    (["--block", "fft"], "--fft-size is required with --block"),
    (["--pes", "4", "--pe-kind", "reram", "--adc-share", "7"],
     "ADC share must divide the crossbar columns (4 outputs x 2 parts x 8 cells = 64), not 7"),
    (["--pes", "4", "--xbar-rows", "64"],
     "--xbar-rows must be left at its default for PE kind 'digital' (it sets PE kind reram), "
     "not 64"),
    (["--pes", "4", "--pe-kind", "reram", "--xbar-rows", "2000"],
     "crossbar rows must be between 1 and 1024, not 2000"),
    (["--pes", "4", "--pe-kind", "reram", "--max-attempts", "0"],
     "write-verify attempts must be between 1 and 64, not 0"),
])
def test_bad_parameters_write_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert main(["build", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_bad_config_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("pes = 4\nwidth = 3\n")
    assert main(["build", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "key 'width' must be one of pes, fft_size" in capsys.readouterr().err
    bad.write_text("pes = [")
    assert main(["build", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "must be valid TOML" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_existing_directory_is_not_clobbered(tmp_path, capsys):
    out = tmp_path / "keep"
    out.mkdir()
    (out / "mine.v").write_text("// mine\n")
    assert main(["build", "--pes", "2", "--fft-size", "4", "--max-size", "6",
                 "--out", str(out)]) == 2
    assert (out / "mine.v").read_text() == "// mine\n"


def test_small_render_has_one_module_per_block():
    files = render_accelerator(AcceleratorConfig(pes=3, fft_size=4, max_size=6))
    names = sorted(files)
    assert "fdagen_accel_p3_n4_pe_digital.v" in names and "fdagen_accel_p3_n4_fft2d4.v" in names
    assert b"module fdagen_accel_p3_n4_pe_digital(" in files["fdagen_accel_p3_n4_pe_digital.v"]


def test_build_ends_with_a_summary(tmp_path, capsys):
    out = tmp_path / "rtl"
    assert main(["build", "--pes", "4", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"wrote {out}: 20 files, top fdagen_accel_p4_n8"
    text = "\n".join(lines)
    assert "4 digital PEs = 1 bin lanes x 4 output-channel slots, 2 clocks per operation" in text
    assert "memories" in text and "overlap_add" in text
    assert "lenet5 C1" in text and "lenet5 C5    not on this build" in text
    assert "fdagen synth --target ecp5 --pes 4 --out synth/" in text
    assert "testbench  fdagen_accel_p4_n8_tb.v + fdagen_accel_p4_n8_tb_*.hex" in text


def test_3d_build_is_byte_identical_and_summarised(tmp_path, capsys):
    """``build --dims 3``: 3-D tile transform modules, the 3-D descriptor in the manifest, the
    same bytes twice, and a summary that rates it on conv3d-small and points at the 3-D
    commands."""
    argv = ["build", "--dims", "3", "--pes", "4", "--fft-size", "4", "--max-channels", "16",
            "--max-out-channels", "32", "--max-size", "18"]
    outputs = [tmp_path / "a", tmp_path / "b"]
    for out in outputs:
        assert main(argv + ["--out", str(out)]) == 0
    text = capsys.readouterr().out
    first = {p.name: p.read_bytes() for p in outputs[0].iterdir()}
    second = {p.name: p.read_bytes() for p in outputs[1].iterdir()}
    assert first == second
    top = "fdagen_accel_p4_n4"
    assert {f"{top}_fft3d4.v", f"{top}_ifft3d4.v"} <= set(first)
    manifest = json.loads(first["manifest.json"])
    assert manifest["descriptor_fields"] == list(field_names(3))
    assert manifest["parameters"]["dims"] == 3
    assert "D + 2p and H + 2p and W + 2p <= 18" in text
    assert "conv3d-small conv2" in text and "fdagen sim conv3d" in text
    assert "fdagen energy --pes 4 --net conv3d-small" in text
