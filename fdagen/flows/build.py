"""``fdagen build`` as steps over a configuration: emit the RTL tree, then rate it.

Each step is ``step(config, files) -> files`` on the in-memory output directory
(``{name: bytes}``); :func:`build_accelerator` runs :data:`ACCELERATOR_STEPS` in order and the
caller writes the result with :func:`fdagen.emit.outdir.write_output_directory`. The emit step
knows nothing of the cost model; the report step adds ``energy.json``/``energy.txt`` and names
them in the manifest.
"""

import json

from fdagen.emit.accelerator import render_accelerator
from fdagen.emit.block import render_block

__all__ = ["step_emit", "step_report", "ACCELERATOR_STEPS", "build_accelerator", "build_block"]


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
ACCELERATOR_STEPS = (step_emit, step_report)


def build_accelerator(config, steps=ACCELERATOR_STEPS):
    """Return ``{filename: bytes}`` of the accelerator's output directory."""
    config.check_generable()
    files = {}
    for step in steps:
        files = step(config, files)
    return files


def build_block(config):
    """Return ``{filename: bytes}`` of one block's output directory."""
    return render_block(config)
