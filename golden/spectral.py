"""Float spectral convolution by overlap-and-add: the frequency-domain reference.

Same semantics as :func:`.direct.conv_direct` (cross-correlation, stride, zero padding, bias);
the two agree to float64 rounding. The half-spectrum path (``half_spectrum=True``, the default)
keeps the ``U = N^(d-1) (N/2 + 1)`` unique bins of the real FFT, as the accelerator does; the
full path transforms with complex FFTs and keeps the real part.
"""

import numpy as np

from .checks import ParameterError
from .tiling import Tiling

__all__ = ["conv_spectral", "conv2d_spectral", "conv3d_spectral", "spectral_weights"]


def _check_operands(x, w, bias, dims):
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != dims + 1:
        axes = "D, H, W" if dims == 3 else "H, W"
        raise ParameterError(f"input must have rank {dims + 1} (C, {axes}), not shape "
                             f"{x.shape}")
    if w.ndim != dims + 2:
        raise ParameterError(f"weights must have rank {dims + 2} (M, C, {'K, ' * dims}...), "
                             f"not shape {w.shape}")
    if w.shape[1] != x.shape[0]:
        raise ParameterError(f"weights must have {x.shape[0]} input channels to match the input, "
                             f"not {w.shape[1]}")
    kernel = w.shape[2]
    if any(k != kernel for k in w.shape[2:]):
        raise ParameterError(f"kernel must be square (equal extents), not {w.shape[2:]}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (w.shape[0],):
            raise ParameterError(f"bias must have shape ({w.shape[0]},), not {bias.shape}")
    return kernel


def spectral_weights(w, tiling, half_spectrum=True):
    """Return the float spectral weights W^[m, c] = FFT(flip(w[m, c]) zero-padded to N)."""
    axes = tuple(range(2, 2 + tiling.dims))
    padded = tiling.pad_kernel(np.asarray(w, dtype=np.float64))
    return np.fft.rfftn(padded, axes=axes) if half_spectrum else np.fft.fftn(padded, axes=axes)


def conv_spectral(x, w, bias=None, stride=1, padding=0, fft_size=None, tile=None,
                  half_spectrum=True, dims=None):
    """Convolve ``x`` (C, *S) with ``w`` (M, C, *K) by OaA in the frequency domain.

    ``fft_size`` (``N``) and ``tile`` (``T``) are chosen by :meth:`.Tiling.choose` unless given.
    Returns ``(y, tiling)`` with ``y`` of shape (M, *S_out).
    """
    x = np.asarray(x, dtype=np.float64)
    dims = dims if dims is not None else x.ndim - 1
    kernel = _check_operands(x, w, bias, dims)
    w = np.asarray(w, dtype=np.float64)
    tiling = Tiling.choose(x.shape[1:], kernel, stride, padding, fft_size, tile,
                           in_channels=x.shape[0], out_channels=w.shape[0])
    n = tiling.fft_size
    tile_axes = tuple(range(-dims, 0))
    tiles = tiling.tiles(x)                                   # (C, *B, *N)
    weights = spectral_weights(w, tiling, half_spectrum)      # (M, C, *bins)
    if half_spectrum:
        spectra = np.fft.rfftn(tiles, axes=tile_axes)
    else:
        spectra = np.fft.fftn(tiles, axes=tile_axes)
    # Y^[m, tiles, bins] = sum_c X^[c, tiles, bins] * W^[m, c, bins]
    blocks = spectra.shape[1:1 + dims]
    flat = spectra.reshape((spectra.shape[0], -1) + spectra.shape[1 + dims:])
    acc = np.einsum("cb...,mc...->mb...", flat, weights)
    acc = acc.reshape((w.shape[0],) + blocks + acc.shape[2:])
    if half_spectrum:
        outputs = np.fft.irfftn(acc, s=(n,) * dims, axes=tile_axes)
    else:
        outputs = np.fft.ifftn(acc, axes=tile_axes).real
    y = tiling.crop(tiling.overlap_add(outputs))
    if bias is not None:
        y = y + np.asarray(bias, dtype=np.float64).reshape((-1,) + (1,) * dims)
    return y, tiling


def conv2d_spectral(x, w, bias=None, stride=1, padding=0, fft_size=None, tile=None,
                    half_spectrum=True):
    """2-D spectral convolution: ``x`` (C, H, W), ``w`` (M, C, K, K). Returns ``(y, tiling)``."""
    return conv_spectral(x, w, bias, stride, padding, fft_size, tile, half_spectrum, dims=2)


def conv3d_spectral(x, w, bias=None, stride=1, padding=0, fft_size=None, tile=None,
                    half_spectrum=True):
    """3-D spectral convolution: ``x`` (C, D, H, W), ``w`` (M, C, K, K, K).

    Returns ``(y, tiling)``."""
    return conv_spectral(x, w, bias, stride, padding, fft_size, tile, half_spectrum, dims=3)
