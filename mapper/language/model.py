"""Frozen dataclasses for a checked mapping; nothing after this module sees raw dicts.

Every node keeps ``loc``, the ``file:line:col`` of the YAML it came from, so
that read warnings and validation findings can name the mapping rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

#: Where a value source takes its value from (exactly one key per source).
SourceKind = Literal["path", "const", "first", "builtin", "tree", "name_of", "option"]
#: Keys of a value source that say where the value comes from.
SOURCE_KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
#: What a predicate tests.
PredicateKind = Literal["exists", "compare", "any", "all", "not", "option"]
#: What several matches of an anchor mean.
Select = Literal["one", "first", "each", "all"]
#: How bad a finding is, most severe first.
Severity = Literal["error", "warning", "info"]
#: The layouts a ``tree`` source can read a subtree in (mapper.engine.tree).
TREE_STYLES = ("value_attrs", "plain")
#: The arguments of a ``tree`` source, with the types they take ({option: NAME} too).
TREE_ARGS: dict[str, tuple[type, ...]] = {
    "style": (str,),
    "skip_arrays": (bool,),
    "key_filter": (str, list),
    "max_array_size": (int,),
    "include_root_attrs": (bool,),
}
#: Placeholders ``write.root_attrs`` may use; the writer fills them in.
ROOT_FACTS = ("file_name", "file_time", "mapper_version", "hdf5_version", "h5py_version")
#: The type of a load option a mapping declares.
OptionType = Literal["string", "string_list", "boolean", "integer", "number"]


@dataclass(frozen=True)
class Predicate:
    """A test on the file.

    ``kind`` is one of ``exists``, ``compare``, ``any``, ``all``, ``not``, ``option``.
    """

    kind: PredicateKind
    loc: str
    path: str | None = None
    equals: Any = None
    has_equals: bool = False
    one_of: tuple[Any, ...] | None = None
    matches: str | None = None
    children: tuple[Predicate, ...] = ()
    option: str | None = None


@dataclass(frozen=True)
class Constraints:
    """Checks on a value: used by validation and before writing."""

    dtype: str | None = None
    shape: tuple[int | str | None, ...] | None = None
    rank: int | None = None
    #: with ``rank: {min, max}``: the rank may lie in this range (optional trailing dims)
    rank_min: int | None = None
    rank_max: int | None = None
    enum: tuple[Any, ...] | None = None
    #: the enumeration lists suggestions: another value is an info, none when the
    #: object carries the convention's "deliberate value" attribute
    enum_open: bool = False
    units_category: str | None = None
    units_like: str | None = None
    range_min: float | None = None
    range_max: float | None = None
    monotonic: str | None = None
    #: strings must not be empty or blank
    nonempty: bool = False
    #: no value may appear twice
    unique: bool = False


@dataclass(frozen=True)
class Source:
    """Where a value comes from; ``kind`` is one of :data:`SOURCE_KINDS`."""

    kind: SourceKind
    loc: str
    path: str | None = None
    const: Any = None
    alternatives: tuple[Source, ...] = ()
    builtin: str | None = None
    at: str | None = None
    args: tuple[tuple[str, Any], ...] = ()
    deref: bool = False
    when: Predicate | None = None
    transform: str | None = None
    required: bool | str = False
    default: Any = None
    has_default: bool = False
    constraints: Constraints = field(default_factory=Constraints)
    severity: Severity = "error"
    rule: str | None = None
    option: str | None = None


#: An axis field is either a literal value or a source.
Field = Any


@dataclass(frozen=True)
class AxisSpec:
    """One axis of the signal, built from literals and sources."""

    loc: str
    name: Field = None
    units: Field = None
    navigate: Field = None
    values: Source | None = None
    scale: Field = None
    offset: Field = None
    size: Field = None
    is_binned: Field = None


@dataclass(frozen=True)
class ForEach:
    """An axis repeated for each item of a range, a list or a glob."""

    loc: str
    axis: AxisSpec
    var: str = "i"
    range: Field = None
    list: Source | None = None
    glob: str | None = None


@dataclass(frozen=True)
class SignalSpec:
    """How one signal dict is built."""

    loc: str
    data: Source | None = None
    axes: tuple[AxisSpec | ForEach, ...] | Source | None = None
    metadata: tuple[tuple[str, Source], ...] = ()
    original_metadata: Source | None = None
    #: further keys of the signal dict (``attributes``, ``models``, ...)
    extra: tuple[tuple[str, Source], ...] = ()


@dataclass(frozen=True)
class Filter:
    """Select anchor matches with a load option."""

    option: str
    match: str


@dataclass(frozen=True)
class Anchor:
    """A named place (or several) in the file."""

    name: str
    loc: str
    path: str | None = None
    builtin: str | None = None
    args: tuple[tuple[str, Any], ...] = ()
    ancestor: str | None = None
    where: Predicate | None = None
    select: Select = "one"
    required: bool = True
    filters: tuple[Filter, ...] = ()
    prefer_option: str | None = None
    prefer_anchor: str | None = None
    doc: str = ""
    #: where ``save`` puts the anchor when ``path`` is a builtin or a glob
    write_path: str | None = None
    #: ``save`` names the last (glob) segment from this dotted key of the signal dict
    write_name_from: str | None = None
    write_name_transform: str | None = None


@dataclass(frozen=True)
class OptionSpec:
    """A keyword option of load() declared by the mapping."""

    name: str
    type: OptionType
    default: Any = None
    doc: str = ""


@dataclass(frozen=True)
class LayoutEntry:
    """What the file holds at one path: a group, a field, an attribute or a link.

    ``validate`` checks it; ``save`` creates groups with their class (under
    the mapping's convention), writes constant values and attributes, and
    makes links.
    """

    path: str
    loc: str
    cls: str | None = None
    #: every class the group may have (``class: [A, B]``, a choice); ``cls`` is the first
    classes: tuple[str, ...] = ()
    required: bool | str = True
    value: Any = None
    has_value: bool = False
    link_to: str | None = None
    target_attr: bool = False
    attrs: tuple[tuple[str, Any], ...] = ()
    checks: tuple[str, ...] = ()
    constraints: Constraints = field(default_factory=Constraints)
    severity: Severity = "error"
    rule: str | None = None
    doc: str = ""
    #: why the object should no longer be written (a warning when it is there)
    deprecated: str | None = None
    #: how many matches each parent may hold (``occurs: {min, max}``)
    occurs_min: int | None = None
    occurs_max: int | None = None
    #: the value (any case) names a mapping on the search path
    names_mapping: bool = False


@dataclass(frozen=True)
class WriteSpec:
    """The write section of a mapping."""

    loc: str
    root_attrs: tuple[tuple[str, Any], ...] = ()
    default: str | None = None
    names: tuple[tuple[str, str], ...] = ()
    compression: str | None = None
    chunk_bytes: int = 1_000_000
    #: file name suffixes this mapping writes when save() is given no schema
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    """A complete, checked mapping (after ``extends`` is applied)."""

    name: str
    version: str
    source: str
    title: str = ""
    description: str = ""
    priority: int = 0
    parents: tuple[str, ...] = ()
    #: the convention that types the file's groups (None: groups have no class)
    convention: str | None = None
    #: file name suffixes of the format, lower case with the dot
    suffixes: tuple[str, ...] = ()
    #: the mapping ``load()`` falls back to when this one, detected, cannot read a file
    fallback: str | None = None
    match: Predicate | None = None
    options: tuple[OptionSpec, ...] = ()
    anchors: tuple[Anchor, ...] = ()
    symbols: tuple[str, ...] = ()
    layout: tuple[LayoutEntry, ...] = ()
    signal: SignalSpec | None = None
    write: WriteSpec | None = None

    def option_defaults(self) -> dict[str, Any]:
        """Return ``{option: default}`` for every declared option."""
        return {o.name: o.default for o in self.options}
