"""One application definition's groups, fields, attributes and links as layout entries.

:class:`LayoutBuilder` walks the definition's tree and gives every object
a layout entry keyed by its path: the first ``NXentry`` is the anchor
``{entry}``, a named group is ``name:NXclass``, an unnamed one ``NXclass``,
partial names are globs (``sample*:NXsample``, ``*_errors``; a field's
glob leaves out a sibling field NXDL names exactly: ``NAMEcurrent`` next to
``current`` is ``?*current``, see :func:`.names.field_glob`). ``occurs``
is stated only where the path can match several objects (a class, a glob):
a literal name matches one object at most. Entries are
*full*: ``required`` is always there (:mod:`.generate` drops the default
``true``, and for a definition that extends another keeps only what differs
from the parent). On the way it collects the signal's metadata entries
(``Entry.instrument.detector.distance``), the symbols the shapes use, and
notes about what NXDL states that a mapping cannot express.

When the definition extends another, ``parent`` is the parent's effective
tree and layout: a group that refines one of the parent's (the same name,
or an unnamed group and the parent's group of the same class) takes the
parent's path, so that the mapping language's merge combines the two
entries; a field the parent already has takes its type and units from the
parent (through the merge), not from the base class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mapper.conventions.nexus.nxdl.base_index import ClassInfo, class_info
from mapper.conventions.nexus.nxdl.constraints import (
    dims_items,
    dtype_of,
    enum_items,
    shape_symbols,
    units_items,
)
from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.model import (
    Attribute,
    Choice,
    Definition,
    Dims,
    Field,
    Group,
    Link,
)
from mapper.conventions.nexus.nxdl.names import field_glob, group_segment, join, meta_name
from mapper.conventions.nexus.nxdl.text import short_doc
from mapper.conventions.nexus.nxdl.twins import Teller, tellers

__all__ = ["ENTRY", "PRESET_METADATA", "LayoutBuilder", "Parent", "counterpart"]

ENTRY = "{entry}"
#: The metadata keys every generated mapping starts with (see :mod:`.generate`).
PRESET_METADATA = ("General.title", "General.original_filename", "Entry.definition")
Entry = dict[str, Any]


@dataclass
class Parent:
    """What a definition that extends another builds on: the parent's merged result."""

    tree: Group
    layout: dict[str, Entry]
    metadata: list[str]
    symbols: list[str]
    entry_path: str


def counterpart(base: Group | None, g: Group) -> Group | None:
    """The group of ``base`` that ``g`` refines, or None.

    A named group refines the parent's group of the same name and class; a
    group without a name (or of any name) refines the parent's unnamed group
    of its class, else the parent's only group of its class. A named group
    never refines an unnamed one: the parent's ``NXsensor`` entry already
    applies to every NXsensor group, ``head_temperature_sensor`` included.
    """
    if base is None:
        return None
    same = [b for b in base.groups if b.type == g.type]
    if g.name is not None and g.name_type != "any":
        return next((b for b in same if b.name == g.name), None)
    anonymous = [b for b in same if b.name is None or b.name_type == "any"]
    if anonymous:
        return anonymous[0]
    return same[0] if len(same) == 1 else None


def _required(optionality: str) -> bool | str:
    """The layout's ``required``: true, ``recommended`` or false."""
    if optionality == "recommended":
        return "recommended"
    return optionality == "required"


def _scalar_or_vector(d: Dims | None) -> bool:
    """Rank 0 or 1: no dimensions, a rank of at most 1, or one dim."""
    if d is None:
        return True
    if isinstance(d.rank, int):
        return d.rank <= 1
    return d.rank is None and d.rank_text is None and len(d.dims) <= 1


@dataclass
class LayoutBuilder:
    """Walks one definition; see the module docstring."""

    defn: Definition
    library: Library
    parent: Parent | None = None
    layout: dict[str, Entry] = field(default_factory=dict)
    metadata: dict[str, Entry] = field(default_factory=dict)
    symbols: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entry: Group | None = None
    #: metadata keys in use, and every dotted prefix of one (``Entry``, ``Entry.sample``)
    meta_taken: set[str] = field(default_factory=set)
    meta_branches: set[str] = field(default_factory=set)
    #: anchors for same-class groups an attribute tells apart (:mod:`.twins`), in order
    anchors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self) -> None:
        """Walk the definition from its root (the file's root group)."""
        root = self.defn.root
        self.entry = next((g for g in root.groups if g.type == "NXentry"), None)
        if self.entry is None:
            raise NXDLError(
                f"{self.defn.file}:{self.defn.line}: {self.defn.name} has no NXentry group at "
                "the top: nothing to map"
            )
        for key in self.parent.metadata if self.parent else PRESET_METADATA:
            self.meta_free(key)
        base = self.parent.tree if self.parent else None
        self.walk(root, "", base, None)

    # -- groups -------------------------------------------------------------------------------
    def info(self, g: Group) -> ClassInfo:
        """The flattened base class of ``g``; an unknown class is an error."""
        info = class_info(self.library, g.type)
        if info is None:
            root = self.library.root
            why = (
                f"the definitions folder {root} has no base class {g.type}"
                if (root / "base_classes").is_dir()
                else f"{root} has no base_classes/ folder: give --definitions DIR, the "
                "NeXus definitions folder"
            )
            raise NXDLError(f"{self.defn.file}:{g.line}: unknown base class {g.type!r} ({why})")
        return info

    def walk(self, g: Group, key: str, base: Group | None, meta: str | None) -> None:
        """Add the entries of the children of group ``g``, which is at ``key``."""
        info = self.info(g) if key else self.root_info()
        for a in g.attributes:
            self.attribute(key, a, info, None)
        named = [
            f.name
            for f in (*g.fields, *(base.fields if base else ()))
            if f.name_type == "specified"
        ]
        for f in g.fields:
            self.field(key, f, info, meta, named)
        for link in g.links:
            self.link(key, link)
        for c in g.choices:
            self.choice(key, c)
        anonymous: dict[str, Group] = {}
        told = tellers(g.groups, {"entry", "plot", *self.anchors}) if self.parent is None else {}
        for child in g.groups:
            teller = told.get(id(child))
            if teller is not None:
                self.told_apart(key, child, teller, meta)
                continue
            if self.twin(key, child, anonymous):
                continue
            cp = counterpart(base, child)
            child_meta: str | None
            if not key and child is self.entry:
                cp = next((b for b in base.groups if b.type == "NXentry"), None) if base else None
                child_key, child_meta = ENTRY, "Entry"
            else:
                shown = cp or child
                child_key = join(key, group_segment(shown))
                name = meta_name(shown)
                child_meta = f"{meta}.{name}" if meta and name else None
            self.group(child_key, child)
            self.walk(child, child_key, cp, child_meta)

    def told_apart(self, key: str, g: Group, teller: Teller, meta: str | None) -> None:
        """A group found by an anchor that selects it by its fixed attribute's value."""
        anchor = "{" + teller.anchor + "}"
        self.anchors[teller.anchor] = {
            "path": join(key, f"*:{g.type}"),
            "where": {"path": f"{{.}}/@{teller.attribute}", "equals": teller.value},
            "select": "all",
            "required": g.optionality == "required",
            "doc": f"The {g.type} groups whose @{teller.attribute} is {teller.value} "
            f"(line {g.line}).",
        }
        self.group(anchor, g)
        name = meta_name(g)
        self.walk(g, anchor, None, f"{meta}.{name}" if meta and name else None)

    def twin(self, key: str, g: Group, anonymous: dict[str, Group]) -> bool:
        """True for a second group of one class whose name nothing fixes (not checked).

        Two groups of one class, each unnamed or of any name (NXcanSAS: the
        SASdata NXdata and the ``TRANSMISSION_SPECTRUM`` NXdata), match the same
        groups of a file: the second one's rules would apply to the first one's
        groups too, so only the first is checked.
        """
        if g is self.entry or (g.name is not None and g.name_type != "any"):
            return False
        first = anonymous.setdefault(g.type, g)
        if first is g:
            return False
        where = join(key, f"*:{g.type}")
        self.note(
            g.line,
            where,
            f"a second object at this path: another {g.type} group that names cannot tell "
            f"from the one at line {first.line} (only the first is checked)",
        )
        return True

    def root_info(self) -> ClassInfo:
        """The file's root: NXroot, when the folder has it."""
        return class_info(self.library, "NXroot") or ClassInfo("NXroot", False, None)

    def group(self, key: str, g: Group) -> None:
        """The entry of a group."""
        self.info(g)
        entry: Entry = {"required": _required(g.optionality), "class": g.type}
        entry.update(self.occurs(key, g.name is None or g.name_type != "specified", g))
        if g.deprecated is not None:
            entry["deprecated"] = g.deprecated
        if g.type == "NXdata":
            entry["checks"] = ["nxdata"]
        self.add(key, entry, g.doc, g.line)

    def occurs(self, key: str, several: bool, node: Group | Field) -> Entry:
        """``occurs: {min, max}`` where the path can match several objects."""
        lo, hi = node.min_occurs, node.max_occurs
        if hi == 0:
            self.note(node.line, key, "maxOccurs=0 (the object must be absent)")
            return {}
        if not several:
            return {}
        out = {}
        if lo is not None and lo > 1:
            out["min"] = lo
        if hi is not None:
            out["max"] = hi
        return {"occurs": out} if out else {}

    def choice(self, parent: str, c: Choice) -> None:
        """A choice: a group of this name, of one of several classes."""
        key = join(parent, c.name)
        for g in c.groups:
            self.info(g)
            if g.fields or g.groups or g.attributes or g.links:
                self.note(g.line, key, f"the content of the {g.type} alternative of a choice")
        entry = {"required": _required(c.optionality), "class": [g.type for g in c.groups]}
        self.add(key, entry, "", c.line)

    # -- fields, attributes, links ------------------------------------------------------------
    def field(
        self, parent: str, f: Field, info: ClassInfo, meta: str | None, named: list[str]
    ) -> None:
        """The entry of a field (and of its attributes), and its metadata entry."""
        if f.name_type == "any":
            key = join(parent, "*")
            if f.optionality == "required":
                self.note(f.line, key, f"field {f.name!r} of any name: only presence checked")
                self.add(key, {"required": True}, f.doc, f.line)
            else:
                self.note(f.line, key, f"{f.optionality} field {f.name!r} of any name")
            return
        key = join(parent, field_glob(f.name, f.name_type, named))
        nx_type, units = f.type, f.units
        if key not in (self.parent.layout if self.parent else {}):
            known = info.field_info(f) or {}
            nx_type, units = nx_type or known.get("type"), units or known.get("units")
        entry, dtype = self.typed(key, f, nx_type)
        entry.update(units_items(units))
        entry.update(self.occurs(key, f.name_type != "specified", f))
        if f.deprecated is not None:
            entry["deprecated"] = f.deprecated
        self.add(key, entry, f.doc, f.line)
        for a in f.attributes:
            self.attribute(key, a, info, f)
        if meta and f.name_type == "specified" and _scalar_or_vector(f.dims):
            self.meta_field(f"{meta}.{f.name}", key, dtype, bool(units), f.dims is None)

    def typed(
        self, key: str, item: Field | Attribute, nx_type: str | None
    ) -> tuple[Entry, str | None]:
        """The entry of a field or attribute: optionality, dtype, shape, enumeration, deprecation.

        Returns it with the dtype family; the symbols its shape uses are declared.
        """
        entry: Entry = {"required": _required(item.optionality)}
        dtype = dtype_of(nx_type)
        if dtype:
            entry["dtype"] = dtype
        shape = dims_items(item.dims, key, self.notes)
        entry.update(shape)
        entry.update(enum_items(item.enumeration, dtype, key, self.notes))
        self.use_symbols(shape)
        return entry, dtype

    def attribute(self, parent: str, a: Attribute, info: ClassInfo, owner: Field | None) -> None:
        """The entry of an attribute (``{path}/@name``)."""
        if a.name_type != "specified":
            where = join(parent, "@" + a.name) if parent else "/@" + a.name
            self.note(a.line, where, f"attribute of {a.name_type} name {a.name!r}")
            return
        key = f"{parent}/@{a.name}" if parent else f"/@{a.name}"
        nx_type = a.type
        if nx_type is None and key not in (self.parent.layout if self.parent else {}):
            nx_type = (info.attribute_info(owner, a) or {}).get("type")
        entry, _ = self.typed(key, a, nx_type)
        if a.deprecated is not None:
            entry["deprecated"] = a.deprecated
        self.add(key, entry, a.doc, a.line)

    def link(self, parent: str, link: Link) -> None:
        """A link: the same object as its target, with ``@target``."""
        key = join(parent, link.name)
        entry = {
            "required": _required(link.optionality),
            "link_to": self.link_path(link.target),
            "target_attr": True,
        }
        self.add(key, entry, link.doc, link.line)

    def link_path(self, target: str) -> str:
        """A class path as a path expression: a leading ``/NXentry`` is ``{entry}``."""
        segments = [s for s in target.strip().split("/") if s]
        names = {"NXentry"}
        if self.entry is not None and self.entry.name and self.entry.name_type == "specified":
            names.add(self.entry.name)
        if segments and (segments[0] in names or segments[0].endswith(":NXentry")):
            return "/".join([ENTRY, *segments[1:]])
        return "/" + "/".join(segments)

    # -- bookkeeping --------------------------------------------------------------------------
    def add(self, key: str, entry: Entry, doc: str, line: int) -> None:
        """Record an entry (the first one wins when two objects have one path)."""
        if key in self.layout:
            self.note(line, key, "a second object at this path (only the first is checked)")
            return
        text = short_doc(doc)
        if text:
            entry["doc"] = text
        self.layout[key] = entry

    def note(self, line: int, key: str, what: str) -> None:
        """Something NXDL states that the mapping cannot express."""
        self.notes.append(f"line {line}: {key}: {what}")

    def use_symbols(self, items: dict[str, Any]) -> None:
        """Remember the symbols a shape uses, in order of first use."""
        for s in shape_symbols(items):
            if s not in self.symbols:
                self.symbols.append(s)

    def meta_field(self, key: str, path: str, dtype: str | None, units: bool, scalar: bool) -> None:
        """``Entry.a.b.field`` (and ``..._units``), unless a key is taken or clashes."""
        source: Entry = {"path": path}
        if scalar and dtype in ("string", "datetime"):
            source["transform"] = "string"
        if self.meta_free(key):
            self.metadata[key] = source
            if units and self.meta_free(f"{key}_units"):
                self.metadata[f"{key}_units"] = {"path": f"{path}/@units", "transform": "string"}

    def meta_free(self, key: str) -> bool:
        """True (and the key is taken) when no other key is it, holds it or is inside it."""
        if not all(part.isidentifier() for part in key.split(".")):
            return False
        parts = key.split(".")
        prefixes = {".".join(parts[:i]) for i in range(1, len(parts))}
        if key in self.meta_taken or key in self.meta_branches or prefixes & self.meta_taken:
            return False
        self.meta_taken.add(key)
        self.meta_branches.update(prefixes)
        return True
