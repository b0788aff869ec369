"""Overlap-and-add (OaA) tiling geometry shared by the float and the bit-true spectral paths.

A layer's zero-padded input (extent ``S_p = S + 2p`` per spatial axis) is cut into ``T``-wide
tiles, ``B = ceil(S_p / T)`` per axis (the last one zero-filled). Each tile is zero-padded to the
FFT size ``N >= T + K - 1``, so its linear convolution with the flipped ``K``-wide kernel fits
without circular wrap-around. Tile outputs are overlap-added at offsets ``b * T`` (seams
``K - 1`` wide) into the full linear convolution, of which cross-correlation output ``i`` is
element ``i * s + K - 1``.

A **whole-map tile** is the exception: when ``N`` is at least the padded extent ``S_p`` on every
axis, one tile of ``T = max S_p`` may cover the whole map with ``T + K - 1 > N``. The transform
then computes the circular correlation, and its wrap-around lands only on outputs the crop drops:
linear output ``n`` aliases ``n + N``, which is past the last linear output ``S_p + K - 2`` for
every kept ``n >= K - 1`` exactly when ``N >= S_p``. A small layer (LeNet-5's C5: 5x5 input,
``K = 5``, ``N = 8``) then runs as one tile instead of four (``choose(..., whole_map=True)``).

The automatic choice of ``N`` and ``T`` minimises a work estimate: complex MACs
``B_t * C * M * U`` plus radix-2 butterflies of the ``B_t * (C + M)`` forward and inverse
transforms, taking the smaller ``N`` on a tie.
"""

import math
from dataclasses import dataclass

import numpy as np

from .checks import ParameterError, ParameterTypeError, check_range
from .fft import check_fft_size

__all__ = ["MIN_FFT_SIZE", "MAX_FFT_SIZE", "Tiling", "unique_bins", "real_fft_butterflies"]

MIN_FFT_SIZE = 4
MAX_FFT_SIZE = 1024


def unique_bins(n, dims):
    """Return the number of unique bins of a real ``dims``-D FFT of size ``n``: n^(d-1)(n/2+1)."""
    return n ** (dims - 1) * (n // 2 + 1)


def real_fft_butterflies(n, dims):
    """Return the radix-2 butterflies of one row-column real ``dims``-D FFT of size ``n``.

    The first pass transforms ``n**(dims-1)`` real lines; each later pass the lines of the
    ``n/2 + 1`` kept bins: ``n**(dims-2) * (n/2 + 1)`` lines per pass. Each line is
    ``(n/2) log2 n`` butterflies.
    """
    lines = n ** (dims - 1) + (dims - 1) * n ** (dims - 2) * (n // 2 + 1)
    return lines * (n // 2) * int(math.log2(n))


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_int(name, value, minimum):
    if not _is_int(value):
        raise ParameterTypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Tiling:
    """OaA geometry of one layer. Build it with :meth:`choose`.

    Members
    -------
    shape : tuple of int
        Spatial input extent (unpadded), one entry per axis.
    kernel, stride, padding : int
        Kernel extent, stride and zero padding (the same on every axis).
    fft_size : int
        ``N``, a power of two.
    tile : int
        ``T``, with ``T + K - 1 <= N``, or a whole-map tile (see the module docstring).
    """

    shape: tuple
    kernel: int
    stride: int
    padding: int
    fft_size: int
    tile: int

    @classmethod
    def choose(cls, shape, kernel, stride=1, padding=0, fft_size=None, tile=None,
               in_channels=1, out_channels=1, largest_fft_size=None, whole_map=False):
        """Validate a layer's geometry and pick ``N`` and ``T`` (each automatic unless given).

        The padded input size is bounded by ``RANGES["padded input size"]`` before anything is
        allocated; an automatic ``N`` is at most ``largest_fft_size`` (default the model's
        largest, :data:`MAX_FFT_SIZE`). With ``whole_map`` an automatic ``T`` is one whole-map
        tile wherever ``N`` holds the padded map (module docstring); a given ``T`` may be one
        anyway."""
        shape = tuple(_check_int("input size", s, 1) for s in shape)
        kernel = _check_int("kernel size", kernel, 1)
        stride = _check_int("stride", stride, 1)
        padding = _check_int("padding", padding, 0)
        padded = [check_range("padded input size", s + 2 * padding) for s in shape]
        if kernel > min(padded):
            raise ParameterError(f"kernel size must be at most the padded input size "
                                 f"{min(padded)}, not {kernel}")
        if fft_size is not None:
            fft_size = check_fft_size("FFT size", fft_size, MIN_FFT_SIZE, MAX_FFT_SIZE)
        if tile is not None:
            tile = _check_int("tile size", tile, 1)
        if fft_size is not None and tile is not None:
            # a whole-map tile, if N holds the map (and the tile)
            covers = tile >= max(padded) and tile <= fft_size
            if tile + kernel - 1 > fft_size and not (covers and fft_size >= max(padded)):
                least = max(padded) if covers else tile + kernel - 1
                reason = "the padded size, for a whole-map tile" if covers \
                    else "tile + kernel - 1"
                raise ParameterError(f"FFT size must be at least {reason} = {least}, "
                                     f"not {fft_size}")
            return cls(shape, kernel, stride, padding, fft_size, tile)
        if tile is not None:
            fft_size = max(MIN_FFT_SIZE, 1 << (tile + kernel - 2).bit_length())
            if fft_size > MAX_FFT_SIZE:
                raise ParameterError(f"tile size must be at most {MAX_FFT_SIZE - kernel + 1} for "
                                     f"kernel size {kernel}, not {tile}")
            return cls(shape, kernel, stride, padding, fft_size, tile)
        if fft_size is not None:
            if fft_size < kernel:
                raise ParameterError(f"FFT size must be at least the kernel size {kernel}, "
                                     f"not {fft_size}")
            return cls(shape, kernel, stride, padding, fft_size,
                       cls._tile_for(fft_size, kernel, max(padded), whole_map))
        return cls._cheapest(shape, kernel, stride, padding, in_channels, out_channels,
                             largest_fft_size or MAX_FFT_SIZE, whole_map)

    @staticmethod
    def _tile_for(n, kernel, padded, whole_map):
        """The automatic ``T`` at ``N = n`` for a map of largest padded extent ``padded``."""
        if whole_map and padded <= n:
            return padded
        return min(n - kernel + 1, padded)

    @classmethod
    def _cheapest(cls, shape, kernel, stride, padding, in_channels, out_channels, limit,
                  whole_map):
        padded = max(s + 2 * padding for s in shape)
        smallest = max(MIN_FFT_SIZE, 1 << (kernel - 1).bit_length())
        largest = max(smallest, min(limit, 1 << (padded + kernel - 2).bit_length()))
        if smallest > limit:
            raise ParameterError(f"kernel size must be at most {limit}, not {kernel}")
        best = None
        n = smallest
        while n <= largest:
            candidate = cls(shape, kernel, stride, padding, n,
                            cls._tile_for(n, kernel, padded, whole_map))
            cost = candidate.work(in_channels, out_channels)
            if best is None or cost < best[0]:
                best = (cost, candidate)
            n *= 2
        return best[1]

    @property
    def dims(self):
        """Number of spatial axes."""
        return len(self.shape)

    @property
    def padded_shape(self):
        return tuple(s + 2 * self.padding for s in self.shape)

    @property
    def whole_map(self):
        """One tile wider than ``N - K + 1``: the transform is circular, exact on the outputs
        kept (see the module docstring)."""
        return self.tile + self.kernel - 1 > self.fft_size

    @property
    def tiles_per_axis(self):
        """``B`` per axis: ``ceil(S_p / T)``."""
        return tuple(-(-p // self.tile) for p in self.padded_shape)

    @property
    def tile_count(self):
        """``B_t``, the number of tiles."""
        return math.prod(self.tiles_per_axis)

    @property
    def output_shape(self):
        """Spatial output extent ``(S_p - K) // s + 1`` per axis."""
        return tuple((p - self.kernel) // self.stride + 1 for p in self.padded_shape)

    @property
    def unique_bins(self):
        """``U``: unique bins of the real FFT of one tile."""
        return unique_bins(self.fft_size, self.dims)

    @property
    def max_overlap(self):
        """Most tile outputs summed into one OaA element along one axis."""
        return -(-(self.fft_size) // self.tile) if self.tile < self.fft_size else 1

    def work(self, in_channels, out_channels):
        """Work estimate used by the automatic choice (see module docstring)."""
        transforms = self.tile_count * (in_channels + out_channels)
        return (self.tile_count * in_channels * out_channels * self.unique_bins
                + transforms * real_fft_butterflies(self.fft_size, self.dims))

    def tiles(self, x):
        """Cut ``x`` (C, *S) into zero-padded tiles, shape (C, *B, *(N,)*dims)."""
        x = np.asarray(x)
        if x.shape[1:] != self.shape:
            raise ParameterError(f"input spatial shape must be {self.shape}, not {x.shape[1:]}")
        d, t, n = self.dims, self.tile, self.fft_size
        blocks = self.tiles_per_axis
        pad = [(0, 0)] + [(self.padding, b * t - s - self.padding)
                          for s, b in zip(self.shape, blocks)]
        xp = np.pad(x, pad)
        # (C, B1, T, B2, T, ...) -> (C, B1, B2, ..., T, T, ...)
        xp = xp.reshape((x.shape[0],) + sum(((b, t) for b in blocks), ()))
        order = [0] + [1 + 2 * i for i in range(d)] + [2 + 2 * i for i in range(d)]
        xt = xp.transpose(order)
        return np.pad(xt, [(0, 0)] * (1 + d) + [(0, n - t)] * d)

    def overlap_add(self, tile_outputs):
        """Overlap-add tile outputs (M, *B, *(N,)*dims) into the full linear convolution."""
        t, n = self.tile, self.fft_size
        blocks = self.tiles_per_axis
        full = np.zeros((tile_outputs.shape[0],) + tuple(b * t + n - t for b in blocks),
                        dtype=tile_outputs.dtype)
        for index in np.ndindex(*blocks):
            where = (slice(None),) + tuple(slice(i * t, i * t + n) for i in index)
            full[where] += tile_outputs[(slice(None),) + index]
        return full

    def crop(self, full):
        """Take cross-correlation outputs ``i*s + K - 1`` on every axis of ``full`` (M, *F)."""
        where = (slice(None),) + tuple(
            slice(self.kernel - 1, self.kernel - 1 + (o - 1) * self.stride + 1, self.stride)
            for o in self.output_shape)
        return full[where]

    def pad_kernel(self, w):
        """Flip ``w`` (M, C, *K) on every spatial axis and zero-pad it to (M, C, *(N,)*dims)."""
        w = np.asarray(w)
        flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * self.dims]
        extra = self.fft_size - self.kernel
        return np.pad(flipped, [(0, 0), (0, 0)] + [(0, extra)] * self.dims)
