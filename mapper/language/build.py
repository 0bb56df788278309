"""Turn a checked mapping document into the frozen model of :mod:`mapper.language.model`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from mapper.language.locations import Locations, Pointer
from mapper.language.model import (
    SOURCE_KINDS,
    Anchor,
    AxisSpec,
    Constraints,
    Filter,
    ForEach,
    LayoutEntry,
    Mapping,
    OptionSpec,
    Predicate,
    SignalSpec,
    Source,
    WriteSpec,
)


def constraints(d: dict[str, Any]) -> Constraints:
    """The constraint keys of a source or layout entry."""
    rng = d.get("range") or {}
    shape = d.get("shape")
    rank = d.get("rank")
    span = rank if isinstance(rank, dict) else {}
    return Constraints(
        dtype=d.get("dtype"),
        shape=tuple(shape) if shape is not None else None,
        rank=rank if isinstance(rank, int) else None,
        rank_min=span.get("min"),
        rank_max=span.get("max"),
        enum=tuple(d["enum"]) if "enum" in d else None,
        enum_open=bool(d.get("enum_open", False)),
        units_category=d.get("units_category"),
        units_like=d.get("units_like"),
        range_min=rng.get("min"),
        range_max=rng.get("max"),
        monotonic=d.get("monotonic"),
        nonempty=bool(d.get("nonempty", False)),
        unique=bool(d.get("unique", False)),
    )


def build(
    data: dict[str, Any], locations: Locations, path: Path, parents: tuple[str, ...]
) -> Mapping:
    """Build the frozen :class:`Mapping` from a checked document and its locations."""
    b = _Builder(locations)
    return Mapping(
        name=data["name"],
        version=data["mapping"],
        source=str(path),
        title=data.get("title", ""),
        description=data.get("description", ""),
        priority=data.get("priority", 0),
        parents=parents,
        convention=data.get("convention"),
        suffixes=tuple(data.get("suffixes") or ()),
        fallback=data.get("fallback"),
        match=b.pred(("match",), data.get("match")),
        options=tuple(
            OptionSpec(k, v["type"], v.get("default"), v.get("doc", ""))
            for k, v in (data.get("options") or {}).items()
        ),
        anchors=tuple(b.anchor(name, a) for name, a in (data.get("anchors") or {}).items()),
        symbols=tuple(data.get("symbols") or ()),
        layout=tuple(b.layout(key, e) for key, e in (data.get("layout") or {}).items()),
        signal=b.signal(data["signal"]),
        write=b.write(data["write"]) if data.get("write") else None,
    )


def predicate(d: dict[str, Any] | None, locations: Locations) -> Predicate | None:
    """A predicate from its mapping-language dict (an index's ``match``, say)."""
    return _Builder(locations).pred(("match",), d)


class _Builder:
    """Turns the parts of a checked document into frozen model nodes, each with its location."""

    def __init__(self, locations: Locations) -> None:
        self.locations = locations

    def loc(self, ptr: Pointer) -> str:
        """``file:line:col`` of the node at ``ptr``."""
        return str(self.locations.where(ptr))

    def pred(self, ptr: Pointer, d: dict[str, Any] | None) -> Predicate | None:
        """A predicate (``exists``, ``any``, ``all``, ``not``, ``option`` or a comparison)."""
        if d is None:
            return None
        lc = self.loc(ptr)
        if "exists" in d:
            return Predicate("exists", lc, path=d["exists"])
        if "any" in d or "all" in d:
            k: Literal["any", "all"] = "any" if "any" in d else "all"
            kids = tuple(self._child((*ptr, k, i), c) for i, c in enumerate(d[k]))
            return Predicate(k, lc, children=kids)
        if "not" in d:
            return Predicate("not", lc, children=(self._child((*ptr, "not"), d["not"]),))
        return Predicate(
            "option" if "option" in d else "compare",
            lc,
            path=d.get("path"),
            option=d.get("option"),
            equals=d.get("equals"),
            has_equals="equals" in d,
            one_of=tuple(d["one_of"]) if "one_of" in d else None,
            matches=d.get("matches"),
        )

    def _child(self, ptr: Pointer, d: dict[str, Any]) -> Predicate:
        child = self.pred(ptr, d)
        assert child is not None  # a child predicate is a dict (the schema says so)
        return child

    def src(self, ptr: Pointer, d: dict[str, Any]) -> Source:
        """A value source."""
        kind = next(k for k in SOURCE_KINDS if k in d)
        value = d.get(kind)
        return Source(
            kind=kind,
            loc=self.loc(ptr),
            path=value if kind in ("path", "tree", "name_of") else None,
            const=d.get("const"),
            alternatives=tuple(
                self.src((*ptr, "first", i), a) for i, a in enumerate(d.get("first") or ())
            ),
            builtin=d.get("builtin"),
            at=d.get("at"),
            args=tuple(sorted((d.get("args") or {}).items())),
            deref=bool(d.get("deref")),
            when=self.pred((*ptr, "when"), d.get("when")),
            transform=d.get("transform"),
            required=d.get("required", False),
            default=d.get("default"),
            has_default="default" in d,
            constraints=constraints(d),
            severity=d.get("severity", "error"),
            rule=d.get("rule"),
            option=d.get("option"),
        )

    def field(self, ptr: Pointer, v: Any) -> Any:
        """A literal, or a source when it is a dict."""
        return self.src(ptr, v) if isinstance(v, dict) else v

    def axis(self, ptr: Pointer, d: dict[str, Any]) -> AxisSpec:
        """One axis."""
        return AxisSpec(
            loc=self.loc(ptr),
            name=self.field((*ptr, "name"), d.get("name")),
            units=self.field((*ptr, "units"), d.get("units")),
            navigate=self.field((*ptr, "navigate"), d.get("navigate")),
            values=self.src((*ptr, "values"), d["values"]) if "values" in d else None,
            scale=self.field((*ptr, "scale"), d.get("scale")),
            offset=self.field((*ptr, "offset"), d.get("offset")),
            size=self.field((*ptr, "size"), d.get("size")),
            is_binned=self.field((*ptr, "is_binned"), d.get("is_binned")),
        )

    def for_each(self, ptr: Pointer, ax: dict[str, Any]) -> ForEach:
        """An axis repeated for each item of a range, a list or a glob."""
        fe = ax["for_each"]
        return ForEach(
            loc=self.loc(ptr),
            axis=self.axis((*ptr, "axis"), ax["axis"]),
            var=fe.get("as", "i"),
            range=self.field((*ptr, "for_each", "range"), fe.get("range")),
            list=self.src((*ptr, "for_each", "list"), fe["list"]) if "list" in fe else None,
            glob=fe.get("glob"),
        )

    def anchor(self, name: str, a: dict[str, Any]) -> Anchor:
        """A named place in the file."""
        ptr = ("anchors", name)
        pref = a.get("prefer") or {}
        return Anchor(
            name=name,
            loc=self.loc(ptr),
            path=a.get("path"),
            builtin=a.get("builtin"),
            args=tuple(sorted((a.get("args") or {}).items())),
            ancestor=a.get("ancestor"),
            where=self.pred((*ptr, "where"), a.get("where")),
            select=a.get("select", "one"),
            required=a.get("required", True),
            filters=tuple(Filter(f["option"], f["match"]) for f in a.get("filters") or ()),
            prefer_option=pref.get("option"),
            prefer_anchor=pref.get("anchor"),
            doc=a.get("doc", ""),
            write_path=a.get("write_path"),
            write_name_from=(a.get("write_name") or {}).get("from"),
            write_name_transform=(a.get("write_name") or {}).get("transform"),
        )

    def axes(self, raw: Any) -> tuple[AxisSpec | ForEach, ...] | Source | None:
        """The signal's axes: a source, a list of axes and for-each axes, or none."""
        if isinstance(raw, dict):
            return self.src(("signal", "axes"), raw)
        if not isinstance(raw, list):
            return None
        return tuple(
            self.for_each(("signal", "axes", i), ax)
            if "for_each" in ax
            else self.axis(("signal", "axes", i), ax)
            for i, ax in enumerate(raw)
        )

    def signal(self, s: dict[str, Any]) -> SignalSpec:
        """How one signal dict is built."""
        om = s.get("original_metadata")
        return SignalSpec(
            loc=self.loc(("signal",)),
            data=self.src(("signal", "data"), s["data"]),
            axes=self.axes(s.get("axes")),
            metadata=tuple(
                (k, self.src(("signal", "metadata", k), v))
                for k, v in (s.get("metadata") or {}).items()
            ),
            original_metadata=self.src(("signal", "original_metadata"), om) if om else None,
            extra=tuple(
                (k, self.src(("signal", "extra", k), v)) for k, v in (s.get("extra") or {}).items()
            ),
        )

    def write(self, w: dict[str, Any]) -> WriteSpec:
        """The write section."""
        return WriteSpec(
            loc=self.loc(("write",)),
            root_attrs=tuple((w.get("root_attrs") or {}).items()),
            default=w.get("default"),
            names=tuple((w.get("names") or {}).items()),
            compression=w.get("compression"),
            chunk_bytes=w.get("chunk_bytes", 1_000_000),
            suffixes=tuple(w.get("suffixes") or ()),
        )

    def layout(self, key: str, e: dict[str, Any]) -> LayoutEntry:
        """What the file holds at one path."""
        cls = e.get("class")
        classes = tuple(cls) if isinstance(cls, list) else (cls,) if cls else ()
        occurs = e.get("occurs") or {}
        return LayoutEntry(
            path=key,
            loc=self.loc(("layout", key)),
            cls=classes[0] if classes else None,
            classes=classes,
            required=e.get("required", True),
            value=e.get("value"),
            has_value="value" in e,
            link_to=e.get("link_to"),
            target_attr=bool(e.get("target_attr")),
            attrs=tuple((e.get("attrs") or {}).items()),
            checks=tuple(e.get("checks") or ()),
            constraints=constraints(e),
            severity=e.get("severity", "error"),
            rule=e.get("rule"),
            doc=e.get("doc", ""),
            deprecated=e.get("deprecated"),
            occurs_min=occurs.get("min"),
            occurs_max=occurs.get("max"),
            names_mapping=bool(e.get("names_mapping", False)),
        )
