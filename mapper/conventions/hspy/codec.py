"""The HSpy value codec: nested Python values <-> HDF5 groups, attributes and datasets.

HyperSpy stores ``metadata``, ``original_metadata``, ``learning_results``,
``attributes``, axes and models with one encoding (``formats.md`` section 2):

==========================  ===============================================
Python                      on disk
==========================  ===============================================
dict                        sub-group
str, int, float, bool       attribute
None                        attribute holding the string ``"_None_"``
bytes                       attribute ``_bs_<key>`` (opaque)
ndarray                     dataset (object arrays: vlen + ``_ragged_shapes_<key>``)
empty list / tuple          attribute ``_list_empty_<key>`` / ``_tuple_empty_<key>``
flat list / tuple, one type dataset ``_list_<key>`` / ``_tuple_<key>``
any other list / tuple      group ``_list_<N>_<key>`` with children ``0`` .. ``N-1``
a signal in metadata        group ``_sig_<key>`` holding a whole signal
==========================  ===============================================

Where RosettaSciIO loses information this codec does not, and stays readable by it:

* list items come back in their order (``0, 1, 2, ... 10``, not ``0, 1, 10, 2``);
* lists mixing types (``[1, "a"]``, ``[1, 2.5]``) are written item by item,
  not cast to one type;
* ``datetime``, ``date`` and ``time`` are written as ISO 8601 strings, with a
  type marker attribute ``_sig_type_<key>`` that RosettaSciIO ignores (it
  reads the plain string); the same marker keeps the literal string
  ``"_None_"`` and empty bytes;
* all bytes are stored opaque (``_bs_``), so bytes stay bytes;
* non-ASCII string arrays are stored as UTF-8 and decoded back;
* a value that cannot be stored (a set, a non-str key, an object) is a
  problem naming its path, reported before anything is written.
"""

from __future__ import annotations

import ast
import datetime as _dt
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from typing import Any, Protocol

import h5py
import numpy as np

from mapper.hdf5.io import as_str
from mapper.hdf5.write import is_dask

NONE = "_None_"
#: Marker attributes (ignored by RosettaSciIO, which skips attributes named ``_sig_*``).
TYPE_MARK = "_sig_type_"
#: An ``NX_class`` value stored inside a NeXus file, where it would make NeXus tools see a
#: NeXus group (``Encoder(hide_nx_class=True)``).
HIDDEN_NX_CLASS = "_sig_NX_class"
#: Datasets above this many bytes are returned as bulk references (read eagerly or lazily).
BULK_BYTES = 1 << 16
_INT64 = (-(1 << 63), (1 << 63) - 1)
_FLAT_TYPES = (bool, int, float, complex, str)
#: Key prefixes the encoding gives a meaning to; a plain value cannot use them.
RESERVED = (
    "_bs_",
    "_sig_",
    "_list_",
    "_tuple_",
    "_datetime_",
    "_ragged_shapes_",
    "_hspy_AxesManager_",
)


def _prefix(key: str) -> str:
    return next(p for p in RESERVED if key.startswith(p))


class Sink(Protocol):
    """Where encoded values go (the write plan)."""

    def group(self, path: str) -> None:
        """Create a group."""

    def dataset(self, path: str, value: Any, **options: Any) -> None:
        """Write a dataset."""

    def attr(self, path: str, name: str, value: Any) -> None:
        """Set an attribute."""

    def problem(self, message: str) -> None:
        """Record a value that cannot be written."""


def child(path: str, name: str) -> str:
    """``path/name`` without a double slash."""
    return f"{path.rstrip('/')}/{name}"


def member(group: h5py.Group, name: str) -> Any:
    """``group[name]``, or None when absent or dangling.

    Cheaper than ``group.get(name)``, whose miss goes through an HDF5 error
    and a Python exception (slow under HDF5 2.0).
    """
    try:
        if not group.id.links.exists(name.encode("utf-8", "surrogateescape")):
            return None
        return group[name]
    except (KeyError, ValueError, RuntimeError, OSError):
        return None


def _numeric_key(name: str) -> tuple[int, Any]:
    return (0, int(name)) if name.isdigit() else (1, name)


# ============================================================================ decoding
class Decoder:
    """Reads encoded groups. ``bulk(dataset)`` decides how large datasets come back."""

    def __init__(
        self,
        bulk: Callable[[h5py.Dataset], Any] | None = None,
        read_signal: Callable[[h5py.Group], dict[str, Any]] | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.bulk = bulk
        self.read_signal = read_signal
        self.warn = warn or (lambda message: None)

    def group(self, group: h5py.Group, into: dict[str, Any] | None = None) -> dict[str, Any]:
        """Decode ``group`` (its attributes, then its children) into a dict."""
        out: dict[str, Any] = {} if into is None else into
        marks: dict[str, str] = {}
        attrs = group.attrs
        for key in attrs:
            try:
                raw = attrs[key]
            except (OSError, TypeError) as exc:
                self.warn(f"{group.name}/@{key}: cannot read attribute ({exc}); left out")
                continue
            if key.startswith(TYPE_MARK):
                marks[key[len(TYPE_MARK) :]] = as_str(raw)
            elif key == HIDDEN_NX_CLASS:
                self._attr(out, "NX_class", raw, group.name)
            elif key.startswith("_sig_"):
                continue
            else:
                self._attr(out, key, raw, group.name)
        for key, kind in marks.items():
            if key in out:
                out[key] = _unmark(out[key], kind, attrs.get(key))
        for key in group:
            if key.startswith("_ragged_shapes_"):
                continue
            try:
                obj = group[key]
            except (KeyError, OSError, RuntimeError) as exc:
                self.warn(f"{group.name}/{key}: cannot open ({exc}); left out")
                continue
            if isinstance(obj, h5py.Dataset):
                self._dataset(out, group, key, obj)
            elif isinstance(obj, h5py.Group):
                self._subgroup(out, key, obj)
        return out

    def _attr(self, out: dict[str, Any], key: str, raw: Any, where: str) -> None:
        value = raw
        if isinstance(value, (bytes, np.bytes_)):
            value = as_str(value)
        if isinstance(value, str):
            if value == NONE:
                value = None
        elif isinstance(value, np.bool_):
            value = bool(value)
        elif isinstance(value, np.ndarray) and value.dtype.char == "S":
            value = _decode_strings(value)
            if value.dtype.str.endswith("U1"):
                value = value.tolist()
        if key.startswith("_list_empty_"):
            out[key[len("_list_empty_") :]] = []
        elif key.startswith("_tuple_empty_"):
            out[key[len("_tuple_empty_") :]] = ()
        elif key.startswith("_bs_"):
            if isinstance(raw, str):  # not opaque, but readable: a writer's slip
                out[key[len("_bs_") :]] = raw.encode("utf-8", "surrogateescape")
            else:
                out[key[len("_bs_") :]] = raw.tobytes() if hasattr(raw, "tobytes") else bytes(raw)
        elif key.startswith("_datetime_date") or key.startswith("_datetime_time"):
            out[key.replace("_datetime_", "")] = _old_datetime(key, str(value), where)
        else:
            out[key] = value

    def _dataset(self, out: dict[str, Any], group: h5py.Group, key: str, ds: h5py.Dataset) -> None:
        shapes = member(group, f"_ragged_shapes_{key}")
        if shapes is None:
            shapes = member(group, "ragged_shapes")
        if isinstance(shapes, h5py.Dataset):
            out[key] = read_ragged(ds, shapes)
            return
        if key.startswith("_list_") or key.startswith("_tuple_"):
            items = _read_strings(ds) if h5py.check_string_dtype(ds.dtype) else ds[()]
            items = np.asarray(items).tolist()
            if key.startswith("_list_"):
                out[key[len("_list_") :]] = items
            else:
                out[key[len("_tuple_") :]] = tuple(items)
            return
        nbytes = (ds.size or 0) * ds.dtype.itemsize
        if self.bulk is not None and nbytes > BULK_BYTES and ds.dtype.kind not in "SOU":
            out[key] = self.bulk(ds)
        elif ds.shape is None:
            out[key] = np.array([])  # an empty dataspace: nothing stored
        elif ds.dtype.kind == "S":
            out[key] = _decode_strings(np.asarray(ds[()]))
        elif h5py.check_string_dtype(ds.dtype):
            out[key] = np.asarray(_read_strings(ds))
        else:
            out[key] = np.asarray(ds[()])

    def _subgroup(self, out: dict[str, Any], key: str, g: h5py.Group) -> None:
        if key.startswith("_sig_") and self.read_signal is not None:
            out[key] = self.read_signal(g)
        elif key.startswith("_hspy_AxesManager_"):
            out[key] = self.items(g)
        elif key.startswith("_list_") or key.startswith("_tuple_"):
            prefix = "_list_" if key.startswith("_list_") else "_tuple_"
            rest = key[len(prefix) :]
            name = rest[rest.find("_") + 1 :]
            items = self.items(g)
            out[name] = items if prefix == "_list_" else tuple(items)
        else:
            out[key] = self.group(g)

    def items(self, g: h5py.Group) -> list[Any]:
        """The children ``0`` .. ``N-1`` of a list group, in numeric order."""
        d = self.group(g)
        return [d[k] for k in sorted(d, key=_numeric_key)]


def read_ragged(ds: h5py.Dataset, shapes: h5py.Dataset) -> np.ndarray:
    """A ragged (vlen) dataset as an object array of arrays, each in its stored shape."""
    flat = ds[()]
    shp = shapes[()]
    out = np.empty(flat.shape, dtype=object)
    for i in np.ndindex(flat.shape):
        item = np.asarray(flat[i])
        if item.dtype.kind in "OS":
            item = _decode_strings(np.asarray(item, dtype="S")) if item.size else item
        out[i] = item.reshape(tuple(int(n) for n in np.asarray(shp[i]).reshape(-1)))
    return out


def _read_strings(ds: h5py.Dataset) -> Any:
    try:
        return ds.asstr()[()]
    except UnicodeDecodeError:
        return ds.asstr(errors="surrogateescape")[()]


def _decode_strings(arr: np.ndarray) -> np.ndarray:
    """Fixed-length byte strings as str: ASCII directly, else UTF-8 item by item."""
    try:
        return arr.astype("U")
    except UnicodeDecodeError:
        flat = [as_str(b) for b in arr.reshape(-1)]
        return np.array(flat, dtype=str).reshape(arr.shape) if flat else arr.astype("U")


def _old_datetime(key: str, text: str, where: str) -> Any:
    """Version 1.x stored ``datetime.date(1991, 10, 1)``; RosettaSciIO returns ISO strings."""
    try:
        args = ast.literal_eval(text[text.index("(") :])
        args = args if isinstance(args, tuple) else (args,)
        cls = _dt.date if key.startswith("_datetime_date") else _dt.time
        return cls(*args).isoformat()
    except (ValueError, SyntaxError, TypeError):
        return text


def _unmark(value: Any, kind: str, raw: Any) -> Any:
    try:
        if kind == "datetime":
            return _dt.datetime.fromisoformat(value)
        if kind == "date":
            return _dt.date.fromisoformat(value)
        if kind == "time":
            return _dt.time.fromisoformat(value)
        if kind == "bytes":
            return b"" if value in ("", None) else value
        if kind == "str":
            return as_str(raw) if raw is not None else value
    except (TypeError, ValueError):
        pass
    return value


# ============================================================================ encoding
class Encoder:
    """Writes nested values into a :class:`Sink`; every problem names its path."""

    def __init__(
        self,
        sink: Sink,
        write_signal: Callable[[str, AbcMapping[str, Any], str], None] | None = None,
        dataset_options: dict[str, Any] | None = None,
        hide_nx_class: bool = False,
    ) -> None:
        self.sink = sink
        self.hide_nx_class = hide_nx_class
        self.write_signal = write_signal
        self.dataset_options = dataset_options or {}

    def dict(self, value: Any, path: str, label: str) -> None:
        """Encode the dict ``value`` into the group at ``path`` (created here)."""
        self.sink.group(path)
        if not isinstance(value, AbcMapping):
            self.sink.problem(f"{label}: a dict was expected, not {type(value).__name__}")
            return
        for key, item in value.items():
            if not isinstance(key, str):
                self.sink.problem(
                    f"{label}: key {key!r} is not a string (HDF5 names are "
                    "strings); nothing was written"
                )
                continue
            sub = f"{label}.{key}"
            if key in ("", ".", "..") or "/" in key or "\0" in key:
                self.sink.problem(f"{sub}: {key!r} cannot be an HDF5 name")
                continue
            if key == "ragged_shapes":
                self.sink.problem(
                    f"{sub}: the key 'ragged_shapes' is reserved by the HSpy "
                    "encoding (old files: the shapes of ragged arrays)"
                )
                continue
            if key.startswith(RESERVED) and not (
                key.startswith("_sig_") and isinstance(item, AbcMapping)
            ):
                self.sink.problem(
                    f"{sub}: keys starting with {_prefix(key)!r} are reserved "
                    "by the HSpy encoding (they would read back as another "
                    "value)"
                )
                continue
            self.value(item, path, key, sub)

    def value(self, item: Any, path: str, key: str, label: str) -> None:
        """Encode one value stored under ``key`` in the group at ``path``."""
        sink = self.sink
        where = child(path, key)
        if isinstance(item, AbcMapping):
            if key.startswith("_sig_") and "data" in item and self.write_signal is not None:
                self.write_signal(where, item, label)
            else:
                self.dict(item, where, label)
        elif item is None:
            sink.attr(path, key, NONE)
        elif isinstance(item, (bytes, bytearray, np.void)):
            data = bytes(item.tobytes() if isinstance(item, np.void) else item)
            if data:
                sink.attr(path, f"_bs_{key}", np.void(data))
            else:
                sink.attr(path, key, "")
                sink.attr(path, TYPE_MARK + key, "bytes")
        elif isinstance(item, str):
            if key == "NX_class" and self.hide_nx_class:
                key = HIDDEN_NX_CLASS
            if "\0" in item:
                sink.problem(f"{label}: HDF5 strings cannot hold NUL characters (store bytes)")
                return
            item = str(item)  # numpy str scalars too
            sink.attr(path, key, item)
            if item == NONE:
                sink.attr(path, TYPE_MARK + key, "str")
        elif isinstance(item, (_dt.datetime, _dt.date, _dt.time)):
            kind = (
                "datetime"
                if isinstance(item, _dt.datetime)
                else "date"
                if isinstance(item, _dt.date)
                else "time"
            )
            sink.attr(path, key, item.isoformat())
            sink.attr(path, TYPE_MARK + key, kind)
        elif isinstance(item, (list, tuple)):
            self._sequence(item, path, key, label)
        elif _is_array(item):
            self.array(item, where, label)
        elif isinstance(item, (bool, np.bool_)):
            sink.attr(path, key, np.bool_(item))
        elif isinstance(item, int):  # numpy integers are not int: np.number below
            if _INT64[0] <= item <= _INT64[1]:
                sink.attr(path, key, np.int64(item))
            elif 0 <= item < (1 << 64):
                sink.attr(path, key, np.uint64(item))
            else:
                sink.problem(f"{label}: the integer {item} does not fit in 64 bits")
        elif isinstance(item, (float, complex, np.number)):
            sink.attr(path, key, item)
        else:
            sink.problem(
                f"{label}: a {type(item).__module__}.{type(item).__qualname__} "
                "cannot be stored in HSpy (use a dict, list, str, number, bytes, "
                "date or array)"
            )

    def _sequence(self, item: list[Any] | tuple[Any, ...], path: str, key: str, label: str) -> None:
        prefix = "_list_" if isinstance(item, list) else "_tuple_"
        if not item:
            self.sink.attr(path, f"{prefix}empty_{key}", NONE)
            return
        kinds = {type(v) for v in item}
        flat = len(kinds) == 1 and next(iter(kinds)) in _FLAT_TYPES
        if flat and isinstance(item[0], int) and not isinstance(item[0], bool):
            flat = all(_INT64[0] <= v <= _INT64[1] for v in item)
        if flat:
            if isinstance(item[0], str):
                arr = np.array(item, dtype=h5py.string_dtype())
            else:
                arr = np.array(item)
            self.sink.dataset(child(path, prefix + key), arr)
            return
        group = child(path, f"{prefix}{len(item)}_{key}")
        self.dict({str(i): v for i, v in enumerate(item)}, group, label)

    def array(self, value: Any, path: str, label: str, **options: Any) -> None:
        """Write an array (numpy or dask) as a dataset; object arrays as ragged data."""
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind == "O" and not is_dask(value):
            self._ragged(np.asarray(value), path, label, **options)
            return
        if dtype is not None and dtype.kind == "U":
            value = _utf8_bytes(np.asarray(value))
        elif dtype is not None and dtype.kind in "OVMm" and not dtype.fields:
            self.sink.problem(f"{label}: arrays of dtype {dtype} cannot be stored")
            return
        self.sink.dataset(path, value, **{**self.dataset_options, **options})

    def _ragged(self, arr: np.ndarray, path: str, label: str, **options: Any) -> None:
        flat = np.empty(arr.shape, dtype=object)
        shapes = np.empty(arr.shape, dtype=object)
        base: np.dtype[Any] | None = None
        for i in np.ndindex(arr.shape):
            item = np.asarray(arr[i])
            if item.dtype.kind == "O":
                self.sink.problem(f"{label}: ragged item {list(i)} is itself an object array")
                return
            if item.dtype.kind == "U":
                item = _utf8_bytes(item)
            flat[i] = item.reshape(-1)
            shapes[i] = np.array(item.shape, dtype=np.int64)
            base = item.dtype if base is None else np.promote_types(base, item.dtype)
        if base is None:
            self.sink.problem(f"{label}: an empty object array cannot be stored")
            return
        vlen = h5py.vlen_dtype(h5py.string_dtype() if base.kind == "S" else base)
        if base.kind != "S":
            for i in np.ndindex(arr.shape):
                flat[i] = flat[i].astype(base)
        self.sink.dataset(path, flat, dtype=vlen, **options)
        parent, name = path.rsplit("/", 1)
        self.sink.dataset(
            child(parent or "/", f"_ragged_shapes_{name}"),
            shapes,
            dtype=h5py.vlen_dtype(np.int64),
            **options,
        )


def _is_array(item: Any) -> bool:
    return isinstance(item, np.ndarray) or is_dask(item)


def _utf8_bytes(arr: np.ndarray) -> np.ndarray:
    """A str array as fixed-length UTF-8 bytes: RosettaSciIO reads ASCII ones back as str."""
    encoded = [s.encode("utf-8", "surrogateescape") for s in arr.reshape(-1).tolist()]
    width = max((len(b) for b in encoded), default=1) or 1
    return np.array(encoded, dtype=f"S{width}").reshape(arr.shape)
