"""Run layers through the accelerator top in amaranth.sim (the unit-level harness).

:func:`run_layers` drives the descriptor, weight and pixel streams of each layer in turn (with
random input gaps when asked) and collects output pixels (with random backpressure) and the
counter words. Used by the accelerator tests; the cocotb bench in ``tb/`` does the same on the
generated Verilog.
"""

import random

import numpy as np
from amaranth.sim import Simulator

from fdagen.arch.fields import COUNTERS
from fdagen.flows.simulate import layer_job
from fdagen.gateware.accel.top import Accelerator
from fdagen.golden.fixedpoint import quantize
from fdagen.golden.pipeline import calibrate_layer, quantize_spectral_weights
from fdagen.golden.polyphase import Polyphase
from fdagen.golden.tiling import Tiling
from fdagen.host.descriptor import layer_format
from support.collisions import CollisionWatch


def run_layers(config, layers, gaps=0.0, stalls=0.0, seed=0, max_cycles=2_000_000,
               overlap=False, clocks=None, report_stalls=None, **stage_options):
    """``layers``: list of (descriptor words, weight beats, pixel beats, output count);
    ``stage_options`` go to the MAC stage (:class:`~fdagen.gateware.accel.top.Accelerator`).
    With ``overlap`` the three input streams carry every layer back to back from the start
    (the next layer's descriptor, pixels and weights offered while the current one runs and
    drains), else a layer's inputs are offered once the previous layer's counters are in;
    ``clocks``, a list, then receives the clocks the whole run took, and the counter stream
    takes ``report_stalls`` (default ``stalls``) as its own backpressure.

    Returns a list of (output words, {counter: value}) per layer.
    """
    dut = Accelerator(config, **stage_options)
    if overlap:
        return _run_overlapped(dut, layers, gaps, stalls, seed, max_cycles, clocks,
                               stalls if report_stalls is None else report_stalls)
    results = []

    async def bench(ctx):
        rand = random.Random(seed + 99)
        for desc, weights, pixels, count in layers:
            await _drive(ctx, dut.desc, desc, gaps, seed)
            ctx.set(dut.desc.valid, 0)
            # weights and pixels in, outputs out, all concurrently (the drain runs beside
            # the weights stream; AXI4-Stream: a word once offered stays valid until taken)
            it_w, it_p = iter(weights), iter(pixels)
            cur_w, cur_p = next(it_w, None), next(it_p, None)
            offer_w = offer_p = False
            words = []
            cycles = 0
            while cur_w is not None or cur_p is not None or len(words) < count:
                offer_w = offer_w or (cur_w is not None and rand.random() >= gaps)
                offer_p = offer_p or (cur_p is not None and rand.random() >= gaps)
                ready = rand.random() >= stalls
                ctx.set(dut.weights.valid, offer_w)
                ctx.set(dut.weights.payload, cur_w or 0)
                ctx.set(dut.pixels.valid, offer_p)
                ctx.set(dut.pixels.payload, cur_p or 0)
                ctx.set(dut.out.ready, ready)
                await ctx.delay(1e-9)
                took_w = offer_w and ctx.get(dut.weights.ready)
                took_p = offer_p and ctx.get(dut.pixels.ready)
                if ready and ctx.get(dut.out.valid):
                    words.append((ctx.get(dut.out.payload.value), ctx.get(dut.out.payload.last)))
                await ctx.tick()
                if took_w:
                    cur_w, offer_w = next(it_w, None), False
                if took_p:
                    cur_p, offer_p = next(it_p, None), False
                cycles += 1
                if cycles > max_cycles:
                    raise TimeoutError(f"only {len(words)} of {count} outputs")
            ctx.set(dut.weights.valid, 0)
            ctx.set(dut.pixels.valid, 0)
            ctx.set(dut.out.ready, 0)
            ctx.set(dut.counters.ready, 1)
            values = []
            while len(values) < len(COUNTERS):
                await ctx.delay(1e-9)
                if ctx.get(dut.counters.valid):
                    values.append(ctx.get(dut.counters.payload.value))
                await ctx.tick()
            ctx.set(dut.counters.ready, 0)
            results.append((words, dict(zip((name for name, _ in COUNTERS), values))))

    watch = CollisionWatch(dut)
    sim = Simulator(watch)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.add_testbench(watch.watch, background=True)
    sim.run()
    watch.check()
    return results


async def _drive(ctx, port, words, gaps, seed):
    """Offer ``words`` on stream ``port``, each after random idle clocks (probability
    ``gaps`` each, from ``seed``), held until taken."""
    rand = random.Random(seed)
    for word in words:
        while rand.random() < gaps:
            ctx.set(port.valid, 0)
            await ctx.tick()
        ctx.set(port.valid, 1)
        ctx.set(port.payload, word)
        await ctx.tick().until(port.ready)
    ctx.set(port.valid, 0)


def _run_overlapped(dut, layers, gaps, stalls, seed, max_cycles, clocks, report_stalls):
    """:func:`run_layers` with ``overlap``: a driver per input stream and a collector per
    output stream, each with its own random pauses."""
    outputs, reports = [], []
    total = sum(count for *_, count in layers)

    def driver(port, words, pause_seed):
        async def drive(ctx):
            await _drive(ctx, port, words, gaps, pause_seed)
        return drive

    def collector(port, received, count, pause_seed, pause):
        async def collect(ctx):
            rand = random.Random(pause_seed)
            for clock in range(max_cycles):
                if len(received) == count:
                    if port is dut.counters and clocks is not None:
                        clocks.append(clock)
                    # nothing more may come
                    ctx.set(port.ready, 1)
                    for _ in range(EXTRA_WATCH_CLOCKS):
                        await ctx.delay(1e-9)
                        assert not ctx.get(port.valid), f"a word beyond the {count} expected"
                        await ctx.tick()
                    ctx.set(port.ready, 0)
                    return
                ready = rand.random() >= pause
                ctx.set(port.ready, ready)
                await ctx.delay(1e-9)
                if ready and ctx.get(port.valid):
                    received.append((ctx.get(port.payload.value), ctx.get(port.payload.last)))
                await ctx.tick()
            raise TimeoutError(f"only {len(outputs)} of {total} outputs and {len(reports)} "
                               f"counter words")
        return collect

    watch = CollisionWatch(dut)
    sim = Simulator(watch)
    sim.add_clock(1e-8)
    sim.add_testbench(watch.watch, background=True)
    for index, port in enumerate((dut.desc, dut.weights, dut.pixels)):
        words = [word for layer in layers for word in layer[index]]
        sim.add_testbench(driver(port, words, seed + index))
    sim.add_testbench(collector(dut.out, outputs, total, seed + 3, stalls))
    sim.add_testbench(collector(dut.counters, reports, len(layers) * len(COUNTERS), seed + 4,
                                report_stalls))
    sim.run()
    watch.check()
    results, first = [], 0
    for index, (*_, count) in enumerate(layers):
        words = reports[index * len(COUNTERS):(index + 1) * len(COUNTERS)]
        assert [last for _, last in words] == [0] * (len(COUNTERS) - 1) + [1]
        results.append((outputs[first:first + count],
                        dict(zip((name for name, _ in COUNTERS), (v for v, _ in words)))))
        first += count
    return results


#: Clocks the overlapped harness watches each output stream after its last expected word.
EXTRA_WATCH_CLOCKS = 50


def random_layer(config, rng, channels, out_channels, height, width, kernel, stride=1,
                 padding=0, tile=None, relu=False, bias=True, program=None, weights=None,
                 weight_base=0, resident=False, strided="decimate", fft_size=None, depth=None):
    """A random layer's job on ``config``, calibrated and computed with the build's golden MAC
    (:meth:`fdagen.arch.pe_kinds.PEKind.build_mac`); ``program``, for crossbars, maps the
    layer's spectral weight codes to the :class:`~fdagen.golden.crossbar.CellMap` the hardware
    programs (see :func:`support.crossbarsim.accelerator_cells`). ``weights``: the ``(w, b)``
    to use (another job's: :func:`layer_weights`), else random ones; ``weight_base`` and
    ``resident`` as :func:`fdagen.flows.simulate.layer_job`'s. A strided layer runs at its
    stride in the descriptor (``strided="decimate"``, the RTL's crop decimation) or as its
    stride-1 polyphase form, arranged here as the host does (``"polyphase"``). ``fft_size``:
    the layer's transform size (default the build's). ``depth``: a 3-D layer's input depth
    (the input is then ``(channels, depth, height, width)``)."""
    shape = (height, width) if depth is None else (depth, height, width)
    x = rng.uniform(-1, 1, (channels, *shape))
    w, b = weights or layer_weights(rng, channels, out_channels, kernel, bias, len(shape))
    fmt = layer_format(config)
    codes = quantize(x, config.data_width - 1, config.data_width)
    if stride > 1 and strided == "polyphase":
        phases = Polyphase(shape, kernel, stride, padding)
        codes, w = phases.inputs(codes), phases.weights(w)
        shape, kernel, stride, padding = phases.phase_shape, phases.phase_kernel, 1, 0
    tiling = Tiling.choose(shape, kernel, stride, padding,
                           fft_size=fft_size or config.fft_size, tile=tile)
    mac = config.pe.build_mac(config)
    if program is not None:
        codes_w, _ = quantize_spectral_weights(w, tiling, fmt.weight_width, fmt.rounding)
        mac.pin(codes_w, program(codes_w))
    quant = calibrate_layer([codes], w, b, tiling, fmt, config.data_width - 1, relu=relu, mac=mac)
    return layer_job(config, codes, w, b, tiling, fmt, quant, mac, weight_base, resident)


def check_rtl_layers(jobs, result):
    """Every layer of an RTL run (:func:`fdagen.flows.simulate.run_rtl`) bit-exact with its
    job's golden codes, ``last`` on the final pixel only, every schedule-determined counter
    equal to the schedule, and the phase counters consistent with the bound."""
    for index, (job, layer) in enumerate(zip(jobs, result["layers"])):
        np.testing.assert_array_equal(layer["codes"], job.expected, err_msg=f"layer {index}")
        assert layer["lasts"] == [0] * (job.expected.size - 1) + [1]
        counters, scheduled = layer["counters"], job.descriptor.scheduled_counts()
        assert {name: counters[name] for name in scheduled} == scheduled
        if job.descriptor.schedule.ends_with_output:
            assert counters["cycles"] >= (counters["load_cycles"] + counters["run_cycles"]
                                          + counters["drain_cycles"])
        else:
            assert counters["drain_cycles"] == 1
        assert counters["run_cycles"] >= job.descriptor.bound_cycles


def layer_weights(rng, channels, out_channels, kernel, bias=True, dims=2):
    """Random float ``(w, b)`` of a ``dims``-D layer (``b`` None without ``bias``)."""
    w = rng.normal(0, 1 / np.sqrt(channels * kernel ** dims),
                   (out_channels, channels) + (kernel,) * dims)
    return w, (rng.normal(0, 0.1, out_channels) if bias else None)
