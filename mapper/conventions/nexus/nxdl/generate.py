"""An application definition as a mapping (a plain dict), ready for :mod:`.emit`.

The mapping reads every ``NXentry`` whose ``definition`` is the
definition's name as one signal (the entry's plottable NXdata, found by
the ``nxdata.groups`` built-in), with the entry's scalar fields as
``Entry.*`` metadata, and a ``layout`` with every group, field, attribute
and link the definition states (:mod:`.layout`). A definition that
``extends`` another becomes a mapping that ``extends`` the parent's
generated file and holds only its own items; refined groups use the
parent's layout keys so the mapping language's merge combines them.

What NXDL states that a mapping cannot express is listed in the generated
file's header, one line per item (:data:`NOT_EXPRESSIBLE` names the kinds):
they are not checked by ``mapper validate``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from typing import Any

from mapper.conventions.nexus.nxdl.layout import (
    ENTRY,
    PRESET_METADATA,
    Entry,
    LayoutBuilder,
    Parent,
    counterpart,
)
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.model import Attribute, Definition, Field, Group
from mapper.conventions.nexus.nxdl.names import group_segment
from mapper.conventions.nexus.nxdl.text import first_paragraph, first_sentence

__all__ = ["NOT_EXPRESSIBLE", "SUFFIXES", "Conversion", "convert_definition", "mapping_name"]

#: The kinds of NXDL statements a generated mapping leaves out (each occurrence is listed in
#: the header of the generated file, with its NXDL line).
NOT_EXPRESSIBLE = (
    "an enumeration whose items are arrays ([1, 0, 0]): the enumeration is dropped",
    "a field of any name (nameType='any'): only a required one is kept, as '{group}/*' "
    "with no constraint (an optional one is dropped)",
    "an attribute whose name is a placeholder (nameType='any' or 'partial')",
    "maxOccurs='0' (the object must be absent)",
    "a dimension that is no number, symbol or symbol plus or minus N (read as any length)",
    "a rank in words or 'N+symbol' (only the lowest rank is checked)",
    "the content of the alternatives of a choice",
    "two objects at one path (only the first is checked)",
)

#: The file name suffixes of NeXus files.
SUFFIXES = [".nxs", ".nx5", ".nx", ".nexus", ".h5", ".hdf5", ".hdf"]


@dataclass
class Conversion:
    """The mapping of one definition, the notes about what it leaves out, its parent."""

    defn: Definition
    mapping: dict[str, Any]
    notes: list[str]
    parent: Definition | None
    effective: Parent


def mapping_name(defn: Definition) -> str:
    """The mapping's name: the definition's, in lower case (``NXcanSAS`` -> ``nxcansas``)."""
    return defn.name.lower()


def merge_groups(base: Group, child: Group) -> Group:
    """The parent's group ``base`` refined by the child's ``child``.

    The base's name is kept; the child's optionality, occurrences and
    deprecation win (as in the layout, where the child's entry overrides the
    parent's). A field or attribute the child states again takes the base's
    place, keeping what the base states and the child leaves out (type, units,
    dimensions, enumeration), as the layout merge of the two entries does.
    """
    groups = list(base.groups)
    position = {id(b): i for i, b in enumerate(base.groups)}
    for g in child.groups:
        cp = counterpart(base, g)
        if cp is None:
            groups.append(g)
        else:  # two groups may refine one: both are merged into it
            i = position[id(cp)]
            groups[i] = merge_groups(groups[i], g)
    fields = {f.name: f for f in child.fields}
    attrs = {a.name: a for a in child.attributes}
    links = {link.name for link in child.links}
    return replace(
        base,
        optionality=child.optionality,
        min_occurs=child.min_occurs,
        max_occurs=child.max_occurs,
        deprecated=child.deprecated,
        fields=(
            *[_refined_field(f, fields[f.name]) if f.name in fields else f for f in base.fields],
            *[f for f in child.fields if f.name not in {b.name for b in base.fields}],
        ),
        links=(*[k for k in base.links if k.name not in links], *child.links),
        attributes=(
            *[
                _refined_attribute(a, attrs[a.name]) if a.name in attrs else a
                for a in base.attributes
            ],
            *[a for a in child.attributes if a.name not in {b.name for b in base.attributes}],
        ),
        choices=(*base.choices, *child.choices),
        groups=tuple(groups),
    )


def _refined_field(base: Field, child: Field) -> Field:
    """The child's field, with what only the base's states (type, units, dims, enumeration)."""
    return replace(
        child,
        type=child.type or base.type,
        units=child.units or base.units,
        dims=child.dims or base.dims,
        enumeration=child.enumeration or base.enumeration,
    )


def _refined_attribute(base: Attribute, child: Attribute) -> Attribute:
    """The child's attribute, with what only the base's states (type, dims, enumeration)."""
    return replace(
        child,
        type=child.type or base.type,
        dims=child.dims or base.dims,
        enumeration=child.enumeration or base.enumeration,
    )


def _entry_path(entry: Group) -> str:
    """``/*:NXentry``, or ``/entry_1:NXentry`` when the definition names its entry."""
    if entry.name is not None and entry.name_type == "specified":
        return "/" + group_segment(entry)
    return "/*:NXentry"


def _own_layout(
    full: dict[str, Entry], parent: Parent | None
) -> tuple[dict[str, Entry], dict[str, Entry]]:
    """``(emitted, effective)`` layout: a child keeps only what differs from its parent."""
    emitted: dict[str, Entry] = {}
    effective = dict(parent.layout) if parent else {}
    for key, entry in full.items():
        before = parent.layout.get(key) if parent else None
        if before is None:
            emitted[key] = {k: v for k, v in entry.items() if (k, v) != ("required", True)}
            effective[key] = entry
            continue
        diff = {k: v for k, v in entry.items() if k != "doc" and before.get(k) != v}
        if "enum" in diff and before.get("enum_open") and not entry.get("enum_open"):
            diff["enum_open"] = False
        if diff:
            emitted[key] = diff
            effective[key] = {**before, **diff}
    return emitted, effective


def _symbols(defn: Definition, used: list[str], parent: Parent | None) -> list[str]:
    """The parent's symbols, the declared ones, then the ones shapes use undeclared."""
    out = list(parent.symbols) if parent else []
    for s in [*(s.name for s in defn.symbols), *used]:
        if s not in out:
            out.append(s)
    return out


def _definition_enum(defn: Definition, full: dict[str, Entry], parent: Parent | None) -> None:
    """A child whose ``definition`` field lists no value still names itself, not the parent."""
    key = f"{ENTRY}/definition"
    if parent is not None and "enum" in parent.layout.get(key, {}):
        entry = full.setdefault(key, {"required": True})
        entry.setdefault("enum", [defn.name])


def convert_definition(defn: Definition, library: Library) -> Conversion:
    """The mapping of the application definition ``defn`` (its parents converted first).

    Raises
    ------
    NXDLError
        For an extends loop, an unknown base class or parent, a definition
        without an NXentry group.
    """
    memo: dict[str, Conversion] = library.memo.setdefault("conversions", {})
    key = str(defn.file)
    if key in memo:
        return memo[key]
    library.chain(defn)  # an extends loop is an error before anything else
    parent_defn = library.parent_of(defn)
    parent = convert_definition(parent_defn, library).effective if parent_defn else None
    builder = LayoutBuilder(defn, library, parent)
    builder.run()
    assert builder.entry is not None  # run() raises otherwise
    _definition_enum(defn, builder.layout, parent)
    emitted, layout = _own_layout(builder.layout, parent)
    symbols = _symbols(defn, builder.symbols, parent)
    effective = Parent(
        tree=merge_groups(parent.tree, defn.root) if parent else defn.root,
        layout=layout,
        metadata=[*(parent.metadata if parent else PRESET_METADATA), *builder.metadata],
        symbols=symbols,
        entry_path=parent.entry_path if parent else _entry_path(builder.entry),
    )
    head = _head(defn, library, parent_defn)
    body = _body(defn, builder, emitted, symbols, parent, effective.entry_path)
    notes = sorted(builder.notes, key=lambda n: int(n.split(":")[0].split()[1]))
    memo[key] = Conversion(defn, {**head, **body}, notes, parent_defn, effective)
    return memo[key]


def _head(defn: Definition, library: Library, parent: Definition | None) -> dict[str, Any]:
    """``mapping`` to ``fallback`` (a child inherits priority, convention, suffixes, fallback)."""
    kind = "contributed application definition" if defn.contributed else "application definition"
    sentence = first_sentence(defn.doc)
    if len(sentence) > 150:
        sentence = sentence[:147].rsplit(" ", 1)[0] + "..."
    title = f"NeXus {defn.name} {kind}" + (f": {sentence}" if sentence else "")
    about = (
        f"The {defn.name} {kind} of the NeXus definitions ({library.release()}, {defn.rel}), "
        "generated from NXDL by mapper nxdl."
    )
    if parent is not None:
        about += f" It extends {parent.name} ({mapping_name(parent)}.yaml)."
    para = first_paragraph(defn.doc)
    if para and para != sentence:
        about += " " + (para if len(para) <= 300 else para[:297].rsplit(" ", 1)[0] + "...")
    out: dict[str, Any] = {
        "mapping": "1",
        "name": mapping_name(defn),
        "title": title,
        "description": textwrap.fill(about, 88) + "\n",
    }
    if parent is not None:
        out["extends"] = f"{mapping_name(parent)}.yaml"
        return out
    out.update(priority=10, convention="nexus", suffixes=list(SUFFIXES), fallback="nxdata")
    return out


def _body(
    defn: Definition,
    builder: LayoutBuilder,
    layout: dict[str, Entry],
    symbols: list[str],
    parent: Parent | None,
    entry_path: str,
) -> dict[str, Any]:
    """``match`` to ``layout``."""
    out: dict[str, Any] = {"match": {"path": f"{entry_path}/definition", "equals": defn.name}}
    if symbols:
        out["symbols"] = symbols
    entry_doc = f"Every NXentry whose definition is {defn.name}."
    if entry_path == "/*:NXentry":
        entry_doc = entry_doc[:-1] + " (any entry name)."
    if parent is not None:
        out["anchors"] = {"entry": {"where": {"equals": defn.name}, "doc": entry_doc}}
        if builder.metadata:
            out["signal"] = {"metadata": builder.metadata}
        out["layout"] = layout
        return out
    out["anchors"] = {
        "entry": {
            "path": entry_path,
            "where": {"path": "{.}/definition", "equals": defn.name},
            "select": "each",
            "doc": entry_doc,
        },
        "plot": {
            "builtin": "nxdata.groups",
            "args": {"within": ENTRY},
            "select": "first",
            "required": False,
            "doc": "The entry's plottable NXdata (the @default one when there is one).",
        },
        **builder.anchors,
    }
    metadata: dict[str, Entry] = {
        "General.title": {  # as in nxdata.yaml: always a title, the entry's when it has one
            "first": [
                {"path": f"{ENTRY}/title", "transform": "string"},
                {"name_of": "{plot}"},
                {"name_of": ENTRY},
            ]
        },
        "General.original_filename": {"builtin": "file.name"},
        "Entry.definition": {"path": f"{ENTRY}/definition", "transform": "string"},
        **builder.metadata,
    }
    out["signal"] = {
        "data": {"builtin": "nxdata.signal", "at": "{plot}"},
        "axes": {"builtin": "nxdata.axes", "at": "{plot}"},
        "metadata": metadata,
        "original_metadata": {"tree": ENTRY},
    }
    out["layout"] = {"/": {"checks": ["default_chain", "nexus.base_classes"]}, **layout}
    return out
