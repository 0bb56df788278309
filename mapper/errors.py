"""The exception hierarchy: one root, :class:`MapperError`.

Every error the package raises on bad input derives from :class:`MapperError`.
Subclasses also inherit the matching built-in exception, so ``except
FileNotFoundError`` keeps working for callers who do not know this package.
Each message is one line that says what went wrong and where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = [
    "FileFormatError",
    "Location",
    "MapperError",
    "MapperWarning",
    "MappingError",
    "MemoryLimitError",
    "MissingFileError",
    "NoMatchError",
    "Note",
    "OptionError",
    "Problem",
    "ResolveError",
    "WriteError",
]


class Location:
    """A place in a mapping file, 1-based: ``file:line:col``.

    (Plain classes, not dataclasses: ``import mapper`` imports this module
    and must stay fast.)
    """

    __slots__ = ("col", "file", "line")

    def __init__(self, file: str, line: int, col: int) -> None:
        self.file, self.line, self.col = file, line, col

    def _key(self) -> tuple[str, int, int]:
        return self.file, self.line, self.col

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Location) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Location({self.file!r}, {self.line}, {self.col})"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Problem:
    """One problem of a mapping: where (file, line, column), the JSON pointer, and what.

    Problems travel as records and are printed once, as
    ``file:line:col: /pointer: message``; nothing parses the text back.
    """

    __slots__ = ("location", "message", "pointer")

    def __init__(self, location: Location, pointer: str, message: str) -> None:
        self.location, self.pointer, self.message = location, pointer, message

    def _key(self) -> tuple[Location, str, str]:
        return self.location, self.pointer, self.message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Problem({self.location!r}, {self.pointer!r}, {self.message!r})"

    def __str__(self) -> str:
        where = f"{self.location}: {self.pointer}" if self.pointer else str(self.location)
        return f"{where}: {self.message}"

    @property
    def sort_key(self) -> tuple[int, int, str]:
        """Problems are listed in the order of the file: line, then column."""
        return self.location.line, self.location.col, str(self)


class Note(str):
    """A warning about one object of a data file, as text with its parts kept apart.

    The text is ``file:path: message`` (``; consequence`` appended when the
    reader fell back to something), so a warn hook that takes a ``str``
    prints it as it is, while validation turns it into a finding from
    :attr:`path` and :attr:`message` without reading the text back.
    """

    path: str
    message: str
    consequence: str

    def __new__(cls, filename: str, path: str, message: str, consequence: str = "") -> Note:
        """Make the note about ``path`` of ``filename``."""
        tail = f"; {consequence}" if consequence else ""
        self = super().__new__(cls, f"{filename}:{path}: {message}{tail}")
        self.path, self.message, self.consequence = path, message, consequence
        return self


class MapperError(Exception):
    """Root of every error raised by the mapper."""


class MissingFileError(MapperError, FileNotFoundError):
    """A data file, mapping file or directory does not exist."""


class FileFormatError(MapperError, OSError):
    """A data file cannot be read as HDF5 (empty, truncated, not HDF5, a directory)."""


class MappingError(MapperError, ValueError):
    """A mapping file is invalid; the message carries ``file:line:col``.

    ``problems`` holds every :class:`Problem` found (empty when the mapping
    could not be read far enough to have any, as for a YAML syntax error).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or ())


class NoMatchError(MapperError, LookupError):
    """No mapping matches a file, or a required part of a mapping is absent from it."""


class ResolveError(MapperError, ValueError):
    """A path, link or value in the data file cannot be resolved as the mapping asks.

    Raised with ``path=``, the HDF5 path it is about is kept apart
    (:attr:`path`, :attr:`reason`); the message is ``path: reason``.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


class OptionError(MapperError, TypeError):
    """A keyword option is unknown to the mapping or has the wrong type."""


class MemoryLimitError(MapperError, MemoryError):
    """An eager load would need more memory than the machine has."""


class WriteError(MapperError, ValueError):
    """A signal cannot be saved with a mapping; raised before anything is written."""


class MapperWarning(UserWarning):
    """A file is a little off; the reader fell back (lenient read)."""


def warn(message: str) -> None:
    """Issue a :class:`MapperWarning` attributed to the caller's code, not the package's.

    The warning points at the first frame outside the ``mapper`` package (the
    user's ``mapper.load(...)`` line), whichever internal path issued it.
    """
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = sys._getframe(1)
    level = 2  # stacklevel 1 is this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, MapperWarning, stacklevel=level)


def did_you_mean(word: str, choices: Iterable[object], fmt: str = "{!r}") -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {fmt.format(close[0])}?)" if close else ""
