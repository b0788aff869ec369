"""fdagen synth runs the YoWASP flow end to end (the first call compiles WebAssembly, ~40 s)."""

import json

from fdagen.cli import main


def test_ecp5_flow_reports_fmax_and_resources(tmp_path, capsys):
    out = tmp_path / "synth"
    status = main(["synth", "--target", "ecp5", "--block", "fft", "--fft-size", "8",
                   "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0 and "Fmax clk:" in text
    report = json.loads((out / "synth.json").read_text())
    assert report["fmax_mhz"]["clk"] > 50
    assert report["yosys_cells"]["MULT18X18D"] == 4        # one general-twiddle stage
    assert report["utilisation"]["TRELLIS_FF"]["used"] > 0
    assert (out / "fdagen_fft8.v").exists() and (out / "synth.txt").exists()


def test_generic_target_counts_cells(tmp_path, capsys):
    out = tmp_path / "generic"
    assert main(["synth", "--target", "generic", "--block", "ifft", "--fft-size", "4",
                 "--out", str(out)]) == 0
    report = json.loads((out / "synth.json").read_text())
    assert "fmax_mhz" not in report and sum(report["yosys_cells"].values()) > 0


def test_bad_frequency(tmp_path, capsys):
    status = main(["synth", "--target", "ecp5", "--block", "fft", "--fft-size", "8",
                   "--freq", "0", "--out", str(tmp_path / "x")])
    assert status == 2 and "clock frequency must be between 1 and 1000 MHz, not 0" in \
        capsys.readouterr().err
    assert not (tmp_path / "x").exists()
