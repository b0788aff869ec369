"""Formal harnesses: Amaranth designs with ``Assert``/``Assume`` around a generated block, for
SymbiYosys (:mod:`fdagen.flows.formal` runs them; ``fdagen formal`` is the command).

A harness is a :class:`~amaranth.lib.wiring.Component` whose ``In`` members are the solver's free
inputs (any value on any cycle, within the harness's assumptions), with a :class:`Properties`
``properties`` attribute naming its assertions.
"""

from amaranth.hdl import Assert

__all__ = ["Properties"]


class Properties:
    """The named assertions of a harness.

    A failing proof's log gives the source location of the assertion that failed; ``name_at``
    turns it back into the property's name. Each :meth:`check` must be called from its own line.
    """

    def __init__(self):
        self._names = {}

    def check(self, test, name):
        """Return ``Assert(test)`` for property ``name``, located at the caller's line."""
        statement = Assert(test, name, src_loc_at=1)
        self._names[statement.src_loc] = name
        return statement

    @property
    def names(self):
        """The property names, in order of definition, each once."""
        return tuple(dict.fromkeys(self._names.values()))

    def name_at(self, filename, line):
        """The property asserted at ``filename:line``, or None."""
        return self._names.get((filename, line))
