"""fdagen formal: the stream-contract proofs pass on the generated blocks, every mutant fails on
a property, and a proof bounded too short for its drain fails (the properties are not vacuous).

The N = 4 natural-order core and the 4x4 2-D blocks take 3 to 7 minutes each and are marked slow
(FDAGEN_FULL=1); the rest run in CI (about 2 minutes of CPU), the 2-D FFT's mutant included.
"""

import pytest

from conftest import FULL
from fdagen.cli import main
from fdagen.flows.formal import MUTANTS, PROOFS, run_mutant, run_proof

SLOW_PROOFS = ("fft-core-n4-natural", "fft2d-n4", "ifft2d-n4")


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[pytest.mark.slow] if name in SLOW_PROOFS else [])
    for name in PROOFS if FULL or name not in SLOW_PROOFS])
def test_proof_passes(name, tmp_path):
    result = run_proof(name, tmp_path / name)
    assert result.status == "pass", (result.failed, result.directory)


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_caught(name, tmp_path):
    result = run_mutant(name, tmp_path / name)
    assert result.status == "fail" and result.failed in MUTANTS[name].expect, \
        (result.status, result.failed)


def test_every_property_catches_a_mutant():
    """Each stream property and each look-ahead field is the one expected to fail for some
    mutant (test_mutant_is_caught checks it does)."""
    expected = {p for m in MUTANTS.values() for p in m.expect}
    assert {"hold", "last", "causal", "drained", "equal_space"} <= expected


def test_too_short_a_drain_fails_drained(tmp_path):
    """The drain bound is needed: with fewer cycles than the core's latency the frames cannot
    have left, so `drained` fails (frames do reach the output within the proof)."""
    from fdagen.flows.formal import _run
    from fdagen.gateware.fft.core import FFTCore
    from fdagen.gateware.formal.stream_contract import StreamContractHarness
    from fdagen.golden.fft import FFTFormat

    core = FFTCore(FFTFormat(4, 4, 4, "per_stage", "convergent"))
    harness = StreamContractHarness(core, input_frame=4, output_frame=4, feed=6, stall=6,
                                    drain=core.latency - 1)
    result = _run(harness, "short-drain", tmp_path / "short")
    assert (result.status, result.failed) == ("fail", "drained")


def test_cli_lists_and_runs_a_proof(tmp_path, capsys):
    assert main(["formal", "--list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in (*PROOFS, *MUTANTS))
    out = tmp_path / "formal"
    assert main(["formal", "--proof", "fft-lookahead", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fft-lookahead" in text and "lookahead-space" in text and "caught by equal_space" in \
        text and "2 of 2 checks as expected" in text
    assert (out / "fft-lookahead" / "proof.sby").is_file()


def test_cli_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["formal", "--proof", "fft"])
    assert exit_info.value.code == 2
    assert "argument --proof: must be a comma-separated list of fft-lookahead" in \
        capsys.readouterr().err
    assert main(["formal", "--mutant", "core-last-inverted", "--no-mutants"]) == 2
    assert capsys.readouterr().err == ("fdagen: error: --mutant and --no-mutants must not be "
                                       "given together\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    assert main(["formal", "--proof", "fft-lookahead", "--out", str(tmp_path / "full")]) == 2
    assert "must be empty or new" in capsys.readouterr().err
