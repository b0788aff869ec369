"""The layer registers the accelerator's stages read: the descriptor table as an RTL layout,
and the layer's transform size derived from them."""

from amaranth import Const, unsigned
from amaranth.lib import data

from fdagen.arch.fields import descriptor

__all__ = ["LayerShape", "layer_fft_size", "layer_bin"]


def LayerShape(stages, dims=2):
    """``StructLayout`` of the descriptor fields the RTL keeps (:func:`fdagen.arch.fields.
    descriptor` of a ``dims``-D build, fields of 0 bits left out), held constant during a
    layer's run; a per-stage schedule field has ``stages`` bits."""
    return data.StructLayout({
        field.name: unsigned(stages if field.bits == "stages" else field.bits)
        for field in descriptor(dims) if field.bits != 0
    })



def layer_fft_size(config, layer):
    """Expression: the layer's FFT size ``N = N_max >> fft_shift``."""
    return Const(config.fft_size, range(config.fft_size + 1)) >> layer.fft_shift


def layer_bin(config, layer, kx, *outer):
    """Expression: bin ``k`` of the layer's ``N``-point half spectrum in the forward
    transform's output order, from ``kx <= N/2`` and the outer indices ``ky`` (and ``kz``)
    ``< N``: ``k = kx N + bitrev(ky)`` in 2-D, ``(kx N + bitrev(ky)) N + bitrev(kz)`` in 3-D
    (:meth:`FFT3D.output_order <fdagen.gateware.fft.fft3d.FFT3D.output_order>`; reversals over
    ``log2 N`` bits).

    Reversal over the build's ``log2 N_max`` bits puts the ``N``-point reversal ``fft_shift``
    bits up, and ``k N_max`` is ``k N`` as far up, so each step's index shifted down is the
    layer's: ``((k << log2 N_max) | index[::-1]) >> fft_shift``.
    """
    k = kx
    for index in outer:
        k = ((k << config.stages) | index[::-1]) >> layer.fft_shift
    return k
