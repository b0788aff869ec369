"""Registered multipliers: a product register in the fabric, or in an ECP5 DSP block.

A pipeline stage that forms ``a * b`` and registers it on its step enable can be built two ways
with the same cycle behaviour and the same bits (:data:`fdagen.arch.dsp.DSP_KINDS`):

``generic``
    ``a * b`` into an Amaranth register (portable Verilog). Yosys's ``synth_ecp5`` maps the
    ``*`` to a MULT18X18D but leaves the block's own registers bypassed
    (``techlibs/lattice/dsp_map_18x18.v``), so the product crosses the routing to a fabric
    flip-flop after the multiplier: operand register -> DSP -> product register is one cycle.
``ecp5``
    A ``MULT18X18D`` instance with its output register on (``REG_OUTPUT_CLK = "CLK0"``), clock
    enable ``CE0`` = the step enable, synchronous reset ``RST0`` = the domain's reset. The
    register sits inside the DSP block: nextpnr-ecp5 0.11 times the block with the
    ``MULT18X18D:REGS=OUTPUT`` entry of the prjtrellis timing database (speed 6: 3.49 ns
    setup of A/B to CLK0, which contains the multiply, and 0.74 ns CLK0 -> P; unregistered,
    A/B -> P is 3.93 ns), see ``ecp5/pack.cc`` (``timing_id``) and ``ecp5/arch.cc``
    (``getPortClockingInfo``). Only operands of at most 18 bits fit one block
    (:func:`fits_mult18`).

The behaviour relied on is that of Lattice's ECP5U simulation library ``MULT18X18D.v`` (from
Diamond's ``cae_library``, read in a public copy: TarikHamedovic/SDR-HLS,
``1.RTLImplementation/2.sim/Multiplier/MULT18X18D.v``), which TN1267 ("ECP5 and ECP5-5G
sysDSP Usage Guide", not at hand here) describes in prose: ``SIGNEDA``/``SIGNEDB`` high make
A/B two's complement, each extended from bit 17; ``P[35:0]`` is the product; a register with
``RESETMODE = "SYNC"`` clears on a clock edge with its ``RST`` high, else loads on one with
its ``CE`` high, else holds (reset first, as an Amaranth register's domain reset);
``GSR = "DISABLED"`` keeps the global set/reset off it. ``SOURCEA``/``SOURCEB`` low select the A/B ports (not the shift chains), as
Yosys's own mapping ties them; the cascade inputs ``SRIA``/``SRIB`` stay unconnected, since
nextpnr cannot route a constant to them (YosysHQ/nextpnr#208).

Nothing installed here models the primitive (Yosys has only a black box, ``cells_bb_ecp5.v``,
and Lattice's library is not redistributable), so :func:`mult18x18d_model` writes a model of
our own of the subset used, for simulation only, beside Verilog that instantiates it.
"""

from amaranth import Cat, ClockSignal, Instance, ResetSignal, Signal, signed

from fdagen.arch.dsp import MULT18_WIDTH, fits_mult18
from fdagen.golden.checks import ParameterError

__all__ = ["MULT18X18D_MODEL", "ecp5_product", "mult18x18d_model"]

#: File name of the simulation model in an output directory.
MULT18X18D_MODEL = "MULT18X18D_sim.v"

#: The MULT18X18D configuration :func:`ecp5_product` instantiates (everything else is the
#: primitive's default, none of which affects this use: input and pipeline registers off).
ECP5_PRODUCT_PARAMETERS = {
    "REG_INPUTA_CLK": "NONE", "REG_INPUTB_CLK": "NONE", "REG_PIPELINE_CLK": "NONE",
    "REG_OUTPUT_CLK": "CLK0", "REG_OUTPUT_CE": "CE0", "REG_OUTPUT_RST": "RST0",
    "RESETMODE": "SYNC", "GSR": "DISABLED",
}


def ecp5_product(m, name, a, b, enable):
    """Return a signal ``name`` that takes ``a * b`` (signed) on each clock with ``enable``
    high, as a MULT18X18D's output register (see the module docstring).

    The same cycle behaviour as an Amaranth register ``name`` of the product's width loaded
    with ``a * b`` under ``enable``, reset to 0 by the domain's reset. ``a`` and ``b`` are
    signed values of at most 18 bits (:func:`fits_mult18`); the instance is added to ``m`` as
    ``{name}_mult18``.
    """
    width = len(a) + len(b)
    if not fits_mult18(len(a), len(b)):
        raise ParameterError(f"MULT18X18D operands must be at most {MULT18_WIDTH} bits, not "
                             f"{len(a)} x {len(b)}")
    product = Signal(signed(width), name=name)
    p = product
    if width < 2 * MULT18_WIDTH:                  # P above the product: read by no one
        p = Cat(product, Signal(2 * MULT18_WIDTH - width, name=f"{name}_unused"))
    # A and B sign-extended to 18 bits (the top bit repeated).
    ports = {f"i_A{k}": a[min(k, len(a) - 1)] for k in range(MULT18_WIDTH)}
    ports.update({f"i_B{k}": b[min(k, len(b) - 1)] for k in range(MULT18_WIDTH)})
    ports.update({f"o_P{k}": p[k] for k in range(2 * MULT18_WIDTH)})
    m.submodules[f"{name}_mult18"] = Instance(
        "MULT18X18D",
        **{f"p_{key}": value for key, value in ECP5_PRODUCT_PARAMETERS.items()},
        i_SIGNEDA=1, i_SIGNEDB=1, i_SOURCEA=0, i_SOURCEB=0,
        i_CLK0=ClockSignal(), i_CE0=enable, i_RST0=ResetSignal(), **ports)
    return product


def _bits(prefix, count):
    return [f"{prefix}{k}" for k in range(count)]


def _declare(direction, names, per_line=9):
    """Port declarations, ``per_line`` names to a line."""
    return [f"    {direction} wire " + ", ".join(names[i:i + per_line]) + ","
            for i in range(0, len(names), per_line)]


def mult18x18d_model():
    """Verilog text of a behavioural model of the MULT18X18D subset fdagen instantiates.

    SIMULATION ONLY (Icarus ``-g2012``, Verilator). Ports: ``A0..17``, ``B0..17``,
    ``SIGNEDA``, ``SIGNEDB``, ``SOURCEA``, ``SOURCEB``, ``CLK0``, ``CE0``, ``RST0``,
    ``P0..35``. Parameters beyond the subset stop the simulation at time 0 (``$fatal``):
    ``REG_INPUTA_CLK``, ``REG_INPUTB_CLK``, ``REG_PIPELINE_CLK`` and ``REG_OUTPUT_CLK`` may be
    ``"NONE"`` or ``"CLK0"``, each register's CE and RST must be ``CE0``/``RST0``,
    ``RESETMODE`` ``"SYNC"``, ``GSR`` ``"DISABLED"``, ``SOURCEB_MODE`` ``"B_SHIFT"`` and
    ``MULT_BYPASS`` ``"DISABLED"``. ``SOURCEA``/``SOURCEB`` must be 0 (else ``P`` is X).

    Behaviour (see the module docstring for the sources): A and B, each with its
    ``SIGNED`` bit, pass through the input registers if on; the 36-bit product of the two
    18-bit operands (each zero- or sign-extended by its ``SIGNED`` bit) passes through the
    pipeline and output registers if on; so with input and output registers on, ``P`` shows
    the product of the operands two enabled clocks back. Every register: reset on a clock
    with ``RST0``, else load on a clock with ``CE0``, else hold; all start at 0 (power-up).
    """
    a, b, p = _bits("A", 18), _bits("B", 18), _bits("P", 36)
    registers = ("INPUTA", "INPUTB", "PIPELINE", "OUTPUT")
    params = []
    for reg in registers:
        params += [f'    parameter REG_{reg}_CLK = "NONE",', f'    parameter REG_{reg}_CE = "CE0",',
                   f'    parameter REG_{reg}_RST = "RST0",']
    params += ['    parameter RESETMODE = "SYNC",', '    parameter GSR = "ENABLED",',
               '    parameter SOURCEB_MODE = "B_SHIFT",', '    parameter MULT_BYPASS = "DISABLED"']
    checks = []
    for reg in registers:
        checks += [f'        if (REG_{reg}_CLK != "NONE" && REG_{reg}_CLK != "CLK0" ||',
                   f'                REG_{reg}_CE != "CE0" || REG_{reg}_RST != "RST0")',
                   f'            $fatal(1, "MULT18X18D model: unsupported REG_{reg}_*");']
    checks += [
        '        if (RESETMODE != "SYNC" || GSR != "DISABLED" || SOURCEB_MODE != "B_SHIFT" ||',
        '                MULT_BYPASS != "DISABLED")',
        '            $fatal(1, "MULT18X18D model: unsupported RESETMODE/GSR/SOURCEB_MODE/'
        'MULT_BYPASS");',
    ]
    lines = [
        "// SIMULATION ONLY: behavioural model of the subset of the Lattice ECP5 MULT18X18D",
        "// (18x18 multiplier with optional input, pipeline and output registers) that fdagen",
        "// instantiates; written from the primitive's behaviour in Lattice's ECP5U simulation",
        "// library (see fdagen.gateware.common.dsp), not copied from it. Not for synthesis:",
        "// synth_ecp5 knows MULT18X18D as a hard block, and files.f leaves this file out.",
        "// Unsupported parameter values stop the simulation at time 0.",
        "module MULT18X18D #(",
        *params,
        ") (",
        *_declare("input", a), *_declare("input", b),
        "    input wire SIGNEDA, SIGNEDB, SOURCEA, SOURCEB, CLK0, CE0, RST0,",
        *_declare("output", p)[:-1], _declare("output", p)[-1].rstrip(","),
        ");",
        "    initial begin",
        *checks,
        "    end",
        "",
        "    wire [17:0] a = {" + ", ".join(reversed(a[9:])) + ",",
        "                     " + ", ".join(reversed(a[:9])) + "};",
        "    wire [17:0] b = {" + ", ".join(reversed(b[9:])) + ",",
        "                     " + ", ".join(reversed(b[:9])) + "};",
        "    // input registers (with their SIGNED bits), pipeline and output registers",
        "    reg [17:0] a_reg = 18'd0;",
        "    reg [17:0] b_reg = 18'd0;",
        "    reg signeda_reg = 1'b0;",
        "    reg signedb_reg = 1'b0;",
        "    reg [35:0] pipeline_reg = 36'd0;",
        "    reg [35:0] output_reg = 36'd0;",
        "",
        '    wire [17:0] a_in = REG_INPUTA_CLK == "CLK0" ? a_reg : a;',
        '    wire [17:0] b_in = REG_INPUTB_CLK == "CLK0" ? b_reg : b;',
        '    wire signed_a = REG_INPUTA_CLK == "CLK0" ? signeda_reg : SIGNEDA;',
        '    wire signed_b = REG_INPUTB_CLK == "CLK0" ? signedb_reg : SIGNEDB;',
        "    wire [35:0] a_ext = {{18{signed_a & a_in[17]}}, a_in};",
        "    wire [35:0] b_ext = {{18{signed_b & b_in[17]}}, b_in};",
        "    wire [35:0] product = SOURCEA === 1'b0 && SOURCEB === 1'b0 ? a_ext * b_ext : 36'bx;",
        '    wire [35:0] pipelined = REG_PIPELINE_CLK == "CLK0" ? pipeline_reg : product;',
        "",
        "    always @(posedge CLK0) begin",
        "        if (RST0) begin",
        "            a_reg <= 18'd0;",
        "            signeda_reg <= 1'b0;",
        "            b_reg <= 18'd0;",
        "            signedb_reg <= 1'b0;",
        "            pipeline_reg <= 36'd0;",
        "            output_reg <= 36'd0;",
        "        end else if (CE0) begin",
        "            a_reg <= a;",
        "            signeda_reg <= SIGNEDA;",
        "            b_reg <= b;",
        "            signedb_reg <= SIGNEDB;",
        "            pipeline_reg <= product;",
        "            output_reg <= pipelined;",
        "        end",
        "    end",
        "",
        "    assign {" + ", ".join(reversed(p[27:])) + ",",
        "            " + ", ".join(reversed(p[18:27])) + ",",
        "            " + ", ".join(reversed(p[9:18])) + ",",
        "            " + ", ".join(reversed(p[:9])) + "} =",
        '        REG_OUTPUT_CLK == "CLK0" ? output_reg : pipelined;',
        "endmodule",
        "",
    ]
    return "\n".join(lines)
