"""Built-ins for USID (h5USID) files: main datasets, their N-D form and their metadata.

``schemas/usid.yaml`` names the attributes that mark a main dataset, the
groups whose attributes are metadata and the separator of flattened
metadata names; these built-ins do what YAML cannot: find the main
datasets anywhere in the file, follow their object references, infer the
N-D form from the index arrays (:mod:`.usid_layout`) and write all of it
back. Everything is read and written with h5py; pyUSID is never imported.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from mapper.conventions.usid.layout import Dim, Side, SideKind, names, side_form
from mapper.engine.axes import AxisValuesError, axis_from_values, index_axis
from mapper.engine.context import ArrayRef, Context
from mapper.engine.tree import merge_into
from mapper.errors import MapperError, ResolveError
from mapper.hdf5.io import decode
from mapper.registry import builtin, transform

#: The four object-reference attributes of a main dataset, and the side each describes.
REFS = ("Position_Indices", "Position_Values", "Spectroscopic_Indices", "Spectroscopic_Values")
#: What ``save`` writes for a side without dimensions (USID needs one): a single step.
PLACEHOLDER = ("Arb", "a. u.")
DEFAULT_NAME = "Raw_Data"
_DESCRIPTOR = re.compile(r"^(.*?)\s*[\[(]([^\[\]()]*)[\])]\s*$")


# ---------------------------------------------------------------------------- finding
@builtin("usid.mains", "paths")
def mains(ctx: Context, attributes: list[str] | tuple[str, ...] = REFS) -> list[str]:
    """Every dataset carrying any of ``attributes`` (any name, any place), in file order.

    Only hard-linked objects are visited, so no link leads out of the file.
    """
    key = ("usid.mains", tuple(attributes))
    if key not in ctx.memo:
        wanted = set(attributes)
        found: list[str] = []

        def visit(_name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                try:
                    if wanted & set(obj.attrs):
                        found.append(obj.name)
                except (OSError, RuntimeError, KeyError):  # an unreadable attribute table
                    ctx.warn_at(obj.name, "attributes cannot be listed")

        try:
            ctx.resolver.file.visititems(visit)
        except (OSError, RuntimeError) as exc:
            raise ResolveError(f"{ctx.filename}: the file cannot be walked ({exc})") from None
        ctx.memo[key] = found
    return list(ctx.memo[key])


@builtin("usid.fields", "paths")
def fields(ctx: Context, main: Any = None) -> list[str]:
    """The field names of a compound main dataset (none for a plain dtype)."""
    ds = ctx.resolver.get(str(main)) if main else None
    if not isinstance(ds, h5py.Dataset) or ds.dtype.names is None:
        return []
    return list(ds.dtype.names)


def ancillary(ds: h5py.Dataset, name: str) -> tuple[h5py.Dataset | None, str]:
    """The dataset the reference attribute ``name`` of ``ds`` points to, or why none."""
    try:
        if name not in ds.attrs:
            return None, f"has no @{name}"
        ref = ds.attrs[name]
    except (OSError, RuntimeError, TypeError, KeyError) as exc:
        return None, f"@{name} cannot be read ({exc})"
    if isinstance(ref, np.ndarray) and ref.size == 1 and ref.dtype.kind == "O":
        ref = ref.reshape(-1)[0]
    if not isinstance(ref, h5py.Reference):
        return None, f"@{name} is not an object reference ({type(ref).__name__})"
    if not ref:
        return None, f"@{name} is a null reference"
    try:
        obj = ds.file[ref]
    except (ValueError, KeyError, OSError, RuntimeError) as exc:
        return None, f"@{name} points to nothing ({exc})"
    if not isinstance(obj, h5py.Dataset):
        return None, f"@{name} points to the group {obj.name}, not a dataset"
    return obj, ""


@builtin("usid.referenced", "paths")
def referenced(ctx: Context, main: Any = None, attr: str = "Position_Indices") -> list[str]:
    """The dataset the object-reference attribute ``attr`` of ``main`` points to."""
    ds = ctx.resolver.get(str(main)) if main else None
    if not isinstance(ds, h5py.Dataset):
        return []
    obj, _ = ancillary(ds, attr)
    return [] if obj is None else [obj.name]


# ---------------------------------------------------------------------------- the N-D form
@dataclass(frozen=True)
class Layout:
    """How one main dataset loads: N-D shape and axes, or its 2-D form and why."""

    shape: tuple[int, ...]
    axes: list[dict[str, Any]]
    reason: str
    positions: Side | None
    spectroscopic: Side | None


def string_list(obj: Any, name: str) -> list[str] | None:
    """An attribute holding a string or strings, as a list (None when absent or not text)."""
    try:
        raw = obj.attrs.get(name)
    except (OSError, RuntimeError, TypeError):
        return None
    try:
        value = decode(raw)
    except MapperError:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return [str(v) for v in value.reshape(-1)]
    return None


def _side(ds: h5py.Dataset, kind: SideKind, count: int, notes: list[str]) -> Side | str:
    """Read one side (``Position`` or ``Spectroscopic``) of ``ds``; a string says why not.

    ``notes`` collects what is off but does not prevent the N-D form.
    """
    inds, why = ancillary(ds, f"{kind}_Indices")
    if inds is None:
        return why
    vals, why = ancillary(ds, f"{kind}_Values")
    if vals is None:
        notes.append(f"{why}: index axes used")
    elif vals.shape != inds.shape:
        notes.append(
            f"{vals.name} has shape {vals.shape}, the indices {inds.shape}: index axes used"
        )
    try:
        ind = np.asarray(inds[()])
        val = None if vals is None else np.asarray(vals[()])
    except (OSError, RuntimeError, TypeError) as exc:
        return f"{inds.name} cannot be read ({exc})"
    if ind.ndim != 2:
        return f"{inds.name} is {ind.ndim}-D, not 2-D"
    if kind == "Spectroscopic":
        ind = ind.T
        val = None if val is None or val.ndim != 2 else val.T
    n = ind.shape[1]
    labels = names(string_list(inds, "labels"), n, f"{kind[: 4 if kind[0] == 'S' else 3]}_Dim")
    units_raw = string_list(inds, "units")
    units = tuple(units_raw) if units_raw is not None and len(units_raw) == n else ("",) * n
    side = side_form(
        ind, val, labels, units, "positions" if kind == "Position" else "spectroscopic steps"
    )
    if side.count != count:
        what = "rows" if kind == "Position" else "columns"
        return (
            f"{inds.name} describes {side.count} {kind.lower()} steps but the main dataset "
            f"has {count} {what}"
        )
    return side


def layout(ctx: Context, path: str) -> Layout:
    """The N-D form of the main dataset at ``path`` (memoised; warns once when 2-D)."""
    key = ("usid.layout", path)
    if key in ctx.memo:
        cached: Layout = ctx.memo[key]
        return cached
    ds = ctx.resolver.get(path)
    if not isinstance(ds, h5py.Dataset) or ds.shape is None:
        raise ResolveError(f"{ctx.filename}:{path}: not a dataset with a shape")
    shape = tuple(int(n) for n in ds.shape)
    pos: Side | str = "it is not 2-D"
    spec: Side | str = "it is not 2-D"
    notes: list[str] = []
    if len(shape) == 2:
        pos = _side(ds, "Position", shape[0], notes)
        spec = _side(ds, "Spectroscopic", shape[1], notes)
    for note in notes:
        ctx.warn_at(path, note)
    reasons = [s if isinstance(s, str) else s.reason for s in (pos, spec)]
    reason = "; ".join(dict.fromkeys(r for r in reasons if r))
    p = pos if isinstance(pos, Side) else None
    s = spec if isinstance(spec, Side) else None
    if not reason and p is not None and s is not None:
        dims = [(d, True) for d in p.shape_dims] + [(d, False) for d in s.shape_dims]
        out = Layout(tuple(d.size for d, _ in dims), [_axis(d, nav) for d, nav in dims], "", p, s)
    else:
        ctx.warn_at(path, f"no N-D form ({reason})", f"loaded as its 2-D form {shape}")
        if len(shape) == 2:
            axes = [
                _flat_axis(p, shape[0], True, "Positions"),
                _flat_axis(s, shape[1], False, "Spectroscopic"),
            ]
        else:
            axes = [index_axis(n, navigate=i < len(shape) - 1) for i, n in enumerate(shape)]
        out = Layout(shape, axes, reason, p, s)
    ctx.memo[key] = out
    return out


def _axis(d: Dim, navigate: bool) -> dict[str, Any]:
    if d.values is not None:
        try:
            return axis_from_values(
                d.values, name=d.label, units=d.units, navigate=navigate, size=d.size
            )
        except AxisValuesError:
            pass
    return index_axis(d.size, name=d.label, units=d.units, navigate=navigate)


def _flat_axis(side: Side | None, size: int, navigate: bool, name: str) -> dict[str, Any]:
    """The axis of one side of the 2-D form: its only dimension's values, else indices."""
    if side is not None and len(side.labels) == 1 and side.values is not None:
        dim = Dim(side.labels[0], side.units[0], size, side.values[:, 0])
        return _axis(dim, navigate)
    return index_axis(size, name=name, navigate=navigate)


def _main(ctx: Context, at: Any) -> str:
    return str(at.path if hasattr(at, "path") else at)


@builtin("usid.data", "value")
def data(ctx: Context, at: Any, field: str | None = None) -> ArrayRef:
    """The main dataset in its N-D form (one ``field`` of a compound dtype)."""
    path = _main(ctx, at)
    lay = layout(ctx, path)
    ds = ctx.resolver.get(path)  # a dataset with a shape: layout() checked it
    if ds is None:  # pragma: no cover
        raise ResolveError(f"{ctx.filename}:{path}: not a dataset with a shape")
    if field and (ds.dtype.names is None or field not in ds.dtype.names):
        raise ResolveError(f"{ctx.filename}:{path}: has no field {field!r}")
    return ArrayRef(
        path, field=field or None, shape=lay.shape if lay.shape != tuple(ds.shape) else None
    )


@builtin("usid.axes", "value")
def axes(ctx: Context, at: Any) -> list[dict[str, Any]]:
    """One axis per dimension of the N-D form: labels, units, values; positions navigate."""
    return [dict(ax) for ax in layout(ctx, _main(ctx, at)).axes]


def split_descriptor(text: str) -> tuple[str, str]:
    """``"Amplitude [V]"`` or ``"Amplitude (V)"`` -> ``("Amplitude", "V")``."""
    m = _DESCRIPTOR.match(text.strip())
    return (m.group(1).strip(), m.group(2).strip()) if m else (text.strip(), "")


@builtin("usid.quantity", "value")
def quantity(ctx: Context, at: Any, field: str | None = None) -> str | None:
    """``"Current (nA)"``: the main's @quantity and @units, or a compound field's name."""
    ds = ctx.resolver.get(_main(ctx, at))
    if field:
        q, u = split_descriptor(field)
    else:
        q = _text(ctx.resolver.attr(ds, "quantity"))
        u = _text(ctx.resolver.attr(ds, "units"))
    if not q:
        return None
    return f"{q} ({u})" if u else q


def _text(raw: Any) -> str:
    try:
        value = decode(raw)
    except MapperError:
        return ""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    return str(value).strip() if isinstance(value, (str, np.str_)) else ""


# ---------------------------------------------------------------------------- metadata
def ancestor(path: str, pattern: str) -> str | None:
    """The nearest group above ``path`` whose name matches the glob ``pattern``."""
    p = posixpath.dirname(path)
    while p not in ("/", ""):
        if fnmatch.fnmatchcase(posixpath.basename(p), pattern):
            return p
        p = posixpath.dirname(p)
    return None


def attributes(ctx: Context, path: str) -> dict[str, Any]:
    """The attributes of the object at ``path`` as plain values (references left out)."""
    key = ("usid.attrs", path)
    if key in ctx.memo:
        return dict(ctx.memo[key])
    obj = ctx.resolver.get(path)
    out: dict[str, Any] = {}
    if obj is not None:
        try:
            names_ = list(obj.attrs)
        except (OSError, RuntimeError):
            names_ = []
        bad: list[str] = []
        for name in names_:
            try:
                raw = obj.attrs[name]
            except (OSError, RuntimeError, TypeError, KeyError, ValueError):
                bad.append(name)
                continue
            value = plain(raw)
            if value is not _SKIP:
                out[name] = value
        if bad:  # one line for a damaged attribute table, not one per attribute
            ctx.warn_at(
                path,
                f"{len(bad)} attribute(s) cannot be read and are "
                f"left out ({', '.join(bad[:5])}{', ...' if len(bad) > 5 else ''})",
            )
    ctx.memo[key] = out
    return dict(out)


_SKIP = object()


def plain(raw: Any) -> Any:
    """An attribute as a metadata value: text decoded, scalars as Python values."""
    if isinstance(raw, h5py.Empty):
        return None
    if isinstance(raw, (h5py.Reference, h5py.RegionReference)):
        return _SKIP
    if (
        isinstance(raw, np.ndarray)
        and raw.dtype.kind == "O"
        and raw.size
        and isinstance(raw.reshape(-1)[0], (h5py.Reference, h5py.RegionReference))
    ):
        return _SKIP
    try:
        value = decode(raw)
    except MapperError:
        return raw  # bytes that are not UTF-8 stay bytes
    if isinstance(value, np.ndarray) and value.dtype.kind == "U":
        return [str(v) for v in value.reshape(-1)] if value.ndim == 1 else value
    if isinstance(value, np.generic):
        return value.item()
    return value


def unflatten(flat: dict[str, Any], sep: str) -> dict[str, Any]:
    """``{"a-b": 1}`` -> ``{"a": {"b": 1}}``; a name that clashes stays flat."""
    out: dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(sep) if sep else [name]
        if any(not p for p in parts):
            parts = [name]
        node = out
        ok = True
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                ok = False
                break
            node = nxt
        if ok and not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
        else:
            out[name] = value
    return out


@builtin("usid.metadata", "value")
def metadata(
    ctx: Context, at: Any, group: str = "Measurement_*", sep: str = "-", original: str = "Original"
) -> dict[str, Any] | None:
    """The attributes of the main's Measurement group (nearest ancestor matching ``group``).

    Flattened names (``General-title``) become nested keys; names starting
    with ``original`` + ``sep`` belong to ``original_metadata`` instead.
    """
    meas = ancestor(_main(ctx, at), group)
    if meas is None:
        return None
    prefix = f"{original}{sep}" if original else None
    flat = {k: v for k, v in attributes(ctx, meas).items() if not (prefix and k.startswith(prefix))}
    return unflatten(flat, sep)


@builtin("usid.original", "value")
def original_metadata(
    ctx: Context,
    at: Any,
    group: str = "Measurement_*",
    channel: str = "Channel_*",
    sep: str = "-",
    original: str = "Original",
) -> dict[str, Any]:
    """What the file says beyond the signal.

    The ``Original-*`` attributes of the Measurement group, and the attributes
    of the main dataset, its Channel group and the file (``Main``, ``Channel``,
    ``File``); for a main without an N-D form also its stored positions and
    steps.
    """
    path = _main(ctx, at)
    out: dict[str, Any] = {}
    meas = ancestor(path, group)
    if meas is not None and original:
        prefix = f"{original}{sep}"
        out = unflatten(
            {k[len(prefix) :]: v for k, v in attributes(ctx, meas).items() if k.startswith(prefix)},
            sep,
        )
    chan = ancestor(path, channel)
    fresh: dict[str, Any] = {
        "dataset_path": path,
        "Main": attributes(ctx, path),
        "Channel": attributes(ctx, chan) if chan else {},
        "File": attributes(ctx, "/"),
    }
    lay = layout(ctx, path)
    if lay.reason:
        for name, side in (("Positions", lay.positions), ("Spectroscopic", lay.spectroscopic)):
            if side is not None:
                fresh[name] = {
                    "labels": list(side.labels),
                    "units": list(side.units),
                    "values": side.values,
                }
    merge_into(out, fresh)  # what this file says wins over what an earlier file said
    return out


# ---------------------------------------------------------------------------- transforms
def dataset_name(title: Any) -> str:
    """The name a signal's title gives its main dataset: ``/`` -> ``_``, empty -> Raw_Data."""
    text = "" if title is None else str(title).strip()
    if text in ("", ".", ".."):
        return DEFAULT_NAME
    text = text.replace("/", "_")
    return f"{text}_Main" if text in REFS else text  # the ancillary datasets sit beside it


transform(
    "usid.dataset_name",
    lambda v: v,
    dataset_name,
    "Write: a signal title as the name of a USID main dataset ('/' -> '_', '' -> 'Raw_Data').",
)
