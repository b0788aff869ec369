"""The generated FuseSoC core: every declared target runs with FuseSoC 2.4 / Edalize 0.6 (from
PyPI), and the self-checking testbench of ``fdagen build`` passes on the RTL and fails when the
golden vectors are wrong."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FULL
from fdagen.cli import main
from fdagen.flows.tools import require, tool_env

SMALL = ["--pes", "4", "--max-channels", "2", "--max-out-channels", "4", "--max-size", "8"]


def _targets(core_text):
    block = core_text.split("\ntargets:\n", 1)[1]
    return re.findall(r"^  (\w+):$", block, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("fusesoc") / "rtl"
    assert main(["build", *SMALL, "--out", str(out)]) == 0
    return out


def _fusesoc(rtl, target, work):
    env = tool_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    core = next(rtl.glob("*.core"))
    name = re.search(r"^name: (\S+)$", core.read_text(), flags=re.MULTILINE).group(1)
    return subprocess.run([str(Path(sys.executable).parent / "fusesoc"), "--cores-root",
                           str(rtl), "run", "--build-root", str(work), "--target", target, name],
                          capture_output=True, text=True, env=env, cwd=work.parent)


def test_core_declares_only_targets_that_run(small_build):
    core = next(small_build.glob("*.core")).read_text()
    assert _targets(core) == ["default", "lint", "sim"]


@pytest.mark.parametrize("target", ["default", "lint", "sim"])
def test_fusesoc_target_runs(small_build, target, tmp_path):
    result = _fusesoc(small_build, target, tmp_path / "build")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    if target == "sim":
        assert re.search(r"PASS: 144 outputs equal to the golden model, 31 counters",
                         result.stdout), result.stdout[-2000:]


def _icarus(rtl, tmp_path):
    top = next(rtl.glob("*.core")).stem
    sources = (rtl / "sim_files.f").read_text().split()
    binary = tmp_path / "tb.vvp"
    subprocess.run([require("iverilog"), "-g2012", "-o", str(binary), *sources, f"{top}_tb.v"],
                   cwd=rtl, check=True)
    return subprocess.run([require("vvp"), "-n", str(binary)], cwd=rtl, capture_output=True,
                          text=True)


def test_testbench_catches_a_wrong_output(small_build, tmp_path):
    """One golden code changed: the testbench stops with $fatal (exit status 1) at that output."""
    broken = tmp_path / "rtl"
    broken.mkdir()
    for path in small_build.iterdir():
        if path.is_file():
            (broken / path.name).write_bytes(path.read_bytes())
    expected = next(broken.glob("*_tb_expected.hex"))
    lines = expected.read_text().splitlines()
    lines[19] = f"{int(lines[19], 16) ^ 1:0{len(lines[19])}x}"
    expected.write_text("\n".join(lines) + "\n")
    result = _icarus(broken, tmp_path)
    assert result.returncode == 1 and "FAIL: output 19 is" in result.stdout, result.stdout[-2000:]


OTHER_BUILDS = [
    pytest.param(["--pes", "4", "--dims", "3", "--fft-size", "4", "--max-channels", "2",
                  "--max-out-channels", "4", "--max-size", "6"], id="3d"),
    # the ECP5 multipliers in a 3-D build (the PEs' and the 3-D transforms' MULT18X18D
    # instances, the primitive's model first in sim_files.f)
    pytest.param(["--pes", "4", "--dims", "3", "--fft-size", "8", "--max-channels", "2",
                  "--max-out-channels", "4", "--max-size", "8", "--dsp", "ecp5"],
                 id="3d-ecp5"),
    # the crossbar macro models run slowly on Icarus (minutes): with FDAGEN_FULL=1 only
    pytest.param(["--pes", "4", "--pe-kind", "reram", "--max-channels", "2",
                  "--max-out-channels", "4", "--max-size", "8"], id="reram",
                 marks=pytest.mark.slow),
]


@pytest.mark.parametrize("argv", OTHER_BUILDS if FULL else OTHER_BUILDS[:2])
def test_testbench_passes_on_other_builds(argv, tmp_path):
    """A 3-D build, one with the ECP5 multipliers, and the crossbar kind (the models of their
    primitives and macros through sim_files.f)."""
    rtl = tmp_path / "rtl"
    assert main(["build", *argv, "--out", str(rtl)]) == 0
    result = _icarus(rtl, tmp_path)
    assert result.returncode == 0 and "PASS:" in result.stdout, result.stdout[-2000:]
