"""Direct (spatial-domain) float reference layers: convolution, ReLU, pooling.

Convolution is cross-correlation as ``torch.nn.functional.conv2d`` defines it:

    y[m, i, j] = b[m] + sum_c sum_u sum_v x[c, i*s + u - p, j*s + v - p] * w[m, c, u, v]

The same definition extends to any number of spatial axes (``conv3d`` adds depth).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["conv_direct", "conv2d_direct", "conv3d_direct", "relu", "max_pool", "avg_pool",
           "conv_output_size"]


def conv_output_size(size, kernel, stride, padding):
    """Return the output length of one spatial axis: ``(size + 2p - k) // s + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def conv_direct(x, w, bias=None, stride=1, padding=0):
    """Cross-correlate ``x`` (C, *S) with ``w`` (M, C, *K) over all spatial axes, in float64."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    dims = x.ndim - 1
    pad = [(0, 0)] + [(padding, padding)] * dims
    xp = np.pad(x, pad)
    kernel = w.shape[2:]
    windows = sliding_window_view(xp, kernel, axis=tuple(range(1, dims + 1)))
    windows = windows[(slice(None),) + (slice(None, None, stride),) * dims]
    # windows: (C, *out, *K); contract C and K with w (M, C, *K).
    axes_x = [0] + list(range(dims + 1, 2 * dims + 1))
    axes_w = list(range(1, dims + 2))
    y = np.tensordot(windows, w, axes=(axes_x, axes_w))   # (*out, M)
    y = np.moveaxis(y, -1, 0)
    if bias is not None:
        y = y + np.asarray(bias, dtype=np.float64).reshape((-1,) + (1,) * dims)
    return y


def conv2d_direct(x, w, bias=None, stride=1, padding=0):
    """2-D convolution: ``x`` (C, H, W), ``w`` (M, C, K, K) -> (M, H_out, W_out)."""
    return conv_direct(x, w, bias, stride, padding)


def conv3d_direct(x, w, bias=None, stride=1, padding=0):
    """3-D convolution: ``x`` (C, D, H, W), ``w`` (M, C, K, K, K) -> (M, D_out, H_out, W_out)."""
    return conv_direct(x, w, bias, stride, padding)


def relu(x):
    """Return ``max(x, 0)`` element-wise."""
    return np.maximum(x, 0)


def _pool(x, size, stride, reduce):
    dims = x.ndim - 1
    windows = sliding_window_view(x, (size,) * dims, axis=tuple(range(1, dims + 1)))
    windows = windows[(slice(None),) + (slice(None, None, stride),) * dims]
    return reduce(windows, axis=tuple(range(dims + 1, 2 * dims + 1)))


def max_pool(x, size, stride=None):
    """Max-pool every spatial axis of ``x`` (C, *S) with window ``size`` and ``stride``."""
    return _pool(x, size, stride or size, np.max)


def avg_pool(x, size, stride=None):
    """Average-pool every spatial axis of ``x`` (C, *S) with window ``size`` and ``stride``."""
    return _pool(x, size, stride or size, np.mean)
