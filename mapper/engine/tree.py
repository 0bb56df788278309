"""Reading a whole HDF5 subtree into nested dicts (``original_metadata``, metadata trees).

Two styles:

``value_attrs`` (RosettaSciIO's layout of ``original_metadata``)
    a group is a dict of its children plus ``attrs``; a dataset is
    ``{"value": ..., "attrs": {...}}``.
``plain``
    a group is a dict, a dataset is its value; attributes are dropped.

Bulk arrays are never copied: a dataset with more than ``max_array_size``
elements is replaced by ``{"shape", "dtype", "hdf5_path"}`` so that it can be
found and read on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

import h5py
import numpy as np

from mapper.engine.context import Context
from mapper.errors import ResolveError
from mapper.hdf5.io import as_str
from mapper.language.model import TREE_STYLES
from mapper.language.paths import child_path

#: Datasets with more elements than this are summarised, not read.
MAX_ARRAY_SIZE = 4096


def read_tree(
    ctx: Context,
    path: str,
    *,
    style: str = "value_attrs",
    skip_arrays: bool = False,
    key_filter: Any = None,
    max_array_size: int = MAX_ARRAY_SIZE,
    include_root_attrs: bool = True,
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
    if style not in TREE_STYLES:
        raise ResolveError(f"tree style must be one of {', '.join(TREE_STYLES)}, not {style!r}")
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
    """Reads a subtree with h5py's low-level calls where links are hard (the common case).

    Soft and external links go through the resolver, so the link policy and
    cycle protection apply; objects without attributes skip the attribute read.
    """

    def __init__(
        self, ctx: Context, style: str, skip_arrays: bool, keys: list[str], max_size: int
    ) -> None:
        self.ctx = ctx
        self.style = style
        self.skip_arrays = skip_arrays
        self.keys = keys
        self.max_size = max_size
        self.seen: set[Any] = set()

    def _links(self, group: h5py.Group) -> list[tuple[bytes, int]]:
        out: list[tuple[bytes, int]] = []
        try:
            group.id.links.iterate(lambda name, info: out.append((name, info.type)), info=True)
        except (RuntimeError, OSError) as exc:  # pragma: no cover
            self.ctx.warn_at(group.name, f"cannot list group ({exc})")
        return out

    def _open(
        self, group: h5py.Group, raw: bytes, link_type: int, path: str
    ) -> tuple[Any, int | None]:
        """The child object and its attribute count (None = unknown)."""
        if link_type == h5py.h5l.TYPE_HARD:
            try:
                oid = h5py.h5o.open(group.id, raw)
                info = h5py.h5o.get_info(oid)
            except (KeyError, RuntimeError, OSError) as exc:
                self.ctx.warn_at(path, f"cannot open ({exc})", "skipped")
                return None, None
            if info.type == h5py.h5o.TYPE_GROUP:
                return h5py.Group(oid), info.num_attrs
            if info.type == h5py.h5o.TYPE_DATASET:
                return h5py.Dataset(oid), info.num_attrs
            return None, None  # named datatypes carry no metadata value
        name = raw.decode("utf-8", "surrogateescape")
        return self.ctx.resolver._child(group, name, path), None

    def group(self, group: h5py.Group, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw, link_type in self._links(group):
            name = raw.decode("utf-8", "surrogateescape")
            cp = child_path(path, name)
            obj, n_attrs = self._open(group, raw, link_type, cp)
            if obj is None:
                continue
            if isinstance(obj, h5py.Group):
                if obj.id in self.seen:
                    continue  # a soft link back up the tree
                self.seen.add(obj.id)
                sub = self.group(obj, cp)
                if self.keys and not sub:
                    continue  # nothing below matched the key filter
                if self.style == "value_attrs" and n_attrs != 0:
                    attrs = self.attrs(obj, cp)
                    if attrs:
                        sub["attrs"] = attrs
                out[name] = sub
            elif isinstance(obj, h5py.Dataset):
                if self.keys and not any(k in cp for k in self.keys):
                    continue
                item = self.dataset(obj, cp, n_attrs)
                if item is not _SKIP:
                    out[name] = item
        return out

    def dataset(self, obj: h5py.Dataset, path: str, n_attrs: int | None = None) -> Any:
        try:
            space = obj.id.get_space()
            simple = space.get_simple_extent_type() != h5py.h5s.NULL
            shape = space.shape if simple else None
            size = space.get_simple_extent_npoints() if simple else 0
        except (OSError, TypeError, RuntimeError):  # pragma: no cover
            return _SKIP
        if self.skip_arrays and size > 1:
            return _SKIP
        if shape is None:  # empty dataspace
            value: Any = None
        elif size > self.max_size:
            value = {"shape": tuple(shape), "dtype": str(obj.dtype), "hdf5_path": path}
        else:
            try:
                value = _clean(_read_value(obj, shape), self.ctx, path)
            except (OSError, TypeError, ValueError) as exc:
                self.ctx.warn_at(path, f"unreadable dataset skipped ({exc})")
                return _SKIP
        if self.style == "plain":
            return value
        item: dict[str, Any] = {"value": value}
        if n_attrs != 0:
            attrs = self.attrs(obj, path)
            if attrs:
                item["attrs"] = attrs
        return item

    def attrs(self, obj: h5py.HLObject, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            names = list(obj.attrs)
        except (OSError, RuntimeError):  # pragma: no cover
            return out
        for key in names:
            try:
                value = obj.attrs[key]
            except (OSError, TypeError, UnicodeDecodeError) as exc:
                self.ctx.warn_at(
                    f"{path}/@{key}", f"unreadable attribute skipped ({type(exc).__name__})"
                )
                continue
            out[key] = _clean(value, self.ctx, f"{path}/@{key}")
        return out


def _read_value(obj: h5py.Dataset, shape: tuple[int, ...]) -> Any:
    """Read a small dataset; plain numbers go straight into a numpy buffer."""
    dtype = obj.dtype
    if dtype.kind in "iufcb" and dtype.names is None and not dtype.shape:
        out = np.empty(shape, dtype=dtype)
        obj.id.read(h5py.h5s.ALL, h5py.h5s.ALL, out)
        return out[()] if out.ndim == 0 else out
    return obj[()]


_SKIP = object()


def _clean(value: Any, ctx: Context, where: str) -> Any:
    """Decode strings, unwrap numpy scalars; invalid UTF-8 is kept as bytes with a warning."""
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return as_str(value)
        except ResolveError as exc:
            ctx.warn_at(where, str(exc), "kept as bytes")
            return bytes(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        items: list[Any] = []
        for v in value.flat:
            if isinstance(v, (bytes, np.bytes_)):
                try:
                    items.append(as_str(v))
                except ResolveError as exc:
                    ctx.warn_at(where, str(exc), "kept as bytes")
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


class DeferredTree(MutableMapping[str, Any]):
    """A mapping that reads its content from the file the first time it is used.

    ``original_metadata`` can hold tens of thousands of small datasets whose
    reading dominates a load (HDF5 costs tens of microseconds per object); it
    is read on first access instead: indexing, iteration, ``len``, ``in``,
    ``==``, ``repr``, ``dict(tree)``, ``copy``/``deepcopy``/pickle (which give
    a plain dict). The file is re-opened under the same link policy; if it
    changed or vanished since the load, :class:`~mapper.errors.ResolveError`
    says so instead of returning another file's metadata.

    It is deliberately not a ``dict`` subclass: C code such as ``json.dumps``
    reads a dict's storage directly and would see an empty dict. Use
    ``dict(tree)`` (or :meth:`to_dict`) where a real dict is required.
    """

    __slots__ = ("_data", "_loader")

    def __init__(self, loader: Callable[[], dict[str, Any]]) -> None:
        self._loader: Callable[[], dict[str, Any]] | None = loader
        self._data: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self._loader is not None:
            self._data = dict(self._loader())
            self._loader = None
        return self._data

    @property
    def is_loaded(self) -> bool:
        """True once the content has been read."""
        return self._loader is None

    def to_dict(self) -> dict[str, Any]:
        """The content as a plain ``dict`` (read now if needed)."""
        return dict(self._load())

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._load()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: object) -> bool:
        return key in self._load()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DeferredTree):
            other = other.to_dict()
        return self._load() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._load())

    def __reduce__(self) -> Any:
        return (dict, (self.to_dict(),))

    def __copy__(self) -> dict[str, Any]:
        return self.to_dict()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self.to_dict(), memo)

    def copy(self) -> dict[str, Any]:
        """A shallow copy as a plain dict."""
        return self.to_dict()


def merge_into(base: dict[str, Any], over: dict[str, Any]) -> None:
    """Deep-merge ``over`` into ``base``: dicts merge key by key, anything else replaces."""
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge_into(base[k], v)
        else:
            base[k] = v


def dotted(tree: Mapping[str, Any], key: str) -> Any:
    """The value at dotted key ``a.b.c`` of nested dicts, or None."""
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
