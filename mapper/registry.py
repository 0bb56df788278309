"""The one registry of everything a mapping may name: built-ins, transforms, checks, conventions.

A mapping is data: it can only name code that was registered here, by the
package itself (:mod:`mapper.conventions`) or by a package the user installed
that declares a module in the ``mapper.plugins`` entry-point group. Nothing
in a YAML file is ever evaluated as code.

Every entry is registered one way, :meth:`Registry.register`, and a name's
facets live on one object: a :class:`Builtin` has ``read`` (a built-in's
function, a transform's decode), ``write`` (its inverse, a transform's encode)
and ``check`` (a named validation check), whichever it has. A
:class:`Convention` says how a family of files types and names its groups.

The registry is filled on first use, so ``import mapper`` loads no convention.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from mapper.errors import MapperError, MapperWarning, MappingError, did_you_mean

__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Builtin",
    "BuiltinKind",
    "Convention",
    "Registry",
    "builtin",
    "check",
    "transform",
    "writer",
]

#: Entry-point group of installed packages that add built-ins or conventions (modules to import).
ENTRY_POINT_GROUP = "mapper.plugins"
#: The package's own conventions, loaded like a plug-in.
_OWN = "mapper.conventions"

BuiltinKind = Literal["paths", "value", "transform", "check"]
Namespace = Literal["builtin", "transform", "check"]
_NAMESPACE: dict[str, Namespace] = {
    "paths": "builtin",
    "value": "builtin",
    "transform": "transform",
    "check": "check",
}

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Builtin:
    """A named piece of code a mapping may call, with all its facets.

    Attributes
    ----------
    name
        The stable dotted name the YAML uses (``nxdata.axes``, ``string``).
    kind
        ``paths`` (an anchor's matches), ``value`` (a value source),
        ``transform`` (a reversible value conversion) or ``check`` (a
        validation rule that is an algorithm).
    doc
        One line for ``docs/builtins.md`` and ``mapper check``.
    read
        Built-ins: ``read(ctx, [at], **args)``; transforms: ``decode(value)``.
    write
        Built-ins: ``write(wctx, at, value, **args)``; transforms: ``encode(value)``.
    check
        Checks: ``check(ctx, path, emit)``.
    """

    name: str
    kind: BuiltinKind
    doc: str = ""
    read: Callable[..., Any] | None = None
    write: Callable[..., Any] | None = None
    check: Callable[..., None] | None = None

    @property
    def func(self) -> Callable[..., Any]:
        """The reading function (a writer registered before its built-in has none yet)."""
        if self.read is None:
            raise MapperError(f"built-in {self.name!r} has a writer but no reading function")
        return self.read

    @property
    def run_check(self) -> Callable[..., None]:
        """A named check's function."""
        if self.check is None:
            raise MapperError(f"{self.kind} {self.name!r} is not a check")
        return self.check

    def decode(self, value: Any) -> Any:
        """A transform's decode (after reading)."""
        return self.func(value)

    @property
    def encode(self) -> Callable[[Any], Any] | None:
        """A transform's encode (before writing), or None when it is one-way."""
        return self.write


@dataclass(frozen=True, eq=False)  # one object per convention: hashed by identity
class Convention:
    """How a family of HDF5 files types and names its groups (NeXus: ``NX_class``).

    The engine knows no format: a mapping names its convention
    (``convention: nexus``) and the engine asks it these questions.

    Attributes
    ----------
    name
        What the mapping's ``convention:`` key says.
    class_attr
        The attribute that holds a group's class, or None when groups have none.
        The path grammar's class segments (``entry:NXentry``), ``ancestor:``,
        a layout entry's ``class:`` and the writer's group classes use it.
    class_pattern
        A regular expression for class names; a bare path segment that matches
        it is a class (``NXentry`` matches every child of that class). Without
        one, classes of any name are written ``name:Class`` (or ``*:Class``).
    class_example
        How a class name looks, for messages (``NXsomething``).
    group_name
        The name ``save`` gives a group that the mapping types only by class.
    type_names
        The convention's name of each dtype family (``float`` -> ``NX_FLOAT``),
        quoted in findings as the expected type.
    unit_categories
        Category -> an example unit every unit of it converts to; None accepts
        any unit. Mapping constraints ``units_category:`` name these.
    in_category
        ``in_category(units, category)``: does a unit belong to a category.
    unitless
        Categories whose values may carry no unit: ``@units`` is then optional.
    default_attr
        The group attribute that names the child to plot (NeXus: ``default``);
        ``write.default`` writes the chain of it from the root down.
    link_attr
        The attribute a link carries with its target's path (NeXus: ``target``),
        asked for by a layout entry's ``target_attr``.
    custom_attr
        The attribute that marks a value outside an open enumeration
        (``enum_open``) as deliberate (NeXus: ``custom``).
    hint_unqualified
        A mapping without a ``convention:`` whose bare path segment looks like
        one of this convention's classes gets a problem from ``mapper check``
        suggesting the convention. Set it only for a distinctive class pattern.
    """

    name: str
    doc: str = ""
    class_attr: str | None = None
    class_pattern: str | None = None
    class_example: str = ""
    group_name: Callable[[str], str] | None = None
    type_names: Mapping[str, str] = field(default_factory=dict)
    unit_categories: Mapping[str, str | None] = field(default_factory=dict)
    in_category: Callable[[str, str], bool] | None = None
    unitless: frozenset[str] = frozenset()
    default_attr: str | None = None
    link_attr: str | None = None
    custom_attr: str | None = None
    hint_unqualified: bool = False

    @property
    def class_rule(self) -> str:
        """The rule id of class findings (``nx_class`` for ``NX_class``)."""
        return (self.class_attr or "class").lower()

    def is_class(self, segment: str) -> bool:
        """True when a bare path segment names a class of this convention."""
        return (
            self.class_pattern is not None and re.fullmatch(self.class_pattern, segment) is not None
        )

    def name_for(self, cls: str) -> str:
        """The name ``save`` gives a group of class ``cls`` that the mapping does not name."""
        return self.group_name(cls) if self.group_name is not None else cls.lower()

    def type_name(self, family: str) -> str:
        """The convention's name for a dtype family, or the family itself."""
        return self.type_names.get(family, family)


#: The convention of a mapping that names none: groups have no class.
GENERIC = Convention("generic", doc="Plain HDF5: groups are typed by nothing but their names.")


class Registry:
    """Built-ins, transforms, checks and conventions by name; filled on first lookup."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Namespace, str], Builtin] = {}
        self._conventions: dict[str, Convention] = {GENERIC.name: GENERIC}
        self._loaded = False

    # ------------------------------------------------------------------ registering
    def register(self, entry: Builtin | Convention) -> None:
        """Add ``entry``; a built-in's facets (read, write, check) merge into one object.

        A later registration of a name replaces the facets it gives (and the
        kind, when it gives the reading function). An entry that lacks the
        facet its kind needs is refused with a :class:`ValueError`.
        """
        if isinstance(entry, Convention):
            self._conventions[entry.name] = entry
            return
        key = (_NAMESPACE[entry.kind], entry.name)
        old = self._entries.get(key)
        if old is not None:
            entry = replace(
                old,
                kind=entry.kind if entry.read is not None else old.kind,
                doc=entry.doc or old.doc,
                read=entry.read or old.read,
                write=entry.write or old.write,
                check=entry.check or old.check,
            )
        needs = "check" if entry.kind == "check" else "read"
        if getattr(entry, needs) is None and old is None and entry.write is None:
            raise ValueError(f"{entry.kind} {entry.name!r} registered without its {needs} function")
        self._entries[key] = entry

    # ------------------------------------------------------------------ looking up
    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        importlib.import_module(_OWN)
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                ep.load()
            except Exception as exc:  # a broken plug-in must not break every load
                warnings.warn(
                    f"mapper plug-in {ep.name!r} ({ep.value}) failed to load: {exc}",
                    MapperWarning,
                    stacklevel=2,
                )

    def names(self, namespace: Namespace) -> dict[str, Builtin]:
        """Every entry of a namespace (``builtin``, ``transform``, ``check``), by name."""
        self._load()
        return {n: b for (ns, n), b in self._entries.items() if ns == namespace}

    def find(self, namespace: Namespace, name: str) -> Builtin | None:
        """The entry ``name`` of a namespace, or None."""
        self._load()
        return self._entries.get((namespace, name))

    def get(self, namespace: Namespace, name: str) -> Builtin:
        """The entry ``name`` of a namespace; a one-line error when there is none."""
        found = self.find(namespace, name)
        if found is None:
            hint = did_you_mean(name, self.names(namespace))
            raise MappingError(f"unknown {namespace} {name!r}{hint}")
        return found

    def builtin(self, name: str) -> Builtin:
        """The built-in ``name`` (kind ``paths`` or ``value``)."""
        return self.get("builtin", name)

    def transform(self, name: str) -> Builtin:
        """The transform ``name``."""
        return self.get("transform", name)

    def check(self, name: str) -> Builtin:
        """The named check ``name``."""
        return self.get("check", name)

    def conventions(self) -> dict[str, Convention]:
        """Every convention, by name."""
        self._load()
        return dict(self._conventions)

    def convention(self, name: str | None) -> Convention:
        """The convention ``name`` (None: :data:`GENERIC`)."""
        if name is None:
            return GENERIC
        found = self.conventions().get(name)
        if found is None:
            hint = did_you_mean(name, self._conventions)
            known = ", ".join(sorted(self._conventions))
            raise MappingError(
                f"unknown convention {name!r}{hint}; known: {known} (a convention of "
                "another package is known once that package is installed)"
            )
        return found


#: The registry every part of the package uses.
REGISTRY = Registry()


def _first_line(func: Callable[..., Any]) -> str:
    return (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""


def builtin(name: str, kind: Literal["paths", "value"]) -> Callable[[F], F]:
    """Register the decorated function as built-in ``name`` (its ``read``)."""

    def deco(func: F) -> F:
        REGISTRY.register(Builtin(name, kind, _first_line(func), read=func))
        return func

    return deco


def writer(name: str) -> Callable[[F], F]:
    """Register the decorated function as the ``write`` of built-in ``name``."""

    def deco(func: F) -> F:
        REGISTRY.register(Builtin(name, "value", write=func))  # joins the built-in's kind
        return func

    return deco


def check(name: str) -> Callable[[F], F]:
    """Register the decorated function as the named check ``name``."""

    def deco(func: F) -> F:
        REGISTRY.register(Builtin(name, "check", _first_line(func), check=func))
        return func

    return deco


def transform(
    name: str, decode: Callable[[Any], Any], encode: Callable[[Any], Any] | None, doc: str
) -> None:
    """Register a transform: ``decode`` after reading, ``encode`` before writing."""
    REGISTRY.register(Builtin(name, "transform", doc, read=decode, write=encode))
