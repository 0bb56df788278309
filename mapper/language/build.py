"""Turn a checked mapping document into the frozen model of :mod:`mapper.language.model`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

Pointer = tuple[Any, ...]


def constraints(d: dict[str, Any]) -> Constraints:
    """The constraint keys of a source or layout entry."""
    rng = d.get("range") or {}
    shape = d.get("shape")
    return Constraints(
        dtype=d.get("dtype"),
        shape=tuple(shape) if shape is not None else None,
        rank=d.get("rank"),
        enum=tuple(d["enum"]) if "enum" in d else None,
        units_category=d.get("units_category"),
        units_like=d.get("units_like"),
        range_min=rng.get("min"),
        range_max=rng.get("max"),
        monotonic=d.get("monotonic"),
        nonempty=bool(d.get("nonempty", False)),
        unique=bool(d.get("unique", False)),
    )


def build(
    data: dict[str, Any], locs: dict[Pointer, str], path: Path, parents: tuple[str, ...]
) -> Mapping:
    """Build the frozen :class:`Mapping` from a checked document and its locations."""

    def loc(ptr: Pointer) -> str:
        p = tuple(ptr)
        while p and p not in locs:
            p = p[:-1]
        return locs.get(p, f"{path}:1:1")

    def pred(ptr: Pointer, d: dict[str, Any] | None) -> Predicate | None:
        if d is None:
            return None
        lc = loc(ptr)
        if "exists" in d:
            return Predicate("exists", lc, path=d["exists"])
        if "any" in d or "all" in d:
            k = "any" if "any" in d else "all"
            kids = tuple(pred((*ptr, k, i), c) for i, c in enumerate(d[k]))
            return Predicate(k, lc, children=kids)  # type: ignore[arg-type]
        if "not" in d:
            return Predicate("not", lc, children=(pred((*ptr, "not"), d["not"]),))  # type: ignore[arg-type]
        one_of = tuple(d["one_of"]) if "one_of" in d else None
        kind = "option" if "option" in d else "compare"
        return Predicate(
            kind,
            lc,
            path=d.get("path"),
            option=d.get("option"),
            equals=d.get("equals"),
            has_equals="equals" in d,
            one_of=one_of,
            matches=d.get("matches"),
        )

    def src(ptr: Pointer, d: dict[str, Any]) -> Source:
        kind = next(k for k in SOURCE_KINDS if k in d)
        cons = constraints(d)
        alts = tuple(src((*ptr, "first", i), a) for i, a in enumerate(d.get("first") or ()))
        value = d.get(kind)
        return Source(
            kind=kind,
            loc=loc(ptr),
            path=value if kind in ("path", "tree", "name_of") else None,
            const=d.get("const"),
            alternatives=alts,
            builtin=d.get("builtin"),
            at=d.get("at"),
            args=tuple(sorted((d.get("args") or {}).items())),
            deref=bool(d.get("deref")),
            when=pred((*ptr, "when"), d.get("when")),
            transform=d.get("transform"),
            required=d.get("required", False),
            default=d.get("default"),
            has_default="default" in d,
            constraints=cons,
            severity=d.get("severity", "error"),
            rule=d.get("rule"),
            option=d.get("option"),
        )

    def field(ptr: Pointer, v: Any) -> Any:
        return src(ptr, v) if isinstance(v, dict) else v

    def axis(ptr: Pointer, d: dict[str, Any]) -> AxisSpec:
        return AxisSpec(
            loc=loc(ptr),
            name=field((*ptr, "name"), d.get("name")),
            units=field((*ptr, "units"), d.get("units")),
            navigate=field((*ptr, "navigate"), d.get("navigate")),
            values=src((*ptr, "values"), d["values"]) if "values" in d else None,
            scale=field((*ptr, "scale"), d.get("scale")),
            offset=field((*ptr, "offset"), d.get("offset")),
            size=field((*ptr, "size"), d.get("size")),
            is_binned=field((*ptr, "is_binned"), d.get("is_binned")),
        )

    anchors = []
    for name, a in (data.get("anchors") or {}).items():
        ptr = ("anchors", name)
        pref = a.get("prefer") or {}
        anchors.append(
            Anchor(
                name=name,
                loc=loc(ptr),
                path=a.get("path"),
                builtin=a.get("builtin"),
                args=tuple(sorted((a.get("args") or {}).items())),
                ancestor=a.get("ancestor"),
                where=pred((*ptr, "where"), a.get("where")),
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
        )

    s = data["signal"]
    axes_raw = s.get("axes")
    axes: Any
    if isinstance(axes_raw, dict):
        axes = src(("signal", "axes"), axes_raw)
    elif isinstance(axes_raw, list):
        items: list[AxisSpec | ForEach] = []
        for i, ax in enumerate(axes_raw):
            ptr = ("signal", "axes", i)
            if "for_each" in ax:
                fe = ax["for_each"]
                items.append(
                    ForEach(
                        loc=loc(ptr),
                        axis=axis((*ptr, "axis"), ax["axis"]),
                        var=fe.get("as", "i"),
                        range=field((*ptr, "for_each", "range"), fe.get("range")),
                        list=src((*ptr, "for_each", "list"), fe["list"]) if "list" in fe else None,
                        glob=fe.get("glob"),
                    )
                )
            else:
                items.append(axis(ptr, ax))
        axes = tuple(items)
    else:
        axes = None
    signal = SignalSpec(
        loc=loc(("signal",)),
        data=src(("signal", "data"), s["data"]),
        axes=axes,
        metadata=tuple(
            (k, src(("signal", "metadata", k), v)) for k, v in (s.get("metadata") or {}).items()
        ),
        original_metadata=src(("signal", "original_metadata"), s["original_metadata"])
        if "original_metadata" in s
        else None,
        extra=tuple((k, src(("signal", "extra", k), v)) for k, v in (s.get("extra") or {}).items()),
    )
    w = data.get("write")
    write = (
        WriteSpec(
            loc=loc(("write",)),
            root_attrs=tuple((w.get("root_attrs") or {}).items()),
            default=w.get("default"),
            names=tuple((w.get("names") or {}).items()),
            compression=w.get("compression"),
            chunk_bytes=w.get("chunk_bytes", 1_000_000),
            suffixes=tuple(w.get("suffixes") or ()),
        )
        if w
        else None
    )
    layout = tuple(
        LayoutEntry(
            path=key,
            loc=loc(("layout", key)),
            cls=e.get("class"),
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
        )
        for key, e in (data.get("layout") or {}).items()
    )
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
        match=pred(("match",), data.get("match")),
        options=tuple(
            OptionSpec(k, v["type"], v.get("default"), v.get("doc", ""))
            for k, v in (data.get("options") or {}).items()
        ),
        anchors=tuple(anchors),
        symbols=tuple(data.get("symbols") or ()),
        layout=layout,
        signal=signal,
        write=write,
    )
