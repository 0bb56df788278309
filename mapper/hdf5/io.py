"""Opening HDF5 files safely and reading small values from them.

One-line errors for everything that can be wrong with a data file (missing,
a directory, empty, truncated, not HDF5), link checks against the directories
the reader may open, and decoding helpers that turn HDF5's many string
representations into ``str`` without guessing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from mapper.errors import FileFormatError, MissingFileError, ResolveError

#: The first bytes of every HDF5 file (at offset 0 when there is no user block).
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: File name endings of HDF5 files whatever they hold (formats add theirs in their mappings).
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")
#: Environment variable: extra directories external links may point into (os.pathsep separated).
ENV_ALLOWED = "MAPPER_ALLOWED_DIRS"


def open_h5(path: str | os.PathLike[str]) -> h5py.File:
    """Open an HDF5 file read-only, or raise a one-line :class:`MapperError`."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise MissingFileError(f"{p}: no such file") from None
    except OSError as exc:
        raise FileFormatError(f"{p}: cannot stat file ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise FileFormatError(f"{p}: is a directory, not an HDF5 file")
    if st.st_size == 0:
        raise FileFormatError(f"{p}: empty file (0 bytes), not an HDF5 file")
    try:
        return h5py.File(p, "r")
    except OSError as exc:
        raise _open_error(p, exc) from None


def _open_error(p: Path, exc: OSError) -> FileFormatError:
    """Say why HDF5 could not open ``p``: locked, truncated, not HDF5, or unreadable."""
    msg = str(exc)
    low = msg.lower()
    if "already open for write" in low or "swmr" in low:
        return FileFormatError(
            f"{p}: still open for writing (or not closed cleanly by its "
            "writer); try again later, or run h5clear -s on a file whose "
            "writer crashed"
        )
    if (
        getattr(exc, "errno", None) == 11
        or "unable to lock" in low
        or "resource temporarily unavailable" in low
        or "file locking" in low
    ):
        return FileFormatError(
            f"{p}: locked by another process (still being written?); "
            "try again later or set HDF5_USE_FILE_LOCKING=FALSE"
        )
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as err:
        return FileFormatError(f"{p}: cannot read file ({err.strerror})")
    if "truncated" in low or (head == HDF5_SIGNATURE and "signature" not in low):
        return FileFormatError(f"{p}: truncated or damaged HDF5 file ({_short(msg)})")
    if "signature" in low or head != HDF5_SIGNATURE:
        return FileFormatError(f"{p}: not an HDF5 file")
    return FileFormatError(f"{p}: cannot open as HDF5 ({_short(msg)})")  # pragma: no cover


def _short(msg: str) -> str:
    return msg.split("(")[0].strip().rstrip(",") or msg


def allowed_dirs(
    file_path: str | os.PathLike[str],
    extra: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
) -> tuple[Path, ...]:
    """Directories external links may point into: the file's own, ``extra``, and the env var.

    ``extra`` is a list of directories; a single ``str`` or path is taken as one
    directory (never character by character, which would allow ``/``).
    """
    dirs = [Path(file_path).resolve().parent]
    if isinstance(extra, (str, os.PathLike)):
        extra = [extra]
    dirs += [Path(d).resolve() for d in extra or ()]
    env = os.environ.get(ENV_ALLOWED, "")
    dirs += [Path(d).resolve() for d in env.split(os.pathsep) if d]
    return tuple(dirs)


def external_target(file_path: str, link: h5py.ExternalLink) -> Path:
    """Where an external link points, resolved like HDF5 does (relative to the file's directory)."""
    target = Path(link.filename)
    if not target.is_absolute():
        target = Path(file_path).resolve().parent / target
    return target.resolve()


def is_within(path: Path, dirs: tuple[Path, ...]) -> bool:
    """True when ``path`` lies inside one of ``dirs``."""
    return any(path == d or d in path.parents for d in dirs)


def as_str(value: Any, where: str = "") -> str:
    """Decode an HDF5 string value (bytes, numpy bytes/str, one-element array) strictly.

    Raises
    ------
    ResolveError
        When the value is not a string, or is bytes that are not UTF-8.
    """
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ResolveError(
                f"expected one string, found an array of {value.size}", where or None
            )
        value = value.reshape(-1)[0]
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ResolveError(
                f"invalid UTF-8 (byte {exc.start} of {bytes(value)!r})", where or None
            ) from None
    if isinstance(value, (str, np.str_)):
        return str(value)
    raise ResolveError(f"expected a string, found {type(value).__name__} {value!r}", where or None)


def str_list(value: Any, where: str = "") -> list[str]:
    """Decode a string or string array attribute into a list of ``str``.

    A single string holding ``a:b`` or ``a,b`` (an old convention) is split.
    """
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return [as_str(v, where) for v in value.reshape(-1)]
    if isinstance(value, (list, tuple)):
        return [as_str(v, where) for v in value]
    s = as_str(value, where)
    for sep in (":", ","):
        if sep in s:
            return [part.strip() for part in s.split(sep)]
    return [s.strip()]


def attr(obj: h5py.HLObject, name: str) -> Any:
    """Read attribute ``name`` or return None; a damaged attribute raises a one-line error."""
    try:
        bname = name.encode("utf-8")
        if not h5py.h5a.exists(obj.id, bname):
            return None
        return _read_attr(obj, name, bname)
    except (OSError, TypeError, UnicodeDecodeError, RuntimeError) as exc:
        raise ResolveError(f"{obj.name}/@{name}: cannot read attribute ({exc})") from None


def _read_attr(obj: h5py.HLObject, name: str, bname: bytes) -> Any:
    """``obj.attrs[name]`` without building an AttributeManager (a third of its cost).

    The same steps as h5py's ``AttributeManager.__getitem__``; array-typed
    attributes and empty dataspaces go through h5py itself.
    """
    aid = h5py.h5a.open(obj.id, bname)
    shape = aid.shape
    dtype = aid.dtype
    if shape is None or dtype.subdtype is not None:
        return obj.attrs[name]
    arr = np.zeros(shape, dtype=dtype, order="C")
    aid.read(arr, mtype=h5py.h5t.py_create(dtype))
    info = h5py.h5t.check_string_dtype(dtype)
    if info is not None and info.length is None:  # variable-length text: bytes to str
        flat = [b.decode("utf-8", "surrogateescape") for b in arr.flat]
        arr = np.array(flat, dtype=dtype).reshape(arr.shape)
    return arr[()] if arr.ndim == 0 else arr


def class_attr(obj: h5py.HLObject, name: str) -> str | None:
    """The text of attribute ``name`` (a group's class), or None; invalid values are None."""
    try:
        bname = name.encode("utf-8")
        if not h5py.h5a.exists(obj.id, bname):
            return None
        value = _read_attr(obj, name, bname)
    except (OSError, TypeError, UnicodeDecodeError, RuntimeError, KeyError, ValueError):
        return None
    if value is None:
        return None
    try:
        return as_str(value)
    except ResolveError:
        return None


def member_names(group: h5py.Group) -> list[bytes]:
    """The raw names of a group's members, in h5py's order (creation order when tracked).

    Four times faster than iterating the h5py ``Group``.
    """
    names: list[bytes] = []
    tracked = group.id.get_create_plist().get_link_creation_order()
    index = h5py.h5.INDEX_CRT_ORDER if tracked else h5py.h5.INDEX_NAME
    group.id.links.iterate(names.append, idx_type=index)
    return names


def read_small(obj: h5py.Dataset) -> Any:
    """Read a (small) dataset into a Python/numpy value; strings are decoded."""
    try:
        value = obj[()]
    except (OSError, TypeError) as exc:
        raise ResolveError(f"{obj.name}: cannot read dataset ({_short(str(exc))})") from None
    return decode(value, obj.name)


def decode(value: Any, where: str = "") -> Any:
    """Turn bytes and bytes arrays into ``str`` (UTF-8, strict); other values unchanged."""
    if isinstance(value, (bytes, np.bytes_)):
        return as_str(value, where)
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        if value.dtype.kind == "O" and not all(isinstance(v, (bytes, str)) for v in value.flat):
            return value
        out = np.array(
            [as_str(v, where) if isinstance(v, (bytes, np.bytes_)) else str(v) for v in value.flat],
            dtype=object,
        ).reshape(value.shape)
        return out.astype(str) if out.size else out
    if isinstance(value, np.generic):
        return value.item()
    return value
