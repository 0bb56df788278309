"""Write a mapping for your own instrument's HDF5 layout, check it, and load with it.

Run from the repository root::

    python examples/custom_mapping.py

The made-up "ACME rocking-curve camera" writes files without any NeXus
classes::

    /scan                       @instrument="ACME-RC1", @title="..."
    /scan/detector/frames       (n_theta, rows, cols) uint16
                                @x_pixel_size, @y_pixel_size, @pixel_size_units
    /scan/detector/exposure     scalar, @units="s"
    /scan/motor/theta           (n_theta,) rocking angle, @units="deg"
    /scan/sample/name           (optional)

The mapping below turns such a file into one signal dict: theta is the
navigation axis (``values:``, so uniform angles become offset/scale), the two
pixel axes take their scale from attributes, and a few metadata items come
from paths. Everything lives in a temporary directory.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import h5py
import numpy as np

import mapper

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "mapping.schema.json"

MAPPING = """\
# yaml-language-server: $schema={schema}
mapping: "1"
name: acme_rc
title: ACME rocking-curve camera
description: |
  One signal per file: the frame stack, theta as the navigation axis.
# NeXus unit categories (NX_ANGLE) and NX types in findings
convention: nexus

# auto-detection: load(path) picks this mapping when both tests hold
match:
  all:
    - exists: /scan/detector/frames
    - {{path: /scan/@instrument, matches: "ACME-*"}}

options:
  sample_name:
    type: string
    doc: Sample name to use when the file does not record one.

anchors:
  scan:     {{path: /scan}}
  detector: {{path: "{{scan}}/detector"}}

symbols: [n_theta]

signal:
  data: {{path: "{{detector}}/frames", required: true, dtype: integer, rank: 3}}
  axes:
    - name: theta
      navigate: true
      units: {{path: "{{scan}}/motor/theta/@units", default: deg}}
      values: {{path: "{{scan}}/motor/theta", shape: [n_theta], units_category: NX_ANGLE}}
    - name: y
      navigate: false
      units: {{path: "{{detector}}/@pixel_size_units", default: px}}
      scale: {{path: "{{detector}}/@y_pixel_size", transform: float, default: 1.0}}
    - name: x
      navigate: false
      units: {{path: "{{detector}}/@pixel_size_units", default: px}}
      scale: {{path: "{{detector}}/@x_pixel_size", transform: float, default: 1.0}}
  metadata:
    General.title:
      first:
        - {{path: "{{scan}}/@title", transform: string}}
        - {{const: ACME scan}}
    General.original_filename: {{builtin: file.name}}
    Sample.name:
      first:
        - {{path: "{{scan}}/sample/name", transform: string}}
        - {{option: sample_name}}
    Acquisition_instrument.Detector.exposure_time:
      {{path: "{{detector}}/exposure", transform: float, required: recommended}}
    Acquisition_instrument.Detector.model: {{const: ACME-RC1}}
  original_metadata:
    tree: "{{scan}}"
    args: {{skip_arrays: true}}
"""

# the same mapping with two typical mistakes, to show what `check` reports
BROKEN = MAPPING.replace('{{path: "{{detector}}/frames"', '{{pth: "{{detector}}/frames"').replace(
    "transform: float, default: 1.0", "transform: floot, default: 1.0"
)


def write_file(path: Path, *, with_sample: bool) -> np.ndarray:
    """Write one ACME file; return the frames."""
    n_theta, rows, cols = 7, 16, 20
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 1000, size=(n_theta, rows, cols), dtype="uint16")
    with h5py.File(path, "w") as f:
        scan = f.create_group("scan")
        scan.attrs["instrument"] = "ACME-RC1"
        scan.attrs["title"] = "rocking curve of Si(004)"
        det = scan.create_group("detector")
        ds = det.create_dataset("frames", data=frames, chunks=(1, rows, cols))
        det.attrs["x_pixel_size"] = 55.0
        det.attrs["y_pixel_size"] = 55.0
        det.attrs["pixel_size_units"] = "um"
        det["exposure"] = 0.5
        det["exposure"].attrs["units"] = "s"
        ds.attrs["units"] = "counts"
        theta = scan.create_group("motor").create_dataset(
            "theta", data=np.linspace(34.4, 34.7, n_theta)
        )  # uniform, degrees
        theta.attrs["units"] = "deg"
        if with_sample:
            scan.create_group("sample")["name"] = "Si(001) wafer"
    return frames


def main() -> None:
    """Write the mapping, check it, load two files with it."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        mappings = tmp_path / "mappings"
        mappings.mkdir()
        good = mappings / "acme_rc.yaml"
        good.write_text(MAPPING.format(schema=SCHEMA), encoding="utf-8")
        bad = tmp_path / "acme_broken.yaml"
        bad.write_text(BROKEN.format(schema=SCHEMA), encoding="utf-8")

        # 1. lint: [] means clean; otherwise one "file:line:col: /pointer: message" each
        problems = mapper.check_file(good)
        print(f"check {good.name}: {problems or 'ok'}")
        assert problems == []
        # structural problems (the JSON Schema of the language: the unknown key 'pth')
        # and problems of meaning (names of built-ins, transforms, anchors, options,
        # symbols: the transform 'floot', used twice) come in one report, by position
        problems = mapper.check_file(bad)
        print(f"check {bad.name}:")
        for p in problems:
            print("  " + p.replace(str(tmp_path), "<tmp>"))
        assert len(problems) == 3
        assert "/signal/data: unknown key 'pth' (did you mean 'path'?)" in problems[0]
        assert all("unknown transform 'floot' (did you mean 'float'?)" in p for p in problems[1:])

        # 2. load by path to the YAML file
        path = tmp_path / "rc_0001.h5"
        frames = write_file(path, with_sample=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", mapper.MapperWarning)
            (s,) = mapper.load(path, schema=good)
        print(f"\n{path.name}: data {s['data'].dtype} {s['data'].shape}")
        for ax in s["axes"]:
            span = (
                f"offset {ax['offset']:g}, scale {ax['scale']:g}"
                if "axis" not in ax
                else "non-uniform"
            )
            print(
                f"  {ax['name']:>5} [{ax['units']}] size {ax['size']}, "
                f"navigate={ax['navigate']}: {span}"
            )
        print("  metadata:", s["metadata"])
        print("  original_metadata:", sorted(s["original_metadata"]))

        np.testing.assert_array_equal(s["data"], frames)
        theta, y, x = s["axes"]
        assert theta["name"] == "theta" and theta["navigate"] and theta["units"] == "deg"
        assert np.isclose(theta["offset"], 34.4) and np.isclose(theta["scale"], 0.05)
        assert (y["scale"], y["units"], y["navigate"], y["size"]) == (55.0, "um", False, 16)
        assert (x["scale"], x["size"]) == (55.0, 20)
        md = s["metadata"]
        assert md["General"] == {
            "title": "rocking curve of Si(004)",
            "original_filename": "rc_0001.h5",
        }
        assert md["Sample"]["name"] == "Si(001) wafer"
        assert md["Acquisition_instrument"]["Detector"] == {
            "exposure_time": 0.5,
            "model": "ACME-RC1",
        }
        # skip_arrays: the frames and theta are left out, scalars stay
        om = s["original_metadata"]
        assert "frames" not in om["detector"] and om["detector"]["exposure"]["value"] == 0.5

        # 3. put the directory on the search path: load by name, or let mapper detect it
        path2 = tmp_path / "rc_0002.h5"
        write_file(path2, with_sample=False)
        found = mapper.detect(path2, search_path=[mappings])
        print(f"\n{path2.name}: detected mapping {found!r}")
        assert found == "acme_rc"
        (s2,) = mapper.load(path2, search_path=[mappings], sample_name="unknown sample")
        print(f"  Sample.name from the option: {s2['metadata']['Sample']['name']!r}")
        assert s2["metadata"]["Sample"]["name"] == "unknown sample"

        # 4. lazy: a dask array on the on-disk chunks (one frame each here)
        (lz,) = mapper.load(path2, schema="acme_rc", search_path=[mappings], lazy=True)
        print(f"  lazy: {lz['data'].shape} in chunks of {lz['data'].chunksize}")
        assert lz["data"].chunksize[1:] == (16, 20)
        assert int(lz["data"].max().compute()) < 1000
    print("\nall checks passed")


if __name__ == "__main__":
    main()
