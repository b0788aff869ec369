"""The MAC stages' walk over a layer's work: tiles, output-channel groups, bin steps.

Tile ``t`` (raster order) is on FFT lane ``f = t mod LF``, in slot ``fslot`` of that lane's two
spectrum slots; for each tile, groups ``g < G`` and bin steps ``step < U/L``, with ``gs = g U/L
+ step`` (the weight set, and the word of the output-spectrum slot). Both MAC stages
(:mod:`fdagen.gateware.accel.mac`, :mod:`fdagen.gateware.accel.crossbar_mac`) walk it, each
advancing it at its own pace.
"""

from amaranth import Signal

__all__ = ["TileLoop"]


class TileLoop:
    """The walk's registers for a build ``config`` (see the module docstring)."""

    def __init__(self, config):
        self.lanes, self.steps = config.fft_lanes, config.bin_steps
        self.t = Signal(32, name="t")
        self.f = Signal(range(max(2, self.lanes)), name="f")
        self.fslot = Signal(name="fslot")
        self.g = Signal(16, name="g")
        self.step = Signal(range(self.steps), name="step")
        self.gs = Signal(range(config.max_groups * self.steps + 1), name="gs")

    def restart(self):
        """Statements that go back to the first tile, group and step."""
        return [s.eq(0) for s in (self.t, self.f, self.fslot, self.g, self.step, self.gs)]

    def tile_end(self, groups):
        """True at the last step of the last of ``groups`` groups: the tile's last work."""
        return (self.step == self.steps - 1) & (self.g + 1 == groups)

    def advance(self, m, groups):
        """Add to ``m`` the move to the next bin step, group or tile (``groups`` per tile)."""
        m.d.sync += [self.step.eq(self.step + 1), self.gs.eq(self.gs + 1)]
        with m.If(self.step == self.steps - 1):
            m.d.sync += [self.step.eq(0), self.g.eq(self.g + 1)]
            with m.If(self.g + 1 == groups):
                m.d.sync += [self.g.eq(0), self.gs.eq(0), self.t.eq(self.t + 1),
                             self.f.eq(self.f + 1)]
                with m.If(self.f == self.lanes - 1):
                    m.d.sync += [self.f.eq(0), self.fslot.eq(~self.fslot)]
