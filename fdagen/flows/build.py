"""``fdagen build`` as steps over a configuration: emit the RTL tree, then rate it.

Each step is ``step(config, files) -> files`` on the in-memory output directory
(``{name: bytes}``); :func:`build_accelerator` runs :data:`ACCELERATOR_STEPS` in order and the
caller writes the result with :func:`fdagen.emit.outdir.write_output_directory`. The emit step
knows nothing of the cost model or the golden model; the testbench step adds the self-checking
testbench's vectors from the golden model; the report step adds ``energy.json``/``energy.txt``
and names them in the manifest.
"""

import json

from fdagen.emit.accelerator import render_accelerator
from fdagen.emit.outdir import verilog_sources
from fdagen.flows.testbench import step_testbench

__all__ = ["step_emit", "step_testbench", "step_report", "ACCELERATOR_STEPS", "build_accelerator",
           "build_summary"]


def step_emit(config, files):
    """The RTL tree (:func:`fdagen.emit.accelerator.render_accelerator`)."""
    return {**files, **render_accelerator(config)}


def step_report(config, files):
    """The energy/latency/area report of the build (:func:`fdagen.model.report.
    build_report_files`), listed in ``manifest.json`` under ``"energy_report"``."""
    from fdagen.model.report import build_report_files

    report = build_report_files(config)
    manifest = json.loads(files["manifest.json"])
    manifest["energy_report"] = sorted(report)
    return {**files, **report,
            "manifest.json": (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()}


#: What ``fdagen build --pes P`` runs, in order.
ACCELERATOR_STEPS = (step_emit, step_testbench, step_report)


def build_accelerator(config, steps=ACCELERATOR_STEPS):
    """Return ``{filename: bytes}`` of the accelerator's output directory."""
    config.check_generable()
    files = {}
    for step in steps:
        files = step(config, files)
    return files



def _bits(count):
    for unit, scale in (("Gibit", 1 << 30), ("Mibit", 1 << 20), ("kibit", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bit"


def build_summary(config, files, out):
    """The lines ``fdagen build`` ends with: what was written, the derived geometry, the
    memories, the rating network's layers the build runs (LeNet-5, or conv3d-small on a 3-D
    build, from its ``energy.json``) and what to run next."""
    c = config
    verilog = verilog_sources(files)
    report = json.loads(files["energy.json"]) if "energy.json" in files else None
    memories = c.memory_bits()
    lines = [
        f"wrote {out}: {len(files)} files, top {c.top}",
        f"  verilog    {', '.join(verilog)} (compile order: files.f)",
        f"  also       manifest.json, {c.top}.sdc/.xdc/.lpf/.pcf at {c.clock_mhz:g} MHz, "
        f"{c.top}.core (FuseSoC)" + (", energy.json/.txt" if report else ""),
        f"  testbench  {c.top}_tb.v + {c.top}_tb_*.hex: one small layer against the golden "
        f"model (fusesoc run --target sim, or iverilog -g2012; see its header)",
        f"  array      {c.pes} {c.pe_kind} PEs = {c.bin_lanes} bin lanes x {c.slots} "
        f"output-channel slots, {c.issue_interval} clocks per operation; "
        f"{c.fft_lanes} FFT / {c.ifft_lanes} IFFT lanes, N = {c.fft_size} "
        f"(U = {c.unique_bins} bins; a layer selects N = "
        f"{', '.join(str(n) for n in c.layer_fft_sizes)})",
        f"  limits     C <= {c.max_channels}, M <= {c.max_out_channels}, "
        f"{' and '.join(a + ' + 2p' for a in ('D', 'H', 'W')[-c.dims:])} <= {c.max_size}, "
        f"K <= {c.fft_size}",
        f"  memories   {_bits(sum(memories.values()))}: "
        + ", ".join(f"{name} {_bits(bits)}" for name, bits in memories.items()),
    ]
    if report:
        for layer in report["layers"]:
            lines.append(f"  {report['network']} {layer['name']:<4}  N = {layer['fft_size']}, "
                         f"{layer['cycles']['cycles']} cycles ({layer['latency_s'] * 1e6:.4g} "
                         f"us), "
                         f"{layer['energy_pj'] / 1e6:.4g} uJ, PE efficiency "
                         f"{layer['pe_efficiency']:.2f} (modelled; energy.txt)")
        for layer in report["not_modelled"]:
            if layer["kind"] == "conv":
                lines.append(f"  {report['network']} {layer['name']:<4}  not on this build: "
                             f"{layer['reason']}")
    network = report["network"] if report else "lenet5"     # its layers' dimensions: the build's
    lines += [
        f"  next       fdagen sim conv{c.dims}d --pes P --input X.npy --weights W.npy --out Y.npy"
        "   (a layer on this RTL, bit-exact vs golden)",
        "             fdagen synth --target ecp5 "
        + c.command(minimal=True)[len("fdagen build "):] + " --out synth/",
        f"             fdagen energy --pes {c.pes} --net {network}",
    ]
    return lines
