"""Writers for the NXdata built-ins: a signal dict as a NeXus plottable-data group.

``save(schema="nxdata")`` and ``mapper convert --to nxdata`` use them. The
group gets ``@signal``, ``@axes`` (``"."`` for a dimension without
coordinates) and ``AXISNAME_indices``; each axis with a name, units or a
non-trivial scale becomes a coordinate field with ``@units`` (its values:
``offset + scale * i``, or the ``axis`` vector of a non-uniform axis). The
signal field's ``@interpretation`` (``scalar``, ``spectrum``, ``image``)
records which axes navigate when the signal axes are the last 0, 1 or 2.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from mapper.conventions.hspy.codec import child
from mapper.engine.context import WriteContext
from mapper.registry import writer

_NAME = re.compile(r"[^A-Za-z0-9_]")


def _field_name(name: str, i: int, taken: set[str]) -> str:
    """A NeXus-friendly field name for an axis (``[A-Za-z_][A-Za-z0-9_]*``), unique."""
    base = _NAME.sub("_", name.strip()) or f"axis_{i}"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"axis_{base}"
    out, k = base, 1
    while out in taken:
        out, k = f"{base}_{k}", k + 1
    taken.add(out)
    return out


def _is_index(ax: dict[str, Any]) -> bool:
    return (
        "axis" not in ax
        and not ax.get("name")
        and not ax.get("units")
        and float(ax.get("scale", 1.0)) == 1.0
        and float(ax.get("offset", 0.0)) == 0.0
    )


@writer("nxdata.signal")
def write_signal(ctx: WriteContext, at: str, value: Any) -> None:
    """The data as the group's ``data`` field, named by ``@signal``."""
    if getattr(value, "dtype", np.dtype(float)).kind == "O":
        ctx.problem("data: ragged (object) data has no NeXus form")
        return
    ctx.dataset(child(at, "data"), value, bulk=True)
    ctx.attr(at, "signal", "data")


@writer("nxdata.axes")
def write_axes(ctx: WriteContext, at: str, value: Any) -> None:
    """``@axes``, ``AXISNAME_indices`` and one coordinate field per named axis."""
    axes = list(value or ())
    data: Any = ctx.signal.get("data")  # absent: np.shape(None) is ()
    shape = np.shape(data)
    if axes and len(axes) != len(shape):
        ctx.problem(f"axes: {len(axes)} axes for {len(shape)}-D data")
        return
    taken = {"data"}
    names: list[str] = []
    for i, ax in enumerate(axes):
        if not isinstance(ax, dict):
            ctx.problem(f"axes[{i}]: an axis dict was expected")
            return
        if _is_index(ax):
            names.append(".")
            continue
        name = _field_name(str(ax.get("name") or ""), i, taken)
        names.append(name)
        if "axis" in ax:
            values = np.asarray(ax["axis"])
        else:
            n = int(shape[i])
            values = float(ax.get("offset", 0.0)) + float(ax.get("scale", 1.0)) * np.arange(n)
        path = child(at, name)
        ctx.dataset(path, values)
        if ax.get("units"):
            ctx.attr(path, "units", str(ax["units"]))
        if ax.get("name") and ax["name"] != name:
            ctx.attr(path, "long_name", str(ax["name"]))
        ctx.attr(at, f"{name}_indices", np.int64(i))
    if axes:
        ctx.attr(at, "axes", names)
        nav = [bool(ax.get("navigate", True)) for ax in axes]
        n_sig = len(nav) - sum(nav)
        interp = {0: "scalar", 1: "spectrum", 2: "image"}.get(n_sig)
        if interp and nav == [i < len(nav) - n_sig for i in range(len(nav))]:
            # the navigation/signal split, in the one way NXdata can say it
            ctx.attr(child(at, "data"), "interpretation", interp)
