"""Where mappings come from: shipped files, a search path, entry points.

Names resolve to files in this order: directories passed as an argument,
``MAPPER_PATH``, directories that installed packages declare in the
``mapper.schemas`` entry-point group, then the mappings shipped with the
package. An earlier directory shadows a later one.
"""

from __future__ import annotations

import difflib
import os
from functools import cache
from pathlib import Path
from typing import Any

from mapper.errors import MappingError, MissingFileError, NoMatchError

ENV_PATH = "MAPPER_PATH"
#: Entry-point group through which installed packages ship mapping directories.
ENTRY_POINT_GROUP = "mapper.schemas"
LANGUAGE_SCHEMA = "mapping.schema.json"

Pointer = tuple[Any, ...]


@cache
def shipped_dir() -> Path:
    """Directory of the YAML mappings shipped with the package (wheel or source tree)."""
    here = Path(__file__).resolve().parent.parent  # the package directory
    for candidate in (here / "_schemas", here.parent / "schemas"):
        if (candidate / LANGUAGE_SCHEMA).is_file():
            return candidate
    raise MappingError(f"shipped schemas not found next to {here}")  # pragma: no cover


def search_path(
    extra: list[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Directories searched for ``NAME.yaml``, in order.

    The order is: ``extra`` (argument), :data:`ENV_PATH`, entry points of the
    group :data:`ENTRY_POINT_GROUP` (each resolving to a directory), then the
    shipped mappings. An earlier directory shadows a later one.
    """
    if isinstance(extra, (str, os.PathLike)):
        extra = [extra]  # one directory, not one per character
    dirs: list[Path] = [Path(p) for p in (extra or [])]
    env = os.environ.get(ENV_PATH, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += _entry_point_dirs()
    dirs += _shipped_dirs()
    return dirs


@cache
def _shipped_dirs() -> list[Path]:
    """The shipped mappings: the directory, then its subdirectories (generated families)."""
    top = shipped_dir()
    return [top, *sorted(p for p in top.iterdir() if p.is_dir() and any(p.glob("*.yaml")))]


@cache
def _entry_point_dirs() -> tuple[Path, ...]:
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        value = obj() if callable(obj) else obj
        if hasattr(value, "__path__"):
            value = next(iter(value.__path__))
        out.append(Path(str(value)))
    return tuple(out)


def available(
    extra: list[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
) -> dict[str, Path]:
    """Map every findable mapping name to its file (earlier directories win)."""
    found: dict[str, Path] = {}
    for d in search_path(extra):
        for stem, f in _listing(d, _dir_stamp(d)):
            found.setdefault(stem, f)
    return found


def _dir_stamp(d: Path) -> int:
    try:
        return d.stat().st_mtime_ns
    except OSError:
        return -1


@cache
def _listing(d: Path, _stamp: int) -> tuple[tuple[str, Path], ...]:
    """The ``*.yaml`` files of a directory (cached until the directory changes)."""
    if _stamp < 0 or not d.is_dir():
        return ()
    return tuple((f.stem, f) for f in sorted(d.glob("*.yaml")))


def locate(name_or_path: str | os.PathLike[str], extra: list[Any] | None = None) -> Path:
    """Return the file of a mapping given by name or by path."""
    s = str(name_or_path)
    if s.endswith((".yaml", ".yml")) or os.sep in s or "/" in s:
        p = Path(s)
        if not p.exists():
            raise MissingFileError(f"{s}: mapping file not found")
        return p
    found = available(extra)
    if s in found:
        return found[s]
    close = difflib.get_close_matches(s, found, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise NoMatchError(f"no mapping named {s!r}{hint}; available: {_some(list(found))}")


def _some(names: list[str], n: int = 8) -> str:
    """The first ``n`` names (search-path order: hand-written before generated families)."""
    if len(names) <= n:
        return ", ".join(sorted(names)) or "none"
    shown = ", ".join(sorted(names[:n]))
    return f"{shown} and {len(names) - n} more (mapper schemas lists them)"
