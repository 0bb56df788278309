"""Validate a folder of NXtomo files in Python and on the command line, as ingestion does.

Run from the repository root::

    python examples/validate_folder.py

The script writes a few NXtomo files with plain h5py into a temporary folder,
the way facility software writes them (an NXentry with a ``definition``, the
detector frames, ``image_key``, the rotation angles, an NXdata group made of
hard links with ``@target``, the ``@default`` chain). Some are valid, some
carry one deliberate fault each, and one is not an HDF5 file at all. Then it

* validates each file with ``mapper.validate(path, schema="nxtomo")`` and
  prints the :class:`mapper.Report` (summary line and findings),
* runs ``python -m mapper validate --schema nxtomo --json FOLDER`` in a
  subprocess, parses the JSON report and prints a summary per rule,
* checks the exit-code contract: 1 when a file is invalid, 2 when a file
  could not be checked at all, 0 when every file is valid.

See docs/validation.md for the rules, the report format and the exit codes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np

import mapper

N_FRAMES, NY, NX = 12, 6, 8


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = nx_class
    return g


def write_nxtomo(
    path: Path,
    *,
    image_key: Any = None,
    pixel_size_units: str = "um",
    rotation_angle: bool = True,
    probe: str = "x-ray",
    start_time: str = "2024-05-01T12:30:00+02:00",
) -> Path:
    """A small NXtomo file; the keyword arguments introduce one fault each."""
    frames = np.arange(N_FRAMES * NY * NX, dtype=np.uint16).reshape(N_FRAMES, NY, NX)
    if image_key is None:  # a dark, a flat, projections, a flat at the end
        image_key = np.array([2, 1] + [0] * (N_FRAMES - 3) + [1], dtype=np.int32)
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry"
        entry = _group(f, "entry", "NXentry")
        entry.attrs["default"] = "data"
        entry["title"] = "tomo scan"
        entry["definition"] = "NXtomo"
        entry["start_time"] = start_time
        instrument = _group(entry, "instrument", "NXinstrument")
        source = _group(instrument, "source", "NXsource")
        source["name"] = "ESRF"
        source["probe"] = probe
        detector = _group(instrument, "detector", "NXdetector")
        detector["data"] = frames
        detector["image_key"] = image_key
        for axis in ("x", "y"):
            detector[f"{axis}_pixel_size"] = 6.5
            detector[f"{axis}_pixel_size"].attrs["units"] = pixel_size_units
        sample = _group(entry, "sample", "NXsample")
        sample["name"] = "bone-17"
        links = {"data": detector["data"], "image_key": detector["image_key"]}
        if rotation_angle:
            sample["rotation_angle"] = np.linspace(0.0, 180.0, N_FRAMES)
            sample["rotation_angle"].attrs["units"] = "degree"
            links["rotation_angle"] = sample["rotation_angle"]
        data = _group(entry, "data", "NXdata")
        data.attrs["signal"] = "data"
        data.attrs["axes"] = np.array(["rotation_angle", ".", "."], dtype=h5py.string_dtype())
        data.attrs["rotation_angle_indices"] = 0
        for name, obj in links.items():
            obj.attrs["target"] = obj.name
            data[name] = obj  # a hard link: the same HDF5 object
    return path


#: file name -> (keyword arguments of write_nxtomo, the rule ids mapper must report)
FILES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "scan_0001.nxs": ({}, set()),
    "scan_0002.nxs": ({}, set()),
    "scan_0003.nxs": (
        {"image_key": np.array([7] + [0] * (N_FRAMES - 1), dtype=np.int32)},
        {"enum"},
    ),
    "scan_0004.nxs": ({"image_key": np.zeros(N_FRAMES - 1, dtype=np.int32)}, {"shape"}),
    "scan_0005.nxs": ({"pixel_size_units": "deg"}, {"units"}),
    "scan_0006.nxs": ({"rotation_angle": False}, {"required"}),
    "scan_0007.nxs": ({"probe": "muon", "start_time": "01/05/2024 12:30"}, {"enum", "datetime"}),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "incoming"
        folder.mkdir()
        for name, (kwargs, _) in FILES.items():
            write_nxtomo(folder / name, **kwargs)

        # 1. In Python: one Report per file.
        print("== mapper.validate(path, schema='nxtomo')")
        for name, (_, expected_rules) in FILES.items():
            report = mapper.validate(folder / name, schema="nxtomo")
            print(report.summary_line().replace(str(folder) + "/", ""))
            for finding in report.findings:
                print(f"    [{finding.rule}] {finding.severity}: {finding.path}: {finding.message}")
            assert report.checked
            assert report.ok == (not expected_rules), name
            found_rules = {f.rule for f in report.errors}
            assert expected_rules <= found_rules, (name, expected_rules, found_rules)

        # 2. The command line, as a pipeline calls it: one JSON document on stdout.
        cmd = [
            sys.executable,
            "-m",
            "mapper",
            "validate",
            "--schema",
            "nxtomo",
            "--json",
            str(folder),
        ]
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        doc = json.loads(run.stdout)
        summary = doc["summary"]
        print("\n== mapper validate --schema nxtomo --json incoming/")
        print(
            f"exit code {run.returncode}: {summary['files']} files, {summary['valid']} valid, "
            f"{summary['invalid']} invalid, {summary['not_checked']} not checked"
        )
        print("findings per rule:", json.dumps(summary["rules"], sort_keys=True))
        invalid = [Path(f["file"]).name for f in doc["files"] if f["checked"] and not f["ok"]]
        print("to quarantine:", ", ".join(invalid))
        assert doc["format"] == "1"
        assert run.returncode == 1  # some files are invalid, every file could be checked
        assert summary["valid"] == 2 and summary["invalid"] == 5 and summary["not_checked"] == 0
        assert invalid == [n for n, (_, rules) in FILES.items() if rules]

        # 3. A file that is not HDF5 at all cannot be checked: exit code 2.
        (folder / "scan_0008.nxs").write_bytes(b"still being copied...")
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        doc = json.loads(run.stdout)
        broken = [f for f in doc["files"] if not f["checked"]]
        print(
            f"\nwith a broken file: exit code {run.returncode}; "
            f"{Path(broken[0]['file']).name}: {broken[0]['error']}"
        )
        assert run.returncode == 2 and len(broken) == 1

        # 4. Only the valid files: exit code 0, and a JUnit report for CI.
        junit = Path(tmp) / "validate.xml"
        good = [str(folder / n) for n, (_, rules) in FILES.items() if not rules]
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "mapper",
                "validate",
                "--schema",
                "nxtomo",
                "--junit",
                str(junit),
                *good,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        last = run.stdout.strip().splitlines()[-1]
        print(f"valid files only: exit code {run.returncode}; {last}")
        assert run.returncode == 0
        assert 'failures="0"' in junit.read_text(encoding="utf-8")


if __name__ == "__main__":
    main()
