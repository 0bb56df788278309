"""One round-trip suite for every mapping that writes (the idea of xarray's DatasetIOBase).

:class:`RoundTripBase` holds the generic checks once: a signal saved with
``mapper.save(path, signal, schema=X)`` loads back with ``mapper.load(path,
schema=X)``, eager and lazy, as the same data, axes and the metadata the
format keeps, and as a signal dict HyperSpy builds a signal from; a list of
signals round-trips; a dask array is streamed block by block; the file written
is detected as X and validates with no error and no warning (API and CLI); a
lazy signal saves to another file and over its own; an existing file is
refused unless ``overwrite=True``; a refused value (alone, in a list, or over
an existing file) leaves the folder as it was.

A subclass per mapping (nxtomo, nxdata, hspy, usid) gives only what is
specific to its format: the signals it can hold (:attr:`~RoundTripBase.cases`
and :meth:`~RoundTripBase.make_signal`), what comes back (:meth:`expected`:
the documented losses), where the data set is and which value it refuses.
The format's own encodings, layouts, options and the interop with peer
libraries stay in test_save_nxtomo.py, test_convert.py, test_hspy_write.py
and test_usid_write.py.
"""

from __future__ import annotations

import copy
import itertools
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import dask.array as da
import h5py
import numpy as np
import pytest
from hspy_compare import assert_same as strict_same
from hspy_compare import axes_for
from nxtomo_files import scratch_signal, write_nxtomo
from usid_files import CASES as USID_CASES
from usid_files import GROUP as USID_GROUP
from usid_files import nav_first

import mapper
from mapper.cli import main as cli_main
from mapper.errors import MissingFileError, WriteError


# ---------------------------------------------------------------------------- helpers
def listing(folder: Path) -> list[str]:
    """The names in a folder: a refused save leaves neither its file nor a temporary file."""
    return sorted(p.name for p in folder.iterdir())


def plain(tree: Any) -> Any:
    """Mappings (a deferred metadata tree) as dicts, all the way down."""
    if isinstance(tree, Mapping):
        return {k: plain(v) for k, v in tree.items()}
    return tree


def loose_same(got: Any, expected: Any, where: str) -> None:
    """Equal as values: same keys, arrays and lists element by element, floats approximately."""
    if isinstance(expected, Mapping):
        assert isinstance(got, Mapping), f"{where}: {got!r} is not a mapping"
        assert set(got) == set(expected), f"{where}: keys {sorted(got)} != {sorted(expected)}"
        for key in expected:
            loose_same(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, (np.ndarray, list, tuple)):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected), err_msg=where)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected), where
    else:
        assert got == expected, f"{where}: {got!r} != {expected!r}"


def check_signal_dict(signal: dict[str, Any]) -> None:
    """The keys and types HyperSpy builds a signal from (``BaseSignal(**signal)``)."""
    assert {"data", "axes", "metadata", "original_metadata"} <= set(signal)
    shape = tuple(signal["data"].shape)
    assert len(signal["axes"]) == len(shape)
    for ax, n in zip(signal["axes"], shape, strict=True):
        assert isinstance(ax["name"], str), ax
        assert isinstance(ax["units"], str), ax
        assert isinstance(ax["navigate"], bool), ax
        assert ax["size"] == n, ax
        if "axis" in ax:
            assert len(ax["axis"]) == n, ax
        else:
            assert isinstance(ax["scale"], float) and isinstance(ax["offset"], float), ax
    assert isinstance(signal["metadata"], Mapping)
    assert isinstance(signal["original_metadata"], Mapping)
    assert isinstance(signal["metadata"]["General"]["title"], str)


def strict_report(path: Path, **kw: Any) -> mapper.Report:
    """``mapper.validate`` with warnings turned into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mapper.validate(path, **kw)


# ---------------------------------------------------------------------------- the base
class RoundTripBase:
    """The generic round-trip tests; a subclass per mapping that writes (not collected itself)."""

    #: The mapping saved and loaded with.
    schema: ClassVar[str]
    #: The file name ending of the files written.
    suffix: ClassVar[str]
    #: Names of the signals the format can hold (:meth:`make_signal`); ``case`` takes each.
    cases: ClassVar[tuple[str, ...]]
    #: The case streamed from a dask array, and its dask chunks (default: one per first index).
    stream_case: ClassVar[str | None] = None
    stream_chunks: ClassVar[tuple[int, ...] | None] = None
    #: ``load`` gives ``metadata.General.original_filename``: the file's name, unless
    #: :meth:`expected` keeps another (a stored one that wins).
    records_filename: ClassVar[bool] = False
    #: Metadata comes back with its types (hspy_compare.assert_same), not only its values.
    strict_metadata: ClassVar[bool] = True

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run the tests that take ``case`` once per case of the subclass."""
        if "case" in metafunc.fixturenames:
            metafunc.parametrize("case", self.cases)

    # ------------------------------------------------------------ hooks
    def make_signal(self, case: str, folder: Path) -> dict[str, Any]:
        """A fresh signal dict of this case (``folder``: for files it is read from)."""
        raise NotImplementedError

    def expected(self, signal: dict[str, Any]) -> dict[str, Any]:
        """The signal that loading what ``signal`` was saved to gives (documented losses)."""
        metadata = copy.deepcopy(plain(signal.get("metadata", {})))
        return {
            "data": signal["data"],
            "axes": copy.deepcopy(signal.get("axes", [])),
            "metadata": metadata,
            "original_metadata": copy.deepcopy(plain(signal.get("original_metadata", {}))),
        }

    def data_path(self, signal: dict[str, Any]) -> str:
        """The HDF5 path of the data set that saving ``signal`` alone writes."""
        raise NotImplementedError

    def refuse(self, signal: dict[str, Any]) -> str:
        """Put a value the format cannot store into ``signal``; a regex of the WriteError."""
        raise NotImplementedError

    def assert_axes(self, got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
        """Same keys, name, units, navigate, size, and offset/scale or axis values."""
        assert [a.get("name") for a in got] == [a.get("name") for a in expected]
        for g, e in zip(got, expected, strict=True):
            where = f"axis {e.get('name')!r}"
            assert set(g) == set(e), f"{where}: keys {sorted(g)} != {sorted(e)}"
            assert g["units"] == e["units"], where
            assert g["navigate"] is e["navigate"], where
            assert g["size"] == e["size"], where
            if "axis" in e:
                np.testing.assert_allclose(
                    g["axis"], e["axis"], rtol=1e-12, atol=1e-12, err_msg=where
                )
            else:
                assert g["offset"] == pytest.approx(e["offset"], rel=1e-12, abs=1e-12), where
                assert g["scale"] == pytest.approx(e["scale"], rel=1e-12), where

    def assert_tree(self, got: Any, expected: Any, where: str) -> None:
        """Compare metadata trees, with types when :attr:`strict_metadata`."""
        if self.strict_metadata:
            strict_same(got, expected, where)
        else:
            loose_same(got, expected, where)

    def assert_original(self, got: dict[str, Any], expected: dict[str, Any]) -> None:
        """``original_metadata`` came back as written."""
        self.assert_tree(got, expected, "original_metadata")

    def assert_same(self, written: dict[str, Any], read: dict[str, Any]) -> None:
        """``read`` (loaded eagerly by :meth:`load`) is what saving ``written`` should give."""
        exp = self.expected(written)
        if self.records_filename:
            name = exp["metadata"].setdefault("General", {}).get("original_filename")
            exp["metadata"]["General"]["original_filename"] = name or read["loaded_from"].name
        want = np.asarray(exp["data"])
        assert isinstance(read["data"], np.ndarray), type(read["data"])
        assert read["data"].dtype == want.dtype, (read["data"].dtype, want.dtype)
        assert read["data"].shape == want.shape, (read["data"].shape, want.shape)
        np.testing.assert_array_equal(read["data"], want)
        self.assert_axes(read["axes"], exp["axes"])
        self.assert_tree(plain(read["metadata"]), exp["metadata"], "metadata")
        self.assert_original(plain(read["original_metadata"]), exp["original_metadata"])

    # ------------------------------------------------------------ plumbing
    @pytest.fixture
    def out(self, tmp_path: Path) -> Path:
        """The folder written to (nothing else in it)."""
        folder = tmp_path / "out"
        folder.mkdir()
        return folder

    @pytest.fixture
    def sources(self, tmp_path: Path) -> Path:
        """A folder for the files some cases are read from."""
        folder = tmp_path / "sources"
        folder.mkdir()
        return folder

    def save(self, path: Path, signal: Any, **kw: Any) -> Path:
        return mapper.save(path, signal, schema=self.schema, **kw)

    def load(self, path: Path, **kw: Any) -> list[dict[str, Any]]:
        """Load with the mapping, each signal checked as HyperSpy needs it (and its path noted)."""
        signals = mapper.load(path, schema=self.schema, **kw)
        for s in signals:
            check_signal_dict(s)
        return [{**s, "loaded_from": path} for s in signals]

    def name(self, stem: str = "out") -> str:
        return f"{stem}{self.suffix}"

    def two_signals(self, folder: Path) -> list[dict[str, Any]]:
        return [self.make_signal(self.cases[0], folder), self.make_signal(self.cases[1], folder)]

    def assert_clean(self, path: Path) -> None:
        assert mapper.detect(path) == self.schema
        report = strict_report(path)
        assert report.schema == self.schema
        assert report.errors == [] and report.warnings == [], report
        assert report.passes(strict=True)

    # ------------------------------------------------------------ round trips
    def test_round_trip(self, case, sources, out):
        signal = self.make_signal(case, sources)
        target = out / self.name()
        assert self.save(target, signal) == target
        (read,) = self.load(target)
        self.assert_same(signal, read)

    def test_lazy_round_trip(self, case, sources, out):
        signal = self.make_signal(case, sources)
        target = self.save(out / self.name(), signal)
        (read,) = self.load(target, lazy=True)
        assert isinstance(read["data"], da.Array)
        self.assert_same(signal, {**read, "data": read["data"].compute()})

    def test_written_file_is_detected_and_validates_clean(self, case, sources, out):
        self.assert_clean(self.save(out / self.name(), self.make_signal(case, sources)))

    def test_cli_validate_strict_says_the_written_files_are_valid(self, sources, out, capsys):
        paths = [
            self.save(out / self.name(case), self.make_signal(case, sources)) for case in self.cases
        ]
        paths.append(self.save(out / self.name("list"), self.two_signals(sources)))
        code = cli_main(["validate", "--schema", self.schema, "--strict", *map(str, paths)])
        printed = capsys.readouterr().out
        assert code == 0, printed
        assert f"{len(paths)} valid, 0 invalid" in printed

    def test_hyperspy_builds_a_signal_from_what_loads(self, sources, out):
        hs = pytest.importorskip("hyperspy.api")
        signal = self.make_signal(self.cases[0], sources)
        target = self.save(out / self.name(), signal)
        (read,) = mapper.load(target, schema=self.schema)
        built = hs.signals.BaseSignal(**read)
        assert built.data.shape == np.shape(read["data"])
        navigate = [ax["navigate"] for ax in read["axes"]]
        assert built.axes_manager.navigation_dimension == sum(navigate)

    def test_save_leaves_the_signal_unchanged(self, case, sources, out):
        signal = self.make_signal(case, sources)
        before = copy.deepcopy(signal)
        self.save(out / self.name(), signal)
        strict_same(signal, before, "signal")

    def test_a_list_of_signals_round_trips(self, sources, out):
        signals = self.two_signals(sources)
        target = self.save(out / self.name("two"), signals)
        read = self.load(target)
        assert len(read) == 2
        for written, got in zip(signals, read, strict=True):
            self.assert_same(written, got)
        self.assert_clean(target)

    def test_dask_data_is_streamed_block_by_block(self, sources, out, monkeypatch):
        signal = self.make_signal(self.stream_case or self.cases[0], sources)
        full = np.asarray(signal["data"])
        computed: list[tuple[int, ...]] = []

        def record(block, block_info=None):
            computed.append(tuple(block_info[0]["chunk-location"]))
            return block

        chunks = self.stream_chunks or (1, *full.shape[1:])
        lazy = da.from_array(full, chunks=chunks).map_blocks(record, dtype=full.dtype)

        def no_whole_array(self, *args, **kwargs):
            raise AssertionError("the dask array was materialised whole")

        monkeypatch.setattr(da.Array, "__array__", no_whole_array)
        target = self.save(out / self.name(), {**signal, "data": lazy})
        monkeypatch.undo()
        blocks = list(itertools.product(*(range(len(c)) for c in lazy.chunks)))
        assert len(blocks) >= 2
        assert sorted(computed) == sorted(blocks)  # each block once, one at a time
        (read,) = self.load(target)
        self.assert_same({**signal, "data": full}, read)

    def test_a_lazy_signal_is_saved_to_another_file_compressed(self, sources, out):
        signal = self.make_signal(self.cases[0], sources)
        first = self.save(out / self.name("first"), signal)
        (lazy,) = mapper.load(first, schema=self.schema, lazy=True, defer_metadata=False)
        assert isinstance(lazy["data"], da.Array)
        second = self.save(out / self.name("second"), lazy, compression="gzip")
        with h5py.File(second, "r") as f:
            assert f[self.data_path(lazy)].compression == "gzip"
        self.assert_clean(second)
        (read,) = self.load(second)
        self.assert_same(lazy, read)
        np.testing.assert_array_equal(read["data"], self.expected(signal)["data"])

    def test_a_lazy_signal_is_saved_over_its_own_file(self, sources, out):
        signal = self.make_signal(self.cases[0], sources)
        target = self.save(out / self.name(), signal)
        (lazy,) = mapper.load(target, schema=self.schema, lazy=True, defer_metadata=False)
        lazy["metadata"]["Sample"]["name"] = "rewritten"
        self.save(target, lazy, overwrite=True)  # reads the old file while writing the new one
        (read,) = self.load(target)
        signal["metadata"]["Sample"]["name"] = "rewritten"
        self.assert_same(signal, read)
        assert listing(out) == [target.name]

    # ------------------------------------------------------------ overwrite, atomic writes
    def test_an_existing_file_is_refused_and_left_byte_identical(self, sources, out):
        target = out / self.name()
        target.write_bytes(b"precious bytes")
        with pytest.raises(WriteError, match="exists") as info:
            self.save(target, self.make_signal(self.cases[0], sources))
        assert "overwrite=True" in str(info.value)
        assert target.read_bytes() == b"precious bytes"
        assert listing(out) == [target.name]

    def test_overwrite_replaces_an_existing_file(self, sources, out):
        first, second = self.two_signals(sources)
        target = out / self.name()
        target.write_bytes(b"old bytes, not HDF5")
        assert self.save(target, first, overwrite=True) == target
        assert self.save(target, second, overwrite=True) == target
        (read,) = self.load(target)  # the new signal only
        self.assert_same(second, read)
        self.assert_clean(target)
        assert listing(out) == [target.name]

    def test_a_refused_value_writes_nothing(self, sources, out):
        bad = self.make_signal(self.cases[0], sources)
        pattern = self.refuse(bad)
        with pytest.raises(WriteError, match=pattern) as info:
            self.save(out / self.name(), bad)
        assert "\n" not in str(info.value)
        assert listing(out) == []
        # over an existing file, even with overwrite=True: the file stays as it was
        target = self.save(out / self.name("kept"), self.make_signal(self.cases[0], sources))
        before = target.read_bytes()
        with pytest.raises(WriteError, match=pattern):
            self.save(target, bad, overwrite=True)
        assert target.read_bytes() == before
        assert listing(out) == [target.name]

    def test_a_refused_value_in_a_list_stops_the_whole_list(self, sources, out):
        good, bad = self.two_signals(sources)
        pattern = self.refuse(bad)
        with pytest.raises(WriteError) as info:
            self.save(out / self.name("two"), [good, bad])
        message = str(info.value)
        assert "signal 1" in message and "signal 0" not in message, message
        assert re.search(pattern, message), message
        assert listing(out) == []

    @pytest.mark.parametrize("what", ["empty-list", "no-data", "list-with-junk"])
    def test_things_that_are_not_signals_raise_write_error(self, what, sources, out):
        signal: Any = {
            "empty-list": [],
            "no-data": {"axes": []},
            "list-with-junk": [self.make_signal(self.cases[0], sources), "not a signal"],
        }[what]
        with pytest.raises(WriteError):
            self.save(out / self.name(), signal)
        assert listing(out) == []

    def test_a_missing_directory_is_a_missing_file_error(self, sources, out):
        with pytest.raises(MissingFileError):
            self.save(out / "no" / "such" / self.name(), self.make_signal(self.cases[0], sources))

    def test_the_written_file_has_ordinary_permissions(self, sources, out):
        target = self.save(out / self.name(), self.make_signal(self.cases[0], sources))
        umask = os.umask(0)
        os.umask(umask)
        assert target.stat().st_mode & 0o777 == 0o666 & ~umask


# ---------------------------------------------------------------------------- nxtomo
class TestNXtomoRoundTrip(RoundTripBase):
    """NXtomo keeps the fields its mapping names; original_metadata is the file's own tree."""

    schema = "nxtomo"
    suffix = ".nxs"
    cases = ("memory", "from_file", "non_uniform_rotation", "descending_rotation")
    records_filename = True
    # what is read back is the values (image_key int32 where int64 was given, ...)
    strict_metadata = False

    def make_signal(self, case: str, folder: Path) -> dict[str, Any]:
        if case == "from_file":  # a file written the facility way, loaded
            path = write_nxtomo(folder / f"source{len(listing(folder))}.nxs")
            (signal,) = mapper.load(path, schema="nxtomo", defer_metadata=False)
            return signal
        signal = scratch_signal(name="échantillon 骨")
        signal["metadata"]["General"]["title"] = "Röntgen µCT"
        rotation = {"name": "rotation_angle", "units": "degree", "navigate": True, "size": 4}
        if case == "non_uniform_rotation":
            signal["axes"][0] = {**rotation, "axis": np.array([0.0, 10.0, 25.0, 90.0])}
        elif case == "descending_rotation":
            signal["axes"][0] = {**rotation, "offset": 180.0, "scale": -30.0}
        return signal

    def expected(self, signal: dict[str, Any]) -> dict[str, Any]:
        """``General.original_filename`` is not written: it is the new file's name."""
        exp = super().expected(signal)
        exp["metadata"].get("General", {}).pop("original_filename", None)
        return exp

    def data_path(self, signal: dict[str, Any]) -> str:
        return "/entry/instrument/detector/data"

    def refuse(self, signal: dict[str, Any]) -> str:
        frames = np.shape(signal["data"])[0]
        signal["metadata"]["Tomography"]["image_key"] = np.array([9] + [0] * (frames - 1))
        return r"image_key.*\b9\b"

    def assert_original(self, got: dict[str, Any], expected: dict[str, Any]) -> None:
        """Not written: what loads is the tree of the file written (the NXentry)."""
        assert got["attrs"]["NX_class"] == "NXentry"
        assert {"instrument", "sample", "data"} <= set(got)


# ---------------------------------------------------------------------------- nxdata
def _axis(name: str, units: str, navigate: bool, size: int, **where: Any) -> dict[str, Any]:
    """An axis dict: ``where`` is ``offset=, scale=`` or ``axis=``."""
    return {"name": name, "units": units, "navigate": navigate, "size": size, **where}


class TestNXdataRoundTrip(RoundTripBase):
    """NXdata keeps everything through auxiliary/hspy_*; axis names become NeXus field names.

    The metadata stored wins over what is read from the file's NeXus fields: a
    signal loaded from ``first.nxs`` and saved again keeps that original_filename.
    """

    schema = "nxdata"
    suffix = ".nxs"
    cases = ("spectrum_image", "image", "image_stack", "spectrum")
    records_filename = True

    def make_signal(self, case: str, folder: Path) -> dict[str, Any]:
        if case == "spectrum_image":  # navigate: spectrum
            data = np.arange(2 * 3 * 5, dtype="f4").reshape(2, 3, 5)
            axes = [
                _axis("y", "nm", True, 2, offset=1.0, scale=2.0),
                _axis("x pos", "nm", True, 3, offset=0.0, scale=1.0),
                _axis("Energy", "eV", False, 5, axis=np.array([0.0, 1.0, 3.0, 7.0, 15.0])),
            ]
        elif case == "image":  # navigate: image, a descending axis
            data = np.arange(12, dtype=np.int16).reshape(3, 4)
            axes = [
                _axis("row", "um", False, 3, offset=10.0, scale=-2.5),
                _axis("col", "um", False, 4, offset=0.0, scale=0.5),
            ]
        elif case == "image_stack":
            data = np.arange(3 * 3 * 4, dtype=np.uint16).reshape(3, 3, 4)
            axes = [
                _axis("time", "s", True, 3, axis=np.array([0.0, 0.25, 1.0])),
                _axis("y", "nm", False, 3, offset=0.0, scale=1.0),
                _axis("x", "nm", False, 4, offset=0.0, scale=1.0),
            ]
        else:  # spectrum
            data = np.linspace(0.0, 1.0, 6)
            axes = [_axis("Energy", "keV", False, 6, offset=0.5, scale=0.01)]
        return {
            "data": data,
            "axes": axes,
            "metadata": {
                "General": {"title": f"carte µ {case}"},
                "Signal": {"signal_type": "EDS"},
                "Sample": {"name": "échantillon 骨", "elements": ["Fe", "O"]},
                "Acquisition_instrument": {"list": list(range(12)), "none": None},
            },
            "original_metadata": {"vendor": {"NX_class": "NXdata", "x": 1}},
        }

    def expected(self, signal: dict[str, Any]) -> dict[str, Any]:
        """Axis names become NeXus field names (characters outside [A-Za-z0-9_] are ``_``)."""
        exp = super().expected(signal)
        for ax in exp["axes"]:
            ax["name"] = re.sub(r"[^A-Za-z0-9_]", "_", ax["name"])
        return exp

    def data_path(self, signal: dict[str, Any]) -> str:
        return "/entry/data/data"

    def refuse(self, signal: dict[str, Any]) -> str:
        signal["metadata"]["Acq"] = {"tags": {1, 2}}
        return r"Acq\.tags: a builtins\.set cannot be stored"


# ---------------------------------------------------------------------------- hspy
class TestHSpyRoundTrip(RoundTripBase):
    """HSpy keeps the whole signal dict, with types (the codec's own tests: test_hspy_write)."""

    schema = "hspy"
    suffix = ".hspy"
    cases = ("spectrum_image", "non_uniform", "image_int16")

    def make_signal(self, case: str, folder: Path) -> dict[str, Any]:
        if case == "spectrum_image":
            data = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
            axes = axes_for(data.shape, [True, True, False])
        elif case == "non_uniform":
            data = np.arange(3 * 5, dtype=np.float64).reshape(3, 5)
            axes = axes_for(data.shape, [True, False])
            del axes[1]["scale"], axes[1]["offset"]
            axes[1].update(_type="DataAxis", axis=np.array([1.0, 2.0, 4.0, 8.0, 16.0]))
        else:
            data = np.arange(4 * 6, dtype=np.int16).reshape(4, 6)
            axes = axes_for(data.shape, [False, False])
        return {
            "data": data,
            "axes": axes,
            "metadata": {
                "General": {"title": f"sig {case}"},
                "Signal": {"signal_type": "EELS", "quantity": "Intensity (counts)"},
                "Sample": {"name": "échantillon 骨", "elements": ["Fe", "O"], "thickness": 12.5},
                "Acquisition_instrument": {"TEM": {"beam_energy": 200.0, "tilted": True}},
            },
            "original_metadata": {"header": {"Version": 3, "note": "välue ✓"}},
        }

    def assert_axes(self, got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
        """Every key of every axis, with its type."""
        strict_same(got, expected, "axes")

    def data_path(self, signal: dict[str, Any]) -> str:
        return f"/Experiments/{signal['metadata']['General']['title']}/data"

    def refuse(self, signal: dict[str, Any]) -> str:
        signal["metadata"]["Acq"] = {"tags": {1, 2}}
        return r"metadata\.Acq\.tags"


# ---------------------------------------------------------------------------- usid
class TestUSIDRoundTrip(RoundTripBase):
    """USID stores navigation axes first; the main's name is the title ("Raw_Data" if none)."""

    schema = "usid"
    suffix = ".h5"
    cases = tuple(sorted(USID_CASES))
    # blocks that are not contiguous rows of the 2-D main (x is split)
    stream_case = "4d"
    stream_chunks = (2, 2, 4, 5)

    def make_signal(self, case: str, folder: Path) -> dict[str, Any]:
        signal = USID_CASES[case]()
        signal["metadata"]["Sample"] = {"name": "échantillon 骨", "thickness": 12.5}
        signal["original_metadata"] = {"Vendor": {"id": "x7", "gain": 2.0}}
        return signal

    @staticmethod
    def main_name(signal: dict[str, Any]) -> str:
        title = plain(signal["metadata"]).get("General", {}).get("title")
        return title.replace("/", "_") if title else "Raw_Data"

    def expected(self, signal: dict[str, Any]) -> dict[str, Any]:
        """Navigation axes first; the title is the main's name; a quantity is always there."""
        exp = super().expected(signal)
        exp["data"], exp["axes"] = nav_first({**signal, "data": np.asarray(signal["data"])})
        exp["axes"] = copy.deepcopy(exp["axes"])
        exp["metadata"].setdefault("General", {})["title"] = self.main_name(signal)
        exp["metadata"].setdefault("Signal", {}).setdefault("quantity", "Unknown Quantity (a. u.)")
        return exp

    def assert_same(self, written: dict[str, Any], read: dict[str, Any]) -> None:
        super().assert_same(written, read)
        where = re.escape(self.data_path(written)).replace("Measurement_000", r"Measurement_\d{3}")
        assert re.fullmatch(where, read["original_metadata"]["dataset_path"])

    def assert_original(self, got: dict[str, Any], expected: dict[str, Any]) -> None:
        """The items written come back; the reader adds its own (dataset_path, Main, ...)."""
        self.assert_tree({k: got[k] for k in expected}, expected, "original_metadata")

    def data_path(self, signal: dict[str, Any]) -> str:
        return f"{USID_GROUP}/{self.main_name(signal)}"

    def refuse(self, signal: dict[str, Any]) -> str:
        signal["metadata"]["Acq"] = {"tags": {"x"}}
        return r"metadata\.Acq\.tags: a value of type set cannot be stored"
