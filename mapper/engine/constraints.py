"""Constraint checks on one value: dtype family, rank and shape with symbols, units, enum, range.

The same checks serve ``validate`` (on HDF5 datasets and attributes, reading
small arrays only) and ``save`` (on the in-memory values, before anything is
written). Every oddity becomes a finding through ``emit``; nothing here raises
on a strange value.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from mapper.engine.shapes import shape_ok
from mapper.language.model import Constraints
from mapper.registry import GENERIC, Convention

#: Value-based checks (enum, range, datetime, ...) read at most this many elements.
MAX_VALUE_ELEMENTS = 1 << 20

#: Family -> the numpy kinds it accepts (a convention names the family: ``Convention.type_names``).
FAMILIES: dict[str, str] = {
    "integer": "iu",
    "unsigned": "u",
    "posint": "u",
    "float": "f",
    "number": "iufc",
    "complex": "c",
    "bool": "b",
    "string": "SUT",
    "datetime": "SUT",
    "binary": "",
    "char_or_number": "iufSUT",
    "any": "",
}

Emit = Callable[..., None]


@dataclass
class Item:
    """One value to check: an HDF5 dataset or attribute, or an in-memory value.

    ``kind`` is the numpy dtype kind, with ``T`` for text stored as variable
    length or object strings; ``read`` returns the value (called only when
    ``size`` is small).
    """

    path: str
    kind: str
    dtype: str
    shape: tuple[int, ...] | None
    units: str | None
    read: Callable[[], Any]
    size: int = 1
    #: the object says a value outside an open enumeration is deliberate
    custom: bool = False


def item_from_array(path: str, value: Any, units: str | None = None) -> Item:
    """An :class:`Item` for an in-memory value (a number, a string, a list, an array)."""
    if isinstance(value, (str, bytes)):
        return Item(path, "T", "str", (), units, lambda: value, 1)
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        value = np.asarray(value)
        shape, dtype = value.shape, value.dtype
    kind = dtype.kind
    if kind == "O" and int(np.prod(shape)) <= MAX_VALUE_ELEMENTS:
        flat = np.asarray(value).reshape(-1)
        if flat.size and all(isinstance(v, (str, bytes)) for v in flat):
            kind = "T"
    return Item(
        path, kind, str(dtype), tuple(shape), units, lambda: np.asarray(value), int(np.prod(shape))
    )


def check(
    item: Item,
    cons: Constraints,
    symbols: dict[str, tuple[int, str]],
    emit: Emit,
    value: Any = None,
    has_value: bool = False,
    convention: Convention = GENERIC,
) -> None:
    """Run every constraint of ``cons`` (and ``value``, when given) on ``item``.

    ``symbols`` maps a symbol to ``(length, path it was taken from)``; the first
    object that uses a symbol defines it, later ones must agree. ``convention``
    names the types in findings and owns the unit categories.
    """
    if not _dtype_ok(item, cons, emit, convention):
        return
    shape_ok(item, cons, symbols, emit)
    if item.shape is None:  # an empty dataspace: no shape and no value to check
        if cons.rank is None and cons.shape is None:
            emit("empty", "has an empty dataspace (no value)", expected="a value", found=None)
        return
    if cons.units_category or cons.units_like:
        _units(item, cons, emit, convention)
    if not _needs_values(item, cons, has_value):
        return
    values = _read_values(item, cons, emit)
    if values is None:
        return
    _type_values(item, values, cons, emit, convention)
    if has_value and not (len(values) == 1 and _same(values[0], value)):
        emit("value", f"is {_show(values)}, expected {value!r}", expected=value, found=_few(values))
    if cons.enum is not None:
        _enum(item, values, cons, emit, convention)
    if cons.range_min is not None or cons.range_max is not None:
        _range(values, cons, emit)
    if cons.monotonic:
        _monotonic(values, cons.monotonic, emit)
    _text_values(values, cons, emit)


def _enum(
    item: Item, values: list[Any], cons: Constraints, emit: Emit, convention: Convention
) -> None:
    """A closed enumeration: other values are errors; an open one lists suggestions."""
    enum = cons.enum or ()
    bad = _unique([v for v in values if not any(_same(v, e) for e in enum)])
    if not bad or (cons.enum_open and item.custom):
        return
    are = "is" if len(bad) == 1 else "are"
    if not cons.enum_open:
        message = f"{_few(bad)} {are} not one of {list(enum)}"
        emit("enum", message, expected=list(enum), found=_few(bad))
        return
    attr = convention.custom_attr
    mark = f" (@{attr} marks a deliberate value)" if attr else ""
    emit(
        "enum",
        f"{_few(bad)} {are} not one of the suggested values {list(enum)}{mark}",
        severity="info",
        expected=list(enum),
        found=_few(bad),
    )


def _needs_values(item: Item, cons: Constraints, has_value: bool) -> bool:
    """Whether a check needs the value itself, not only dtype, shape and units."""
    return bool(
        has_value
        or cons.enum is not None
        or cons.range_min is not None
        or cons.range_max is not None
        or cons.monotonic
        or cons.nonempty
        or cons.unique
        or cons.dtype in ("datetime", "bool", "posint")
        # text is read for its encoding when the rule is about the value's type
        # (a rule on the shape alone, as of a big table of numbers, never reads)
        or (item.kind in "ST" and cons.dtype is not None)
    )


def _read_values(item: Item, cons: Constraints, emit: Emit) -> list[Any] | None:
    """The item's values as a flat list, or None (too many, unreadable, not UTF-8)."""
    if item.size > MAX_VALUE_ELEMENTS:
        emit(
            "not_checked",
            f"{item.size} values: too many to check enum, range and "
            f"monotonic (limit {MAX_VALUE_ELEMENTS})",
            severity="info",
        )
        return None
    try:
        raw = item.read()
    except Exception as exc:  # h5py raises several types for unreadable data
        emit("read", f"cannot read the value ({type(exc).__name__}: {exc})")
        return None
    return _values(item, raw, emit, array_ok=bool(cons.shape) or bool(cons.rank))


def _type_values(
    item: Item, values: list[Any], cons: Constraints, emit: Emit, convention: Convention
) -> None:
    """The value rules of the dtype families: datetimes, integer booleans, positive integers."""
    if cons.dtype == "datetime":
        _datetimes(values, emit)
    if cons.dtype == "bool" and item.kind in "iu":
        bad = [v for v in values if v not in (0, 1)]
        if bad:
            emit(
                "dtype",
                f"integer booleans must be 0 or 1, found {_few(bad)}",
                expected=[0, 1],
                found=_few(bad),
            )
    if cons.dtype == "posint":
        bad = [v for v in values if not v > 0]
        if bad:
            emit(
                "range",
                f"{convention.type_name('posint')} values must be positive, found {_few(bad)}",
                expected="> 0",
                found=_few(bad),
            )


def _text_values(values: list[Any], cons: Constraints, emit: Emit) -> None:
    """``nonempty`` and ``unique``."""
    if cons.nonempty:
        blank = [i for i, v in enumerate(values) if isinstance(v, str) and not v.strip()]
        if blank:
            where = "" if len(values) == 1 else f" (at index {_few(blank)})"
            emit("nonempty", f"is an empty string{where}", expected="non-empty text", found="")
    if cons.unique:
        counts: dict[Any, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        twice = [v for v, n in counts.items() if n > 1]
        if twice:
            emit(
                "unique",
                f"{_few(twice)} {'appears' if len(twice) == 1 else 'appear'} more than once",
                expected="distinct values",
                found=_few(twice),
            )


def _dtype_ok(item: Item, cons: Constraints, emit: Emit, convention: Convention) -> bool:
    """False when the family is so wrong that value checks make no sense."""
    family = cons.dtype
    if family is None or family == "any":
        return True
    kinds, type_name = FAMILIES[family], convention.type_name(family)
    if family == "binary":
        return True
    k = item.kind
    if k in kinds:
        return True
    want = f"{family} ({type_name})" if type_name != family else family
    if family in ("float", "number") and k in "iu":
        if family == "float":
            emit(
                "dtype",
                f"is {item.dtype}, an integer type where {want} is expected",
                severity="warning",
                expected=type_name,
                found=item.dtype,
            )
        return True
    if family in ("unsigned", "posint") and k == "i":
        emit(
            "dtype",
            f"is {item.dtype}, a signed type where {want} is expected",
            severity="warning",
            expected=type_name,
            found=item.dtype,
        )
        return True
    if family == "bool" and k in "iu":
        return True
    if k in "ST" and family not in ("string", "datetime"):
        text = _peek_text(item)
        emit(
            "dtype",
            f"is a string{f' ({text!r})' if text is not None else ''} where {want} is expected",
            expected=type_name,
            found="string",
        )
        return False
    emit(
        "dtype",
        f"is {_kind_name(item)} where {want} is expected",
        expected=type_name,
        found=item.dtype,
    )
    return False


def _kind_name(item: Item) -> str:
    names = {
        "i": "integer",
        "u": "unsigned integer",
        "f": "floating point",
        "c": "complex",
        "b": "boolean",
        "S": "string",
        "T": "string",
        "V": "compound/opaque",
        "O": "object (references or variable length)",
    }
    return f"{item.dtype} ({names.get(item.kind, 'other')})"


def _peek_text(item: Item) -> str | None:
    if item.size != 1:
        return None
    try:
        v = np.asarray(item.read()).reshape(-1)[0]
    except Exception:  # a peek only; the dtype finding is emitted regardless
        return None
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


@lru_cache(maxsize=4096)
def _units_verdict(
    units: str, category: str | None, like: str | None, convention: Convention
) -> tuple[str, str] | None:
    """None when fine, else ``(severity, message)``; cached: pint is slow and units repeat."""
    from mapper.language.units import convertible, parse

    categories = convention.unit_categories
    text = units.strip()
    if text in categories:
        if text == category:
            return ("warning", f"is the category name {text!r}, not a unit (a template file?)")
        return ("error", f"is the category name {text!r}, not a unit of {category or like}")
    try:
        parse(text)
    except ValueError as exc:
        return ("error", str(exc))
    if category and convention.in_category and not convention.in_category(text, category):
        example = categories.get(category)
        what = _category_words(category)
        hint = f", e.g. {example}" if example else ""
        return ("error", f"{text!r} is not a unit of {what} ({category}{hint})")
    if like and not convertible(text, like):
        return ("error", f"{text!r} does not convert to {like!r}")
    return None


def _category_words(category: str) -> str:
    """``PREFIX_MASS_DENSITY`` -> ``mass density``: the words after a prefix of capitals."""
    head, _, rest = category.partition("_")
    return (rest if head.isupper() and rest else category).lower().replace("_", " ")


#: ``Item.units`` of an object whose @units exists but cannot be read as text.
UNREADABLE = "\0unreadable"


def _units(item: Item, cons: Constraints, emit: Emit, convention: Convention) -> None:
    want = cons.units_category or cons.units_like
    if item.units == UNREADABLE:
        return  # reported where it was read
    unitless = cons.units_category in convention.unitless
    if item.units is None or (not item.units.strip() and not unitless):
        if (cons.units_category is None and cons.units_like is None) or unitless:
            return
        what = "no @units attribute" if item.units is None else "an empty @units"
        emit(
            "units",
            f"has {what} ({want} expected)",
            severity="warning",
            expected=want,
            found=item.units,
        )
        return
    verdict = _units_verdict(item.units, cons.units_category, cons.units_like, convention)
    if verdict is not None:
        severity, message = verdict
        emit("units", f"@units {message}", severity=severity, expected=want, found=item.units)


def _values(item: Item, raw: Any, emit: Emit, array_ok: bool = False) -> list[Any] | None:
    """A flat list of Python values (strings decoded), or None after an encoding finding.

    ``array_ok``: the rule asks for an array, so a one-element string array is fine.
    """
    arr = np.asarray(raw)
    if item.kind in "ST" and arr.ndim > 0 and arr.size == 1 and not array_ok:
        emit(
            "scalar",
            f"holds a string in a one-element array (shape {list(arr.shape)}); a "
            "scalar string is expected",
            severity="info",
            expected="scalar",
            found=arr.shape,
        )
    out: list[Any] = []
    for v in arr.reshape(-1).tolist():
        if isinstance(v, bytes):
            try:
                v = v.decode("utf-8")
            except UnicodeDecodeError as exc:
                emit(
                    "encoding",
                    f"holds bytes that are not UTF-8 ({exc.reason} at byte {exc.start})",
                    expected="UTF-8",
                    found=repr(v[:40]),
                )
                return None
        out.append(v.strip() if isinstance(v, str) else v)
    return out


def _datetimes(values: list[Any], emit: Emit) -> None:
    for v in values:
        text = v if isinstance(v, str) else str(v)
        try:
            parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            emit(
                "datetime",
                f"{text!r} is not an ISO 8601 date and time",
                expected="ISO 8601, e.g. 2024-05-01T12:30:00+02:00",
                found=text,
            )
            return
        if parsed.tzinfo is None and len(text) > 10:  # a time without a UTC offset
            emit(
                "datetime",
                f"{text!r} has no time zone (UTC offset recommended)",
                severity="info",
                expected="a UTC offset",
                found=text,
            )
            return


def _range(values: list[Any], cons: Constraints, emit: Emit) -> None:
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    lo, hi = cons.range_min, cons.range_max
    bad = [
        v for v in nums if v != v or (lo is not None and v < lo) or (hi is not None and v > hi)
    ]  # v != v: NaN is never in range
    if bad:
        emit(
            "range",
            f"{_few(bad)} outside [{lo if lo is not None else '-inf'}, "
            f"{hi if hi is not None else 'inf'}]",
            expected=[lo, hi],
            found=_few(bad),
        )


def _monotonic(values: list[Any], how: str, emit: Emit) -> None:
    a = np.asarray([v for v in values if isinstance(v, (int, float))], dtype=float)
    if a.size < 2:
        return
    d = np.diff(a)
    ok = {
        "increasing": bool(np.all(d >= 0)),
        "decreasing": bool(np.all(d <= 0)),
        "strictly_increasing": bool(np.all(d > 0)),
        "strictly_decreasing": bool(np.all(d < 0)),
        "either": bool(np.all(d >= 0) or np.all(d <= 0)),
    }[how]
    if not ok:
        at = int(np.argmax(~((d >= 0) if "increasing" in how or how == "either" else (d <= 0))))
        emit(
            "monotonic",
            f"is not {how.replace('_', ' ')} (at index {at + 1}: {a[at]} then {a[at + 1]})",
            expected=how,
            found=[float(a[at]), float(a[at + 1])],
        )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a.strip() == b.strip()
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not any(_same(v, o) for o in out):
            out.append(v)
    return out


def _few(values: list[Any], n: int = 5) -> Any:
    vals = _unique(values)
    shown = vals[:n]
    return shown[0] if len(shown) == 1 else shown


def _show(values: list[Any]) -> str:
    return repr(values[0]) if len(values) == 1 else f"{len(values)} values {_few(values)!r}"
