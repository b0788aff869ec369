"""Raster walks over the axes of a tile geometry, and buffer addresses from per-axis
coordinates.

Every counter of the accelerator that walks space walks it the same way: the pixel loader
over the input map, each FFT lane's tile walk and tiler, each IFFT lane's tile walk and
overlap-add writer, and the output drain. Each is a :class:`Raster` over the axes of the
build's :class:`~fdagen.arch.geometry.TileGeometry` (outermost first, the last axis
innermost), so the number of spatial dimensions is a parameter of all of them and of the
addressing (:func:`buffer_address`), not something each stage restates.
"""

from contextlib import nullcontext

from amaranth import Cat, Const, Mux, Signal

from fdagen.gateware.common.arith import const_mul

__all__ = ["Raster", "buffer_address"]


class Raster:
    """Index registers over ``len(bounds)`` axes, stepped in raster order.

    ``axes`` are the axis letters (:attr:`TileGeometry.axes
    <fdagen.arch.geometry.TileGeometry.axes>`); index register ``a`` is named
    ``{prefix}{letter}{axes[a]}`` and counts ``0 .. bounds[a] - 1`` (an ``int`` bound gives a
    register of just enough bits, a run-time bound such as a descriptor field a ``width``-bit
    one). With ``position`` each axis also has a register ``{prefix}{position}{axes[a]}`` that
    is ``start + index * step`` (a tile's origin ``t T``, the drain's read position
    ``K - 1 + i s``), kept by addition so that no multiplier is needed. With ``bookmark`` the
    walk also has a copy of every register (``{name}_mark``): :meth:`mark` saves the point,
    :meth:`rewind` returns to it (a tile walk that passes over a block of tiles once per
    output-channel group).

    An axis with a run-time bound also keeps ``index + 1`` in a register of its own
    (``{name}_next``, moved with the index), so that :meth:`at_last` is an equality compare
    with the bound, not an adder and a compare: these flags gate most of the walks' clock
    enables. With ``last_flags`` the compare is a register too (``{name}_at_last``, set with
    each move for where the walk goes), so :meth:`at_last` costs no logic; its run-time bounds
    must then be steady from the clock of :meth:`restart` on. With ``first_flags`` each axis
    keeps ``index == 0`` in a register (``{name}_at_first``, set with each move; no bound is
    read), so :meth:`at_first` costs no logic either. With ``end_flag`` the walk keeps
    :attr:`last` (every axis at its last index) in one register too (``{prefix}{letter}_at_end``,
    set with each move from the flags the move gives each axis), so a clock enable that waits
    for the walk's end costs no logic; a run-time bound then needs ``last_flags``.
    """

    def __init__(self, prefix, letter, axes, bounds, *, position=None, start=0, step=1,
                 width=16, bookmark=False, last_flags=False, first_flags=False,
                 end_flag=False):
        if len(axes) != len(bounds):
            raise ValueError(f"a raster needs one bound per axis, not {len(bounds)} bounds for "
                             f"{len(axes)} axes")
        if end_flag and not last_flags and not all(isinstance(b, int) for b in bounds):
            raise ValueError("a raster's end flag needs last_flags with run-time bounds")
        self.bounds = tuple(bounds)
        # an int bound of 1 still gets one bit: no zero-width ([-1:0]) register in Verilog
        self.index = [Signal(range(max(2, bound)) if isinstance(bound, int) else width,
                             name=f"{prefix}{letter}{axis}")
                      for axis, bound in zip(axes, bounds)]
        self.position = [Signal(width, name=f"{prefix}{position}{axis}") for axis in axes] \
            if position else []
        self._start, self._step = start, step
        self._successor = [None if isinstance(bound, int)
                          else Signal(len(index) + 1, name=f"{index.name}_next")
                          for index, bound in zip(self.index, bounds)]
        self._flags = [Signal(name=f"{index.name}_at_last")
                       if last_flags and successor is not None else None
                       for index, successor in zip(self.index, self._successor)]
        self._first = [Signal(name=f"{index.name}_at_first", init=1) if first_flags else None
                       for index in self.index]
        self._end = Signal(name=f"{prefix}{letter}_at_end") if end_flag else None
        registers = self._registers()
        self._marks = [Signal.like(r, name=f"{r.name}_mark") for r in registers] \
            if bookmark else None

    def _registers(self):
        return self.index + self.position + [s for s in self._successor + self._flags
                                             + self._first + [self._end] if s is not None]

    def mark(self):
        """Statements that save the current point (a ``bookmark`` walk)."""
        return [saved.eq(r) for saved, r in zip(self._marks, self._registers())]

    def rewind(self):
        """Statements that return to the point :meth:`mark` saved."""
        return [r.eq(saved) for saved, r in zip(self._marks, self._registers())]

    def at_last(self, axis):
        """Expression: axis ``axis`` is at its last index."""
        bound = self.bounds[axis]
        if isinstance(bound, int):
            return self.index[axis] == bound - 1
        if self._flags[axis] is not None:
            return self._flags[axis]
        return self._successor[axis] == bound

    def at_first(self, axis):
        """Expression: axis ``axis`` is at index 0."""
        if self._first[axis] is not None:
            return self._first[axis]
        return self.index[axis] == 0

    @property
    def first(self):
        """Expression: every axis is at index 0 (the walk's first point)."""
        return Cat(*[self.at_first(axis) for axis in range(len(self.index))]).all()

    @property
    def last(self):
        """Expression: every axis is at its last index (the walk's last point)."""
        if self._end is not None:
            return self._end
        return Cat(*[self.at_last(axis) for axis in range(len(self.index))]).all()

    def restart(self):
        """Statements that put the walk at its first point."""
        end = [self._end.eq(Cat(*self._reset_flags()).all())] if self._end is not None else []
        return [statement for axis in range(len(self.index))
                for statement in self._reset(axis)] + end

    def step(self, m, domain="sync"):
        """Add statements to ``m`` that move the walk to its next point: the innermost axis
        counts up; an axis at its last index returns to 0 and carries into the next one out.
        After the last point the walk is back at its first."""
        if self._end is not None:
            m.d[domain] += self._end.eq(Cat(*self._moved_flags()).all())
        for axis in reversed(range(len(self.index))):
            inner = [self.at_last(a) for a in range(axis + 1, len(self.index))]
            with m.If(Cat(*inner).all()) if inner else nullcontext():
                with m.If(self.at_last(axis)):
                    m.d[domain] += self._reset(axis)
                with m.Else():
                    m.d[domain] += self.index[axis].eq(self.index[axis] + 1)
                    if self._first[axis] is not None:
                        m.d[domain] += self._first[axis].eq(0)
                    if self._successor[axis] is not None:
                        m.d[domain] += self._successor[axis].eq(self._successor[axis] + 1)
                    if self._flags[axis] is not None:
                        m.d[domain] += self._flags[axis].eq(
                            self._successor[axis] + 1 == self.bounds[axis])
                    if self.position:
                        m.d[domain] += self.position[axis].eq(self.position[axis] + self._step)

    def _reset_flags(self):
        """Each axis's last-index flag at index 0."""
        return [Const(bound == 1) if isinstance(bound, int) else bound == 1
                for bound in self.bounds]

    def _moved_flags(self):
        """Expressions: each axis's last-index flag after a :meth:`step` from here."""
        flags, resets = [], self._reset_flags()
        for axis, (index, bound) in enumerate(zip(self.index, self.bounds)):
            if isinstance(bound, int):
                counted = index + 1 == bound - 1
            else:
                counted = self._successor[axis] + 1 == bound
            moved = Mux(self.at_last(axis), resets[axis], counted)
            inner = [self.at_last(a) for a in range(axis + 1, len(self.index))]
            flags.append(Mux(Cat(*inner).all(), moved, self.at_last(axis)) if inner else moved)
        return flags

    def _reset(self, axis):
        successor, flag, first = self._successor[axis], self._flags[axis], self._first[axis]
        return [self.index[axis].eq(0)] + ([successor.eq(1)] if successor is not None else []) \
            + ([flag.eq(self.bounds[axis] == 1)] if flag is not None else []) \
            + ([first.eq(1)] if first is not None else []) \
            + ([self.position[axis].eq(self._start)] if self.position else [])


def buffer_address(base, coordinates, strides):
    """Expression: ``base + sum(coordinates[a] * strides[a])`` with constant strides
    (:meth:`TileGeometry.strides <fdagen.arch.geometry.TileGeometry.strides>`) as shifted
    additions; a power-of-two stride is a plain shift."""
    address = base
    for coordinate, stride in zip(coordinates, strides):
        address = address + const_mul(coordinate, stride)
    return address

