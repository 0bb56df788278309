"""Reading USID (h5USID) files: pyUSID and RosettaSciIO are the oracles.

Main datasets are found by their reference attributes anywhere in the file;
the N-D form follows the index arrays whatever order their columns are in
(current pyUSID stores slowest first, old files fastest first); placeholder
sides are left out; non-uniform dimensions keep their values; compound
dtypes give one signal per field; a main without an N-D form loads as its
2-D form with a warning, the other mains still load; lazy loads read no bulk
data; loading never imports pyUSID, sidpy or RosettaSciIO.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import shared_file, spy_reads
from usid_files import (
    GROUP,
    add_main,
    grid,
    pyusid_nd,
    pyusid_shim,
    rsciio_read,
    to_2d,
    write_by_hand,
    write_pyusid,
)

import mapper
import mapper.hdf5.lazy
from mapper.errors import MapperError, MapperWarning

da = pytest.importorskip("dask.array")

ROOT = Path(__file__).resolve().parents[1]
MAIN = f"{GROUP}/Raw_Data"

# an (Y, X, Bias) cube: 4 x 3 positions, 5 non-uniform bias steps
POS = [("Y", "um", np.arange(4) * 0.5), ("X", "nm", np.arange(3) * 2.0)]
SPEC = [("Bias", "V", [0.0, 1.0, 3.0, 7.0, 8.0])]
ND = np.arange(4 * 3 * 5, dtype=np.float64).reshape(4, 3, 5) ** 1.5


def load_quiet(path: Any, **kw: Any) -> list[dict[str, Any]]:
    """mapper.load, failing on any warning (pytest turns warnings into errors anyway)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mapper.load(path, **kw)


def by_path(signals: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for s in signals:
        out.setdefault(s["original_metadata"]["dataset_path"], []).append(s)
    return out


def names(sig: dict[str, Any]) -> list[str]:
    return [a["name"] for a in sig["axes"]]


def in_order(arr: np.ndarray, labels: list[str], wanted: list[str]) -> np.ndarray:
    """``arr`` (dimensions labelled ``labels``) transposed to the order ``wanted``.

    Dimensions not in ``wanted`` must have one step (placeholders); they are dropped.
    """
    arr = np.asarray(arr)
    assert arr.ndim == len(labels), (arr.shape, labels)
    kept = [lab for lab in labels if lab in wanted]
    assert all(arr.shape[i] == 1 for i, lab in enumerate(labels) if lab not in wanted)
    arr = arr.reshape([n for n, lab in zip(arr.shape, labels, strict=True) if lab in wanted])
    return arr.transpose([kept.index(w) for w in wanted])


def assert_cube_axes(sig: dict[str, Any]) -> None:
    """The axes of ND as written from POS/SPEC: slowest first, uniform vs vector."""
    y, x, bias = sig["axes"]
    assert (y["name"], y["units"], y["navigate"], y["size"]) == ("Y", "um", True, 4)
    assert (x["name"], x["units"], x["navigate"], x["size"]) == ("X", "nm", True, 3)
    assert (bias["name"], bias["units"], bias["navigate"], bias["size"]) == ("Bias", "V", False, 5)
    assert "axis" not in y and y["offset"] == 0.0 and y["scale"] == pytest.approx(0.5)
    assert "axis" not in x and x["offset"] == 0.0 and x["scale"] == pytest.approx(2.0)
    np.testing.assert_array_equal(bias["axis"], [0, 1, 3, 7, 8])
    assert "scale" not in bias and "offset" not in bias


# ---------------------------------------------------------------------------- N-D form
def test_pyusid_written_file_loads_in_nd_form(tmp_path):
    path = tmp_path / "pyusid.h5"
    main = write_pyusid(path, to_2d(ND, 2), POS, SPEC, "Current", "nA")
    assert main == MAIN
    with h5py.File(path, "r") as f:  # what current pyUSID stores: labels slowest first
        assert [
            str(v.decode() if isinstance(v, bytes) else v)
            for v in f[f[main].attrs["Position_Indices"]].attrs["labels"]
        ] == ["Y", "X"]
    (s,) = load_quiet(path)
    assert isinstance(s["data"], np.ndarray)
    np.testing.assert_array_equal(s["data"], ND)
    assert_cube_axes(s)
    ref, labels = pyusid_nd(path, main)
    np.testing.assert_array_equal(s["data"], in_order(ref, labels, names(s)))


def test_old_fastest_first_file_loads_like_the_pyusid_one(tmp_path):
    new, old = tmp_path / "new.h5", tmp_path / "old.h5"
    write_pyusid(new, to_2d(ND, 2), POS, SPEC)
    write_by_hand(old, to_2d(ND, 2), POS, SPEC, order="fastest-first")
    with h5py.File(old, "r") as f:  # labels [X, Y], X changing fastest
        inds = f[f[MAIN].attrs["Position_Indices"]]
        assert list(inds.attrs["labels"]) == ["X", "Y"]
        assert inds[:4].tolist() == [[0, 0], [1, 0], [2, 0], [0, 1]]
    (a,) = load_quiet(new)
    (b,) = load_quiet(old)
    np.testing.assert_array_equal(b["data"], ND)
    np.testing.assert_array_equal(a["data"], b["data"])
    assert_cube_axes(b)
    assert str(a["axes"]) == str(b["axes"])
    ref, labels = pyusid_nd(old, MAIN)
    assert labels == ["X", "Y", "Bias"]  # pyUSID: label order, not slowest first
    np.testing.assert_array_equal(b["data"], in_order(ref, labels, ["Y", "X", "Bias"]))


@pytest.mark.parametrize("pos_order", ["slowest-first", "fastest-first"])
@pytest.mark.parametrize("spec_order", ["slowest-first", "fastest-first"])
@pytest.mark.parametrize("index_dtype", [np.uint8, np.uint32, np.int64, np.float64])
def test_dimension_order_comes_from_the_indices(tmp_path, pos_order, spec_order, index_dtype):
    nd = np.random.default_rng(3).random((2, 3, 4, 5))
    pos = [("Row", "um", 2), ("Col", "um", [0.0, 0.25, 0.5])]
    spec = [("Cycle", "", 4), ("Freq", "kHz", [100.0, 101.0, 103.0, 110.0, 111.0])]
    path = tmp_path / "f.h5"
    write_by_hand(
        path,
        to_2d(nd, 2),
        pos,
        spec,
        order=pos_order,
        spec_order=spec_order,
        index_dtype=index_dtype,
    )
    (s,) = load_quiet(path)
    np.testing.assert_array_equal(s["data"], nd)
    assert names(s) == ["Row", "Col", "Cycle", "Freq"]
    assert [a["navigate"] for a in s["axes"]] == [True, True, False, False]
    assert [a["units"] for a in s["axes"]] == ["um", "um", "", "kHz"]
    np.testing.assert_array_equal(s["axes"][3]["axis"], [100, 101, 103, 110, 111])
    ref, labels = pyusid_nd(path, MAIN)
    np.testing.assert_array_equal(s["data"], in_order(ref, labels, names(s)))


def test_three_position_columns_in_any_order(tmp_path):
    nd = np.random.default_rng(4).random((2, 3, 4, 6))
    dims = [("Z", "nm", 2), ("Y", "nm", 3), ("X", "nm", 4)]  # slowest first
    ind, val, _, _ = grid(dims)
    perm = [1, 2, 0]  # stored columns: Y, X, Z
    stored = [dims[j] for j in perm]
    path = tmp_path / "f.h5"
    write_by_hand(
        path,
        to_2d(nd, 3),
        stored,
        [("t", "s", 6)],
        pos_indices=ind[:, perm],
        pos_values=val[:, perm],
    )
    (s,) = load_quiet(path)
    assert names(s) == ["Z", "Y", "X", "t"]
    np.testing.assert_array_equal(s["data"], nd)
    ref, ref_labels = pyusid_nd(path, MAIN)
    np.testing.assert_array_equal(s["data"], in_order(ref, ref_labels, names(s)))


def test_agrees_with_rsciio_where_rsciio_is_right(tmp_path):
    path = tmp_path / "f.h5"
    nd = np.random.default_rng(5).random((4, 3, 6)).astype(np.float32)
    spec = [("Time", "ms", np.linspace(0, 2.5, 6))]
    write_pyusid(path, to_2d(nd, 2), POS, spec, "Height", "nm")
    (s,) = load_quiet(path)
    (r,) = rsciio_read(path)
    assert s["data"].dtype == r["data"].dtype == np.float32
    np.testing.assert_array_equal(s["data"], r["data"])
    assert [a["size"] for a in s["axes"]] == [a["size"] for a in r["axes"]]
    for mine, theirs in zip(s["axes"], r["axes"], strict=True):
        assert mine["name"] == theirs["name"]
        assert mine["units"] == str(theirs["units"])
        assert mine["scale"] == pytest.approx(float(theirs["scale"]), rel=1e-6)
        assert mine["offset"] == pytest.approx(float(theirs["offset"]), abs=1e-12)
        assert "navigate" not in theirs and isinstance(mine["navigate"], bool)
    assert s["metadata"]["General"]["title"] == r["metadata"]["General"]["title"] == "Raw_Data"


def test_old_file_agrees_with_rsciio_after_transposing_by_label(tmp_path):
    path = tmp_path / "old.h5"
    write_by_hand(path, to_2d(ND, 2), POS, SPEC, order="fastest-first")
    (s,) = load_quiet(path)
    (r,) = rsciio_read(path)
    theirs = [a["name"] for a in r["axes"]]
    np.testing.assert_array_equal(s["data"], in_order(r["data"], theirs, names(s)))


# ---------------------------------------------------------------------------- placeholders
def test_single_position_is_a_placeholder_spectrum(tmp_path):
    path = tmp_path / "spectrum.h5"
    spectrum = np.sin(np.arange(50.0))
    write_pyusid(path, spectrum[None, :], [("X", "a. u.", 1)], [("V", "V", np.arange(50) * 0.1)])
    (s,) = load_quiet(path)
    assert s["data"].shape == (50,)
    np.testing.assert_array_equal(s["data"], spectrum)
    (v,) = s["axes"]
    assert (v["name"], v["navigate"], v["size"]) == ("V", False, 50)
    assert v["scale"] == pytest.approx(0.1)
    (r,) = rsciio_read(path)  # rsciio squeezes the placeholder too
    np.testing.assert_array_equal(r["data"], s["data"])


def test_single_spectroscopic_step_is_a_placeholder_image(tmp_path):
    path = tmp_path / "image.h5"
    image = np.arange(6 * 7, dtype=np.uint16).reshape(6, 7)
    write_pyusid(
        path,
        image.reshape(-1, 1),
        [("Y", "nm", 6), ("X", "nm", 7)],
        [("arb", "a. u.", 1)],
        "Intensity",
        "counts",
    )
    (s,) = load_quiet(path)
    assert s["data"].shape == (6, 7) and s["data"].dtype == np.uint16
    np.testing.assert_array_equal(s["data"], image)
    assert names(s) == ["Y", "X"]
    assert all(a["navigate"] is True for a in s["axes"])
    ref, labels = pyusid_nd(path, MAIN)
    np.testing.assert_array_equal(s["data"], in_order(ref, labels, names(s)))


def test_a_one_step_dimension_beside_others_is_kept(tmp_path):
    path = tmp_path / "f.h5"
    data = np.arange(15.0).reshape(3, 5)
    write_by_hand(path, data, [("Y", "um", 1), ("X", "nm", 3)], SPEC)
    (s,) = load_quiet(path)
    assert s["data"].shape == (1, 3, 5)
    assert names(s) == ["Y", "X", "Bias"]


# ---------------------------------------------------------------------------- axis values
@pytest.mark.parametrize(
    ("values", "uniform"),
    [
        ([0.0, 1.0, 3.0, 7.0, 8.0], False),
        ([8.0, 7.0, 3.0, 1.0, 0.0], False),  # decreasing, not uniform (rsciio: uniform)
        (np.linspace(-5, 5, 5), True),
        (np.linspace(5, -5, 5), True),  # decreasing uniform: negative scale
        (np.linspace(1e-9, 3e-9, 5).astype(np.float32), True),
        (np.float32(0.3) + np.float32(0.1) * np.arange(5, dtype=np.float32), True),
    ],
    ids=["nonuniform", "decreasing-nonuniform", "uniform", "decreasing", "float32-tiny", "float32"],
)
def test_uniform_dimensions_get_scale_others_keep_values(tmp_path, values, uniform):
    path = tmp_path / "f.h5"
    values = np.asarray(values)
    write_by_hand(
        path, np.ones((3, 5)), [("X", "nm", 3)], [("E", "eV", values)], value_dtype=values.dtype
    )
    (s,) = load_quiet(path)
    ax = s["axes"][1]
    assert ax["size"] == 5
    if uniform:
        assert "axis" not in ax
        expected = ax["offset"] + ax["scale"] * np.arange(5)
        np.testing.assert_allclose(expected, values, rtol=1e-6, atol=1e-6 * np.ptp(values))
        assert ax["offset"] == pytest.approx(float(values[0]), rel=1e-6)
    else:
        assert "scale" not in ax and "offset" not in ax
        np.testing.assert_array_equal(ax["axis"], values)


def test_missing_values_dataset_gives_index_axes(tmp_path):
    path = tmp_path / "f.h5"
    write_by_hand(path, to_2d(ND, 2), POS, SPEC, drop_main_attrs=["Position_Values"])
    with pytest.warns(MapperWarning, match="has no @Position_Values: index axes used"):
        (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], ND)
    assert names(s) == ["Y", "X", "Bias"]
    assert [(a["offset"], a["scale"]) for a in s["axes"][:2]] == [(0.0, 1.0), (0.0, 1.0)]


# ---------------------------------------------------------------------------- compound
COMPOUND = np.dtype([("Amplitude [V]", "<f4"), ("Phase (rad)", "<f8"), ("Count", "<i2")])


def compound_cube() -> np.ndarray:
    nd = np.zeros((4, 3, 5), dtype=COMPOUND)
    rng = np.random.default_rng(6)
    for name in COMPOUND.names:
        nd[name] = rng.integers(0, 1000, nd.shape)
    return nd


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_compound_main_gives_one_signal_per_field(tmp_path, lazy):
    path = tmp_path / "compound.h5"
    nd = compound_cube()
    write_by_hand(
        path, to_2d(nd, 2), POS, SPEC, "Response", "V", order="fastest-first", chunks=(4, 5)
    )
    signals = load_quiet(path, lazy=lazy)
    assert [s["metadata"]["Signal"]["quantity"] for s in signals] == [
        "Amplitude (V)",
        "Phase (rad)",
        "Count",
    ]
    for s, name in zip(signals, COMPOUND.names, strict=True):
        data = s["data"]
        assert isinstance(data, da.Array if lazy else np.ndarray)
        assert data.dtype == COMPOUND.fields[name][0]
        got = data.compute() if lazy else data
        np.testing.assert_array_equal(got, nd[name])
        assert_cube_axes(s)
        assert s["metadata"]["General"]["title"] == "Raw_Data"
        assert s["original_metadata"]["dataset_path"] == MAIN


def test_compound_fields_match_pyusid(tmp_path):
    path = tmp_path / "compound.h5"
    nd = compound_cube()
    write_by_hand(path, to_2d(nd, 2), POS, SPEC, order="fastest-first")
    ref, labels = pyusid_nd(path, MAIN)
    for s, name in zip(load_quiet(path), COMPOUND.names, strict=True):
        np.testing.assert_array_equal(s["data"], in_order(ref[name], labels, names(s)))


# ---------------------------------------------------------------------------- metadata
def test_quantity_title_and_measurement_metadata(tmp_path):
    path = tmp_path / "md.h5"
    write_by_hand(
        path,
        to_2d(ND, 2),
        POS,
        SPEC,
        "Current",
        "nA",
        name="IV_curves",
        measurement_attrs={
            "General-authors": "Ada",
            "Acquisition_instrument-SPM-bias": 1.5,
            "operator": "Bob",
            "Original-Scan-rate": 2.0,
            "Original-note": "raw",
        },
        channel_attrs={"channel_type": "current"},
        file_attrs={"data_type": "IV", "translator": "by hand"},
        main_attrs={"timestamp": "2024_01_01"},
    )
    (s,) = load_quiet(path)
    md, om = s["metadata"], s["original_metadata"]
    assert md["Signal"]["quantity"] == "Current (nA)"
    assert md["General"]["title"] == "IV_curves"
    assert md["General"]["authors"] == "Ada"
    assert md["Acquisition_instrument"] == {"SPM": {"bias": 1.5}}
    assert md["operator"] == "Bob"
    assert not any(k.startswith("Original") for k in md)
    assert om["Scan"] == {"rate": 2.0}
    assert om["note"] == "raw"
    assert om["dataset_path"] == f"{GROUP}/IV_curves"
    assert om["Main"] == {"quantity": "Current", "units": "nA", "timestamp": "2024_01_01"}
    assert om["Channel"] == {"channel_type": "current"}
    assert om["File"] == {"data_type": "IV", "translator": "by hand"}


def test_rsciio_written_file_metadata_comes_back_nested(tmp_path):
    path = tmp_path / "rsciio.h5"
    sig = {
        "data": ND,
        "axes": [
            {"name": "Y", "units": "um", "size": 4, "scale": 0.5, "offset": 0.0, "navigate": True},
            {"name": "X", "units": "nm", "size": 3, "scale": 2.0, "offset": 1.0, "navigate": True},
            {
                "name": "E",
                "units": "eV",
                "size": 5,
                "scale": 0.25,
                "offset": 3.0,
                "navigate": False,
            },
        ],
        "metadata": {
            "General": {"title": "spectra", "authors": "Ada"},
            "Signal": {"signal_type": "EELS"},
        },
        "original_metadata": {"Scan": {"lines": 4}},
    }
    with pyusid_shim():  # rsciio writes through pyUSID, which needs np.product (numpy 2)
        from rsciio.usid import file_writer

        file_writer(str(path), sig)
    (s,) = load_quiet(path)
    np.testing.assert_array_equal(s["data"], ND)
    assert [(a["name"], a["units"], a["navigate"]) for a in s["axes"]] == [
        ("Y", "um", True),
        ("X", "nm", True),
        ("E", "eV", False),
    ]
    assert [a["offset"] for a in s["axes"]] == pytest.approx([0.0, 1.0, 3.0])
    assert [a["scale"] for a in s["axes"]] == pytest.approx([0.5, 2.0, 0.25])
    md = s["metadata"]
    assert md["General"]["authors"] == "Ada"  # stored as Measurement_000/@General-authors
    assert md["Signal"]["signal_type"] == "EELS"
    assert md["General"]["title"] == "Raw_Data"  # the main dataset's name wins
    assert s["original_metadata"]["Scan"] == {"lines": 4}  # from @Original-Scan-lines


def test_non_ascii_and_byte_string_labels_and_units(tmp_path):
    path = tmp_path / "f.h5"
    pos = [("Y", "µm", 4), ("X", "Å", 3)]
    write_by_hand(
        path,
        to_2d(ND, 2),
        pos,
        SPEC,
        "Strom",
        "µA",
        anc_attrs={
            "Position_Indices": {
                "labels": np.array([b"Y", b"X"]),
                "units": np.array(["µm".encode(), "Å".encode()]),
            }
        },
    )
    (s,) = load_quiet(path)
    assert [(a["name"], a["units"]) for a in s["axes"]] == [("Y", "µm"), ("X", "Å"), ("Bias", "V")]
    assert s["metadata"]["Signal"]["quantity"] == "Strom (µA)"


def test_quantity_without_units(tmp_path):
    path = tmp_path / "f.h5"
    write_by_hand(path, to_2d(ND, 2), POS, SPEC, "Counts", "")
    (s,) = load_quiet(path)
    assert s["metadata"]["Signal"]["quantity"] == "Counts"


def test_pyusid_main_attributes_land_in_original_metadata(tmp_path):
    path = tmp_path / "f.h5"
    write_pyusid(path, to_2d(ND, 2), POS, SPEC, "Current", "nA")
    (s,) = load_quiet(path)
    main = s["original_metadata"]["Main"]
    assert main["quantity"] == "Current" and main["units"] == "nA"
    assert "pyUSID_version" in main
    assert not any(k in main for k in ("Position_Indices", "Spectroscopic_Values"))  # references


# ---------------------------------------------------------------------------- finding mains
def several_mains(path: Path) -> dict[str, np.ndarray]:
    """A raw cube, a tool result sharing its positions, a root main with an odd name."""
    result = np.arange(12.0).reshape(12, 1)
    odd = np.arange(15.0).reshape(3, 5)
    write_by_hand(path, to_2d(ND, 2), POS, SPEC)
    with h5py.File(path, "a") as f:
        tool = f.create_group(f"{GROUP}/Raw_Data-Tool_000")
        add_main(
            tool,
            "Fit",
            result,
            POS,
            [("arb", "a. u.", 1)],
            "Slope",
            "A/V",
            refs={
                "Position_Indices": f"{GROUP}/Position_Indices",
                "Position_Values": f"{GROUP}/Position_Values",
            },
        )
        anc = f.create_group("ancillary elsewhere")
        add_main(
            f["/"],
            "odd name (2)",
            odd,
            [("T", "K", [4.0, 77.0, 300.0])],
            SPEC,
            "R",
            "Ohm",
            anc_parent=anc,
            anc_prefix="odd_",
        )
    return {MAIN: ND, f"{GROUP}/Raw_Data-Tool_000/Fit": result.reshape(4, 3), "/odd name (2)": odd}


def test_every_main_is_found_by_its_references(tmp_path):
    path = tmp_path / "many.h5"
    expected = several_mains(path)
    assert mapper.detect(path) == "usid"
    got = by_path(load_quiet(path))
    assert sorted(got) == sorted(expected)
    for p, arr in expected.items():
        (s,) = got[p]
        np.testing.assert_array_equal(s["data"], arr)
        assert s["metadata"]["General"]["title"] == p.rsplit("/", 1)[1]
    fit = got[f"{GROUP}/Raw_Data-Tool_000/Fit"][0]
    assert names(fit) == ["Y", "X"] and fit["metadata"]["Signal"]["quantity"] == "Slope (A/V)"
    odd = got["/odd name (2)"][0]
    assert names(odd) == ["T", "Bias"]
    np.testing.assert_array_equal(odd["axes"][0]["axis"], [4.0, 77.0, 300.0])
    assert odd["original_metadata"]["Channel"] == {} and "metadata" in odd


def test_a_root_main_loads_with_the_schema_named(tmp_path):
    path = tmp_path / "root.h5"
    write_by_hand(path, to_2d(ND, 2), POS, SPEC, group="/", name="scan")
    (s,) = load_quiet(path, schema="usid")
    np.testing.assert_array_equal(s["data"], ND)
    assert s["metadata"]["General"]["title"] == "scan"
    assert s["original_metadata"]["dataset_path"] == "/scan"


def test_dataset_path_selects_one_or_several(tmp_path):
    path = tmp_path / "many.h5"
    expected = several_mains(path)
    fit = f"{GROUP}/Raw_Data-Tool_000/Fit"
    (s,) = load_quiet(path, dataset_path=fit)
    np.testing.assert_array_equal(s["data"], expected[fit])
    two = load_quiet(path, schema="usid", dataset_path=["/odd name (2)", MAIN])
    assert sorted(by_path(two)) == sorted(["/odd name (2)", MAIN])
    with pytest.raises(MapperError):
        load_quiet(path, dataset_path="Raw_Data")  # exact paths only
    with pytest.raises(MapperError):
        load_quiet(path, dataset_path=f"{GROUP}/Nothing")
    with pytest.warns(MapperWarning, match=r"dataset_path '/nope' matches nothing for 'main'"):
        (s,) = mapper.load(path, dataset_path=[fit, "/nope"])
    np.testing.assert_array_equal(s["data"], expected[fit])


# ---------------------------------------------------------------------------- no N-D form
def sparse_and_full(path: Path) -> tuple[str, str, np.ndarray]:
    """A full cube in Channel_000 and 7 of its 12 positions in Channel_001."""
    ind, val, _, _ = grid(POS)
    rows = [0, 1, 2, 4, 5, 8, 11]
    write_by_hand(path, to_2d(ND, 2), POS, SPEC)
    sparse = write_by_hand(
        path,
        to_2d(ND, 2)[rows],
        POS,
        SPEC,
        mode="a",
        group="/Measurement_000/Channel_001",
        pos_indices=ind[rows],
        pos_values=val[rows],
    )
    return MAIN, sparse, val[rows]


def test_sparse_main_loads_2d_with_a_warning_and_others_still_load(tmp_path):
    path = tmp_path / "sparse.h5"
    full, sparse, positions = sparse_and_full(path)
    with pytest.warns(MapperWarning) as record:
        got = by_path(mapper.load(path))
    messages = [str(w.message) for w in record if issubclass(w.category, MapperWarning)]
    assert len(messages) == 1 and sparse in messages[0] and "sparse" in messages[0]
    (f,) = got[full]
    np.testing.assert_array_equal(f["data"], ND)
    assert_cube_axes(f)
    (s,) = got[sparse]
    np.testing.assert_array_equal(s["data"], to_2d(ND, 2)[[0, 1, 2, 4, 5, 8, 11]])
    pos_ax, bias = s["axes"]
    assert pos_ax["navigate"] is True and pos_ax["size"] == 7
    assert (bias["name"], bias["navigate"]) == ("Bias", False)
    np.testing.assert_array_equal(bias["axis"], [0, 1, 3, 7, 8])
    stored = s["original_metadata"]["Positions"]
    assert stored["labels"] == ["Y", "X"] and stored["units"] == ["um", "nm"]
    np.testing.assert_array_equal(stored["values"], positions)


@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_indices_out_of_order_load_2d_with_a_warning(tmp_path, lazy):
    path = tmp_path / "shuffled.h5"
    ind, val, _, _ = grid(POS)
    perm = np.random.default_rng(7).permutation(12)
    flat = to_2d(ND, 2)[perm]
    main = write_by_hand(path, flat, POS, SPEC, pos_indices=ind[perm], pos_values=val[perm])
    with pytest.warns(MapperWarning, match=rf"{main}.*no N-D form"):
        (s,) = mapper.load(path, lazy=lazy)
    data = s["data"].compute() if lazy else s["data"]
    np.testing.assert_array_equal(data, flat)
    assert [a["navigate"] for a in s["axes"]] == [True, False]


def test_broken_reference_loads_2d_with_a_warning(tmp_path):
    path = tmp_path / "broken.h5"
    main = write_by_hand(
        path, to_2d(ND, 2), POS, SPEC, main_attrs={"Spectroscopic_Indices": "Spectroscopic_Indices"}
    )
    with pytest.warns(MapperWarning, match=rf"{main}.*not an object reference"):
        (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], to_2d(ND, 2))


@pytest.mark.shared_data
def test_shared_sparse_sampling_file():
    path = shared_file("usid/sparse_sampling.h5")
    mains: dict[str, Any] = {}

    def visit(name: str, obj: Any) -> None:
        if "Position_Indices" in obj.attrs:
            mains["/" + name] = (obj[()], obj.file[obj.attrs["Spectroscopic_Values"]][0])

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    assert len(mains) >= 2
    with pytest.warns(MapperWarning) as record:
        signals = mapper.load(path)
    warned = " ".join(str(w.message) for w in record)
    got = by_path(signals)
    assert sorted(got) == sorted(mains)
    for p, (raw, spec_values) in mains.items():
        assert p in warned
        (s,) = got[p]
        np.testing.assert_array_equal(s["data"], raw)
        pos_ax, spec_ax = s["axes"]
        assert pos_ax["navigate"] is True and spec_ax["navigate"] is False
        values = (
            spec_ax["axis"]
            if "axis" in spec_ax
            else spec_ax["offset"] + spec_ax["scale"] * np.arange(spec_ax["size"])
        )
        np.testing.assert_allclose(values, spec_values, rtol=1e-6)
    with pytest.raises(ValueError, match="Product of position"):  # rsciio fails the file
        rsciio_read(path)


# ---------------------------------------------------------------------------- lazy
def test_lazy_reads_no_bulk_data_and_equals_eager(tmp_path, monkeypatch):
    path = tmp_path / "lazy.h5"
    nd = np.random.default_rng(8).random((20, 16, 10))
    write_by_hand(
        path,
        to_2d(nd, 2),
        [("Y", "um", 20), ("X", "um", 16)],
        [("F", "Hz", np.geomspace(1, 100, 10))],
        order="fastest-first",
        chunks=(32, 10),
    )
    (eager,) = load_quiet(path)
    reads = spy_reads(monkeypatch)
    (s,) = load_quiet(path, lazy=True)
    assert MAIN not in reads  # only the small ancillary arrays were read
    assert isinstance(s["data"], da.Array)
    assert s["data"].shape == (20, 16, 10) and s["data"].dtype == np.float64
    assert str(s["axes"]) == str(eager["axes"])
    assert s["metadata"] == eager["metadata"]
    reads.clear()
    np.testing.assert_array_equal(s["data"].compute(), eager["data"])
    assert MAIN in reads
    np.testing.assert_array_equal(eager["data"], nd)


def row_edges(
    chunks: tuple[tuple[int, ...], ...], n_pos_dims: int, shape: tuple[int, ...]
) -> list[int]:
    """Block edges along the positions, as rows of the 2-D main dataset."""
    inner = int(np.prod(shape[1:n_pos_dims]))
    assert all(len(c) == 1 for c in chunks[1:n_pos_dims]), chunks  # fast positions whole
    return [int(e) * inner for e in np.cumsum(chunks[0])[:-1]]


def test_lazy_chunks_follow_disk_chunks_along_positions(tmp_path, monkeypatch):
    path = tmp_path / "chunked.h5"
    nd = np.random.default_rng(9).random((20, 16, 10))
    write_by_hand(
        path, to_2d(nd, 2), [("Y", "um", 20), ("X", "um", 16)], [("F", "Hz", 10)], chunks=(32, 5)
    )  # two whole X lines, half the steps
    monkeypatch.setattr(mapper.hdf5.lazy.aligned_chunks, "__defaults__", (32 * 10 * 8 * 2,))
    (s,) = load_quiet(path, lazy=True)
    arr = s["data"]
    assert arr.npartitions > 1
    edges = row_edges(arr.chunks, 2, arr.shape)
    assert edges and all(e % 32 == 0 for e in edges), arr.chunks
    assert all(e % 5 == 0 for e in np.cumsum(arr.chunks[2])[:-1])
    np.testing.assert_array_equal(arr.compute(), nd)


def test_lazy_chunks_follow_disk_chunks_not_aligned_to_lines(tmp_path, monkeypatch):
    path = tmp_path / "chunked.h5"
    nd = np.random.default_rng(10).random((20, 16, 10))
    write_by_hand(
        path, to_2d(nd, 2), [("Y", "um", 20), ("X", "um", 16)], [("F", "Hz", 10)], chunks=(12, 10)
    )  # 3/4 of an X line per disk chunk
    monkeypatch.setattr(mapper.hdf5.lazy.aligned_chunks, "__defaults__", (2000,))
    (s,) = load_quiet(path, lazy=True)
    arr = s["data"]
    np.testing.assert_array_equal(arr.compute(), nd)
    assert arr.npartitions > 1
    edges = row_edges(arr.chunks, 2, arr.shape)
    assert all(e % 12 == 0 for e in edges), arr.chunks


def test_lazy_sparse_main_is_2d_and_unread(tmp_path, monkeypatch):
    path = tmp_path / "sparse.h5"
    _, sparse, _ = sparse_and_full(path)
    reads = spy_reads(monkeypatch)
    with pytest.warns(MapperWarning, match=sparse):
        got = by_path(mapper.load(path, lazy=True))
    assert MAIN not in reads and sparse not in reads
    (s,) = got[sparse]
    assert isinstance(s["data"], da.Array) and s["data"].shape == (7, 5)
    np.testing.assert_array_equal(s["data"].compute(), to_2d(ND, 2)[[0, 1, 2, 4, 5, 8, 11]])


# ---------------------------------------------------------------------------- imports
def test_loading_never_imports_pyusid_sidpy_or_rsciio(tmp_path):
    path = tmp_path / "f.h5"
    write_by_hand(path, to_2d(compound_cube(), 2), POS, SPEC, order="fastest-first")
    code = (
        "import sys, mapper\n"
        f"a = mapper.load({str(path)!r})\n"
        f"b = mapper.load({str(path)!r}, schema='usid', lazy=True)\n"
        "assert len(a) == len(b) == 3, (len(a), len(b))\n"
        "b[0]['data'].compute()\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in "
        "('pyUSID', 'sidpy', 'rsciio')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "", out.stdout


# ---------------------------------------------------------------------------- real files
@pytest.mark.shared_data
def test_real_stem_image_is_a_2d_image():
    path = shared_file("usid/simulated_STEM_Image.h5")
    assert mapper.detect(path) == "usid"
    (s,) = load_quiet(path)
    assert s["data"].shape == (256, 256) and s["data"].dtype == np.uint8
    assert names(s) == ["Y", "X"]
    assert [a["units"] for a in s["axes"]] == ["nm", "nm"]
    assert all(a["navigate"] is True for a in s["axes"])
    assert s["metadata"]["Signal"]["quantity"] == "Intensity (a.u.)"
    assert s["metadata"]["image_size_u"] == 256  # a Measurement_000 attribute
    ref, labels = pyusid_nd(path, MAIN)
    np.testing.assert_array_equal(s["data"], in_order(ref, labels, names(s)))
    (r,) = rsciio_read(path)
    theirs = [a["name"] for a in r["axes"]]
    np.testing.assert_array_equal(s["data"], in_order(r["data"], theirs, names(s)))
    with h5py.File(path, "r") as f:
        vals = f[f[MAIN].attrs["Position_Values"]][()]
        labels_ = [v.decode() for v in f[f[MAIN].attrs["Position_Values"]].attrs["labels"]]
    for ax in s["axes"]:
        col = vals[:, labels_.index(ax["name"])]
        steps = np.unique(col)
        assert ax["size"] == len(steps)
        np.testing.assert_allclose(
            ax["offset"] + ax["scale"] * np.arange(ax["size"]),
            steps,
            rtol=1e-5,
            atol=1e-5 * np.ptp(steps),
        )


@pytest.mark.shared_data
def test_real_afm_force_curve_is_a_spectrum_with_non_uniform_z():
    path = shared_file("usid/AFM_Force_Curve.h5")
    (s,) = load_quiet(path)
    assert s["data"].shape == (2045,)
    (z,) = s["axes"]
    assert (z["name"], z["units"], z["navigate"], z["size"]) == ("Z", "m", False, 2045)
    with h5py.File(path, "r") as f:
        z_values = f[f[MAIN].attrs["Spectroscopic_Values"]][0]
        raw = f[MAIN][0]
        spring = f["Measurement_000"].attrs["SpringConstant"]
    np.testing.assert_array_equal(z["axis"], z_values)
    np.testing.assert_array_equal(s["data"], raw)
    assert s["metadata"]["SpringConstant"] == pytest.approx(float(spring))
    assert s["metadata"]["Signal"]["quantity"] == "Deflection (m)"
    ref, labels = pyusid_nd(path, MAIN)
    np.testing.assert_array_equal(s["data"], in_order(ref, labels, names(s)))


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["AFM_Force_Curve.h5", "simulated_STEM_Image.h5"])
def test_real_files_lazy_equals_eager(name, monkeypatch):
    path = shared_file(f"usid/{name}")
    (eager,) = load_quiet(path)
    reads = spy_reads(monkeypatch)
    (s,) = load_quiet(path, lazy=True)
    assert MAIN not in reads
    assert isinstance(s["data"], da.Array)
    np.testing.assert_array_equal(s["data"].compute(), eager["data"])
    assert str(s["axes"]) == str(eager["axes"])
