"""One signal into the write plan: data, axes, metadata and extra keys, each checked first.

Every value goes where its source says, or to its built-in's writer; the
values written at paths are then checked against their rules with the units
they will carry. Nothing touches a file here.
"""

from __future__ import annotations

import posixpath
from typing import Any

import numpy as np

from mapper.engine.constraints import check, item_from_array
from mapper.engine.context import WriteContext
from mapper.engine.report import short_loc
from mapper.engine.tree import dotted
from mapper.engine.write_paths import anchor_paths, concrete, plan_layout
from mapper.hdf5.write import (
    WriteOptions,
    WritePlan,
)
from mapper.language.model import Anchor, AxisSpec, Constraints, Mapping, SignalSpec, Source
from mapper.language.paths import (
    template_names,
)
from mapper.registry import REGISTRY


# ---------------------------------------------------------------------------- planning
def plan_signal(
    m: Mapping, sig: dict[str, Any], index: int, count: int, plan: WritePlan, opts: WriteOptions
) -> None:
    """Add one signal to the plan: every value where its rule says, checked first."""
    where = f"signal {index}" if count > 1 else "the signal"
    if not isinstance(sig, dict) or sig.get("data") is None:
        plan.problems.append(f"{where} is not a signal dict with 'data'")
        return
    names = dict(m.write.names) if m.write else {}
    env = anchor_paths(m.anchors, sig, index, count, names, plan)
    spec = m.signal
    data_src = _writable(spec.data) if spec is not None and spec.data is not None else None
    if spec is None or data_src is None:
        plan.problems.append(
            f"signal.data of mapping {m.name!r} comes from a built-in "
            "without a writer, so the mapping cannot write"
        )
        return
    problems_before = len(plan.problems)
    ctx = WriteContext(plan, sig, where, {"write_dataset": opts.write_dataset})
    planner = _SignalPlanner(m, spec, sig, env, names, plan, ctx)
    planner.data(data_src)
    planner.axes()
    planner.metadata()
    planner.extra()
    planner.place()
    if len(plan.problems) > problems_before:
        return
    plan_layout(m, env, names, plan)
    if m.write and m.write.default:
        dest = concrete(m.write.default, env, names, plan, "write.default")
        node = dest or "/"
        while node != "/":
            parent = posixpath.dirname(node)
            plan.defaults.setdefault(parent, posixpath.basename(node))
            node = parent


class _SignalPlanner:
    """The parts of one signal, each sent where its source says (or to its built-in's writer)."""

    def __init__(
        self,
        m: Mapping,
        spec: SignalSpec,
        sig: dict[str, Any],
        env: dict[str, Any],
        names: dict[str, str],
        plan: WritePlan,
        ctx: WriteContext,
    ) -> None:
        self.m, self.spec, self.sig, self.env = m, spec, sig, env
        self.names, self.plan, self.ctx = names, plan, ctx
        #: (source, value, label) of every value written at a path
        self.todo: list[tuple[Source, Any, str]] = []
        #: object path -> the units written as its @units
        self.units_of: dict[str, str] = {}
        self.axes_list: list[Any] = list(sig.get("axes") or [])

    def call(self, src: Source, value: Any, label: str) -> None:
        """Hand a value to a built-in's writer."""
        _call_writer(src, value, self.env, self.names, self.plan, self.ctx, label)

    def data(self, data_src: Source) -> None:
        """The signal's data: bulk, chunked by its navigation flags."""
        data, axes = self.sig["data"], self.axes_list
        navigate = (
            [bool(ax.get("navigate", True)) if isinstance(ax, dict) else True for ax in axes]
            if len(axes) == np.ndim(data)
            else None
        )
        if data_src.kind == "builtin":
            known = set(self.plan.bulk)
            self.call(data_src, data, "data")
            for path in self.plan.bulk - known:
                if navigate is not None:
                    self.plan.navigate.setdefault(path, navigate)
            return
        self.todo.append((data_src, data, "data"))
        bulk = concrete(data_src.path or "", self.env, self.names, self.plan, "data")
        if bulk:
            self.plan.bulk.add(bulk)
            if navigate is not None:
                self.plan.navigate[bulk] = navigate

    def axes(self) -> None:
        """The axes: through a built-in's writer, or each axis's coordinates, scale and units."""
        spec, axes, data = self.spec, self.axes_list, self.sig["data"]
        if isinstance(spec.axes, Source):
            axes_src = _writable(spec.axes)
            if axes_src is not None and axes_src.kind == "builtin":
                self.call(axes_src, axes, "axes")
        specs = spec.axes if isinstance(spec.axes, tuple) else ()
        for i, ax_spec in enumerate(specs):
            if not isinstance(ax_spec, AxisSpec):
                continue
            if i >= len(axes):
                values = ax_spec.values
                if isinstance(values, Source) and values.required is True:
                    self.plan.problems.append(
                        f"axes[{i}] ({ax_spec.name or 'an axis'}) is required by "
                        f"{self.m.name} ({short_loc(values.loc)}) but the signal has "
                        f"{len(axes)} axes"
                    )
                continue
            size = np.shape(data)[i] if i < np.ndim(data) else None
            self.todo.extend(
                _axis_values(
                    ax_spec,
                    axes[i],
                    size,
                    f"axes[{i}]",
                    self.units_of,
                    self.env,
                    self.names,
                    self.plan,
                )
            )

    def metadata(self) -> None:
        """Each ``metadata`` key where its source says; a required one absent is a problem."""
        meta = self.sig.get("metadata") or {}
        for key, src in self.spec.metadata:
            path_src = _writable(src)
            if path_src is None:
                continue
            value = meta if key == "." else dotted(meta, key)
            label = f"metadata.{key}"
            if path_src.kind == "builtin":
                self.call(path_src, value, label)
            elif value is not None:
                self.todo.append((path_src, _encode(path_src, value, self.plan, label), label))
            elif _required_here(path_src, src, self.m.anchors):
                self.plan.problems.append(
                    f"{label} is required by {self.m.name} ({short_loc(src.loc)})"
                )

    def extra(self) -> None:
        """``original_metadata`` and the further keys of the signal dict."""
        extra = list(self.spec.extra)
        if self.spec.original_metadata is not None:
            extra.insert(0, ("original_metadata", self.spec.original_metadata))
        for key, src in extra:
            path_src = _writable(src)
            if path_src is None:
                continue
            if path_src.kind == "builtin":
                self.call(path_src, self.sig.get(key), key)
            elif self.sig.get(key) is not None and key != "original_metadata":
                value = _encode(path_src, self.sig[key], self.plan, key)
                self.todo.append((path_src, value, key))

    def place(self) -> None:
        """Put every value at its path, then check each against its rule, with its units."""
        for src, value, label in self.todo:
            if value is None:
                continue
            dest = concrete(src.path or "", self.env, self.names, self.plan, label)
            if dest is None:
                continue
            if "/@" in dest:
                obj, attr = dest.rsplit("/@", 1)
                self.plan.attrs[(obj, attr)] = value
                if attr == "units":
                    self.units_of[obj] = str(value)
                continue
            self.plan.datasets[dest] = value
        symbols: dict[str, tuple[int, str]] = {}
        for src, value, label in self.todo:
            if value is None or src.constraints == Constraints():
                continue
            dest = concrete(src.path or "", self.env, self.names, self.plan, label)
            if dest is None or "/@" in dest:
                continue
            units = self.units_of.get(dest)
            _precheck(label, dest, value, units, src.constraints, symbols, self.plan)


def _call_writer(
    src: Source,
    value: Any,
    env: dict[str, Any],
    names: dict[str, str],
    plan: WritePlan,
    ctx: WriteContext,
    label: str,
) -> None:
    """Run the writer of a built-in source: it adds to the plan (or records problems)."""
    at = "/"
    if src.at is not None:
        dest = concrete(src.at, env, names, plan, label)
        if dest is None:
            return
        at = dest
    func = REGISTRY.builtin(src.builtin or "").write
    assert func is not None
    func(ctx, at, value, **dict(src.args))


def _writable(src: Source) -> Source | None:
    """The source a value is written through: a path, or a built-in with a writer.

    A ``first`` source writes through its first writable alternative.
    """
    if src.kind == "path" and not src.deref:
        return src
    if src.kind == "builtin" and REGISTRY.builtin(src.builtin or "").write is not None:
        return src
    if src.kind == "first":
        for alt in src.alternatives:
            found = _writable(alt)
            if found is not None:
                return found
    return None


def _required_here(path_src: Source, src: Source, anchors: tuple[Anchor, ...]) -> bool:
    if src.required is not True and path_src.required is not True:
        return False
    optional = {a.name for a in anchors if not a.required}
    return not any(n in optional for n in template_names(path_src.path or ""))


def _encode(src: Source, value: Any, plan: WritePlan, label: str) -> Any:
    if not src.transform:
        return value
    tr = REGISTRY.transform(src.transform)
    if tr.encode is None:
        return None  # read-only rule
    try:
        return tr.encode(value)
    except (TypeError, ValueError) as exc:
        plan.problems.append(
            f"{label}: transform {src.transform!r} cannot encode {value!r} ({exc})"
        )
        return None


def _axis_values(
    spec: AxisSpec,
    axis: dict[str, Any],
    size: int | None,
    label: str,
    units_of: dict[str, str],
    env: dict[str, Any],
    names: dict[str, str],
    plan: WritePlan,
) -> list[tuple[Source, Any, str]]:
    """The values an axis writes: its coordinates, its scale, its units."""
    out: list[tuple[Source, Any, str]] = []
    units = str(axis.get("units") or "")
    uniform = "axis" not in axis
    values_src = _writable(spec.values) if isinstance(spec.values, Source) else None
    scale_src = _writable(spec.scale) if isinstance(spec.scale, Source) else None
    units_src = _writable(spec.units) if isinstance(spec.units, Source) else None
    if values_src is not None:
        if uniform:
            n = int(axis.get("size", size or 0))
            values = float(axis.get("offset", 0.0)) + float(axis.get("scale", 1.0)) * np.arange(n)
        else:
            values = np.asarray(axis["axis"])
        out.append((values_src, values, f"{label}.axis"))
    elif scale_src is not None:
        scale = float(axis.get("scale", 1.0))
        offset = float(axis.get("offset", 0.0))
        if uniform and offset != 0.0 and not isinstance(spec.offset, Source):
            _warn(
                f"{label} ({axis.get('name', '')}): offset {offset:g} is not saved; the "
                "mapping stores only a scale for this axis"
            )
        if not uniform:
            plan.problems.append(f"{label}: a non-uniform axis has no single scale to write")
        elif units or scale != 1.0:
            out.append((scale_src, scale, f"{label}.scale"))
        else:
            return out  # an index axis: nothing to write
    if units_src is not None and units:
        out.append((units_src, units, f"{label}.units"))
    return out


def _warn(message: str) -> None:
    from mapper.errors import warn

    warn(message)  # attributed to the caller's line


def _precheck(
    label: str,
    dest: str,
    value: Any,
    units: str | None,
    cons: Constraints,
    symbols: dict[str, tuple[int, str]],
    plan: WritePlan,
) -> None:
    def emit(rule: str, message: str, severity: str = "error", **_: Any) -> None:
        if severity == "error":
            plan.problems.append(f"{label} ({dest}): {message}")

    item = item_from_array(label, value, units)
    check(item, cons, symbols, emit, convention=plan.convention)
