"""The layer registers the accelerator's stages read: the descriptor table as an RTL layout,
and the layer's transform size derived from them."""

from amaranth import Const, unsigned
from amaranth.lib import data

from fdagen.arch.fields import DESCRIPTOR

__all__ = ["LayerShape", "layer_fft_size", "layer_bin"]


def LayerShape(stages):
    """``StructLayout`` of the descriptor fields the RTL keeps (:data:`fdagen.arch.fields.
    DESCRIPTOR`, fields of 0 bits left out), held constant during a layer's run; a per-stage
    schedule field has ``stages`` bits."""
    return data.StructLayout({
        field.name: unsigned(stages if field.bits == "stages" else field.bits)
        for field in DESCRIPTOR if field.bits != 0
    })



def layer_fft_size(config, layer):
    """Expression: the layer's FFT size ``N = N_max >> fft_shift``."""
    return Const(config.fft_size, range(config.fft_size + 1)) >> layer.fft_shift


def layer_bin(config, layer, kx, ky):
    """Expression: bin ``k = kx N + bitrev(ky)`` of the layer's ``N``-point half spectrum
    (``ky`` reversed over ``log2 N`` bits), from ``kx <= N/2`` and ``ky < N``.

    Reversal over the build's ``log2 N_max`` bits puts the ``N``-point reversal ``fft_shift``
    bits up, and ``kx N_max`` is ``kx N`` as far up, so the build's bin index shifted down is
    the layer's: ``((kx << log2 N_max) | ky[::-1]) >> fft_shift``.
    """
    return ((kx << config.stages) | ky[::-1]) >> layer.fft_shift
