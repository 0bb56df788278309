"""The named check ``usid.main``: the rules of a USID main dataset that YAML cannot state.

``schemas/usid.yaml`` states the rest (a 2-D main, @quantity and @units
non-empty strings, integer indices, the row and column counts, labels and
units present and unique). This check follows the four object references
and compares the small ancillary arrays; it never reads the main data and
reports every oddity as a finding (pyUSID's own ``check_if_main`` raises on
some broken files).
"""

from __future__ import annotations

from collections.abc import Sequence

import h5py
import numpy as np

from mapper.conventions.usid.layout import SIDE_KINDS, SideKind, inconsistent, names, side_form
from mapper.conventions.usid.read import REFS, ancillary, string_list
from mapper.engine.context import Context, Emit
from mapper.registry import check

#: Ancillary arrays above this many elements are not compared value by value.
MAX_ELEMENTS = 50_000_000


@check("usid.main")
def main_dataset(ctx: Context, path: str, emit: Emit) -> None:
    """The references of a main dataset, and its ancillary arrays against each other."""
    ds = ctx.resolver.get(path)
    if not isinstance(ds, h5py.Dataset):
        emit("usid.main", path, "is not a dataset", expected="dataset", found="group")
        return
    found: dict[str, h5py.Dataset | None] = {}
    for name in REFS:
        obj, why = ancillary(ds, name)
        found[name] = obj
        if obj is None:
            emit(
                "usid.reference",
                f"{path}/@{name}",
                why,
                expected="an object reference to a dataset in this file",
            )
    for kind in SIDE_KINDS:
        inds, vals = found[f"{kind}_Indices"], found[f"{kind}_Values"]
        if inds is None or vals is None:
            continue
        _side(kind, inds, vals, emit)


def _side(kind: SideKind, inds: h5py.Dataset, vals: h5py.Dataset, emit: Emit) -> None:
    """Check one side: names and shapes of the two arrays, the indices, the N-D form."""
    _same_names(inds, vals, emit)
    if inds.shape != vals.shape:
        emit(
            "usid.shape",
            vals.name,
            f"has shape {list(vals.shape or ())} but the indices {list(inds.shape or ())}",
            expected=list(inds.shape or ()),
            found=list(vals.shape or ()),
        )
        return
    if inds.ndim != 2 or (inds.size or 0) > MAX_ELEMENTS:
        return
    try:
        ind, val = np.asarray(inds[()]), np.asarray(vals[()])
    except (OSError, RuntimeError, TypeError) as exc:
        emit("usid.read", inds.name, f"cannot be read ({exc})")
        return
    if kind == "Spectroscopic":
        ind, val = ind.T, val.T
    labels = names(string_list(inds, "labels"), ind.shape[1], f"{kind[:4]}_Dim")
    if ind.dtype.kind in "iu" and ind.size:
        _start_at_zero(inds.name, ind, labels, emit)
    for message in inconsistent(ind, val, labels):
        emit(
            "usid.values",
            vals.name,
            f"the index tuples and the values disagree: {message}",
            expected="one value per index",
        )
    side = side_form(
        ind,
        val,
        labels,
        ("",) * len(labels),
        "positions" if kind == "Position" else "spectroscopic steps",
    )
    if not side.ok:
        emit(
            "usid.nd_form",
            inds.name,
            f"no N-D form: {side.reason}; the main dataset loads as its 2-D form",
            severity="info",
        )


def _same_names(inds: h5py.Dataset, vals: h5py.Dataset, emit: Emit) -> None:
    """Report ``@labels`` or ``@units`` that differ between the indices and the values."""
    for attr in ("labels", "units"):
        a, b = string_list(inds, attr), string_list(vals, attr)
        if a is not None and b is not None and a != b:
            emit(
                f"usid.{attr}",
                f"{vals.name}/@{attr}",
                f"is {b} but the indices have {a}",
                expected=a,
                found=b,
            )


def _start_at_zero(path: str, ind: np.ndarray, labels: Sequence[str], emit: Emit) -> None:
    """Report negative integer indices, or dimensions whose indices do not start at 0."""
    if np.any(ind < 0):
        emit("usid.indices", path, "holds negative indices", expected=">= 0")
        return
    late = [lab for lab, m in zip(labels, ind.min(axis=0), strict=True) if m != 0]
    if late:
        emit(
            "usid.indices",
            path,
            f"the indices of {', '.join(late)} do not start at 0",
            expected=0,
        )
