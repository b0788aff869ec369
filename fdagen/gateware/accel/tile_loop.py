"""The MAC stages' walk over a layer's work: tile blocks, output-channel groups, tiles, bin steps.

A layer's ``B_t`` tiles (raster order) run in blocks of ``B`` (the build's
:attr:`~fdagen.arch.config.AcceleratorConfig.spectrum_tiles`: the input-spectrum buffer keeps a
block's spectra). For each block, each group ``g < G`` and each tile ``t`` of the block, one
**pass** (the pass count ``p`` numbers them) over the bin steps ``step < U/L`` (``U`` at the
layer's FFT size: the descriptor's ``bin_steps``), with ``gs = w U/L + step`` the weight set
(a group buffer spans the layer's ``U/L`` sets, so a layer at a smaller size has more of
them): ``w`` the group's buffer (of the layer's ``W``), ``g`` when the layer has a buffer per
group, else ``q mod W`` for the ``q``-th group the walk has started (``q``
counts groups over the blocks: the groups stream into the buffers in turn). Tile ``t`` is on FFT
lane ``f = t mod LF``, in slot ``lslot = (t div
LF) mod (B / LF)`` of that lane's spectrum banks; a block starts at a multiple of ``B``, so at
lane 0, slot 0. Pass ``p``'s sums go to output-spectrum slot ``p mod 2``. Both MAC stages
(:mod:`fdagen.gateware.accel.mac`, :mod:`fdagen.gateware.accel.crossbar_mac`) walk it, each
advancing it at its own pace.
"""

from amaranth import Signal, signed

__all__ = ["TileLoop"]


class TileLoop:
    """The walk's registers for a build ``config`` and a layer of ``steps`` (an expression, the
    descriptor's ``bin_steps``) bin steps a pass (see the module docstring)."""

    def __init__(self, config, steps):
        self.lanes, self.steps = config.fft_lanes, steps
        self.block = config.spectrum_tiles
        self.t = Signal(config.count_width, name="t")
        self.block_start = Signal(config.count_width, name="block_start")
        self.tb = Signal(range(max(2, self.block)), name="tile_in_block")
        self.f = Signal(range(max(2, self.lanes)), name="f")
        self.lslot = Signal(range(max(2, config.spectrum_slots)), name="lslot")
        self.g = Signal(16, name="g")
        self.step = Signal(range(max(2, config.bin_steps)), name="step")
        self.w = Signal(16, name="group_buffer")
        self.gbase = Signal(range(config.weight_sets + 1), name="gbase")
        self.gs = Signal(range(config.weight_sets + 1), name="gs")
        self.p = Signal(config.count_width, name="p")
        self.q = Signal(config.count_width, name="q")
        # M - g J, the output channels from group g's first on (kept by track(channels=M))
        self.slots = config.slots
        self.channels_left = Signal(signed(18), name="group_channels_left")
        self._channels = None
        # the end-of-range flags, registered by track()
        self._pass_end = Signal(name="pass_end")
        self._group_end = Signal(name="group_end")
        self._last_group = Signal(name="last_group")
        self._buffer_wrap = Signal(name="buffer_wrap")
        self._tracked = False

    def track(self, m, groups, tiles, buffers, channels=None):
        """Add to ``m`` the flags :meth:`pass_end`, :meth:`last_group`, :meth:`group_end` and
        the buffer wrap, as registers taken every clock from the walk and the layer's
        ``groups``, ``tiles`` and ``buffers``: they keep the compares off the paths that
        advance the walk. They are a clock late after each move, so a stage must not
        :meth:`advance` in the clock after an advance or after :meth:`restart` (both MAC stages
        issue at most every other clock, and not in the clock after their start). With the
        layer's output ``channels`` M the walk also keeps :attr:`channels_left` = M - g J,
        moved with g (no multiplier or subtractor after g)."""
        m.d.sync += [self._pass_end.eq(self.step + 1 == self.steps),
                     self._group_end.eq((self.tb == self.block - 1) | (self.t + 1 == tiles)),
                     self._last_group.eq(self.g + 1 == groups),
                     self._buffer_wrap.eq(self.w + 1 == buffers)]
        self._channels = channels
        self._tracked = True

    def _flag(self, flag):
        if not self._tracked:
            raise RuntimeError("TileLoop.track() must come before the walk's flags are used")
        return flag

    def restart(self):
        """Statements that go back to the first block, group, tile and step."""
        return [s.eq(0) for s in (self.t, self.block_start, self.tb, self.f, self.lslot,
                                  self.g, self.step, self.w, self.gbase, self.gs, self.p,
                                  self.q)] + self._first_group()

    def _first_group(self):
        return [] if self._channels is None else [self.channels_left.eq(self._channels)]

    def _next_group(self):
        return [] if self._channels is None else [
            self.channels_left.eq(self.channels_left - self.slots)]

    def pass_end(self):
        """True at a pass's last bin step."""
        return self._flag(self._pass_end)

    def last_group(self):
        """True in the layer's last group (a block's tiles' spectra are then done with)."""
        return self._flag(self._last_group)

    def group_end(self):
        """True in a block's last tile: the pass ends the group's work on the block."""
        return self._flag(self._group_end)

    def advance(self, m, ring):
        """Add to ``m`` the move to the next bin step, tile, group or block (``ring``: fewer
        buffers than groups), for the layer given to :meth:`track`. After the last pass
        ``t >= tiles``."""
        m.d.sync += [self.step.eq(self.step + 1), self.gs.eq(self.gs + 1)]
        with m.If(self.pass_end()):
            m.d.sync += [self.step.eq(0), self.gs.eq(self.gbase), self.p.eq(self.p + 1)]
            with m.If(self.group_end()):
                m.d.sync += [self.tb.eq(0), self.f.eq(0), self.lslot.eq(0), self.q.eq(self.q + 1)]
                # the next group's buffer: the next one in turn, or the first for a new block
                # of a layer that keeps every group
                with m.If(self._buffer_wrap | (self.last_group() & ~ring)):
                    m.d.sync += [self.w.eq(0), self.gbase.eq(0), self.gs.eq(0)]
                with m.Else():
                    m.d.sync += [self.w.eq(self.w + 1), self.gbase.eq(self.gbase + self.steps),
                                 self.gs.eq(self.gbase + self.steps)]
                with m.If(self.last_group()):
                    next_block = self.block_start + self.block
                    m.d.sync += [self.g.eq(0), self.block_start.eq(next_block),
                                 self.t.eq(next_block), *self._first_group()]
                with m.Else():
                    m.d.sync += [self.g.eq(self.g + 1), self.t.eq(self.block_start),
                                 *self._next_group()]
            with m.Else():
                m.d.sync += [self.t.eq(self.t + 1), self.tb.eq(self.tb + 1),
                             self.f.eq(self.f + 1)]
                with m.If(self.f == self.lanes - 1):
                    m.d.sync += [self.f.eq(0), self.lslot.eq(self.lslot + 1)]
