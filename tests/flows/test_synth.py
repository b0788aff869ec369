"""fdagen synth runs the YoWASP flow end to end (the first call compiles WebAssembly, ~40 s)."""

import json

from fdagen.cli import main


def test_ecp5_flow_reports_fmax_and_resources(tmp_path, capsys):
    out = tmp_path / "synth"
    status = main(["synth", "--target", "ecp5", "--block", "fft", "--fft-size", "8",
                   "--out", str(out)])
    text = capsys.readouterr().out
    assert status == 0 and "Fmax clk:" in text and "placer heap" in text
    report = json.loads((out / "synth.json").read_text())
    assert report["placer"] == "heap" and "HeAP Placer Time" in (out / "nextpnr.log").read_text()
    assert report["fmax_mhz"]["clk"] > 50
    assert report["yosys_cells"]["MULT18X18D"] == 4        # one general-twiddle stage
    # the default for --target ecp5: products in the DSPs' output registers; the primitive's
    # simulation model is written beside the Verilog but not synthesized
    assert "--dsp ecp5" in report["command"] and report["sources"] == ["fdagen_fft8.v"]
    assert (out / "MULT18X18D_sim.v").exists()
    assert report["utilisation"]["TRELLIS_FF"]["used"] > 0
    assert (out / "fdagen_fft8.v").exists() and (out / "synth.txt").exists()


def test_ecp5_static_placer(tmp_path, capsys):
    """--placer static and --seed reach nextpnr (its electrostatic placer) and the report."""
    out = tmp_path / "static"
    assert main(["synth", "--target", "ecp5", "--block", "fft", "--fft-size", "8",
                 "--placer", "static", "--seed", "7", "--out", str(out)]) == 0
    report = json.loads((out / "synth.json").read_text())
    assert report["placer"] == "static" and "--placer static --seed 7" in report["command"]
    assert report["seed"] == 7
    log = (out / "nextpnr.log").read_text()
    assert "Running Static placer" in log and "HeAP Placer Time" not in log
    assert report["fmax_mhz"]["clk"] > 50
    assert "placer static, seed 7" in capsys.readouterr().out


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


def test_ice40_flow_through_the_pin_harness(tmp_path, capsys):
    out = tmp_path / "ice40"
    assert main(["synth", "--target", "ice40", "--block", "fft", "--fft-size", "8",
                 "--out", str(out)]) == 0
    report = json.loads((out / "synth.json").read_text())
    assert report["top"] == "fdagen_ooc_wrapper"
    assert report["utilisation"]["ICESTORM_DSP"]["used"] == 4      # SB_MAC16, from -dsp
    assert min(report["fmax_mhz"].values()) > 20


def test_pin_harness_wraps_every_port(tmp_path):
    import subprocess

    from fdagen.emit.block import BlockConfig, block_ports, render_block
    from fdagen.emit.outdir import write_output_directory
    from fdagen.flows.synth import ooc_wrapper
    from fdagen.flows.tools import require

    config = BlockConfig("fft2d", 4)
    write_output_directory(render_block(config), tmp_path / "rtl")
    ports = [(n, d, w) for n, d, w, _ in block_ports(config)]
    wrapper = ooc_wrapper(config.top, ports)
    (tmp_path / "rtl" / "wrapper.v").write_text(wrapper)
    for name, _, _ in ports:
        assert f".{name}(" in wrapper
    subprocess.run([require("iverilog"), "-g2012", "-o", str(tmp_path / "sim"),
                    "-s", "fdagen_ooc_wrapper", str(tmp_path / "rtl" / f"{config.top}.v"),
                    str(tmp_path / "rtl" / "wrapper.v")], check=True, capture_output=True)


def test_accelerator_synthesizes(tmp_path, capsys):
    """Without --block, synth takes the accelerator's options (a small one: Yosys ~45 s)."""
    out = tmp_path / "accel"
    assert main(["synth", "--target", "generic", "--pes", "2", "--fft-size", "4",
                 "--max-channels", "2", "--max-out-channels", "2", "--max-size", "8",
                 "--out", str(out)]) == 0
    report = json.loads((out / "synth.json").read_text())
    assert report["top"] == "fdagen_accel_p2_n4" and report["command"].startswith(
        "fdagen synth --target generic --freq 100 --pes 2")
    assert sum(report["yosys_cells"].values()) > 1000
    assert main(["synth", "--target", "generic", "--pes", "2", "--block", "fft",
                 "--fft-size", "8", "--out", str(tmp_path / "x")]) == 2
    assert "--pes applies to the accelerator, not --block builds" in capsys.readouterr().err
