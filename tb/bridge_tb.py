"""cocotb bench of the generated UART bridge and accelerator: the host's own code
(:func:`fdagen.host.bridge.run_session`) runs the layers through a simulated serial link
(:class:`.uart.SimulatedUART`).

The job comes as a JSON file named by ``FDAGEN_TB_JOB``: ``config`` (the
:class:`~fdagen.arch.config.AcceleratorConfig` parameters), ``divisor``, ``depth``, ``layers``
(each with ``desc``, ``weights`` and ``pixels`` word lists), ``stall_seconds`` (simulated time
without a byte from the device after which the host gives up), optionally ``garbage`` (bytes
sent before the session, as an aborted run would leave them: the session's line break must
reset the device) and ``result``: where to write
per layer the output words and counters the host decoded, and the simulated seconds.
"""

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.task import bridge
from cocotb.triggers import ClockCycles

from fdagen.arch.bridge import BridgeFormat
from fdagen.arch.config import AcceleratorConfig
from fdagen.host.bridge import BridgeSession, run_session

from .uart import SimulatedUART


@cocotb.test()
async def layers_over_uart(dut):
    with open(os.environ["FDAGEN_TB_JOB"]) as handle:
        job = json.load(handle)
    config = AcceleratorConfig(**job["config"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    link = SimulatedUART(dut, job["divisor"])
    await ClockCycles(dut.clk, 3)
    dut.rst.value = 0
    session = BridgeSession(BridgeFormat(config, job["depth"]),
                            [(layer["desc"], layer["weights"], layer["pixels"])
                             for layer in job["layers"]])
    if job.get("garbage"):
        # an aborted run's leftovers: the host's line break must clear them
        await link.source.write(bytes(job["garbage"]))
        await link.source.wait()
        await ClockCycles(dut.clk, 200)
    start = cocotb.utils.get_sim_time("ns")
    results = await bridge(run_session)(link, session, stall=job["stall_seconds"],
                                        poll=200 * link.bit_ns * 1e-9)
    seconds = (cocotb.utils.get_sim_time("ns") - start) * 1e-9
    assert not int(dut.error.value), "the bridge's error output is high"
    with open(job["result"], "w") as handle:
        json.dump({"layers": results, "sim_seconds": seconds}, handle)
