"""Built-ins and transforms every mapping may use, whatever its format."""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

import numpy as np

from mapper.engine.context import Context
from mapper.hdf5.io import as_str, str_list
from mapper.registry import builtin, transform


@builtin("file.name", "value")
def file_name(ctx: Context, at: Any = None) -> str:
    """The data file's base name (``metadata.General.original_filename``)."""
    return os.path.basename(ctx.filename)


@builtin("file.path", "value")
def file_path(ctx: Context, at: Any = None) -> str:
    """The data file's absolute path."""
    return os.path.abspath(ctx.filename)


def _scalar(value: Any) -> Any:
    a = np.asarray(value)
    if a.size == 1:
        item = a.reshape(-1)[0]
        return item.item() if isinstance(item, np.generic) else item
    return value


def _string(value: Any) -> str:
    return as_str(_scalar(value) if isinstance(value, np.ndarray) else value)


def _iso(value: Any) -> str:
    s = _string(value)
    _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return s


transform("scalar", _scalar, lambda v: v, "A one-element array becomes its element.")


def _string_out(value: Any) -> str:
    """One string to write: str as is, UTF-8 bytes decoded, numbers as text; no lists."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")  # UnicodeDecodeError is a ValueError
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
        value = value.decode("utf-8") if isinstance(value, bytes) else value
    if isinstance(value, (list, tuple, dict, set, np.ndarray)):
        raise ValueError(f"expected one string, found a {type(value).__name__}")
    return str(value)


transform("string", _string, _string_out, "Bytes, numpy strings and one-element arrays become str.")
transform("int", lambda v: int(_scalar(v)), int, "A number (or numeric string) as int.")
transform("float", lambda v: float(_scalar(v)), float, "A number (or numeric string) as float.")


def _bool(value: Any) -> bool:
    v = _scalar(value)
    if isinstance(v, (bytes, np.bytes_)):
        v = as_str(v)
    if isinstance(v, str):
        text = v.strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(f"{v!r} is not a boolean")
    if isinstance(v, (bool, np.bool_)) or v in (0, 1):
        return bool(v)
    raise ValueError(f"{v!r} is not a boolean")


transform("bool", _bool, bool, "true/false, 1/0 or the strings true/false/yes/no, as bool.")
transform(
    "string_list",
    str_list,
    lambda v: np.array(list(v), dtype=object),
    "A string array, or 'a:b' / 'a,b' joined string, as a list of str.",
)
transform("iso_datetime", _iso, str, "An ISO 8601 date-time string (checked).")
transform("list", lambda v: np.asarray(v).tolist(), np.asarray, "An array as a Python list.")
