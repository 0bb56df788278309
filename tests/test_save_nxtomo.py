"""mapper.save with the nxtomo mapping: the layout written, peers read it, atomic writes.

The generic round trip (load-save-load, eager and lazy, in-memory signals,
non-uniform and descending rotation axes, non-ASCII text, lists, dask, clean
validation, overwrite, permissions) is ``TestNXtomoRoundTrip`` in
test_roundtrip.py. Here: what is NXtomo-specific. A signal is checked against
the mapping's rules before anything is written; a bad one raises WriteError
naming every problem and leaves no file (and no temporary file) behind.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from nxtomo_files import N_FRAMES, NX, NY, scratch_signal, write_nxtomo

import mapper
from mapper.engine import write as _write
from mapper.errors import MapperError, WriteError
from mapper.hdf5 import write as _h5write


def source_signal(tmp_path: Path, lazy: bool = False, **kwargs: Any) -> dict[str, Any]:
    path = write_nxtomo(tmp_path / f"src{len(list(tmp_path.iterdir()))}.nxs", **kwargs)
    (s,) = mapper.load(path, "nxtomo", lazy=lazy, defer_metadata=False)
    return s


def strict_validate(path: Path) -> mapper.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mapper.validate(path)


def assert_clean(path: Path) -> None:
    report = strict_validate(path)
    assert report.schema == "nxtomo"
    assert report.errors == [] and report.warnings == [], report


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ storage options
def test_compression_and_chunks_apply_to_the_frames(tmp_path):
    frames = np.arange(N_FRAMES * 64 * 64, dtype=np.uint16).reshape(N_FRAMES, 64, 64)
    s = source_signal(tmp_path, data=frames)
    out = mapper.save(tmp_path / "c.nxs", s, compression="gzip", chunks=(1, 64, 64))
    with h5py.File(out, "r") as f:
        ds = f["entry/instrument/detector/data"]
        assert ds.compression == "gzip" and ds.chunks == (1, 64, 64)
    assert_clean(out)
    (t,) = mapper.load(out)
    np.testing.assert_array_equal(t["data"], frames)


def test_compression_and_chunks_apply_to_small_frames_too(tmp_path):
    out = mapper.save(
        tmp_path / "c.nxs", source_signal(tmp_path), compression="gzip", chunks=(1, NY, NX)
    )
    with h5py.File(out, "r") as f:
        ds = f["entry/instrument/detector/data"]
        assert (ds.compression, ds.chunks) == ("gzip", (1, NY, NX))


# ------------------------------------------------------------------ the layout written
def test_every_group_has_an_nx_class_and_the_default_chain_ends_at_nxdata(tmp_path):
    out = mapper.save(tmp_path / "out.nxs", source_signal(tmp_path))
    with h5py.File(out, "r") as f:
        groups: list[str] = []
        f.visititems(lambda name, obj: groups.append(name) if isinstance(obj, h5py.Group) else None)
        assert groups
        for g in groups:
            assert "NX_class" in f[g].attrs, g
        assert f["entry"].attrs["NX_class"] == "NXentry"
        assert f["entry/instrument/detector"].attrs["NX_class"] == "NXdetector"
        assert f["entry/sample"].attrs["NX_class"] == "NXsample"
        assert f["entry/data"].attrs["NX_class"] == "NXdata"
        node = f
        for _ in range(4):
            if node.attrs.get("NX_class") == "NXdata":
                break
            node = node[node.attrs["default"]]
        assert node.name == "/entry/data"
        assert f["entry/data"].attrs["signal"] == "data"
        assert list(f["entry/data"].attrs["axes"]) == ["rotation_angle", ".", "."]
        assert f["entry/definition"][()].decode() == "NXtomo"


def test_link_targets_carry_target_and_the_nxdata_fields_are_links(tmp_path):
    out = mapper.save(tmp_path / "out.nxs", source_signal(tmp_path))
    with h5py.File(out, "r") as f:
        for name, target in (
            ("data", "/entry/instrument/detector/data"),
            ("rotation_angle", "/entry/sample/rotation_angle"),
            ("image_key", "/entry/instrument/detector/image_key"),
        ):
            assert f[target].attrs["target"] == target
            assert f[f"entry/data/{name}"].id == f[target].id
            assert f[f"entry/data/{name}"].attrs["target"] == target


def test_root_attributes_name_the_file_and_the_creator(tmp_path):
    out = mapper.save(tmp_path / "out.nxs", source_signal(tmp_path))
    with h5py.File(out, "r") as f:
        assert f.attrs["file_name"] == "out.nxs"
        assert str(f.attrs["creator"]).startswith("mapper ")
        assert "file_time" in f.attrs


# ------------------------------------------------------------------ the nxtomo library reads it
def test_the_nxtomo_library_reads_the_written_file(tmp_path):
    nxtomo_app = pytest.importorskip("nxtomo.application.nxtomo")
    s = source_signal(tmp_path)
    # the library reads control/data as a current
    s["metadata"]["Tomography"]["control_data_units"] = "mA"
    out = mapper.save(tmp_path / "out.nxs", s)
    assert_clean(out)
    nx = nxtomo_app.NXtomo().load(str(out), "entry", detector_data_as="as_numpy_array")
    det = nx.instrument.detector
    np.testing.assert_array_equal(det.data, s["data"])
    np.testing.assert_array_equal(
        [int(k.value) for k in det.image_key], s["metadata"]["Tomography"]["image_key"]
    )
    angles = nx.sample.rotation_angle
    np.testing.assert_allclose(angles.to("degree").magnitude, np.linspace(0, 180, N_FRAMES))
    assert det.x_pixel_size.to("um").magnitude == pytest.approx(6.5)
    assert det.y_pixel_size.to("um").magnitude == pytest.approx(6.5)
    assert nx.sample.name == "bone-17"
    assert nx.title == "tomo scan 17"
    np.testing.assert_allclose(nx.control.data.to("mA").magnitude, np.full(N_FRAMES, 1000.0))
    np.testing.assert_allclose(nx.sample.x_translation.to("mm").magnitude, 0.0)


# ------------------------------------------------------------------ overwrite and atomicity
def test_a_file_that_appears_while_writing_is_not_clobbered(tmp_path, monkeypatch):
    target = tmp_path / "out.nxs"
    real = _write.apply_plan

    def racing(h5, *args, **kwargs):
        real(h5, *args, **kwargs)
        target.write_bytes(b"someone else")

    monkeypatch.setattr(_write, "apply_plan", racing)
    with pytest.raises(WriteError, match="exists"):
        mapper.save(target, scratch_signal())
    assert target.read_bytes() == b"someone else"
    assert files_in(tmp_path) == ["out.nxs"]


def test_a_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_h5write, "_dataset", broken)
    with pytest.raises(WriteError, match=r"out.nxs: cannot write \(OSError: disk full"):
        mapper.save(tmp_path / "out.nxs", scratch_signal())
    assert files_in(tmp_path) == []


def test_bytes_are_decoded_and_lists_refused_for_string_fields(tmp_path):
    s = scratch_signal()
    s["metadata"].setdefault("General", {})["title"] = "café".encode()
    (back,) = mapper.load(mapper.save(tmp_path / "a.nxs", s))
    assert back["metadata"]["General"]["title"] == "café"
    s["metadata"]["Sample"]["name"] = ["a", "b"]
    with pytest.raises(WriteError, match=r"metadata\.Sample\.name: .* found a list"):
        mapper.save(tmp_path / "b.nxs", s)
    assert not (tmp_path / "b.nxs").exists()


# ------------------------------------------------------------------ bad signals
def _broken(s: dict[str, Any], what: str) -> None:
    if what == "deg pixel size":
        s["axes"][1]["units"] = "deg"
    elif what == "image_key 7":
        s["metadata"]["Tomography"]["image_key"] = np.array([7] + [0] * (N_FRAMES - 1))
    elif what == "rank 2 data":
        s["data"] = s["data"].reshape(N_FRAMES, NY * NX)
        s["axes"] = s["axes"][:2]
    elif what == "no sample name":
        del s["metadata"]["Sample"]["name"]
    elif what == "no image_key":
        del s["metadata"]["Tomography"]["image_key"]
    elif what == "float frames":
        s["data"] = s["data"].astype(np.float32)
    elif what == "11 image keys":
        s["metadata"]["Tomography"]["image_key"] = np.zeros(N_FRAMES - 1, dtype=int)
    elif what == "probe muon":
        s["metadata"]["Acquisition_instrument"]["Source"]["probe"] = "muon"
    elif what == "bad start_time":
        s["metadata"]["Tomography"]["start_time"] = "yesterday"
    elif what == "angles in metres":
        s["axes"][0]["units"] = "m"


BAD = {
    "deg pixel size": ("axes[1]", "deg"),
    "image_key 7": ("image_key", "7"),
    "rank 2 data": ("data", "rank 2"),
    "no sample name": ("Sample.name", "required"),
    "no image_key": ("image_key", "required"),
    "float frames": ("data", "float32"),
    "11 image keys": ("image_key", "nFrames"),
    "probe muon": ("probe", "muon"),
    "bad start_time": ("start_time", "yesterday"),
    "angles in metres": ("axes[0]", "'m'"),
}


@pytest.mark.parametrize("what", list(BAD))
def test_a_bad_signal_raises_write_error_and_leaves_nothing(tmp_path, what):
    s = source_signal(tmp_path)
    _broken(s, what)
    before = files_in(tmp_path)
    with pytest.raises(WriteError) as info:
        mapper.save(tmp_path / "out.nxs", s)
    message = str(info.value)
    for word in BAD[what]:
        assert word in message, message
    assert "\n" not in message
    assert files_in(tmp_path) == before  # no out.nxs, no .out.nxs.*.tmp


def test_write_error_lists_every_problem_at_once(tmp_path):
    s = source_signal(tmp_path)
    for what in ("deg pixel size", "image_key 7", "no sample name"):
        _broken(s, what)
    with pytest.raises(WriteError) as info:
        mapper.save(tmp_path / "out.nxs", s)
    message = str(info.value)
    for word in ("axes[1]", "deg", "image_key", "7", "Sample.name"):
        assert word in message, message
    assert not (tmp_path / "out.nxs").exists()


def test_write_error_is_a_mapper_error_and_a_value_error(tmp_path):
    s = source_signal(tmp_path)
    _broken(s, "no sample name")
    with pytest.raises(MapperError):
        mapper.save(tmp_path / "a.nxs", s)
    with pytest.raises(ValueError):
        mapper.save(tmp_path / "b.nxs", s)


def test_a_signal_without_the_required_rotation_axis_is_refused(tmp_path):
    s = scratch_signal()
    s["axes"] = []
    with pytest.raises(WriteError):
        mapper.save(tmp_path / "out.nxs", s)
    assert files_in(tmp_path) == []


# ------------------------------------------------------------------ several signals
def test_a_list_of_two_signals_gives_two_linked_entries_with_defaults(tmp_path):
    """The entries written for a list; that they load back is in test_roundtrip.py."""
    first = source_signal(tmp_path)
    second = scratch_signal(frames=5, name="second")
    out = mapper.save(tmp_path / "two.nxs", [first, second])
    with h5py.File(out, "r") as f:
        entries = sorted(k for k in f if f[k].attrs.get("NX_class") == "NXentry")
        assert entries == ["entry0000", "entry0001"]
        assert f.attrs["default"] == "entry0000"
        for e in entries:
            assert f[e].attrs["default"] == "data"
            assert f[f"{e}/data/data"].id == f[f"{e}/instrument/detector/data"].id
    assert_clean(out)
