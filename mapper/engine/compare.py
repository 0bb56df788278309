"""How predicates compare a value read from the file with ``equals``, ``one_of``, ``matches``.

Text is decoded and stripped, one-element arrays unwrapped, longer arrays
only equal to a list; :data:`MISSING` stands for an absent value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mapper.engine.context import ArrayRef
from mapper.language.model import Predicate


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover
        return "MISSING"


MISSING: Any = _Missing()


class _List(list[Any]):
    """A whole array's values: equal only to a YAML list with the same elements."""


def comparable(value: Any) -> Any:
    """A value as predicates compare it, or :data:`MISSING` when it is not comparable.

    One-element arrays are unwrapped, text decoded and stripped, longer arrays
    become :class:`_List`: done once per value, however many mappings ask.
    """
    if isinstance(value, ArrayRef) or value is MISSING:
        return MISSING
    if isinstance(value, np.ndarray) and value.size != 1:
        return _List(value.tolist())  # compare whole arrays as lists, never element-wise
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
        value = value.item() if isinstance(value, np.generic) else value
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                return MISSING
    if isinstance(value, str):
        value = value.strip()
    return value


def compare(value: Any, pred: Predicate) -> bool:
    """Does a :func:`comparable` value satisfy a comparison predicate."""
    import fnmatch

    if value is MISSING:
        return False
    if isinstance(value, _List):
        expected = pred.equals if pred.has_equals else None
        return pred.has_equals and isinstance(expected, list) and list(value) == expected
    if pred.has_equals:
        return (
            type(value) is not bool and value == pred.equals
            if not isinstance(pred.equals, bool)
            else value is pred.equals
        )
    if pred.one_of is not None:
        return any(
            value == v and not (isinstance(v, bool) != isinstance(value, bool)) for v in pred.one_of
        )
    if pred.matches is not None:
        return isinstance(value, str) and fnmatch.fnmatchcase(value, pred.matches)
    return False  # pragma: no cover
