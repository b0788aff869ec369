"""The generated Verilog is readable and lint clean at every configuration of the test matrix.

Readable: registers keep their Amaranth names (no ``$signal$NN`` from tuple-style signal
declarations), RAMs carry no per-word initialiser (the only initialised memories are the few
words of Amaranth's FIFOs), and no zero-width wires (``[-1:0]``) appear.
"""

import re

import pytest

from fdagen.arch.config import AcceleratorConfig
from fdagen.emit.accelerator import render_accelerator
from fdagen.emit.outdir import verilog_sources, write_output_directory
from fdagen.flows.lint import lint

#: Configurations every accelerator test uses somewhere, plus the corners that once emitted
#: ``wire [-1:0]`` (one output-channel slot per IFFT lane).
MATRIX = [
    dict(pes=1), dict(pes=2), dict(pes=3), dict(pes=4, ifft_lanes=4), dict(pes=8, bin_lanes=8),
    dict(pes=1, fft_size=4, max_size=6), dict(pes=5, fft_size=16, max_size=20),
    dict(pes=12, fft_size=8, max_channels=6), dict(pes=16, bin_lanes=2, fft_lanes=1),
    dict(pes=64),
    dict(pes=64, pe_kind="reram"),
    dict(pes=4, pe_kind="reram", fft_size=4, max_channels=4, max_out_channels=4, max_size=8,
         data_width=8, weight_width=8, spectrum_width=10, xbar_rows=16, adc_share=4,
         adc_bits=3),
    # the builds tests/gateware/test_crossbar_accelerator.py simulates in Amaranth
    dict(pes=2, pe_kind="reram", fft_size=4, max_channels=3, max_out_channels=3, max_size=8,
         data_width=6, weight_width=6, spectrum_width=8, xbar_rows=32, adc_share=3),
    dict(pes=4, bin_lanes=2, pe_kind="reram", fft_size=4, max_channels=2, max_out_channels=4,
         max_size=8, data_width=6, weight_width=6, spectrum_width=8, xbar_rows=8, adc_bits=2,
         adc_share=3, max_attempts=3),
    # resident weights: tests/gateware/test_resident_weights.py and the Icarus reram test
    dict(pes=2, fft_size=4, data_width=6, weight_width=6, spectrum_width=8, max_size=8,
         max_channels=3, max_out_channels=3, weight_sets=48),
    dict(pes=2, fft_size=4, data_width=6, weight_width=6, spectrum_width=8, max_size=8,
         max_channels=3, max_out_channels=3, weight_sets=48, pe_kind="reram", xbar_rows=32,
         adc_share=3),
    dict(pes=4, pe_kind="reram", fft_size=4, max_channels=4, max_out_channels=4, max_size=8,
         data_width=8, weight_width=8, spectrum_width=10, xbar_rows=16, adc_share=4,
         adc_bits=3, weight_sets=24),
    # the small LeNet-5 reram build tests/flows/test_reram_accelerator_rtl.py runs
    dict(pes=16, pe_kind="reram", data_width=8, weight_width=8, spectrum_width=12, dac_bits=4,
         cell_bits=4, adc_share=1, adc_bits=6),
    # the polyphase layers' build (tests/flows/test_accelerator_rtl.py) and the whole-LeNet-5
    # builds `fdagen sim net` makes (tests/flows/test_network_rtl.py)
    dict(pes=4, max_channels=16, max_out_channels=4, max_size=12),
    dict(pes=64, max_channels=16, max_out_channels=120, max_size=32, weight_sets=100),
    dict(pes=16, max_channels=16, max_out_channels=120, max_size=32, weight_sets=400),
    # tile blocks, streamed groups and wide weight beats (tests/gateware/test_accelerator.py,
    # tests/flows/test_accelerator_rtl.py) and bench/efficiency.py's AlexNet-conv3-like build
    dict(pes=2, max_channels=2, max_out_channels=5, max_size=16, spectrum_tiles=2),
    dict(pes=4, bin_lanes=1, weight_beat_words=2, spectrum_tiles=4, max_channels=3,
         max_out_channels=9, max_size=16),
    dict(pes=16, max_channels=32, max_out_channels=48, max_size=17, weight_beat_words=8),
    dict(pes=4, bin_lanes=2, fft_lanes=2, ifft_lanes=1, spectrum_tiles=4, max_channels=2,
         max_out_channels=5, max_size=16),
    dict(pes=4, bin_lanes=2, fft_lanes=2, max_channels=3, max_out_channels=9, max_size=16,
         spectrum_tiles=4),
    dict(pes=16, max_channels=4, max_out_channels=64, max_size=16, weight_beat_words=8),
    # wide pixel beats with two overlap-add banks (tests/gateware/test_accelerator.py,
    # tests/model/test_cycle_model.py) and bench/efficiency.py's builds at four bin lanes
    dict(pes=4, max_channels=3, max_out_channels=4, max_size=16, pixel_beat_words=8),
    dict(pes=16, bin_lanes=4, max_channels=4, max_out_channels=16, max_size=16,
         weight_beat_words=4, pixel_beat_words=8),
    dict(pes=16, bin_lanes=4, max_channels=6, max_out_channels=16, max_size=32,
         weight_beat_words=4, pixel_beat_words=8),
    dict(pes=16, bin_lanes=4, max_channels=32, max_out_channels=48, max_size=17,
         weight_beat_words=4, pixel_beat_words=8),
    # overlap-add rings of 16 rows of 33, two groups over blocks of four tiles
    # (test_accelerator.py::test_overlap_add_rings_under_backpressure)
    dict(pes=4, bin_lanes=1, max_channels=2, max_out_channels=8, max_size=26, spectrum_tiles=4),
    # 3-D builds: the Verilator layer (tests/flows/test_accelerator_rtl.py), layers at N = 4
    # on an N = 8 build and slabs in overlap-add rings (tests/gateware/test_accelerator3d.py)
    dict(pes=16, dims=3, max_channels=3, max_out_channels=8, max_size=18),
    dict(pes=4, bin_lanes=2, fft_size=8, dims=3, max_channels=2, max_out_channels=4,
         max_size=8),
    dict(pes=2, fft_size=4, dims=3, max_channels=1, max_out_channels=4, max_size=10,
         spectrum_tiles=4),
    # the ECP5 multipliers (MULT18X18D instances and their model): bench/accel_fmax.py's P = 16
    # build, the Icarus run at N = 16 (tests/flows/test_accelerator_rtl.py) and the 3-D
    # FuseSoC testbench build (tests/emit/test_fusesoc.py)
    dict(pes=16, max_channels=4, max_out_channels=8, max_size=16, dsp="ecp5"),
    dict(pes=4, bin_lanes=2, fft_size=16, max_channels=2, max_out_channels=4, max_size=14,
         dsp="ecp5"),
    dict(pes=4, dims=3, fft_size=8, max_channels=2, max_out_channels=4, max_size=8,
         dsp="ecp5"),
]


def _id(params):
    return "-".join(f"{k}{v}" for k, v in params.items())


@pytest.fixture(scope="module", params=MATRIX, ids=_id)
def rendered(request, tmp_path_factory):
    config = AcceleratorConfig(**request.param)
    files = render_accelerator(config)
    out = tmp_path_factory.mktemp("rtl") / config.top
    write_output_directory(files, out)
    return config, files, out


def test_lints_clean(rendered):
    config, files, out = rendered
    lint([out / name for name in verilog_sources(files, simulation=True)], top=config.top)


def test_names_are_amaranths(rendered):
    _, files, _ = rendered
    for name in verilog_sources(files):
        text = files[name].decode()
        generated = sorted(set(re.findall(r"\$signal\$\d+", text)))
        assert not generated, f"{name}: generated names {generated[:5]}"
        assert "[-1:0]" not in text, f"{name}: zero-width wire"


def test_rams_have_no_initialisers(rendered):
    _, files, _ = rendered
    for name in verilog_sources(files):
        text = files[name].decode()
        initialised = set(re.findall(r"^\s*(\S+)\[\d+\] = ", text, flags=re.M))
        assert initialised <= {"storage"}, f"{name}: initialised memories {sorted(initialised)}"


def test_p4_top_is_a_quarter_of_its_old_size():
    """The P = 4 top was 92 542 lines before RAM initialisers were dropped (issue 11)."""
    files = render_accelerator(AcceleratorConfig(pes=4))
    assert len(files["fdagen_accel_p4_n8.v"].splitlines()) <= 92542 // 4
