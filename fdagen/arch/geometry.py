"""Tile geometry with the number of spatial dimensions as a parameter.

Everything that depends on whether tiles are squares or cubes asks a :class:`TileGeometry`:
the words in a tile frame, the unique bins of its real-input spectrum, the butterflies of one
transform as the RTL computes it, the window area an overlap-add covers, and the strides of
the feature-map and overlap-add buffers, and the names of the descriptor fields that bound
each axis. The schedule, the cycle model, the energy model and the gateware's raster walks
(:mod:`fdagen.gateware.accel.raster`: the loader, the tilers, the overlap-add writers and the
drain) use it, so a 3-D layer is a parameter (``dims = 3``), not a rewrite: a 3-D build has
the descriptor's depth fields (:func:`fdagen.arch.fields.descriptor`) and 3-D transform blocks
(:mod:`fdagen.gateware.fft.fft3d`, :mod:`~fdagen.gateware.fft.ifft3d`).
"""

import math
from dataclasses import dataclass

from fdagen.golden.checks import ParameterError
from fdagen.golden.tiling import real_fft_butterflies, unique_bins

__all__ = ["TileGeometry", "GENERATED_DIMS"]

#: Spatial dimensions the gateware generates.
GENERATED_DIMS = (2, 3)

#: Axis letters of a 3-D volume, outermost first; a ``dims``-D tile uses the last ``dims``.
AXES = ("z", "y", "x")

#: Descriptor fields of the unpadded input extent along each of :data:`AXES`.
EXTENT_FIELDS = ("depth", "height", "width")

#: Descriptor fields of the output extent along each of :data:`AXES`.
OUTPUT_FIELDS = ("out_depth", "out_height", "out_width")


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

    @property
    def axes(self):
        """Axis letters, outermost first (the last is the real FFT's): ``("y", "x")`` in 2-D."""
        return AXES[-self.dims:]

    @property
    def extent_fields(self):
        """Descriptor fields of the input extent per axis, outermost first."""
        return EXTENT_FIELDS[-self.dims:]

    @property
    def output_fields(self):
        """Descriptor fields of the output extent per axis, outermost first."""
        return OUTPUT_FIELDS[-self.dims:]

    @property
    def tile_count_fields(self):
        """Descriptor fields of the tiles along each axis, outermost first."""
        return tuple(f"tiles_{axis}" for axis in self.axes)

    def strides(self, extent, pitch):
        """Word strides per axis, outermost first, in a buffer of ``extent`` per axis whose
        innermost axis has a ``pitch``: ``(pitch, 1)`` in 2-D, ``(extent pitch, pitch, 1)``
        in 3-D; the outermost stride times ``extent`` is :meth:`plane_words`."""
        return tuple(pitch * extent ** (self.dims - 2 - axis) if axis < self.dims - 1 else 1
                     for axis in range(self.dims))

    def covered(self, tiling):
        """Words of the union of a layer's ``N``-wide overlap-add windows (``T`` apart)."""
        return math.prod((tiles - 1) * tiling.tile + self.fft_size
                         for tiles in tiling.tiles_per_axis)

    def plane_words(self, extent, pitch):
        """Words of one channel in a buffer of ``extent`` per axis whose innermost axis has a
        ``pitch`` (at least ``extent``): ``extent^(dims-1) * pitch``."""
        return extent ** (self.dims - 1) * pitch
