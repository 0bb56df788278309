"""Presence of layout objects per parent group: ``required`` and ``occurs``.

A layout entry ``{run}/Camera/frames`` (a class segment) states that **every**
group its parent expression matches holds ``frames``, not that one of them
does. A parent that is absent is not this entry's business: the parent's own
entry reports it when it is required, and says nothing when it is optional.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from mapper.hdf5.resolve import Target
from mapper.language.paths import PathSyntaxError, parse_path
from mapper.registry import Convention

#: ``targets(expr)``: the resolved targets of a path expression in the current binding.
Targets = Callable[[str], list[Target]]


@dataclass(frozen=True)
class Split:
    """A layout path cut before its last step: the parent expression and the last name."""

    parent: str
    last: str
    #: the parent may match several groups (a glob or a class segment on the way)
    pattern: bool


def split(expr: str, convention: Convention) -> Split | None:
    """``{a}/B/c`` -> ``Split("{a}/B", "c")``; None for a path of one step (``{a}``, ``/``)."""
    head, sep, last = expr.rpartition("/")
    if not sep or not head:
        return None
    try:
        parsed = parse_path(head, convention)
    except PathSyntaxError:
        return None
    pattern = any(not s.is_literal for s in parsed.segments)
    return Split(head, last, pattern)


def missing_text(last: str, convention: Convention) -> str | None:
    """What to call an absent member that no single name gives; None for a literal name.

    ``Class`` -> ``a group of class Class``; ``glob*`` -> ``a member named 'glob*'``.
    """
    try:
        parsed = parse_path(last, convention)
    except PathSyntaxError:
        return None
    if len(parsed.segments) != 1 or parsed.segments[0].is_literal or parsed.attr is not None:
        return None
    seg = parsed.segments[0]
    named = f"named {seg.name!r}" if seg.name not in (None, "*") else ""
    if seg.cls is None:
        return f"a member {named}"
    return f"a group of class {seg.cls}{' ' + named if named else ''}"


def parent_of(target: Target) -> str:
    """The group (or, for an attribute, the object) that holds ``target``."""
    if target.attr is not None:
        return target.path
    return posixpath.dirname(target.path) or "/"


def counts(parents: list[Target], found: list[Target]) -> list[tuple[str, int]]:
    """``(parent path, number of found objects in it)`` for every parent, in order."""
    tally = {p.path: 0 for p in parents}
    for t in found:
        holder = parent_of(t)
        if holder in tally:
            tally[holder] += 1
    return list(tally.items())


def occurs_text(n: int, lo: int | None, hi: int | None) -> str | None:
    """Why ``n`` objects break ``occurs: {min: lo, max: hi}``, or None when they don't."""
    if lo is not None and n < lo:
        return f"{n} found where at least {lo} {'is' if lo == 1 else 'are'} expected"
    if hi is not None and n > hi:
        return f"{n} found where at most {hi} {'is' if hi == 1 else 'are'} allowed"
    return None
