"""Verilator lint of generated Verilog, with the one list of waived warning classes.

Every generated configuration must pass ``verilator --lint-only -Wall`` with only these
classes waived, each for the reason given.
"""

import subprocess

from .tools import require, tool_env

__all__ = ["VERILATOR_WAIVERS", "lint"]

VERILATOR_WAIVERS = {
    "PROCASSINIT": "Amaranth declares registers with their reset value (`reg x = init;`); the "
                   "initial value is intended and matches the synchronous reset.",
    "UNUSEDSIGNAL": "Amaranth's Verilog backend keeps full-width intermediate wires (the carry "
                    "bit of an n-bit increment, say) of which only some bits are read.",
    "WIDTHEXPAND": "Yosys writes expressions relying on Verilog's context-determined widths "
                   "(narrower signed operands sign-extend); Amaranth fixes every width, and "
                   "the Verilog is checked bit-exact against the golden model in simulation.",
    "WIDTHTRUNC": "The same: Yosys assigns wide intermediate results to the narrower nets "
                  "Amaranth declared, truncating as Amaranth's semantics define.",
    "CASEOVERLAP": "Yosys writes each parallel multiplexer (`$pmux`, from `proc`) as a "
                   "`parallel_case` casez function with one pattern per select bit (`?1`, "
                   "`1?`); the patterns overlap only for selects with several bits set, which "
                   "`proc` never builds (its selects come from mutually exclusive case arms).",
    "DECLFILENAME": "One generated file holds a block and its submodules, which Amaranth names "
                    "hierarchically (`top.stage0`), so module and file names differ by design.",
}


def lint(paths, top=None):
    """Run ``verilator --lint-only -Wall`` on ``paths``; raise CalledProcessError on findings."""
    command = [require("verilator"), "--lint-only", "-Wall"]
    command += [f"-Wno-{name}" for name in sorted(VERILATOR_WAIVERS)]
    if top:
        command += ["--top-module", top]
    return subprocess.run(command + [str(p) for p in paths], env=tool_env(), check=True,
                          capture_output=True, text=True)
