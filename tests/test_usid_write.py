"""mapper.save with the usid mapping: the write side of USID.

The generic round trip (every layout of ``usid_files.CASES`` loads back, eager
and lazy, validates, streams from dask, refuses to overwrite, leaves nothing on
a refused value) is ``TestUSIDRoundTrip`` in test_roundtrip.py. Here: the USID
specifics. What save writes is a USID main dataset by pyUSID's own test and
reads the same in pyUSID and RosettaSciIO (the oracles); files RosettaSciIO's
USID writer makes load in mapper; the file layout, metadata encoding and
documented conversions; every unstorable value is refused before anything is
written; the save options (chunks, filters) reach the main dataset.

pyUSID 0.0.12 and RosettaSciIO's USID writer (which calls pyUSID) need
``numpy.product``, removed in numpy 2: the tests that let them WRITE a file
set ``numpy.product = numpy.prod`` first (``usid_files.pyusid_shim``). pytest
runs with ``filterwarnings=error``: every call into pyUSID, sidpy or
RosettaSciIO is wrapped in ``warnings.catch_warnings()`` locally.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hspy_compare import assert_same
from usid_files import (
    CASES,
    RNG,
    assert_axes,
    ax,
    floats,
    main_paths,
    make,
    nav_first,
    nonuniform,
    pyusid_shim,
    rsciio_read,
    values_of,
)

import mapper
from mapper.errors import WriteError

da = pytest.importorskip("dask.array")
pytest.importorskip("pyUSID")
pytest.importorskip("rsciio.usid")

GROUP = "/Measurement_000/Channel_000"


# ---------------------------------------------------------------------------- helpers
def save(path: Path, signal: Any, **kw: Any) -> Path:
    return mapper.save(path, signal, schema="usid", **kw)


def load_one(path: Path, **kw: Any) -> dict[str, Any]:
    signals = mapper.load(path, defer_metadata=False, **kw)
    assert len(signals) == 1
    return signals[0]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """pyUSID, sidpy and RosettaSciIO warn on import and use; pytest makes warnings errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def usid_dataset(path: Path, dataset: str) -> Iterator[Any]:
    """pyUSID's view of a main dataset, with pyUSID's verdict on it."""
    with quiet():
        import pyUSID
        from pyUSID.io.hdf_utils import check_if_main

        with h5py.File(path, "r") as f:
            ds = f[dataset]
            assert bool(check_if_main(ds)) is True
            yield pyUSID.USIDataset(ds)


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ---------------------------------------------------------------------------- round trip
def test_interleaved_navigate_flags_are_transposed_navigation_first(tmp_path):
    data = np.arange(2 * 3 * 4 * 5, dtype=np.int16).reshape(2, 3, 4, 5)
    axes = [
        ax("a", 2, True, 1.0, 1.0),
        ax("b", 3, False, 2.0, 0.0, "eV"),
        nonuniform("c", [0.0, 0.5, 2.0, 9.0], True),
        ax("d", 5, False, 0.5, 0.0, "s"),
    ]
    path = save(tmp_path / "out.h5", make(data, axes))
    with h5py.File(path, "r") as f:
        main = f[f"{GROUP}/Raw_Data"]
        assert main.shape == (2 * 4, 3 * 5)
        np.testing.assert_array_equal(main[()], data.transpose(0, 2, 1, 3).reshape(8, 15))
    got = load_one(path)
    np.testing.assert_array_equal(got["data"], data.transpose(0, 2, 1, 3))
    assert_axes(got["axes"], [axes[0], axes[2], axes[1], axes[3]])


def test_unnamed_axes_get_usid_default_labels(tmp_path):
    axes = [ax("", 2, True), {"navigate": False, "size": 3}]
    got = load_one(save(tmp_path / "out.h5", make(np.zeros((2, 3)), axes)))
    assert [a["name"] for a in got["axes"]] == ["Pos_Dim_0", "Spec_Dim_1"]
    assert [a["units"] for a in got["axes"]] == ["nm", ""]


def test_dask_data_is_written_as_the_2d_main_in_whole_spectrum_chunks(tmp_path):
    """Blocks of a dask array are rows of the 2-D main that need not be contiguous.

    That each block is computed once and the array never whole is checked for
    every mapping in test_roundtrip.py (``TestUSIDRoundTrip.stream_chunks``).
    """
    full = floats(6, 8, 16, dtype=np.float32)
    lazy = da.from_array(full, chunks=(2, 4, 16))
    axes = [ax("y", 6, True), ax("x", 8, True), ax("E", 16, False, units="eV")]
    path = save(tmp_path / "out.h5", make(lazy, axes, title="lazy"))
    with h5py.File(path, "r") as f:
        main = f[f"{GROUP}/lazy"]
        assert main.shape == (48, 16)
        assert main.chunks is not None and main.chunks[1] == 16
    got = load_one(path)
    np.testing.assert_array_equal(got["data"], full)
    assert_axes(got["axes"], axes)


def test_interleaved_dask_data(tmp_path):
    full = np.arange(4 * 5 * 6 * 7, dtype=np.int64).reshape(4, 5, 6, 7)
    axes = [ax("a", 4, True), ax("b", 5, False), ax("c", 6, True), ax("d", 7, False)]
    path = save(tmp_path / "out.h5", make(da.from_array(full, chunks=(2, 5, 3, 7)), axes))
    np.testing.assert_array_equal(load_one(path)["data"], full.transpose(0, 2, 1, 3))


def test_file_layout(tmp_path):
    sig = CASES["cube"]()
    sig["metadata"] = {
        "General": {"title": "Topo"},
        "Signal": {"quantity": "Current (nA)"},
        "Acq": {"gain": 2, "none": None},
    }
    sig["original_metadata"] = {"Vendor": {"id": "x7"}}
    path = save(tmp_path / "out.h5", sig)
    with h5py.File(path, "r") as f:
        assert list(f) == ["Measurement_000"]
        assert list(f["Measurement_000"]) == ["Channel_000"]
        assert sorted(f[GROUP]) == sorted(
            [
                "Topo",
                "Position_Indices",
                "Position_Values",
                "Spectroscopic_Indices",
                "Spectroscopic_Values",
            ]
        )
        main = f[f"{GROUP}/Topo"]
        assert main.shape == (12, 6) and main.dtype == np.float32
        assert main.attrs["quantity"] == "Current" and main.attrs["units"] == "nA"
        for role in (
            "Position_Indices",
            "Position_Values",
            "Spectroscopic_Indices",
            "Spectroscopic_Values",
        ):
            ref = main.attrs[role]
            assert isinstance(ref, h5py.Reference)
            assert f[ref].name == f"{GROUP}/{role}"
        pi, pv = f[f"{GROUP}/Position_Indices"], f[f"{GROUP}/Position_Values"]
        si, sv = f[f"{GROUP}/Spectroscopic_Indices"], f[f"{GROUP}/Spectroscopic_Values"]
        assert pi.shape == pv.shape == (12, 2)
        assert si.shape == sv.shape == (1, 6)
        assert pi.dtype.kind == "u" and si.dtype.kind == "u"
        assert pv.dtype == sv.dtype == np.float64
        for ds, labels, units in (
            (pi, ["Y", "X"], ["nm", "nm"]),
            (pv, ["Y", "X"], ["nm", "nm"]),
            (si, ["Bias"], ["V"]),
            (sv, ["Bias"], ["V"]),
        ):
            assert [x.decode() if isinstance(x, bytes) else x for x in ds.attrs["labels"]] == labels
            assert [x.decode() if isinstance(x, bytes) else x for x in ds.attrs["units"]] == units
        # slowest first: Y changes every 4 rows, X every row
        np.testing.assert_array_equal(pi[:, 0], np.repeat(np.arange(3), 4))
        np.testing.assert_array_equal(pi[:, 1], np.tile(np.arange(4), 3))
        np.testing.assert_array_equal(pv[:, 1], np.tile([0.0, 1.0, 3.0, 7.0], 3))
        np.testing.assert_array_equal(sv[0], [5.0, 4.0, 2.0, 1.0, 0.5, 0.1])
        meas = f["Measurement_000"].attrs
        assert meas["General-title"] == "Topo"
        assert meas["Signal-quantity"] == "Current (nA)"
        assert meas["Acq-gain"] == 2
        assert isinstance(meas["Acq-none"], h5py.Empty)  # None: an empty attribute
        assert meas["Original-Vendor-id"] == "x7"


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("Current (nA)", ("Current", "nA")),
        ("Amplitude [V]", ("Amplitude", "V")),
        ("Height", ("Height", "a. u.")),
        (None, ("Unknown Quantity", "a. u.")),
    ],
)
def test_quantity_and_units_of_the_main(tmp_path, quantity, expected):
    md = {} if quantity is None else {"Signal": {"quantity": quantity}}
    path = save(
        tmp_path / "out.h5",
        make(np.zeros((2, 3)), [ax("a", 2, True), ax("b", 3, False)], metadata=md),
    )
    with h5py.File(path, "r") as f:
        main = f[f"{GROUP}/Raw_Data"]
        assert (main.attrs["quantity"], main.attrs["units"]) == expected
    got = load_one(path)["metadata"]["Signal"]["quantity"]
    assert got == f"{expected[0]} ({expected[1]})"


def test_round_trip_metadata(tmp_path):
    md = {
        "General": {"title": "rt"},
        "Signal": {"quantity": "Current (nA)", "signal_type": "EELS"},
        "Acquisition": {
            "text": "µm and ∑",
            "empty": "",
            "int": -7,
            "big": 2**62,
            "float": 1.25,
            "nan": float("nan"),
            "yes": True,
            "no": False,
            "none": None,
            "strings": ["a", "b c", "µ"],
            "ints": np.arange(5, dtype=np.int16),
            "floats": np.linspace(0.0, 1.0, 4),
            "matrix": np.arange(6, dtype=np.int32).reshape(2, 3),
            "deep": {"deeper": {"deepest": 1.5}},
        },
    }
    om = {
        "Vendor": {
            "gain": 2.0,
            "name": "abc",
            "flags": ["x", "y"],
            "none": None,
            "nested": {"k": 1},
            "c": 1 + 2j,
        }
    }
    path = save(
        tmp_path / "out.h5",
        make(
            np.zeros((2, 3)),
            [ax("a", 2, True), ax("b", 3, False)],
            metadata=md,
            original_metadata=om,
        ),
    )
    got = load_one(path)
    assert_same(got["metadata"], md)
    assert got["metadata"]["Acquisition"]["yes"] is True
    assert got["metadata"]["Acquisition"]["none"] is None
    original = got["original_metadata"]
    assert_same({k: original[k] for k in om}, om)
    assert original["dataset_path"] == f"{GROUP}/rt"


def test_metadata_lists_of_numbers_come_back_as_arrays_and_dates_as_iso_text(tmp_path):
    """Documented conversions: USID attributes have no list or date type."""
    md = {
        "A": {
            "ints": [1, 2, 3],
            "floats": (0.5, 1.5),
            "mixed_numbers": [1, 2.5],
            "bools": [True, False],
            "when": dt.datetime(2020, 1, 2, 3, 4, 5),
            "utc": dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
            "day": dt.date(2021, 12, 31),
            "clock": dt.time(23, 59, 1),
        }
    }
    got = load_one(save(tmp_path / "out.h5", make(np.zeros(3), [ax("E", 3, False)], metadata=md)))[
        "metadata"
    ]["A"]
    assert_same(got["ints"], np.array([1, 2, 3]))
    assert_same(got["floats"], np.array([0.5, 1.5]))
    assert_same(got["mixed_numbers"], np.array([1.0, 2.5]))
    assert_same(got["bools"], np.array([True, False]))
    assert got["when"] == "2020-01-02T03:04:05"
    assert got["utc"] == "2020-01-02T03:04:05+00:00"
    assert got["day"] == "2021-12-31"
    assert got["clock"] == "23:59:01"


def test_key_holding_the_separator_warns_and_comes_back_split(tmp_path):
    sig = make(np.zeros(3), [ax("E", 3, False)], metadata={"A": {"beam-energy": 200}})
    with pytest.warns(mapper.MapperWarning, match="beam-energy"):
        path = save(tmp_path / "out.h5", sig)
    assert load_one(path)["metadata"]["A"] == {"beam": {"energy": 200}}


def test_title_names_the_main_and_the_name_is_the_loaded_title(tmp_path):
    """As docs/usid.md states: metadata.General.title comes from the main's name on load.

    The title itself is kept in the Measurement group's @General-title.
    """
    sig = make(np.zeros((2, 3)), [ax("a", 2, True), ax("b", 3, False)], title="a/b c")
    path = save(tmp_path / "out.h5", sig)
    assert main_paths(path) == [f"{GROUP}/a_b c"]
    with h5py.File(path, "r") as f:
        assert f["Measurement_000"].attrs["General-title"] == "a/b c"
    assert load_one(path)["metadata"]["General"]["title"] == "a_b c"


def test_list_of_signals_one_measurement_each(tmp_path):
    signals = [
        make(
            np.full((2, 3), 1.0),
            [ax("a", 2, True), ax("b", 3, False)],
            title="first",
            metadata={"n": 1},
        ),
        make(
            np.full(4, 2, dtype=np.int8),
            [ax("E", 4, False, units="eV")],
            title="x/y",
            metadata={"n": 2},
        ),
        make(
            np.full((3, 2), 3.0), [ax("Y", 3, True), ax("X", 2, True)], title="", metadata={"n": 3}
        ),
        make(
            np.full((2, 2), 4.0),
            [ax("a", 2, True), ax("b", 2, False)],
            title="fourth",
            metadata={"n": 4},
        ),
        make(
            np.full((1, 2), 5.0),
            [nonuniform("p", [3.0], True), ax("q", 2, False)],
            title="Position_Indices",
            metadata={"n": 5},
        ),
    ]
    path = save(tmp_path / "out.h5", signals)
    assert main_paths(path) == [
        "/Measurement_000/Channel_000/first",
        "/Measurement_001/Channel_000/x_y",
        "/Measurement_002/Channel_000/Raw_Data",
        "/Measurement_003/Channel_000/fourth",
        "/Measurement_004/Channel_000/Position_Indices_Main",
    ]
    got = mapper.load(path, defer_metadata=False)
    assert [s["metadata"]["n"] for s in got] == [1, 2, 3, 4, 5]
    for s, expected in zip(got[:4], signals[:4], strict=True):
        data, axes = nav_first(expected)
        np.testing.assert_array_equal(s["data"], data)
        assert s["data"].dtype == data.dtype
        assert_axes(s["axes"], axes)
    one = load_one(path, dataset_path="/Measurement_003/Channel_000/fourth")
    assert one["metadata"]["n"] == 4
    assert mapper.validate(path, schema="usid").passes(strict=True)


def test_equal_titles_in_a_list_keep_their_names(tmp_path):
    sig = make(np.zeros((2, 3)), [ax("a", 2, True), ax("b", 3, False)], title="same")
    untitled = make(np.zeros((2, 3)), [ax("a", 2, True), ax("b", 3, False)])
    path = save(tmp_path / "out.h5", [sig, dict(sig), untitled, dict(untitled)])
    assert main_paths(path) == [
        "/Measurement_000/Channel_000/same",
        "/Measurement_001/Channel_000/same",
        "/Measurement_002/Channel_000/Raw_Data",
        "/Measurement_003/Channel_000/Raw_Data",
    ]
    titles = [s["metadata"]["General"]["title"] for s in mapper.load(path)]
    assert titles == ["same", "same", "Raw_Data", "Raw_Data"]


def test_a_single_step_navigation_axis_reads_as_the_placeholder(tmp_path):
    """Documented behaviour: a side whose only dimension has one step is USID's placeholder.

    A signal with one real navigation axis of size 1 therefore loads without it
    (pyUSID and RosettaSciIO drop it too); its data is unchanged.
    """
    sig = make(np.arange(4.0).reshape(1, 4), [ax("row", 1, True), ax("E", 4, False)])
    got = load_one(save(tmp_path / "out.h5", sig))
    np.testing.assert_array_equal(got["data"], np.arange(4.0))
    assert [a["name"] for a in got["axes"]] == ["E"]


# ---------------------------------------------------------------------------- pyUSID oracle
@pytest.mark.parametrize("case", sorted(CASES))
def test_pyusid_reads_what_mapper_writes(tmp_path, case):
    sig = CASES[case]()
    path = save(tmp_path / "out.h5", sig)
    data, axes = nav_first(sig)
    nav = [a for a in axes if a["navigate"]]
    spec = [a for a in axes if not a["navigate"]]
    # a side without axes holds the placeholder: a size-1 dimension in pyUSID's N-D form
    pyusid_shape = tuple(a["size"] for a in nav) or (1,)
    pyusid_shape += tuple(a["size"] for a in spec) or (1,)
    with usid_dataset(path, f"{GROUP}/Raw_Data") as u:
        assert list(u.pos_dim_labels) == ([a["name"] for a in nav] or ["Arb"])
        assert list(u.spec_dim_labels) == ([a["name"] for a in spec] or ["Arb"])
        nd = np.asarray(u.get_n_dim_form())
        assert nd.dtype == data.dtype
        assert nd.shape == pyusid_shape
        np.testing.assert_array_equal(nd, data.reshape(pyusid_shape))
        for a in nav:
            np.testing.assert_allclose(
                u.get_pos_values(a["name"]), values_of(a), rtol=1e-12, err_msg=a["name"]
            )
        for a in spec:
            np.testing.assert_allclose(
                u.get_spec_values(a["name"]), values_of(a), rtol=1e-12, err_msg=a["name"]
            )


def test_pyusid_reads_interleaved_axes_in_stored_order(tmp_path):
    data = RNG.standard_normal((2, 3, 4, 5))
    axes = [
        ax("a", 2, True),
        nonuniform("b", [0.0, 0.1, 0.5], False),
        ax("c", 4, True, 0.5),
        ax("d", 5, False, 3.0, 1.0),
    ]
    path = save(tmp_path / "out.h5", make(data, axes, title="mixed"))
    with usid_dataset(path, f"{GROUP}/mixed") as u:
        assert list(u.pos_dim_labels) == ["a", "c"]
        assert list(u.spec_dim_labels) == ["b", "d"]
        np.testing.assert_array_equal(u.get_n_dim_form(), data.transpose(0, 2, 1, 3))
        np.testing.assert_allclose(u.get_spec_values("b"), [0.0, 0.1, 0.5])
        np.testing.assert_allclose(u.get_pos_values("c"), [0.0, 0.5, 1.0, 1.5])


# ---------------------------------------------------------------------------- RosettaSciIO oracle
@pytest.mark.parametrize("case", sorted(CASES))
def test_rosettasciio_reads_what_mapper_writes(tmp_path, case):
    sig = CASES[case]()
    path = save(tmp_path / "out.h5", sig)
    data, axes = nav_first(sig)
    read = rsciio_read(path)
    assert len(read) == 1
    got = read[0]
    np.testing.assert_array_equal(np.asarray(got["data"]), data)
    assert got["data"].dtype == data.dtype
    assert [str(a["name"]) for a in got["axes"]] == [a["name"] for a in axes]
    assert [str(a["units"]) for a in got["axes"]] == [a["units"] for a in axes]
    for g, e in zip(got["axes"], axes, strict=True):
        assert int(g["size"]) == e["size"]
        if "axis" in e:
            continue  # RosettaSciIO replaces non-uniform dims by indices (pyUSID test above)
        assert float(g["scale"]) == pytest.approx(e["scale"], rel=1e-9)
        assert float(g["offset"]) == pytest.approx(e["offset"], rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------------------- the other way
def rsciio_write(path: Path, signal: dict[str, Any]) -> None:
    """RosettaSciIO's USID writer; it writes through pyUSID 0.0.12."""
    # pyUSID 0.0.12 calls np.product, which numpy 2 removed: pyusid_shim sets
    # numpy.product = numpy.prod while it writes (and silences its warnings)
    with pyusid_shim():
        from rsciio.usid import file_writer

        file_writer(str(path), signal)


@pytest.mark.parametrize("case", ["spectrum", "image_signal", "image_navigation", "4d"])
def test_mapper_reads_what_rosettasciio_writes(tmp_path, case):
    sig = CASES[case]()
    sig["metadata"] = {
        "General": {"title": "from rsciio", "notes": {"x": 1}},
        "Signal": {"signal_type": "EELS"},
        "Acquisition": {"beam_energy": 200.0, "detector": "CCD"},
    }
    sig["original_metadata"] = {"Vendor": {"a": {"b": "c"}}, "d": 2.5}
    path = tmp_path / "rsciio.h5"
    rsciio_write(path, sig)
    got = load_one(path)
    np.testing.assert_array_equal(got["data"], sig["data"])
    expected_axes = [dict(a) for a in sig["axes"]]
    assert [a["name"] for a in got["axes"]] == [a["name"] for a in expected_axes]
    assert [a["navigate"] for a in got["axes"]] == [a["navigate"] for a in expected_axes]
    assert [a["units"] for a in got["axes"]] == [a["units"] for a in expected_axes]
    for g, e in zip(got["axes"], expected_axes, strict=True):
        # pyUSID stores the values in float32
        np.testing.assert_allclose(values_of(g), values_of(e), rtol=1e-6, atol=1e-7)
    md = got["metadata"]
    assert md["General"]["notes"] == {"x": 1}
    assert md["Signal"]["signal_type"] == "EELS"
    assert md["Acquisition"] == {"beam_energy": 200.0, "detector": "CCD"}
    # RosettaSciIO names the main Raw_Data whatever the title, and the title is the name
    assert md["General"]["title"] == "Raw_Data"
    original = got["original_metadata"]
    assert original["Vendor"] == {"a": {"b": "c"}}
    assert original["d"] == 2.5
    assert original["dataset_path"] == f"{GROUP}/Raw_Data"


# ---------------------------------------------------------------------------- refused values
def base_signal() -> dict[str, Any]:
    return make(np.zeros((2, 3)), [ax("a", 2, True), ax("b", 3, False)], title="bad")


def _dup(s: dict[str, Any]) -> None:
    s["axes"][1]["name"] = "a"


def _too_few_axes(s: dict[str, Any]) -> None:
    s["axes"] = s["axes"][:1]


def _too_many_axes(s: dict[str, Any]) -> None:
    s["axes"] = [*s["axes"], ax("c", 1, False)]


def _short_axis(s: dict[str, Any]) -> None:
    s["axes"][1] = nonuniform("b", [1.0, 2.0], False)


def _long_axis(s: dict[str, Any]) -> None:
    s["axes"][0] = nonuniform("a", [1.0, 2.0, 3.0], True)


def _meta(**values: Any) -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        s["metadata"]["Acq"] = dict(values)

    return change


def _original(**values: Any) -> Callable[[dict[str, Any]], None]:
    def change(s: dict[str, Any]) -> None:
        s["original_metadata"] = {"Vendor": dict(values)}

    return change


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_dup, r"axes\[1\] and axes\[0\] are both named 'a'"),
        (_too_few_axes, r"1 axes for 2-D data"),
        (_too_many_axes, r"3 axes for 2-D data"),
        (_short_axis, r"axes\[1\] \(b\): 2 values for a dimension of 3"),
        (_long_axis, r"axes\[0\] \(a\): 3 values for a dimension of 2"),
        (_meta(tags={"x", "y"}), r"metadata\.Acq\.tags: a value of type set cannot be stored"),
        (_meta(thing=object()), r"metadata\.Acq\.thing: .*type object cannot be stored"),
        (_meta(huge=2**64), r"metadata\.Acq\.huge: the integer 18446744073709551616 does not fit"),
        (_meta(tiny=-(2**63) - 1), r"metadata\.Acq\.tiny: the integer .* does not fit 64 bits"),
        (_meta(nul="a\x00b"), r"metadata\.Acq\.nul: a string holding NUL"),
        (_meta(nuls=["ok", "a\x00b"]), r"metadata\.Acq\.nuls: a string holding NUL"),
        (_meta(ragged=[[1, 2], [3]]), r"metadata\.Acq\.ragged: a ragged list"),
        (
            _original(tags={1}),
            r"original_metadata\.Vendor\.tags: a value of type set cannot be stored",
        ),
        (_original(nul="\x00"), r"original_metadata\.Vendor\.nul: a string holding NUL"),
    ],
    ids=[
        "duplicate-names",
        "too-few-axes",
        "too-many-axes",
        "short-axis",
        "long-axis",
        "set",
        "object",
        "int-2**64",
        "int-below-int64",
        "nul",
        "nul-in-list",
        "ragged",
        "original-set",
        "original-nul",
    ],
)
def test_unstorable_signal_is_refused_and_nothing_is_written(tmp_path, change, match):
    folder = tmp_path / "out"
    folder.mkdir()
    sig = base_signal()
    change(sig)
    with pytest.raises(WriteError, match=match):
        save(folder / "bad.h5", sig)
    assert listing(folder) == []  # neither the file nor a .tmp


def test_every_problem_is_listed_for_a_list_of_signals(tmp_path):
    good = base_signal()
    bad = base_signal()
    bad["metadata"]["Acq"] = {"tags": {"x"}, "nul": "\x00"}
    with pytest.raises(WriteError) as info:
        save(tmp_path / "bad.h5", [good, bad])
    message = str(info.value)
    assert "signal 1: metadata.Acq.tags" in message
    assert "signal 1: metadata.Acq.nul" in message
    assert "signal 0" not in message
    assert listing(tmp_path) == []


def test_axis_problem_is_listed_once(tmp_path):
    sig = base_signal()
    _dup(sig)
    with pytest.raises(WriteError) as info:
        save(tmp_path / "bad.h5", sig)
    assert str(info.value).count("both named 'a'") == 1


def test_numpy_str_scalar_in_metadata_round_trips(tmp_path):
    sig = base_signal()
    sig["metadata"]["Acq"] = {"detector": np.str_("CCD")}
    path = save(tmp_path / "out.h5", sig)
    assert load_one(path)["metadata"]["Acq"]["detector"] == "CCD"


def test_mixed_list_in_metadata_is_refused(tmp_path):
    sig = base_signal()
    sig["metadata"]["Acq"] = {"mixed": [1, "a"]}
    with pytest.raises(WriteError, match=r"metadata\.Acq\.mixed"):
        save(tmp_path / "bad.h5", sig)
    assert listing(tmp_path) == []


# ---------------------------------------------------------------------------- storage options
def test_large_signal_is_chunked_by_whole_spectra(tmp_path):
    data = np.broadcast_to(np.arange(512, dtype=np.float32), (64, 64, 512))
    axes = [ax("y", 64, True), ax("x", 64, True), ax("E", 512, False, 0.5, units="eV")]
    path = save(tmp_path / "big.h5", make(np.ascontiguousarray(data), axes))
    with h5py.File(path, "r") as f:
        main = f[f"{GROUP}/Raw_Data"]
        assert main.shape == (4096, 512)
        rows, cols = main.chunks
        assert cols == 512  # a spectrum is never split
        assert 1 < rows < 4096
        assert rows * cols * 4 <= 1_000_000  # about write.chunk_bytes (1 MB) per chunk
        assert main.compression is None  # the usid mapping compresses nothing by default
        for name in ("Position_Indices", "Position_Values"):
            assert f[f"{GROUP}/{name}"].compression is None
        np.testing.assert_array_equal(main[4095], np.arange(512, dtype=np.float32))


def test_compression_and_h5py_options_reach_the_main_only(tmp_path):
    data = floats(32, 32, 64, dtype=np.float32)
    axes = [ax("y", 32, True), ax("x", 32, True), ax("E", 64, False)]
    path = save(
        tmp_path / "z.h5", make(data, axes), compression="gzip", compression_opts=4, fletcher32=True
    )
    with h5py.File(path, "r") as f:
        main = f[f"{GROUP}/Raw_Data"]
        assert main.compression == "gzip" and main.compression_opts == 4
        assert main.shuffle and main.fletcher32
        assert main.chunks[1] == 64
        for name in (
            "Position_Indices",
            "Position_Values",
            "Spectroscopic_Indices",
            "Spectroscopic_Values",
        ):
            ds = f[f"{GROUP}/{name}"]
            assert ds.compression is None and not ds.fletcher32, name
    np.testing.assert_array_equal(load_one(path)["data"], data)
    assert mapper.validate(path, schema="usid").passes(strict=True)


def test_explicit_chunks_of_the_2d_main(tmp_path):
    data = floats(8, 8, 16)
    axes = [ax("y", 8, True), ax("x", 8, True), ax("E", 16, False)]
    path = save(tmp_path / "c.h5", make(data, axes), chunks=(16, 16))
    with h5py.File(path, "r") as f:
        assert f[f"{GROUP}/Raw_Data"].chunks == (16, 16)
    np.testing.assert_array_equal(load_one(path)["data"], data)
