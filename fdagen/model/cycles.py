"""Cycle model of one layer on the accelerator: load, run (tile pipeline) and drain.

The schedule's counts (:class:`fdagen.arch.schedule.LayerSchedule`) are exact; cycles depend on how
the three pipelined engines overlap, which this model replays one tile at a time (an event
model, not a cycle-accurate one):

* **Load.** The weights stream (``M`` biases, then the spectral words, ``M C U`` per weight
  pass, ``weight_beat_words`` a beat) and the pixels (``C H W``, ``pixel_beat_words`` of a row
  a beat) arrive concurrently, one beat per clock each on an ideal host. The run starts after
  the pixels and biases, ``max(M, pixel beats)`` plus
  :data:`LOAD_OVERHEAD`, for a kind that streams its weights into the run
  (:attr:`fdagen.arch.pe_kinds.PEKind.streams_weights`); the others load every weight first.
  Streamed weights arrive group by group, each group once its buffer's previous group is
  finished (``weight_buffers`` buffers), and the array starts a group's passes once its weights
  are in.
* **Run.** Tiles run in blocks of ``B`` (the build's ``spectrum_tiles``), every
  output-channel group over a block before the next block (:mod:`fdagen.gateware.accel.
  tile_loop`); a (group, tile) is a **pass**. Forward lane ``f = t mod LF`` streams tile ``t``'s
  ``C`` frames at one pixel per clock (``N^d`` clocks a frame in ``d`` dimensions,
  :class:`fdagen.gateware.fft.fft2d.FFT2D`'s and :class:`~fdagen.gateware.fft.fft3d.FFT3D`'s
  throughput) once the array is done with tile
  ``t - B`` (its last group's pass); the tile's spectra are complete :func:`forward_latency`
  clocks after its last pixel. The array starts a pass when it has finished the previous one,
  the tile's spectra are complete and an output-spectrum slot is free (the IFFT lanes have read
  the pass before the previous); it takes the kind's operation clocks per operation
  (:meth:`fdagen.arch.pe_kinds.PEKind.operation_clocks`: ``2 (U/L) C`` clocks a pass for
  digital PEs; crossbars also gather each operation's ``C`` channels, overlapped with the
  previous operation but not after a wait, :meth:`~fdagen.arch.pe_kinds.PEKind.lead_clocks`).
  Weights load at the kind's pace (:meth:`~fdagen.arch.pe_kinds.PEKind.weight_load_clocks`:
  crossbars write-verify every cell). IFFT lane ``i`` then transforms its output channels of
  the pass's group at ``N^d`` clocks a frame, and the run ends :func:`inverse_latency` clocks
  after the last lane's last frame.
* **Drain**, beside the run, band by band
  (:meth:`fdagen.arch.schedule.LayerSchedule.band_order`): a band streams out once every IFFT
  lane has overlap-added its group's pass over the tile row's last tile, :data:`BAND_START`
  clocks to start it, then its channels' pixels
  (:meth:`~fdagen.arch.schedule.LayerSchedule.band_rows`) at one a clock on an ideal consumer,
  except that the drain's reads yield to the overlap-adds' in the
  same bank: while the lane read-modify-writes (the positions an earlier tile wrote, all but
  ``T^d`` of an interior tile's ``N^d``), the drain gets the other clocks, which the model
  takes as spread evenly over each frame's writes. On a build whose windows are rings of rows
  (:attr:`~fdagen.arch.config.AcceleratorConfig.oaa_ring`) a tile row's first pass waits
  until the band two back is drained. The drain phase is what is left after the run, plus
  :data:`DRAIN_OVERHEAD`; the last pixel comes before the run's end when the last bands have
  no output rows.

The latencies come from the RTL's own pipeline depths (:func:`fdagen.arch.latency.fft_core_latency`)
plus fixed hand-offs measured once in simulation; ``tests/modelcheck.py`` states the
tolerance against RTL simulation and the tests check it.
"""

import itertools
import math
from dataclasses import dataclass

from fdagen.arch.fields import field_names
from fdagen.arch.latency import fft_core_latency

__all__ = ["CycleEstimate", "estimate_cycles", "forward_latency", "inverse_latency"]

#: Clocks between the descriptor's last word and the first load beat (LOAD's first, where the
#: loader's walks restart), and after the last (the loader's START, the clock that starts the
#: run from a register).
LOAD_OVERHEAD = 3
#: Clocks from the drain walk's last pixel to the last output pixel (the read request queue's
#: two, the overlap-add read's four, :attr:`~fdagen.gateware.accel.interfaces.DrainRead.latency`,
#: the biased sum's register, the requantizer's two, the output register).
DRAIN_OVERHEAD = 10
#: Clocks from the last overlap-add to the run's end (the lanes' finished flag, registered).
RUN_END = 1
#: Clocks from a band's being final, or the drain's last read of the band before, to the
#: band's first read (the registered take, the start, the flags' priming; ``final`` comes two
#: registers after the lanes' counts, and the band before pops the queue a clock after its
#: last read): fitted to the RTL's counters over the cases of ``tests/model/
#: test_cycle_model.py``.
BAND_START = 3
#: Hand-off clocks: the feature map's read a clock after its issue (from registers), spectrum
#: buffer write after the column FFT, array issue after readiness.
FORWARD_HANDOFF = 9
#: Hand-off clocks: the PE's result latency, output-spectrum read latency (four), requantize
#: (two registers) and overlap-add (sample, coordinates, address, read, word register, write).
INVERSE_HANDOFF = 25
#: Hand-off clocks of a 3-D transform's depth pass: its transpose bank's fetch and landing.
DEPTH_HANDOFF = 3


def _core_latency(n, build_n):
    """An ``n``-point transform on the build's ``build_n``-point core (the skipped stages keep
    their pipeline registers)."""
    build_n = build_n or n
    return fft_core_latency(build_n, length_shift=build_n.bit_length() - n.bit_length())


def _depth_pass(n, build_n, dims):
    """A 3-D transform's depth pass: it streams the tile's ``N N (N/2 + 1)`` bins once its
    transpose bank is complete, behind the depth core (nothing in 2-D)."""
    if dims == 2:
        return 0
    return n * n * (n // 2 + 1) + _core_latency(n, build_n) + DEPTH_HANDOFF


def forward_latency(n, build_n=None, dims=2):
    """Clocks from a tile's last pixel into the tile FFT to its last bin in the spectrum
    buffer: the column pass streams the plane's ``N (N/2 + 1)`` kept bins after the transpose
    bank completes, behind the row and column cores' pipelines (``n``-point transforms on
    ``build_n``-point cores); in 3-D the depth pass then streams the tile's bins."""
    return (n * (n // 2 + 1) + 2 * _core_latency(n, build_n) + FORWARD_HANDOFF
            + _depth_pass(n, build_n, dims))


def inverse_latency(n, build_n=None, dims=2):
    """Clocks from an IFFT lane's last frame slot to the tile's last overlap-add write: the
    column pass reads the plane's bins before the row pass can follow, behind both cores; in
    3-D the depth pass reads the tile's bins first."""
    return (n * (n // 2 + 1) + 2 * _core_latency(n, build_n) + INVERSE_HANDOFF
            + _depth_pass(n, build_n, dims))


@dataclass(frozen=True)
class CycleEstimate:
    """Estimated counters (names as :data:`fdagen.arch.fields.COUNTERS`) on an ideal host.
    ``output_end``: the last output pixel, in clocks from the run's start (before the run's
    end when the layer's last bands have no output rows: ``drain_cycles`` is then 1, as the
    RTL counts it)."""

    load_cycles: int
    run_cycles: int
    drain_cycles: int
    pe_busy_cycles: int
    pe_stall_fft: int
    pe_stall_ifft: int
    pe_stall_weights: int = 0
    output_end: int = None
    #: Words of the build's descriptor (:func:`fdagen.arch.fields.field_names`).
    descriptor_words: int = len(field_names(2))

    @property
    def cycles(self):
        """From the first descriptor word to the last output pixel."""
        end = self.run_cycles + self.drain_cycles if self.output_end is None else self.output_end
        return self.descriptor_words - 1 + self.load_cycles + end

    def as_dict(self):
        return {"cycles": self.cycles, "load_cycles": self.load_cycles,
                "run_cycles": self.run_cycles, "drain_cycles": self.drain_cycles,
                "pe_busy_cycles": self.pe_busy_cycles, "pe_stall_fft": self.pe_stall_fft,
                "pe_stall_ifft": self.pe_stall_ifft, "pe_stall_weights": self.pe_stall_weights}


def _ifft_frames_per_lane(config, out_channels, group):
    """IFFT frames each lane runs in a pass of ``group``: lane ``i`` owns slots ``j = i, i +
    LI, ...``, the output channels ``group J + j < M``."""
    frames = [0] * config.ifft_lanes
    for j in range(config.slots):
        if group * config.slots + j < out_channels:
            frames[j % config.ifft_lanes] += 1
    return frames


class _Windows:
    """One IFFT lane's overlap-add streams, in time order: ``(start, end, busy, bank)``, each
    frame's ``N^d`` writes of which ``busy`` also read its bank (spread evenly, as the model
    takes them)."""

    def __init__(self):
        self.windows, self.first = [], 0

    def add(self, start, length, busy, bank):
        self.windows.append((start, start + length, busy, bank))

    def read(self, clock, pixels, bank):
        """When ``pixels`` drain reads of ``bank`` from ``clock`` on (one a clock the port is
        free) are done."""
        while self.first < len(self.windows) and self.windows[self.first][1] <= clock:
            self.first += 1
        for start, end, busy, window_bank in itertools.islice(self.windows, self.first, None):
            if window_bank != bank or not busy:
                continue
            if start > clock:
                if pixels <= start - clock:
                    break
                pixels -= start - clock
                clock = start
            rate = 1 - busy / (end - start)
            if pixels <= (end - clock) * rate:
                return clock + math.ceil(pixels / rate)
            pixels -= (end - clock) * rate
            clock = end
        return clock + pixels


def estimate_cycles(schedule, issue_interval=None):
    """The :class:`CycleEstimate` of a :class:`~fdagen.arch.schedule.LayerSchedule`.

    The array issues one operation every ``issue_interval`` clocks: by default the build's PE
    kind's (:attr:`fdagen.arch.config.AcceleratorConfig.issue_interval`); another value asks
    what a different PE would do."""
    cfg = schedule.config
    kind = cfg.pe
    channels, tiles, groups = schedule.channels, schedule.tiles, schedule.groups
    out_channels, buffers = schedule.out_channels, schedule.weight_buffers
    pixels = schedule.pixel_beats
    # weights-stream beats of each group: V output channels a beat
    group_beats = [-(-min(cfg.slots, out_channels - g * cfg.slots) // cfg.weight_beat_words)
                   * channels * schedule.unique_bins for g in range(groups)]
    if kind.streams_weights:
        load = max(out_channels, pixels) + LOAD_OVERHEAD
    else:
        weights = kind.weight_load_clocks(cfg, schedule.weight_writes) + out_channels
        load = max(weights, pixels) + LOAD_OVERHEAD
    # Streamed groups, in stream order: when each is in its buffer (run clock 0 is the end
    # of the load; the weights follow the biases from the load's start).
    loader_free = out_channels - load
    loaded, group_done = [], []

    def group_loaded(q):
        """When the ``q``-th group of the stream is in (resident or loaded before: at once)."""
        nonlocal loader_free
        if schedule.resident or not kind.streams_weights:
            return 0
        while len(loaded) <= q:
            k = len(loaded)
            # the buffer it refills must be done with its previous group
            start = max(loader_free, group_done[k - buffers]) if k >= buffers else loader_free
            loader_free = start + kind.weight_load_clocks(cfg, group_beats[k % groups])
            loaded.append(loader_free)
        return loaded[q]
    interval = cfg.issue_interval if issue_interval is None else issue_interval
    operation_clocks = (kind.operation_clocks(cfg, channels) if issue_interval is None
                        else issue_interval)
    n = schedule.tiling.fft_size
    frame = schedule.geometry.frame_words
    forward_lanes, block = cfg.fft_lanes, cfg.spectrum_tiles
    pass_time = operation_clocks * (schedule.mac_operations // (tiles * groups))
    lead = kind.lead_clocks(channels)
    frames_of = [_ifft_frames_per_lane(cfg, schedule.out_channels, g) for g in range(groups)]
    fill = forward_latency(n, cfg.fft_size, cfg.dims)
    tail = inverse_latency(n, cfg.fft_size, cfg.dims)

    forward_free = [0] * forward_lanes
    inverse_free = [0] * cfg.ifft_lanes
    lane_read = [0] * cfg.ifft_lanes
    lane_added = [0] * cfg.ifft_lanes      # each lane's last overlap-add so far
    # the drain, band by band as each is final, each channel's pixels at the clocks its
    # lane's overlap-adds leave the bank's read port free
    tiling = schedule.tiling
    per_row = tiles // tiling.tiles_per_axis[0]
    row_pixels = math.prod(tiling.output_shape[1:])
    bands = schedule.band_order()
    band_pixels = [len(schedule.band_rows(ty)) * row_pixels
                   for ty in range(tiling.tiles_per_axis[0])]
    # overlap-adds that read before they write (the positions an earlier tile wrote) take the
    # bank's read port: per tile, all but those no earlier tile reached
    busy_of = [frame - math.prod(n if index == 0 else tiling.tile for index in position)
               for position in itertools.product(*map(range, tiling.tiles_per_axis))]
    final = []                             # when each band fed is final
    drained = []                           # when the drain has read each band
    windows = [_Windows() for _ in range(cfg.ifft_lanes)]
    drain_free = output_end = 0

    def drain_through(band):
        """Replay the drain up to band index ``band``."""
        nonlocal drain_free, output_end
        while len(drained) <= band < len(final):
            g, ty = bands[len(drained)]
            pixels = band_pixels[ty]
            # the band's start (and a clock more to pass over a band without pixels)
            clock = max(drain_free, final[len(drained)]) + BAND_START
            if pixels:
                for j in range(min(cfg.slots, out_channels - g * cfg.slots)):
                    clock = windows[j % cfg.ifft_lanes].read(clock, pixels, g % cfg.oaa_banks)
                output_end = math.ceil(clock) + DRAIN_OVERHEAD
            else:
                clock += 1
            drain_free = clock = math.ceil(clock)
            drained.append(clock)
    spectra, tile_free, fed = [0] * tiles, [0] * tiles, []
    array_free = stall_weights = stall_fft = stall_ifft = end = 0
    for first in range(0, tiles, block):
        block_tiles = range(first, min(first + block, tiles))
        for t in block_tiles:
            lane = t % forward_lanes
            start = max(forward_free[lane], tile_free[t - block] if t >= block else 0)
            forward_free[lane] = start + channels * frame
            spectra[t] = forward_free[lane] + fill
        for g in range(groups):
            q = len(group_done) if schedule.streams_groups else g
            weights_in = group_loaded(q)
            for t in block_tiles:
                p = len(fed)
                slot = fed[p - 2] if p >= 2 else 0
                # a tile row's first pass waits, on a ring, for the band two back drained
                gate = 0
                if cfg.oaa_ring and t % per_row == 0 and len(final) >= 2:
                    drain_through(len(final) - 2)
                    gate = drained[len(final) - 2]
                issue = max(array_free, weights_in, spectra[t], slot)
                # the RTL counts a wait for the weights first, then the spectra, then the slot
                waited_weights = max(0, weights_in - array_free)
                waited_fft = max(0, spectra[t] - max(array_free, weights_in))
                stall_weights += waited_weights
                stall_fft += waited_fft
                stall_ifft += issue - array_free - waited_weights - waited_fft
                array_free = issue + pass_time + (lead if issue > array_free else 0)
                if g == groups - 1:
                    tile_free[t] = array_free
                read = 0
                for i, frames in enumerate(frames_of[g]):
                    if frames:
                        begin = max(inverse_free[i], array_free, gate)
                        for k in range(frames):
                            windows[i].add(begin + k * frame + tail, frame, busy_of[t],
                                           g % cfg.oaa_banks)
                        inverse_free[i] = begin + frames * frame
                        lane_added[i] = inverse_free[i] + tail
                        end = max(end, lane_added[i])
                        # the last frame's U bins are read at its start, N^d - U before its
                        # slot ends
                        lane_read[i] = inverse_free[i] - frame + schedule.unique_bins
                    else:
                        lane_read[i] = max(lane_read[i], array_free, gate)
                        lane_added[i] = max(lane_added[i], array_free, gate)
                    read = max(read, lane_read[i])
                fed.append(read)
                if t % per_row == per_row - 1:
                    final.append(max(lane_added))      # the band is final
            group_done.append(array_free)
    drain_through(len(final) - 1)
    return CycleEstimate(
        load_cycles=load,
        run_cycles=end + RUN_END,
        output_end=output_end,
        drain_cycles=max(output_end - end - RUN_END, 1),
        pe_busy_cycles=interval * schedule.mac_operations,
        pe_stall_fft=stall_fft,
        pe_stall_ifft=stall_ifft,
        pe_stall_weights=stall_weights,
        descriptor_words=len(field_names(cfg.dims)))
