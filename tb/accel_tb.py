"""cocotb bench of the generated accelerator top: layers back to back, scoreboard against golden.

The job comes as a JSON file named by ``FDAGEN_TB_JOB``: ``layers`` (each with ``desc``,
``weights`` and ``pixels`` word lists, ``outputs`` (the count) and optionally ``expected``
(output codes as unsigned words, in the stream's band order:
:func:`fdagen.host.descriptor.encode_output`)), ``gaps`` and ``stalls`` (pause probabilities of the drivers
and the output monitor), ``seed``, ``max_cycles`` (a watchdog), ``result`` (where to write what
was received: per layer the output words, the ``last`` flags, the counters and the simulated
cycles) and optionally ``memories``: ``{path: words}`` written into memories of the design
during reset (e.g. a device map into the crossbar models, ``mac.lane0.block.xbar0.block.map``).

Per layer the bench offers the descriptor, weight and pixel streams concurrently (the
accelerator takes weights and pixels once it has the descriptor), takes every output pixel and
then the counters, both with random backpressure. With ``overlap`` in the job, the three input
streams carry every layer back to back from the start instead (the accelerator loads the next
layer while the current one runs and drains), and a layer's ``bench_cycles`` are the clocks
from the previous layer's last counter word to its own. With ``expected``, every
output word must match and ``last`` must mark exactly the final pixel.
"""

import json
import os

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge

from fdagen.arch.fields import COUNTERS

from .streams import AcceleratorStreams


async def _watchdog(dut, limit, out):
    """Fail with the bench's state instead of hanging when the top stops making progress."""
    await ClockCycles(dut.clk, limit)
    raise AssertionError(
        f"no completion after {limit} cycles: {len(out.words)} outputs so far; desc ready "
        f"{dut.desc__ready.value}, weights ready {dut.weights__ready.value}, pixels ready "
        f"{dut.pixels__ready.value}, out valid {dut.out__valid.value}")


@cocotb.test()
async def layers_back_to_back(dut):
    with open(os.environ["FDAGEN_TB_JOB"]) as handle:
        job = json.load(handle)
    streams = await AcceleratorStreams.start(dut, job["gaps"], job["stalls"], job.get("seed", 0),
                                             job.get("memories"))
    desc, weights, pixels = streams.desc, streams.weights, streams.pixels
    out, reports = streams.out, streams.reports
    cocotb.start_soon(_watchdog(dut, job.get("max_cycles", 2_000_000), out))
    results = []
    overlap = job.get("overlap", False)
    if overlap:
        for driver, key in ((desc, "desc"), (weights, "weights"), (pixels, "pixels")):
            cocotb.start_soon(driver.send([word for layer in job["layers"] for word in layer[key]]))
    first = 0
    for index, layer in enumerate(job["layers"]):
        start_cycle = cocotb.utils.get_sim_time("ns") // 10
        if not overlap:
            # the three input streams at once: the weights and pixels are offered while the
            # descriptor goes in (their ready waits for it), as an ideal host would
            sending = [cocotb.start_soon(desc.send(layer["desc"])),
                       cocotb.start_soon(weights.send(layer["weights"])),
                       cocotb.start_soon(pixels.send(layer["pixels"]))]
            await sending[0]
            dut._log.info("layer %d: descriptor sent", index)
            for task in sending[1:]:
                await task
            dut._log.info("layer %d: weights and pixels sent", index)
        while len(out.words) < first + layer["outputs"]:
            await RisingEdge(dut.clk)
        words = out.words[first:first + layer["outputs"]]
        first += layer["outputs"]
        while len(reports.words) < (index + 1) * len(COUNTERS):
            await RisingEdge(dut.clk)
        counters = reports.words[index * len(COUNTERS):(index + 1) * len(COUNTERS)]
        width = len(dut.out__payload) - 1
        values = [w & ((1 << width) - 1) for w in words]
        lasts = [w >> width for w in words]
        counter_values = [c & 0xFFFFFFFF for c in counters]
        assert [c >> 32 for c in counters] == [0] * (len(COUNTERS) - 1) + [1], \
            f"layer {index}: the counter stream's last must mark exactly its final word"
        results.append({"outputs": values, "lasts": lasts,
                        "counters": dict(zip((n for n, _ in COUNTERS), counter_values)),
                        "bench_cycles": cocotb.utils.get_sim_time("ns") // 10 - start_cycle})
        if "expected" in layer:
            mismatches = [i for i, (a, b) in enumerate(zip(values, layer["expected"])) if a != b]
            assert not mismatches, (f"layer {index}: {len(mismatches)} output words differ from "
                                    f"golden, first at {mismatches[0]}")
            assert lasts == [0] * (len(lasts) - 1) + [1], f"layer {index}: last misplaced"
    streams.stop()
    assert len(out.words) == sum(layer["outputs"] for layer in job["layers"]), "extra outputs"
    assert len(reports.words) == len(job["layers"]) * len(COUNTERS), "extra counter words"
    with open(job["result"], "w") as handle:
        json.dump({"layers": results}, handle)
