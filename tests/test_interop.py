"""Peers as oracles: files written by RosettaSciIO and nexusformat load correctly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mapper

rsciio_nexus = pytest.importorskip("rsciio.nexus")
nx = pytest.importorskip("nexusformat.nexus")


@pytest.fixture
def hyperspy_signal():
    data = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)
    return {
        "data": data,
        "axes": [
            {
                "_type": "UniformDataAxis",
                "name": "y",
                "units": "nm",
                "navigate": True,
                "size": 2,
                "scale": -2.0,
                "offset": 10.0,
            },
            {
                "_type": "UniformDataAxis",
                "name": "x",
                "units": "nm",
                "navigate": True,
                "size": 3,
                "scale": 1.5,
                "offset": 0.0,
            },
            {
                "_type": "DataAxis",
                "name": "energy",
                "units": "eV",
                "navigate": False,
                "size": 5,
                "axis": np.array([1.0, 2.0, 4.0, 8.0, 16.0]),
            },
        ],
        "metadata": {
            "General": {"title": "my sig", "date": "2024-01-01"},
            "Signal": {"signal_type": "EELS", "quantity": "Intensity"},
        },
        "original_metadata": {"instrument": {"energy": 12.0}},
        "attributes": {},
        "learning_results": {},
    }


def _rsciio_write(path, signal):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rsciio_nexus.file_writer(str(path), signal)


def test_rsciio_written_signal_loads_faithfully(tmp_path, hyperspy_signal):
    path = tmp_path / "rs.nxs"
    _rsciio_write(path, hyperspy_signal)
    (s,) = mapper.load(path)  # one signal, not one per array
    np.testing.assert_array_equal(s["data"], hyperspy_signal["data"])
    y, x, e = s["axes"]
    # the descending axis keeps its direction (RosettaSciIO's reader mirrors it)
    assert (y["name"], y["units"], y["offset"], y["scale"], y["navigate"]) == (
        "y",
        "nm",
        10.0,
        -2.0,
        True,
    )
    assert (x["name"], x["offset"], x["scale"], x["navigate"]) == ("x", 0.0, 1.5, True)
    # the non-uniform axis keeps its values and units (RosettaSciIO's reader drops both)
    assert (e["name"], e["units"], e["navigate"]) == ("energy", "eV", False)
    np.testing.assert_array_equal(e["axis"], [1, 2, 4, 8, 16])
    # General survives (RosettaSciIO's reader replaces it with the group name)
    assert s["metadata"]["General"]["title"] == "my sig"
    assert s["metadata"]["General"]["date"] == "2024-01-01"
    assert s["metadata"]["Signal"] == {"signal_type": "EELS", "quantity": "Intensity"}
    assert s["original_metadata"]["instrument"]["energy"]["value"] == 12.0


def test_rsciio_written_file_agrees_with_rsciio_reader_where_it_is_right(tmp_path, hyperspy_signal):
    path = tmp_path / "rs.nxs"
    _rsciio_write(path, hyperspy_signal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (theirs,) = rsciio_nexus.file_reader(str(path), nxdata_only=True)
    (ours,) = mapper.load(path)
    np.testing.assert_array_equal(ours["data"], theirs["data"])
    for a, b in zip(ours["axes"], theirs["axes"], strict=True):
        assert a["name"] == b["name"] and a["navigate"] == b["navigate"]
        assert a["size"] == b["size"]
    # the uniform ascending axis is identical
    assert ours["axes"][1]["scale"] == theirs["axes"][1]["scale"]
    assert ours["axes"][1]["offset"] == theirs["axes"][1]["offset"]


def test_rsciio_multi_signal_file(tmp_path, hyperspy_signal):
    other = dict(
        hyperspy_signal,
        data=np.ones((4,)),
        axes=[
            {
                "_type": "UniformDataAxis",
                "name": "t",
                "units": "s",
                "navigate": False,
                "size": 4,
                "scale": 0.5,
                "offset": 1.0,
            }
        ],
        metadata={"General": {"title": "second"}, "Signal": {}},
    )
    path = tmp_path / "multi.nxs"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rsciio_nexus.file_writer(str(path), [hyperspy_signal, other], use_default=True)
    signals = mapper.load(path)
    assert [s["metadata"]["General"]["title"] for s in signals] == ["my sig", "second"]
    assert signals[1]["axes"][0]["scale"] == 0.5
    assert len(mapper.load(path, use_default=True)) == 1


def test_lazy_rsciio_file(tmp_path, hyperspy_signal):
    import dask.array as da

    path = tmp_path / "rs.nxs"
    _rsciio_write(path, hyperspy_signal)
    (s,) = mapper.load(path, lazy=True)
    assert isinstance(s["data"], da.Array)
    np.testing.assert_array_equal(s["data"].compute(), hyperspy_signal["data"])


def test_nexusformat_written_nxdata(tmp_path):
    data = np.arange(30.0).reshape(2, 3, 5)
    e = nx.NXentry()
    e["data"] = nx.NXdata(
        nx.NXfield(data, name="counts"),
        [
            nx.NXfield(np.array([0.0, 1.0]), name="y", units="mm"),
            nx.NXfield(np.arange(3.0), name="x"),
            nx.NXfield(np.linspace(0, 1, 5), name="t", units="s"),
        ],
    )
    e.title = "nx title"
    path = tmp_path / "nf.nxs"
    nx.NXroot(e).save(str(path), "w")
    (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], data)
    assert [a["name"] for a in s["axes"]] == ["y", "x", "t"]
    assert s["axes"][2]["units"] == "s" and s["axes"][2]["scale"] == 0.25
    assert s["metadata"]["General"]["title"] == "nx title"
