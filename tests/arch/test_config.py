"""AcceleratorConfig: flags, canonical and minimal commands, memory estimates."""

import shlex

import pytest

from fdagen.arch.config import MAX_MEMORY_WORDS, AcceleratorConfig, flag
from fdagen.cli import accelerator_config, build_parser


@pytest.mark.parametrize("params", [
    dict(), dict(pes=12, fft_size=16, max_size=20, ifft_lanes=2),
    dict(pes=8, bin_lanes=8), dict(pes=64, clock_mhz=125.5, rounding="half_up"),
    dict(pes=16, dsp="ecp5"),
])
@pytest.mark.parametrize("minimal", [False, True])
def test_commands_rebuild_the_configuration(params, minimal):
    config = AcceleratorConfig(**params)
    argv = shlex.split(config.command(minimal=minimal))[1:] + ["--out", "rtl"]
    assert accelerator_config(build_parser().parse_args(argv)) == config


def test_minimal_command_names_only_what_differs():
    assert AcceleratorConfig().command(minimal=True) == "fdagen build --pes 64"
    assert AcceleratorConfig(pes=8, bin_lanes=8).command(minimal=True) == \
        "fdagen build --pes 8 --bin-lanes 8"


def test_dsp_is_named_only_when_not_generic():
    """Generic builds keep the parameters (and so the hash) they had before ``dsp`` existed;
    an ECP5 build names it."""
    generic, ecp5 = AcceleratorConfig(pes=4), AcceleratorConfig(pes=4, dsp="ecp5")
    assert "dsp" not in generic.parameters() and "--dsp" not in generic.command()
    assert ecp5.parameters()["dsp"] == "ecp5"
    assert ecp5.command(minimal=True) == "fdagen build --pes 4 --dsp ecp5"
    assert AcceleratorConfig(pes=4, dsp="generic") == generic
    with pytest.raises(ValueError, match="DSP kind must be one of generic, ecp5, not 'dsp48'"):
        AcceleratorConfig(pes=4, dsp="dsp48")
    # the crossbar kind's PEs have no multipliers: only its tile transforms take the blocks
    AcceleratorConfig(pes=4, pe_kind="reram", data_width=24, weight_width=24, dsp="ecp5")


def test_flags():
    assert flag("clock_mhz") == "--clock" and flag("max_out_channels") == "--max-out-channels"


def test_memory_estimate_refuses_before_elaboration():
    config = AcceleratorConfig(pes=4, max_size=4096, max_channels=1024)
    assert config.derived()["memories"]["fmap"]["depth"] > MAX_MEMORY_WORDS
    with pytest.raises(ValueError, match="fmap memory depth must be at most 16777216 words"):
        config.check_generable()
    AcceleratorConfig(pes=64).check_generable()
