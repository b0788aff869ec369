"""The layer registers the accelerator's stages read: the descriptor table as an RTL layout."""

from amaranth import unsigned
from amaranth.lib import data

from fdagen.arch.fields import DESCRIPTOR

__all__ = ["LayerShape"]


def LayerShape(stages):
    """``StructLayout`` of the descriptor fields the RTL keeps (:data:`fdagen.arch.fields.
    DESCRIPTOR`, fields of 0 bits left out), held constant during a layer's run; a per-stage
    schedule field has ``stages`` bits."""
    return data.StructLayout({
        field.name: unsigned(stages if field.bits == "stages" else field.bits)
        for field in DESCRIPTOR if field.bits != 0
    })

