"""Load, extend and check mapping files.

A mapping goes through four steps: YAML with marks (:mod:`mapper.language.yaml_loader`),
``extends`` (key-wise override of a parent), the JSON Schema of the language
(``schemas/mapping.schema.json``, the same file editors use) on the merged
document, and the meaning checks (:mod:`mapper.language.check`); then
:mod:`mapper.language.build` freezes it. Every problem is reported as
``file:line:col: /pointer: message``, all problems of a file together.
Files are found by :mod:`mapper.language.find`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from mapper.errors import MapperError, MappingError, NoMatchError, Problem, did_you_mean
from mapper.language import yaml_loader as _yaml
from mapper.language.build import build
from mapper.language.check import semantic
from mapper.language.find import (
    ENTRY_POINT_GROUP,
    ENV_PATH,
    LANGUAGE_SCHEMA,
    available,
    locate,
    search_path,
    shipped_dir,
)
from mapper.language.index import Candidate, candidate, from_index, index_entries, vouched
from mapper.language.locations import Locations
from mapper.language.model import SOURCE_KINDS, Mapping

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_PATH",
    "available",
    "check_file",
    "load_mapping",
    "loadable",
    "locate",
    "search_path",
    "shipped_dir",
]

Pointer = tuple[Any, ...]


@cache
def _language_validator() -> Any:
    import jsonschema

    schema = json.loads((shipped_dir() / LANGUAGE_SCHEMA).read_text("utf-8"))
    return jsonschema.Draft7Validator(schema)


def load_mapping(
    name_or_path: str | os.PathLike[str],
    extra: list[Any] | str | os.PathLike[str] | None = None,
) -> Mapping:
    """Load, check and extend a mapping; raise :class:`MappingError` listing every problem."""
    if isinstance(extra, (str, os.PathLike)):
        extra = [extra]  # one directory, not one per character
    path = locate(name_or_path, extra).absolute()
    return _load_cached(str(path), tuple(str(e) for e in extra or ()), _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # pragma: no cover
        return 0.0


@cache
def _load_cached(path: str, extra: tuple[str, ...], _mtime_key: float) -> Mapping:
    located, parents = _merged(Path(path), list(extra), ())
    problems = semantic(located.data, located.locations)
    if problems:
        raise _error(problems)
    return build(located.data, located.locations, Path(path), parents)


def loadable(
    extra: list[Any] | str | os.PathLike[str] | None = None,
    on_error: Callable[[str, MapperError], None] | None = None,
) -> list[Mapping]:
    """Every available mapping that loads, by name; a broken one goes to ``on_error``."""
    out = []
    for name in sorted(available(extra)):
        try:
            out.append(load_mapping(name, extra))
        except MapperError as exc:
            if on_error is not None:
                on_error(name, exc)
    return out


def candidates(
    extra: list[Any] | str | os.PathLike[str] | None = None,
    on_error: Callable[[str, MapperError], None] | None = None,
) -> list[Candidate]:
    """Every available mapping as detection sees it; from directory indexes where they hold.

    A mapping that an up-to-date ``index.json`` describes is not loaded; any
    other is loaded (and a broken one goes to ``on_error``).
    """
    out = []
    for name, path in sorted(available(extra).items()):
        entry = index_entries(path.parent).get(path.name)
        cand = from_index(path, entry) if entry else None
        if cand is None or cand.name != name:
            try:
                m = load_mapping(path, extra)
            except MapperError as exc:
                if on_error is not None:
                    on_error(name, exc)
                continue
            cand = candidate(m, path)
        out.append(cand)
    return out


def check_file(path: str | os.PathLike[str], extra: list[Any] | None = None) -> list[str]:
    """Lint one mapping file; return every problem as ``file:line:col: message``."""
    try:
        load_mapping(path, extra)
    except MappingError as exc:
        return [str(p) for p in exc.problems] or [str(exc)]
    except MapperError as exc:
        return [str(exc)]
    return []


def _error(problems: list[Problem]) -> MappingError:
    """One error for every problem of a file, in file order; its message names the first."""
    problems = sorted(set(problems), key=lambda p: p.sort_key)
    first = str(problems[0])
    message = (
        first if len(problems) == 1 else f"{len(problems)} problems in mapping; first: {first}"
    )
    return MappingError(message, problems)


class _Located:
    """Mapping data and where each of its values and keys is (after ``extends``)."""

    def __init__(self, data: Any, locations: Locations) -> None:
        self.data = data
        self.locations = locations

    def where(self, pointer: Pointer, key: bool = False) -> str:
        """``file:line:col`` of the value (or key) at ``pointer``."""
        return str(self.locations.where(pointer, key))


def _merged(
    path: Path, extra: list[Any], seen: tuple[str, ...]
) -> tuple[_Located, tuple[str, ...]]:
    """Load a file, apply ``extends`` (key-wise), then check the result against the schema."""
    if str(path) in seen:
        raise MappingError(f"{path}: extends cycle: {' -> '.join([*seen, str(path)])}")
    doc = _yaml.load_file(path)
    if not isinstance(doc.data, dict):
        raise MappingError(
            f"{doc.where(())}: a mapping file must be a YAML mapping at the top level"
        )
    mine = _Located(doc.data, doc.locations)
    parents: tuple[str, ...] = ()
    # a file an up-to-date index vouches for (and its parents) passed the schema already
    trusted = vouched(path)
    parent_name = doc.data.get("extends")
    if isinstance(parent_name, str) and parent_name:
        parent_ref = parent_name
        if parent_name.endswith((".yaml", ".yml")) and not os.path.isabs(parent_name):
            parent_ref = str(path.parent / parent_name)
        try:
            parent_path = locate(parent_ref, extra).resolve()
        except NoMatchError as exc:
            raise MappingError(f"{doc.where(('extends',))}: {exc}") from None
        parent, pparents = _merged(parent_path, extra, (*seen, str(path)))
        trusted = trusted and vouched(parent_path)
        data = _deep_merge(parent.data, doc.data)
        data.pop("extends", None)
        mine = _Located(data, mine.locations.under(parent.locations))
        parents = (str(parent.data.get("name")), *pparents)
    problems, bad = ([], []) if trusted else _schema_problems(mine)
    if problems:
        # report the meaning problems too, where the structure allows checking them
        try:
            extra = semantic(mine.data, mine.locations)
        except (KeyError, TypeError, AttributeError, IndexError):
            extra = []
        # a place the schema already rejected gets no second, derived message
        problems += [p for p in extra if not _covered(p.pointer, bad)]
        raise _error(problems)
    return mine, parents


def _deep_merge(base: Any, over: Any) -> Any:
    """Key-wise override: dicts merge recursively, None deletes, everything else replaces.

    A key ending in ``.*`` set to None deletes every parent key that starts with
    what precedes the ``*`` (``Entry.*: null`` drops ``Entry.title``,
    ``Entry.sample.name``, ...: a generated family of metadata keys at once).

    A dict that says what kind of source, predicate or layout entry it is replaces a
    parent dict of another kind instead of merging with it (``{const: 1}`` over
    ``{path: /x}``, ``{all: [...]}`` over ``{path: ..., equals: ...}``).
    """
    if isinstance(base, dict) and isinstance(over, dict):
        kinds_base = set(base) & _KIND_KEYS
        kinds_over = set(over) & _KIND_KEYS
        if kinds_base and kinds_over and kinds_base != kinds_over:
            return {k: v for k, v in over.items() if v is not None}
        out = dict(base)
        for k, v in over.items():
            if v is None and k.endswith(".*"):
                for old in [o for o in out if o.startswith(k[:-1])]:
                    del out[old]
            elif v is None:
                out.pop(k, None)
            else:
                out[k] = _deep_merge(base.get(k), v)
        return out
    return over


#: Keys that say what kind of thing a dict is: a source, a predicate, a layout entry.
_KIND_KEYS = set(SOURCE_KINDS) | {"exists", "any", "all", "not", "link_to", "class"}


def _schema_problems(doc: _Located) -> tuple[list[Problem], list[str]]:
    """Schema problems, and the JSON pointers of the places they reject."""
    out: list[Problem] = []
    bad: list[str] = []
    seen_type: set[tuple[Any, ...]] = set()
    errors = sorted(
        _language_validator().iter_errors(doc.data),
        key=lambda e: (list(map(str, e.absolute_path)), e.validator != "type"),
    )
    for err in errors:
        ptr = tuple(err.absolute_path)
        if ptr in seen_type:
            continue  # one message per place: the type error says it all
        if err.validator == "type":
            seen_type.add(ptr)
        out.extend(_format_schema_error(doc, err))
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = err.schema.get("properties", {})
            bad += ["/" + "/".join(map(str, (*ptr, k))) for k in err.instance if k not in allowed]
            bad.append("=/" + "/".join(map(str, ptr)))  # the object itself, not its children
        else:
            bad.append("/" + "/".join(map(str, ptr)))
    return out, bad


def _covered(pointer: str, bad: list[str]) -> bool:
    """True when a schema problem already explains ``pointer`` (``=P`` covers P alone)."""
    for b in bad:
        if b.startswith("="):
            if pointer == b[1:]:
                return True
        elif pointer == b or pointer.startswith(b.rstrip("/") + "/"):
            return True
    return False


def _format_schema_error(doc: _Located, err: Any) -> list[Problem]:
    """The problems one JSON Schema error stands for (one per unknown key)."""
    ptr = tuple(err.absolute_path)
    where = "/" + "/".join(str(p) for p in ptr)
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        return [
            Problem(
                doc.locations.where((*ptr, key), key=True),
                where,
                f"unknown key {key!r}{did_you_mean(key, allowed)}",
            )
            for key in err.instance
            if key not in allowed
        ]
    if err.validator in ("oneOf", "anyOf"):
        best = _best_sub_error(err)
        if best is not None:
            return _format_schema_error(doc, best)
    return [Problem(doc.locations.where(ptr), where, _plain_message(err))]


def _best_sub_error(err: Any) -> Any:
    """The most telling error of a oneOf: from the branch the instance fits best.

    Branches that reject the instance's type outright are ignored; among the
    rest, the one with the fewest errors wins (an axis with a typo fits the
    axis branch better than the for_each one), and within it the deepest error.
    """
    branches: dict[Any, list[Any]] = {}
    for e in err.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    candidates = [
        errs
        for errs in branches.values()
        if not any(e.validator == "type" and not e.relative_path for e in errs)
    ]
    if not candidates:
        return None
    errs = min(candidates, key=lambda es: (sum(e.validator != "oneOf" for e in es), len(es)))
    return max(errs, key=lambda e: (len(e.absolute_path), e.validator not in ("required",)))


def _plain_message(err: Any) -> str:
    inst = err.instance
    if err.validator == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        article = "an" if str(want)[0] in "aeiou" else "a"
        return f"{inst!r} is not {article} {want}"
    if err.validator == "enum":
        return f"{inst!r} is not one of {', '.join(repr(v) for v in err.validator_value)}"
    if err.validator == "required":
        return str(err.message).replace("is a required property", "is required")
    if err.validator == "oneOf":
        kinds = []
        for e in err.context:
            if e.validator == "type" and not e.relative_path:
                want = (
                    e.validator_value
                    if isinstance(e.validator_value, list)
                    else [e.validator_value]
                )
                kinds += ["value source" if w == "object" else w for w in want]
        if kinds:
            return f"{inst!r} is not a {' or a '.join(dict.fromkeys(kinds))}"
        return f"{inst!r} is neither a literal nor a value source"
    return str(err.message)
