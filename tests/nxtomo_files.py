"""NXtomo test files written with raw h5py (independent of mapper's writer), and their faults.

``write_nxtomo(path)`` writes a valid NXtomo file the way facility software
does (hard-linked NXdata, ``@target``, ``@default`` chain). Keyword arguments
change one thing each, so that every fault of formats.md section 4 (and a few
more) is a one-line call. ``scratch_signal()`` is a signal dict made in memory,
for ``mapper.save`` (shared by test_save_nxtomo.py and test_roundtrip.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np

N_FRAMES, NY, NX = 12, 6, 8


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = nx_class
    return g


def write_nxtomo(
    path: Path,
    *,
    entry: str = "entry",
    definition: Any = "NXtomo",
    data: Any = None,
    image_key: Any = None,
    rotation_angle: Any = None,
    angle_units: str = "degree",
    pixel_size_units: str = "um",
    probe: Any = "x-ray",
    start_time: Any = "2024-05-01T12:30:00+02:00",
    x_translation: Any = None,
    sample_name: Any = "bone-17",
    detector_class: str = "NXdetector",
    link_mode: str = "hard",
    default: str | None = "data",
    with_nxdata: bool = True,
    with_control: bool = True,
    extra: Any = None,
) -> Path:
    """Write an NXtomo file; ``None`` for a field's value means "leave it out" where optional.

    ``definition=None`` and ``rotation_angle=False`` leave those required fields out.
    ``link_mode``: ``hard`` (same object), ``copy`` (a copy with ``@target``) or
    ``wrong`` (the NXdata ``rotation_angle`` links to ``x_translation``).
    """
    frames = (
        data
        if data is not None
        else (np.arange(N_FRAMES * NY * NX, dtype=np.uint16).reshape(N_FRAMES, NY, NX))
    )
    keys = (
        image_key
        if image_key is not None
        else np.array([2, 1] + [0] * (N_FRAMES - 3) + [1], dtype=np.int32)
    )
    angles = rotation_angle if rotation_angle is not None else np.linspace(0, 180, N_FRAMES)
    with h5py.File(path, "w") as f:
        if default is not None:
            f.attrs["default"] = entry
        e = _group(f, entry, "NXentry")
        if default is not None:
            e.attrs["default"] = default
        e["title"] = "tomo scan 17"
        if definition is not None:
            e["definition"] = definition
        if start_time is not None:
            e["start_time"] = start_time
        e["end_time"] = "2024-05-01T12:41:07+02:00"
        inst = _group(e, "instrument", "NXinstrument")
        src = _group(inst, "source", "NXsource")
        src["name"] = "ESRF"
        src["type"] = "Synchrotron X-ray Source"
        if probe is not None:
            src["probe"] = probe
        det = _group(inst, "detector", detector_class)
        det["data"] = frames
        det["image_key"] = keys
        for axis in ("x", "y"):
            det[f"{axis}_pixel_size"] = 6.5
            det[f"{axis}_pixel_size"].attrs["units"] = pixel_size_units
        det["distance"] = 0.25
        det["distance"].attrs["units"] = "m"
        sample = _group(e, "sample", "NXsample")
        if sample_name is not None:
            sample["name"] = sample_name
        if rotation_angle is not False:
            sample["rotation_angle"] = angles
            sample["rotation_angle"].attrs["units"] = angle_units
        tx = x_translation if x_translation is not None else np.zeros(N_FRAMES)
        sample["x_translation"] = tx
        sample["x_translation"].attrs["units"] = "mm"
        if with_control:
            ctrl = _group(e, "control", "NXmonitor")
            ctrl["data"] = np.full(N_FRAMES, 1000.0)
            ctrl["data"].attrs["units"] = "counts"
        if with_nxdata:
            d = _group(e, "data", "NXdata")
            d.attrs["signal"] = "data"
            d.attrs["axes"] = np.array(["rotation_angle", ".", "."], dtype=h5py.string_dtype())
            d.attrs["rotation_angle_indices"] = 0
            links = {"data": det["data"], "image_key": det["image_key"]}
            if rotation_angle is not False:
                links["rotation_angle"] = sample["rotation_angle"]
            if link_mode == "wrong":
                links["rotation_angle"] = sample["x_translation"]
            for name, obj in links.items():
                obj.attrs["target"] = obj.name
                if link_mode == "copy":
                    d.create_dataset(name, data=obj[()])
                    d[name].attrs["target"] = obj.name
                else:
                    d[name] = obj
        if extra is not None:
            extra(f)
    return path


def scratch_signal(frames: int = 4, name: str = "scratch sample") -> dict[str, Any]:
    """A signal made in memory, not read from a file."""
    return {
        "data": np.arange(frames * 3 * 5, dtype=np.uint16).reshape(frames, 3, 5),
        "axes": [
            {
                "name": "rotation_angle",
                "units": "degree",
                "navigate": True,
                "size": frames,
                "offset": 0.0,
                "scale": 15.0,
            },
            {
                "name": "y",
                "units": "mm",
                "navigate": False,
                "size": 3,
                "offset": 0.0,
                "scale": 0.01,
            },
            {
                "name": "x",
                "units": "mm",
                "navigate": False,
                "size": 5,
                "offset": 0.0,
                "scale": 0.02,
            },
        ],
        "metadata": {
            "General": {"title": "made in memory"},
            "Sample": {"name": name},
            "Tomography": {"image_key": np.array([2, 1] + [0] * (frames - 2))},
        },
    }


#: The nine faults of formats.md section 4: name -> (keyword arguments, rule id expected).
FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "missing rotation_angle": ({"rotation_angle": False}, "required"),
    "wrong units (deg for a length)": ({"pixel_size_units": "deg"}, "units"),
    "rank 2 data": ({"data": np.zeros((N_FRAMES, NY * NX), dtype=np.uint16)}, "rank"),
    "image_key = 7": ({"image_key": np.array([7] + [0] * (N_FRAMES - 1), dtype=np.int32)}, "enum"),
    "image_key length 11 vs 12 frames": (
        {"image_key": np.zeros(N_FRAMES - 1, dtype=np.int32)},
        "shape",
    ),
    "float image_key": ({"image_key": np.zeros(N_FRAMES, dtype=np.float64)}, "dtype"),
    "probe = muon": ({"probe": "muon"}, "enum"),
    "start_time not ISO 8601": ({"start_time": "01/05/2024 12:30"}, "datetime"),
    "no definition": ({"definition": None}, "required"),
}
