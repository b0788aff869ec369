"""Random-access memories whose contents start undefined.

Every RAM in the generated design is written before any word of it is read that can reach an
output (buffers, weight memories, delay lines): no behaviour depends on what a RAM holds at
power-up. :func:`ram` marks such a memory so that the Verilog carries no initialiser for it
(:func:`fdagen.emit.verilog.convert` drops them): an FPGA or ASIC flow then sees a plain RAM,
and the file is not tens of thousands of ``mem[i] = 0`` lines. Amaranth simulation still starts
it at zero. A memory whose initial contents matter (a ROM, say) must not use :func:`ram`.

A read port of an Amaranth memory returns the word as it was before a write of the same clock
to the same address. A block RAM's ports cannot do that across ports (an ECP5 DP16KD's
collision result is undefined), so Yosys builds it around the RAM: a register of the write
data and address, and per read port an address compare and a mux before the port's output,
in the path from the read address to the data. A buffer that hands words from a writer to a
reader never reads a word in the clock it is written; such a memory is made with
``read_old_data=False``: it carries Yosys's ``no_rw_check`` attribute (no collision logic;
a collision would read an undefined word), and the accelerator's simulation harness checks
that no read and write of it meet (:func:`collision_free_rams` collects these memories).
"""

import contextlib

from amaranth.lib import memory

__all__ = ["ram", "collision_free_rams", "block_ram_depth", "UNDEFINED_INIT", "NO_RW_CHECK"]

#: Memory attribute that marks a RAM whose initial contents the design never relies on.
UNDEFINED_INIT = "fdagen_undefined_init"
#: Yosys's memory attribute: no read of the memory meets a write of the same address.
NO_RW_CHECK = "no_rw_check"

_collecting = []            # the open collision_free_rams() lists, innermost last


def ram(shape, depth, *, read_old_data=True):
    """A ``depth``-word :class:`amaranth.lib.memory.Memory` of ``shape`` with undefined initial
    contents (see the module docstring); add ports with ``read_port()``/``write_port()``.

    ``read_old_data=False`` promises that the design never reads an address in the clock it
    writes it (the memory gets ``no_rw_check``; see the module docstring): the caller says
    why where it makes the memory."""
    attrs = {UNDEFINED_INIT: 1}
    if not read_old_data:
        attrs[NO_RW_CHECK] = 1
    mem = memory.Memory(shape=shape, depth=depth, init=[], attrs=attrs, src_loc_at=1)
    if not read_old_data and _collecting:
        _collecting[-1].append(mem)
    return mem


#: An ECP5 block RAM's (18 Kbit) words at each data width, narrowest first: the DP16KD's
#: 1, 2, 4, 9 and 18 bits and the PDPW16KD's 36 (Lattice FPGA-TN-02204, "ECP5 and ECP5-5G
#: Memory Usage Guide", the sysMEM configurations; Yosys's ``techlibs/lattice/brams_16kd.txt``
#: maps these).
BLOCK_RAM_CONFIGS = ((1, 16384), (2, 8192), (4, 4096), (9, 2048), (18, 1024), (36, 512))


def block_ram_depth(width):
    """Words of the deepest memory of ``width``-bit words that one block RAM of each
    ``BLOCK_RAM_CONFIGS`` width holds side by side (wider words take blocks side by side).
    A memory no deeper maps to block RAMs with no depth cascade, so a read's word comes from
    one block's output, not through a mux of blocks; a deeper one split into parts of this
    depth, each read into a register of its own, keeps the mux after those registers."""
    return next((depth for bits, depth in BLOCK_RAM_CONFIGS if width <= bits),
                BLOCK_RAM_CONFIGS[-1][1])


@contextlib.contextmanager
def collision_free_rams():
    """Context manager: a list that collects every memory :func:`ram` makes with
    ``read_old_data=False`` while it is open (elaborate a design inside it to find the
    memories whose ports a simulation should watch)."""
    found = []
    _collecting.append(found)
    try:
        yield found
    finally:
        _collecting.pop()
