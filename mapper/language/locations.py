"""Where each value and key of a mapping document is: the one location lookup."""

from __future__ import annotations

from typing import Any

from mapper.errors import Location

Pointer = tuple[Any, ...]

__all__ = ["Locations", "Pointer"]


class Locations:
    """``pointer -> Location`` for the values and the keys of a mapping document.

    A pointer is the tuple of keys and indices that leads to a value
    (``("signal", "axes", 0)``). Lookups take the deepest known prefix, so a
    generated or defaulted value is placed at the nearest thing the user wrote.
    """

    def __init__(
        self,
        source: str,
        values: dict[Pointer, Location] | None = None,
        keys: dict[Pointer, Location] | None = None,
    ) -> None:
        self.source = source
        self.values: dict[Pointer, Location] = dict(values or {})
        self.keys: dict[Pointer, Location] = dict(keys or {})

    @classmethod
    def from_marks(
        cls,
        source: str,
        marks: dict[Pointer, tuple[int, int]],
        key_marks: dict[Pointer, tuple[int, int]],
    ) -> Locations:
        """Locations from the loader's ``(line, column)`` marks."""
        return cls(
            source,
            {p: Location(source, *lc) for p, lc in marks.items()},
            {p: Location(source, *lc) for p, lc in key_marks.items()},
        )

    def under(self, parent: Locations) -> Locations:
        """These locations over a parent's (``extends``): what this file says wins."""
        return Locations(
            self.source, {**parent.values, **self.values}, {**parent.keys, **self.keys}
        )

    def where(self, pointer: Pointer, key: bool = False) -> Location:
        """The location of the value (or, with ``key``, the key) at the deepest known prefix."""
        p = tuple(pointer)
        while p:
            if key and p in self.keys:
                return self.keys[p]
            if not key and p in self.values:
                return self.values[p]
            if not key and p in self.keys:
                return self.keys[p]
            p = p[:-1]
        return self.values.get((), Location(self.source, 1, 1))
