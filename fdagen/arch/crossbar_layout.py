"""Where a bin lane's crossbar weights live: weight sets stacked down the rows of its macros.

A bin lane of the ``reram`` kind computes one weight set per array operation: the ``C x J``
complex weights of one output-channel group at one bin. It holds ``sets = G_max * U/L`` of them
(every group and bin step it serves), so that weights are programmed once per layer and never
while it computes. Input channel ``c`` of a set is a row; ``c`` in row slice ``q = c div R``, as
:func:`fdagen.golden.crossbar.crossbar_mac` slices them, so that each analog column sum is
exactly the golden model's. A set slice takes ``min(C_max, R)`` rows; ``sets_per_macro``
of them (a power of two, so that the set index splits into macro block and row offset by bit
selects) are stacked in one macro and only the operation's set drives its rows (row enables).

Macro ``b * Q + q`` (``Q`` row slices) holds slice ``q`` of sets ``b * sets_per_macro ..``; set
``s``'s channel ``c`` is its row ``(s mod sets_per_macro) * rows_per_set + c mod R``.
"""

from dataclasses import dataclass

from fdagen.golden.checks import check_range

__all__ = ["CrossbarLayout"]


@dataclass(frozen=True)
class CrossbarLayout:
    """Weight sets of ``channels`` rows on macros of ``rows`` rows (see the module docstring)."""

    rows: int
    channels: int
    sets: int

    def __post_init__(self):
        check_range("crossbar rows", self.rows)
        check_range("channels", self.channels, "input channels")
        if not (isinstance(self.sets, int) and self.sets >= 1):
            raise ValueError(f"weight sets must be a positive integer, not {self.sets!r}")

    @property
    def row_slices(self):
        """``Q = ceil(C_max / R)``: macros side by side per set."""
        return -(-self.channels // self.rows)

    @property
    def rows_per_set(self):
        """Rows one set slice takes: ``min(C_max, R)``."""
        return min(self.channels, self.rows)

    @property
    def sets_per_macro(self):
        """Sets stacked in one macro: the largest power of two ``<= R // rows_per_set``."""
        return 1 << ((self.rows // self.rows_per_set).bit_length() - 1)

    @property
    def blocks(self):
        """Groups of ``Q`` macros, each holding ``sets_per_macro`` sets."""
        return -(-self.sets // self.sets_per_macro)

    @property
    def macros(self):
        return self.blocks * self.row_slices

    def place(self, weight_set, channel):
        """``(macro, row)`` of ``channel`` of ``weight_set``."""
        block, local = divmod(weight_set, self.sets_per_macro)
        q, row = divmod(channel, self.rows)
        return block * self.row_slices + q, local * self.rows_per_set + row

    def row_channel(self, row):
        """``(set within the macro, channel within the row slice)`` a macro's ``row`` holds, or
        None for a row no set uses."""
        local, channel = divmod(row, self.rows_per_set)
        return None if local >= self.sets_per_macro else (local, channel)
