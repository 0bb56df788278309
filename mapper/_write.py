"""Signal dicts -> a new HDF5 file, laid out by a mapping: the read rules, inverted.

Where a value goes comes from the mapping's path sources (``signal.data``,
each axis's ``values`` / ``scale`` / ``units``, ``metadata``); the ``layout``
adds NX_class on groups, constant values, attributes and links; ``write``
adds the ``@default`` chain and root attributes. Sources that are built-ins,
trees or constants are read-only and skipped. Every value is checked against
its rule's constraints *before* anything is written; the file is written to a
temporary name in the target directory and renamed into place.
"""

from __future__ import annotations

import datetime as _dt
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _schema
from ._constraints import check, item_from_array
from ._model import Anchor, AxisSpec, Constraints, Mapping, Source
from ._paths import PathSyntaxError, child_path, parse_path, template_names
from ._report import short_loc
from ._version import __version__
from .builtins import TRANSFORMS
from .errors import MissingFileError, WriteError

PathLike = str | os.PathLike[str]
_GLOB = re.compile(r"[*?\[]")


@dataclass
class _Plan:
    """Everything one file will hold, decided before the file is opened."""

    classes: dict[str, str] = field(default_factory=dict)      # group path -> NX_class
    groups: list[str] = field(default_factory=list)             # groups to create (in order)
    datasets: dict[str, Any] = field(default_factory=dict)      # path -> value
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)  # (path, name) -> value
    links: list[tuple[str, str, bool]] = field(default_factory=list)  # (at, to, @target?)
    defaults: dict[str, str] = field(default_factory=dict)      # group -> @default child
    bulk: set[str] = field(default_factory=set)                 # the signals' data paths
    problems: list[str] = field(default_factory=list)


def save(path: PathLike, signal: dict[str, Any] | list[dict[str, Any]], schema: str = "nxtomo",
         *, overwrite: bool = False, compression: str | None = None,
         chunks: bool | tuple[int, ...] | None = None,
         search_path: list[PathLike] | None = None) -> Path:
    """Write one signal dict (or a list of them) into a new file laid out by ``schema``.

    Parameters
    ----------
    path
        The file to write.
    signal
        A signal dict (``data``, ``axes``, ``metadata``) or a list of them;
        with a list, the mapping's ``select: each`` group is written once per
        signal (``entry0000``, ``entry0001``, ...).
    schema
        A mapping name or YAML file whose rules say where every value goes.
    overwrite
        Replace an existing file. Without it an existing file is an error and
        is left untouched.
    compression, chunks
        h5py options for the bulk data (``"gzip"``, ``(1, ny, nx)``, ...).
    search_path
        Extra directories with mapping files.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    WriteError
        A value breaks its rule (wrong rank, units, a required value absent):
        every problem is listed, nothing is written.
    """
    target = Path(path)
    m = _schema.load_mapping(schema, search_path)
    signals = signal if isinstance(signal, list) else [signal]
    if not signals:
        raise WriteError("nothing to save: the list of signals is empty")
    if target.exists() and not overwrite:
        raise WriteError(f"{target}: exists; pass overwrite=True to replace it")
    if not target.parent.is_dir():
        raise MissingFileError(f"{target.parent}: no such directory")
    plan = _Plan()
    for i, sig in enumerate(signals):
        before = len(plan.problems)
        _plan_signal(m, sig, i, len(signals), plan)
        if len(signals) > 1:  # say which signal each problem is about
            plan.problems[before:] = [p if p.startswith("signal ") else f"signal {i}: {p}"
                                      for p in plan.problems[before:]]
    if plan.problems:
        raise WriteError(f"cannot save with mapping {m.name!r}: " + "; ".join(plan.problems))
    _atomic_write(target, overwrite, lambda h5: _write(h5, plan, m, target, compression, chunks))
    return target


# ---------------------------------------------------------------------------- planning
def _plan_signal(m: Mapping, sig: dict[str, Any], index: int, count: int, plan: _Plan) -> None:
    where = f"signal {index}" if count > 1 else "the signal"
    if not isinstance(sig, dict) or sig.get("data") is None:
        plan.problems.append(f"{where} is not a signal dict with 'data'")
        return
    names = dict(m.write.names) if m.write else {}
    env = _anchor_paths(m.anchors, index, count, names, plan)
    spec = m.signal
    data_src = _writable(spec.data) if spec is not None and spec.data is not None else None
    if spec is None or data_src is None:
        plan.problems.append(f"signal.data of mapping {m.name!r} is not read from a path (it "
                             "comes from a built-in), so the mapping cannot write")
        return
    problems_before = len(plan.problems)
    symbols: dict[str, tuple[int, str]] = {}
    data = sig["data"]
    units_of: dict[str, str] = {}
    todo: list[tuple[Source, Any, str]] = [(data_src, data, "data")]
    bulk = _concrete(data_src.path or "", env, names, plan, "data")
    if bulk:
        plan.bulk.add(bulk)
    axes = sig.get("axes") or []
    specs = spec.axes if isinstance(spec.axes, tuple) else ()
    for i, ax_spec in enumerate(specs):
        if not isinstance(ax_spec, AxisSpec):
            continue
        if i >= len(axes):
            values = ax_spec.values
            if isinstance(values, Source) and values.required is True:
                plan.problems.append(f"axes[{i}] ({ax_spec.name or 'an axis'}) is required by "
                                     f"{m.name} ({short_loc(values.loc)}) but the signal has "
                                     f"{len(axes)} axes")
            continue
        todo.extend(_axis_values(ax_spec, axes[i], np.shape(data)[i] if i < np.ndim(data)
                                 else None, f"axes[{i}]", units_of, env, names, plan))
    for key, src in spec.metadata:
        path_src = _writable(src)
        if path_src is None:
            continue
        value = _dotted(sig.get("metadata") or {}, key)
        if value is None:
            if _required_here(path_src, src, m.anchors):
                plan.problems.append(f"metadata.{key} is required by {m.name} "
                                     f"({short_loc(src.loc)})")
            continue
        todo.append((path_src, _encode(path_src, value, plan, f"metadata.{key}"),
                     f"metadata.{key}"))
    for src, value, label in todo:
        if value is None:
            continue
        dest = _concrete(src.path or "", env, names, plan, label)
        if dest is None:
            continue
        if "/@" in dest:
            obj, attr = dest.rsplit("/@", 1)
            plan.attrs[(obj, attr)] = value
            if attr == "units":
                units_of[obj] = str(value)
            continue
        plan.datasets[dest] = value
    # check every value against its rule, with the units it will carry
    for src, value, label in todo:
        if value is None or src.constraints == Constraints():
            continue
        dest = _concrete(src.path or "", env, names, plan, label)
        if dest is None or "/@" in dest:
            continue
        _precheck(label, dest, value, units_of.get(dest), src.constraints, symbols, plan)
    if len(plan.problems) > problems_before:
        return
    _plan_layout(m, env, names, plan)
    if m.write and m.write.default:
        dest = _concrete(m.write.default, env, names, plan, "write.default")
        if dest:
            node = dest
            while node != "/":
                parent = posixpath.dirname(node)
                plan.defaults.setdefault(parent, posixpath.basename(node))
                node = parent


def _anchor_paths(anchors: tuple[Anchor, ...], index: int, count: int, names: dict[str, str],
                  plan: _Plan) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for a in anchors:
        if a.builtin or a.path is None:
            env[a.name] = None  # found by an algorithm: nothing to write there
            continue
        if any(env.get(n) is None for n in template_names(a.path)):
            env[a.name] = None
            continue
        dest = _concrete(a.path, env, names, plan, f"anchor {a.name}")
        if dest is not None and a.select == "each" and count > 1:
            cls = plan.classes.pop(dest, None)  # entry -> entry0000, entry0001, ...
            dest = f"{dest}{index:04d}"
            if cls:
                plan.classes[dest] = cls
        env[a.name] = dest
    return env


def _concrete(expr: str, env: dict[str, Any], names: dict[str, str], plan: _Plan, label: str
              ) -> str | None:
    """The one path ``expr`` names when writing; records the classes of its segments."""
    for name in template_names(expr):
        value = env.get(name)
        if not isinstance(value, str):
            return None
        expr = expr.replace("{" + name + "}", value)
    try:
        parsed = parse_path(expr)
    except PathSyntaxError as exc:  # pragma: no cover - the mapping was checked
        plan.problems.append(f"{label}: {exc}")
        return None
    path = "/"
    for seg in parsed.segments:
        if seg.special:
            plan.problems.append(f"{label}: {expr!r} has {seg.special!r}, which names no single "
                                 "place to write")
            return None
        name = seg.name
        if name is None or _GLOB.search(name):
            if seg.nx_class is None:
                plan.problems.append(f"{label}: {expr!r}: the glob {name!r} names no single "
                                     "place to write (give write.names or a literal name)")
                return None
            name = names.get(seg.nx_class, seg.nx_class[2:].lower())
        path = child_path(path, name)
        if seg.nx_class:
            plan.classes.setdefault(path, seg.nx_class)
    return path + (f"/@{parsed.attr}" if parsed.attr else "")


def _writable(src: Source) -> Source | None:
    """The path source a value is written to (a ``first`` source: its first path)."""
    if src.kind == "path" and not src.deref:
        return src
    if src.kind == "first":
        for alt in src.alternatives:
            if alt.kind == "path" and not alt.deref:
                return alt
    return None


def _required_here(path_src: Source, src: Source, anchors: tuple[Anchor, ...]) -> bool:
    if src.required is not True and path_src.required is not True:
        return False
    optional = {a.name for a in anchors if not a.required}
    return not any(n in optional for n in template_names(path_src.path or ""))


def _encode(src: Source, value: Any, plan: _Plan, label: str) -> Any:
    if not src.transform:
        return value
    tr = TRANSFORMS[src.transform]
    if tr.encode is None:
        return None  # read-only rule
    try:
        return tr.encode(value)
    except (TypeError, ValueError) as exc:
        plan.problems.append(f"{label}: transform {src.transform!r} cannot encode {value!r} "
                             f"({exc})")
        return None


def _axis_values(spec: AxisSpec, axis: dict[str, Any], size: int | None, label: str,
                 units_of: dict[str, str], env: dict[str, Any], names: dict[str, str],
                 plan: _Plan) -> list[tuple[Source, Any, str]]:
    """The values an axis writes: its coordinates, its scale, its units."""
    out: list[tuple[Source, Any, str]] = []
    units = str(axis.get("units") or "")
    uniform = "axis" not in axis
    if isinstance(spec.values, Source) and _writable(spec.values) is not None:
        if uniform:
            n = int(axis.get("size", size or 0))
            values = float(axis.get("offset", 0.0)) + float(axis.get("scale", 1.0)) * np.arange(n)
        else:
            values = np.asarray(axis["axis"])
        out.append((_writable(spec.values), values, f"{label}.axis"))  # type: ignore[arg-type]
    elif isinstance(spec.scale, Source) and _writable(spec.scale) is not None:
        scale = float(axis.get("scale", 1.0))
        offset = float(axis.get("offset", 0.0))
        if uniform and offset != 0.0 and not isinstance(spec.offset, Source):
            _warn(f"{label} ({axis.get('name', '')}): offset {offset:g} is not saved; the "
                  "mapping stores only a scale for this axis")
        if not uniform:
            plan.problems.append(f"{label}: a non-uniform axis has no single scale to write")
        elif units or scale != 1.0:
            out.append((_writable(spec.scale), scale, f"{label}.scale"))  # type: ignore[arg-type]
        else:
            return out  # an index axis: nothing to write
    if isinstance(spec.units, Source) and _writable(spec.units) is not None and units:
        out.append((_writable(spec.units), units, f"{label}.units"))  # type: ignore[arg-type]
    return out


def _warn(message: str) -> None:
    import warnings

    from .errors import MapperWarning

    warnings.warn(message, MapperWarning, stacklevel=5)


def _precheck(label: str, dest: str, value: Any, units: str | None, cons: Constraints,
              symbols: dict[str, tuple[int, str]], plan: _Plan) -> None:
    def emit(rule: str, message: str, severity: str = "error", **_: Any) -> None:
        if severity == "error":
            plan.problems.append(f"{label} ({dest}): {message}")

    item = item_from_array(label, value, units)
    check(item, cons, symbols, emit)


def _plan_layout(m: Mapping, env: dict[str, Any], names: dict[str, str], plan: _Plan) -> None:
    for e in m.layout:
        if any(env.get(n) is None for n in template_names(e.path)):
            continue
        dest = _concrete(e.path, env, names, plan, f"layout {e.path}")
        if dest is None or dest == "/":
            for k, v in e.attrs:
                plan.attrs[("/", k)] = v
            continue
        if e.nx_class:
            plan.classes[dest] = e.nx_class
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
            if e.nx_class and dest not in plan.groups:
                plan.groups.append(dest)


def _dotted(tree: dict[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# ---------------------------------------------------------------------------- writing
def _write(h5: Any, plan: _Plan, m: Mapping, target: Path, compression: str | None,
           chunks: Any) -> None:
    import h5py

    def group(path: str) -> Any:
        if path == "/":
            return h5
        parent = group(posixpath.dirname(path))
        name = posixpath.basename(path)
        g = parent.get(name)
        if g is None:
            g = parent.create_group(name)
        elif not isinstance(g, h5py.Group):
            raise WriteError(f"{path}: the mapping writes both a dataset and a group here")
        cls = plan.classes.get(path)
        if cls and "NX_class" not in g.attrs:
            g.attrs["NX_class"] = cls
        return g

    for g in plan.groups:
        group(g)
    for path, value in plan.datasets.items():
        parent = group(posixpath.dirname(path))
        _dataset(parent, posixpath.basename(path), value, compression, chunks,
                 bulk=path in plan.bulk)
    for at, to, target_attr in plan.links:
        if to not in h5:
            continue  # the target was optional and is absent
        parent = group(posixpath.dirname(at))
        if posixpath.basename(at) not in parent:
            parent[posixpath.basename(at)] = h5py.SoftLink(to)
        if target_attr:
            h5[to].attrs["target"] = to
    for (path, name), value in plan.attrs.items():
        if path != "/" and path not in h5:
            if path in plan.classes:
                group(path)
            else:
                continue  # an attribute of an optional value that is absent
        h5[path].attrs[name] = _attr_value(value)
    for path, child in plan.defaults.items():
        group(path).attrs["default"] = child
    facts = write_facts(target.name)
    for k, v in (m.write.root_attrs if m.write else ()):
        h5.attrs[k] = _attr_value(_fill(v, facts))


#: The ``{name}`` placeholders a ``write.root_attrs`` string may use.
FACTS = ("file_name", "file_time", "mapper_version", "hdf5_version", "h5py_version")


def write_facts(file_name: str) -> dict[str, str]:
    """The values of :data:`FACTS` for a file being written now."""
    import h5py

    return {"file_name": file_name,
            "file_time": _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(),
            "mapper_version": __version__, "hdf5_version": h5py.version.hdf5_version,
            "h5py_version": h5py.version.version}


def _fill(value: Any, facts: dict[str, str]) -> Any:
    """``{file_name}`` and the other :data:`FACTS` in a string replaced (no other templating)."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\{(\w+)\}", lambda mt: facts.get(mt.group(1), mt.group(0)), value)


def _dataset(parent: Any, name: str, value: Any, compression: str | None, chunks: Any,
             bulk: bool = False) -> None:
    import h5py

    if hasattr(value, "dask") and hasattr(value, "compute"):  # a dask array: stream it
        import threading

        import dask.array as da

        ds = parent.create_dataset(name, shape=value.shape, dtype=value.dtype,
                                   chunks=chunks if chunks is not None else True,
                                   compression=compression)
        da.store(value, ds, lock=threading.Lock())
        return
    if isinstance(value, str):
        parent.create_dataset(name, data=value, dtype=h5py.string_dtype())
        return
    arr = np.asarray(value)
    if arr.dtype.kind in "UO":
        arr = np.array([str(v) for v in arr.reshape(-1)], dtype=h5py.string_dtype()
                       ).reshape(arr.shape)
    # the signal's data takes the caller's options; other arrays only when large
    big = arr.ndim > 0 and (bulk or arr.nbytes > (1 << 16))
    parent.create_dataset(name, data=arr, compression=compression if big else None,
                          chunks=chunks if big and chunks is not None else None)


def _attr_value(value: Any) -> Any:
    import h5py

    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return np.array(value, dtype=h5py.string_dtype())
    return value


def _atomic_write(target: Path, overwrite: bool, fill: Any) -> None:
    """Write through a temporary file in the same directory, then move it into place.

    The temporary file is created with the process umask (like any new file),
    so the result has the usual permissions. Any failure removes it and is
    reported as a one-line :class:`WriteError` naming the target.
    """
    import secrets

    import h5py

    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as exc:
        raise WriteError(f"{target}: cannot create a file in {target.parent} "
                         f"({exc.strerror or exc})") from None
    try:
        with h5py.File(tmp, "w") as h5:
            fill(h5)
        if overwrite:
            if target.is_dir():
                raise WriteError(f"{target}: is a directory; it is not replaced")
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic, and fails if the name appeared meanwhile
            except FileExistsError:
                raise WriteError(f"{target}: exists; pass overwrite=True to replace it"
                                 ) from None
            except OSError:  # no hard links on this file system
                if target.exists():
                    raise WriteError(f"{target}: exists; pass overwrite=True to replace it"
                                     ) from None
                os.replace(tmp, target)
    except WriteError:
        raise
    except (OSError, ValueError, TypeError, UnicodeError) as exc:  # h5py and the OS
        raise WriteError(f"{target}: cannot write ({type(exc).__name__}: {exc})") from None
    finally:
        if tmp.exists():
            tmp.unlink()
