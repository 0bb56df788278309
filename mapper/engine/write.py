"""Signal dicts -> a new HDF5 file, laid out by a mapping: the read rules, inverted.

Where a value goes comes from the mapping's path sources (``signal.data``, each axis's
``values`` / ``scale`` / ``units``, ``metadata``); the ``layout`` adds the groups'
classes (under the mapping's convention), constant values, attributes and links;
``write`` adds the ``@default`` chain and root attributes. Sources that are built-ins,
trees or constants are read-only and skipped. Every value is checked against its rule's
constraints *before* anything is written; the file is written to a temporary name in the
target directory and renamed into place.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import Any

import numpy as np

from mapper.engine.constraints import check, item_from_array
from mapper.engine.context import WriteContext
from mapper.engine.report import short_loc
from mapper.errors import MissingFileError, WriteError
from mapper.hdf5.write import (
    WriteOptions,
    WritePlan,
    apply_plan,
    atomic_write,
    fill,
    update_in_place,
    write_facts,
)
from mapper.language import schema as _schema
from mapper.language.model import Anchor, AxisSpec, Constraints, Mapping, SignalSpec, Source
from mapper.language.paths import (
    PathSyntaxError,
    Segment,
    child_path,
    expand,
    parse_path,
    template_names,
)
from mapper.registry import REGISTRY

PathLike = str | os.PathLike[str]
_GLOB = re.compile(r"[*?\[]")


#: ``save(compression=...)`` not given: use the mapping's ``write.compression``.
MAPPING_DEFAULT: Any = "mapping-default"


def save(
    path: PathLike,
    signal: dict[str, Any] | list[dict[str, Any]],
    schema: str | None = None,
    *,
    overwrite: bool = False,
    compression: str | None = MAPPING_DEFAULT,
    chunks: bool | str | tuple[int, ...] | None = None,
    write_dataset: bool = True,
    show_progressbar: bool | None = None,
    search_path: list[PathLike] | None = None,
    **h5py_options: Any,
) -> Path:
    """Write one signal dict (or a list of them) into a file laid out by ``schema``.

    Parameters
    ----------
    path
        The file to write.
    signal
        A signal dict (``data``, ``axes``, ``metadata``, ...) or a list of them;
        with a list, the mapping's ``select: each`` group is written once per
        signal (``entry0000``, ``entry0001``, ...).
    schema
        A mapping name or YAML file whose rules say where every value goes;
        default: the mapping whose ``write.suffixes`` lists the file's suffix
        (see ``mapper schemas``).
    overwrite
        Replace an existing file. Without it an existing file is an error and
        is left untouched.
    compression
        Filter for the signal's data (``"gzip"``, ``"lzf"``, ``None``); default:
        the mapping's ``write.compression``. Shuffle is added
        only together with a compression filter.
    chunks
        Chunk shape of the signal's data; default: the dask array's chunks, or
        whole signals per chunk of about ``write.chunk_bytes`` (1 MB);
        ``"signal"``: whole signals per chunk for dask data too; ``True``:
        h5py's guess.
    write_dataset
        ``False`` updates an existing file in place: metadata, axes and other
        encoded groups are rewritten, the data already stored is kept (it must
        have the signal's shape).
    show_progressbar
        Show a progress bar while dask data is written; default: on a terminal.
    search_path
        Extra directories with mapping files.
    **h5py_options
        Passed to h5py's ``create_dataset`` for the signal's data
        (``compression_opts``, ``shuffle``, ``fletcher32``, ``scaleoffset``, ...).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    WriteError
        A value breaks its rule or cannot be stored (wrong rank, units, a set
        in metadata, a required value absent): every problem is listed, with
        its place in the signal, and nothing is written.
    """
    target = Path(path)
    chosen = "" if schema else f" (chosen for the file name {target.name!r}; pass schema=NAME)"
    m = _schema.load_mapping(schema or writer_for(target, search_path), search_path)
    if compression is MAPPING_DEFAULT:
        compression = m.write.compression if m.write else None
    opts = WriteOptions(
        compression=compression,
        chunks=chunks,
        chunk_bytes=m.write.chunk_bytes if m.write else 1_000_000,
        h5py_options=h5py_options,
        show_progressbar=show_progressbar,
        write_dataset=write_dataset,
    )
    signals = signal if isinstance(signal, list) else [signal]
    if not signals:
        raise WriteError("nothing to save: the list of signals is empty")
    if write_dataset:
        if target.exists() and not overwrite:
            raise WriteError(f"{target}: exists; pass overwrite=True to replace it")
        if not target.parent.is_dir():
            raise MissingFileError(f"{target.parent}: no such directory")
    elif not target.is_file():
        raise MissingFileError(
            f"{target}: no such file (write_dataset=False updates an existing file)"
        )
    plan = WritePlan(convention=REGISTRY.convention(m.convention))
    for i, sig in enumerate(signals):
        before = len(plan.problems)
        _plan_signal(m, sig, i, len(signals), plan, opts)
        if len(signals) > 1:  # say which signal each problem is about
            plan.problems[before:] = [
                p if p.startswith("signal ") else f"signal {i}: {p}" for p in plan.problems[before:]
            ]
    if plan.problems:
        raise WriteError(
            f"cannot save with mapping {m.name!r}{chosen}: " + "; ".join(plan.problems)
        )
    facts = write_facts(target.name)
    root = {k: fill(v, facts) for k, v in (m.write.root_attrs if m.write else ())}
    if write_dataset:
        atomic_write(target, overwrite, lambda h5: apply_plan(h5, plan, root, opts))
    else:
        update_in_place(target, lambda h5: apply_plan(h5, plan, root, opts))
    return target


def writer_for(target: Path, search_path: list[PathLike] | None = None) -> str:
    """The mapping that writes ``target`` by default: its ``write.suffixes`` has the suffix.

    On a tie the highest ``priority`` wins, then the name.
    """
    name = target.name.lower()
    found = [  # a broken mapping is reported when it is named, not here
        (len(s), m)
        for m in _schema.loadable(search_path)
        for s in (m.write.suffixes if m.write else ())
        if name.endswith(s) and len(name) > len(s)
    ]
    if not found:
        suffix = target.suffix.lower() or "files without a suffix"
        raise WriteError(
            f"{target}: no mapping writes {suffix} by default; "
            "pass schema=NAME (mapper schemas lists them)"
        )
    # the longest suffix that fits (.nxs.h5 before .h5), then the highest priority
    return min(found, key=lambda lm: (-lm[0], -lm[1].priority, lm[1].name))[1].name


# ---------------------------------------------------------------------------- planning
def _plan_signal(
    m: Mapping, sig: dict[str, Any], index: int, count: int, plan: WritePlan, opts: WriteOptions
) -> None:
    """Add one signal to the plan: every value where its rule says, checked first."""
    where = f"signal {index}" if count > 1 else "the signal"
    if not isinstance(sig, dict) or sig.get("data") is None:
        plan.problems.append(f"{where} is not a signal dict with 'data'")
        return
    names = dict(m.write.names) if m.write else {}
    env = _anchor_paths(m.anchors, sig, index, count, names, plan)
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
    _plan_layout(m, env, names, plan)
    if m.write and m.write.default:
        dest = _concrete(m.write.default, env, names, plan, "write.default")
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
        bulk = _concrete(data_src.path or "", self.env, self.names, self.plan, "data")
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
            value = meta if key == "." else _dotted(meta, key)
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
            dest = _concrete(src.path or "", self.env, self.names, self.plan, label)
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
            dest = _concrete(src.path or "", self.env, self.names, self.plan, label)
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
        dest = _concrete(src.at, env, names, plan, label)
        if dest is None:
            return
        at = dest
    func = REGISTRY.builtin(src.builtin or "").write
    assert func is not None
    func(ctx, at, value, **dict(src.args))


def _anchor_paths(
    anchors: tuple[Anchor, ...],
    sig: dict[str, Any],
    index: int,
    count: int,
    names: dict[str, str],
    plan: WritePlan,
) -> dict[str, Any]:
    # "{index}" in a write_path: where the number of each signal goes (none for one signal);
    # "{number}": the signal's number with three digits, always (USID's Measurement_000)
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
        dest = _concrete(expr, env, names, plan, f"anchor {a.name}", glob_name)
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
    value = _dotted(sig, a.write_name_from or "")
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


def _concrete(
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
    import warnings

    from mapper.errors import MapperWarning

    warnings.warn(message, MapperWarning, stacklevel=5)


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


def _plan_layout(m: Mapping, env: dict[str, Any], names: dict[str, str], plan: WritePlan) -> None:
    for e in m.layout:
        if any(env.get(n) is None for n in template_names(e.path)):
            continue
        dest = _concrete(e.path, env, names, plan, f"layout {e.path}")
        if dest is None or dest == "/":
            for k, v in e.attrs:
                plan.attrs[("/", k)] = v
            continue
        if e.cls:
            plan.classes[dest] = e.cls
            if e.required is True and dest not in plan.groups:
                plan.groups.append(dest)
        if e.link_to:
            to = _concrete(e.link_to, env, names, plan, f"layout {e.path}")
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


def _dotted(tree: dict[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
