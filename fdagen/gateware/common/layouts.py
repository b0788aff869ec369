"""Payload layouts shared by the accelerator's blocks."""

from amaranth import signed
from amaranth.lib import data

__all__ = ["complex_layout"]


def complex_layout(width):
    """A complex word: ``re`` and ``im``, each signed ``width`` bits (``re`` in the low bits)."""
    return data.StructLayout({"re": signed(width), "im": signed(width)})
