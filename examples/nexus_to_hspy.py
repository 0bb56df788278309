"""Convert a small NeXus (NXdata) file to HyperSpy's .hspy format and back.

Run from the repository root::

    python examples/nexus_to_hspy.py

The script writes ``series.nxs`` into a temporary directory with h5py: one
NXentry with a title, a sample and an NXdata group whose 3-D signal ``data``
(time, y, x) is a short series of images:

* ``time``: a non-uniform axis (kept as a vector of coordinates);
* ``y`` and ``x``: uniform axes in nm (an offset and a scale).

It then

* converts it to ``series.hspy`` with ``mapper.convert`` (reading lazily,
  keeping only the title and sample of the entry in ``original_metadata``),
* shows the HSpy layout with h5py (experiment group named after the title,
  chunks, compression),
* loads the .hspy with mapper, and with RosettaSciIO's reader when it is
  installed, and checks both see the same data and axes,
* converts the .hspy back to NeXus NXdata and loads that.

It asserts the key facts, so it fails loudly if the behaviour changes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import h5py
import numpy as np

import mapper

TITLE = "Heating series"


def write_nexus(path: Path) -> np.ndarray:
    """Write the example NeXus file; return the signal written."""
    nt, ny, nx = 4, 6, 8
    data = np.arange(nt * ny * nx, dtype="float32").reshape(nt, ny, nx)
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["default"] = "images"
        entry["title"] = TITLE
        sample = entry.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample["name"] = "Au nanoparticles"
        sample["temperature"] = np.array([300.0, 350.0, 400.0, 450.0])
        sample["temperature"].attrs["units"] = "K"

        nxdata = entry.create_group("images")
        nxdata.attrs["NX_class"] = "NXdata"
        nxdata.attrs["signal"] = "data"
        nxdata.attrs["axes"] = np.array(["time", "y", "x"], dtype=h5py.string_dtype())
        nxdata.create_dataset("data", data=data, chunks=(1, ny, nx))
        nxdata["time"] = np.array([0.0, 1.0, 3.0, 7.0])  # non-uniform
        nxdata["time"].attrs["units"] = "s"
        nxdata["y"] = 10.0 + 0.5 * np.arange(ny)  # uniform
        nxdata["y"].attrs["units"] = "nm"
        nxdata["x"] = 0.5 * np.arange(nx)
        nxdata["x"].attrs["units"] = "nm"
    return data


def describe_axes(axes: list[dict]) -> None:
    for ax in axes:
        kind = "navigation" if ax["navigate"] else "signal"
        if "axis" in ax:
            where = f"non-uniform {np.round(np.asarray(ax['axis'], dtype=float), 3).tolist()}"
        else:
            where = f"offset {float(ax['offset']):g}, scale {float(ax['scale']):g}"
        print(f"  {ax['name']:>5} [{ax['units']}] size {ax['size']}: {kind}; {where}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        nxs = Path(tmp) / "series.nxs"
        data = write_nexus(nxs)
        print(f"{nxs.name}: mapping {mapper.detect(nxs)}")

        # NeXus -> HSpy. The source is read lazily and streamed chunk by chunk.
        hspy = mapper.convert(nxs, Path(tmp) / "series.hspy", to="hspy")
        with h5py.File(hspy, "r") as f:
            print(
                f"{hspy.name}: @file_format={f.attrs['file_format']} "
                f"@file_format_version={f.attrs['file_format_version']}"
            )
            print(f"  experiments: {list(f['Experiments'])}")
            ds = f[f"Experiments/{TITLE}/data"]
            print(
                f"  data {ds.dtype} {ds.shape}, chunks {ds.chunks}, {ds.compression} "
                f"(shuffle={ds.shuffle})"
            )
            assert list(f["Experiments"]) == [TITLE]
            assert ds.compression == "gzip" and ds.shuffle

        # Load it back with mapper: the signal dict of RosettaSciIO's hspy reader.
        s = mapper.load(hspy)[0]
        print(f"mapper: keys {sorted(s)}")
        describe_axes(s["axes"])
        print(
            f"  title {s['metadata']['General']['title']!r}, original_filename "
            f"{s['metadata']['General']['original_filename']!r}"
        )
        om = dict(s["original_metadata"])
        print(f"  original_metadata: {sorted(om)}; sample name {om['sample']['name']['value']!r}")
        assert np.array_equal(s["data"], data)
        assert [a["navigate"] for a in s["axes"]] == [True, False, False]
        assert np.allclose(s["axes"][0]["axis"], [0.0, 1.0, 3.0, 7.0])
        assert s["axes"][1]["offset"] == 10.0 and s["axes"][1]["scale"] == 0.5

        # The same file through RosettaSciIO, when it is installed.
        try:
            from rsciio.hspy import file_reader
        except ImportError:
            print("rsciio: not installed, skipped")
        else:
            r = file_reader(str(hspy))[0]
            print(f"rsciio: keys {sorted(r)}")
            print(f"  axes {[(a['name'], a['units'], bool(a['navigate'])) for a in r['axes']]}")
            assert np.array_equal(r["data"], data)
            assert r["metadata"]["General"]["title"] == TITLE
            assert [a["name"] for a in r["axes"]] == ["time", "y", "x"]

        # HSpy -> NeXus NXdata: /entry/data, with the whole metadata kept in
        # /entry/auxiliary (an NXcollection) and read back from there.
        back = mapper.convert(hspy, Path(tmp) / "series_back.nxs", to="nxdata")
        with h5py.File(back, "r") as f:
            g = f["entry/data"]
            print(
                f"{back.name}: /entry/data @signal={g.attrs['signal']} "
                f"@axes={list(g.attrs['axes'])}; auxiliary: {list(f['entry/auxiliary'])}"
            )
        b = mapper.load(back)[0]
        describe_axes(b["axes"])
        assert np.array_equal(b["data"], data)
        assert [a["name"] for a in b["axes"]] == ["time", "y", "x"]
        assert [a["navigate"] for a in b["axes"]] == [True, False, False]
        assert b["metadata"]["General"]["title"] == TITLE
        bom = dict(b["original_metadata"])
        assert sorted(bom) == sorted(om)
        assert np.array_equal(
            bom["sample"]["temperature"]["value"], om["sample"]["temperature"]["value"]
        )
        print("round trip: data, axes, metadata and original_metadata unchanged")


if __name__ == "__main__":
    main()
