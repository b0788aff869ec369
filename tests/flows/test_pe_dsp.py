# amaranth: UnusedElaboratable=no
"""The digital PE with its products in MULT18X18D output registers (``dsp="ecp5"``) against the
generic PE, in Icarus: both Verilog modules side by side, the same random programming and
operations (random starts, including ones the PE must ignore), every output compared on every
clock. The generic PE is the one the Amaranth tests check against the golden model; the
primitive runs on fdagen's behavioural model (tests/flows/test_mult18x18d_model.py)."""

import subprocess

import pytest

from fdagen.emit.verilog import convert
from fdagen.flows.lint import lint
from fdagen.flows.tools import require
from fdagen.gateware.common.dsp import MULT18X18D_MODEL, mult18x18d_model
from fdagen.gateware.pe.digital import PE
from fdagen.golden.checks import ParameterError

INPUTS = [("prog_en", 1), ("prog_addr", 6), ("prog_re", 16), ("prog_im", 16), ("start", 1),
          ("x_re", 16), ("x_im", 16), ("addr", 6), ("first", 1), ("last", 1)]
CLOCKS = 4000


def bench(acc_width):
    """A Verilog bench: random inputs at each falling edge, outputs compared at each rising."""
    outputs = [("ready", 1), ("busy", 1), ("result_valid", 1), ("result_re", acc_width),
               ("result_im", acc_width)]
    lines = ["`timescale 1ns/1ps", "module pe_dsp_tb;", "  reg clk = 0, rst = 1;",
             "  always #5 clk = ~clk;", "  integer i, results = 0;"]
    lines += [f"  reg [{width - 1}:0] {name} = 0;" for name, width in INPUTS]
    for side in "ge":
        lines += [f"  wire [{width - 1}:0] {side}_{name};" for name, width in outputs]
        ports = [f".{name}({name})" for name, _ in INPUTS]
        ports += [f".{name}({side}_{name})" for name, _ in outputs]
        lines.append(f"  pe_{side} {side} (.clk(clk), .rst(rst), {', '.join(ports)});")
    same = " && ".join(f"g_{name} === e_{name}" for name, _ in outputs)
    lines += [
        "  always @(posedge clk) if (!rst) begin",
        f"    if (!({same})) $fatal(1, \"outputs differ at %0t\", $time);",
        "    if (g_result_valid) results = results + 1;",
        "  end",
        "  initial begin",
        "    repeat (3) @(negedge clk);",
        "    rst = 0;",
        f"    for (i = 0; i < {CLOCKS}; i = i + 1) begin",
        "      @(negedge clk);",
        *[f"      {name} = $random;" for name, _ in INPUTS],
        "      first = ($random % 8) == 0; last = ($random % 4) == 0;",
        "    end",
        "    $display(\"results %0d\", results);",
        "    $finish;",
        "  end",
        "endmodule", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pe_dsp")
    generic, ecp5 = PE(16, 16, 64, 1000), PE(16, 16, 64, 1000, dsp="ecp5")
    files = {"pe_g.v": convert(generic, "pe_g"), "pe_e.v": convert(ecp5, "pe_e"),
             MULT18X18D_MODEL: mult18x18d_model(), "pe_dsp_tb.v": bench(generic.acc_width)}
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory, list(files)


def test_ecp5_pe_equals_the_generic_pe_clock_for_clock(sources):
    directory, names = sources
    build = subprocess.run([require("iverilog"), "-g2012", "-o", "pe_dsp.vvp", "-s", "pe_dsp_tb",
                            *names], cwd=directory, capture_output=True, text=True)
    assert build.returncode == 0 and "warning" not in build.stdout + build.stderr, \
        build.stdout + build.stderr
    run = subprocess.run([require("vvp"), "-n", "pe_dsp.vvp"], cwd=directory, capture_output=True,
                         text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "FATAL" not in output and "warning" not in output, \
        output[-2000:]
    results = int(run.stdout.split("results ")[1].split()[0])
    assert results > CLOCKS // 20           # the comparison saw many finished sums


def test_ecp5_pe_lints_with_the_model(sources):
    directory, _ = sources
    lint([directory / MULT18X18D_MODEL, directory / "pe_e.v"], top="pe_e")


def test_ecp5_pe_needs_operands_that_fit_one_block():
    with pytest.raises(ParameterError, match="at most 18 bits .* not 20 and 16"):
        PE(20, 16, 64, 100, dsp="ecp5")
