"""cocotb bench of a whole network on the generated accelerator top, the host in the loop.

The job is a pickle named by ``FDAGEN_TB_JOB``: ``host`` (a
:class:`fdagen.host.network.NetworkHost`), ``images`` (float inputs), ``gaps``, ``stalls``,
``seed``, ``max_cycles`` (a watchdog per image), ``result`` (a JSON file to write) and
``progress`` (a file that gets one line per finished image).

Per image the bench runs :meth:`fdagen.golden.model.FixedNetwork.forward` with the accelerator
as its ``conv`` (in a cocotb bridge thread): the host quantizes, pools and runs the fully
connected layers; each conv layer goes to the RTL as a descriptor, the weight and pixel streams
(concurrently, with random gaps) and comes back as output pixels and counters (with random
backpressure). The first image loads every layer's weights at its own weight sets; later images
find them resident. ``last`` must mark exactly each layer's final pixel and counter word. The
result has, per image, the logits and per conv layer the output codes and the counters; the
caller compares them with the golden path.
"""

import json
import os
import pickle

import cocotb
from cocotb.task import bridge, resume
from cocotb.triggers import RisingEdge, SimTimeoutError, with_timeout

from fdagen.arch.fields import COUNTERS

from .streams import AcceleratorStreams


@cocotb.test()
async def network_inference(dut):
    with open(os.environ["FDAGEN_TB_JOB"], "rb") as handle:
        job = pickle.load(handle)
    host = job["host"]
    streams = await AcceleratorStreams.start(dut, job["gaps"], job["stalls"], job["seed"])
    desc, weights, pixels = streams.desc, streams.weights, streams.pixels
    out, reports = streams.out, streams.reports
    width = len(dut.out__payload) - 1
    state = {"resident": False, "layers": None}

    async def accelerate(layer, codes):
        """One conv layer on the RTL: its output codes."""
        descriptor, desc_words, weight_words, pixel_words = host.streams(
            layer.name, codes, state["resident"])
        outputs = descriptor.values()
        count = outputs["out_channels"] * outputs["out_height"] * outputs["out_width"]
        first, reported = len(out.words), len(reports.words)
        await desc.send(desc_words)
        sending = [cocotb.start_soon(weights.send(weight_words)),
                   cocotb.start_soon(pixels.send(pixel_words))]
        for task in sending:
            await task
        while len(out.words) < first + count or len(reports.words) < reported + len(COUNTERS):
            await RisingEdge(dut.clk)
        words = out.words[first:first + count]
        counters = reports.words[reported:reported + len(COUNTERS)]
        assert [w >> width for w in words] == [0] * (count - 1) + [1], \
            f"{layer.name}: last must mark exactly the final pixel"
        assert [c >> 32 for c in counters] == [0] * (len(COUNTERS) - 1) + [1], \
            f"{layer.name}: the counter stream's last must mark exactly its final word"
        codes = host.outputs(layer.name, [w & ((1 << width) - 1) for w in words])
        state["layers"][layer.name] = {
            "codes": codes.reshape(-1).tolist(),
            "counters": dict(zip((n for n, _ in COUNTERS), (c & 0xFFFFFFFF for c in counters)))}
        return codes

    @bridge
    def infer(image):
        return host.fixed.forward(image, conv=resume(accelerate))

    results = []
    for index, image in enumerate(job["images"]):
        state["layers"] = {}
        try:
            logits = await with_timeout(infer(image), 10 * job["max_cycles"], "ns")
        except SimTimeoutError:
            raise AssertionError(f"image {index}: no result after {job['max_cycles']} cycles; "
                                 f"{len(out.words)} outputs so far") from None
        results.append({"logits": [float(v) for v in logits], "layers": state["layers"]})
        state["resident"] = True
        with open(job["progress"], "a") as handle:
            handle.write(f"{index}\n")
    streams.stop()
    assert len(out.words) == sum(len(layer["codes"]) for r in results
                                 for layer in r["layers"].values()), "extra outputs"
    with open(job["result"], "w") as handle:
        json.dump({"images": results}, handle)
