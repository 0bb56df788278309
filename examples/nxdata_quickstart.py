"""Read a small NeXus (NXdata) file with mapper, eagerly and lazily.

Run from the repository root::

    python examples/nxdata_quickstart.py

The script writes ``scan.nxs`` into a temporary directory with h5py, loads it
with the shipped ``nxdata`` mapping, prints what it found and asserts the key
facts, so it fails loudly if the reader's behaviour changes.

The file holds one NXentry with a title and one NXdata group whose 3-D signal
``data`` (y, x, energy) has:

* ``y``: a uniform but *descending* axis (kept in file order: negative scale);
* ``x``: a non-uniform axis (kept as a vector of coordinates);
* ``energy``: bin edges (one value more than the dimension: bin centres);
* ``@interpretation = "spectrum"``: the last axis is the signal axis;
* ``data_errors``: standard uncertainties, read as the variance (squared).

``original_metadata`` (the entry's tree) is read from the file the first time
it is used; the script shows what that means for ``json`` and copies.
"""

from __future__ import annotations

import copy
import json
import tempfile
import warnings
from pathlib import Path

import h5py
import numpy as np

import mapper


def write_file(path: Path) -> np.ndarray:
    """Write the example NeXus file; return the signal written."""
    ny, nx, ne = 4, 5, 6
    data = np.arange(ny * nx * ne, dtype="float32").reshape(ny, nx, ne)
    with h5py.File(path, "w") as f:
        f.attrs["NX_class"] = "NXroot"
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["default"] = "map"
        entry["title"] = "Quickstart EELS map"
        entry["start_time"] = "2024-05-01T10:00:00+02:00"
        sample = entry.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample["name"] = "Si wafer"

        nxdata = entry.create_group("map")
        nxdata.attrs["NX_class"] = "NXdata"
        nxdata.attrs["signal"] = "data"
        nxdata.attrs["axes"] = np.array(["y", "x", "energy"], dtype=h5py.string_dtype())
        nxdata.attrs["y_indices"] = 0
        nxdata.attrs["x_indices"] = 1
        nxdata.attrs["energy_indices"] = 2

        signal = nxdata.create_dataset("data", data=data, chunks=(1, nx, ne), compression="gzip")
        signal.attrs["units"] = "counts"
        signal.attrs["interpretation"] = "spectrum"
        nxdata.create_dataset("data_errors", data=np.sqrt(data), chunks=(1, nx, ne))

        y = nxdata.create_dataset("y", data=np.array([1.5, 1.0, 0.5, 0.0]))  # descending
        y.attrs["units"] = "um"
        x = nxdata.create_dataset("x", data=np.array([0.0, 0.1, 0.3, 0.7, 1.5]))  # non-uniform
        x.attrs["units"] = "um"
        edges = nxdata.create_dataset("energy", data=np.linspace(100.0, 106.0, ne + 1))
        edges.attrs["units"] = "eV"
    return data


def describe(axis: dict) -> str:
    """One line per axis, the way mapper's `show` command prints them."""
    kind = "navigation" if axis["navigate"] else "signal"
    if "axis" in axis:
        coords = f"non-uniform {np.round(axis['axis'], 3).tolist()}"
    else:
        coords = f"offset {axis['offset']:g}, scale {axis['scale']:g}"
    binned = ", bin centres" if axis.get("is_binned") else ""
    return f"{axis['name']:>7} [{axis['units']}] size {axis['size']}: {kind}; {coords}{binned}"


def main() -> None:
    """Write, load, print and check."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.nxs"
        written = write_file(path)
        print(f"wrote {path.name}; mapper picks the mapping {mapper.detect(path)!r}")
        assert mapper.detect(path) == "nxdata"

        # -------------------------------------------------------------- eager
        with warnings.catch_warnings():
            warnings.simplefilter("error", mapper.MapperWarning)  # this file is clean
            signals = mapper.load(path)
        assert len(signals) == 1, "one NXdata group, one signal"
        s = signals[0]
        print(f"\neager: data {s['data'].dtype} {s['data'].shape}")
        for ax in s["axes"]:
            print("  " + describe(ax))
        assert isinstance(s["data"], np.ndarray)
        np.testing.assert_array_equal(s["data"], written)

        y, x, energy = s["axes"]
        assert [a["name"] for a in s["axes"]] == ["y", "x", "energy"]
        # descending: kept in file order, offset = first value, negative scale
        assert (y["offset"], y["scale"], y["units"]) == (1.5, -0.5, "um")
        # non-uniform: the coordinates themselves, units kept
        assert "axis" in x and x["units"] == "um"
        np.testing.assert_allclose(x["axis"], [0.0, 0.1, 0.3, 0.7, 1.5])
        # bin edges 100..106 -> centres 100.5, 101.5, ...
        assert energy["is_binned"] is True
        assert (energy["offset"], energy["scale"], energy["size"]) == (100.5, 1.0, 6)
        # @interpretation = spectrum: only the last axis is a signal axis
        assert [a["navigate"] for a in s["axes"]] == [True, True, False]

        md = s["metadata"]
        print(f"\nmetadata.General: {md['General']}")
        assert md["General"]["title"] == "Quickstart EELS map"
        assert md["General"]["original_filename"] == "scan.nxs"
        variance = md["Signal"]["Noise_properties"]["variance"]
        print(f"metadata.Signal.Noise_properties.variance: {variance.shape} (data_errors**2)")
        np.testing.assert_allclose(variance, written, rtol=1e-6)

        # original_metadata is read from the file on first use, not by load()
        om = s["original_metadata"]
        assert not om.is_loaded and not isinstance(om, dict)
        print(f"original_metadata keys: {sorted(om)}")  # first use: read now
        print(f"  sample/name: {om['sample']['name']}")
        assert om.is_loaded
        assert om["title"]["value"] == "Quickstart EELS map"
        assert om["map"]["attrs"]["signal"] == "data"
        assert om["sample"]["name"]["value"] == "Si wafer"
        # a Mapping, not a dict: json needs dict(om); copies are plain dicts
        try:
            json.dumps(om)
        except TypeError as exc:
            print(f"  json.dumps(om): TypeError ({exc}); json.dumps(dict(om)) works")
        assert json.loads(json.dumps(dict(om), default=str))["title"] == {
            "value": "Quickstart EELS map"
        }
        assert type(copy.deepcopy(om)) is dict and sorted(copy.deepcopy(om)) == sorted(om)

        # ---------------------------------------------------------------- lazy
        lazy = mapper.load(path, lazy=True)[0]
        data = lazy["data"]
        print(f"\nlazy: {type(data).__name__} {data.shape}, chunks {data.chunksize}")
        # dask chunks are whole multiples of the on-disk chunks (1, 5, 6); this file
        # is tiny, so one dask chunk holds all of it
        assert type(data).__name__ == "Array" and data.chunksize == (4, 5, 6)
        assert [a["name"] for a in lazy["axes"]] == ["y", "x", "energy"]
        # no file is open here: each dask task opens the file, reads, closes it
        np.testing.assert_array_equal(data.compute(), written)
        np.testing.assert_allclose(
            lazy["metadata"]["Signal"]["Noise_properties"]["variance"].compute(), written, rtol=1e-6
        )

        # ------------------------------------------- an open file owns the handle
        with mapper.open(path) as f:
            s2 = f.load(lazy=True, skip_array_metadata=True)[0]
            total = float(s2["data"].sum().compute())  # uses f's open handle
        print(f"\ninside mapper.open: sum of data = {total:g}")
        assert total == float(written.sum())
        assert "data" not in s2["original_metadata"]["map"], "arrays skipped"

        # ---------------------------------------------------- options
        only = mapper.load(path, dataset_key="map", metadata_key="sample")[0]
        print(f"metadata_key='sample': original_metadata = {only['original_metadata']}")
        # the entry's own attributes stay under "attrs"; of its children only sample/ matched
        assert sorted(only["original_metadata"]) == ["attrs", "sample"]
    print("\nall checks passed")


if __name__ == "__main__":
    main()
