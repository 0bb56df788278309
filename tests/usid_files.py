"""Builders of USID (h5USID) test files, shared by the USID test modules.

Two ways to write a main dataset:

* :func:`write_pyusid` lets pyUSID write it (``hdf_utils.write_main_dataset``),
  the way current pyUSID files look (labels slowest first, uint32 indices);
* :func:`write_by_hand` / :func:`add_main` write it with h5py only, so a test
  can pick what pyUSID would never write: old fastest-first column order,
  other index dtypes, compound dtypes, sparse positions, ancillary datasets
  elsewhere or shared, missing or broken attributes.

Dimensions are given as ``(label, units, values)`` tuples, **slowest first**
(``values`` may also be an int ``n``, meaning ``0..n-1``). The 2-D data is
always the C-order reshape of the N-D array with the dimensions in that
order: ``data2d = nd.reshape(prod(pos sizes), prod(spec sizes))``.

pyUSID 0.0.12 (its last release) cannot write under numpy 2 because it calls
``np.product``, which numpy 2 removed; :func:`pyusid_shim` puts it back
(``numpy.product = numpy.prod``) for as long as pyUSID writes, and silences
pyUSID's and sidpy's own warnings (pytest runs with ``filterwarnings=error``).

The signal dicts that ``mapper.save(..., schema="usid")`` is given (:data:`CASES`, one per
layout, and the :func:`make`, :func:`ax`, :func:`nonuniform` builders) live here too:
the write tests and the round-trip suite (``test_roundtrip.py``) share them.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

REFS = ("Position_Indices", "Position_Values", "Spectroscopic_Indices", "Spectroscopic_Values")
GROUP = "/Measurement_000/Channel_000"

Dims = Sequence[tuple[Any, ...]]


# ---------------------------------------------------------------------------- dimensions
def dim_values(dim: tuple[Any, ...]) -> np.ndarray:
    """The values of one ``(label, units, values)`` dimension (an int n means 0..n-1)."""
    values = dim[2] if len(dim) > 2 else 1
    if np.ndim(values) == 0:
        return np.arange(int(values), dtype=np.float64)
    return np.asarray(values)


def dim_sizes(dims: Dims) -> list[int]:
    """The length of each dimension."""
    return [len(dim_values(d)) for d in dims]


def grid(
    dims: Dims,
    order: str = "slowest-first",
    index_dtype: Any = np.uint32,
    value_dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Index and values arrays ``(count, n)`` of a full C-order grid over ``dims``.

    ``dims`` are slowest first; rows always count through the grid in C order
    over that order. ``order="fastest-first"`` stores the columns (and the
    labels and units) reversed, as old pyUSID files do: the first column is
    then the one that changes fastest. Returns ``(indices, values, labels, units)``.
    """
    sizes = dim_sizes(dims)
    n = len(sizes)
    count = math.prod(sizes)
    ind = np.indices(sizes).reshape(n, count).T if n else np.zeros((1, 0), dtype=int)
    vals = np.empty(ind.shape, dtype=np.float64)
    for j, d in enumerate(dims):
        vals[:, j] = np.asarray(dim_values(d), dtype=np.float64)[ind[:, j]]
    labels = [str(d[0]) for d in dims]
    units = [str(d[1]) for d in dims]
    if order == "fastest-first":
        ind, vals = ind[:, ::-1], vals[:, ::-1]
        labels, units = labels[::-1], units[::-1]
    elif order != "slowest-first":
        raise ValueError(f"order must be 'slowest-first' or 'fastest-first', not {order!r}")
    return (
        np.ascontiguousarray(ind, dtype=index_dtype),
        np.ascontiguousarray(vals, dtype=value_dtype),
        labels,
        units,
    )


def to_2d(nd: np.ndarray, n_pos_dims: int) -> np.ndarray:
    """The 2-D form of an N-D array whose first ``n_pos_dims`` dimensions are positions."""
    shape = np.shape(nd)
    return np.reshape(nd, (math.prod(shape[:n_pos_dims]), math.prod(shape[n_pos_dims:])))


def _strings(values: Sequence[str]) -> np.ndarray:
    return np.array([str(v) for v in values], dtype=h5py.string_dtype())


# ---------------------------------------------------------------------------- by hand
def add_main(
    parent: h5py.Group,
    name: str,
    data2d: Any,
    pos_dims: Dims,
    spec_dims: Dims,
    quantity: str = "Current",
    units: str = "nA",
    *,
    order: str = "slowest-first",
    spec_order: str | None = None,
    index_dtype: Any = np.uint32,
    value_dtype: Any = np.float64,
    pos_indices: Any = None,
    pos_values: Any = None,
    spec_indices: Any = None,
    spec_values: Any = None,
    anc_parent: h5py.Group | None = None,
    anc_prefix: str = "",
    refs: dict[str, str] | None = None,
    main_attrs: dict[str, Any] | None = None,
    drop_main_attrs: Sequence[str] = (),
    anc_attrs: dict[str, dict[str, Any]] | None = None,
    drop_anc_attrs: dict[str, Sequence[str]] | None = None,
    chunks: Any = None,
) -> h5py.Dataset:
    """Write one USID main dataset ``parent/name`` and its ancillary datasets with h5py.

    ``order`` is the column order of the position arrays (``"slowest-first"``
    as current pyUSID, ``"fastest-first"`` as old files); ``spec_order`` that
    of the spectroscopic arrays (default: ``order``). ``pos_indices`` /
    ``pos_values`` (``(rows, U)``) and ``spec_indices`` / ``spec_values``
    (``(V, columns)``) replace the generated grids (sparse scans, indices out
    of order); the dims then only give labels and units, in stored order.
    The ancillary datasets go to ``anc_parent`` (default ``parent``) named
    ``anc_prefix + "Position_Indices"`` etc.; ``refs`` maps any of the four
    roles to the path of an existing dataset to reference instead (shared
    ancillaries; nothing is created for those roles).
    ``main_attrs`` sets or overrides attributes of the main (e.g. a role name
    mapped to a string for a broken reference), ``drop_main_attrs`` deletes
    some (e.g. ``"quantity"``, ``"Position_Values"``); ``anc_attrs`` /
    ``drop_anc_attrs`` do the same on the ancillary datasets, keyed by role.
    Returns the main dataset.
    """
    anc_parent = parent if anc_parent is None else anc_parent
    refs = dict(refs or {})
    made: dict[str, h5py.Dataset] = {}
    for side, dims, inds, vals, ordr in (
        ("Position", pos_dims, pos_indices, pos_values, order),
        ("Spectroscopic", spec_dims, spec_indices, spec_values, spec_order or order),
    ):
        if f"{side}_Indices" in refs and f"{side}_Values" in refs:
            continue
        if inds is None:
            g_ind, g_val, labels, units_ = grid(dims, ordr, index_dtype, value_dtype)
            if side == "Spectroscopic":
                g_ind, g_val = g_ind.T, g_val.T
            inds = g_ind
            vals = g_val if vals is None else vals
        else:
            labels = [str(d[0]) for d in dims]
            units_ = [str(d[1]) if len(d) > 1 else "" for d in dims]
            inds = np.asarray(inds, dtype=index_dtype)
            if vals is None:
                vals = inds
            vals = np.asarray(vals, dtype=value_dtype)
        for kind, arr in (("Indices", inds), ("Values", vals)):
            role = f"{side}_{kind}"
            if role in refs:
                continue
            ds = anc_parent.create_dataset(anc_prefix + role, data=arr)
            ds.attrs["labels"] = _strings(labels)
            ds.attrs["units"] = _strings(units_)
            made[role] = ds
    main = parent.create_dataset(name, data=data2d, chunks=chunks)
    main.attrs["quantity"] = quantity
    main.attrs["units"] = units
    for role in REFS:
        target = made[role] if role in made else parent.file[refs[role]]
        main.attrs[role] = target.ref
    for role, attrs in (anc_attrs or {}).items():
        target = made[role] if role in made else parent.file[refs[role]]
        for k, v in attrs.items():
            target.attrs[k] = v
    for role, drop in (drop_anc_attrs or {}).items():
        target = made[role] if role in made else parent.file[refs[role]]
        for k in drop:
            del target.attrs[k]
    for k, v in (main_attrs or {}).items():
        main.attrs[k] = v
    for k in drop_main_attrs:
        del main.attrs[k]
    return main


def measurement_of(group: str) -> str | None:
    """The Measurement group of a conventional channel path (``/Measurement_000``)."""
    top = group.strip("/").split("/")[0]
    return f"/{top}" if top.startswith("Measurement") else None


def write_by_hand(
    path: str | Path,
    data2d: Any,
    pos_dims: Dims,
    spec_dims: Dims,
    quantity: str = "Current",
    units: str = "nA",
    *,
    group: str = GROUP,
    name: str = "Raw_Data",
    mode: str = "w",
    measurement_attrs: dict[str, Any] | None = None,
    channel_attrs: dict[str, Any] | None = None,
    file_attrs: dict[str, Any] | None = None,
    **kw: Any,
) -> str:
    """Write a USID file (or add to one with ``mode="a"``) with h5py only.

    The main dataset goes to ``group/name``; ``measurement_attrs`` go to the
    group's ``Measurement_*`` ancestor, ``channel_attrs`` to ``group`` itself,
    ``file_attrs`` to the root. Other keywords go to :func:`add_main`. Returns
    the main dataset's path.
    """
    with h5py.File(path, mode) as f:
        parent = f.require_group(group) if group not in ("", "/") else f["/"]
        main = add_main(parent, name, data2d, pos_dims, spec_dims, quantity, units, **kw)
        meas = measurement_of(group)
        for target, attrs in ((meas, measurement_attrs), (group, channel_attrs), ("/", file_attrs)):
            if attrs and target:
                for k, v in attrs.items():
                    f[target].attrs[k] = v
        return str(main.name)


# ---------------------------------------------------------------------------- pyUSID
@contextlib.contextmanager
def pyusid_shim() -> Iterator[None]:
    """Let pyUSID 0.0.12 write under numpy 2, silencing pyUSID's and sidpy's warnings.

    pyUSID 0.0.12 calls ``np.product``, removed in numpy 2 (the fix is
    unreleased): it is set to ``numpy.prod`` inside the block and removed
    again after it if numpy had none. Warnings are caught locally (pytest runs
    with ``filterwarnings=error``).
    """
    had = hasattr(np, "product")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not had:
            # numpy 2 removed np.product; pyUSID 0.0.12 still calls it when writing
            np.product = np.prod  # noqa: NPY003, NPY201
        try:
            yield
        finally:
            if not had:
                del np.product  # noqa: NPY003, NPY201


def apply_numpy_shim() -> None:
    """Set ``numpy.product = numpy.prod`` for good (pyUSID 0.0.12 writes with it; numpy 2 has none).

    Prefer :func:`pyusid_shim`, which undoes it; this is for code that cannot
    use a ``with`` block.
    """
    if not hasattr(np, "product"):
        # numpy 2 removed np.product; pyUSID 0.0.12 still calls it when writing
        np.product = np.prod  # noqa: NPY003, NPY201


def write_pyusid(
    path: str | Path,
    data2d: Any,
    pos_dims: Dims,
    spec_dims: Dims,
    quantity: str = "Current",
    units: str = "nA",
    *,
    group: str = GROUP,
    name: str = "Raw_Data",
    mode: str = "w",
    measurement_attrs: dict[str, Any] | None = None,
    main_attrs: dict[str, Any] | None = None,
    **kwargs: Any,
) -> str:
    """Write a main dataset with pyUSID's ``hdf_utils.write_main_dataset`` under ``group``.

    ``pos_dims`` / ``spec_dims`` are ``(label, units, values)`` slowest first
    (passed with ``slow_to_fast=True``; pyUSID stores labels slowest first).
    ``measurement_attrs`` are set with h5py on the group's Measurement
    ancestor; ``main_attrs`` go to pyUSID as ``main_dset_attrs``; other keywords
    (``dtype``, ``chunks``, ``compression``...) go to the dataset creation.
    Returns the main dataset's path.
    """
    with pyusid_shim(), h5py.File(path, mode) as f:
        import pyUSID
        from pyUSID.io import hdf_utils

        def dims(ds: Dims) -> list[Any]:
            return [pyUSID.Dimension(str(d[0]), str(d[1]), dim_values(d)) for d in ds]

        parent = f.require_group(group)
        main = hdf_utils.write_main_dataset(
            parent,
            np.asarray(data2d),
            name,
            quantity,
            units,
            dims(pos_dims),
            dims(spec_dims),
            main_dset_attrs=main_attrs,
            slow_to_fast=True,
            **kwargs,
        )
        meas = measurement_of(group)
        if measurement_attrs and meas:
            for k, v in measurement_attrs.items():
                f[meas].attrs[k] = v
        return str(main.name)


def pyusid_nd(path: str | Path, dataset_path: str) -> tuple[np.ndarray, list[str]]:
    """pyUSID's N-D form of a main dataset and its dimension labels (in pyUSID's order).

    pyUSID orders the dimensions as the stored labels are ordered (positions,
    then spectroscopic), not necessarily slowest first.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyUSID

        with h5py.File(path, "r") as f:
            ds = pyUSID.USIDataset(f[dataset_path])
            return np.asarray(ds.get_n_dim_form()), [str(x) for x in ds.n_dim_labels]


def rsciio_read(path: str | Path, **kwargs: Any) -> list[dict[str, Any]]:
    """RosettaSciIO's USID reader (``rsciio.usid.file_reader``), its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rsciio.usid import file_reader

        return file_reader(str(path), **kwargs)


def main_paths(path: str | Path) -> list[str]:
    """The paths of every dataset carrying a ``Position_Indices`` attribute, in file order."""
    found: list[str] = []
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda n, o: (
                found.append("/" + n)
                if isinstance(o, h5py.Dataset) and "Position_Indices" in o.attrs
                else None
            )
        )
    return found


# ---------------------------------------------------------------------------- signal dicts
#: Random values of the signal dicts below (a fixed seed: runs are repeatable).
RNG = np.random.default_rng(20240611)


def ax(
    name: str, size: int, navigate: bool, scale: float = 1.0, offset: float = 0.0, units: str = "nm"
) -> dict[str, Any]:
    """A uniform axis."""
    return {
        "name": name,
        "units": units,
        "navigate": navigate,
        "size": size,
        "scale": scale,
        "offset": offset,
    }


def nonuniform(name: str, values: Any, navigate: bool, units: str = "V") -> dict[str, Any]:
    """A non-uniform axis (its values given)."""
    values = np.asarray(values, dtype=np.float64)
    return {"name": name, "units": units, "navigate": navigate, "size": len(values), "axis": values}


def values_of(axis: dict[str, Any]) -> np.ndarray:
    """The coordinate of every index of an axis dict."""
    if "axis" in axis:
        return np.asarray(axis["axis"], dtype=np.float64)
    return float(axis.get("offset", 0.0)) + float(axis.get("scale", 1.0)) * np.arange(
        int(axis["size"])
    )


def assert_axes(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Same names, units, navigate flags, sizes, values and uniformity, axis by axis."""
    assert [a["name"] for a in got] == [a["name"] for a in expected]
    for g, e in zip(got, expected, strict=True):
        where = g["name"]
        assert g["units"] == e["units"], where
        assert g["navigate"] is e["navigate"], where
        assert g["size"] == e["size"], where
        assert ("axis" in g) == ("axis" in e), f"{where}: uniform/non-uniform changed"
        np.testing.assert_allclose(
            values_of(g), values_of(e), rtol=1e-12, atol=1e-12, err_msg=where
        )


def make(
    data: Any,
    axes: list[dict[str, Any]],
    title: str | None = None,
    metadata: dict[str, Any] | None = None,
    original_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A signal dict (``title`` goes to ``metadata.General.title``)."""
    md = dict(metadata or {})
    if title is not None:
        md.setdefault("General", {})["title"] = title
    return {
        "data": data,
        "axes": axes,
        "metadata": md,
        "original_metadata": original_metadata or {},
    }


def floats(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    """Random normal values of the given shape and dtype."""
    return RNG.standard_normal(shape).astype(dtype)


def nav_first(signal: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The data and axes as USID stores them: navigation axes first, each group in order."""
    axes = signal["axes"]
    order = [i for i, a in enumerate(axes) if a["navigate"]] + [
        i for i, a in enumerate(axes) if not a["navigate"]
    ]
    return np.asarray(signal["data"]).transpose(order), [axes[i] for i in order]


#: One builder per layout the usid mapping writes; each gives a fresh signal.
CASES: dict[str, Callable[[], dict[str, Any]]] = {
    # no navigation axis: one placeholder position
    "spectrum": lambda: make(floats(7), [ax("Energy", 7, False, 0.1, 2.0, "eV")]),
    "spectrum_nonuniform": lambda: make(
        floats(5), [nonuniform("Bias", [1.0, 2.0, 4.0, 8.0, 16.0], False)]
    ),
    # all axes signal axes: one placeholder position, two spectroscopic dims
    "image_signal": lambda: make(
        floats(3, 4, dtype=np.float32), [ax("y", 3, False, 0.5, -1.0), ax("x", 4, False, 0.25, 3.0)]
    ),
    # all axes navigation axes: a placeholder spectroscopic step
    "image_navigation": lambda: make(
        floats(3, 4), [ax("Y", 3, True, 2.0, 0.0, "um"), ax("X", 4, True, 1.5, 10.0, "um")]
    ),
    # uniform and non-uniform (increasing and decreasing) dims on both sides
    "cube": lambda: make(
        floats(3, 4, 6, dtype=np.float32),
        [
            ax("Y", 3, True, 0.5, 1.0),
            nonuniform("X", [0.0, 1.0, 3.0, 7.0], True, "nm"),
            nonuniform("Bias", [5.0, 4.0, 2.0, 1.0, 0.5, 0.1], False),
        ],
    ),
    "4d": lambda: make(
        RNG.integers(0, 60000, (2, 3, 4, 5)).astype(np.uint16),
        [
            ax("y", 2, True, 1.0, 0.0),
            ax("x", 3, True, 2.0, -3.0),
            ax("ky", 4, False, 0.01, -0.02, "1/nm"),
            ax("kx", 5, False, 0.01, -0.025, "1/nm"),
        ],
    ),
    "complex": lambda: make(
        (floats(4, 3) + 1j * floats(4, 3)).astype(np.complex64),
        [ax("t", 4, True, 1e-3, 0.0, "s"), ax("f", 3, False, 50.0, 0.0, "Hz")],
    ),
    "int32": lambda: make(
        RNG.integers(-(2**31), 2**31 - 1, (5, 2), dtype=np.int32),
        [ax("row", 5, True), ax("channel", 2, False, units="")],
    ),
}


__all__ = [
    "CASES",
    "GROUP",
    "REFS",
    "RNG",
    "add_main",
    "apply_numpy_shim",
    "assert_axes",
    "ax",
    "dim_sizes",
    "dim_values",
    "floats",
    "grid",
    "main_paths",
    "make",
    "measurement_of",
    "nav_first",
    "nonuniform",
    "pyusid_nd",
    "pyusid_shim",
    "rsciio_read",
    "to_2d",
    "values_of",
    "write_by_hand",
    "write_pyusid",
]
