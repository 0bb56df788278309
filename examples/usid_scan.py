"""Write, read and validate a USID file: a bias-spectroscopy map on a 2-D grid.

Run from the repository root::

    python examples/usid_scan.py

The script builds a signal dict by hand: a (6, 8) grid of positions (Y, X, in
um) with a current-voltage curve of 5 non-uniform bias steps at each. It then

* saves it with ``mapper.save(schema="usid")`` and shows the USID layout with
  h5py (the 2-D main dataset, its four ancillary datasets, the metadata as
  attributes of the Measurement group),
* writes a second file by hand in the layout of old pyUSID releases, which
  list the dimensions fastest first, and shows that both load to the same
  N-D array with the same axes (the dimension-order rule),
* loads lazily (a dask array reshaped without reading),
* makes a sparse copy (every other position) that loads as its 2-D form with
  a warning,
* validates the files, and a copy with duplicate labels.

It asserts the key facts, so it fails loudly if the behaviour changes.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import h5py
import numpy as np

import mapper

BIAS = np.array([-2.0, -1.0, 0.0, 0.5, 2.0])  # V, non-uniform


def make_signal() -> dict:
    y, x = np.mgrid[0:6, 0:8]
    data = (y[..., None] + 0.1 * x[..., None]) * BIAS  # (Y, X, Bias)
    return {
        "data": data,
        "axes": [
            {"name": "Y", "units": "um", "navigate": True, "size": 6, "offset": 0.0, "scale": 0.5},
            {"name": "X", "units": "um", "navigate": True, "size": 8, "offset": 1.0, "scale": 0.5},
            {"name": "Bias", "units": "V", "navigate": False, "size": 5, "axis": BIAS},
        ],
        "metadata": {
            "General": {"title": "IV_map"},
            "Signal": {"quantity": "Current (nA)"},
            "Sample": {"name": "PZT film", "thickness_nm": 50},
        },
        "original_metadata": {"Instrument": {"tip": "Pt-coated"}},
    }


def write_old_style(path: Path, data: np.ndarray) -> None:
    """The same scan as old pyUSID wrote it: position labels [X, Y], X fastest."""
    ny, nx, ns = data.shape
    with h5py.File(path, "w") as f:
        ch = f.create_group("Measurement_000/Channel_000")
        main = ch.create_dataset("Raw_Data", data=data.reshape(ny * nx, ns))
        iy, ix = np.divmod(np.arange(ny * nx), nx)
        pos_ind = np.stack([ix, iy], axis=1).astype(np.uint32)  # fastest first
        pos_val = np.stack([1.0 + 0.5 * ix, 0.5 * iy], axis=1)
        spec_ind = np.arange(ns, dtype=np.uint32)[None, :]
        for name, arr, labels, units in (
            ("Position_Indices", pos_ind, ["X", "Y"], ["um", "um"]),
            ("Position_Values", pos_val, ["X", "Y"], ["um", "um"]),
            ("Spectroscopic_Indices", spec_ind, ["Bias"], ["V"]),
            ("Spectroscopic_Values", BIAS[None, :], ["Bias"], ["V"]),
        ):
            ds = ch.create_dataset(name, data=arr)
            ds.attrs["labels"] = np.array(labels, dtype="S")
            ds.attrs["units"] = np.array(units, dtype="S")
            main.attrs[name] = ds.ref
        main.attrs["quantity"] = "Current"
        main.attrs["units"] = "nA"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mapper-usid-") as d:
        run(Path(d))


def run(tmp: Path) -> None:
    sig = make_signal()

    new = tmp / "iv_map.h5"
    mapper.save(new, sig, schema="usid")
    print(f"saved {new.name}:")
    with h5py.File(new) as f:
        f.visititems(lambda name, obj: print(f"  {name}  {getattr(obj, 'shape', '')}"))
        meas = dict(f["Measurement_000"].attrs)
    print("  Measurement_000 attributes:", sorted(meas))
    assert meas["Sample-name"] == "PZT film" and meas["Original-Instrument-tip"] == "Pt-coated"

    old = tmp / "old_style.h5"
    write_old_style(old, sig["data"])
    for path in (new, old):
        s = mapper.load(path)[0]
        names = [a["name"] for a in s["axes"]]
        print(
            f"{path.name}: {s['data'].shape} {names} "
            f"navigate={[a['navigate'] for a in s['axes']]} "
            f"quantity={s['metadata']['Signal']['quantity']!r}"
        )
        assert names == ["Y", "X", "Bias"] and np.array_equal(s["data"], sig["data"])
        assert np.allclose(s["axes"][2]["axis"], BIAS)  # non-uniform: values kept
        assert s["axes"][1]["offset"] == 1.0 and s["axes"][1]["scale"] == 0.5

    lazy = mapper.load(new, lazy=True)[0]["data"]
    print(f"lazy: {type(lazy).__name__} {lazy.shape}, chunks {lazy.chunksize}")
    assert np.array_equal(lazy.compute(), sig["data"])

    sparse = tmp / "sparse.h5"
    with h5py.File(old) as src, h5py.File(sparse, "w") as dst:
        ch = dst.create_group("Measurement_000/Channel_000")
        keep = np.arange(0, 48, 2)  # every other position: no regular grid left
        raw = src["Measurement_000/Channel_000/Raw_Data"]
        main_ds = ch.create_dataset("Raw_Data", data=raw[keep])
        for name in (
            "Position_Indices",
            "Position_Values",
            "Spectroscopic_Indices",
            "Spectroscopic_Values",
        ):
            arr = src[f"Measurement_000/Channel_000/{name}"]
            ds = ch.create_dataset(name, data=arr[keep] if name.startswith("Pos") else arr[()])
            ds.attrs.update(arr.attrs)
            main_ds.attrs[name] = ds.ref
        main_ds.attrs.update({"quantity": "Current", "units": "nA"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = mapper.load(sparse)[0]
    print(f"sparse: {s['data'].shape}, warning: {caught[0].message}")
    assert s["data"].shape == (24, 5) and "no N-D form" in str(caught[0].message)

    bad = tmp / "bad.h5"
    bad.write_bytes(new.read_bytes())
    with h5py.File(bad, "r+") as f:
        f["Measurement_000/Channel_000/Position_Indices"].attrs["labels"] = np.array(
            ["X", "X"], dtype="S"
        )
    for path in (new, old, sparse, bad):
        report = mapper.validate(path, schema="usid")
        print(f"validate {path.name}: {'valid' if report.ok else 'INVALID'}")
        for f in report.findings:
            print(f"  {f.severity:7} {f.rule:14} {f.path}: {f.message}")
    assert mapper.validate(new, schema="usid").ok
    assert not mapper.validate(bad, schema="usid").ok


if __name__ == "__main__":
    main()
