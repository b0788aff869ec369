"""Per-layer operation and memory counts in both domains (the CMC view of Rizvi et al.).

Rizvi et al. (Applied Intelligence 53(4), 2023) compare spatial and spectral CNNs by their
computation and memory cost: FFT work, element-wise complex MACs, IFFT work, spectral weight
storage and feature-map storage. For a conv layer with OaA tiling (``B_t`` tiles, FFT size
``N``, ``U`` unique bins, ``G`` groups, ``C_g = C / G``):

===========================  =======================================================
spatial MACs                 ``M * C_g * K^d * prod(S_out)`` real multiply-adds
spatial weight words         ``M * C_g * K^d``
FFT frames / butterflies     ``B_t * C`` transforms of ``real_fft_butterflies(N, d)``
complex MACs                 ``B_t * C_g * M * U``
IFFT frames / butterflies    ``B_t * M`` transforms (one per tile and output channel)
spectral weight words        ``M * C_g * U`` complex words
input / output map words     ``C * prod(S)`` and ``M * prod(S_out)`` real words
input / output spectrum words  ``B_t * C * U`` and ``B_t * M * U`` complex words
===========================  =======================================================

``spectral_real_mults`` is ``4 * (complex MACs + FFT butterflies + IFFT butterflies)``, a real
multiply count with every butterfly and MAC at four real multiplies (trivial twiddles not
discounted), for a like-for-like ratio against ``spatial MACs``. Fully connected layers have
spatial counts only.
"""

import math

from .checks import ParameterError
from .tiling import Tiling, real_fft_butterflies

__all__ = ["layer_counts", "network_counts", "format_table"]


def layer_counts(layer, fft_size=None):
    """Return a dict of counts for one conv or fc layer (see module docstring)."""
    if layer.kind == "fc":
        return {"layer": layer.name, "kind": "fc",
                "spatial_macs": layer.in_channels * layer.out_channels,
                "spatial_weight_words": layer.in_channels * layer.out_channels,
                "input_words": layer.in_channels, "output_words": layer.out_channels}
    if layer.kind != "conv":
        raise ParameterError(f"layer kind must be conv or fc, not {layer.kind!r}")
    group_in = layer.in_channels // layer.groups
    kernel_size = layer.kernel ** layer.dims
    out_pixels = math.prod(layer.out_shape)
    tiling = Tiling.choose(layer.in_shape, layer.kernel, layer.stride, layer.padding, fft_size,
                           None, group_in, layer.out_channels)
    tiles, bins = tiling.tile_count, tiling.unique_bins
    per_transform = real_fft_butterflies(tiling.fft_size, layer.dims)
    counts = {
        "layer": layer.name, "kind": "conv",
        "in_channels": layer.in_channels, "out_channels": layer.out_channels,
        "in_shape": list(layer.in_shape), "out_shape": list(layer.out_shape),
        "kernel": layer.kernel, "stride": layer.stride, "padding": layer.padding,
        "groups": layer.groups, "fft_size": tiling.fft_size, "tile": tiling.tile,
        "tiles": tiles, "unique_bins": bins,
        "spatial_macs": layer.out_channels * group_in * kernel_size * out_pixels,
        "spatial_weight_words": layer.out_channels * group_in * kernel_size,
        "fft_frames": tiles * layer.in_channels,
        "fft_butterflies": tiles * layer.in_channels * per_transform,
        "complex_macs": tiles * group_in * layer.out_channels * bins,
        "ifft_frames": tiles * layer.out_channels,
        "ifft_butterflies": tiles * layer.out_channels * per_transform,
        "spectral_weight_words": layer.out_channels * group_in * bins,
        "input_words": layer.in_channels * math.prod(layer.in_shape),
        "output_words": layer.out_channels * out_pixels,
        "input_spectrum_words": tiles * layer.in_channels * bins,
        "output_spectrum_words": tiles * layer.out_channels * bins,
    }
    counts["spectral_real_mults"] = 4 * (counts["complex_macs"] + counts["fft_butterflies"]
                                         + counts["ifft_butterflies"])
    counts["spectral_over_spatial"] = counts["spectral_real_mults"] / counts["spatial_macs"]
    return counts


def network_counts(network, fft_size=None):
    """Return ``{"network", "layers": [...], "totals": {...}}`` for conv and fc layers."""
    layers = [layer_counts(layer, fft_size) for layer in network.layers
              if layer.kind in ("conv", "fc")]
    keys = ("spatial_macs", "spatial_weight_words", "complex_macs", "fft_butterflies",
            "ifft_butterflies", "spectral_weight_words", "spectral_real_mults")
    conv = [c for c in layers if c["kind"] == "conv"]
    totals = {key: sum(c.get(key, 0) for c in conv) for key in keys}
    totals["conv_spatial_macs"] = totals.pop("spatial_macs")
    totals["conv_spatial_weight_words"] = totals.pop("spatial_weight_words")
    totals["fc_macs"] = sum(c["spatial_macs"] for c in layers if c["kind"] == "fc")
    return {"network": network.name, "layers": layers, "totals": totals}


_COLUMNS = (("layer", "layer"), ("N", "fft_size"), ("T", "tile"), ("tiles", "tiles"),
            ("spatial MACs", "spatial_macs"), ("FFT bfly", "fft_butterflies"),
            ("complex MACs", "complex_macs"), ("IFFT bfly", "ifft_butterflies"),
            ("spec/spat", "spectral_over_spatial"), ("W words", "spatial_weight_words"),
            ("W^ words", "spectral_weight_words"), ("in words", "input_words"),
            ("out words", "output_words"))


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def format_table(result):
    """Render :func:`network_counts` output as a fixed-width text table."""
    rows = [[name for name, _ in _COLUMNS]]
    for counts in result["layers"]:
        rows.append([_cell(counts.get(key)) for _, key in _COLUMNS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [f"{result['network']}: per-layer counts (W^ words are complex; "
             "spec/spat = 4*(complex MACs + butterflies) / spatial MACs)"]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(width) if i and j else cell.ljust(width)
                               for j, (cell, width) in enumerate(zip(row, widths))))
    totals = result["totals"]
    lines.append(f"conv totals: spatial MACs {totals['conv_spatial_macs']}, complex MACs "
                 f"{totals['complex_macs']}, FFT+IFFT butterflies "
                 f"{totals['fft_butterflies'] + totals['ifft_butterflies']}, "
                 f"spectral real mults {totals['spectral_real_mults']}; fc MACs {totals['fc_macs']}")
    return "\n".join(lines)
