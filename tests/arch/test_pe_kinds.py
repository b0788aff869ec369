"""PE kinds: one registry, the issue interval stated once and followed everywhere.

The decisive check runs a layer in amaranth.sim on a kind whose issue interval is 3 (the digital
PE's gateware, issued more slowly): the MAC stage, the counters, the schedule and the cycle
model must all follow the kind, and the result stays bit-exact.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from support.accelsim import random_layer, run_layers

from fdagen.arch.config import AcceleratorConfig
from fdagen.arch.pe_kinds import PE_KINDS, DigitalPE, PEKind, generated_kinds, pe_kind
from fdagen.arch.schedule import LayerSchedule
from fdagen.golden.checks import ParameterError
from fdagen.golden.tiling import Tiling
from fdagen.host.descriptor import decode_output
from fdagen.model.cycles import estimate_cycles

ROOT = Path(__file__).resolve().parents[2]


def test_registry():
    assert list(PE_KINDS) == ["digital", "reram"]
    assert generated_kinds() == ("digital", "reram")
    assert pe_kind("digital").gateware == "fdagen.gateware.pe.digital:PE"
    with pytest.raises(ParameterError, match=r"^PE kind must be one of digital, reram, not 'x'$"):
        pe_kind("x")
    with pytest.raises(ParameterError, match="PE kind must be one of digital, reram"):
        AcceleratorConfig(pe_kind="analog")


def test_issue_intervals():
    assert AcceleratorConfig().issue_interval == 2                    # FDA: two cycles per MAC
    # crossbars: two phases x 16 input slices (1-bit DACs: 15 magnitude bits, the sign) x (one
    # read + 8 conversions through the ADC mux), plus taking the operation and combining
    assert AcceleratorConfig(pe_kind="reram").issue_interval == 2 * 16 * 9 + 3
    assert AcceleratorConfig(pe_kind="reram", data_width=8, dac_bits=2,
                             adc_share=1).issue_interval == 2 * 5 * 2 + 3


@pytest.mark.parametrize("kind", ["digital", "reram"])
def test_schedule_counts_with_the_kinds_interval(kind):
    config = AcceleratorConfig(pes=16, pe_kind=kind)
    schedule = LayerSchedule(config, Tiling.choose((14, 14), 5, fft_size=8), 6, 16)
    interval = config.issue_interval
    per_operation = 1 if kind == "digital" else 6        # crossbars sum every channel at once
    assert schedule.mac_operations * per_operation == 16 * 1 * 40 * 6   # B_t G U/L C
    assert schedule.scheduled_counts()["pe_busy_cycles"] == interval * schedule.mac_operations
    assert schedule.bound_cycles == interval * schedule.complex_macs / (16 * per_operation)
    assert estimate_cycles(schedule).pe_busy_cycles == interval * schedule.mac_operations


def test_a_modelled_kind_is_not_generated(monkeypatch):
    class Modelled(PEKind):
        name = "modelled"
    monkeypatch.setitem(PE_KINDS, "modelled", Modelled())
    with pytest.raises(ParameterError, match="PE kind must have gateware to be generated "
                                             r"\(digital, reram\), not 'modelled'"):
        Modelled().require_gateware()


def test_nothing_outside_the_kinds_branches_on_a_kind_name():
    """No comparison with, or dictionary keyed on, a kind's name outside fdagen/arch/pe_kinds.py
    (the CLI's defaults name ``digital`` as a value, which is not a branch)."""
    names = "|".join(PE_KINDS)
    pattern = re.compile(rf"""(==|!=|\bin|\bif)\s*\(?\s*["']({names})["']|["']({names})["']\s*:""")
    offenders = []
    for path in sorted((ROOT / "fdagen").rglob("*.py")):
        if path.name == "pe_kinds.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


class SlowDigitalPE(DigitalPE):
    """The digital PE's gateware issued every three clocks: a kind that exists only here."""
    name = "digital3"

    def issue_interval(self, config):
        return 3


@pytest.fixture
def slow_kind(monkeypatch):
    monkeypatch.setitem(PE_KINDS, "digital3", SlowDigitalPE())
    return "digital3"


def test_rtl_follows_the_kinds_issue_interval(slow_kind):
    counters = {}
    for kind in ("digital", slow_kind):
        config = AcceleratorConfig(pes=4, fft_size=8, max_channels=3, max_out_channels=5,
                                   max_size=12, pe_kind=kind)
        job = random_layer(config, np.random.default_rng(7), 3, 5, 10, 10, 3)
        (words, counts), = run_layers(config, [(job.desc, job.weights, job.pixels,
                                                job.expected.size)])
        codes = decode_output(config, [v for v, _ in words], job.descriptor)
        np.testing.assert_array_equal(codes, job.expected)
        scheduled = job.descriptor.scheduled_counts()
        assert {name: counts[name] for name in scheduled} == scheduled
        assert counts["pe_busy_cycles"] == config.issue_interval * counts["mac_operations"]
        counters[kind] = counts
    slow, fast = counters[slow_kind], counters["digital"]
    assert slow["mac_operations"] == fast["mac_operations"]
    assert slow["run_cycles"] > fast["run_cycles"]


def test_a_kind_must_declare_its_interval():
    class Incomplete(PEKind):
        name = "incomplete"
    with pytest.raises(NotImplementedError):
        Incomplete().issue_interval(AcceleratorConfig())
