"""The MULT18X18D simulation model (:func:`fdagen.gateware.common.dsp.mult18x18d_model`)
against the primitive's documented behaviour: latency of the input and output registers,
clock enable, synchronous reset, signed and unsigned operands, the 36-bit product
(``tb/mult18_tb.py`` in Icarus); and its refusal of parameters outside the subset it models.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from cocotb_tools.check_results import get_results
from cocotb_tools.runner import get_runner

from fdagen.flows.lint import lint
from fdagen.gateware.common.dsp import MULT18X18D_MODEL, mult18x18d_model

ROOT = Path(__file__).resolve().parent.parent

#: The harness's three instances: (output, parameters).
INSTANCES = [
    ("p_comb", {}),
    ("p_out", {"REG_OUTPUT_CLK": "CLK0"}),
    ("p_in_out", {"REG_INPUTA_CLK": "CLK0", "REG_INPUTB_CLK": "CLK0", "REG_OUTPUT_CLK": "CLK0"}),
]


def harness(instances=INSTANCES):
    """Verilog of ``mult18_harness``: one set of inputs into each instance of ``instances``."""
    lines = ["module mult18_harness(input wire clk, input wire [17:0] a, input wire [17:0] b,",
             "    input wire signeda, input wire signedb, input wire ce, input wire rst,",
             "    " + ", ".join(f"output wire [35:0] {name}" for name, _ in instances) + ");"]
    for name, parameters in instances:
        values = dict(parameters, GSR="DISABLED")
        ports = [f".A{k}(a[{k}])" for k in range(18)] + [f".B{k}(b[{k}])" for k in range(18)]
        ports += [f".P{k}({name}[{k}])" for k in range(36)]
        ports += [".SIGNEDA(signeda)", ".SIGNEDB(signedb)", ".SOURCEA(1'b0)", ".SOURCEB(1'b0)",
                  ".CLK0(clk)", ".CE0(ce)", ".RST0(rst)"]
        lines += ["  MULT18X18D #(" + ", ".join(f'.{k}("{v}")' for k, v in values.items())
                  + f") {name}_mult (", "    " + ",\n    ".join(ports), "  );"]
    return "\n".join(lines + ["endmodule", ""])


def _write(directory, instances=INSTANCES):
    model, top = directory / MULT18X18D_MODEL, directory / "mult18_harness.v"
    model.write_text(mult18x18d_model())
    top.write_text(harness(instances))
    return [model, top]


def test_model_matches_documented_behaviour(tmp_path):
    sources = _write(tmp_path)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))          # cocotb passes sys.path on as PYTHONPATH
    runner = get_runner("icarus")
    runner.build(sources=sources, hdl_toplevel="mult18_harness", build_dir=tmp_path / "sim",
                 timescale=("1ns", "1ps"), build_args=["-g2012"])
    results = runner.test(hdl_toplevel="mult18_harness", test_module="fdagen.tb.mult18_tb",
                          build_dir=tmp_path / "sim")
    tests, failed = get_results(Path(results))
    assert tests == 1 and failed == 0


def test_model_and_harness_lint_clean(tmp_path):
    lint(_write(tmp_path), top="mult18_harness")


@pytest.mark.parametrize("parameter, value", [("REG_OUTPUT_CLK", "CLK1"),
                                              ("REG_OUTPUT_CE", "CE2"),
                                              ("REG_PIPELINE_RST", "RST3"),
                                              ("RESETMODE", "ASYNC"),
                                              ("GSR", "ENABLED")])
def test_model_refuses_what_it_does_not_model(tmp_path, parameter, value):
    """A parameter outside the modelled subset stops the simulation at time 0."""
    parameters = {"REG_OUTPUT_CLK": "CLK0", parameter: value}
    sources = _write(tmp_path, [("p_out", parameters)])
    if parameter == "GSR":      # the harness sets GSR DISABLED: take that line out
        sources[1].write_text(sources[1].read_text().replace('.GSR("DISABLED")', '.GSR("ENABLED")'))
    binary = tmp_path / "harness.vvp"
    subprocess.run(["iverilog", "-g2012", "-o", str(binary), *map(str, sources)], check=True)
    run = subprocess.run(["vvp", "-n", str(binary)], capture_output=True, text=True)
    assert "MULT18X18D model: unsupported" in run.stdout + run.stderr
