"""Reading a whole HDF5 subtree into nested dicts (``original_metadata``, HyperSpy metadata).

Two styles:

``value_attrs`` (the RosettaSciIO NeXus convention)
    a group is a dict of its children plus ``attrs``; a dataset is
    ``{"value": ..., "attrs": {...}}``.
``plain``
    a group is a dict, a dataset is its value; attributes are dropped
    (HyperSpy metadata written by ``hyperspy_nexus_v3``).

Bulk arrays are never copied: a dataset with more than ``max_array_size``
elements is replaced by ``{"shape", "dtype", "hdf5_path"}`` so that it can be
found and read on demand.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from .._h5 import as_str
from ..errors import ResolveError
from ._registry import Context

#: Datasets with more elements than this are summarised, not read.
MAX_ARRAY_SIZE = 4096


def read_tree(ctx: Context, path: str, *, style: str = "value_attrs",
              skip_arrays: bool = False, key_filter: Any = None,
              max_array_size: int = MAX_ARRAY_SIZE, include_root_attrs: bool = True
              ) -> dict[str, Any]:
    """Read the subtree at ``path``; see the module docstring for the styles.

    Parameters
    ----------
    ctx
        Built-in context (resolver and warn hook).
    path
        Absolute path of the group.
    style
        ``"value_attrs"`` or ``"plain"``.
    skip_arrays
        Leave out datasets with more than one element.
    key_filter
        A string or list of strings: keep only datasets whose HDF5 path contains one of them.
    max_array_size
        Larger datasets are summarised instead of read.
    include_root_attrs
        In ``value_attrs`` style, put the group's own attributes under ``attrs``.
    """
    if style not in ("value_attrs", "plain"):
        raise ResolveError(f"tree style must be value_attrs or plain, not {style!r}")
    keys = [key_filter] if isinstance(key_filter, str) else list(key_filter or [])
    r = ctx.resolver
    root = r.get(path)
    if not isinstance(root, h5py.Group):
        raise ResolveError(f"{ctx.filename}:{path}: not a group")
    walker = _Walker(ctx, style, skip_arrays, keys, max_array_size)
    walker.seen.add(root.id)
    out = walker.group(root, path)
    if style == "value_attrs" and include_root_attrs:
        attrs = walker.attrs(root, path)
        if attrs:
            out["attrs"] = attrs
    return out


class _Walker:
    def __init__(self, ctx: Context, style: str, skip_arrays: bool, keys: list[str],
                 max_size: int) -> None:
        self.ctx = ctx
        self.style = style
        self.skip_arrays = skip_arrays
        self.keys = keys
        self.max_size = max_size
        self.seen: set[Any] = set()

    def group(self, group: h5py.Group, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        base = "" if path == "/" else path
        for name in group:
            child_path = f"{base}/{name}"
            obj = self.ctx.resolver._child(group, name, child_path)
            if obj is None:
                continue
            if isinstance(obj, h5py.Group):
                if obj.id in self.seen:
                    continue  # a soft link back up the tree
                self.seen.add(obj.id)
                sub = self.group(obj, child_path)
                if self.keys and not sub:
                    continue  # nothing below matched the key filter
                if self.style == "value_attrs":
                    attrs = self.attrs(obj, child_path)
                    if attrs:
                        sub["attrs"] = attrs
                out[name] = sub
            elif isinstance(obj, h5py.Dataset):
                if self.keys and not any(k in child_path for k in self.keys):
                    continue
                item = self.dataset(obj, child_path)
                if item is not _SKIP:
                    out[name] = item
        return out

    def dataset(self, obj: h5py.Dataset, path: str) -> Any:
        try:
            size = obj.size
            shape = obj.shape
        except (OSError, TypeError):  # pragma: no cover
            return _SKIP
        if self.skip_arrays and size is not None and size > 1:
            return _SKIP
        if shape is None:  # empty dataspace
            value: Any = None
        elif size > self.max_size:
            value = {"shape": tuple(shape), "dtype": str(obj.dtype), "hdf5_path": path}
        else:
            try:
                value = _clean(obj[()], self.ctx, path)
            except (OSError, TypeError, ValueError) as exc:
                self.ctx.warn(f"{self.ctx.filename}:{path}: unreadable dataset skipped ({exc})")
                return _SKIP
        if self.style == "plain":
            return value
        item: dict[str, Any] = {"value": value}
        attrs = self.attrs(obj, path)
        if attrs:
            item["attrs"] = attrs
        return item

    def attrs(self, obj: h5py.HLObject, path: str) -> dict[str, Any]:
        out = {}
        try:
            names = list(obj.attrs)
        except (OSError, RuntimeError):  # pragma: no cover
            return out
        for key in names:
            try:
                value = obj.attrs[key]
            except (OSError, TypeError, UnicodeDecodeError) as exc:
                self.ctx.warn(f"{self.ctx.filename}:{path}/@{key}: unreadable attribute skipped "
                              f"({type(exc).__name__})")
                continue
            out[key] = _clean(value, self.ctx, f"{path}/@{key}")
        return out


_SKIP = object()


def _clean(value: Any, ctx: Context, where: str) -> Any:
    """Decode strings, unwrap numpy scalars; invalid UTF-8 is kept as bytes with a warning."""
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return as_str(value, where)
        except ResolveError as exc:
            ctx.warn(f"{ctx.filename}:{exc}; kept as bytes")
            return bytes(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        items = []
        for v in value.flat:
            if isinstance(v, (bytes, np.bytes_)):
                try:
                    items.append(as_str(v, where))
                except ResolveError as exc:
                    ctx.warn(f"{ctx.filename}:{exc}; kept as bytes")
                    items.append(bytes(v))
            else:
                items.append(v)
        if all(isinstance(i, str) for i in items):
            return np.array(items, dtype=str).reshape(value.shape)
        return np.array(items, dtype=object).reshape(value.shape)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, h5py.Reference):
        return str(value)
    return value
