"""The one place that builds dask arrays from HDF5 datasets.

* Chunks are whole multiples of the on-disk chunks (grown along the slowest
  dimensions up to :data:`TARGET_BYTES`), so every dask task decompresses
  each HDF5 chunk exactly once.
* The array is backed by :class:`H5ArrayProxy`, which holds only the file
  name and dataset path: it pickles, so the same graph runs on
  ``dask.distributed`` workers.
* File handles have an owner. Inside ``with mapper.open(path) as f`` reads use
  that open handle; otherwise each task opens the file, reads its block and
  closes it again, so no handle is left behind.

dask is imported here only, on the first lazy load.
"""

from __future__ import annotations

import math
import os
import threading
import weakref
from contextlib import contextmanager
from typing import Any

import h5py
import numpy as np

#: Aim for dask chunks of about this many bytes.
TARGET_BYTES = 64 * 1024 * 1024

# realpath -> the open handle of a ``mapper.open`` block; weak, so a handle nobody closed
# is still freed when its owner is garbage-collected
_open_files: weakref.WeakValueDictionary[str, h5py.File] = weakref.WeakValueDictionary()
_lock = threading.RLock()


def _key(filename: str) -> str:
    return os.path.realpath(filename)


@contextmanager
def _handle(filename: str) -> Any:
    with _lock:
        f = _open_files.get(_key(filename))
    if f is not None and f.id.valid:
        yield f
        return
    with h5py.File(filename, "r") as f:
        yield f


def register_handle(filename: str, h5file: h5py.File) -> None:
    """Let lazy reads of ``filename`` in this process use an already open handle."""
    with _lock:
        _open_files[_key(filename)] = h5file


def release_handle(filename: str, h5file: h5py.File) -> None:
    """Stop using ``h5file`` for lazy reads (only if it is the registered one)."""
    with _lock:
        key = _key(filename)
        if _open_files.get(key) is h5file:
            del _open_files[key]


class H5ArrayProxy:
    """An array-like over one dataset that opens the file when sliced; picklable."""

    def __init__(
        self,
        filename: str,
        path: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        field: str | None = None,
    ) -> None:
        self.filename = filename
        self.path = path
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self.field = field

    def __getitem__(self, key: Any) -> np.ndarray:
        try:
            with _handle(self.filename) as f:
                ds = f[self.path]
                return np.asarray(ds[key] if self.field is None else ds.fields(self.field)[key])
        except (OSError, KeyError) as exc:
            from mapper.errors import ResolveError

            raise ResolveError(f"{self.filename}:{self.path}: cannot read data ({exc})") from None

    def __repr__(self) -> str:
        return f"H5ArrayProxy({self.filename!r}, {self.path!r}, shape={self.shape})"


def aligned_chunks(
    shape: tuple[int, ...],
    dtype: np.dtype,
    disk_chunks: tuple[int, ...] | None,
    target: int = TARGET_BYTES,
) -> tuple[int, ...]:
    """Dask chunk shape: a whole multiple of ``disk_chunks`` of about ``target`` bytes.

    The fastest dimensions are kept whole when they fit; the slowest grow last.
    A contiguous dataset is split along its slowest dimensions only.
    """
    itemsize = np.dtype(dtype).itemsize or 1
    if not shape:
        return ()
    if 0 in shape:
        return tuple(max(1, s) for s in shape)
    if not disk_chunks:
        # contiguous: whole rows of the fastest dims, then as many slow rows as fit
        base = [1] * len(shape)
        for d in range(len(shape) - 1, -1, -1):
            base[d] = shape[d]
            if math.prod(base) * itemsize >= target:
                rows = max(1, min(shape[d], target // (math.prod(base[d + 1 :]) * itemsize)))
                base[d] = math.ceil(shape[d] / math.ceil(shape[d] / rows))  # even blocks
                break
        return tuple(max(1, b) for b in base)
    chunks = [min(c, s) for c, s in zip(disk_chunks, shape, strict=True)]
    for d in range(len(shape) - 1, -1, -1):
        per = math.prod(chunks) * itemsize
        if per >= target:
            break
        room = target // per
        n_disk = math.ceil(shape[d] / chunks[d])
        mult = max(1, min(n_disk, int(room)))
        mult = math.ceil(n_disk / math.ceil(n_disk / mult))  # even blocks: 100+100, not 128+72
        chunks[d] = min(shape[d], chunks[d] * mult)
    return tuple(chunks)


def reshape_chunks(
    shape: tuple[int, ...],
    dtype: np.dtype,
    disk_chunks: tuple[int, ...] | None,
    nd_shape: tuple[int, ...],
) -> tuple[int, ...]:
    """Chunks of a 2-D array that a C-order reshape to ``nd_shape`` keeps aligned.

    A reshape splits the rows into the leading dimensions of ``nd_shape`` and
    the columns into the trailing ones; dask can only cut a block there at a
    multiple of the inner dimensions (whole lines of the slowest one). Each
    chunk is made a multiple of both that and the on-disk chunk, so every
    HDF5 chunk is still read by one task. When that would make blocks far
    larger than :func:`aligned_chunks` wants, dask's own cut is kept.
    """
    base = aligned_chunks(shape, dtype, disk_chunks)
    if len(shape) != 2 or 0 in shape:
        return base
    k, rows = 0, 1
    while k < len(nd_shape) and rows < shape[0]:
        rows *= nd_shape[k]
        k += 1
    if rows != shape[0] or math.prod(nd_shape[k:]) != shape[1]:
        return base
    inner = (
        math.prod(nd_shape[1:k]) if k > 1 else 1,
        math.prod(nd_shape[k + 1 :]) if len(nd_shape) > k + 1 else 1,
    )
    disk = disk_chunks or shape
    out = list(base)
    for d in (0, 1):
        step = math.lcm(min(disk[d], shape[d]), inner[d])
        if step >= shape[d]:
            want = shape[d]
        else:
            want = step * max(1, base[d] // step)
        if want > 8 * base[d] and want > inner[d]:
            continue  # far too big a block: let dask cut at whole lines
        out[d] = want
    return tuple(out)


def lazy_array(
    filename: str,
    path: str,
    dataset: h5py.Dataset,
    op: str | None = None,
    field: str | None = None,
    shape: tuple[int, ...] | None = None,
) -> Any:
    """A dask array over ``dataset`` (reached at ``path`` in ``filename``), on-disk chunked.

    ``field``: one field of a compound dtype (chunks still follow the whole records).
    ``shape``: reshape (C order) to this shape, blocks chosen by :func:`reshape_chunks`.
    """
    import dask.array as da
    from dask.base import tokenize

    dtype = dataset.dtype if field is None else dataset.dtype.fields[field][0]
    proxy = H5ArrayProxy(filename, path, dataset.shape, dtype, field)
    if shape is None:
        chunks = aligned_chunks(dataset.shape, dataset.dtype, dataset.chunks)
    else:
        chunks = reshape_chunks(dataset.shape, dataset.dtype, dataset.chunks, shape)
    name = "mapper-" + tokenize(
        filename, path, field, dataset.shape, str(dataset.dtype), _mtime(filename)
    )
    arr = da.from_array(  # type: ignore[no-untyped-call]  # dask leaves from_array unannotated
        proxy,
        chunks=chunks,
        name=name,
        lock=False,
        asarray=True,
        meta=np.empty((0,) * dataset.ndim, dtype=dtype),
    )
    return apply_op(arr if shape is None else arr.reshape(shape), op)


def apply_op(arr: Any, op: str | None) -> Any:
    """Element-wise post-processing shared by eager and lazy arrays."""
    if op is None:
        return arr
    if op == "square":
        return arr * arr
    raise ValueError(f"unknown array op {op!r}")  # pragma: no cover


def _mtime(filename: str) -> int:
    import os

    try:
        return os.stat(filename).st_mtime_ns
    except OSError:  # pragma: no cover
        return 0
