"""mapper.convert and `mapper convert`: NeXus NXdata <-> HSpy, and NXdata writing.

The generic save/load round trip of the nxdata mapping is TestNXdataRoundTrip
in test_roundtrip.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import h5py
import numpy as np
import pytest

import mapper
from mapper.cli import main
from mapper.errors import WriteError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RSCIIO_NEXUS = sorted((SHARED / "nexus" / "rsciio").glob("*.nxs"))
HSPY_FILES = sorted((SHARED / "hspy").glob("*")) if (SHARED / "hspy").is_dir() else []


def spectrum_image() -> dict:
    data = np.arange(2 * 3 * 5, dtype="f4").reshape(2, 3, 5)
    return {
        "data": data,
        "axes": [
            {"name": "y", "units": "nm", "navigate": True, "size": 2, "scale": 2.0, "offset": 1.0},
            {
                "name": "x pos",
                "units": "nm",
                "navigate": True,
                "size": 3,
                "scale": 1.0,
                "offset": 0.0,
            },
            {
                "name": "Energy",
                "units": "eV",
                "navigate": False,
                "size": 5,
                "axis": np.array([0.0, 1.0, 3.0, 7.0, 15.0]),
            },
        ],
        "metadata": {
            "General": {"title": "map", "date": dt.date(2024, 5, 1)},
            "Signal": {"signal_type": "EDS"},
            "Acquisition_instrument": {"list": list(range(12)), "none": None},
        },
        "original_metadata": {"vendor": {"NX_class": "NXdata", "x": 1}},
    }


def test_hspy_to_nxdata_and_back_keeps_data_axes_and_metadata(tmp_path):
    src = mapper.save(tmp_path / "a.hspy", spectrum_image())
    nxs = mapper.convert(src, tmp_path / "a.nxs", to="nxdata")
    back = mapper.convert(nxs, tmp_path / "b.hspy", to="hspy")
    (s,) = mapper.load(back)
    orig = spectrum_image()
    np.testing.assert_array_equal(s["data"], orig["data"])
    assert [a["navigate"] for a in s["axes"]] == [True, True, False]
    assert [a["units"] for a in s["axes"]] == ["nm", "nm", "eV"]
    assert s["axes"][1]["name"] == "x_pos"  # NeXus-safe field name (documented loss)
    np.testing.assert_array_equal(s["axes"][2]["axis"], orig["axes"][2]["axis"])
    assert (s["axes"][0]["offset"], s["axes"][0]["scale"]) == (1.0, 2.0)
    md = s["metadata"]
    assert md["General"]["date"] == dt.date(2024, 5, 1)
    assert md["Acquisition_instrument"] == orig["metadata"]["Acquisition_instrument"]
    assert s["original_metadata"] == {"vendor": {"NX_class": "NXdata", "x": 1}}


def test_nxdata_written_has_no_stray_nxdata(tmp_path):
    """The layout; that it validates and loads back is TestNXdataRoundTrip (test_roundtrip.py)."""
    nxs = mapper.save(tmp_path / "a.nxs", spectrum_image(), schema="nxdata")
    with h5py.File(nxs) as f:
        classes: list[tuple[str, object]] = []
        f.visititems(lambda n, o: classes.append((n, o.attrs.get("NX_class"))))
        assert [n for n, c in classes if c == "NXdata"] == ["entry/data"]
        assert f["entry/data"].attrs["signal"] == "data"
        assert list(f["entry/data"].attrs["axes"]) == ["y", "x_pos", "Energy"]
        assert f["entry/data/x_pos"].attrs["long_name"] == "x pos"
        assert f["entry/data/data"].attrs["interpretation"] == "spectrum"
        assert f.attrs["default"] == "entry" and f["entry"].attrs["default"] == "data"


def test_nexusformat_and_rsciio_read_our_nxdata(tmp_path):
    nexus = pytest.importorskip("nexusformat.nexus")
    rsciio_nexus = pytest.importorskip("rsciio.nexus")
    nxs = mapper.save(tmp_path / "a.nxs", spectrum_image(), schema="nxdata")
    root = nexus.nxload(str(nxs))
    np.testing.assert_array_equal(root["entry/data"].nxsignal.nxvalue, spectrum_image()["data"])
    (r,) = rsciio_nexus.file_reader(str(nxs), nxdata_only=True)
    np.testing.assert_array_equal(r["data"], spectrum_image()["data"])


def test_several_signals_get_one_entry_each(tmp_path):
    a, b = spectrum_image(), spectrum_image()
    b["metadata"]["General"]["title"] = "other"
    b["data"] = b["data"] * 2
    nxs = mapper.save(tmp_path / "m.nxs", [a, b], schema="nxdata")
    with h5py.File(nxs) as f:
        assert sorted(f) == ["entry0000", "entry0001"]


def test_convert_refuses_to_write_over_its_source(tmp_path):
    src = mapper.save(tmp_path / "a.hspy", spectrum_image())
    with pytest.raises(WriteError, match="being converted"):
        mapper.convert(src, src, to="hspy", overwrite=True)


def test_convert_uses_whole_signal_chunks_for_streamed_data(tmp_path):
    nxs = tmp_path / "big.nxs"
    with h5py.File(nxs, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        d = e.create_group("data")
        d.attrs.update({"NX_class": "NXdata", "signal": "data"})
        d.create_dataset("data", data=np.ones((16, 64, 64), "f4"), chunks=(1, 16, 16))
    out = mapper.convert(nxs, tmp_path / "big.hspy")
    with h5py.File(out) as f:
        (name,) = list(f["Experiments"])
        assert f[f"Experiments/{name}/data"].chunks[1:] == (64, 64)


def test_cli_convert(tmp_path, capsys):
    src = mapper.save(tmp_path / "a.hspy", spectrum_image())
    out = tmp_path / "a.nxs"
    assert main(["convert", str(src), str(out), "--to", "nxdata"]) == 0
    assert "-> " in capsys.readouterr().out
    assert main(["convert", str(src), str(out), "--to", "nxdata"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (
        main(
            [
                "convert",
                str(src),
                str(out),
                "--to",
                "nxdata",
                "--overwrite",
                "--compression",
                "none",
            ]
        )
        == 0
    )
    assert main(["convert", str(src), str(tmp_path / "x.h5"), "--to", "no_such"]) == 2
    assert "no mapping named" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.skipif(not RSCIIO_NEXUS, reason="shared data absent")
@pytest.mark.parametrize("path", RSCIIO_NEXUS, ids=lambda p: p.name)
def test_shared_nexus_files_convert_to_hspy_and_rsciio_reads_them(path, tmp_path):
    rsciio_hspy = pytest.importorskip("rsciio.hspy")
    try:
        before = mapper.load(path)
    except mapper.MapperError:
        pytest.skip("no mapping reads this file without options")
    out = mapper.convert(path, tmp_path / "x.hspy")
    after = mapper.load(out)
    theirs = rsciio_hspy.file_reader(str(out))
    assert len(after) == len(before) == len(theirs)
    for a, b, r in zip(before, after, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(a["data"]), b["data"])
        np.testing.assert_array_equal(r["data"], b["data"])
        assert [(x["name"], x["units"]) for x in a["axes"]] == [
            (x["name"], x["units"]) for x in b["axes"]
        ]


@pytest.mark.skipif(not HSPY_FILES, reason="shared data absent")
@pytest.mark.parametrize("path", HSPY_FILES, ids=lambda p: p.name)
def test_shared_hspy_files_convert_to_valid_nxdata(path, tmp_path):
    out = mapper.convert(path, tmp_path / "x.nxs", to="nxdata")
    assert mapper.validate(out).ok
    for a, b in zip(mapper.load(path), mapper.load(out), strict=True):
        np.testing.assert_array_equal(a["data"], b["data"])
        assert [x["size"] for x in a["axes"]] == [x["size"] for x in b["axes"]]
