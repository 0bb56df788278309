"""Small readers of HDF5 objects for validation: attribute items, link text, flags, names."""

from __future__ import annotations

import re
from typing import Any

import h5py
import numpy as np

from mapper.engine.constraints import UNREADABLE, Item
from mapper.errors import MapperError
from mapper.hdf5.io import as_str
from mapper.hdf5.resolve import Resolver

#: Bytes that were not UTF-8, kept by ``surrogateescape`` decoding.
_SURROGATE = re.compile("[\udc80-\udcff]")
#: A problem with a field's ``@units``: ``(rule, message, expected, found)``.
UnitsProblem = tuple[str, str, Any, Any]


def field_units(resolver: Resolver, obj: Any, where: str) -> tuple[str | None, UnitsProblem | None]:
    """A field's ``@units`` as text, and what is wrong with it (each caller says how badly).

    None when absent, or one unit per column (a table's, not a field's);
    :data:`~mapper.engine.constraints.UNREADABLE` with a problem when it is no
    text or holds bytes that are not UTF-8.
    """
    raw = resolver.attr(obj, "units")
    if raw is None or (isinstance(raw, np.ndarray) and raw.size > 1):
        return None, None
    try:
        units = as_str(raw, f"{where}/@units")
    except MapperError as exc:
        return UNREADABLE, ("units", f"@units cannot be read as text ({exc})", None, None)
    if _SURROGATE.search(units):
        found = units.encode("utf-8", "surrogateescape").hex()
        message = f"@units holds bytes that are not UTF-8 ({units!r})"
        return UNREADABLE, ("encoding", message, "UTF-8", found)
    return units, None


#: Longest text read to compare with mapping names.
MAX_NAME = 256


def truthy(value: Any) -> bool:
    """An attribute that says yes: True, 1, or the text ``true``."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    try:
        return bool(np.asarray(value).reshape(-1)[0]) if np.asarray(value).size == 1 else False
    except (TypeError, ValueError):
        return False


def short_text(obj: Any) -> str | None:
    """A dataset's value as stripped text when it is one short string, else None."""
    if not isinstance(obj, h5py.Dataset) or obj.size != 1 or obj.dtype.kind not in "SO":
        return None
    if obj.dtype.kind == "S" and obj.dtype.itemsize > MAX_NAME:
        return None
    try:
        raw = np.asarray(obj[()]).reshape(-1)[0]
        text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
    except (OSError, TypeError, ValueError, UnicodeDecodeError):
        return None
    text = text.strip()
    return text if 0 < len(text) <= MAX_NAME else None


def attr_item(obj: Any, name: str, where: str) -> Item:
    """An :class:`Item` for the attribute ``name`` of ``obj`` (read only when checked)."""
    aid = h5py.h5a.open(obj.id, name.encode("utf-8"))
    dtype = aid.dtype
    kind = dtype.kind
    if kind == "O" and h5py.check_string_dtype(dtype) is not None:
        kind = "T"
    shape = aid.shape
    size = 1
    for n in shape or ():
        size *= n
    return Item(where, kind, str(dtype), shape, None, lambda: obj.attrs[name], size)


def link_text(f: h5py.File, path: str) -> str:
    """What the link at ``path`` is, for a finding: soft, external, or a separate object."""
    link = f.get(path, getlink=True)
    if isinstance(link, h5py.SoftLink):
        return f"soft link to {link.path}"
    if isinstance(link, h5py.ExternalLink):
        return f"external link to {link.filename}:{link.path}"
    return "a separate object"
