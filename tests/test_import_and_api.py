"""The public surface: a small API, and ``import mapper`` without the heavy dependencies."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from conftest import entry, write_nxdata

import mapper


def test_import_does_not_pull_heavy_dependencies():
    heavy = "('dask', 'pint', 'pyUSID', 'jsonschema', 'rsciio', 'h5py', 'numpy')"
    code = f"import sys, mapper; print(','.join(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""  # the API is imported on first use
    code = (
        f"import sys, mapper; mapper.load; print(','.join(m for m in {heavy} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "h5py,numpy"  # still no dask, pint, jsonschema before they are needed


def test_public_api_is_small_and_sorted():
    assert mapper.__all__ == sorted(mapper.__all__)
    assert len(mapper.__all__) <= 14
    for name in ("load", "open", "MapperError", "detect", "check_file"):
        assert name in mapper.__all__


def test_error_hierarchy_has_one_root():
    from mapper import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, BaseException) and name != "MapperWarning":
            assert issubclass(cls, mapper.MapperError)
    assert issubclass(errors.MissingFileError, FileNotFoundError)
    assert issubclass(errors.MemoryLimitError, MemoryError)


def test_detect_names_the_mapping(nexus):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(3)))
    assert mapper.detect(path) == "nxdata"


def test_lazy_graph_runs_in_worker_processes(nexus):
    """The opener is picklable: the process scheduler ships tasks to other processes."""
    import dask

    data = np.arange(4 * 8 * 8, dtype=np.int32).reshape(4, 8, 8)

    def build(f):
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g.create_dataset("data", data=data, chunks=(1, 8, 8), compression="gzip")

    (s,) = mapper.load(nexus(build), lazy=True)
    with dask.config.set(scheduler="processes", num_workers=2):
        assert int(s["data"].sum().compute()) == int(data.sum())


def test_mapped_file_owns_the_handle(nexus):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.arange(5.0)))
    with mapper.open(path) as f:
        (s,) = f.load(lazy=True)
        assert float(s["data"].sum().compute()) == 10.0
        handle = f.h5
        assert handle.id.valid
    assert not handle.id.valid
    # after the block the lazy array re-opens the file for each task
    assert float(s["data"].sum().compute()) == 10.0


def test_aligned_chunks_are_disk_multiples_and_even():
    from mapper.hdf5.lazy import aligned_chunks

    chunks = aligned_chunks((200, 512, 512), np.dtype(np.uint16), (1, 512, 512))
    assert chunks == (100, 512, 512)  # two even blocks, not 128 + 72
    chunks = aligned_chunks((200, 512, 512), np.dtype(np.uint16), (8, 256, 256))
    assert all(c % d == 0 for c, d in zip(chunks, (8, 256, 256), strict=True))
    # contiguous data is split along the slowest axis into even blocks of about 64 MiB
    assert aligned_chunks((8192, 8192), np.dtype(np.float32), None) == (2048, 8192)
