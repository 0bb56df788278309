"""Rank and shape checks of one value: lengths, symbols (``nP``, ``nP+1``) and rank spans.

Part of the constraint checks of :mod:`mapper.engine.constraints`: the first
object that uses a symbol defines it, later ones must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mapper.language.dims import symbol_dim
from mapper.language.model import Constraints

if TYPE_CHECKING:
    from mapper.engine.constraints import Item

Emit = Callable[..., None]


def shape_ok(
    item: Item, cons: Constraints, symbols: dict[str, tuple[int, str]], emit: Emit
) -> None:
    """The item's rank and lengths against ``shape`` and ``rank`` (exact, or a span)."""
    want = cons.shape
    rank = cons.rank if cons.rank is not None else (len(want) if want is not None else None)
    if cons.rank_min is not None or cons.rank_max is not None:
        lo = cons.rank_min or 0
        hi = cons.rank_max if cons.rank_max is not None else (rank if rank is not None else 64)
        _rank_span(item, lo, hi, want, symbols, emit)
        return
    if rank is None:
        return
    shape = item.shape
    if shape is None:
        emit(
            "rank",
            f"has an empty dataspace (no shape) where rank {rank} is expected",
            expected=rank,
            found=None,
        )
        return
    if len(shape) != rank:
        if len(shape) == 0 and cons.rank is None:  # an explicit rank is strict
            emit(
                "rank",
                f"is a scalar where rank {rank} {dims_text(want)}is expected (a template "
                "file with placeholder values?)",
                severity="warning",
                expected=rank,
                found=0,
            )
        else:
            emit(
                "rank",
                f"has rank {len(shape)} (shape {list(shape)}) where rank {rank} "
                f"{dims_text(want)}is expected",
                expected=rank,
                found=len(shape),
            )
        return
    _lengths(item, want, shape, symbols, emit)


def _rank_span(
    item: Item,
    lo: int,
    hi: int,
    want: tuple[Any, ...] | None,
    symbols: dict[str, tuple[int, str]],
    emit: Emit,
) -> None:
    """``rank: {min, max}``: the rank in the span, the present dimensions as listed."""
    shape = item.shape
    span = f"{lo} to {hi}" if hi != lo else str(lo)
    if shape is None:
        emit("rank", f"has an empty dataspace (no shape) where rank {span} is expected")
        return
    if len(shape) == 0 and lo > 0:
        emit(
            "rank",
            f"is a scalar where rank {span} {dims_text(want)}is expected (a template file with "
            "placeholder values?)",
            severity="warning",
            expected=[lo, hi],
            found=0,
        )
        return
    if not lo <= len(shape) <= hi:
        emit(
            "rank",
            f"has rank {len(shape)} (shape {list(shape)}) where rank {span} "
            f"{dims_text(want)}is expected",
            expected=[lo, hi],
            found=len(shape),
        )
        return
    _lengths(item, want, shape, symbols, emit)


def _lengths(
    item: Item,
    want: tuple[Any, ...] | None,
    shape: tuple[int, ...],
    symbols: dict[str, tuple[int, str]],
    emit: Emit,
) -> None:
    """Each dimension against its length or symbol (``nP+1``: one more than ``nP``)."""
    for i, (dim, n) in enumerate(zip(want or (), shape, strict=False)):
        if dim is None:
            continue
        if isinstance(dim, int):
            if n != dim:
                emit(
                    "shape",
                    f"has length {n} along dimension {i} where {dim} is expected "
                    f"(shape {list(shape)})",
                    expected=dim,
                    found=n,
                )
            continue
        parsed = symbol_dim(dim)
        if parsed is None:
            continue  # mapper check reports it
        name, offset = parsed
        if name not in symbols:
            symbols[name] = (n - offset, item.path)
        elif symbols[name][0] + offset != n:
            size, where = symbols[name]
            value = f"{name} = {size}" if not offset else f"{dim} = {size + offset}"
            emit(
                "shape",
                f"shape {list(shape)} but {value} (from {where})",
                expected=size + offset,
                found=n,
            )


def dims_text(want: tuple[Any, ...] | None) -> str:
    """``[nP, 3] `` for messages, or nothing."""
    return f"{list(want)} " if want else ""
