"""The USID dimension-order rule and the lazy reshape chunks, on arrays alone (no files)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapper.conventions.usid.layout import Dim, build_side, grid, inconsistent, side_form
from mapper.hdf5.lazy import reshape_chunks


def stored(sizes: list[int], perm: list[int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Index/values arrays of a C-order grid of ``sizes`` (slowest first), columns in ``perm``."""
    ind = grid(sizes)[:, perm]
    vals = ind * 0.5 + np.array(perm)[None, :] * 100.0
    return ind, vals, [f"d{j}" for j in perm]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=4).flatmap(
        lambda sizes: st.tuples(st.just(sizes), st.permutations(range(len(sizes))))
    )
)
def test_any_column_order_gives_the_slowest_first_form(case):
    sizes, perm = case
    ind, vals, labels = stored(sizes, list(perm))
    side = side_form(ind, vals, labels, [""] * len(labels))
    assert side.ok, side.reason
    # size-1 dimensions never change, so they may come first; the others keep their order
    got = [(d.label, d.size) for d in side.dims if d.size > 1]
    assert got == [(f"d{j}", n) for j, n in enumerate(sizes) if n > 1]
    for d in side.dims:
        j = int(d.label[1:])
        np.testing.assert_allclose(d.values, np.arange(d.size) * 0.5 + j * 100.0)


def test_old_fastest_first_and_current_slowest_first_agree():
    current = side_form(*stored([3, 4], [0, 1])[:2], ["Y", "X"], ["m", "m"])
    old = side_form(grid([3, 4])[:, [1, 0]], None, ["X", "Y"], ["m", "m"])
    assert (
        [(d.label, d.size) for d in current.dims]
        == [(d.label, d.size) for d in old.dims]
        == [("Y", 3), ("X", 4)]
    )


@pytest.mark.parametrize(
    "rows, reason",
    [
        (grid([3, 4])[::2], "do not fill"),  # sparse
        (grid([3, 4])[::-1], "in order"),  # reversed
        (np.roll(grid([3, 4]), 1, axis=0), "in order"),  # shifted by one row
        (grid([3, 4])[[0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11]], "in order"),  # serpentine
        (grid([3, 4]) + 1, "do not start at 0"),
        (grid([3, 4]).astype(float) + 0.5, "not integers"),
    ],
)
def test_index_tuples_that_are_no_grid_give_no_nd_form(rows, reason):
    side = side_form(rows, None, ["Y", "X"], ["", ""])
    assert not side.ok and reason in side.reason


def test_integral_float_indices_are_accepted_when_reading():
    side = side_form(grid([2, 3]).astype(float), None, ["Y", "X"], ["", ""])
    assert side.ok and [d.size for d in side.dims] == [2, 3]


def test_a_lone_one_step_dimension_is_a_placeholder():
    side = side_form(np.zeros((1, 1), dtype=np.uint32), np.ones((1, 1)), ["arb"], ["a.u."])
    assert side.ok and side.shape_dims == ()
    side = side_form(grid([1, 3]), None, ["Z", "X"], ["", ""])
    assert [d.size for d in side.shape_dims] == [1, 3]  # beside others: kept


def test_inconsistent_values_are_named():
    ind = grid([2, 3])
    vals = ind.astype(float)
    assert inconsistent(ind, vals, ["Y", "X"]) == []
    vals[4, 1] = 9.0  # X index 1 at row 4 stands for 9, elsewhere for 1
    (msg,) = inconsistent(ind, vals, ["Y", "X"])
    assert msg.startswith("X: index 1 stands for 1 and 9")


def test_build_side_round_trips_through_side_form():
    dims = [
        Dim("Y", "um", 3, np.array([0.0, 0.5, 1.0])),
        Dim("Bias", "V", 4, np.array([0.0, 1.0, 3.0, 7.0])),
    ]
    ind, vals = build_side(dims)
    assert ind.dtype == np.uint32 and vals.dtype == np.float64 and ind.shape == (12, 2)
    side = side_form(ind, vals, ["Y", "Bias"], ["um", "V"])
    assert [(d.label, d.size) for d in side.dims] == [("Y", 3), ("Bias", 4)]
    np.testing.assert_array_equal(side.dims[1].values, [0.0, 1.0, 3.0, 7.0])


@pytest.mark.parametrize(
    "shape2d, disk, nd, target",
    [
        ((320, 10), (12, 10), (20, 16, 10), 2000),  # 3/4 of a line per disk chunk
        ((320, 10), (32, 5), (20, 16, 10), 5120),  # two whole lines, half the steps
        ((65536, 1), (10241, 1), (256, 256), 1 << 26),  # the real STEM image's chunks
        ((60, 24), (7, 6), (5, 12, 4, 6), 4000),
    ],
)
def test_reshape_chunks_align_with_disk_chunks_and_lines(shape2d, disk, nd, target, monkeypatch):
    from mapper.hdf5 import lazy as _lazy

    monkeypatch.setattr(_lazy.aligned_chunks, "__defaults__", (target,))
    chunks = reshape_chunks(shape2d, np.dtype("f8"), disk, nd)
    k = next(i for i in range(len(nd) + 1) if math.prod(nd[:i]) == shape2d[0])
    inner = (math.prod(nd[1:k]), math.prod(nd[k + 1 :]))
    for d in (0, 1):
        c = chunks[d]
        assert c == shape2d[d] or (c % disk[d] == 0 and c % inner[d] == 0), (d, chunks)

    da = pytest.importorskip("dask.array")
    arr = da.zeros(shape2d, chunks=chunks).reshape(nd)  # dask keeps the cut: no rechunk
    rows = np.cumsum(arr.chunks[0])[:-1] * inner[0]
    assert all(r % disk[0] == 0 for r in rows) or chunks[0] == shape2d[0]
