"""The host's view of one conv layer on the accelerator: descriptor, weight and pixel beats.

A layer runs from three input streams, in this order of use (the weight and pixel streams are
accepted concurrently after the descriptor):

``desc``
    :func:`~fdagen.arch.fields.field_names` of the build's dimensions, one 32-bit word each. The input streams carry no ``last``: their lengths
    follow from the descriptor (AXI4-Stream sinks without TLAST). The
    primary fields are the layer's (``C, M, (D,) H, W, K, s, p, N, T``, shifts, ReLU, the FFT
    passes' stage schedules, bit ``i`` = stage ``i``); the derived loop bounds (tiles per axis, output
    size, channel groups) are computed here so the RTL needs no dividers.
``weights``
    ``M`` bias codes (``bias_width`` bits, aligned to the IFFT output scale as in
    :func:`fdagen.golden.pipeline.conv_fixed`), then the ``M * C * U`` spectral weight codes
    (``U = N (N/2 + 1)``, ``N N (N/2 + 1)`` in 3-D, ``N`` the layer's FFT size), ``V`` (the
    build's ``weight_beat_words``) output channels a beat, in the order
    ``(m div V, c, ky, kx)`` (``(m div V, c, kz, ky, kx)`` in 3-D; so output-channel group by
    group): word ``i`` of a beat is
    output channel ``V (m div V) + i``, ``re`` in its low ``weight_width`` bits and ``im``
    above (a last beat past ``M`` is zero-filled); the weights once per tile
    block when the layer has more groups than weight buffers
    (:attr:`~fdagen.arch.schedule.LayerSchedule.weight_passes`), none when they are resident.
    The accelerator takes a group's weights as a buffer is free for them, while it computes.
``pixels``
    ``C * H * W`` input codes in raster order ``(c, h, w)`` (``C * D * H * W``, ``(c, d, h,
    w)`` in 3-D), ``V`` (the build's
    ``pixel_beat_words``) consecutive codes of a row a beat, code ``i`` of the beat in bits
    ``[i d, (i + 1) d)`` (``d`` the data width), a row's last beat zero-filled past its end.

The output stream carries ``M * H_out * W_out`` codes band by band
(:meth:`~fdagen.arch.schedule.LayerSchedule.output_order`: for each band, a tile row's output rows
of one output-channel group, the group's channels in turn, each channel's rows in raster order;
in 3-D a band is a tile slab's output planes), ``last`` on the final one (:func:`decode_output`
puts them in ``(m, *i)`` order), then the
counter stream one beat per :data:`fdagen.arch.fields.COUNTERS` entry.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from fdagen.arch.fields import MAX_SHIFT, field_names
from fdagen.arch.geometry import TileGeometry
from fdagen.arch.schedule import LayerSchedule
from fdagen.golden.checks import ParameterError, is_int
from fdagen.golden.fixedpoint import quantize
from fdagen.golden.pipeline import FixedFormat, LayerQuant, quantize_spectral_weights, tile_frac
from fdagen.golden.tiling import Tiling

__all__ = ["LayerDescriptor", "weight_beats", "pixel_beats", "decode_output", "encode_output",
           "layer_format"]

def layer_format(config, fft_scaling="calibrated"):
    """The :class:`FixedFormat` whose golden pipeline the accelerator ``config`` reproduces."""
    if fft_scaling not in ("calibrated", "per_stage"):
        raise ParameterError(f"FFT scaling on the accelerator must be calibrated or per_stage "
                             f"(constant width), not {fft_scaling!r}")
    return FixedFormat(config.data_width, config.twiddle_width, config.weight_width,
                       config.spectrum_width, config.bias_width, fft_scaling, config.rounding)


def _schedule_word(schedule, stages):
    if isinstance(schedule, str):        # "per_stage": shift every stage
        return (1 << stages) - 1
    return sum(int(bit) << index for index, bit in enumerate(schedule))


@dataclass(frozen=True)
class LayerDescriptor:
    """One layer's descriptor, validated against the build's limits (see
    :func:`~fdagen.arch.fields.field_names`)."""

    config: object
    tiling: Tiling
    fmt: FixedFormat
    quant: LayerQuant
    channels: int
    out_channels: int
    #: The layer's first weight set, and whether its weights are in place already.
    weight_base: int = 0
    resident: bool = False
    #: Group buffers the layer uses from its base (``None``: one per group, as many as fit).
    weight_buffers: int = None

    def __post_init__(self):
        cfg, tiling = self.config, self.tiling
        _ = self.schedule     # LayerSchedule checks: the build's dims, an FFT size it runs
        expected = layer_format(cfg, self.fmt.fft_scaling)
        if self.fmt != expected:
            raise ParameterError(f"layer format must match the build ({expected}), not {self.fmt}")
        extents = [(f"padded input {name}", extent, cfg.max_size) for name, extent in
                   zip(cfg.geometry.extent_fields, tiling.padded_shape)]
        for name, value, limit in (("input channels", self.channels, cfg.max_channels),
                                   ("output channels", self.out_channels, cfg.max_out_channels),
                                   *extents):
            if not 1 <= value <= limit:
                raise ParameterError(f"{name} must be between 1 and {limit} for this build, "
                                     f"not {value}")
        for name, value in (("spectrum shift", self.quant.spectrum_shift),
                            ("output shift", self.output_shift)):
            if not 0 <= value <= MAX_SHIFT:
                raise ParameterError(f"{name} must be between 0 and {MAX_SHIFT}, not {value}")
        sets = self.schedule.weight_sets
        if not (is_int(self.weight_base) and 0 <= self.weight_base <= cfg.weight_sets - sets):
            raise ParameterError(f"weight base must be between 0 and {cfg.weight_sets - sets} "
                                 f"(the build's {cfg.weight_sets} weight sets less the layer's "
                                 f"{sets}), not {self.weight_base!r}")
        if not isinstance(self.resident, (bool, np.bool_)):
            raise ParameterError(f"weights resident must be True or False, not "
                                 f"{self.resident!r}")
        limit = cfg.pe.max_adc_shift(cfg)
        if not 0 <= self.quant.adc_shift <= limit:
            raise ParameterError(f"ADC shift must be between 0 and {limit} for this build, not "
                                 f"{self.quant.adc_shift}")

    @property
    def output_shift(self):
        return tile_frac(self.tiling, self.fmt, self.quant) - self.quant.output_frac

    @property
    def groups(self):
        return self.schedule.groups

    def values(self):
        """``{field: value}`` in :func:`~fdagen.arch.fields.field_names` order."""
        t, q, geometry = self.tiling, self.quant, self.config.geometry
        stages = t.fft_size.bit_length() - 1      # the layer's transform (N <= the build's)
        forward = self.fmt.forward_fft(t.fft_size, t.dims, q)
        inverse = self.fmt.inverse_fft(t.fft_size, t.dims, q)
        passes = ("row", "column", "depth")[:t.dims]
        return {
            "channels": self.channels, "out_channels": self.out_channels,
            **dict(zip(geometry.extent_fields, t.shape)),
            "kernel": t.kernel, "stride": t.stride,
            "padding": t.padding, "fft_size": t.fft_size,
            "fft_shift": self.schedule.fft_shift, "bin_steps": self.schedule.bin_steps,
            "tile": t.tile,
            **dict(zip(geometry.tile_count_fields, t.tiles_per_axis)), "tiles": t.tile_count,
            **dict(zip(geometry.output_fields, t.output_shape)),
            "groups": self.groups, "blocks": self.schedule.blocks,
            "spectrum_shift": q.spectrum_shift,
            "output_shift": self.output_shift, "adc_shift": q.adc_shift,
            "weight_base": int(self.weight_base),
            "weight_buffers": self.schedule.weight_buffers,
            "weights_resident": int(self.resident),
            "relu": int(q.relu),
            **{f"fwd_{name}_schedule": _schedule_word(getattr(forward, f"{name}_scaling"),
                                                      stages) for name in passes},
            **{f"inv_{name}_schedule": _schedule_word(getattr(inverse, f"{name}_scaling"),
                                                      stages) for name in passes},
        }

    def words(self):
        """The ``desc`` stream: one word per :func:`fdagen.arch.fields.field_names` entry of
        the build's dimensions, in table order."""
        values, names = self.values(), field_names(self.config.dims)
        if set(values) != set(names):
            raise ValueError(f"descriptor values must name exactly the table's fields "
                             f"{names}, not {tuple(values)}")
        return [values[name] for name in names]

    # -- the schedule the controller runs (fdagen.arch.schedule) ----------------------------------
    @cached_property
    def schedule(self):
        """The layer's :class:`~fdagen.arch.schedule.LayerSchedule` on this build."""
        buffers = self.weight_buffers
        if buffers is None and is_int(self.weight_base) \
                and 0 <= self.weight_base < self.config.weight_sets:
            steps = TileGeometry(self.config.dims, self.tiling.fft_size).unique_bins \
                // self.config.bin_lanes                  # U/L sets a group, at the layer's N
            free = (self.config.weight_sets - self.weight_base) // steps
            buffers = max(1, min(-(-self.out_channels // self.config.slots), free))
        return LayerSchedule(self.config, self.tiling, self.channels, self.out_channels,
                             self.resident, buffers)

    @property
    def tiles(self):
        return self.schedule.tiles

    @property
    def mac_operations(self):
        return self.schedule.mac_operations

    @property
    def bound_cycles(self):
        return self.schedule.bound_cycles

    def scheduled_counts(self):
        return self.schedule.scheduled_counts()


def weight_beats(config, w, bias, tiling, fmt, quant, resident=False, passes=1):
    """The ``weights`` stream for float weights ``w`` (M, C, *K) and float ``bias`` or None:
    the bias codes, then the spectral weights ``passes`` times
    (:attr:`~fdagen.arch.schedule.LayerSchedule.weight_passes`), none when they are
    ``resident`` (loaded by an earlier layer).

    Spectral codes and bias codes are the golden model's (same quantization, same exponent).
    """
    (re, im), _ = quantize_spectral_weights(w, tiling, fmt.weight_width, fmt.rounding,
                                            exponent=quant.weight_exp)
    ww = config.weight_width
    mask = (1 << ww) - 1
    frac = tile_frac(tiling, fmt, quant)
    codes = (quantize(bias, frac, fmt.bias_width, fmt.rounding) if bias is not None
             else np.zeros(w.shape[0], dtype=np.int64))
    beats = [int(c) & ((1 << config.bias_width) - 1) for c in codes]
    if not resident:
        words = config.weight_beat_words
        packed = (re.astype(np.int64) & mask) | ((im.astype(np.int64) & mask) << ww)
        chunks = -(-packed.shape[0] // words)
        padded = np.zeros((chunks * words,) + packed.shape[1:], dtype=object)
        padded[:packed.shape[0]] = packed
        # (chunk, word, c, *bins) -> one beat per (chunk, c, *bins), word i at 2 ww i
        padded = padded.reshape((chunks, words) + packed.shape[1:])
        beat = sum(padded[:, i] << (2 * ww * i) for i in range(words))
        beats += [int(b) for b in beat.reshape(-1)] * passes
    return [int(b) for b in beats]


def pixel_beats(config, x_codes):
    """The ``pixels`` stream for input codes (C, H, W) or (C, D, H, W) (see the module
    docstring)."""
    width, words = config.data_width, config.pixel_beat_words
    codes = np.asarray(x_codes, dtype=np.int64) & ((1 << width) - 1)
    if words > 1:
        row = codes.shape[-1]
        beats = -(-row // words)
        padded = np.zeros(codes.shape[:-1] + (beats * words,), dtype=np.int64)
        padded[..., :row] = codes
        padded = padded.reshape(codes.shape[:-1] + (beats, words))
        return [sum(int(v) << (width * i) for i, v in enumerate(beat))
                for beat in padded.reshape(-1, words)]
    return [int(v) for v in codes.reshape(-1)]


def decode_output(config, words, descriptor):
    """Output stream words (in the stream's band order,
    :meth:`~fdagen.arch.schedule.LayerSchedule.output_order`) -> signed codes of shape
    (M, *output shape): (M, H_out, W_out), or (M, D_out, H_out, W_out) in 3-D."""
    v = descriptor.values()
    shape = (v["out_channels"], *(v[name] for name in config.geometry.output_fields))
    width = config.data_width
    codes = np.asarray(words, dtype=np.int64) & ((1 << width) - 1)
    codes = np.where(codes >> (width - 1), codes - (1 << width), codes)
    if codes.size != np.prod(shape):
        raise ValueError(f"output must have {np.prod(shape)} words, not {codes.size}")
    result = np.empty(codes.size, dtype=np.int64)
    result[descriptor.schedule.output_order()] = codes
    return result.reshape(shape)


def encode_output(descriptor, codes):
    """Codes of shape (M, *output shape) -> the ``out`` stream's order (what
    :func:`decode_output` inverts)."""
    return np.asarray(codes).reshape(-1)[descriptor.schedule.output_order()]
