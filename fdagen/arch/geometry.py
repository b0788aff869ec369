"""Tile geometry with the number of spatial dimensions as a parameter.

Everything that depends on whether tiles are squares or cubes asks a :class:`TileGeometry`:
the words in a tile frame, the unique bins of its real-input spectrum, the butterflies of one
transform as the RTL computes it, the window area an overlap-add covers, and the strides of
the feature-map and overlap-add buffers. The schedule, the cycle model and the energy model
use it, so a 3-D layer is a parameter (``dims = 3``) there, not a rewrite. The gateware's
tilers, raster counters and overlap-add addressing are 2-D today; a build refuses other
``dims`` (:meth:`fdagen.arch.config.AcceleratorConfig.check_generable`).
"""

import math
from dataclasses import dataclass

from fdagen.golden.checks import ParameterError
from fdagen.golden.tiling import real_fft_butterflies, unique_bins

__all__ = ["TileGeometry", "GENERATED_DIMS"]

#: Spatial dimensions the gateware generates.
GENERATED_DIMS = (2,)


@dataclass(frozen=True)
class TileGeometry:
    """``N``-point tiles over ``dims`` spatial axes (the last axis is the real FFT's)."""

    dims: int
    fft_size: int

    def __post_init__(self):
        if self.dims not in (2, 3):
            raise ParameterError(f"spatial dimensions must be 2 or 3, not {self.dims!r}")

    @property
    def frame_words(self):
        """Words of one tile frame, ``N^dims`` (one per clock through a transform)."""
        return self.fft_size ** self.dims

    @property
    def unique_bins(self):
        """``U = N^(dims-1) (N/2 + 1)``: the half spectrum of a real tile
        (:func:`fdagen.golden.tiling.unique_bins`)."""
        return unique_bins(self.fft_size, self.dims)

    @property
    def transforms_per_frame(self):
        """1-D FFTs of one transform as the RTL computes it: ``N^(dims-1)`` along the first
        (real) axis, then ``N^(dims-2) (N/2 + 1)`` along each further axis (forward; the
        inverse runs the same counts in the other order)."""
        n = self.fft_size
        return n ** (self.dims - 1) + (self.dims - 1) * n ** (self.dims - 2) * (n // 2 + 1)

    @property
    def butterflies_per_frame(self):
        """Radix-2 butterflies of one transform, ``(N/2) log2 N`` per 1-D FFT
        (:func:`fdagen.golden.tiling.real_fft_butterflies`)."""
        return real_fft_butterflies(self.fft_size, self.dims)

    def covered(self, tiling):
        """Words of the union of a layer's ``N``-wide overlap-add windows (``T`` apart)."""
        return math.prod((tiles - 1) * tiling.tile + self.fft_size
                         for tiles in tiling.tiles_per_axis)

    def plane_words(self, extent, pitch):
        """Words of one channel in a buffer of ``extent`` per axis whose innermost axis has a
        power-of-two ``pitch``: ``extent^(dims-1) * pitch``."""
        return extent ** (self.dims - 1) * pitch
