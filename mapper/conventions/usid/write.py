"""The writers of the USID built-ins: ``save(path, signal, schema="usid")``.

A signal becomes one main dataset: its navigation axes (``navigate`` True)
are the positions, the others the spectroscopic dimensions, each side
slowest first as the signal's array order has them. The data is stored in
its 2-D form (transposed first when navigation and signal axes are
interleaved), beside it the four ancillary datasets with ``labels`` and
``units``, and on it the object references, ``quantity`` and ``units``. The
metadata goes to the Measurement group as attributes with flattened names
(``General-title``), the original metadata likewise with an ``Original-``
prefix, as RosettaSciIO's USID writer does. Written with h5py only: pyUSID
0.0.12 cannot write under numpy 2.
"""

from __future__ import annotations

import datetime as _dt
import math
import posixpath
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from mapper.conventions.usid.layout import Dim, build_side
from mapper.conventions.usid.read import PLACEHOLDER, ancestor, split_descriptor
from mapper.engine.context import WriteContext
from mapper.errors import MapperWarning
from mapper.hdf5.write import is_dask
from mapper.registry import writer

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Split:
    """How a signal's axes become the two sides of a main dataset."""

    positions: tuple[Dim, ...]
    spectroscopic: tuple[Dim, ...]
    order: tuple[int, ...]  # navigation axes first, each group in array order

    @property
    def shape(self) -> tuple[int, int]:
        """The 2-D shape of the main dataset."""
        return (
            math.prod(d.size for d in self.positions),
            math.prod(d.size for d in self.spectroscopic),
        )


def split(ctx: WriteContext) -> Split | None:
    """The positions and spectroscopic dimensions of the signal being written (once)."""
    if "usid.split" not in ctx.memo:
        ctx.memo["usid.split"] = _split(ctx)
    cached: Split | None = ctx.memo["usid.split"]
    return cached


def _split(ctx: WriteContext) -> Split | None:
    sig = ctx.signal
    shape = tuple(np.shape(sig["data"]))  # a dask array's own shape: nothing computed
    axes = sig.get("axes") or []
    if len(axes) != len(shape):
        ctx.problem(
            f"{len(axes)} axes for {len(shape)}-D data: USID needs one axis per "
            "dimension to label it"
        )
        return None
    dims: list[tuple[Dim, bool]] = []
    seen: dict[str, int] = {}
    problems = len(ctx.plan.problems)
    for i, (ax, size) in enumerate(zip(axes, shape, strict=True)):
        ax = ax if isinstance(ax, dict) else {}
        nav = bool(ax.get("navigate", True))
        name = ax.get("name")
        if not isinstance(name, str) or not name.strip() or name == "<undefined>":
            name = f"{'Pos' if nav else 'Spec'}_Dim_{i}"
        if name in seen:
            ctx.problem(
                f"axes[{i}] and axes[{seen[name]}] are both named {name!r}; USID "
                "labels must be unique"
            )
        seen[name] = i
        units = ax.get("units")
        units = units if isinstance(units, str) and units != "<undefined>" else ""
        if "axis" in ax:
            values = np.asarray(ax["axis"], dtype=float).reshape(-1)
            if values.shape[0] != size:
                ctx.problem(
                    f"axes[{i}] ({name}): {values.shape[0]} values for a dimension of {size}"
                )
        else:
            values = float(ax.get("offset", 0.0)) + float(ax.get("scale", 1.0)) * np.arange(size)
        dims.append((Dim(name, units, int(size), values), nav))
    if len(ctx.plan.problems) > problems:
        return None
    order = tuple(
        [i for i, (_, nav) in enumerate(dims) if nav]
        + [i for i, (_, nav) in enumerate(dims) if not nav]
    )
    return Split(tuple(d for d, nav in dims if nav), tuple(d for d, nav in dims if not nav), order)


@writer("usid.data")
def write_data(ctx: WriteContext, at: str, value: Any, **_: Any) -> None:
    """The data in its 2-D form: (positions, spectroscopic steps)."""
    s = split(ctx)
    if s is None:
        return
    arr = value if is_dask(value) else np.asarray(value)
    if s.order != tuple(range(len(s.order))):
        arr = arr.transpose(s.order)
    ctx.dataset(at, arr.reshape(s.shape), bulk=True, navigate=[True, False])


@writer("usid.axes")
def write_axes(ctx: WriteContext, at: str, value: Any, **_: Any) -> None:
    """The four ancillary datasets beside the main dataset, and its references to them."""
    s = split(ctx)
    if s is None:
        return
    folder = posixpath.dirname(at)
    placeholder = (Dim(PLACEHOLDER[0], PLACEHOLDER[1], 1, np.zeros(1)),)
    for kind, dims in (("Position", s.positions), ("Spectroscopic", s.spectroscopic)):
        dims = dims or placeholder
        ind, vals = build_side(dims)
        if kind == "Spectroscopic":
            ind, vals = ind.T.copy(), vals.T.copy()
        for what, arr in (("Indices", ind), ("Values", vals)):
            path = f"{folder}/{kind}_{what}"
            ctx.dataset(path, arr)
            ctx.attr(path, "labels", [d.label for d in dims])
            ctx.attr(path, "units", [d.units for d in dims])
            ctx.reference(at, f"{kind}_{what}", path)


@writer("usid.quantity")
def write_quantity(ctx: WriteContext, at: str, value: Any, **_: Any) -> None:
    """@quantity and @units of the main dataset from ``"Current (nA)"``."""
    q, u = split_descriptor(value) if isinstance(value, str) else ("", "")
    ctx.attr(at, "quantity", q or "Unknown Quantity")
    ctx.attr(at, "units", u or "a. u.")


@writer("usid.metadata")
def write_metadata(
    ctx: WriteContext,
    at: str,
    value: Any,
    group: str = "Measurement_*",
    sep: str = "-",
    original: str = "Original",
    **_: Any,
) -> None:
    """The metadata as attributes of the Measurement group, names flattened with ``sep``."""
    _write_tree(ctx, at, value, group, sep, "", "metadata", reserved=original)


@writer("usid.original")
def write_original(
    ctx: WriteContext,
    at: str,
    value: Any,
    group: str = "Measurement_*",
    sep: str = "-",
    original: str = "Original",
    **_: Any,
) -> None:
    """The original metadata as ``Original-*`` attributes of the Measurement group."""
    _write_tree(ctx, at, value, group, sep, original, "original_metadata")


def _write_tree(
    ctx: WriteContext,
    at: str,
    value: Any,
    group: str,
    sep: str,
    prefix: str,
    label: str,
    reserved: str = "",
) -> None:
    meas = ancestor(at, group)
    if meas is None:
        ctx.problem(f"{label}: no group matching {group!r} above {at}")
        return
    ctx.group(meas)
    if value is None:
        return
    if not isinstance(value, dict):
        value = dict(value) if hasattr(value, "items") else {"value": value}
    clashes: list[str] = []
    if reserved:  # a top-level key named like the original_metadata prefix
        clashes.extend(
            f"{label}.{k}" for k in value if isinstance(k, str) and k.split(sep)[0] == reserved
        )
    for name, item in flatten(ctx, value, sep, prefix, label, clashes).items():
        ctx.attr(meas, name, item)
    if clashes:
        warnings.warn(
            f"{label}: key(s) {', '.join(clashes[:5])} hold {sep!r}, the separator of "
            f"flattened USID attribute names, or are named {reserved!r}; they come "
            "back split at the separator (or in original_metadata)",
            MapperWarning,
            stacklevel=2,
        )


def flatten(
    ctx: WriteContext, tree: dict[str, Any], sep: str, prefix: str, label: str, clashes: list[str]
) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a-b": 1}``, each value made an HDF5 attribute value."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        where = f"{label}.{key}"
        if not isinstance(key, str) or not key:
            ctx.problem(f"{label}: the key {key!r} is not a non-empty string")
            continue
        if sep and sep in key:
            clashes.append(where)
        name = f"{prefix}{sep}{key}" if prefix else key
        if hasattr(value, "items") and not isinstance(value, np.ndarray):
            out.update(flatten(ctx, dict(value.items()), sep, name, where, clashes))
            continue
        encoded = encode(value)
        if isinstance(encoded, _Bad):
            ctx.problem(f"{where}: {encoded.why}")
            continue
        out[name] = encoded
    return out


@dataclass(frozen=True)
class _Bad:
    why: str


def encode(value: Any) -> Any:
    """A metadata value as an attribute value, or :class:`_Bad` saying why it cannot be.

    None is stored as an empty attribute (read back as None), dates and times
    as ISO 8601 text, lists and tuples as arrays.
    """
    import h5py

    if value is None:
        return h5py.Empty("f4")
    if isinstance(value, (bool, np.bool_)):
        return np.bool_(value)
    if isinstance(value, (int, np.integer)):
        if not _INT64[0] <= int(value) <= _INT64[1] and not isinstance(value, np.uint64):
            return _Bad(f"the integer {value} does not fit 64 bits")
        return value
    if isinstance(value, (float, complex, np.floating, np.complexfloating, bytes)):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            return _Bad("a string holding NUL cannot be stored")
        return str(value)  # numpy's str_ too
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and _mixed(value):
        return _Bad(
            f"a {type(value).__name__} mixing text and numbers cannot be stored as an attribute"
        )
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            arr = np.asarray(value)
        except ValueError:
            return _Bad("a ragged list cannot be stored as an attribute")
        if arr.dtype.kind == "U":
            if any("\x00" in v for v in arr.reshape(-1).tolist()):
                return _Bad("a string holding NUL cannot be stored")
            return arr.astype(h5py.string_dtype())
        if arr.dtype.kind in "biufcS":
            return arr
        return _Bad(
            f"a {type(value).__name__} of {arr.dtype} values (mixed or nested) cannot "
            "be stored as an attribute"
        )
    return _Bad(f"a value of type {type(value).__name__} cannot be stored as a USID attribute")


def _mixed(items: list[Any] | tuple[Any, ...]) -> bool:
    """Whether a list holds text beside anything else (numpy would make it all text)."""
    text = [isinstance(v, (str, bytes)) for v in items]
    return any(text) and not all(text)
