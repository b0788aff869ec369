"""Random-access memories whose contents start undefined.

Every RAM in the generated design is written before any word of it is read that can reach an
output (buffers, weight memories, delay lines): no behaviour depends on what a RAM holds at
power-up. :func:`ram` marks such a memory so that the Verilog carries no initialiser for it
(:func:`fdagen.emit.verilog.convert` drops them): an FPGA or ASIC flow then sees a plain RAM,
and the file is not tens of thousands of ``mem[i] = 0`` lines. Amaranth simulation still starts
it at zero. A memory whose initial contents matter (a ROM, say) must not use :func:`ram`.
"""

from amaranth.lib import memory

__all__ = ["ram", "UNDEFINED_INIT"]

#: Memory attribute that marks a RAM whose initial contents the design never relies on.
UNDEFINED_INIT = "fdagen_undefined_init"


def ram(shape, depth):
    """A ``depth``-word :class:`amaranth.lib.memory.Memory` of ``shape`` with undefined initial
    contents (see the module docstring); add ports with ``read_port()``/``write_port()``."""
    return memory.Memory(shape=shape, depth=depth, init=[], attrs={UNDEFINED_INIT: 1})
