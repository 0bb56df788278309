"""Putting a write plan into an HDF5 file.

Datasets with their chunks and filters, attributes, links, the temporary file
renamed into place, in-place metadata updates.

Nothing here knows a format: the plan (made by :mod:`mapper.engine.write` from a
mapping) says what goes where. This module decides *how*: the chunk shape of
the signal's data, filters, streaming dask arrays with an optional progress
bar, and never leaving a half-written file behind.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import os
import posixpath
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mapper._version import __version__
from mapper.errors import OptionError, WriteError
from mapper.language.model import ROOT_FACTS
from mapper.language.paths import expand
from mapper.registry import GENERIC, Convention

if TYPE_CHECKING:  # pragma: no cover - h5py is imported when a file is written
    import h5py

#: Keyword options of h5py's ``create_dataset`` that ``save(**h5py_options)`` passes on.
H5PY_OPTIONS = frozenset(
    {
        "compression_opts",
        "shuffle",
        "fletcher32",
        "scaleoffset",
        "maxshape",
        "fillvalue",
        "track_times",
        "track_order",
        "allow_unknown_filter",
    }
)
#: Arrays other than the signal's data get filters only above this size.
SMALL_ARRAY = 1 << 16


@dataclass(frozen=True)
class ObjectRef:
    """An attribute value: an HDF5 object reference to ``path`` (resolved when written)."""

    path: str


@dataclass
class WriteOptions:
    """How the bulk data is stored; see :func:`mapper.save`."""

    compression: str | None = None
    chunks: bool | str | tuple[int, ...] | None = None
    chunk_bytes: int = 1_000_000
    h5py_options: dict[str, Any] = field(default_factory=dict)
    show_progressbar: bool | None = None
    write_dataset: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.chunks, str) and self.chunks != "signal":
            raise OptionError(f"chunks={self.chunks!r}: give a tuple, True, None or 'signal'")
        unknown = sorted(set(self.h5py_options) - H5PY_OPTIONS)
        if unknown:
            raise OptionError(
                f"save() got unknown h5py option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(H5PY_OPTIONS))}"
            )

    def filters(self, bulk: bool = True) -> dict[str, Any]:
        """Compression, and for the signal's data the h5py options.

        Shuffle only together with a compression filter.
        """
        kw = dict(self.h5py_options) if bulk else {}
        if self.compression:
            kw["compression"] = self.compression
            kw.setdefault("shuffle", True)
        return kw


def signal_chunks(
    shape: tuple[int, ...], itemsize: int, navigate: list[bool] | None, target: int = 1_000_000
) -> tuple[int, ...] | bool:
    """Chunks holding whole signals, about ``target`` bytes each (at least one signal).

    The signal axes (``navigate`` False) are never split. As many signals as
    fit in ``target`` share a chunk, spread evenly over the navigation axes
    (a navigation axis shorter than its share is taken whole). Without
    ``navigate`` h5py picks the chunks.
    """
    if navigate is None or len(navigate) != len(shape) or 0 in shape or not shape:
        return True
    sig = [i for i, nav in enumerate(navigate) if not nav]
    nav_axes = [i for i, nav in enumerate(navigate) if nav]
    per_signal = itemsize * math.prod(shape[i] for i in sig)
    fit = int(target // max(per_signal, 1))
    if fit < 2 or not nav_axes:
        return tuple(1 if navigate[i] else n for i, n in enumerate(shape))
    if fit >= math.prod(shape[i] for i in nav_axes):
        return tuple(shape)
    chunks = {i: shape[i] for i in sig}
    todo = list(nav_axes)
    budget = float(fit)
    while todo:
        share = budget ** (1.0 / len(todo))
        small = [i for i in todo if shape[i] <= share]
        if not small:
            for i in todo:
                chunks[i] = max(1, int(share))
            break
        for i in small:
            chunks[i] = shape[i]
            budget /= shape[i]
            todo.remove(i)
    return tuple(int(chunks[i]) for i in range(len(shape)))


def is_dask(value: Any) -> bool:
    """Whether ``value`` is a dask array (without importing dask)."""
    return hasattr(value, "dask") and hasattr(value, "compute")


@dataclass
class WritePlan:
    """Everything one file will hold, decided before the file is opened.

    The engine fills it (every value checked first); :func:`apply_plan` writes it.
    """

    convention: Convention = GENERIC  # the mapping's: group classes and names
    classes: dict[str, str] = field(default_factory=dict)  # group path -> its class
    groups: list[str] = field(default_factory=list)  # groups to create (in order)
    datasets: dict[str, Any] = field(default_factory=dict)  # path -> value
    attrs: dict[tuple[str, str], Any] = field(default_factory=dict)  # (path, name) -> value
    links: list[tuple[str, str, bool]] = field(default_factory=list)  # (at, to, @target?)
    defaults: dict[str, str] = field(default_factory=dict)  # group -> @default child
    bulk: set[str] = field(default_factory=set)  # the signals' data paths
    problems: list[str] = field(default_factory=list)
    ds_opts: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> h5py options
    navigate: dict[str, list[bool]] = field(default_factory=dict)  # data path -> flags
    owned: list[str] = field(default_factory=list)  # replaced whole on update
    used_names: set[tuple[str, str]] = field(default_factory=set)  # (scope, name)

    def add_group(self, path: str) -> None:
        """A group to create (with its parents)."""
        if path not in self.groups:
            self.groups.append(path)

    def add_dataset(self, path: str, value: Any, *, bulk: bool = False, **options: Any) -> None:
        """A dataset to write; ``bulk`` marks a signal's data."""
        self.datasets[path] = value
        if options:
            self.ds_opts[path] = options
        if bulk:
            self.bulk.add(path)


# ---------------------------------------------------------------------------- the plan -> file
def apply_plan(
    h5: h5py.File, plan: WritePlan, root_attrs: dict[str, Any], opts: WriteOptions
) -> None:
    """Write everything ``plan`` holds into the open file ``h5``."""
    made: dict[str, Any] = {"/": h5}
    group = functools.partial(_group, made, plan)
    if not opts.write_dataset:
        _keep_bulk(h5, plan)
        for path in [*plan.owned, *(p for p in plan.datasets if p not in plan.bulk)]:
            if path in h5:
                del h5[path]  # rewritten below
    for g in plan.groups:
        group(g)
    _datasets(plan, opts, group)
    _links(h5, plan, group)
    _attrs(h5, plan, made, group)
    default_attr = plan.convention.default_attr  # the mapping was checked: set when used
    for path, child in plan.defaults.items():
        if default_attr:
            group(path).attrs[default_attr] = child
    for k, v in root_attrs.items():
        h5.attrs[k] = attr_value(v)


def _group(made: dict[str, Any], plan: WritePlan, path: str) -> Any:
    """The group at ``path``, created with its parents (and typed) when new; cached in ``made``."""
    import h5py

    if path in made:
        return made[path]
    parent = _group(made, plan, posixpath.dirname(path))
    name = posixpath.basename(path)
    g = parent.get(name)
    if g is None:  # in creation order: lists of signals and metadata keep their order
        g = parent.create_group(name, track_order=True)
    elif not isinstance(g, h5py.Group):
        raise WriteError(f"{path}: the mapping writes both a dataset and a group here")
    cls = plan.classes.get(path)
    attr = plan.convention.class_attr  # the mapping's convention types groups (or not)
    if cls and attr and attr not in g.attrs:
        g.attrs[attr] = cls
    made[path] = g
    return g


def _datasets(plan: WritePlan, opts: WriteOptions, group: Callable[[str], Any]) -> None:
    """Create the plan's data sets; the signal's data streams last, in one dask graph."""
    stores: list[tuple[Any, Any]] = []
    for path, value in plan.datasets.items():
        if path in plan.bulk and not opts.write_dataset:
            continue
        parent = group(posixpath.dirname(path))
        name = posixpath.basename(path)
        if path in plan.bulk:
            stores.extend(
                _bulk(
                    parent, name, value, plan.ds_opts.get(path, {}), plan.navigate.get(path), opts
                )
            )
        else:
            _dataset(parent, name, value, plan.ds_opts.get(path, {}), opts)
    if stores:
        _store(stores, opts)


def _links(h5: Any, plan: WritePlan, group: Callable[[str], Any]) -> None:
    """Create the plan's soft links whose targets exist (and the attribute naming the target)."""
    import h5py

    link_attr = plan.convention.link_attr
    for at, to, target_attr in plan.links:
        if to not in h5:
            continue  # the target was optional and is absent
        parent = group(posixpath.dirname(at))
        if posixpath.basename(at) not in parent:
            parent[posixpath.basename(at)] = h5py.SoftLink(to)
        if target_attr and link_attr:
            h5[to].attrs[link_attr] = to


def _attrs(h5: Any, plan: WritePlan, made: dict[str, Any], group: Callable[[str], Any]) -> None:
    """Set the plan's attributes, object references resolved, on objects that exist."""
    for (path, name), value in plan.attrs.items():
        obj = made.get(path)
        if obj is None:
            if path in h5:
                obj = h5[path]
            elif path in plan.classes or path in plan.groups:
                obj = group(path)
            else:
                continue  # an attribute of an optional value that is absent
            made[path] = obj
        if isinstance(value, ObjectRef):
            value = h5[value.path].ref
        obj.attrs[name] = attr_value(value)


def _keep_bulk(h5: h5py.File, plan: WritePlan) -> None:
    """``write_dataset=False``: the data already in the file must be what the signal holds."""
    for path in plan.bulk:
        value = plan.datasets.get(path)
        ds = h5.get(path)
        if ds is None:
            raise WriteError(
                f"{path}: no data set to keep (write_dataset=False updates the "
                "metadata of a signal already in the file)"
            )
        shape = tuple(np.shape(value)) if value is not None else ()
        if tuple(ds.shape or ()) != shape:
            raise WriteError(
                f"{path}: the file holds shape {tuple(ds.shape or ())}, the "
                f"signal {shape}; write the data (write_dataset=True)"
            )


def _bulk(
    parent: Any,
    name: str,
    value: Any,
    ds_opts: dict[str, Any],
    navigate: list[bool] | None,
    opts: WriteOptions,
) -> list[tuple[Any, Any]]:
    """Create the signal's data set; return the dask stores still to run."""
    if ds_opts.get("dtype") is not None:  # ragged (vlen) data: written whole, no filters
        _dataset(parent, name, value, ds_opts, opts)
        return []
    arr: Any = value if is_dask(value) else np.asarray(value)  # dask or numpy
    if arr.ndim == 0 or arr.size == 0:
        parent.create_dataset(name, data=np.asarray(arr))
        return []
    chunks = opts.chunks
    if chunks is None and is_dask(arr):
        chunks = tuple(int(c[0]) for c in arr.chunks)
    elif chunks is None or chunks == "signal":
        chunks = signal_chunks(arr.shape, arr.dtype.itemsize, navigate, opts.chunk_bytes)
    ds = parent.create_dataset(
        name, shape=arr.shape, dtype=arr.dtype, chunks=chunks, **opts.filters()
    )
    if is_dask(arr):
        if ds.chunks is not None and arr.chunks != _dask_chunks(arr.shape, ds.chunks):
            arr = arr.rechunk(ds.chunks)
        return [(arr, ds)]
    if arr.flags.c_contiguous:
        ds.write_direct(arr)
    else:
        ds[...] = arr
    return []


def _dask_chunks(shape: tuple[int, ...], chunks: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(
        tuple([c] * (n // c) + ([n % c] if n % c else []))
        for n, c in zip(shape, chunks, strict=True)
    )


def _store(stores: list[tuple[Any, Any]], opts: WriteOptions) -> None:
    """Stream dask arrays to disk chunk by chunk (one graph), with a progress bar on a tty."""
    import contextlib
    import threading

    import dask.array as da

    show = opts.show_progressbar
    if show is None:
        show = sys.stderr.isatty()
    ctx: Any = contextlib.nullcontext()
    if show:
        from dask.diagnostics.progress import ProgressBar

        # dask leaves ProgressBar.__init__ unannotated
        ctx = ProgressBar(out=sys.stderr)  # type: ignore[no-untyped-call]
    with ctx:
        da.store([s for s, _ in stores], [d for _, d in stores], lock=threading.Lock())


def _dataset(
    parent: Any, name: str, value: Any, ds_opts: dict[str, Any], opts: WriteOptions
) -> None:
    import h5py

    if is_dask(value):
        value = value.compute()
    dtype = ds_opts.get("dtype")
    if dtype is not None:
        parent.create_dataset(
            name, data=value, dtype=dtype, chunks=True if np.ndim(value) else None
        )
        return
    if isinstance(value, str):
        parent.create_dataset(name, data=value, dtype=h5py.string_dtype())
        return
    arr = np.asarray(value)
    if arr.dtype.kind in "UO":
        arr = np.array([str(v) for v in arr.reshape(-1)], dtype=h5py.string_dtype()).reshape(
            arr.shape
        )
    big = arr.ndim > 0 and arr.nbytes > SMALL_ARRAY
    parent.create_dataset(
        name, data=arr, **(opts.filters(bulk=False) if big else {}), chunks=True if big else None
    )


def attr_value(value: Any) -> Any:
    """A value h5py stores as the attribute we mean (a list of str: a string array)."""
    import h5py

    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return np.array(value, dtype=h5py.string_dtype())
    return value


# ---------------------------------------------------------------------------- facts
#: The ``{name}`` placeholders a ``write.root_attrs`` string may use.
#: The placeholders of ``write.root_attrs`` (declared by the language, filled here).
FACTS = ROOT_FACTS


def write_facts(file_name: str) -> dict[str, str]:
    """The values of :data:`FACTS` for a file being written now."""
    import h5py

    return {
        "file_name": file_name,
        "file_time": _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(),
        "mapper_version": __version__,
        "hdf5_version": h5py.version.hdf5_version,
        "h5py_version": h5py.version.version,
    }


def fill(value: Any, facts: dict[str, str]) -> Any:
    """``{file_name}`` and the other :data:`FACTS` in a string replaced (no other templating)."""
    if not isinstance(value, str):
        return value
    return expand(value, facts)


# ---------------------------------------------------------------------------- files
_H5_ERRORS = (OSError, ValueError, TypeError, UnicodeError, KeyError, RuntimeError)


def atomic_write(target: Path, overwrite: bool, fill_file: Callable[[h5py.File], None]) -> None:
    """Write through a temporary file in the same directory, then move it into place.

    The temporary file is created with the process umask (like any new file),
    so the result has the usual permissions. Any failure removes it and is
    reported as a one-line :class:`WriteError` naming the target.
    """
    import secrets

    import h5py

    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as exc:
        raise WriteError(
            f"{target}: cannot create a file in {target.parent} ({exc.strerror or exc})"
        ) from None
    try:
        with h5py.File(tmp, "w", track_order=True) as h5:
            fill_file(h5)
        if overwrite:
            if target.is_dir():
                raise WriteError(f"{target}: is a directory; it is not replaced")
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic, and fails if the name appeared meanwhile
            except FileExistsError:
                raise WriteError(f"{target}: exists; pass overwrite=True to replace it") from None
            except OSError:  # no hard links on this file system
                if target.exists():
                    raise WriteError(
                        f"{target}: exists; pass overwrite=True to replace it"
                    ) from None
                os.replace(tmp, target)
    except WriteError:
        raise
    except _H5_ERRORS as exc:  # h5py and the OS
        raise WriteError(f"{target}: cannot write ({type(exc).__name__}: {exc})") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def update_in_place(target: Path, fill_file: Callable[[h5py.File], None]) -> None:
    """``write_dataset=False``: rewrite metadata in an existing file, keeping its data.

    The plan was checked in full before the file is opened; what is replaced
    is only what the mapping's writers own (metadata groups, axes, models).
    """
    import h5py

    from mapper.hdf5.io import open_h5

    open_h5(target).close()  # a clear error for a missing, locked or non-HDF5 file
    try:
        with h5py.File(target, "r+") as h5:
            fill_file(h5)
    except WriteError:
        raise
    except _H5_ERRORS as exc:
        raise WriteError(f"{target}: cannot update ({type(exc).__name__}: {exc})") from None
