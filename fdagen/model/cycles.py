"""Cycle model of one layer on the accelerator: load, run (tile pipeline) and drain.

The schedule's counts (:class:`fdagen.arch.schedule.LayerSchedule`) are exact; cycles depend on how
the three pipelined engines overlap, which this model replays one tile at a time (an event
model, not a cycle-accurate one):

* **Load.** Weights (``M C U`` spectral words and ``M`` biases) and pixels (``C H W``) arrive
  concurrently, one word per clock each on an ideal host: ``max(weights, pixels)`` plus
  :data:`LOAD_OVERHEAD`.
* **Run.** Forward lane ``f = t mod LF`` streams tile ``t``'s ``C`` frames at one pixel per
  clock (``N^2`` clocks a frame, :class:`fdagen.gateware.fft.fft2d.FFT2D`'s throughput) once the
  array has finished tile ``t - 2 LF`` (two spectrum slots per lane); the tile's spectra are
  complete
  :func:`forward_latency` clocks after its last pixel. The array starts tile ``t`` when it has
  finished tile ``t - 1``, the spectra are complete and an output-spectrum slot is free (the
  IFFT lanes have read tile ``t - 2``); it takes the kind's operation clocks per operation
  (:meth:`fdagen.arch.pe_kinds.PEKind.operation_clocks`: ``2 G (U/L) C`` clocks for digital
  PEs; crossbars also gather each operation's ``C`` channels, overlapped with the previous
  operation but not before a tile's first, :meth:`~fdagen.arch.pe_kinds.PEKind.lead_clocks`).
  Weights load at the kind's pace (:meth:`~fdagen.arch.pe_kinds.PEKind.weight_load_clocks`:
  crossbars write-verify every cell). IFFT lane ``i`` then
  transforms its output channels of the tile at ``N^2`` clocks a frame, and the run ends
  :func:`inverse_latency` clocks after the last lane's last frame.
* **Drain.** One output pixel per clock on an ideal consumer, plus :data:`DRAIN_OVERHEAD`.

The latencies come from the RTL's own pipeline depths (:func:`fdagen.arch.latency.fft_core_latency`)
plus fixed hand-offs measured once in simulation; ``tests/modelcheck.py`` states the
tolerance against RTL simulation and the tests check it.
"""

import math
from dataclasses import dataclass

from fdagen.arch.fields import FIELDS
from fdagen.arch.latency import fft_core_latency
from fdagen.golden.checks import ParameterError

__all__ = ["CycleEstimate", "estimate_cycles", "forward_latency", "inverse_latency"]

#: Clocks between the descriptor's last word and the first load beat, and after the last.
LOAD_OVERHEAD = 1
#: Clocks between the last overlap-add and the last output pixel beyond one per pixel.
DRAIN_OVERHEAD = 4
#: Hand-off clocks: spectrum buffer write after the column FFT, array issue after readiness.
FORWARD_HANDOFF = 8
#: Hand-off clocks: output-spectrum read latency, requantize and overlap-add write.
INVERSE_HANDOFF = 17


def forward_latency(n):
    """Clocks from a tile's last pixel into the 2-D FFT to its last bin in the spectrum buffer:
    the column pass streams the ``U`` kept bins after the transpose bank completes, behind the
    row and column cores' pipelines."""
    return n * (n // 2 + 1) + 2 * fft_core_latency(n) + FORWARD_HANDOFF


def inverse_latency(n):
    """Clocks from an IFFT lane's last frame slot to the tile's last overlap-add write: the
    column pass reads the ``U`` bins before the row pass can follow, behind both cores."""
    return n * (n // 2 + 1) + 2 * fft_core_latency(n) + INVERSE_HANDOFF


@dataclass(frozen=True)
class CycleEstimate:
    """Estimated counters (names as :data:`fdagen.arch.fields.COUNTERS`) on an ideal host."""

    load_cycles: int
    run_cycles: int
    drain_cycles: int
    pe_busy_cycles: int
    pe_stall_fft: int
    pe_stall_ifft: int

    @property
    def cycles(self):
        """From the first descriptor word to the last output pixel."""
        return len(FIELDS) - 1 + self.load_cycles + self.run_cycles + self.drain_cycles

    def as_dict(self):
        return {"cycles": self.cycles, "load_cycles": self.load_cycles,
                "run_cycles": self.run_cycles, "drain_cycles": self.drain_cycles,
                "pe_busy_cycles": self.pe_busy_cycles, "pe_stall_fft": self.pe_stall_fft,
                "pe_stall_ifft": self.pe_stall_ifft}


def _ifft_frames_per_lane(config, out_channels, groups):
    """IFFT frames each lane runs per tile: lane ``i`` owns slots ``j = i, i + LI, ...``."""
    frames = [0] * config.ifft_lanes
    for g in range(groups):
        for j in range(config.slots):
            if g * config.slots + j < out_channels:
                frames[j % config.ifft_lanes] += 1
    return frames


def estimate_cycles(schedule, issue_interval=None):
    """The :class:`CycleEstimate` of a :class:`~fdagen.arch.schedule.LayerSchedule`.

    The array issues one operation every ``issue_interval`` clocks: by default the build's PE
    kind's (:attr:`fdagen.arch.config.AcceleratorConfig.issue_interval`); another value asks
    what a different PE would do."""
    cfg = schedule.config
    if cfg.dims != 2:
        raise ParameterError(f"the cycle model replays the 2-D transforms the RTL has, so layers "
                             f"must be 2-D, not {cfg.dims}-D")
    channels, tiles = schedule.channels, schedule.tiles
    kind = cfg.pe
    interval = cfg.issue_interval if issue_interval is None else issue_interval
    operation_clocks = (kind.operation_clocks(cfg, channels) if issue_interval is None
                        else issue_interval)
    n = schedule.tiling.fft_size
    frame = cfg.geometry.frame_words
    forward_lanes = cfg.fft_lanes
    mac_time = operation_clocks * (schedule.mac_operations // tiles)
    lead = kind.lead_clocks(channels)
    lane_frames = [f for f in _ifft_frames_per_lane(cfg, schedule.out_channels, schedule.groups)
                   if f]
    fill, tail = forward_latency(n), inverse_latency(n)

    forward_free = [0] * forward_lanes
    inverse_free = [0] * len(lane_frames)
    mac_done, fed = [], []
    array_free = stall_fft = stall_ifft = end = 0
    for t in range(tiles):
        lane = t % forward_lanes
        start = max(forward_free[lane], mac_done[t - 2 * forward_lanes]
                    if t >= 2 * forward_lanes else 0)
        forward_free[lane] = start + channels * frame
        spectra = forward_free[lane] + fill
        slot = fed[t - 2] if t >= 2 else 0
        issue = max(array_free, spectra, slot)
        # the RTL counts a wait for the spectra first, then for the slot
        waited_fft = max(0, spectra - array_free)
        stall_fft += waited_fft
        stall_ifft += issue - array_free - waited_fft
        array_free = issue + mac_time + (lead if issue > array_free else 0)
        mac_done.append(array_free)
        read = 0
        for i, frames in enumerate(lane_frames):
            begin = max(inverse_free[i], array_free)
            inverse_free[i] = begin + frames * frame
            end = max(end, inverse_free[i] + tail)
            # the last frame's U bins are read at its start, N^2 - U before its slot ends
            read = max(read, inverse_free[i] - frame + schedule.config.unique_bins)
        fed.append(read)
    weights = kind.weight_load_clocks(cfg, schedule.weight_writes) + schedule.out_channels
    pixels = channels * math.prod(schedule.tiling.shape)
    return CycleEstimate(
        load_cycles=max(weights, pixels) + LOAD_OVERHEAD,
        run_cycles=end,
        drain_cycles=schedule.output_pixels + DRAIN_OVERHEAD,
        pe_busy_cycles=interval * schedule.mac_operations,
        pe_stall_fft=stall_fft,
        pe_stall_ifft=stall_ifft)
