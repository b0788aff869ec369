"""FDA-style processing element, digital twin: one complex multiply-accumulate every two cycles.

Bit-exact with :func:`fdagen.golden.pipeline.spectral_mac` (exact integer complex products,
accumulated exactly; the accumulator holds the worst case of ``max_terms`` products).

Overview
--------
FDA keeps a spectral weight's real and imaginary parts in two ReRAM cells and finishes a
complex multiply in two consecutive cycles. The digital twin has the two cells as two real
multipliers sharing a weight word ``(w_re, w_im)`` from the PE's weight memory:

* cycle 1 drives ``(x_re, x_im)`` onto the cells and takes ``x_re*w_re - x_im*w_im`` into the
  real accumulator;
* cycle 2 drives ``(x_im, x_re)`` and takes ``x_im*w_re + x_re*w_im`` into the imaginary one.

(FDA drives ``-x_im`` in cycle 1 and adds; subtracting instead gives the same exact sum without
the extra bit that negating ``-2**(w-1)`` would need.)

The PE is a lockstep datapath: the array around it broadcasts one operation to all its PEs
and owns flow control. An operation starts with ``start`` when ``ready`` is high (``ready``
falls for the cycle after each accepted start: one operation every two cycles; a ``start``
while ``ready`` is low is ignored) and carries ``x``, the weight ``addr``, ``first`` (start
a new sum) and ``last`` (the sum is complete). ``result_valid`` pulses :data:`PE.LATENCY`
cycles after a ``last`` operation started, with the sum on ``result_re``/``result_im`` (held
until the next result).

Weights are written through the programming port (``prog_en``, ``prog_addr``, ``prog_re``,
``prog_im``) at any time, operations in flight or not; an operation that reads the address
being written reads an undefined word in hardware (the weight memory carries Yosys's
``no_rw_check``, :func:`fdagen.gateware.common.ram.ram`; the accelerator never does that: it
writes only group buffers the array has finished, :mod:`fdagen.gateware.accel.top`).
"""

from amaranth import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, wiring

from fdagen.arch.dsp import MULT18_WIDTH, check_dsp, fits_mult18
from fdagen.gateware.common.dsp import ecp5_product
from fdagen.gateware.common.ram import ram
from fdagen.arch.pe_kinds import PE_KINDS
from fdagen.gateware.pe.signature import PESignature
from fdagen.golden.checks import ParameterError, check_int, check_range
from fdagen.golden.pipeline import accumulator_width

__all__ = ["PE"]


class PE(wiring.Component):
    """One processing element (see the module docstring).

    Parameters
    ----------
    data_width, weight_width : int
        Widths of the spectrum samples and of the weight parts.
    depth : int
        Weight words held (e.g. input channels x bins of one output channel).
    max_terms : int
        Most products in one sum; sizes the accumulator for the worst case.
    dsp : str
        How the two cells' products are registered (:data:`fdagen.arch.dsp.DSP_KINDS`):
        ``generic`` in fabric registers, ``ecp5`` in the MULT18X18D blocks' own output
        registers (same cycles and bits; operands of at most 18 bits; the Verilog then needs
        :func:`~fdagen.gateware.common.dsp.mult18x18d_model` to simulate).
    """

    #: The kind this component implements (its issue interval and latency are declared there).
    KIND = PE_KINDS["digital"]
    #: Cycles from a ``last`` operation's ``start`` to its ``result_valid``.
    LATENCY = KIND.latency
    #: Emitted as a kept hierarchy (:func:`fdagen.emit.verilog.convert`): every PE keeps its
    #: own operation registers (``first``, ``last``, ``busy``), which drive its accumulators,
    #: instead of one merged copy driving the whole array's.
    KEEP_HIERARCHY = True

    def __init__(self, data_width, weight_width, depth, max_terms, dsp="generic"):
        check_range("accelerator word width", data_width, "PE data width")
        check_range("accelerator word width", weight_width, "PE weight width")
        check_int("PE weight depth", depth, 1, 1 << 20)
        check_int("PE sum length", max_terms, 1, 1 << 20)
        self.data_width, self.weight_width = data_width, weight_width
        self.depth, self.max_terms = depth, max_terms
        self.dsp = check_dsp(dsp)
        if dsp == "ecp5" and not fits_mult18(data_width, weight_width):
            raise ParameterError(f"PE data and weight widths must be at most {MULT18_WIDTH} bits "
                                 f"for MULT18X18D products, not {data_width} and {weight_width}")
        self.acc_width = accumulator_width(data_width, weight_width, max_terms)
        if self.acc_width > 62:
            raise ParameterError(f"PE accumulator width must be at most 62 bits, not "
                                 f"{self.acc_width}")
        super().__init__(PESignature(data_width, weight_width, depth, self.acc_width))

    def elaborate(self, platform):
        m = Module()
        ww, dw, aw = self.weight_width, self.data_width, self.acc_width
        cell = data.StructLayout({"re": signed(ww), "im": signed(ww)})
        accept = Signal()          # a start the PE takes (not in the cycle after another)
        # a group's buffer is programmed only once the array is done with the group it held,
        # and read only once its group is in: no read meets a write
        m.submodules.cells = cells = ram(cell, self.depth, read_old_data=False)
        program = cells.write_port()
        read = cells.read_port()
        m.d.comb += [
            program.addr.eq(self.prog_addr), program.en.eq(self.prog_en),
            program.data.re.eq(self.prog_re), program.data.im.eq(self.prog_im),
            read.addr.eq(self.addr), read.en.eq(accept),
        ]

        # Operation registers. Clock 0 takes the start (the weight read issued, x held); clock
        # 1 has the weight word: it and x move to the operand registers, so that neither the
        # memory's read nor x's source is in a multiplier's path; clocks 2 and 3 are the two
        # cell cycles; clocks 3 and 4 add into the real and the imaginary sum. A new operation
        # may start in clock 2, when the operand registers are still this one's.
        # Each cell's x operand is a register of its own, which swaps x_re and x_im between
        # the two cell cycles: a multiplier's inputs are flip-flops, with no mux between.
        x_re = Signal(signed(dw), name="x_re_held", reset_less=True)
        x_im = Signal(signed(dw), name="x_im_held", reset_less=True)
        x_for_re = Signal(signed(dw), name="x_operand_re_cell", reset_less=True)
        x_for_im = Signal(signed(dw), name="x_operand_im_cell", reset_less=True)
        w = Signal(cell, name="w_operand", reset_less=True)
        # the operation's flags at each clock: busy{i}, first{i}, last{i} for clock i
        busy = [None] + [Signal(name=f"busy{i}") for i in range(1, 5)]
        first = [None] + [Signal(name=f"first{i}") for i in range(1, 5)]
        last = [None] + [Signal(name=f"last{i}") for i in range(1, 5)]
        m.d.comb += [
            self.ready.eq(~busy[1]),
            accept.eq(self.start & ~busy[1]),
            self.busy.eq(Cat(*busy[1:]).any()),
        ]
        with m.If(accept):
            m.d.sync += [x_re.eq(self.x_re), x_im.eq(self.x_im)]
        with m.If(busy[1]):
            m.d.sync += [x_for_re.eq(x_re), x_for_im.eq(x_im), w.eq(read.data)]
        with m.If(busy[2]):                 # never with busy[1]: one start every two clocks
            m.d.sync += [x_for_re.eq(x_for_im), x_for_im.eq(x_for_re)]
        m.d.sync += [busy[1].eq(accept), first[1].eq(self.first), last[1].eq(self.last)]
        for i in range(2, 5):
            m.d.sync += [busy[i].eq(busy[i - 1]), first[i].eq(first[i - 1]),
                         last[i].eq(last[i - 1])]

        # The two cells: clock 2 drives (x_re, x_im), clock 3 (x_im, x_re).
        # the datapath registers are not reset (a sum starts with ``first``)
        if self.dsp == "ecp5":
            # (the DSP blocks' output registers: a product crosses the routing to the DSP in
            # one clock and from it in the next)
            cell_re = ecp5_product(m, "cell_re", x_for_re, w.re, 1)
            cell_im = ecp5_product(m, "cell_im", x_for_im, w.im, 1)
        else:
            cell_re = Signal(signed(dw + ww), reset_less=True)      # product on the w_re cell
            cell_im = Signal(signed(dw + ww), reset_less=True)      # product on the w_im cell
            m.d.sync += [cell_re.eq(x_for_re * w.re), cell_im.eq(x_for_im * w.im)]
        # Clock 3: real part = cell_re - cell_im; clock 4: imag = cell_re + cell_im.
        acc_re = Signal(signed(aw), reset_less=True)
        acc_im = Signal(signed(aw), reset_less=True)
        with m.If(busy[3]):
            m.d.sync += acc_re.eq(Mux(first[3], 0, acc_re) + (cell_re - cell_im))
        with m.If(busy[4]):
            m.d.sync += acc_im.eq(Mux(first[4], 0, acc_im) + (cell_re + cell_im))
        m.d.sync += self.result_valid.eq(busy[4] & last[4])
        # the sums' registers are data too (read only with result_valid)
        result_re = Signal(signed(aw), name="sum_re", reset_less=True)
        result_im = Signal(signed(aw), name="sum_im", reset_less=True)
        with m.If(busy[4] & last[4]):
            m.d.sync += [result_re.eq(acc_re),
                         result_im.eq(Mux(first[4], 0, acc_im) + (cell_re + cell_im))]
        m.d.comb += [self.result_re.eq(result_re), self.result_im.eq(result_im)]
        return m
