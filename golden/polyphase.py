"""Strided convolution as a stride-1 convolution over the input's polyphase components.

A stride-``s`` cross-correlation ``y[m, i] = sum_c sum_u x_p[c, s i + u] w[m, c, u]`` (``x_p``
the zero-padded input, ``u < K``; the same on every spatial axis) splits every kernel offset as
``u = s a + r`` with phase ``r < s`` and tap ``a < K' = ceil(K / s)``:

    y[m, i] = sum_{c, r} sum_a x_r[c, i + a] w_r[m, c, a]
    x_r[c, j] = x_p[c, s j + r],    w_r[m, c, a] = w[m, c, s a + r]  (0 where s a + r >= K)

so the layer becomes a stride-1, unpadded layer over the phases: a phase ``r >= K`` along
an axis meets no tap and is left out, so each input channel has ``P = min(s, K)^d`` phases
(``d`` spatial axes) and channel ``c P + r`` of the new layer is phase ``r`` of channel ``c``
(the phase index over the axes in row-major order); its kernels are ``K'`` wide and its
phases ``O + K' - 1`` samples per axis (``O`` the output extent). The host arranges the
phases (:meth:`Polyphase.inputs`: a rearrangement and zero extension, exact on integer codes)
and the weights (:meth:`Polyphase.weights`); the accelerator runs the result as any stride-1
layer, so it computes ``s^d`` times fewer transform outputs than computing at stride 1 and
keeping every ``s``-th (AlexNet conv1: C = 48, K = 3 on 57 x 57 phases instead of C = 3,
K = 11 on 227 x 227 with 55 x 55 of the 217 x 217 outputs kept). A phase sample past the
padded input is zero and meets only zero taps (``s (i + a) + r`` is past the input only for
``s a + r >= K``), so the float result equals the direct definition; the fixed-point result
is the stride-1 pipeline's on the phases (:mod:`.pipeline`), which the golden model defines
for strided layers.
"""

from dataclasses import dataclass, replace
from itertools import product

import numpy as np

from .checks import ParameterError

__all__ = ["Polyphase", "STRIDED_TREATMENTS", "check_strided", "layer_polyphase", "runs_as"]


@dataclass(frozen=True)
class Polyphase:
    """The polyphase form of a layer with spatial input ``shape`` (unpadded), ``kernel``,
    ``stride`` and ``padding`` (the same on every axis)."""

    shape: tuple
    kernel: int
    stride: int
    padding: int

    def __post_init__(self):
        padded = [s + 2 * self.padding for s in self.shape]
        if self.kernel > min(padded):
            raise ParameterError(f"kernel size must be at most the padded input size "
                                 f"{min(padded)}, not {self.kernel}")

    @property
    def dims(self):
        """Spatial axes ``d``."""
        return len(self.shape)

    @property
    def phases_per_axis(self):
        """``min(s, K)``: a phase ``r >= K`` along an axis meets no tap (it is left out)."""
        return min(self.stride, self.kernel)

    @property
    def phases(self):
        """Phases per input channel, ``min(s, K)^d``."""
        return self.phases_per_axis ** self.dims

    @property
    def output_shape(self):
        """The layer's output extent, ``(S + 2p - K) // s + 1`` per axis."""
        return tuple((s + 2 * self.padding - self.kernel) // self.stride + 1 for s in self.shape)

    @property
    def phase_kernel(self):
        """``K' = ceil(K / s)``."""
        return -(-self.kernel // self.stride)

    @property
    def phase_shape(self):
        """Extent of every phase, ``O + K' - 1`` per axis: what a valid stride-1 layer with
        ``K'``-wide kernels needs for ``O`` outputs."""
        return tuple(o + self.phase_kernel - 1 for o in self.output_shape)

    def channels(self, in_channels):
        """Input channels of the stride-1 layer, ``C min(s, K)^d``."""
        return in_channels * self.phases

    def _offsets(self):
        return list(product(range(self.phases_per_axis), repeat=self.dims))

    def inputs(self, x):
        """The phases of ``x`` (C, *shape): an array (C min(s, K)^d, *phase_shape) of ``x``'s
        dtype."""
        x = np.asarray(x)
        if x.shape[1:] != tuple(self.shape):
            raise ParameterError(f"input spatial shape must be {tuple(self.shape)}, not "
                                 f"{x.shape[1:]}")
        s, extent = self.stride, self.phase_shape
        # pad to cover every phase sample (s * extent per axis), then cut what is past it
        padded = np.pad(x, [(0, 0)] + [(self.padding, max(0, s * e - n - self.padding))
                                       for n, e in zip(self.shape, extent)])
        out = np.empty((x.shape[0], self.phases) + extent, dtype=x.dtype)
        for index, offset in enumerate(self._offsets()):
            where = (slice(None),) + tuple(slice(r, r + s * e, s) for r, e in zip(offset, extent))
            out[:, index] = padded[where]
        return out.reshape((x.shape[0] * self.phases,) + extent)

    def weights(self, w):
        """The phase kernels of ``w`` (M, C, *(K,)*d): an array (M, C min(s, K)^d, *(K',)*d)."""
        w = np.asarray(w)
        k, s, kp = self.kernel, self.stride, self.phase_kernel
        if w.shape[2:] != (k,) * self.dims:
            raise ParameterError(f"kernel shape must be {(k,) * self.dims}, not {w.shape[2:]}")
        extended = np.pad(w, [(0, 0), (0, 0)] + [(0, s * kp - k)] * self.dims)
        out = np.empty(w.shape[:2] + (self.phases,) + (kp,) * self.dims, dtype=w.dtype)
        for index, offset in enumerate(self._offsets()):
            out[:, :, index] = extended[(slice(None), slice(None))
                                        + tuple(slice(r, None, s) for r in offset)]
        return out.reshape((w.shape[0], w.shape[1] * self.phases) + (kp,) * self.dims)

    def describe(self, in_channels):
        """One line: the stride-1 layer this one runs as."""
        size = "x".join(str(e) for e in self.phase_shape)
        return (f"stride {self.stride} as {self.phases} polyphase components: "
                f"{self.channels(in_channels)} channels, K={self.phase_kernel} on {size}")


#: How a conv layer with stride > 1 runs on the accelerator: ``"polyphase"`` (the default) as
#: its stride-1 polyphase form; ``"decimate"`` at stride 1 over the whole input, keeping every
#: ``s``-th output (the descriptor's stride field; ``s^d`` times the transform outputs).
STRIDED_TREATMENTS = ("polyphase", "decimate")


def check_strided(strided):
    """``strided`` if it is one of :data:`STRIDED_TREATMENTS`, else a ParameterError."""
    if strided not in STRIDED_TREATMENTS:
        raise ParameterError(f"strided treatment must be one of "
                             f"{', '.join(STRIDED_TREATMENTS)}, not {strided!r}")
    return strided


def layer_polyphase(layer, strided="polyphase"):
    """The :class:`Polyphase` a conv ``layer`` (:class:`~.networks.Layer`) runs as, or None
    (stride 1, or ``strided == "decimate"``)."""
    if check_strided(strided) == "decimate" or layer.kind != "conv" or layer.stride == 1:
        return None
    return Polyphase(tuple(layer.in_shape), layer.kernel, layer.stride, layer.padding)


def runs_as(layer, strided="polyphase"):
    """The layer the accelerator runs for ``layer``: itself, or its stride-1 polyphase form
    (``C min(s, K)^d`` channels, ``K'`` kernels on the phases, no padding; groups kept, each
    group's phases contiguous)."""
    phases = layer_polyphase(layer, strided)
    if phases is None:
        return layer
    return replace(layer, in_channels=phases.channels(layer.in_channels),
                   in_shape=phases.phase_shape, kernel=phases.phase_kernel, stride=1, padding=0)
