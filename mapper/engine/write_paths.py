"""Where a written value goes: the one concrete path of each expression, anchors, layout.

The write rules' path expressions are parsed with their templates in place
and made concrete for one signal: class-only segments get the convention's
group name, globs the name the signal gives, ``select: each`` groups a
number per signal; the layout adds groups with their classes, constants,
attributes and links.
"""

from __future__ import annotations

import re
from typing import Any

from mapper.engine.tree import dotted
from mapper.hdf5.write import (
    WritePlan,
)
from mapper.language.model import Anchor, Mapping
from mapper.language.paths import (
    PathSyntaxError,
    Segment,
    child_path,
    expand,
    parse_path,
    template_names,
)
from mapper.registry import REGISTRY

_GLOB = re.compile(r"[*?\[]")


def anchor_paths(
    anchors: tuple[Anchor, ...],
    sig: dict[str, Any],
    index: int,
    count: int,
    names: dict[str, str],
    plan: WritePlan,
) -> dict[str, Any]:
    """Where each anchor is written for signal ``index`` of ``count`` (None: not written)."""
    # "{index}" in a write_path: where the number of each signal goes (none for one signal);
    # "{number}": the signal's number with three digits, always (groups named like Run_000)
    env: dict[str, Any] = {"index": f"{index:04d}" if count > 1 else "", "number": f"{index:03d}"}
    for a in anchors:
        expr = a.write_path or (None if a.builtin else a.path)
        if expr is None or any(env.get(n) is None for n in template_names(expr)):
            env[a.name] = None  # found by an algorithm: nothing to write there
            continue
        glob_name = None
        if a.write_name_from:
            # names are unique within their group: two signals may share a name in two groups
            scope = expand(expr, {n: str(env.get(n)) for n in template_names(expr)})
            glob_name = _write_name(a, sig, plan, scope)
        dest = concrete(expr, env, names, plan, f"anchor {a.name}", glob_name)
        if (
            dest is not None
            and a.select == "each"
            and count > 1
            and glob_name is None
            and "{index}" not in expr
        ):
            cls = plan.classes.pop(dest, None)  # entry -> entry0000, entry0001, ...
            dest = f"{dest}{index:04d}"
            if cls:
                plan.classes[dest] = cls
        env[a.name] = dest
    return env


def _write_name(a: Anchor, sig: dict[str, Any], plan: WritePlan, scope: str) -> str:
    """The name an anchor's glob segment gets from the signal, unique within ``scope``."""
    value = dotted(sig, a.write_name_from or "")
    if a.write_name_transform:
        encode = REGISTRY.transform(a.write_name_transform).encode
        assert encode is not None
        value = encode(value)
    name = str(value) if value is not None else a.name
    unique, k = name, 1
    while (scope, unique) in plan.used_names:
        unique, k = f"{name}_{k}", k + 1
    plan.used_names.add((scope, unique))
    return unique


def concrete(
    expr: str,
    env: dict[str, Any],
    names: dict[str, str],
    plan: WritePlan,
    label: str,
    glob_name: str | None = None,
) -> str | None:
    """The one path ``expr`` names when writing; records the classes of its segments.

    The expression is parsed with its templates in place, then the values go
    into the parsed segments, so a name holding ``:`` or ``*`` stays a name.
    """
    if any(not isinstance(env.get(n), str) for n in template_names(expr)):
        return None
    try:
        parsed = parse_path(expr, plan.convention)
    except PathSyntaxError as exc:  # pragma: no cover - the mapping was checked
        plan.problems.append(f"{label}: {exc}")
        return None
    path = env[parsed.anchor] if parsed.anchor else "/"
    for seg in parsed.segments:
        name = _segment_name(seg, expr, env, names, plan, label, glob_name)
        if name is None:
            return None
        path = child_path(path, name)
        if seg.cls:
            plan.classes.setdefault(path, seg.cls)
    return path + (f"/@{parsed.attr}" if parsed.attr else "")


def _segment_name(
    seg: Segment,
    expr: str,
    env: dict[str, Any],
    names: dict[str, str],
    plan: WritePlan,
    label: str,
    glob_name: str | None,
) -> str | None:
    """The name one segment gets when writing, or None (a problem is recorded)."""
    if seg.special:
        plan.problems.append(
            f"{label}: {expr!r} has {seg.special!r}, which names no single place to write"
        )
        return None
    name = seg.name
    if name is not None and _GLOB.search(name) and seg.cls is None and glob_name:
        return glob_name
    if name is None or _GLOB.search(name):
        if seg.cls is None:
            plan.problems.append(
                f"{label}: {expr!r}: the glob {name!r} names no single "
                "place to write (give write.names or a literal name)"
            )
            return None
        return names.get(seg.cls, plan.convention.name_for(seg.cls))
    return expand(name, env)


def plan_layout(m: Mapping, env: dict[str, Any], names: dict[str, str], plan: WritePlan) -> None:
    """Add the layout's groups with their classes, constants, attributes and links."""
    for e in m.layout:
        if any(env.get(n) is None for n in template_names(e.path)):
            continue
        dest = concrete(e.path, env, names, plan, f"layout {e.path}")
        if dest is None or dest == "/":
            for k, v in e.attrs:
                plan.attrs[("/", k)] = v
            continue
        if e.cls:
            plan.classes[dest] = e.cls
            if e.required is True and dest not in plan.groups:
                plan.groups.append(dest)
        if e.link_to:
            to = concrete(e.link_to, env, names, plan, f"layout {e.path}")
            if to:
                plan.links.append((dest, to, e.target_attr))
        if e.has_value and (e.required is True or dest in plan.datasets):
            if "/@" in dest:
                obj, attr = dest.rsplit("/@", 1)
                plan.attrs[(obj, attr)] = e.value
            else:
                plan.datasets.setdefault(dest, e.value)
        for k, v in e.attrs:
            plan.attrs[(dest, k)] = v
            if e.cls and dest not in plan.groups:
                plan.groups.append(dest)
