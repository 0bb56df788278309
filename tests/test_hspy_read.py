"""Reading HSpy files: RosettaSciIO's hspy reader is the oracle.

Every real file under ../shared/data/hspy loads to what ``rsciio.hspy.file_reader``
returns (data, axes, metadata, original_metadata, attributes, models, package);
lazy loads are dask arrays on the on-disk chunks that read no bulk data at load;
old format versions are upgraded as RosettaSciIO upgrades them.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import SHARED, shared_file, spy_reads
from hspy_compare import assert_same, same_array

import mapper
from mapper.errors import MapperError, MapperWarning

rsciio_hspy = pytest.importorskip("rsciio.hspy")
da = pytest.importorskip("dask.array")

HSPY_DIR = SHARED / "hspy"
HSPY_FILES = (
    sorted(p for p in HSPY_DIR.glob("*") if p.suffix in (".hdf5", ".hspy"))
    if HSPY_DIR.is_dir()
    else []
)
needs_files = pytest.mark.skipif(not HSPY_FILES, reason="../shared/data/hspy is absent")


# ---------------------------------------------------------------------------- comparison
def rsciio_read(path: Path, **kw: Any) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rsciio_hspy.file_reader(str(path), **kw)


# ---------------------------------------------------------------------------- file factories
def _put(group: h5py.Group, tree: dict[str, Any]) -> None:
    for k, v in tree.items():
        if isinstance(v, dict):
            _put(group.create_group(k), v)
        else:
            group.attrs[k] = v


def write_experiment(
    f: h5py.File,
    name: str,
    data: Any = None,
    *,
    shape: Any = None,
    chunks: Any = None,
    metadata: dict[str, Any] | None = None,
    md_group: str = "metadata",
    om_group: str = "original_metadata",
    navigate: list[bool] | None = None,
) -> h5py.Group:
    """An experiment group the way HyperSpy writes it (axis-i groups, metadata groups)."""
    g = f.require_group("Experiments").create_group(name)
    if data is not None:
        g.create_dataset("data", data=data, chunks=chunks)
        shape = np.shape(data)
    else:
        g.create_dataset("data", shape=shape, dtype="f8", chunks=chunks)
    for i, n in enumerate(shape):
        ax = g.create_group(f"axis-{i}")
        ax.attrs.update({"name": f"ax{i}", "units": "nm", "size": n, "scale": 1.0, "offset": 0.0})
        if navigate is not None:
            ax.attrs["navigate"] = navigate[i]
    _put(
        g.create_group(md_group),
        metadata
        if metadata is not None
        else {"General": {"title": name}, "Signal": {"signal_type": ""}},
    )
    g.create_group(om_group).attrs["origin"] = "test"
    return g


def hspy_file(path: Path, version: str | None = "3.3") -> h5py.File:
    f = h5py.File(path, "w")
    if version is not None:
        f.attrs["file_format"] = "HyperSpy"
        f.attrs["file_format_version"] = version
    return f


# ---------------------------------------------------------------------------- real files
@pytest.mark.shared_data
@needs_files
@pytest.mark.parametrize("path", HSPY_FILES, ids=lambda p: p.name)
def test_real_file_equals_rsciio(path):
    ours = mapper.load(path)
    theirs = rsciio_read(path)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs, strict=True):
        assert (
            set(o)
            == set(t)
            == {
                "data",
                "axes",
                "metadata",
                "original_metadata",
                "attributes",
                "models",
                "package",
                "package_version",
            }
        )
        assert isinstance(o["data"], np.ndarray)
        same_array(o["data"], np.asarray(t["data"]), "data")
        assert len(o["axes"]) == len(t["axes"]) == o["data"].ndim
        for i, (a, b) in enumerate(zip(o["axes"], t["axes"], strict=True)):
            for key in b:  # every key RosettaSciIO gives, with its value
                assert key in a, f"axes[{i}] lacks {key!r}"
                assert_same(a[key], b[key], f"axes[{i}].{key}")
            assert set(a) - set(b) <= {"navigate", "size", "name", "units"}
        for key in (
            "metadata",
            "original_metadata",
            "attributes",
            "models",
            "package",
            "package_version",
        ):
            assert_same(o[key], t[key], key)


@pytest.mark.shared_data
@needs_files
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
@pytest.mark.parametrize("path", HSPY_FILES, ids=lambda p: p.name)
def test_real_file_axes_always_have_navigate_and_size(path, lazy):
    for s in mapper.load(path, lazy=lazy):
        assert len(s["axes"]) == s["data"].ndim
        for ax, n in zip(s["axes"], s["data"].shape, strict=True):
            assert isinstance(ax["navigate"], bool)
            assert int(ax["size"]) == n
        assert s["attributes"]["_lazy"] is lazy


@pytest.mark.shared_data
def test_real_compound_rgba_data():
    path = shared_file("hspy/test_rgba16.hdf5")
    (s,) = mapper.load(path)
    assert s["data"].dtype.names == ("R", "G", "B", "A")
    assert s["data"].dtype["R"] == np.uint16
    with h5py.File(path, "r") as f:
        same_array(s["data"], f["Experiments/Stack of /data"][()], "data")
    (lz,) = mapper.load(path, lazy=True)
    assert lz["data"].dtype == s["data"].dtype
    same_array(lz["data"].compute(), s["data"], "lazy data")


@pytest.mark.shared_data
def test_real_model_file_attaches_the_model_to_its_signal():
    path = shared_file("hspy/hspy_ext_missing.hspy")
    (s,) = mapper.load(path)
    (model,) = s["models"].values()
    assert "_signal" not in model
    (component,) = model["_dict"]["components"]
    assert component["_id_name"] == "MyComponent"
    assert [p["name"] for p in component["parameters"]] == ["parameter_1", "parameter_2"]
    assert component["parameters"][0]["_bounds"] == (0.0, None)
    assert s["package"] == "hspy_ext_missing"


@pytest.mark.shared_data
def test_real_lists_tuples_and_signal_in_metadata():
    (s,) = mapper.load(shared_file("hspy/with_lists_etc.hdf5"))
    test = s["metadata"]["test"]
    assert_same(test["list"], [42])
    assert_same(test["tuple"], (1, 2))
    assert_same(test["empty_list"], [])
    assert_same(test["empty_tuple"], ())
    assert_same(test["list_inside_list"], [42, 137, [0, 1]])
    assert_same(test["tuple_inside_tuple"], (137, (123, 44)))
    assert isinstance(test["binary_string"], bytes)
    var = s["metadata"]["Signal"]["Noise_properties"]["_sig_variance"]
    np.testing.assert_array_equal(var["data"], np.arange(10))
    assert var["axes"][0]["size"] == 10


@pytest.mark.shared_data
def test_real_old_version_is_upgraded_like_rsciio():
    path = shared_file("hspy/example1_v1.0.hdf5")
    (s,) = mapper.load(path)
    md = s["metadata"]
    # mapped_parameters (1.0) become metadata, in the current layout
    assert md["General"] == {
        "title": "NIO EELS OK SHELL",
        "original_filename": "msa_files/example1.msa",
    }
    assert md["Signal"] == {"record_by": "spectrum", "signal_type": "EELS"}
    tem = md["Acquisition_instrument"]["TEM"]
    assert tem["Detector"]["dwell_time"] == 100.0  # TEM.dwell_time -> TEM.EELS -> Detector
    assert "TEM" not in md and "title" not in md
    assert s["original_metadata"]["TITLE"] == "NIO EELS OK SHELL"  # original_parameters
    assert s["axes"][0]["navigate"] is False  # record_by spectrum


# ---------------------------------------------------------------------------- lazy
def test_lazy_data_is_dask_on_the_disk_chunks_and_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.hspy"
    shape, disk = (300, 256, 256), (7, 64, 256)  # 150 MB, never written: the file stays small
    with hspy_file(path) as f:
        write_experiment(f, "big", shape=shape, chunks=disk, navigate=[True, False, False])
    reads = spy_reads(monkeypatch)
    (s,) = mapper.load(path, lazy=True)
    assert "/Experiments/big/data" not in reads  # nothing of the bulk data at load
    arr = s["data"]
    assert isinstance(arr, da.Array)
    assert arr.shape == shape and arr.dtype == np.float64
    assert s["attributes"]["_lazy"] is True
    assert len(arr.chunks[0]) > 1  # split: the array is larger than one dask chunk
    for dim, (sizes, c) in enumerate(zip(arr.chunks, disk, strict=True)):
        edges = np.cumsum(sizes)[:-1]
        assert all(e % c == 0 for e in edges), f"dim {dim}: {sizes} not on chunks of {c}"
    reads.clear()
    block = arr.blocks[1, 0, 0].compute()
    assert "/Experiments/big/data" in reads
    assert block.shape == (arr.chunks[0][1], 256, 256) and not block.any()


def test_lazy_load_reads_the_file_when_computed(tmp_path):
    path = tmp_path / "small.hspy"
    data = np.arange(4 * 8 * 8, dtype=np.int32).reshape(4, 8, 8)
    with hspy_file(path) as f:
        write_experiment(f, "s", data, chunks=(1, 8, 8), navigate=[True, False, False])
    (s,) = mapper.load(path, lazy=True)
    assert s["data"].chunks == ((4,), (8,), (8,))  # a whole multiple of (1, 8, 8)
    with h5py.File(path, "r+") as f:  # change the data after the load
        f["Experiments/s/data"][0] = -1
    out = s["data"].compute()
    assert (out[0] == -1).all()
    np.testing.assert_array_equal(out[1:], data[1:])
    (eager,) = mapper.load(path)
    np.testing.assert_array_equal(eager["data"], out)


@pytest.mark.shared_data
def test_real_file_lazy_chunks_align_and_values_match():
    path = shared_file("hspy/test_rgba16.hdf5")
    (s,) = mapper.load(path, lazy=True)
    with h5py.File(path, "r") as f:
        disk = f["Experiments/Stack of /data"].chunks
    for sizes, c in zip(s["data"].chunks, disk, strict=True):
        assert all(e % c == 0 for e in np.cumsum(sizes)[:-1])
    (eager,) = mapper.load(path)
    same_array(s["data"].compute(), eager["data"], "data")


# ---------------------------------------------------------------------------- versions
def test_newer_format_version_loads_with_a_warning(tmp_path):
    path = tmp_path / "future.hspy"
    with hspy_file(path, version="9.9") as f:
        write_experiment(f, "x", np.arange(5.0))
    with pytest.warns(MapperWarning, match=r"9\.9"):
        (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], np.arange(5.0))
    assert s["metadata"]["General"]["title"] == "x"


OLD_MAPPED_PARAMETERS = {
    "name": "old name",
    "signal": "EELS",
    "record_by": "spectrum",
    "signal_origin": "",
    "title": "the title",
    "date": "2010-01-01",
    "time": "10:00",
    "original_filename": "a.dm3",
    "_internal_parameters": {"stacking_history": {"axis": 1}, "folding": {"unfolded": False}},
    "Variance_estimation": {"gain_factor": 1.0},
    "TEM": {
        "beam_energy": 200.0,
        "dwell_time": 0.1,
        "dwell_time_units": "s",
        "exposure": 1.0,
        "exposure_units": "s",
        "tilt_stage": 5.0,
        "EELS": {"collection_angle": 10.0},
        "EDS": {"azimuth_angle": 1.0},
    },
    "SEM": {"tilt_stage": 3.0, "EDS": {"live_time": 2.0}},
    "Sample": {"Xray_lines": "Fe_Ka"},
}


@pytest.mark.parametrize("version", [None, "1.0", "1.1"])
def test_old_mapped_parameters_are_upgraded_like_rsciio(tmp_path, version):
    path = tmp_path / "old.hdf5"
    with hspy_file(path, version=version) as f:
        g = write_experiment(
            f,
            "old",
            np.arange(4.0),
            metadata=OLD_MAPPED_PARAMETERS,
            md_group="mapped_parameters",
            om_group="original_parameters",
        )
        if version != "1.1":
            g.create_group("mva_results").attrs["poissonian_noise_normalized"] = True
    (ours,) = mapper.load(path)
    (theirs,) = rsciio_read(path)
    for key in ("metadata", "original_metadata", "attributes"):
        assert_same(ours[key], theirs[key], key)
    md = ours["metadata"]
    assert md["General"]["title"] == "the title"
    if version == "1.1":  # 1.1 already had Signal.signal_type: "signal" is left alone
        assert md["signal"] == "EELS" and md["name"] == "old name"
    else:
        assert md["Signal"]["signal_type"] == "EELS" and "signal" not in md
    assert md["_HyperSpy"] == {"Stacking_history": {"axis": 1}, "Folding": {"unfolded": False}}
    tem = md["Acquisition_instrument"]["TEM"]
    assert tem["Detector"]["dwell_time"] == 0.1 and tem["Detector"]["EDS"] == {"azimuth_angle": 1.0}
    assert tem["Stage"] == {"tilt_alpha": 5.0}
    assert md["Acquisition_instrument"]["SEM"]["Detector"]["EDS"] == {"live_time": 2.0}
    assert md["Sample"] == {"xray_lines": "Fe_Ka"}
    assert ours["original_metadata"] == {"origin": "test"}
    if version != "1.1":  # before 1.1: mva_results are the learning results
        assert ours["attributes"]["learning_results"] == {"poissonian_noise_normalized": True}
    assert ours["axes"][0]["navigate"] is False


@pytest.mark.parametrize("version", ["2.2", "2.0"])
def test_version_2_moves_tilt_and_exposure_like_rsciio(tmp_path, version):
    path = tmp_path / "v2.hspy"
    md = {
        "General": {"title": "x"},
        "Acquisition_instrument": {
            "TEM": {"tilt_stage": 5.0, "exposure": 2.0},
            "SEM": {"tilt_stage": 1.0},
        },
    }
    with hspy_file(path, version=version) as f:
        write_experiment(f, "x", np.arange(3.0), metadata=md)
    (ours,) = mapper.load(path)
    (theirs,) = rsciio_read(path)
    assert_same(ours["metadata"], theirs["metadata"], "metadata")
    tem = ours["metadata"]["Acquisition_instrument"]["TEM"]
    assert tem == {"Stage": {"tilt_alpha": 5.0}, "Detector": {"Camera": {"exposure": 2.0}}}


def test_version_2_with_exposure_and_exposure_time_keeps_both_values(tmp_path):
    path = tmp_path / "v2.hspy"
    md = {
        "General": {"title": "x"},
        "Acquisition_instrument": {"TEM": {"exposure": 2.0, "exposure_time": 3.0}},
    }
    with hspy_file(path, version="2.2") as f:
        write_experiment(f, "x", np.arange(3.0), metadata=md)
    (ours,) = mapper.load(path)
    (theirs,) = rsciio_read(path)
    assert_same(ours["metadata"], theirs["metadata"], "metadata")


def test_old_datetime_attributes_become_iso_strings_like_rsciio(tmp_path):
    path = tmp_path / "old.hdf5"
    md = {
        "title": "t",
        "_datetime_date": "datetime.date(1991, 10, 1)",
        "_datetime_time": "datetime.time(12, 30)",
    }
    with hspy_file(path, version="1.1") as f:
        write_experiment(
            f,
            "t",
            np.arange(3.0),
            metadata=md,
            md_group="mapped_parameters",
            om_group="original_parameters",
        )
    (ours,) = mapper.load(path)
    (theirs,) = rsciio_read(path)
    assert_same(ours["metadata"], theirs["metadata"], "metadata")
    assert ours["metadata"]["General"] == {
        "title": "t",
        "date": "1991-10-01",
        "time": dt.time(12, 30).isoformat(),
    }


def test_bytes_attribute_written_as_a_string_reads_as_bytes(tmp_path):
    """A '_bs_' attribute should hold opaque bytes; a writer that stored a str is read leniently
    (RosettaSciIO's reader fails on it)."""
    path = tmp_path / "bs.hspy"
    with hspy_file(path) as f:
        g = write_experiment(f, "x", np.arange(3.0))
        g["metadata"].attrs["_bs_blob"] = "not opaque bytes"
    (s,) = mapper.load(path)
    assert s["metadata"]["blob"] == b"not opaque bytes"
    assert s["metadata"]["General"]["title"] == "x"


# ---------------------------------------------------------------------------- experiments
def _three_experiments(path: Path) -> None:
    with hspy_file(path) as f:
        write_experiment(f, "first", np.arange(3.0))
        write_experiment(f, "second", np.arange(12, dtype=np.int16).reshape(3, 4))
        write_experiment(f, "third", np.ones((2, 2, 2), dtype=np.float32))
        f["Experiments"].create_group("no data").attrs["note"] = "skipped: no data set"


def test_one_signal_per_experiment(tmp_path):
    path = tmp_path / "multi.hspy"
    _three_experiments(path)
    ours = mapper.load(path)
    theirs = rsciio_read(path)
    assert (
        [s["metadata"]["General"]["title"] for s in ours]
        == [s["metadata"]["General"]["title"] for s in theirs]
        == ["first", "second", "third"]
    )
    for o, t in zip(ours, theirs, strict=True):
        same_array(o["data"], t["data"], "data")
        assert_same(o["metadata"], t["metadata"], "metadata")
        assert len(o["axes"]) == o["data"].ndim


def test_mapper_save_of_a_list_gives_one_signal_each(tmp_path):
    path = tmp_path / "two.hspy"
    signals = [
        {
            "data": np.arange(n, dtype=float),
            "axes": [{"name": "e", "navigate": False}],
            "metadata": {"General": {"title": f"s{n}"}},
        }
        for n in (3, 5)
    ]
    mapper.save(path, signals)
    loaded = mapper.load(path)
    assert [s["data"].shape for s in loaded] == [(3,), (5,)]
    assert [s["metadata"]["General"]["title"] for s in loaded] == ["s3", "s5"]
    assert len(rsciio_read(path)) == 2


@pytest.mark.parametrize(
    "selection, titles",
    [
        ("/Experiments/second", ["second"]),
        (["/Experiments/third", "/Experiments/first"], ["first", "third"]),
    ],
)
def test_dataset_path_selects_experiments(tmp_path, selection, titles):
    path = tmp_path / "multi.hspy"
    _three_experiments(path)
    loaded = mapper.load(path, dataset_path=selection)
    assert sorted(s["metadata"]["General"]["title"] for s in loaded) == titles
    for s in loaded:
        if s["metadata"]["General"]["title"] == "second":
            np.testing.assert_array_equal(s["data"], np.arange(12).reshape(3, 4))
    assert (
        mapper.load(path, schema="hspy", dataset_path=selection, lazy=True)[0]["attributes"][
            "_lazy"
        ]
        is True
    )


def test_dataset_path_naming_no_experiment_is_an_error(tmp_path):
    path = tmp_path / "multi.hspy"
    _three_experiments(path)
    with pytest.raises(MapperError, match="/Experiments/nope"):
        mapper.load(path, dataset_path="/Experiments/nope")


def test_schema_is_detected(tmp_path):
    path = tmp_path / "x.hdf5"  # not the .hspy suffix: detected from the file itself
    with hspy_file(path) as f:
        write_experiment(f, "x", np.arange(3.0))
    assert mapper.detect(path) == "hspy"
    (a,) = mapper.load(path)
    (b,) = mapper.load(path, schema="hspy")
    assert_same(a["metadata"], b["metadata"])


def test_unnamed_experiment_reads_back_with_an_empty_title(tmp_path):
    path = tmp_path / "u.hspy"
    with hspy_file(path) as f:
        write_experiment(
            f, "__unnamed__", np.arange(3.0), metadata={"General": {"title": "__unnamed__"}}
        )
    (s,) = mapper.load(path)
    (t,) = rsciio_read(path)
    assert s["metadata"]["General"]["title"] == t["metadata"]["General"]["title"] == ""
