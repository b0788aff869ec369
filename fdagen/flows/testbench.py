"""The self-checking Verilog testbench that ``fdagen build`` writes beside the accelerator.

:func:`step_testbench` is the build step (:mod:`fdagen.flows.build`); the file names and the
FuseSoC ``sim`` target that runs them are the emit layer's
(:func:`fdagen.emit.accelerator.testbench_files`). :func:`smoke_job` picks a small conv layer that fits any build (C <= 2, M <= 4, a few tiles,
K = 3, padding 1, ReLU), calibrated and run through the bit-true golden model with the build's
PE kind (ideal devices); :func:`render_testbench` writes it as hex vector files and
``<top>_tb.v`` from ``tb/accelerator_tb.v.tmpl``. The testbench needs no Python and no cocotb,
so a FuseSoC ``sim`` target, a plain Icarus run or a vendor simulator can check the RTL.
Everything is seeded: the same configuration gives the same files.
"""

from importlib import resources
from string import Template

import numpy as np

from fdagen import __version__
from fdagen.arch.fields import COUNTERS
from fdagen.emit.accelerator import testbench_files
from fdagen.golden.pipeline import calibrate_layer, quantize_input
from fdagen.golden.tiling import Tiling
from fdagen.host.descriptor import layer_format
from fdagen.host.job import layer_job

__all__ = ["smoke_job", "render_testbench", "step_testbench", "TESTBENCH_SEED"]

#: Seed of the smoke layer's pixels and weights.
TESTBENCH_SEED = 2026


def smoke_job(config):
    """The testbench's layer on build ``config``: a :class:`~fdagen.host.job.LayerJob`, and its
    shape as text."""
    rng = np.random.default_rng(TESTBENCH_SEED)
    c = config
    channels, out_channels, kernel = min(2, c.max_channels), min(4, c.max_out_channels), 3
    size = max(1, min(8 if c.dims == 2 else 4, c.max_size - 2))
    shape = (channels,) + (size,) * c.dims
    tiling = Tiling.choose(shape[1:], kernel, 1, 1, c.fft_size, in_channels=channels,
                           out_channels=out_channels, largest_fft_size=c.fft_size)
    fmt = layer_format(c)
    frac = fmt.data_width - 1
    x_codes = quantize_input(rng.uniform(0, 1, shape), frac, fmt.data_width, fmt.rounding)
    fan_in = channels * kernel ** c.dims
    w = rng.normal(0, np.sqrt(2 / fan_in), (out_channels, channels) + (kernel,) * c.dims)
    bias = rng.uniform(-0.1, 0.1, out_channels)
    mac = c.pe.build_mac(c)
    if mac is not None:
        mac = mac.for_layer(0, fmt.mac_input_width(tiling.fft_size, c.dims), fmt.weight_width)
    quant = calibrate_layer([x_codes], w, bias, tiling, fmt, frac, True, mac)
    job = layer_job(c, x_codes, w, bias, tiling, fmt, quant, mac)
    text = (f"C = {channels}, M = {out_channels}, {'x'.join(map(str, shape[1:]))}, K = 3, "
            f"padding 1, ReLU, N = {tiling.fft_size}, T = {tiling.tile}; seed {TESTBENCH_SEED}")
    return job, text


def _hex(values, width):
    digits = -(-width // 4)
    mask = (1 << width) - 1
    return "".join(f"{int(v) & mask:0{digits}x}\n" for v in values).encode()


def render_testbench(config, files_list="files.f"):
    """``{filename: bytes}``: ``<top>_tb.v`` and its four vector files. ``files_list`` names the
    file list the testbench's run line compiles (``sim_files.f`` where there are models)."""
    c = config
    job, text = smoke_job(c)
    pixel_width = c.data_width * c.pixel_beat_words
    expected = job.as_json(c)["expected"]
    counter_cases = "\n".join(f'      {i}: $display("  {name:<26} %0d", value);'
                              for i, (name, _) in enumerate(COUNTERS))
    timeout = 10_000 + 20 * (int(job.descriptor.bound_cycles) + len(job.weights)
                             + len(job.pixels) + 4 * len(expected))
    template = Template(resources.files("fdagen.tb").joinpath("accelerator_tb.v.tmpl")
                        .read_text())
    top = c.top
    names = testbench_files(top)
    bench = template.substitute(
        version=__version__, top=top, layer=text, files_list=files_list,
        desc_words=len(job.desc), weight_beats=len(job.weights), pixel_beats=len(job.pixels),
        weight_width=c.weight_beat_width, pixel_width=pixel_width, outputs=len(expected),
        counters=len(COUNTERS), data_width=c.data_width, timeout=timeout,
        counter_cases=counter_cases)
    contents = [bench.encode(), _hex(job.desc, 32), _hex(job.weights, c.weight_beat_width),
                _hex(job.pixels, pixel_width), _hex(expected, c.data_width)]
    return dict(zip(names, contents))


def step_testbench(config, files):
    """Build step: add the testbench and its vectors, which compile with ``sim_files.f`` where
    the build has one with models, else ``files.f``."""
    models = files.get("sim_files.f", b"") != files.get("files.f", b"")
    return {**files, **render_testbench(config, "sim_files.f" if models else "files.f")}
