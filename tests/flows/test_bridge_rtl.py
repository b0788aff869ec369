"""The UART bridge and the accelerator on the generated Verilog under cocotb: the host's own
code (fdagen.host.bridge, as `fdagen board run` uses it) runs two tiny layers back to back over
a simulated serial link (cocotbext-uart, 4 clocks a bit) into the default board build; outputs
and counters decoded by the host are bit-exact with the golden model and the schedule. The
input FIFOs are kept shallow (8 beats) so that the credits run out whenever the accelerator
holds a stream back (the second layer's descriptor and weights wait for the first layer's run):
no byte may be lost or duplicated then. Before the session, the leftovers of an aborted run (half
a descriptor, a frame cut short) go in: the session's opening line break must clear them. The
bridge's Verilog is Verilator-lint clean."""

import re

import numpy as np
import pytest
from support.accelsim import check_rtl_layers, random_layer

from fdagen.arch.config import AcceleratorConfig
from fdagen.emit.bridge import bridge_top, render_bridge
from fdagen.emit.outdir import verilog_sources, write_output_directory
from fdagen.flows.board import BOARD_DEFAULTS
from fdagen.flows.lint import lint
from fdagen.flows.simulate import run_bridge_rtl
from fdagen.host.bridge import encode_frame

CONFIG = AcceleratorConfig(**BOARD_DEFAULTS)


def test_two_layers_over_the_uart_bit_exact(tmp_path):
    rng = np.random.default_rng(7)
    jobs = [random_layer(CONFIG, rng, 2, 4, 8, 8, 3, 1, 1, relu=True),
            random_layer(CONFIG, rng, 1, 2, 8, 8, 3)]
    # an aborted run first: half a descriptor taken by the accelerator, a frame cut short
    garbage = (encode_frame(0, jobs[0].desc[:5], 4) + encode_frame(2, jobs[0].pixels[:3], 2)
               + bytes([1, 9]) + b"\x55" * 7)
    result = run_bridge_rtl(CONFIG, jobs, tmp_path, "verilator", divisor=4, depth=8,
                            garbage=garbage)
    check_rtl_layers(jobs, result)
    for job, layer in zip(jobs, result["layers"]):
        assert layer["counters"]["output_pixels"] == job.expected.size


@pytest.mark.parametrize("divisor, depth", [(4, 8), (217, 64)], ids=["bench", "board"])
def test_bridge_verilog_is_lint_clean_and_readable(tmp_path, divisor, depth):
    """The bench's bridge and the default board build's (115200 baud at 25 MHz): Verilator
    ``-Wall`` with only the named waivers, Amaranth's names, no zero-width wires."""
    files = render_bridge(CONFIG, divisor, depth)
    write_output_directory(files, tmp_path / "rtl")
    lint([tmp_path / "rtl" / name for name in verilog_sources(files)], bridge_top(CONFIG))
    text = files[f"{bridge_top(CONFIG)}.v"].decode()
    assert not re.findall(r"\$signal\$\d+", text) and "[-1:0]" not in text
    for name in ("rx_sync", "rx_state", "frame_state", "message", "untold_credit1", "tx_frame"):
        assert re.search(rf"\b{name}\b", text), name
