"""NXDL names as path segments and globs.

``nameType="partial"`` names have upper-case runs that stand for any text:
``sampleID`` -> ``sample*``, ``beam_TYPE`` -> ``beam_*``,
``FIELDNAME_errors`` -> ``*_errors``, ``NAMED_reference_frameID`` ->
``*_reference_frame*``. A group is the segment ``name:NXclass``
(specified), ``glob:NXclass`` (partial), ``*:NXclass`` (any) or ``NXclass``
(no name).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from mapper.conventions.nexus.nxdl.model import Group, NameType

__all__ = ["field_glob", "glob_of", "group_segment", "join", "meta_name"]

_UPPER = re.compile(r"[A-Z]+")


def glob_of(name: str, name_type: NameType) -> str:
    """The glob a name stands for: itself, ``*`` (any) or upper-case runs as ``*``."""
    if name_type == "any":
        return "*"
    if name_type == "partial":
        return _UPPER.sub("*", name)
    return name


def field_glob(name: str, name_type: NameType, specified: Collection[str]) -> str:
    """The glob of a field's name, leaving out a sibling that NXDL names exactly.

    A placeholder may stand for the empty string, so ``NAMEcurrent`` (``*current``)
    matches ``current``; when the group also has a field named ``current``,
    that field is the ``current`` concept, not an instance of ``NAMEcurrent``
    (a name the group already uses), and the glob is ``?*current``.
    """
    glob = glob_of(name, name_type)
    if name_type == "partial" and glob.count("*") == 1 and glob.replace("*", "") in specified:
        return glob.replace("*", "?*")
    return glob


def group_segment(g: Group) -> str:
    """The path segment of a group: ``name:NXclass``, ``glob:NXclass`` or ``NXclass``."""
    if g.name is None:
        return g.type
    if g.name_type == "any":
        return f"*:{g.type}"
    return f"{glob_of(g.name, g.name_type)}:{g.type}"


def meta_name(g: Group) -> str | None:
    """The part a group adds to a metadata key: its name, or its class in lower case.

    None for a group whose name is a placeholder (``nameType`` any or partial).
    """
    if g.name is None:
        return g.type[2:].lower() if g.type.startswith("NX") else g.type.lower()
    return g.name if g.name_type == "specified" else None


def join(parent: str, segment: str) -> str:
    """A layout path: ``{entry}`` + ``title`` -> ``{entry}/title``; the root is ``""``."""
    return f"{parent}/{segment}" if parent else f"/{segment}"
