"""The layer registers the accelerator's stages read (the descriptor table as an RTL layout),
and the raster walk over its tiles."""

from amaranth import unsigned
from amaranth.lib import data

from fdagen.arch.fields import DESCRIPTOR

__all__ = ["LayerShape", "next_tile_origin"]


def LayerShape(stages):
    """``StructLayout`` of the descriptor fields the RTL keeps (:data:`fdagen.arch.fields.
    DESCRIPTOR`, fields of 0 bits left out), held constant during a layer's run; a per-stage
    schedule field has ``stages`` bits."""
    return data.StructLayout({
        field.name: unsigned(stages if field.bits == "stages" else field.bits)
        for field in DESCRIPTOR if field.bits != 0
    })


def next_tile_origin(m, layer, ty, tx, oy, ox):
    """Step tile ``(ty, tx)`` and its origin ``(oy, ox) = (ty T, tx T)`` to the next tile in
    raster order (synchronous statements into ``m``)."""
    with m.If(tx + 1 == layer.tiles_x):
        m.d.sync += [tx.eq(0), ox.eq(0), ty.eq(ty + 1), oy.eq(oy + layer.tile)]
    with m.Else():
        m.d.sync += [tx.eq(tx + 1), ox.eq(ox + layer.tile)]
