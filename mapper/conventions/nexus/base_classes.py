"""The NeXus base classes: what the standard fixes for every NeXus file, whatever its definition.

The check ``nexus.base_classes`` walks the file from the group it is given
(a layout names it on ``"/"``) and checks, against the official base classes:

* every group's ``NX_class`` is a known class (a contributed one, or an
  unknown name with the closest known ones, is an ``info``);
* the fields and attributes a group's class knows (by name, else by a
  partial name such as ``*_errors``) have its type and unit category: the
  constraint checks of :mod:`mapper.engine.constraints`, so the messages are
  those of an application definition's rules, capped at ``warning`` (a base
  class says what a field should be, not what a file needs); a missing
  ``@units`` and text stored as a one-element array are not findings here;
  a group where the class has a field of that name is a warning;
* every ``depends_on`` chain resolves, and transformations are typed
  (:mod:`.depends_on`);
* every NXdata group follows the NXdata rules (check ``nxdata``) and every
  ``@default`` chain ends at an NXdata group (check ``default_chain``).

The index of the base classes (``nxdl/base_classes.json``, flattened over
``extends``) is read once per process, the first time the check runs.
Only attributes, dtypes, shapes and arrays of at most :data:`SAMPLE`
elements are read; links are followed under the resolver's link policy.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from mapper.conventions.nexus import depends_on
from mapper.conventions.nexus.checks import default_chain, nxdata, once
from mapper.conventions.nexus.classes import CLASS_ATTR, nx_class
from mapper.conventions.nexus.nxdl.constraints import DTYPES
from mapper.conventions.nexus.units import CATEGORIES
from mapper.engine.constraints import Item, check
from mapper.engine.items import field_units
from mapper.errors import MapperError
from mapper.hdf5.io import member_names
from mapper.language.model import Constraints
from mapper.language.paths import child_path
from mapper.registry import check as register_check

if TYPE_CHECKING:  # pragma: no cover
    from mapper.engine.context import Context, Emit
    from mapper.hdf5.resolve import Resolver
    from mapper.registry import Convention

__all__ = [
    "INDEX_FILE",
    "NX_FAMILIES",
    "SAMPLE",
    "BaseClass",
    "Index",
    "base_classes",
    "load_index",
]

#: The index the check uses unless :func:`load_index` is given another one.
INDEX_FILE = Path(__file__).resolve().parent / "nxdl" / "base_classes.json"
#: Value checks (text encoding, dates, booleans) read at most this many elements of a field.
SAMPLE = 4096
#: NXDL type -> the dtype family of the mapping language (absent: not checked); the
#: converter's table, so that a base class and an application definition agree.
NX_FAMILIES = DTYPES
#: NXdata attributes the ``nxdata`` check judges (not typed again here).
NXDATA_ATTRS = ("signal", "axes", "auxiliary_signals", "*_indices")
_NO_CHECK = Constraints()


def _constraints(spec: Mapping[str, Any]) -> Constraints:
    """The constraints of one index entry: ``{"type": NX_..., "units": category or unit}``."""
    family = NX_FAMILIES.get(str(spec.get("type") or ""))
    units = spec.get("units")
    units = str(units) if units else None
    if units in CATEGORIES:
        return Constraints(dtype=family, units_category=units)
    return Constraints(dtype=family, units_like=units)


def _specificity(pattern: str) -> tuple[int, str]:
    """Sort key: the pattern with the most literal characters first (``*`` last)."""
    return (-len(pattern.replace("*", "").replace("?", "")), pattern)


def _split(specs: Mapping[str, Any]) -> tuple[dict[str, Constraints], tuple[Any, ...]]:
    """Exact names and glob patterns (most specific first) of an index mapping."""
    exact, globs = {}, []
    for name, spec in specs.items():
        cons = _constraints(spec or {})
        if any(c in name for c in "*?["):
            globs.append((name, cons))
        else:
            exact[name] = cons
    return exact, tuple(sorted(globs, key=lambda g: _specificity(g[0])))


@dataclass(frozen=True)
class BaseClass:
    """One base class, flattened (what it inherits through ``extends`` included)."""

    name: str
    contributed: bool
    #: field name -> constraints (empty constraints: a known field without type or units)
    fields: Mapping[str, Constraints]
    #: ``(glob, constraints)`` of the partial field names, most specific first
    patterns: tuple[tuple[str, Constraints], ...]
    #: group attribute name -> constraints
    attributes: Mapping[str, Constraints]
    attribute_patterns: tuple[tuple[str, Constraints], ...]
    #: child group name -> its classes, or class -> ``"*"`` (any name)
    groups: Mapping[str, Any]

    def field(self, name: str, catch_all: bool = True) -> Constraints | None:
        """The constraints of field ``name``: by exact name, else by pattern; None: unknown.

        ``catch_all=False`` ignores a ``*`` pattern (a field of any name).
        """
        patterns = self.patterns if catch_all else tuple(p for p in self.patterns if p[0] != "*")
        return _lookup(name, self.fields, patterns)

    def attribute(self, name: str) -> Constraints | None:
        """The constraints of group attribute ``name``, or None when the class does not know it."""
        return _lookup(name, self.attributes, self.attribute_patterns)


def _lookup(
    name: str, exact: Mapping[str, Constraints], globs: tuple[tuple[str, Constraints], ...]
) -> Constraints | None:
    if name in exact:
        return exact[name]
    for pattern, cons in globs:
        if fnmatch.fnmatchcase(name, pattern):
            return cons
    return None


@dataclass(frozen=True)
class Index:
    """The base classes of one NeXus release, by name."""

    release: str
    classes: Mapping[str, BaseClass]

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The known class names closest to ``name`` (standard ones first)."""
        found = difflib.get_close_matches(name, list(self.classes), n=n * 2, cutoff=0.6)
        return sorted(found, key=lambda c: self.classes[c].contributed)[:n]


def load_index(path: str | os.PathLike[str] | None = None) -> Index:
    """The base class index at ``path`` (default :data:`INDEX_FILE`), read once per process.

    Raises
    ------
    MapperError
        When the file is missing or is not an index.
    """
    return _load(str(Path(path) if path is not None else INDEX_FILE))


@lru_cache(maxsize=4)
def _load(path: str) -> Index:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        classes = {name: _base_class(name, spec) for name, spec in doc["classes"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MapperError(f"cannot read the NeXus base class index {path} ({exc})") from None
    return Index(str(doc.get("release", "")), classes)


def _base_class(name: str, spec: Mapping[str, Any]) -> BaseClass:
    fields, from_patterns = _split(spec.get("fields") or {})
    _, patterns = _split(spec.get("patterns") or {})
    attrs, attr_patterns = _split(spec.get("attributes") or {})
    return BaseClass(
        name,
        bool(spec.get("contributed", False)),
        fields,
        tuple(sorted(patterns + from_patterns, key=lambda g: _specificity(g[0]))),
        attrs,
        attr_patterns,
        dict(spec.get("groups") or {}),
    )


# ---------------------------------------------------------------------- the check
@register_check("nexus.base_classes")
def base_classes(ctx: Context, path: str, emit: Emit) -> None:
    """The file below ``path`` against the NeXus base classes, depends_on chains and NXdata rules.

    The findings are computed once per file and given again when the check
    runs once more (a layout entry checked once per entry).
    """
    once(ctx, ("check.nexus.base_classes", path), emit, lambda record: _run(ctx, path, record))


#: A group member: its name, and whether it is a group (None: reached through a link).
Member = tuple[str, "bool | None"]


@dataclass
class _Scan:
    """The groups below a start group, each once, and what each object is."""

    #: ``(path, group)`` in visiting order, the start first
    groups: list[tuple[str, h5py.Group]]
    #: path -> is a group, for every object at the path the walk reached it by
    kinds: dict[str, bool]

    def members(self, path: str, group: h5py.Group) -> list[Member]:
        """The names of a group's members, and which are groups (a link's target: None)."""
        out = []
        for raw in member_names(group):
            name = raw.decode("utf-8", "surrogateescape")
            out.append((name, self.kinds.get(child_path(path, name))))
        return out


def _scan(resolver: Resolver, start: str) -> _Scan:
    """The group at ``start`` and every group below it, each once.

    One C-level walk through hard links (soft and external links are not
    followed, so each object is visited once, at its first path).
    """
    top = resolver.get(start)
    scan = _Scan([], {})
    if not isinstance(top, h5py.Group):
        return scan

    def visit(name: bytes, info: Any) -> None:
        full = child_path(start, name.decode("utf-8", "surrogateescape"))
        scan.kinds[full] = info.type == h5py.h5o.TYPE_GROUP

    h5py.h5o.visit(top.id, visit, info=True)
    scan.groups.append((start, top))
    for full, is_group in scan.kinds.items():
        if is_group:
            obj = resolver.get(full)
            if isinstance(obj, h5py.Group):
                scan.groups.append((full, obj))
    return scan


def _run(ctx: Context, path: str, emit: Emit) -> None:
    from mapper.conventions.nexus import NEXUS

    r = ctx.resolver
    try:
        index: Index | None = load_index()
    except MapperError as exc:
        emit("read", path, f"{exc}; base classes not checked", severity="warning")
        index = None
    try:
        scan = _scan(r, path)
    except (MapperError, OSError, RuntimeError) as exc:
        emit("read", path, f"cannot walk the file ({exc})")
        return
    chains = depends_on.Chains(r, emit)
    for gpath, group in scan.groups:
        try:
            cls = nx_class(r, group)
            members = scan.members(gpath, group)
            if index is not None and cls is not None:
                _group(r, index, gpath, group, cls, members, emit, NEXUS)
            _chains(r, chains, gpath, cls, members, emit, NEXUS)
            if cls == "NXdata":
                nxdata(ctx, gpath, emit)
            if r.attr(group, "default") is not None and not _continues(r, gpath):
                default_chain(ctx, gpath, emit)  # a chain that starts here
        except (MapperError, OSError, RuntimeError, KeyError, TypeError, ValueError) as exc:
            emit("read", gpath, f"cannot be checked against the base classes ({exc})")


def _continues(r: Resolver, path: str) -> bool:
    """True when the group's parent has ``@default`` too: its chain is checked from above."""
    if path == "/":
        return False
    parent = r.get(posixpath.dirname(path) or "/")
    return parent is not None and r.attr(parent, "default") is not None


def _group(
    r: Resolver,
    index: Index,
    path: str,
    group: h5py.Group,
    cls: str,
    members: list[Member],
    emit: Emit,
    convention: Convention,
) -> None:
    """One group: its class, the fields and attributes its class knows."""
    spec = index.classes.get(cls)
    rule = convention.class_rule
    if spec is None:
        near = index.closest(cls)
        hint = f"; closest: {', '.join(near)}" if near else ""
        release = f" {index.release}" if index.release else ""
        emit(
            rule,
            path,
            f"{CLASS_ATTR} {cls!r} is not a NeXus{release} base class{hint}",
            severity="info",
            expected=near or None,
            found=cls,
        )
        return
    if spec.contributed:
        emit(
            rule,
            path,
            f"{CLASS_ATTR} {cls!r} is a contributed definition, not a standard base class",
            severity="info",
            found=cls,
        )
    for name, is_group in members:
        # NXdata's any-named fields are signals or axes: the nxdata check types them
        cons = spec.field(name, catch_all=cls != "NXdata")
        if cons is None or (cons == _NO_CHECK and (is_group is False or name not in spec.fields)):
            continue
        where = child_path(path, name)
        obj = r.get(where) if is_group is not True else None
        if is_group or isinstance(obj, h5py.Group):
            if name in spec.fields:  # a named field, not a partial name any group may match
                emit(
                    "dtype",
                    where,
                    "is a group where a field is expected",
                    severity="warning",
                    expected="field",
                    found="group",
                )
        elif isinstance(obj, h5py.Dataset) and cons != _NO_CHECK:
            units = cons.units_category is not None or cons.units_like is not None
            _check(_dataset_item(r, obj, where, emit, units), cons, emit, convention)
    _attributes(group, path, spec, emit, convention)


def _attributes(
    group: h5py.Group, path: str, spec: BaseClass, emit: Emit, convention: Convention
) -> None:
    """The group's attributes that its class types."""
    if not any(c != _NO_CHECK for c in spec.attributes.values()) and not spec.attribute_patterns:
        return
    for name in group.attrs:
        if name == CLASS_ATTR:
            continue
        if spec.name == "NXdata" and any(fnmatch.fnmatchcase(name, p) for p in NXDATA_ATTRS):
            continue  # the nxdata check judges these
        cons = spec.attribute(name)
        if cons is not None and cons != _NO_CHECK:
            where = child_path(path, f"@{name}")
            _check(_attr_item(group, name, where), cons, emit, convention)


def _chains(
    r: Resolver,
    chains: depends_on.Chains,
    path: str,
    cls: str | None,
    members: list[Member],
    emit: Emit,
    convention: Convention,
) -> None:
    """The ``depends_on`` fields of a group; the transformations of an NXtransformations."""
    for name, is_group in members:
        if is_group or (name != "depends_on" and cls != "NXtransformations"):
            continue
        where = child_path(path, name)
        ds = r.get(where)
        if not isinstance(ds, h5py.Dataset):
            continue
        if name == "depends_on":
            chains.field(where, ds)
        if cls == "NXtransformations":
            depends_on.transformation(r, where, ds, emit, convention)
            chains.attribute(where, ds)


# ---------------------------------------------------------------------- one value
def _check(item: Item | None, cons: Constraints, emit: Emit, convention: Convention) -> None:
    """The constraint checks of one value, capped at ``warning``."""
    if item is None:
        return
    if item.units is None or not item.units.strip():
        cons = replace(cons, units_category=None, units_like=None)  # units are optional
    elif cons.units_like and not _parses(cons.units_like):
        cons = replace(cons, units_like=None)  # an example unit pint does not know
    if cons == _NO_CHECK:
        return

    def capped(
        rule: str, message: str, severity: str = "error", expected: Any = None, found: Any = None
    ) -> None:
        if rule in ("scalar", "empty"):
            # a one-element text array is how most writers store text, not a fault; an
            # empty dataspace is a matter of the application definition, not the class
            return
        emit(
            rule,
            item.path,
            message,
            severity="info" if severity == "info" else "warning",
            expected=expected,
            found=found,
        )

    check(item, cons, {}, capped, convention=convention)


@lru_cache(maxsize=256)
def _parses(units: str) -> bool:
    from mapper.language.units import parse

    try:
        parse(units)
    except ValueError:
        return False
    return True


def _dataset_item(
    r: Resolver, ds: h5py.Dataset, where: str, emit: Emit, with_units: bool = True
) -> Item:
    """An :class:`Item` for a field: its dtype, shape, units; values read up to :data:`SAMPLE`."""
    dtype = ds.dtype  # h5py asks HDF5 again at every access
    kind = dtype.kind
    if kind == "O" and h5py.check_string_dtype(dtype) is not None:
        kind = "T"
    size = int(ds.size or 0) if ds.shape is not None else 0

    def read() -> Any:
        if size <= SAMPLE:
            return r.value(ds)  # shared with the application definition's rules
        r.check_virtual(ds)
        return ds[(0,) * (ds.ndim - 1) + (slice(0, SAMPLE),)]  # a sample of the first row

    units = _units(r, ds, where, emit) if with_units else None
    return Item(where, kind, str(dtype), ds.shape, units, read, min(size, SAMPLE))


def _units(r: Resolver, ds: h5py.Dataset, where: str, emit: Emit) -> str | None:
    """``@units`` as text; unreadable units are reported as the validator does, as warnings."""
    units, problem = field_units(r, ds, where)
    if problem is not None:
        rule, message, expected, found = problem
        emit(rule, where, message, severity="warning", expected=expected, found=found)
    return units


def _attr_item(obj: Any, name: str, where: str) -> Item | None:
    """An :class:`Item` for an attribute (None when it cannot be opened)."""
    try:
        aid = h5py.h5a.open(obj.id, name.encode("utf-8"))
    except (KeyError, OSError, RuntimeError):
        return None
    kind = aid.dtype.kind
    if kind == "O" and h5py.check_string_dtype(aid.dtype) is not None:
        kind = "T"
    shape = aid.shape
    size = int(np.prod(shape)) if shape is not None else 0
    return Item(where, kind, str(aid.dtype), shape, None, lambda: obj.attrs[name], size)
