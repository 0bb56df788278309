"""A directory's detection index: what detection needs of each mapping, without loading it.

Detection (``load(path)`` without a schema) asks every mapping on the search
path whether its ``match`` holds for the file, highest ``priority`` first.
Loading and checking a mapping costs milliseconds; a directory of a hundred
generated mappings would make every detection pay for all of them. So a
directory may carry ``index.json``: per mapping file, its name, priority,
convention and ``match`` (``extends`` applied), with a CRC-32 of the file's
bytes. Detection takes an entry from the index when the checksum still holds,
and loads the mapping itself otherwise: an index never decides for a file it
no longer describes. ``mapper schemas --index DIR`` writes it.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mapper.errors import MapperError, MappingError
from mapper.language.build import predicate
from mapper.language.locations import Locations
from mapper.language.model import Mapping, Predicate

#: The index file of a mapping directory.
INDEX_FILE = "index.json"
#: The version of the index format; another version is ignored.
INDEX_VERSION = 1


@dataclass(frozen=True)
class Candidate:
    """A mapping as detection sees it: where it is, how it ranks, when it applies."""

    name: str
    path: Path
    priority: int
    convention: str | None
    match: Predicate | None
    #: the file name suffixes of the format and those ``save()`` writes
    suffixes: tuple[str, ...] = ()
    #: the suffixes ``save()`` writes with this mapping when given no schema
    write_suffixes: tuple[str, ...] = ()


def checksum(path: Path) -> int:
    """CRC-32 of a file's bytes (cached while its size and modification time stay)."""
    st = path.stat()
    return _checksum(str(path), st.st_size, st.st_mtime_ns)


@cache
def _checksum(path: str, _size: int, _mtime: int) -> int:
    return zlib.crc32(Path(path).read_bytes())


def indexed_title(path: Path) -> str | None:
    """The title an up-to-date index gives the mapping file ``path`` (None: load it)."""
    entry = index_entries(path.parent).get(path.name)
    if entry is None or from_index(path, entry) is None:
        return None
    title = entry.get("title")
    return title if isinstance(title, str) else None


def language_checksum() -> int:
    """CRC-32 of the language's JSON Schema: an index is only as current as the schema it used."""
    from mapper.language.find import LANGUAGE_SCHEMA, shipped_dir

    return checksum(shipped_dir() / LANGUAGE_SCHEMA)


def vouched(path: Path) -> bool:
    """True when an index entry describes ``path`` as it is, checked by this language schema.

    ``write_index`` only writes entries for mappings that loaded without a
    problem, so such a file's structure needs no second JSON-Schema pass.
    """
    entry = index_entries(path.parent).get(path.name)
    try:
        return (
            entry is not None
            and entry.get("crc32") == checksum(path)
            and entry.get("language") == language_checksum()
        )
    except OSError:
        return False


def predicate_dict(pred: Predicate | None) -> dict[str, Any] | None:
    """A built predicate back as the mapping language writes it."""
    if pred is None:
        return None
    if pred.kind == "exists":
        return {"exists": pred.path}
    if pred.kind in ("any", "all"):
        return {pred.kind: [predicate_dict(c) for c in pred.children]}
    if pred.kind == "not":
        return {"not": predicate_dict(pred.children[0])}
    out: dict[str, Any] = {"option": pred.option} if pred.kind == "option" else {"path": pred.path}
    if pred.has_equals:
        out["equals"] = pred.equals
    if pred.one_of is not None:
        out["one_of"] = list(pred.one_of)
    if pred.matches is not None:
        out["matches"] = pred.matches
    return out


def index_entries(directory: Path) -> dict[str, dict[str, Any]]:
    """The index of ``directory``: file name -> entry (empty when there is none or it is stale)."""
    path = directory / INDEX_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _read_index(str(path), stamp)


@cache
def _read_index(path: str, _stamp: int) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # unreadable: every mapping of the directory is loaded instead
    if not isinstance(doc, dict) or doc.get("version") != INDEX_VERSION:
        return {}
    files = doc.get("files")
    return files if isinstance(files, dict) else {}


def from_index(path: Path, entry: dict[str, Any]) -> Candidate | None:
    """The candidate an index entry describes, or None when the file has changed since."""
    try:
        if entry.get("crc32") != checksum(path):
            return None
        return _candidate(str(path), id(entry), entry)
    except (OSError, KeyError, TypeError, ValueError, MapperError):
        return None


_BUILT: dict[tuple[str, int], Candidate] = {}


def _candidate(path: str, key: int, entry: dict[str, Any]) -> Candidate:
    """The candidate of an index entry, built once per entry read (detection repeats it)."""
    hit = _BUILT.get((path, key))
    if hit is None:
        hit = _BUILT[(path, key)] = _build(Path(path), entry)
    return hit


def _build(path: Path, entry: dict[str, Any]) -> Candidate:
    match = predicate(entry.get("match"), Locations(str(path)))
    return Candidate(
        str(entry["name"]),
        path,
        int(entry["priority"]),
        entry.get("convention"),
        match,
        tuple(str(s) for s in entry.get("suffixes") or ()),
        tuple(str(s) for s in entry.get("write_suffixes") or ()),
    )


def candidate(m: Mapping, path: Path) -> Candidate:
    """The candidate a loaded mapping is."""
    writes = m.write.suffixes if m.write else ()
    return Candidate(m.name, path, m.priority, m.convention, m.match, suffixes_of(m), writes)


def suffixes_of(m: Mapping) -> tuple[str, ...]:
    """The suffixes a mapping reads (``suffixes``) and writes (``write.suffixes``), sorted."""
    return tuple(sorted({*m.suffixes, *(m.write.suffixes if m.write else ())}))


def write_index(directory: str | os.PathLike[str], extra: list[Any] | None = None) -> Path:
    """Write ``index.json`` for every mapping file in ``directory``; return its path.

    Every mapping must load (with ``extends`` resolved against ``extra`` and
    the directory itself); a broken one is a :class:`MappingError` and no
    index is written.
    """
    from mapper.language.schema import load_mapping

    d = Path(directory)
    files: dict[str, dict[str, Any]] = {}
    for f in sorted(d.glob("*.yaml")):
        m = load_mapping(f, [d, *(extra or [])])
        files[f.name] = {
            "name": m.name,
            "title": m.title,
            "crc32": checksum(f),
            "language": language_checksum(),
            "priority": m.priority,
            "convention": m.convention,
            "match": predicate_dict(m.match),
            "suffixes": list(suffixes_of(m)),
            "write_suffixes": list(m.write.suffixes if m.write else ()),
        }
    if not files:
        raise MappingError(f"{d}: no mapping files (*.yaml) to index")
    text = json.dumps({"version": INDEX_VERSION, "files": files}, indent=1, sort_keys=True)
    out = d / INDEX_FILE
    tmp = d / f".{INDEX_FILE}.tmp"
    tmp.write_text(text + "\n", "utf-8")
    os.replace(tmp, out)
    return out
