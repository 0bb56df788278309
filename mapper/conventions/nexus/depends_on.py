"""NeXus ``depends_on`` chains and NXtransformations, checked without reading bulk data.

A ``depends_on`` field (in any group) and the ``@depends_on`` attribute of a
transformation name the next transformation: ``"."`` ends the chain, an
absolute path is taken as it is, a relative one is joined to the path of the
group that holds the value. Each step must reach a field (or an
NXcoordinate_system group, which ends the chain); the chain then goes on from
that field's own ``@depends_on`` (a field without one ends it).

:class:`Chains` walks every chain once: a step already walked from another
start is not walked (nor reported) again.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from mapper.conventions.nexus.classes import nx_class
from mapper.engine.constraints import Item, check
from mapper.errors import MapperError
from mapper.hdf5.io import as_str
from mapper.language.model import Constraints
from mapper.language.paths import child_path

if TYPE_CHECKING:  # pragma: no cover
    from mapper.engine.context import Emit
    from mapper.hdf5.resolve import Resolver
    from mapper.registry import Convention

__all__ = ["MAX_STEPS", "RULE", "TRANSFORMATION_RULE", "Chains", "transformation"]

#: The most steps a chain may take; more is reported (a chain that long is a mistake).
MAX_STEPS = 100
#: The rule id of chain findings.
RULE = "depends_on"
#: The rule id of findings about a transformation's attributes.
TRANSFORMATION_RULE = "transformations"
#: The unit category of each transformation type (NX_TRANSFORMATION says "one of them").
TYPE_UNITS = {"translation": "NX_LENGTH", "rotation": "NX_ANGLE"}
#: A group class a chain may end at.
COORDINATE_SYSTEM = "NXcoordinate_system"


def _text(value: Any, where: str) -> tuple[str | None, str]:
    """``(text, "")``, or ``(None, why it is not one string)``."""
    try:
        return as_str(value, where), ""
    except MapperError as exc:
        return None, getattr(exc, "reason", None) or str(exc)


class Chains:
    """Walks ``depends_on`` chains of one file, each step once, reporting through ``emit``."""

    def __init__(self, resolver: Resolver, emit: Emit) -> None:
        self.resolver = resolver
        self.emit = emit
        #: fields whose chain was already walked (fine, or reported)
        self.done: set[str] = set()

    def field(self, path: str, ds: h5py.Dataset) -> None:
        """Walk the chain that starts at the ``depends_on`` field at ``path``."""
        if ds.shape is None:
            self.emit(RULE, path, "has an empty dataspace (no value)", expected="a path or '.'")
            return
        if int(ds.size or 0) != 1:  # said without reading it
            found = f"an array of {ds.size} values"
            self.emit(RULE, path, f"is not a path ({found})", expected="a path or '.'", found=found)
            return
        try:
            raw = ds[()]
        except (OSError, RuntimeError, TypeError, ValueError) as exc:
            self.emit(RULE, path, f"cannot be read ({type(exc).__name__}: {exc})")
            return
        self._walk(path, posixpath.dirname(path), raw, [])

    def attribute(self, path: str, ds: h5py.Dataset) -> None:
        """Walk the chain from the field at ``path`` through its ``@depends_on``, if it has one."""
        if path in self.done:
            return
        raw = self.resolver.attr(ds, "depends_on")
        if raw is not None:
            self._walk(child_path(path, "@depends_on"), posixpath.dirname(path), raw, [path])

    def _walk(self, where: str, base: str, raw: Any, seen: list[str]) -> None:
        """Follow a chain; ``where`` holds ``raw``, relative to ``base``; ``seen``: its fields."""
        try:
            self._steps(where, base, raw, seen)
        finally:
            self.done.update(seen)

    def _steps(self, where: str, base: str, raw: Any, seen: list[str]) -> None:
        r = self.resolver
        start = where
        while True:
            name, why = _text(raw, where)
            if name is None:
                self.emit(RULE, where, f"is not a path ({why})", expected="a path or '.'")
                return
            if name.strip() == ".":
                return
            if not name.strip():
                self.emit(RULE, where, "is an empty string", expected="a path or '.'", found="")
                return
            target = posixpath.normpath(posixpath.join(base, name.strip()))
            if target in seen:
                loop = " -> ".join([*seen[seen.index(target) :], target])
                self.emit(RULE, where, f"names {name!r}: the depends_on chain loops ({loop})")
                return
            if target in self.done:
                return  # walked from another start
            obj = r.get(target)
            if not self._reachable(where, name, target, obj):
                return
            if isinstance(obj, h5py.Group):
                return  # a coordinate system ends the chain
            seen.append(target)
            if len(seen) > MAX_STEPS:
                self.emit(RULE, start, f"the depends_on chain is longer than {MAX_STEPS} steps")
                return
            raw = r.attr(obj, "depends_on")
            if raw is None:
                return  # no @depends_on: the chain ends at this transformation
            where, base = child_path(target, "@depends_on"), posixpath.dirname(target)

    def _reachable(self, where: str, name: str, target: str, obj: Any) -> bool:
        """Report a step that reaches nothing, or a group that is no coordinate system."""
        if obj is None:
            reason = self.resolver.why_absent(target)
            why = f" ({reason})" if reason and reason not in ("missing", "outside") else ""
            if reason == "outside":
                why = " (an external link outside the allowed directories)"
            self.emit(
                RULE,
                where,
                f"names {name!r}, which does not exist{why}",
                expected="a field",
                found=name,
            )
            return False
        if isinstance(obj, h5py.Group):
            cls = nx_class(self.resolver, obj)
            if cls != COORDINATE_SYSTEM:
                self.emit(
                    RULE,
                    where,
                    f"names {name!r}, which is a group ({cls or 'no NX_class'}), not a field",
                    expected="a field",
                    found=cls,
                )
                return False
        return True


def transformation(
    resolver: Resolver, path: str, ds: h5py.Dataset, emit: Emit, convention: Convention
) -> None:
    """The attributes of one field of an NXtransformations group.

    ``@transformation_type`` is ``translation`` or ``rotation`` (else an
    error); a transformation has a ``@vector`` of three numbers (else a
    warning), and units of its type (a length, an angle: a warning).
    """
    raw = resolver.attr(ds, "transformation_type")
    if raw is None:
        return  # not a transformation (an AXISNAME_end, a direction without motion)
    where = child_path(path, "@transformation_type")
    kind, why = _text(raw, where)
    if kind is None or kind.strip() not in TYPE_UNITS:
        shown = kind if kind is not None else f"not text ({why})"
        emit(
            TRANSFORMATION_RULE,
            where,
            f"is {shown!r}, not one of ['translation', 'rotation']",
            expected=["translation", "rotation"],
            found=kind,
        )
        return
    _vector(resolver, path, ds, emit)
    units = resolver.attr(ds, "units")
    text, _ = _text(units, path) if units is not None else (None, "")
    if text is None or not text.strip() or not _transformation_units(text, convention):
        return  # missing, unreadable or not a length nor an angle: the base class check says so
    item = Item(path, ds.dtype.kind, str(ds.dtype), ds.shape, text, lambda: None, 1)
    cons = Constraints(units_category=TYPE_UNITS[kind.strip()])

    def capped(
        rule: str, message: str, severity: str = "error", expected: Any = None, found: Any = None
    ) -> None:
        emit(rule, path, message, severity="warning", expected=expected, found=found)

    check(item, cons, {}, capped, convention=convention)


def _transformation_units(units: str, convention: Convention) -> bool:
    """True when ``units`` is a length or an angle (NX_TRANSFORMATION)."""
    if convention.in_category is None:
        return False
    try:
        return convention.in_category(units, "NX_TRANSFORMATION")
    except ValueError:  # not a unit at all
        return False


def _vector(resolver: Resolver, path: str, ds: h5py.Dataset, emit: Emit) -> None:
    """A transformation's ``@vector``: present (warning) and three numbers (warning)."""
    vector = resolver.attr(ds, "vector")
    if vector is None:
        emit(
            TRANSFORMATION_RULE,
            path,
            "is a transformation without a @vector (its axis)",
            severity="warning",
            expected="@vector of three numbers",
            found=None,
        )
        return
    arr = np.asarray(vector)
    if arr.dtype.kind not in "iuf" or arr.size != 3:
        emit(
            TRANSFORMATION_RULE,
            child_path(path, "@vector"),
            f"is not three numbers ({arr.size} value(s) of type {arr.dtype})",
            severity="warning",
            expected="three numbers",
            found=arr.tolist() if arr.size <= 6 else arr.size,
        )
