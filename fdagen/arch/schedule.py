"""The loop nest the accelerator's controller runs for one conv layer, as counts.

One source for the RTL's schedule-determined perf counters, the utilisation bound and the
cost models built on them: :class:`LayerSchedule` needs only the build
(:class:`fdagen.arch.config.AcceleratorConfig`), the layer's tiling and its channel counts, no data
and no quantization. The controller's loop nest (``fdagen.gateware.accel.tile_loop``): blocks of
the build's ``spectrum_tiles`` tiles (raster order), output-channel groups ``g < G = ceil(M /
J)``, the block's tiles ``t``, bin steps ``< U / L``, input channels ``c`` innermost; for digital
PEs each channel is one array operation (the PE kind's issue
interval of cycles, :meth:`fdagen.arch.pe_kinds.PEKind.issue_interval`) in which every PE reads
its weight and all ``L`` bin lanes read the input spectrum; crossbars take every channel of a
step in one operation (``fdagen.gateware.accel.crossbar_mac``). The FFT runs once per (tile,
c), the IFFT once per (tile, m).
"""

import math
from dataclasses import dataclass

import numpy as np

from fdagen.arch.fields import SCHEDULED_COUNTERS
from fdagen.arch.geometry import TileGeometry
from fdagen.golden.checks import ParameterError
from fdagen.golden.tiling import Tiling

__all__ = ["LayerSchedule"]


@dataclass(frozen=True)
class LayerSchedule:
    """One layer on one build: ``config`` (AcceleratorConfig), ``tiling`` (a
    :class:`~fdagen.golden.tiling.Tiling` of the build's dimensions with an FFT size of
    :attr:`~fdagen.arch.config.AcceleratorConfig.layer_fft_sizes`), ``C`` and ``M``."""

    config: object
    tiling: Tiling
    channels: int
    out_channels: int
    #: The layer's weights are in place already (loaded by an earlier layer): none stream in.
    resident: bool = False
    #: Output-channel group buffers the layer uses (``None``: as many as it has groups, up to
    #: :attr:`buffer_limit`).
    weight_buffers: int = None

    def __post_init__(self):
        sizes = self.config.layer_fft_sizes
        if self.tiling.fft_size not in sizes:
            raise ParameterError(f"layer FFT size must be a power of two between {sizes[0]} and "
                                 f"the build's {sizes[-1]}, not {self.tiling.fft_size}")
        if self.weight_buffers is None:
            object.__setattr__(self, "weight_buffers", min(self.groups, self.buffer_limit))
        if not 1 <= self.weight_buffers <= self.buffer_limit:
            raise ParameterError(f"weight buffers must be between 1 and the "
                                 f"{self.buffer_limit} of U/L = {self.bin_steps} sets the build's "
                                 f"{self.config.weight_sets} weight sets hold, not "
                                 f"{self.weight_buffers}")
        if self.streams_groups and not self.config.pe.streams_weights:
            raise ParameterError(f"weight buffers must be at least the layer's {self.groups} "
                                 f"groups for PE kind {self.config.pe.name!r} (its weights are "
                                 f"in place before the run), not {self.weight_buffers}")
        if self.streams_groups and self.resident:
            raise ParameterError(f"resident weights must fit the layer's weight buffers: "
                                 f"{self.groups} groups, not {self.weight_buffers}")
        if self.tiling.dims != self.config.dims:
            raise ParameterError(f"layers on this build must be {self.config.dims}-D, not "
                                 f"{self.tiling.dims}-D")

    @property
    def tiles(self):
        """``B_t``."""
        return self.tiling.tile_count

    @property
    def geometry(self):
        """The :class:`~fdagen.arch.geometry.TileGeometry` of the layer's tiles (its FFT size
        ``N``, at most the build's)."""
        return TileGeometry(self.config.dims, self.tiling.fft_size)

    @property
    def unique_bins(self):
        """``U``: bins of the layer's half spectrum."""
        return self.geometry.unique_bins

    @property
    def bin_steps(self):
        """``U / L``: array operations per input channel and pass at the layer's ``N``."""
        return self.unique_bins // self.config.bin_lanes

    @property
    def buffer_limit(self):
        """Group buffers of the layer's ``U/L`` sets the build's weight sets hold."""
        return self.config.weight_sets // self.bin_steps

    @property
    def fft_shift(self):
        """``log2(N_max / N)``: the build's FFT stages the layer's transforms skip."""
        return self.config.stages - (self.tiling.fft_size.bit_length() - 1)

    @property
    def groups(self):
        """``G = ceil(M / J)``: passes over the input spectra, one per output-channel group."""
        return -(-self.out_channels // self.config.slots)

    @property
    def blocks(self):
        """Tile blocks: ``ceil(B_t / B)`` with the build's ``spectrum_tiles`` ``B``."""
        return -(-self.tiles // self.config.spectrum_tiles)

    @property
    def streams_groups(self):
        """More groups than weight buffers: the groups stream into the buffers in turn, once
        per tile block."""
        return self.groups > self.weight_buffers

    @property
    def weight_passes(self):
        """Times the weights stream in: once per block when :attr:`streams_groups`, else
        once."""
        return self.blocks if self.streams_groups else 1

    @property
    def mac_operations(self):
        """Array operations (an issue interval each): the PE kind's
        (:meth:`~fdagen.arch.pe_kinds.PEKind.operations`), ``B_t * G * U/L * C`` for
        digital PEs (one input channel each), ``B_t * G * U/L`` for crossbars (all of them)."""
        return self.config.pe.operations(self.config, self.bin_steps, self.tiles, self.groups,
                                         self.channels)

    @property
    def _pes_over_groups(self):
        """PEs at work summed over the ``G`` groups: a kind that gates idle slots
        (:attr:`~fdagen.arch.pe_kinds.PEKind.gates_idle_slots`) runs group ``g``'s ``L min(J,
        M - g J)`` PEs, ``L M`` in all; the others all ``P`` in every group."""
        c = self.config
        return c.bin_lanes * self.out_channels if c.pe.gates_idle_slots else c.pes * self.groups

    @property
    def pe_operations(self):
        """PE operations: an operation's PEs at work, summed over the layer's operations."""
        return self.mac_operations // self.groups * self._pes_over_groups

    @property
    def pe_sums(self):
        """Sums the PEs write to the output-spectrum buffer: one per PE at work, pass and bin
        step."""
        return self.tiles * self.bin_steps * self._pes_over_groups

    @property
    def complex_macs(self):
        """Complex MACs the layer needs, ``B_t C M U`` (idle PE slots excluded)."""
        return self.tiles * self.channels * self.out_channels * self.unique_bins

    @property
    def bound_cycles(self):
        """The utilisation limit ``I B_t C M U / (P C_op)`` with the kind's issue interval
        ``I`` and ``C_op`` input channels per operation (``2 B_t C M U / P`` for FDA's
        two-cycle PE, DESIGN.md section 2)."""
        per_operation = self.config.pe.channels_per_operation(self.channels)
        return self.config.issue_interval * self.complex_macs / (self.config.pes * per_operation)

    @property
    def butterflies_per_frame(self):
        """Radix-2 butterflies of one transform as the RTL computes it
        (:attr:`fdagen.arch.geometry.TileGeometry.butterflies_per_frame`: for 2-D, ``N`` row
        FFTs and ``N/2 + 1`` column FFTs of ``(N/2) log2 N`` butterflies each)."""
        return self.geometry.butterflies_per_frame

    @property
    def fft_butterflies(self):
        return self.tiles * self.channels * self.butterflies_per_frame

    @property
    def ifft_butterflies(self):
        return self.tiles * self.out_channels * self.butterflies_per_frame

    @property
    def weight_sets(self):
        """Weight sets the layer's weights take on every bin lane: ``U/L`` per buffer, at the
        layer's ``N``."""
        return self.weight_buffers * self.bin_steps

    @property
    def weight_writes(self):
        """Spectral weights the layer loads: ``M C U`` per :attr:`weight_passes`, none when
        they are resident."""
        return 0 if self.resident else (self.weight_passes * self.out_channels * self.channels
                                         * self.unique_bins)

    @property
    def output_pixels(self):
        return self.out_channels * math.prod(self.tiling.output_shape)

    @property
    def pixel_beats(self):
        """Beats of the pixels stream: each row (the innermost axis) in beats of ``V``
        pixels, the build's ``pixel_beat_words``."""
        *outer, row = self.tiling.shape
        return self.channels * math.prod(outer) * -(-row // self.config.pixel_beat_words)

    def band_order(self):
        """The layer's **bands** in the order the drain streams them, as ``(g, ty)``: band
        ``ty`` of output-channel group ``g`` is final once the IFFT lanes have overlap-added
        the group's pass over the last tile of tile row ``ty`` (along the first axis). Tile
        blocks come in order, every group over a block, so each block contributes, group by
        group, the tile rows whose last tile it holds."""
        rows = self.tiling.tiles_per_axis[0]
        per_row = self.tiles // rows
        block = self.config.spectrum_tiles
        order = []
        for first in range(0, self.tiles, block):
            ending = [ty for ty in range(rows)
                      if first <= (ty + 1) * per_row - 1 < first + block]
            order += [(g, ty) for g in range(self.groups) for ty in ending]
        return order

    def band_rows(self, ty):
        """Output rows (first-axis indices) of band ``ty``: those whose overlap-add row
        ``K - 1 + i s`` is in ``[ty T, (ty + 1) T)``, the last band's from ``ty T`` on (a
        band may have none)."""
        t = self.tiling
        last = ty == t.tiles_per_axis[0] - 1
        return [i for i in range(t.output_shape[0])
                if ty * t.tile <= t.kernel - 1 + i * t.stride
                and (last or t.kernel - 1 + i * t.stride < (ty + 1) * t.tile)]

    @property
    def ends_with_output(self):
        """The last tile row's band has output rows, so the last output pixel follows the
        run's end; else (a stride past the last rows) it may come before."""
        return bool(self.band_rows(self.tiling.tiles_per_axis[0] - 1))

    def output_order(self):
        """The ``out`` stream's order: element ``n`` is the flat index into the ``(M,
        *output shape)`` result of the ``n``-th pixel out. Band by band
        (:meth:`band_order`), each band's output channels in turn (``m = g J + j``), each
        channel's rows of the band (:meth:`band_rows`) in raster order."""
        shape = (self.out_channels, *self.tiling.output_shape)
        index = np.arange(math.prod(shape)).reshape(shape)
        slots = self.config.slots
        rows = [self.band_rows(ty) for ty in range(self.tiling.tiles_per_axis[0])]
        parts = [index[m, rows[ty]].reshape(-1)
                 for g, ty in self.band_order()
                 for m in range(g * slots, min((g + 1) * slots, self.out_channels))]
        return np.concatenate(parts)

    def scheduled_counts(self):
        """The perf counters (:data:`fdagen.arch.fields.COUNTERS`) that the schedule fixes.

        These equal the RTL's counters exactly (modulo 2^32, the counters' width) for any input
        data, gaps and backpressure; the
        remaining counters (cycles, stalls) depend on timing. Buffer traffic follows the
        controller: every PE at work (:attr:`pe_operations`: a kind that gates idle
        output-channel slots runs only the slots with an output channel) reads its weight and
        writes its finished sum on every operation, the tiles cover the padded map so every pixel is
        read once per layer, and each IFFT tile writes its whole N^d window into the
        overlap-add bank, reading back the words an earlier tile already wrote (window area
        minus the union of the windows) before the drain reads each output pixel once.
        """
        c, t = self.config, self.tiling
        frame = self.geometry.frame_words
        covered = self.geometry.covered(t)
        counts = {
            "pe_busy_cycles": self.config.issue_interval * self.mac_operations,
            "mac_operations": self.mac_operations,
            "fft_frames": self.tiles * self.channels,
            "ifft_frames": self.tiles * self.out_channels,
            "fmap_writes": self.pixel_beats,
            "fmap_reads": self.channels * math.prod(t.shape),
            "weight_writes": self.weight_writes,
            "spectrum_writes": self.tiles * self.channels * self.unique_bins,
            **c.pe.scheduled_counts(c, self.mac_operations, self.channels, self.pe_operations),
            "output_spectrum_writes": self.pe_sums,
            "output_spectrum_reads": self.tiles * self.out_channels * self.unique_bins,
            "oaa_reads": self.out_channels * (self.tiles * frame - covered) + self.output_pixels,
            "oaa_writes": self.tiles * self.out_channels * frame,
            "bias_writes": self.out_channels,
            "output_pixels": self.output_pixels,
        }
        return {name: counts[name] for name in SCHEDULED_COUNTERS}
