"""Groups of one class that names cannot tell apart, told apart by a fixed attribute.

NXcanSAS declares two NXdata groups in an entry: SASdata (no name) and
TRANSMISSION_SPECTRUM (any name). A path such as ``{entry}/NXdata`` matches
both kinds in a file, so the rules of one would apply to the other. When each
such group declares an attribute with a one-value closed enumeration, the same
attribute with a different value for each (``@canSAS_class`` = ``SASdata``,
``SAStransmission_spectrum``), each group becomes an anchor selecting the
groups with its value, and its rules hang under that anchor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapper.conventions.nexus.nxdl.model import Group

__all__ = ["Teller", "tellers"]


@dataclass(frozen=True)
class Teller:
    """How to find one of several same-class groups: its anchor and the attribute value."""

    anchor: str
    attribute: str
    value: str


def _fixed(g: Group) -> dict[str, str]:
    """The group's attributes that a closed one-value enumeration fixes."""
    out = {}
    for a in g.attributes:
        e = a.enumeration
        if a.name_type == "specified" and e is not None and not e.open and len(e.values) == 1:
            out[a.name] = e.values[0]
    return out


def _unnamed(g: Group) -> bool:
    return g.name is None or g.name_type == "any"


def tellers(groups: tuple[Group, ...], taken: set[str]) -> dict[int, Teller]:
    """``id(group) -> Teller`` for the same-class unnamed groups an attribute tells apart.

    ``taken``: anchor names already used (the new ones are added to it).
    """
    by_class: dict[str, list[Group]] = {}
    for g in groups:
        if _unnamed(g):
            by_class.setdefault(g.type, []).append(g)
    out: dict[int, Teller] = {}
    for same in by_class.values():
        if len(same) < 2:
            continue
        fixed = [_fixed(g) for g in same]
        common = set.intersection(*(set(f) for f in fixed))
        for attribute in sorted(common):
            values = [f[attribute] for f in fixed]
            if len(set(values)) == len(values):
                for g, value in zip(same, values, strict=True):
                    out[id(g)] = Teller(_anchor(value, taken), attribute, value)
                break
    return out


def _anchor(value: str, taken: set[str]) -> str:
    """An anchor name from the attribute's value (``SASdata`` -> ``sasdata``), unused."""
    base = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_") or "group"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name
