"""Verilator lint of generated Verilog, with the one list of waived warning classes.

Every generated configuration must pass ``verilator --lint-only -Wall`` with only the classes
in :data:`fdagen.emit.verilog.VERILATOR_WAIVERS` waived, each for the reason given there.
"""

import subprocess

from fdagen.emit.verilog import VERILATOR_WAIVERS
from fdagen.flows.tools import require, tool_env

__all__ = ["VERILATOR_WAIVERS", "lint"]

def lint(paths, top=None):
    """Run ``verilator --lint-only -Wall`` on ``paths``; raise CalledProcessError on findings."""
    command = [require("verilator"), "--lint-only", "-Wall"]
    command += [f"-Wno-{name}" for name in sorted(VERILATOR_WAIVERS)]
    if top:
        command += ["--top-module", top]
    return subprocess.run(command + [str(p) for p in paths], env=tool_env(), check=True,
                          capture_output=True, text=True)
