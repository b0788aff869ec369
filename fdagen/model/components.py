"""The component library of the cost model: energy and area constants, each with provenance.

The library ships as ``fdagen/model/components.toml``. Every entry has ``value``, ``unit`` (``pJ``
per event or ``um2``), ``node_nm`` (the technology node it was published for) and ``source``;
``note`` optionally says how the figure was derived from its source. :func:`load_library`
reads it and, optionally, a user file of the same form whose entries replace or add to the
shipped ones; every entry of either file must be complete, so no number enters without a
source.

Node scaling (:meth:`ComponentLibrary.energy`, :meth:`ComponentLibrary.area`), stated as an
assumption, not a measurement: energy per event scales linearly with the feature size (switched
capacitance at constant voltage) and area with its square; entries with ``scaling = "none"``
(device physics such as a ReRAM cell's read energy) do not scale. A user who has figures at the
target node overrides the entries instead.
"""

import math
import tomllib
from dataclasses import dataclass
from importlib import resources

from fdagen.golden.checks import ParameterError

__all__ = ["Component", "ComponentLibrary", "LibraryError", "load_library", "UNITS"]

UNITS = ("pJ", "um2")
_KEYS = ("value", "unit", "node_nm", "source", "note", "scaling")
#: ``scaling``: ``cmos`` (default: the node rule below) or ``none`` (device physics, e.g. a
#: ReRAM cell's V^2 G t, that does not follow the CMOS feature size).
SCALINGS = ("cmos", "none")


class LibraryError(ParameterError):
    """A component library file is missing, malformed or incomplete."""


@dataclass(frozen=True)
class Component:
    name: str
    value: float
    unit: str
    node_nm: float
    source: str
    note: str = ""
    origin: str = "fdagen/model/components.toml"      # which file gave it
    scaling: str = "cmos"

    def provenance(self):
        """``{"value", "unit", "node_nm", "source", "note", "file"}`` for reports."""
        return {"value": self.value, "unit": self.unit, "node_nm": self.node_nm,
                "scaling": self.scaling, "source": self.source, "note": self.note,
                "file": self.origin}


def _component(name, entry, origin):
    where = f"{origin}: [{name}]"
    if not isinstance(entry, dict):
        raise LibraryError(f"{where} must be a table with value, unit, node_nm and source, "
                           f"not {type(entry).__name__}")
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise LibraryError(f"{where} key {unknown[0]!r} must be one of {', '.join(_KEYS)}")
    for key in ("value", "unit", "node_nm", "source"):
        if key not in entry:
            raise LibraryError(f"{where} must give {key} (every constant carries value, unit, "
                               f"node_nm and source)")
    value, node, unit = entry["value"], entry["node_nm"], entry["unit"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise LibraryError(f"{where} value must be a finite number >= 0, not {value!r}")
    if isinstance(node, bool) or not isinstance(node, (int, float)) or not 1 <= node <= 1000:
        raise LibraryError(f"{where} node_nm must be a number between 1 and 1000, not {node!r}")
    if unit not in UNITS:
        raise LibraryError(f"{where} unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if entry.get("scaling", "cmos") not in SCALINGS:
        raise LibraryError(f"{where} scaling must be one of {', '.join(SCALINGS)}, not "
                           f"{entry['scaling']!r}")
    for key in ("source", "note"):
        if not isinstance(entry.get(key, ""), str) or (key == "source"
                                                       and not entry[key].strip()):
            raise LibraryError(f"{where} {key} must be a non-empty string")
    return Component(name, float(value), unit, float(node), entry["source"],
                     entry.get("note", ""), origin, entry.get("scaling", "cmos"))


def _parse(table, origin):
    return {name: _component(name, entry, origin) for name, entry in table.items()}


def _read_file(path):
    try:
        with open(path, "rb") as handle:
            return _parse(tomllib.load(handle), str(path))
    except FileNotFoundError:
        raise LibraryError(f"component library {str(path)!r} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise LibraryError(f"component library {str(path)!r} must be valid TOML "
                           f"({error})") from None


class ComponentLibrary:
    """Named :class:`Component` entries; look-ups scale to a target node."""

    def __init__(self, components):
        self.components = dict(components)

    def __getitem__(self, name):
        try:
            return self.components[name]
        except KeyError:
            raise LibraryError(f"component {name!r} must be in the library (have: "
                               f"{', '.join(sorted(self.components))})") from None

    def __contains__(self, name):
        return name in self.components

    def _scaled(self, name, unit, node_nm, power):
        component = self[name]
        if component.unit != unit:
            raise LibraryError(f"component {name!r} must be in {unit}, not {component.unit}")
        if component.scaling == "none":
            return component.value
        return component.value * (node_nm / component.node_nm) ** power

    def energy(self, name, node_nm):
        """Energy per event in pJ at ``node_nm`` (linear node scaling)."""
        return self._scaled(name, "pJ", node_nm, 1)

    def area(self, name, node_nm):
        """Area in um^2 at ``node_nm`` (quadratic node scaling)."""
        return self._scaled(name, "um2", node_nm, 2)


def load_library(user_file=None):
    """The shipped library, with ``user_file``'s entries (if given) replacing or adding."""
    shipped = resources.files("fdagen.model").joinpath("components.toml").read_text()
    components = _parse(tomllib.loads(shipped), "fdagen/model/components.toml")
    if user_file is not None:
        components.update(_read_file(user_file))
    return ComponentLibrary(components)
