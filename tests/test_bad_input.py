"""Bad input gets a one-line MapperError (CLI: exit 2, no traceback) and loses nothing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper
from mapper import errors
from mapper.cli import main


def assert_one_line_cli_error(path, capsys, *extra):
    code = main(["show", str(path), *extra])
    captured = capsys.readouterr()
    assert code == 2
    lines = [ln for ln in captured.err.splitlines() if ln.startswith("mapper: error:")]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nope.nxs"
    with pytest.raises(FileNotFoundError, match="no such file"):
        mapper.load(path)
    with pytest.raises(errors.MissingFileError):
        mapper.load(path)
    assert "nope.nxs: no such file" in assert_one_line_cli_error(path, capsys)


def test_directory(tmp_path, capsys):
    with pytest.raises(errors.FileFormatError, match="is a directory"):
        mapper.load(tmp_path)
    assert_one_line_cli_error(tmp_path, capsys)


def test_zero_byte_file(tmp_path, capsys):
    path = tmp_path / "empty.nxs"
    path.write_bytes(b"")
    with pytest.raises(mapper.MapperError, match="empty file"):
        mapper.load(path)
    assert_one_line_cli_error(path, capsys)


def test_truncated_file(tmp_path, capsys):
    path = tmp_path / "t.nxs"
    with h5py.File(path, "w") as f:
        write_nxdata(entry(f).create_group("d"), np.arange(100_000.0))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(mapper.MapperError, match="truncated or damaged"):
        mapper.load(path)
    assert_one_line_cli_error(path, capsys)


def test_not_hdf5(tmp_path, capsys):
    path = tmp_path / "notes.nxs"
    path.write_text("this is not HDF5\n" * 100)
    with pytest.raises(mapper.MapperError, match="not an HDF5 file"):
        mapper.load(path)
    assert "not an HDF5 file" in assert_one_line_cli_error(path, capsys)


def test_hdf5_without_plottable_data(nexus, capsys):
    path = nexus(lambda f: f.create_dataset("x", data=np.arange(3)))
    with pytest.raises(errors.NoMatchError, match="no mapping matches"):
        mapper.load(path)
    with pytest.raises(errors.NoMatchError, match="nothing found for 'nxdata'"):
        mapper.load(path, schema="nxdata")
    assert_one_line_cli_error(path, capsys)


def test_soft_link_cycle_as_signal(nexus, capsys):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g["data"] = h5py.SoftLink("/entry/d/loop")
        g["loop"] = h5py.SoftLink("/entry/d/data")

    path = nexus(build)
    with pytest.warns(mapper.MapperWarning, match="soft-link cycle|without a usable signal"):
        with pytest.raises(mapper.MapperError):
            mapper.load(path)
    assert_one_line_cli_error(path, capsys)


def test_soft_link_cycle_elsewhere_does_not_hang(nexus):
    def build(f):
        e = entry(f)
        write_nxdata(e.create_group("d"), np.arange(3.0))
        e["up"] = h5py.SoftLink("/entry")  # a link back to an ancestor
        e["x"] = h5py.SoftLink("/entry/y")
        e["y"] = h5py.SoftLink("/entry/x")

    (s,) = mapper.load(nexus(build))
    # original_metadata is read on first use: that is where the cycle is met
    with pytest.warns(mapper.MapperWarning, match="soft-link cycle"):
        assert "up" not in s["original_metadata"]


def test_signal_naming_a_group(nexus, capsys):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "sub"})
        g.create_group("sub")

    path = nexus(build)
    with pytest.warns(mapper.MapperWarning, match="names 'sub', which is not a dataset"):
        with pytest.raises(mapper.MapperError):
            mapper.load(path)
    assert_one_line_cli_error(path, capsys)


def test_invalid_utf8_in_signal_attribute(nexus, capsys):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs["NX_class"] = "NXdata"
        g.attrs["signal"] = np.bytes_(b"da\xfft")
        g["data"] = np.arange(3)

    path = nexus(build)
    with pytest.warns(mapper.MapperWarning, match="invalid UTF-8"):
        with pytest.raises(mapper.MapperError):
            mapper.load(path)
    assert_one_line_cli_error(path, capsys)


def test_invalid_utf8_in_metadata_is_kept_as_bytes(nexus):
    def build(f):
        e = entry(f)
        e.attrs["comment"] = np.bytes_(b"caf\xe9")
        write_nxdata(e.create_group("d"), np.arange(3))

    (s,) = mapper.load(nexus(build))
    with pytest.warns(mapper.MapperWarning, match="invalid UTF-8"):
        assert s["original_metadata"]["attrs"]["comment"] == b"caf\xe9"


def test_external_link_outside_allowed_dirs_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    inside = tmp_path / "data"
    inside.mkdir()
    with h5py.File(outside / "secret.h5", "w") as f:
        f["values"] = np.arange(5.0)
    path = inside / "scan.nxs"
    with h5py.File(path, "w") as f:
        g = write_nxdata(entry(f).create_group("d"), np.arange(5.0), ["x"])
        g["x"] = h5py.ExternalLink(str(outside / "secret.h5"), "/values")

    with pytest.warns(mapper.MapperWarning) as record:
        (s,) = mapper.load(path)
    assert any("outside the allowed directories" in str(w.message) for w in record)
    assert s["axes"][0]["name"] == ""  # the axis behind the link was not read
    (s,) = mapper.load(path, allow_dirs=[outside])
    assert s["axes"][0]["name"] == "x"


def test_external_link_allowed_by_environment(tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    with h5py.File(other / "raw.h5", "w") as f:
        f["frames"] = np.arange(4.0)
    path = tmp_path / "sub" / "scan.nxs"
    path.parent.mkdir()
    with h5py.File(path, "w") as f:
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g["data"] = h5py.ExternalLink(str(other / "raw.h5"), "/frames")
    monkeypatch.setenv("MAPPER_ALLOWED_DIRS", str(other))
    (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], np.arange(4.0))


def test_eager_load_larger_than_memory_is_refused(nexus, monkeypatch, capsys):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros((64, 64))))
    monkeypatch.setenv("MAPPER_MEMORY_LIMIT", "1000")
    with pytest.raises(MemoryError, match="use lazy=True"):
        mapper.load(path)
    (s,) = mapper.load(path, lazy=True)  # lazy is fine
    assert s["data"].shape == (64, 64)


def test_bad_schema_name(nexus):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(2)))
    with pytest.raises(errors.NoMatchError, match="did you mean nxdata"):
        mapper.load(path, schema="nxdta")
