"""Shared fixtures: the real-data folder and a NeXus file factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A file from ../shared/data, or skip the test when the folder is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture
def shared() -> Callable[[str], Path]:
    return shared_file


def write_nxdata(
    group: h5py.Group,
    data: Any,
    axes: list[str] | None = None,
    fields: dict[str, Any] | None = None,
    **attrs: Any,
) -> h5py.Group:
    """Create an NXdata group with @signal='data' and the given axis fields."""
    group.attrs["NX_class"] = "NXdata"
    group.attrs["signal"] = "data"
    group.create_dataset("data", data=np.asarray(data))
    if axes is not None:
        group.attrs["axes"] = np.array(axes, dtype=h5py.string_dtype())
    for name, value in (fields or {}).items():
        if isinstance(value, tuple):
            values, units = value
            ds = group.create_dataset(name, data=np.asarray(values))
            ds.attrs["units"] = units
        else:
            group.create_dataset(name, data=np.asarray(value))
    for key, value in attrs.items():
        group.attrs[key] = value
    return group


@pytest.fixture
def nexus(tmp_path: Path) -> Callable[..., Path]:
    """Return a factory: ``nexus(build)`` writes a file, ``build(f)`` fills it, path returned."""
    counter = iter(range(10_000))

    def make(build: Callable[[h5py.File], None], name: str | None = None) -> Path:
        path = tmp_path / (name or f"f{next(counter)}.nxs")
        with h5py.File(path, "w") as f:
            build(f)
        return path

    return make


def entry(f: h5py.File, name: str = "entry", title: str | None = None) -> h5py.Group:
    """An NXentry group."""
    g = f.create_group(name)
    g.attrs["NX_class"] = "NXentry"
    if title is not None:
        g["title"] = title
    return g


def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the path of every h5py dataset read from now on.

    Reads through ``[]``, ``read_direct`` and ``numpy.asarray`` count: tests
    assert that bulk data is never among them.
    """
    reads: list[str] = []
    for name in ("__getitem__", "read_direct", "__array__"):
        original = getattr(h5py.Dataset, name)

        def spy(self, *args, _original=original, **kwargs):
            reads.append(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(h5py.Dataset, name, spy)
    return reads
