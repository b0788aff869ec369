# amaranth: UnusedElaboratable=no
"""The ULX3S 85F platform build, without synthesis: the board top (UART bridge and the default
small accelerator) elaborates for amaranth-boards' platform and the LPF it writes locates the
25 MHz clock and the FTDI UART pins and constrains the clock (``do_build=False``; the full
place and route is measured in BENCHMARKS.md, not in CI)."""

import json
import subprocess
from pathlib import Path

import fdagen.flows.board as board
from fdagen.arch.config import AcceleratorConfig
from fdagen.flows.board import BOARD_DEFAULTS, BUILD_NAME, prepare_board


def test_ulx3s_85f_platform_elaborates_and_writes_its_lpf(tmp_path):
    plan, platform, divisor = prepare_board(AcceleratorConfig(**BOARD_DEFAULTS), "ulx3s-85f")
    assert divisor == 217 and platform.default_clk_frequency == 25e6
    assert platform.device == "LFE5U-85F" and platform.package == "BG381"
    plan.extract(tmp_path)
    lpf = (tmp_path / f"{BUILD_NAME}.lpf").read_text()
    for line in ('LOCATE COMP "clk25_0__io" SITE "G2";', 'LOCATE COMP "uart_0__rx__io" SITE "M1";',
                 'LOCATE COMP "uart_0__tx__io" SITE "L4";', 'LOCATE COMP "led_0__io" SITE "B2";',
                 'FREQUENCY PORT "clk25_0__io" 25000000.0 HZ;'):
        assert line in lpf
    design = (tmp_path / f"{BUILD_NAME}.il").read_text()
    assert "module \\fdagen_board" in design and "uart_rx" in design
    script = (tmp_path / f"build_{BUILD_NAME}.sh").read_text()
    assert "--85k --package CABGA381 --speed 6" in script
    assert f"--report {BUILD_NAME}.pnr.json" in script


def test_board_report_from_the_build_files(tmp_path, monkeypatch):
    """``run_board_build`` reads the files the platform script writes into ``board.json`` and
    ``board.txt`` (the script itself, Yosys to ecppack, is stood in for here: those files)."""
    def script(command, cwd, **kwargs):
        out = Path(cwd)
        (out / "stat.json").write_text(json.dumps({"design": {"num_cells_by_type": {
            "TRELLIS_FF": 9, "LUT4": 12}}}))
        (out / f"{BUILD_NAME}.pnr.json").write_text(json.dumps({
            "fmax": {"clk25_0__io": {"achieved": 61.5, "constraint": 25.0}},
            "utilization": {"TRELLIS_FF": {"used": 9, "available": 83640}},
            "critical_paths": [{"path": [{"from": {"cell": "a"}, "to": {"cell": "b"},
                                          "delay": 1.5, "type": "logic"}]}]}))
        (out / f"{BUILD_NAME}.bit").write_bytes(bytes(100))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(board.subprocess, "run", script)
    report = board.run_board_build(AcceleratorConfig(**BOARD_DEFAULTS), "ulx3s-85f", tmp_path,
                                   seed=3)
    assert report["fmax_mhz"] == {"clk25_0__io": 61.5} and report["timing_met"]
    assert report["seed"] == 3 and report["bitstream_bytes"] == 100
    text = (tmp_path / "board.txt").read_text()
    assert "Fmax clk25_0__io: 61.5 MHz (constraint 25 MHz, placer heap, seed 3)" in text
    assert "timing met at 25 MHz" in text
    assert json.loads((tmp_path / "board.json").read_text())["critical_path"]["to"] == "b"
