"""The N-D form of a USID main dataset, from its ancillary index arrays (numpy only).

A USID main dataset is 2-D: one row per position, one column per
spectroscopic step. Each side has an index array (``Position_Indices``,
shape ``(rows, U)``; ``Spectroscopic_Indices``, shape ``(V, columns)``, which
callers transpose to ``(columns, V)``) and a values array of the same shape.

**Dimension-order rule.** A side has an N-D form when its index tuples,
read row by row, count through a full grid in C order for *some* order of
its dimensions. That order is found by counting how often each index column
changes: the dimension that changes least is the slowest. Files written by
old pyUSID list their dimensions fastest first, current pyUSID slowest
first; counting changes gives the same N-D form for both. The N-D array is
then a plain C-order reshape of the 2-D one, ``[positions slowest..fastest,
spectroscopic slowest..fastest]``, so a lazy array is reshaped without
reading.

A side whose index tuples are not such a grid (a sparse or incomplete scan,
an order the rows do not follow) has no N-D form; :class:`Side` says why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np

#: The two sides of a main dataset, as the ancillary dataset names spell them.
SideKind: TypeAlias = Literal["Position", "Spectroscopic"]
SIDE_KINDS: tuple[SideKind, SideKind] = ("Position", "Spectroscopic")


@dataclass(frozen=True)
class Dim:
    """One dimension of a side: its label, units, length and one value per index."""

    label: str
    units: str
    size: int
    values: np.ndarray | None


@dataclass(frozen=True)
class Side:
    """The positions or the spectroscopic steps of a main dataset."""

    #: rows (positions) or columns (spectroscopic steps) of the 2-D main dataset
    count: int
    #: the dimensions, slowest first; empty when there is no N-D form
    dims: tuple[Dim, ...] = ()
    #: why there is no N-D form ("" when there is one)
    reason: str = ""
    #: labels and units as stored, in file order
    labels: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    #: the stored values, shape (count, n), when readable
    values: np.ndarray | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the side has an N-D form."""
        return not self.reason

    @property
    def shape_dims(self) -> tuple[Dim, ...]:
        """The dimensions that appear in the N-D form.

        A side whose only dimension has a single step is USID's placeholder for
        "no dimension here" (a spectrum has one position, an image one
        spectroscopic step): it is left out.
        """
        if len(self.dims) == 1 and self.dims[0].size == 1:
            return ()
        return self.dims


def names(raw: Sequence[str] | None, n: int, prefix: str) -> tuple[str, ...]:
    """``n`` labels: the stored ones when there are exactly ``n``, else ``prefix_0``..."""
    if raw is not None and len(raw) == n:
        return tuple(str(r) for r in raw)
    return tuple(f"{prefix}_{j}" for j in range(n))


def side_form(
    indices: np.ndarray,
    values: np.ndarray | None,
    labels: Sequence[str],
    units: Sequence[str],
    what: str = "positions",
) -> Side:
    """The N-D form of one side from its ``(count, n)`` index and values arrays.

    ``labels`` and ``units`` must have ``n`` entries (see :func:`names`).
    ``values`` of another shape than ``indices`` are ignored (index axes).
    """
    ind = np.asarray(indices)
    count = int(ind.shape[0]) if ind.ndim == 2 else 0
    base = Side(count, labels=tuple(labels), units=tuple(units))
    if ind.ndim != 2 or ind.shape[1] != len(labels) or ind.shape[1] == 0:
        return _no(
            base,
            f"the {what} index array has shape {list(ind.shape)}, not ({count}, {len(labels)})",
        )
    vals = None
    if (
        values is not None
        and np.shape(values) == ind.shape
        and np.asarray(values).dtype.kind in "iufb"
    ):
        vals = np.asarray(values)
    base = Side(count, labels=tuple(labels), units=tuple(units), values=vals)
    if ind.dtype.kind not in "iu":
        if ind.dtype.kind != "f" or not np.all(np.isfinite(ind)) or np.any(ind != np.round(ind)):
            return _no(base, f"the {what} indices are not integers ({ind.dtype})")
        ind = ind.astype(np.int64)
    if count == 0:
        return _no(base, f"no {what}")
    if np.any(ind.min(axis=0) != 0):
        return _no(base, f"the {what} indices do not start at 0")
    sizes = [int(s) + 1 for s in ind.max(axis=0)]
    changes = (
        np.count_nonzero(np.diff(ind, axis=0), axis=0)
        if count > 1
        else np.zeros(len(sizes), dtype=int)
    )
    order = sorted(range(len(sizes)), key=lambda j: int(changes[j]))  # stable: ties keep order
    grid = " x ".join(f"{labels[j]}({sizes[j]})" for j in order)
    if math.prod(sizes) != count:
        return _no(base, f"{count} {what} do not fill the {grid} grid: a sparse or incomplete scan")
    stride = 1
    strides = [0] * len(sizes)
    for j in reversed(order):
        strides[j] = stride
        stride *= sizes[j]
    rows = np.arange(count, dtype=np.int64)
    for j in order:
        if not np.array_equal(ind[:, j], (rows // strides[j]) % sizes[j]):
            return _no(base, f"the {what} index tuples do not run through the {grid} grid in order")
    dims = tuple(
        Dim(
            labels[j],
            units[j],
            sizes[j],
            None if vals is None else vals[np.arange(sizes[j]) * strides[j], j],
        )
        for j in order
    )
    return Side(count, dims, "", tuple(labels), tuple(units), vals)


def _no(side: Side, reason: str) -> Side:
    return Side(side.count, (), reason, side.labels, side.units, side.values)


def inconsistent(indices: np.ndarray, values: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Where one index of a dimension stands for different values (empty: consistent).

    Works on any index tuples, a full grid or not.
    """
    out: list[str] = []
    ind = np.asarray(indices)
    vals = np.asarray(values)
    if (
        ind.shape != vals.shape
        or ind.ndim != 2
        or ind.dtype.kind not in "iu"
        or vals.dtype.kind not in "iuf"
    ):
        return out
    for j, label in enumerate(labels[: ind.shape[1]]):
        col = ind[:, j]
        uniq, first = np.unique(col, return_index=True)
        expected = vals[first, j][np.searchsorted(uniq, col)]
        bad = ~np.isclose(vals[:, j], expected, rtol=1e-6, atol=0, equal_nan=True)
        if np.any(bad):
            row = int(np.argmax(bad))
            out.append(
                f"{label}: index {int(col[row])} stands for {expected[row]:g} and {vals[row, j]:g}"
            )
    return out


def grid(sizes: Sequence[int]) -> np.ndarray:
    """The ``(prod(sizes), len(sizes))`` index tuples of a C-order grid (slowest first)."""
    n = len(sizes)
    total = math.prod(sizes)
    dtype = np.uint32 if max(sizes, default=1) < 2**32 else np.uint64
    if n == 0:
        return np.zeros((1, 0), dtype=dtype)
    out: np.ndarray = np.indices(tuple(sizes), dtype=dtype).reshape(n, total).T.copy()
    return out


def build_side(dims: Sequence[Dim]) -> tuple[np.ndarray, np.ndarray]:
    """Index and values arrays ``(count, n)`` for ``dims`` (slowest first), for writing."""
    ind = grid([d.size for d in dims])
    vals = np.empty(ind.shape, dtype=np.float64)
    for j, d in enumerate(dims):
        v = (
            np.arange(d.size, dtype=np.float64)
            if d.values is None
            else np.asarray(d.values, dtype=np.float64)
        )
        vals[:, j] = v[ind[:, j].astype(np.int64)]
    return ind, vals
