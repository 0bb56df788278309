"""An open data file and the mappings that read it: handle ownership, detection, options."""

from __future__ import annotations

import builtins
import os
from typing import Any

import h5py

from mapper.engine.compare import MISSING
from mapper.engine.context import ArrayRef
from mapper.engine.read import Engine
from mapper.engine.tree import DeferredTree
from mapper.errors import (
    MapperError,
    MemoryLimitError,
    NoMatchError,
    OptionError,
    ResolveError,
    did_you_mean,
)
from mapper.errors import warn as mapper_warn
from mapper.hdf5.io import allowed_dirs, open_h5
from mapper.hdf5.resolve import Resolver
from mapper.language import schema as _schema
from mapper.language.index import Candidate
from mapper.language.model import Mapping

PathLike = str | os.PathLike[str]


class MappedFile:
    """An open data file: the owner of the HDF5 handle behind lazy arrays.

    Use it as a context manager::

        with mapper.open("scan.h5") as f:
            signals = f.load(lazy=True)
            total = signals[0]["data"].sum().compute()
        # the file is closed here; lazy arrays built inside re-open it on demand

    Parameters
    ----------
    path
        The HDF5 file.
    allow_dirs
        Extra directories external links may point into (the file's own
        directory is always allowed).
    search_path
        Extra directories with mapping files.
    """

    def __init__(
        self,
        path: PathLike,
        allow_dirs: list[PathLike] | None = None,
        search_path: list[PathLike] | PathLike | None = None,
    ) -> None:
        self.path = str(path)
        if isinstance(search_path, (str, os.PathLike)):
            search_path = [search_path]
        self.search_path = search_path
        self._h5 = open_h5(self.path)
        self.resolver = Resolver(self._h5, allowed_dirs(self.path, allow_dirs), _warn)
        from mapper.hdf5.lazy import register_handle

        register_handle(self._h5.filename, self._h5)

    @property
    def h5(self) -> h5py.File:
        """The open :class:`h5py.File`."""
        return self._h5

    def close(self) -> None:
        """Close the file (idempotent)."""
        from mapper.hdf5.lazy import release_handle

        if self._h5.id.valid:
            release_handle(self._h5.filename, self._h5)
            self._h5.close()

    def __enter__(self) -> MappedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def detect(self) -> Mapping:
        """The mapping that applies to this file (highest priority whose ``match`` holds)."""
        return choose_mapping(None, self.resolver, self.path, self.search_path)

    def mapping(self, schema: str | PathLike | Mapping | None) -> Mapping:
        """Resolve ``schema`` (name, YAML path, loaded mapping or None = detect)."""
        return choose_mapping(schema, self.resolver, self.path, self.search_path)

    def load(
        self,
        schema: str | PathLike | Mapping | None = None,
        lazy: bool = False,
        *,
        defer_metadata: bool = True,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Read every signal the mapping finds; see :func:`mapper.load`.

        A detected mapping (``schema`` None) that cannot read the file hands it
        to its ``fallback`` mapping, with a warning that says why.
        """
        if schema is None:  # each detected mapping reads the entries it selects
            found = detected(self.resolver, self.path, self.search_path)
            if len(found) == 1:
                return self._load_or_fall_back(found[0], None, lazy, defer_metadata, options)
            signals = []
            for m in found:  # no fallback here: it would read the other mappings' entries too
                try:
                    signals += self._load(m, lazy, defer_metadata, options)
                except (ResolveError, NoMatchError) as exc:
                    _warn(f"signals of mapping {m.name!r} skipped: {exc}")
            if not signals:
                raise NoMatchError(
                    f"{self.path}: no signal read by {', '.join(m.name for m in found)}"
                )
            return signals
        return self._load_or_fall_back(self.mapping(schema), schema, lazy, defer_metadata, options)

    def _load_or_fall_back(
        self,
        m: Mapping,
        schema: str | PathLike | Mapping | None,
        lazy: bool,
        defer_metadata: bool,
        options: dict[str, Any],
    ) -> list[dict[str, Any]]:
        try:
            return self._load(m, lazy, defer_metadata, options)
        except (ResolveError, NoMatchError) as exc:
            if schema is not None or not m.fallback or m.fallback == m.name:
                raise
            fallback = _schema.load_mapping(m.fallback, self.search_path)
            reason = str(exc).removeprefix(f"{self.path}: ")
            _warn(
                f"{self.path}: mapping {m.name!r} cannot read this file ({reason}); "
                f"read with {fallback.name!r} instead"
            )
            return self._load(fallback, lazy, defer_metadata, options)

    def _load(
        self, m: Mapping, lazy: bool, defer_metadata: bool, options: dict[str, Any]
    ) -> list[dict[str, Any]]:
        opts = _check_options(m, options)
        engine = Engine(
            m, self.resolver, self.path, opts, lazy=lazy, warn=_warn, defer_metadata=defer_metadata
        )
        envs = engine.bindings()
        failed: list[MapperError] = []

        def lenient(build: Any, items: list[Any]) -> list[Any]:
            """Build each signal; one that fails is skipped with a warning (lenient read)."""
            out = []
            for item in items:
                try:
                    out.append(build(item))
                except (ResolveError, NoMatchError) as exc:
                    failed.append(_with_file(exc, self.path))
                    if len(envs) > 1:
                        _warn(f"signal skipped: {failed[-1]}")
            return out

        raw = lenient(engine.signal, envs)
        if not lazy:
            _memory_guard(engine, raw, self.path)
        signals = lenient(lambda s: _materialize(engine, s), raw)
        if failed and not signals:
            raise failed[0]
        return signals


def choose_mapping(
    schema: str | PathLike | Mapping | None,
    resolver: Resolver,
    path: str,
    search_path: list[PathLike] | None,
) -> Mapping:
    """``schema`` resolved (a name, a YAML path, a loaded mapping), or detected when None.

    Detection tries every available mapping, highest ``priority`` first, and
    takes the first whose ``match`` holds for the file. Mappings described by
    an up-to-date directory index (:mod:`mapper.language.index`) are loaded
    only when chosen.
    """
    if isinstance(schema, Mapping):
        return schema
    if schema is not None:
        return _schema.load_mapping(schema, search_path)
    return detected(resolver, path, search_path)[0]


def applies(
    cand: Candidate,
    resolver: Resolver,
    path: str,
    engines: dict[str | None, Engine] | None = None,
) -> bool:
    """Whether a candidate's ``match`` holds for the file, without loading the mapping.

    ``engines`` (one per convention) lets many candidates share the values read.
    """
    if cand.match is None:
        return False
    engines = {} if engines is None else engines
    engine = engines.get(cand.convention)
    if engine is None:
        stand_in = Mapping(cand.name, "1", str(cand.path), convention=cand.convention)
        engine = engines[cand.convention] = Engine(stand_in, resolver, path, {})
    return engine.predicate(cand.match, {})


def detected(resolver: Resolver, path: str, search_path: list[PathLike] | None) -> list[Mapping]:
    """Every mapping whose ``match`` holds, among those of the highest priority that does.

    A file with two entries of two definitions gets both mappings (each of equal
    priority, each selecting its own entries); a generic mapping of lower
    priority is not added to them.
    """
    found = _schema.candidates(
        search_path, lambda name, exc: _warn(f"mapping {name!r} skipped in detection: {exc}")
    )
    found.sort(key=lambda c: (-c.priority, c.name))
    engines: dict[str | None, Engine] = {}
    chosen: list[Mapping] = []
    for cand in found:
        if chosen and cand.priority < chosen[0].priority:
            break
        if applies(cand, resolver, path, engines):
            chosen.append(_schema.load_mapping(cand.path, search_path))
    if chosen:
        return chosen
    names = ", ".join(c.name for c in found)
    raise NoMatchError(
        f"{path}: no mapping matches this file (tried {names}); pass schema=NAME or a mapping file"
    )


def _with_file(exc: MapperError, path: str) -> MapperError:
    """The same error, its message prefixed with the data file when it does not name it."""
    if path in str(exc):
        return exc
    return type(exc)(f"{path}: {exc}")


def _warn(message: str) -> None:
    mapper_warn(message)  # attributed to the caller's line


def _check_options(m: Mapping, options: dict[str, Any]) -> dict[str, Any]:
    declared = m.option_defaults()
    unknown = sorted(set(options) - set(declared))
    if unknown:
        hint = did_you_mean(unknown[0], declared)
        raise OptionError(
            f"mapping {m.name!r} has no option {', '.join(map(repr, unknown))}"
            f"{hint}; options: {', '.join(sorted(declared)) or 'none'}"
        )
    out = dict(declared)
    for key, value in options.items():
        spec = next(o for o in m.options if o.name == key)
        out[key] = _coerce(m, spec.name, spec.type, value)
    return out


def _coerce(m: Mapping, name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None
    ok = {
        "string": isinstance(value, str),
        "string_list": isinstance(value, str)
        or (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
    }[kind]
    if not ok:
        raise OptionError(
            f"option {name!r} of mapping {m.name!r} must be a {kind}, "
            f"not {type(value).__name__} {value!r}"
        )
    if kind == "string_list" and isinstance(value, str):
        return [value]
    return list(value) if kind == "string_list" else value


def _refs(tree: Any) -> list[ArrayRef]:
    if isinstance(tree, ArrayRef):
        return [tree]
    if isinstance(tree, DeferredTree):
        return []
    if isinstance(tree, dict):
        return [r for v in tree.values() for r in _refs(v)]
    if isinstance(tree, list):
        return [r for v in tree for r in _refs(v)]
    return []


def available_memory() -> int:
    """Bytes of memory available to this process (MemAvailable, else physical memory)."""
    try:
        with builtins.open("/proc/meminfo") as fh:  # not mapper.open, defined below
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    try:  # pragma: no cover
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 62


#: Eager loads below this size skip the memory check (reading /proc/meminfo costs time).
SURELY_FITS = 64 << 20


def _memory_guard(engine: Engine, signals: list[dict[str, Any]], path: str) -> None:
    total = 0
    for s in signals:
        for ref in _refs(s):
            obj = engine.resolver.get(ref.path)
            if isinstance(obj, h5py.Dataset) and obj.size:
                dtype = obj.dtype if ref.field is None else obj.dtype.fields[ref.field][0]
                total += obj.size * dtype.itemsize
    raw = os.environ.get("MAPPER_MEMORY_LIMIT", "").strip()
    if not raw and total < SURELY_FITS:
        return  # no need to ask the system
    try:
        limit = int(float(raw)) if raw else available_memory()
    except ValueError:
        raise OptionError(f"MAPPER_MEMORY_LIMIT={raw!r}: expected a number of bytes") from None
    if total > limit:
        raise MemoryLimitError(
            f"{path}: an eager load needs {_size(total)} but only {_size(limit)} is "
            "available; use lazy=True"
        )


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _materialize(engine: Engine, tree: Any) -> Any:
    if isinstance(tree, ArrayRef):
        return engine.materialize(tree)
    if isinstance(tree, DeferredTree):
        return tree  # read on first use, from the file
    if isinstance(tree, dict):
        return {k: _materialize(engine, v) for k, v in tree.items() if v is not MISSING}
    if isinstance(tree, list):
        return [_materialize(engine, v) for v in tree]
    return tree
