"""NXDL types, units, enumerations and dimensions as mapping constraints.

* types: ``NX_FLOAT`` -> ``dtype: float`` and so on (:data:`DTYPES`);
  ``NX_CCOMPLEX``/``NX_PCOMPLEX`` are ``complex``, ``NX_QUATERNION`` is a
  ``number``; no type at all gives no ``dtype``;
* units: a unit category (``NX_LENGTH``) -> ``units_category``, anything
  else is an example unit (``keV``) -> ``units_like``;
* enumerations: ``enum`` with items typed by the field's type (numbers for
  numeric fields), ``enum_open: true`` for ``open="true"``; an item that is
  an array (``[1, 0, 0]``) cannot be listed, so that enumeration is dropped;
* dimensions: ``shape`` (ints, symbols, ``"sym+1"``, null) and ``rank`` (an
  int, or ``{min, max}`` when trailing dims are ``required="false"``).

Each function returns the constraint items and appends a note for what it
had to leave out.
"""

from __future__ import annotations

import re
from typing import Any

from mapper.conventions.nexus.nxdl.model import Dims, Enumeration
from mapper.conventions.nexus.units import CATEGORIES

__all__ = ["DTYPES", "dims_items", "dtype_of", "enum_items", "shape_symbols", "units_items"]

#: NXDL type -> dtype family of the mapping language.
DTYPES = {
    "NX_CHAR": "string",
    "NX_FLOAT": "float",
    "NX_INT": "integer",
    "NX_UINT": "unsigned",
    "NX_POSINT": "posint",
    "NX_NUMBER": "number",
    "NX_BOOLEAN": "bool",
    "NX_DATE_TIME": "datetime",
    "ISO8601": "datetime",
    "NX_BINARY": "binary",
    "NX_COMPLEX": "complex",
    "NX_CCOMPLEX": "complex",
    "NX_PCOMPLEX": "complex",
    "NX_QUATERNION": "number",
    "NX_CHAR_OR_NUMBER": "char_or_number",
}
_INTEGERS = {"integer", "unsigned", "posint"}
_NUMBERS = {"float", "number", "complex", "char_or_number"}
_INT = re.compile(r"[+-]?\d+")
_SYM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)([+-]\d+)?")

Notes = list[str]


def dtype_of(nx_type: str | None) -> str | None:
    """The dtype family of an NXDL type (None: no type, no constraint)."""
    return DTYPES.get(nx_type) if nx_type else None


def units_items(units: str | None) -> dict[str, Any]:
    """``units_category: NX_LENGTH`` or ``units_like: keV``; empty without units."""
    if not units:
        return {}
    if units in CATEGORIES:
        return {"units_category": units}
    return {"units_like": units}


def _typed(text: str, dtype: str | None) -> Any:
    """An enumeration item as the value the field holds."""
    t = text.strip()
    if dtype in _INTEGERS and _INT.fullmatch(t):
        return int(t)
    if dtype in _NUMBERS:
        if _INT.fullmatch(t):
            return int(t)
        try:
            return float(t)
        except ValueError:
            return text
    if dtype == "bool" and t.lower() in ("true", "false", "1", "0"):
        return t.lower() in ("true", "1")
    return text


def enum_items(e: Enumeration | None, dtype: str | None, what: str, notes: Notes) -> dict[str, Any]:
    """``enum`` (typed) and ``enum_open``; nothing when an item is an array."""
    if e is None or not e.values:
        return {}
    arrays = [v for v in e.values if v.strip().startswith("[")]
    if arrays:
        notes.append(f"line {e.line}: {what}: enumeration of arrays ({', '.join(arrays)})")
        return {}
    out: dict[str, Any] = {"enum": [_typed(v, dtype) for v in e.values]}
    if e.open:
        out["enum_open"] = True
    return out


def dims_items(d: Dims | None, what: str, notes: Notes) -> dict[str, Any]:
    """``shape`` and ``rank`` of a ``<dimensions>``; see the module docstring."""
    if d is None:
        return {}
    rank_in_words = d.rank is None and d.rank_text is not None
    for text in d.irregular:
        if rank_in_words and text == d.rank_text:
            notes.append(f"line {d.line}: {what}: rank {text!r} (neither rank nor shape checked)")
        else:
            notes.append(f"line {d.line}: {what}: dimension {text!r} (any length)")
    if rank_in_words:
        return {}
    if isinstance(d.rank, str) and _SYM.fullmatch(d.rank) and "+" in d.rank:
        low = int(d.rank.partition("+")[2])
        notes.append(f"line {d.line}: {what}: rank {d.rank_text!r} (only rank >= {low} checked)")
        return {"rank": {"min": low}}
    if not d.dims:  # a rank alone: lengths unknown (as a shape, a scalar is a placeholder)
        return {"shape": [None] * d.rank} if isinstance(d.rank, int) else {}
    n = max(x.index for x in d.dims)
    if isinstance(d.rank, int):
        n = max(n, d.rank)
    shape: list[int | str | None] = [None] * n
    for x in d.dims:
        shape[x.index - 1] = x.value
    optional = 0
    for x in reversed(d.dims):
        if x.required or x.index != n - optional:
            break
        optional += 1
    rank: int | dict[str, int] = {"min": n - optional, "max": n} if optional else n
    if all(v is None for v in shape) and optional:
        return {"rank": rank}
    return {"shape": shape, "rank": rank} if optional else {"shape": shape}


def shape_symbols(items: dict[str, Any]) -> list[str]:
    """The symbols a ``shape`` uses (``nP`` for ``"nP+1"``), in order."""
    out = []
    for v in items.get("shape", ()):
        if isinstance(v, str):
            m = _SYM.fullmatch(v)
            if m and m.group(1) not in out:
                out.append(m.group(1))
    return out
