"""A compact index of the NeXus base classes, flattened through ``extends``.

Two users: the converter, which takes a field's type and units from the base
class of its group when an application definition leaves them out, and the
``nexus.base_classes`` check, which reads the index shipped as
``base_classes.json`` next to this module. The JSON format::

    {"release": "v2026.01", "classes": {
    "NXdetector": {"attributes": {"default": {"type": "NX_CHAR"}},
      "contributed": false, "extends": "NXcomponent",
      "fields": {"distance": {"type": "NX_FLOAT", "units": "NX_LENGTH"}, ...},
      "groups": {"NXtransformations": "*", "pixel_shape": ["NXoff_geometry", ...]},
      "patterns": {"*_errors": {"type": "NX_NUMBER"}}},
    ...}}

* ``fields``: fields with a specified name: ``type`` (left out when NXDL
  gives none) and ``units`` (a unit category or an example unit, as given);
* ``patterns``: fields with a partial name as a glob (``FIELDNAME_errors``
  -> ``*_errors``), or ``*`` for ``nameType="any"``;
* ``groups``: a named group's name -> its class; a class -> ``"*"`` for a
  group without a name (or ``nameType="any"``); a partial name's glob -> its
  class; a ``choice`` name -> the list of its classes;
* ``attributes``: the group's attributes (partial names as globs);
* ``extends``: the class it extends (``NXobject`` for most; NXobject, whose
  content every class inherits, has none).

A class's own entries win over inherited ones of the same key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.model import Attribute, Definition, Field, Group
from mapper.conventions.nexus.nxdl.names import glob_of

__all__ = ["ClassInfo", "base_classes_index", "class_info", "index_json"]

Info = dict[str, str]


@dataclass
class ClassInfo:
    """One base class, flattened: what a group of the class may hold."""

    name: str
    contributed: bool
    extends: str | None
    fields: dict[str, Info] = field(default_factory=dict)
    patterns: dict[str, Info] = field(default_factory=dict)
    groups: dict[str, str | list[str]] = field(default_factory=dict)
    attributes: dict[str, Info] = field(default_factory=dict)
    #: the globs of the class's own partial and any-named fields (while flattening)
    own_patterns: set[str] = field(default_factory=set)
    #: field name or glob -> its attributes (for the converter; not in the JSON index)
    field_attributes: dict[str, dict[str, Info]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The class as it appears in ``base_classes.json``."""
        out: dict[str, Any] = {"contributed": self.contributed}
        if self.extends:
            out["extends"] = self.extends
        out.update(
            fields=self.fields,
            patterns=self.patterns,
            groups=self.groups,
            attributes=self.attributes,
        )
        return out

    def field_info(self, f: Field) -> Info | None:
        """The base class's entry for the application definition's field ``f``."""
        if f.name_type == "specified":
            return self.fields.get(f.name)
        return self.patterns.get(glob_of(f.name, f.name_type))

    def attribute_info(self, owner: Field | None, a: Attribute) -> Info | None:
        """The base class's entry for attribute ``a`` of the group, or of field ``owner``."""
        if owner is None:
            return self.attributes.get(a.name)
        key = owner.name if owner.name_type == "specified" else glob_of(owner.name, owner.name_type)
        return self.field_attributes.get(key, {}).get(a.name)


def _typed(type_: str | None, units: str | None = None) -> Info:
    out = {}
    if type_:
        out["type"] = type_
    if units:
        out["units"] = units
    return out


def _merge_pattern(table: dict[str, Info], key: str, info: Info, sibling: bool) -> None:
    """Add a pattern to ``table``.

    A pattern refines an inherited one of its glob (its own items win), while two
    fields of one class with one glob (``DATA`` and ``AXISNAME`` are both ``*``)
    keep only what they agree on.
    """
    before = table.get(key, {})
    if sibling:
        table[key] = {k: v for k, v in info.items() if before.get(k) == v}
    else:
        table[key] = {**before, **info}


def _add_own(info: ClassInfo, root: Group) -> None:
    """Add the class's own children on top of what it inherits."""
    for f in root.fields:
        entry = _typed(f.type, f.units)
        attrs = {a.name: _typed(a.type) for a in f.attributes if a.name_type == "specified"}
        if f.name_type == "specified":
            key = f.name
            info.fields[key] = {**info.fields.get(key, {}), **entry}
        else:
            key = glob_of(f.name, f.name_type)
            _merge_pattern(info.patterns, key, entry, key in info.own_patterns)
            info.own_patterns.add(key)
        inherited = info.field_attributes.get(key, {})
        info.field_attributes[key] = {
            **inherited,
            **{a: {**inherited.get(a, {}), **v} for a, v in attrs.items()},
        }
    for g in root.groups:
        if g.name is None or g.name_type == "any":
            info.groups[g.type] = "*"
        else:
            info.groups[glob_of(g.name, g.name_type)] = g.type
    for c in root.choices:
        info.groups[c.name] = [g.type for g in c.groups]
    for a in root.attributes:
        key = glob_of(a.name, a.name_type)
        info.attributes[key] = {**info.attributes.get(key, {}), **_typed(a.type)}


def class_info(library: Library, name: str, _seen: tuple[str, ...] = ()) -> ClassInfo | None:
    """The flattened base class ``name``, or None when the folder has no such base class.

    Raises
    ------
    NXDLError
        On an ``extends`` loop or an unknown parent class.
    """
    cache: dict[str, ClassInfo | None] = library.memo.setdefault("class_info", {})
    if name in cache:
        return cache[name]
    defn = library.base_class(name)
    if defn is None:
        cache[name] = None
        return None
    parent_name = _parent_name(defn)
    info = ClassInfo(name, defn.contributed, parent_name)
    parent = _parent_info(library, defn, parent_name, (*_seen, name))
    if parent is not None:
        info.fields = dict(parent.fields)
        info.patterns = dict(parent.patterns)
        info.groups = dict(parent.groups)
        info.attributes = dict(parent.attributes)
        info.field_attributes = {k: dict(v) for k, v in parent.field_attributes.items()}
    _add_own(info, defn.root)
    cache[name] = info
    return info


def _parent_info(
    library: Library, defn: Definition, parent_name: str | None, seen: tuple[str, ...]
) -> ClassInfo | None:
    """The flattened class ``defn`` extends (None for NXobject, or a folder without it)."""
    if parent_name is None:
        return None
    if parent_name in seen:
        loop = " -> ".join([*seen, parent_name])
        raise NXDLError(f"{defn.file}:{defn.line}: extends loop: {loop}")
    parent = class_info(library, parent_name, seen)
    if parent is None and parent_name != "NXobject":
        raise NXDLError(
            f"{defn.file}:{defn.line}: {defn.name} extends {parent_name}, which is no base class"
        )
    return parent


def _parent_name(defn: Definition) -> str | None:
    """The class ``defn`` extends: NXobject when it says none; None for NXobject itself."""
    if defn.name == "NXobject":
        return None
    return defn.extends or "NXobject"


def base_classes_index(library: Library) -> dict[str, Any]:
    """The index of every base class of the folder (standard and contributed)."""
    classes = {}
    for name in sorted(library.files):
        info = class_info(library, name)
        if info is not None:
            classes[name] = info.as_json()
    return {"release": library.release(), "classes": classes}


def index_json(index: dict[str, Any]) -> str:
    """The index as JSON text: one line per class, keys sorted, so diffs stay readable."""
    lines = [
        f"{json.dumps(name)}: {json.dumps(body, sort_keys=True, ensure_ascii=False)}"
        for name, body in index["classes"].items()
    ]
    head = f'{{"release": {json.dumps(index["release"])}, "classes": {{\n'
    return head + ",\n".join(lines) + "\n}}\n"
