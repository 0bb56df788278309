"""The exception hierarchy: one root, :class:`MapperError`.

Every error the package raises on bad input derives from :class:`MapperError`.
Subclasses also inherit the matching built-in exception, so ``except
FileNotFoundError`` keeps working for callers who do not know this package.
Each message is one line that says what went wrong and where.
"""

from __future__ import annotations

__all__ = [
    "FileFormatError",
    "MapperError",
    "MapperWarning",
    "MappingError",
    "MemoryLimitError",
    "MissingFileError",
    "NoMatchError",
    "OptionError",
    "ResolveError",
    "WriteError",
]


class MapperError(Exception):
    """Root of every error raised by the mapper."""


class MissingFileError(MapperError, FileNotFoundError):
    """A data file, mapping file or directory does not exist."""


class FileFormatError(MapperError, OSError):
    """A data file cannot be read as HDF5 (empty, truncated, not HDF5, a directory)."""


class MappingError(MapperError, ValueError):
    """A mapping file is invalid; the message carries ``file:line:col``."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = problems if problems is not None else [message]


class NoMatchError(MapperError, LookupError):
    """No mapping matches a file, or a required part of a mapping is absent from it."""


class ResolveError(MapperError, ValueError):
    """A path, link or value in the data file cannot be resolved as the mapping asks."""


class OptionError(MapperError, TypeError):
    """A keyword option is unknown to the mapping or has the wrong type."""


class MemoryLimitError(MapperError, MemoryError):
    """An eager load would need more memory than the machine has."""


class WriteError(MapperError, ValueError):
    """A signal cannot be saved with a mapping; raised before anything is written."""


class MapperWarning(UserWarning):
    """A file is a little off; the reader fell back (lenient read)."""


def did_you_mean(
    word: str, choices: list[str] | set[str] | dict[str, object], fmt: str = "{!r}"
) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {fmt.format(close[0])}?)" if close else ""
