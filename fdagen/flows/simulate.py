"""Run conv layers on the generated accelerator RTL under cocotb (``fdagen sim``, the sign-off
tests and ``bench/accelerator.py`` share this).

:func:`~fdagen.host.job.layer_job` (re-exported here) turns a layer (codes, float weights, golden
tiling/format/quantization) into the three input streams plus the golden output; :func:`run_rtl`
writes the ``fdagen build`` output for a configuration, compiles it with Icarus (``-g2012``) or
Verilator, runs ``fdagen.tb.accel_tb`` on the layers back to back and returns what came out, with
wall times.
"""

import json
import os
import pickle
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from fdagen.emit.accelerator import render_accelerator
from fdagen.emit.outdir import verilog_sources, write_output_directory
from fdagen.flows.tools import require, tool_env
from fdagen.golden.checks import ParameterError
from fdagen.host.descriptor import decode_output
from fdagen.host.job import LayerJob, layer_job

__all__ = ["LayerJob", "layer_job", "run_rtl", "run_network", "run_bridge_rtl", "SIMULATORS"]

SIMULATORS = ("icarus", "verilator")


def run_rtl(config, jobs, work, simulator="icarus", gaps=0.0, stalls=0.0, seed=0, waves=None,
            check=True, max_cycles=None, memories=None, overlap=False):
    """Generate, compile and run; return ``{"layers": [...], "compile_seconds", "run_seconds"}``.

    Each layer entry has ``codes`` (decoded outputs), ``lasts``, ``counters`` and
    ``bench_cycles``. With ``check`` the bench itself compares against the golden codes.
    ``waves``: a path to copy the FST waveform to. ``memories``: ``{hierarchical path: words}``
    the bench loads before the first layer (a device map into the crossbar models:
    :func:`fdagen.gateware.pe.xbar.XbarModel.memory_words`). With ``overlap`` the bench offers
    every layer's inputs back to back from the start (the next layer loads while the current
    one runs and drains; ``bench_cycles`` then count from the previous layer's counters).
    """
    _check_simulator(simulator)
    work = Path(work).resolve()
    job_file, result_file = work / "job.json", work / "result.json"
    if max_cycles is None:      # a generous watchdog: 20x the bound plus all stream words
        max_cycles = 10_000 + 20 * sum(int(j.descriptor.bound_cycles) + len(j.weights)
                                       + len(j.pixels) + 4 * j.expected.size for j in jobs)
    work.mkdir(parents=True, exist_ok=True)
    job_file.write_text(json.dumps({
        "layers": [j.as_json(config, check) for j in jobs], "gaps": gaps, "stalls": stalls,
        "seed": seed, "result": str(result_file), "max_cycles": max_cycles,
        "memories": memories or {}, "overlap": overlap}))
    build_dir, compile_seconds, run_seconds = _compile_and_run(
        config, work, simulator, "fdagen.tb.accel_tb", job_file, result_file, waves, memories)
    if waves:
        fst = next(iter(sorted(build_dir.glob("*.fst"))), None)
        if fst is None:
            raise RuntimeError(f"{simulator} wrote no FST waveform in {build_dir}")
        shutil.copyfile(fst, waves)
    received = json.loads(result_file.read_text())["layers"]
    out = []
    for job, layer in zip(jobs, received):
        codes = decode_output(config, layer["outputs"], job.descriptor)
        out.append({"codes": codes, "lasts": layer["lasts"], "counters": layer["counters"],
                    "bench_cycles": layer["bench_cycles"]})
    return {"layers": out, "compile_seconds": compile_seconds, "run_seconds": run_seconds}


def run_network(host, images, work, simulator="verilator", gaps=0.0, stalls=0.0, seed=0,
                progress=None):
    """Run ``images`` (float inputs) through a whole network on the generated RTL, the host in
    the loop (``fdagen.tb.net_tb``; ``host`` a :class:`fdagen.host.network.NetworkHost`).

    Returns ``{"images": [...], "compile_seconds", "run_seconds"}``; each image has
    ``logits`` and ``layers``: per conv layer name, ``codes`` (the RTL's output codes, the
    layer's shape) and ``counters``. ``progress(done)`` is called as images finish.
    """
    _check_simulator(simulator)
    config = host.config
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    job_file, result_file = work / "job.pickle", work / "result.json"
    progress_file = work / "progress.txt"
    progress_file.write_text("")
    per_image = sum(int(step.load.bound_cycles) + len(step.load_weights)
                    + step.input_pixels + 4 * step.load.schedule.output_pixels
                    for step in host.steps.values())
    with open(job_file, "wb") as handle:
        pickle.dump({"host": host, "images": [np.asarray(x) for x in images], "gaps": gaps,
                     "stalls": stalls, "seed": seed, "max_cycles": 10_000 + 20 * per_image,
                     "result": str(result_file), "progress": str(progress_file)}, handle)
    done = [0]

    def report():
        count = len(progress_file.read_text().split())
        if progress is not None and count != done[0]:
            done[0] = count
            progress(count)
    _, compile_seconds, run_seconds = _compile_and_run(
        config, work, simulator, "fdagen.tb.net_tb", job_file, result_file,
        while_running=report)
    report()
    received = json.loads(result_file.read_text())["images"]
    for image in received:
        for name, layer in image["layers"].items():
            layer["codes"] = np.asarray(layer["codes"], dtype=np.int64).reshape(
                host.steps[name].output_shape)
    return {"images": received, "compile_seconds": compile_seconds, "run_seconds": run_seconds}


def run_bridge_rtl(config, jobs, work, simulator="icarus", divisor=4, depth=None,
                   stall_seconds=2e-3, garbage=b""):
    """Run ``jobs`` back to back through the generated Verilog of the UART bridge and its
    accelerator (:func:`fdagen.emit.bridge.render_bridge`, ``divisor`` clocks a bit at a
    10 ns clock), the host's side being :mod:`fdagen.host.bridge` over a simulated UART
    (``fdagen.tb.bridge_tb``). Returns ``{"layers": [...], "compile_seconds",
    "run_seconds"}``; each layer has ``codes`` (decoded), ``lasts`` and ``counters``, and
    ``sim_seconds`` of the whole run. ``stall_seconds``: simulated time without a byte from
    the device after which the host gives up. ``garbage``: bytes sent before the session (an
    aborted run's leftovers, which the session's opening line break must clear)."""
    from fdagen.arch.bridge import DEFAULT_DEPTH
    from fdagen.emit.bridge import bridge_top, render_bridge

    _check_simulator(simulator)
    depth = DEFAULT_DEPTH if depth is None else depth
    work = Path(work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    job_file, result_file = work / "job.json", work / "result.json"
    job_file.write_text(json.dumps({
        "config": config.parameters(), "divisor": divisor, "depth": depth,
        "layers": [{"desc": j.desc, "weights": j.weights, "pixels": j.pixels} for j in jobs],
        "stall_seconds": stall_seconds, "garbage": list(garbage), "result": str(result_file)}))
    _, compile_seconds, run_seconds = _compile_and_run(
        config, work, simulator, "fdagen.tb.bridge_tb", job_file, result_file,
        files=render_bridge(config, divisor, depth), top=bridge_top(config))
    received = json.loads(result_file.read_text())
    out = []
    for job, layer in zip(jobs, received["layers"]):
        out.append({"codes": decode_output(config, layer["outputs"], job.descriptor),
                    "lasts": [0] * (len(layer["outputs"]) - 1) + [1],
                    "counters": layer["counters"]})
    return {"layers": out, "compile_seconds": compile_seconds, "run_seconds": run_seconds,
            "sim_seconds": received["sim_seconds"]}


def _check_simulator(simulator):
    if simulator not in SIMULATORS:
        raise ParameterError(f"simulator must be one of {', '.join(SIMULATORS)}, not {simulator!r}")
    require("iverilog" if simulator == "icarus" else "verilator")


def _compile_and_run(config, work, simulator, test_module, job_file, result_file, waves=None,
                     memories=None, while_running=None, files=None, top=None):
    """Write ``config``'s build (or ``files``, whose top module is ``top``) into ``work/rtl``,
    compile it and run cocotb ``test_module`` on the job in ``job_file``; return ``(build
    directory, compile seconds, run seconds)``. Raises RuntimeError unless the test passed and
    wrote ``result_file``. ``while_running()`` is called about every 0.2 s while the
    simulation runs."""
    from cocotb_tools.check_results import get_results
    from cocotb_tools.runner import get_runner

    rtl = work / "rtl"
    files = render_accelerator(config) if files is None else files
    top = config.top if top is None else top
    write_output_directory(files, rtl, force=True)
    sources = [rtl / name for name in verilog_sources(files, simulation=True)]
    result_file.unlink(missing_ok=True)
    build_dir = work / simulator
    previous = dict(os.environ)
    os.environ.clear()
    os.environ.update(tool_env(previous))
    try:
        runner = get_runner(simulator)
        started = time.perf_counter()
        if simulator == "icarus":
            build_args = ["-g2012"]
        else:
            build_args = ["-Wno-fatal", "-O2", "--no-public-flat-rw",
                          str(_verilator_public(work, top, files, memories or {}))]
            build_args += ["--trace-fst"] if waves else []       # dump.fst, not dump.vcd
        runner.build(sources=sources, hdl_toplevel=top, build_dir=build_dir,
                     timescale=("1ns", "1ps"), build_args=build_args, waves=bool(waves),
                     log_file=work / f"{simulator}_build.log")
        compiled = time.perf_counter()
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(runner.test, hdl_toplevel=top, test_module=test_module,
                                  build_dir=build_dir, waves=bool(waves),
                                  extra_env={"FDAGEN_TB_JOB": str(job_file)},
                                  log_file=work / f"{simulator}_run.log")
            while while_running is not None and not running.done():
                time.sleep(0.2)
                while_running()
            results = running.result()
        finished = time.perf_counter()
    finally:
        os.environ.clear()
        os.environ.update(previous)
    tests, failed = get_results(Path(results))
    if tests < 1 or failed or not result_file.exists():
        log = (work / f"{simulator}_run.log")
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"RTL simulation failed ({failed} of {tests} tests); see {log}\n{tail}")
    return build_dir, compiled - started, finished - compiled


def _verilator_public(work, top, files, memories):
    """Write and return a Verilator configuration file that makes only what the bench touches
    visible to VPI: the top's ports and the memories it loads.

    cocotb's runner asks Verilator for ``--public-flat-rw`` (every signal public), which stops
    Verilator from optimising any signal away: the reram top then compiles and simulates
    several times slower. The build turns that off and names these instead; a memory is
    named by its variable name, in whichever module holds it.
    """
    text = files[f"{top}.v"].decode()
    header = re.search(rf"^module {re.escape(top)}\((.*?)\);", text, re.M | re.S)
    if header is None:
        raise RuntimeError(f"no 'module {top}(...)' header in {top}.v (a generator bug)")
    ports = [name.strip() for name in header.group(1).split(",")]
    lines = ["`verilator_config"]
    lines += [f'public_flat_rw -module "{top}" -var "{port}"' for port in ports]
    lines += [f'public_flat_rw -module "*" -var "{name}"'
              for name in sorted({path.rsplit(".", 1)[-1] for path in memories})]
    path = work / "public.vlt"
    path.write_text("\n".join(lines) + "\n")
    return path


def lenet5_jobs(config, image=0, calibration=16, layers=("C1", "C3"), resident=None,
                program=None):
    """LeNet-5 conv layers on one test digit (index ``image``), as the trained network runs them.

    Shifts are calibrated on the first ``calibration`` training images (never the test image);
    each layer's input is the previous conv layer's golden output, max-pooled on the codes (the
    host's job between layers). Returns a list of :class:`LayerJob` for the conv layers named
    in ``layers`` (earlier conv layers are computed by the golden model to feed them).
    ``resident``: None loads every layer's weights at weight set 0; False loads each conv
    layer's at its own sets, one after the other (the build needs the network's weight sets,
    :func:`fdagen.model.energy.network_weight_sets`); True expects them there already (an
    earlier run with False loaded them) and streams the biases only. ``program``, for
    crossbars: maps a layer's spectral weight codes ``(re, im)`` to the
    :class:`~fdagen.golden.crossbar.CellMap` that programming them leaves in the build's
    macros (their physical device maps); the golden MAC then computes with those cells.
    """
    from fdagen.golden.digits import load_digits32
    from fdagen.golden.direct import max_pool
    from fdagen.golden.model import FixedNetwork, load_weights
    from fdagen.golden.networks import lenet5
    from fdagen.golden.pipeline import quantize_input, quantize_spectral_weights
    from fdagen.host.descriptor import layer_format

    network, weights = lenet5(), load_weights()
    train, _ = load_digits32("train")
    test, _ = load_digits32("test")
    fmt = layer_format(config)
    fixed = FixedNetwork(network, weights, list(train[:calibration]), fmt, config.fft_size,
                         config.pe.build_mac(config))
    codes = quantize_input(test[image], fixed.input_frac, fmt.data_width, fmt.rounding)
    conv_names = [layer.name for layer in network.layers if layer.kind == "conv"]
    wanted = max(conv_names.index(name) for name in layers) + 1
    jobs, base = [], 0
    for layer in network.layers:
        if layer.kind == "pool":
            codes = max_pool(codes, layer.kernel, layer.stride)
            continue
        if layer.kind != "conv" or len(jobs) == wanted:
            break
        w, mac = weights[f"{layer.name}.w"], fixed.macs[layer.name]
        if program is not None:
            codes_w, _ = quantize_spectral_weights(w, fixed.tilings[layer.name],
                                                   fmt.weight_width, fmt.rounding)
            mac.pin(codes_w, program(codes_w))
        job = layer_job(config, codes, w, weights[f"{layer.name}.b"], fixed.tilings[layer.name],
                        fmt, fixed.quants[layer.name], mac, base, bool(resident))
        if resident is not None:
            base += job.descriptor.schedule.weight_sets
        jobs.append(job)
        codes = job.expected
    return [job for job, name in zip(jobs, conv_names) if name in layers]
