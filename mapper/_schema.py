"""Find, load, check and extend mapping files.

A mapping goes through four steps: YAML with marks (:mod:`mapper._yaml`),
the JSON Schema of the language (``schemas/mapping.schema.json``, the same
file editors use), ``extends`` (key-wise override of a parent), and a
semantic pass (one source kind per source, known built-ins and transforms,
anchors used only after they are defined, declared symbols and options).
Every problem is reported as ``file:line:col: message``; all problems of a
file are reported together.
"""

from __future__ import annotations

import difflib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from . import _yaml
from ._model import (
    SOURCE_KINDS,
    Anchor,
    AxisSpec,
    Constraints,
    Filter,
    ForEach,
    GroupSpec,
    LinkSpec,
    Mapping,
    OptionSpec,
    Predicate,
    SignalSpec,
    Source,
    WriteSpec,
)
from ._paths import PathSyntaxError, parse_path, template_names
from .errors import MapperError, MappingError, MissingFileError, NoMatchError

#: Environment variable with extra directories of mapping files (os.pathsep separated).
ENV_PATH = "MAPPER_PATH"
#: Entry-point group through which installed packages ship mapping directories.
ENTRY_POINT_GROUP = "mapper.schemas"
LANGUAGE_SCHEMA = "mapping.schema.json"

Pointer = tuple[Any, ...]


@cache
def shipped_dir() -> Path:
    """Directory of the YAML mappings shipped with the package (wheel or source tree)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas", here.parent / "schemas"):
        if (candidate / LANGUAGE_SCHEMA).is_file():
            return candidate
    raise MappingError(f"shipped schemas not found next to {here}")  # pragma: no cover


def search_path(extra: list[str | os.PathLike[str]] | None = None) -> list[Path]:
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
    dirs.append(shipped_dir())
    return dirs


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


def available(extra: list[str | os.PathLike[str]] | None = None) -> dict[str, Path]:
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
    raise NoMatchError(
        f"no mapping named {s!r}{hint}; available: {', '.join(sorted(found)) or 'none'}"
    )


@cache
def _language_validator() -> Any:
    import jsonschema

    schema = json.loads((shipped_dir() / LANGUAGE_SCHEMA).read_text("utf-8"))
    return jsonschema.Draft7Validator(schema)


# ----------------------------------------------------------------------------- loading


def load_mapping(name_or_path: str | os.PathLike[str], extra: list[Any] | None = None) -> Mapping:
    """Load, check and extend a mapping; raise :class:`MappingError` listing every problem."""
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
    locs = {**located.keys, **located.values}
    problems = _semantic(located.data, locs)
    if problems:
        raise MappingError(problems[0] if len(problems) == 1 else _summary(problems), problems)
    return _build(located.data, locs, Path(path), parents)


def check_file(path: str | os.PathLike[str], extra: list[Any] | None = None) -> list[str]:
    """Lint one mapping file; return every problem as ``file:line:col: message``."""
    try:
        load_mapping(path, extra)
    except MappingError as exc:
        return list(exc.problems)
    except MapperError as exc:
        return [str(exc)]
    return []


def _summary(problems: list[str]) -> str:
    return f"{len(problems)} problems in mapping; first: {problems[0]}"


class _Located:
    """Mapping data with ``file:line:col`` for its values and keys (after ``extends``)."""

    def __init__(self, data: Any, values: dict[Pointer, str], keys: dict[Pointer, str],
                 source: str) -> None:
        self.data = data
        self.values = values
        self.keys = keys
        self.source = source

    def where(self, pointer: Pointer, key: bool = False) -> str:
        p = tuple(pointer)
        while p:
            if key and p in self.keys:
                return self.keys[p]
            if not key and p in self.values:
                return self.values[p]
            if not key and p in self.keys:
                return self.keys[p]
            p = p[:-1]
        return self.values.get((), f"{self.source}:1:1")


def _merged(path: Path, extra: list[Any], seen: tuple[str, ...]
            ) -> tuple[_Located, tuple[str, ...]]:
    """Load a file, apply ``extends`` (key-wise), then check the result against the schema."""
    if str(path) in seen:
        raise MappingError(f"{path}: extends cycle: {' -> '.join([*seen, str(path)])}")
    doc = _yaml.load_file(path)
    if not isinstance(doc.data, dict):
        raise MappingError(f"{doc.where(())}: a mapping file must be a YAML mapping at the top "
                           "level")
    mine = _Located(
        doc.data,
        {p: f"{doc.source}:{line}:{col}" for p, (line, col) in doc.marks.items()},
        {p: f"{doc.source}:{line}:{col}" for p, (line, col) in doc.key_marks.items()},
        doc.source)
    parents: tuple[str, ...] = ()
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
        data = _deep_merge(parent.data, doc.data)
        data.pop("extends", None)
        mine = _Located(data, {**parent.values, **mine.values}, {**parent.keys, **mine.keys},
                        doc.source)
        parents = (str(parent.data.get("name")), *pparents)
    problems, bad = _schema_problems(mine)
    if problems:
        # report the meaning problems too, where the structure allows checking them
        try:
            extra = _semantic(mine.data, {**mine.keys, **mine.values})
        except (KeyError, TypeError, AttributeError, IndexError):
            extra = []
        # a place the schema already rejected gets no second, derived message
        problems += [p for p in extra if not _covered(_pointer_of(p), bad)]
        problems = sorted(set(problems), key=_loc_key)
        raise MappingError(problems[0] if len(problems) == 1 else _summary(problems), problems)
    return mine, parents


def _deep_merge(base: Any, over: Any) -> Any:
    """Key-wise override: dicts merge recursively, None deletes, everything else replaces.

    A dict that says what kind of source (or anchor) it is replaces a parent dict of
    another kind instead of merging with it (``{const: 1}`` over ``{path: /x}``).
    """
    if isinstance(base, dict) and isinstance(over, dict):
        kinds_base = set(base) & _KIND_KEYS
        kinds_over = set(over) & _KIND_KEYS
        if kinds_base and kinds_over and kinds_base != kinds_over:
            return {k: v for k, v in over.items() if v is not None}
        out = dict(base)
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _deep_merge(base.get(k), v)
        return out
    return over


_KIND_KEYS = set(SOURCE_KINDS)


def _schema_problems(doc: _Located) -> tuple[list[str], list[str]]:
    """Schema problems as messages, and the JSON pointers of the places they reject."""
    out = []
    bad: list[str] = []
    seen_type: set[tuple[Any, ...]] = set()
    errors = sorted(_language_validator().iter_errors(doc.data),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator != "type"))
    for err in errors:
        ptr = tuple(err.absolute_path)
        if ptr in seen_type:
            continue  # one message per place: the type error says it all
        if err.validator == "type":
            seen_type.add(ptr)
        out.append(_format_schema_error(doc, err))
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = err.schema.get("properties", {})
            bad += ["/" + "/".join(map(str, (*ptr, k))) for k in err.instance if k not in allowed]
            bad.append("=/" + "/".join(map(str, ptr)))  # the object itself, not its children
        else:
            bad.append("/" + "/".join(map(str, ptr)))
    return sorted(set(out), key=_loc_key), bad


def _covered(pointer: str, bad: list[str]) -> bool:
    """True when a schema problem already explains ``pointer`` (``=P`` covers P alone)."""
    for b in bad:
        if b.startswith("="):
            if pointer == b[1:]:
                return True
        elif pointer == b or pointer.startswith(b.rstrip("/") + "/"):
            return True
    return False


def _pointer_of(msg: str) -> str:
    """The ``/json/pointer`` part of a ``file:line:col: /pointer: message`` problem."""
    for part in msg.split(": ")[1:]:  # the first part is file:line:col
        if part.startswith("/") and " " not in part:
            return part
    return "/"


def _loc_key(msg: str) -> tuple[int, int, str]:
    try:
        _, line, col, _rest = msg.split(":", 3)
        return int(line), int(col), msg
    except ValueError:
        return 0, 0, msg


def _format_schema_error(doc: _Located, err: Any) -> str:
    ptr = tuple(err.absolute_path)
    where = "/" + "/".join(str(p) for p in ptr)
    if err.validator == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in allowed]
        msgs = []
        for key in extra:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            loc = doc.where((*ptr, key), key=True)
            msgs.append(f"{loc}: {where}: unknown key {key!r}{hint}")
        return "\n".join(msgs) if len(msgs) > 1 else msgs[0]
    loc = doc.where(ptr)
    if err.validator in ("oneOf", "anyOf"):
        best = _best_sub_error(err)
        if best is not None:
            return _format_schema_error(doc, best)
    return f"{loc}: {where}: {_plain_message(err)}"


def _best_sub_error(err: Any) -> Any:
    """The most telling error of a oneOf: from the branch the instance fits best.

    Branches that reject the instance's type outright are ignored; among the
    rest, the one with the fewest errors wins (an axis with a typo fits the
    axis branch better than the for_each one), and within it the deepest error.
    """
    branches: dict[Any, list[Any]] = {}
    for e in err.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    candidates = [errs for errs in branches.values()
                  if not any(e.validator == "type" and not e.relative_path for e in errs)]
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
        return err.message.replace("is a required property", "is required")
    if err.validator == "oneOf":
        kinds = []
        for e in err.context:
            if e.validator == "type" and not e.relative_path:
                want = e.validator_value if isinstance(e.validator_value, list) else [
                    e.validator_value]
                kinds += ["value source" if w == "object" else w for w in want]
        if kinds:
            return f"{inst!r} is not a {' or a '.join(dict.fromkeys(kinds))}"
        return f"{inst!r} is neither a literal nor a value source"
    return err.message


# ----------------------------------------------------------------------------- semantic pass


class _Checker:
    """Collects semantic problems with locations."""

    def __init__(self, data: dict[str, Any], locs: dict[Pointer, str]) -> None:
        self.data = data
        self.locs = locs
        self.problems: list[str] = []
        self.options = set((data.get("options") or {}).keys())
        self.option_types = {k: v.get("type") for k, v in (data.get("options") or {}).items()
                             if isinstance(v, dict)}
        self.symbols = set(data.get("symbols") or ())

    def loc(self, ptr: Pointer) -> str:
        p = tuple(ptr)
        while p and p not in self.locs:
            p = p[:-1]
        return self.locs.get(p, "<mapping>:1:1")

    def add(self, ptr: Pointer, msg: str) -> None:
        self.problems.append(f"{self.loc(ptr)}: /{'/'.join(map(str, ptr))}: {msg}")

    def path(self, ptr: Pointer, expr: str | None, names: set[str]) -> None:
        if expr is None:
            return
        try:
            parse_path(expr)
        except PathSyntaxError as exc:
            self.add(ptr, f"bad path expression {expr!r}: {exc}")
            return
        for name in template_names(expr):
            if name not in names:
                close = difflib.get_close_matches(name, sorted(names), n=1)
                hint = f" (did you mean {{{close[0]}}}?)" if close else ""
                self.add(ptr, f"unknown anchor or variable {{{name}}} in {expr!r}{hint}")

    def predicate(self, ptr: Pointer, pred: dict[str, Any], names: set[str]) -> None:
        keys = {"exists", "path", "any", "all", "not", "option"} & set(pred)
        if len(keys) != 1:
            self.add(ptr, "a predicate needs exactly one of exists, path, any, all, not, option")
            return
        key = keys.pop()
        if key in ("exists", "path"):
            self.path((*ptr, key), pred[key], names)
        if key == "path" and not {"equals", "one_of", "matches"} & set(pred):
            self.add(ptr, "a path predicate needs equals, one_of or matches")
        if key in ("any", "all"):
            for i, child in enumerate(pred[key]):
                self.predicate((*ptr, key, i), child, names)
        if key == "not":
            self.predicate((*ptr, "not"), pred["not"], names)
        if key == "option" and pred["option"] not in self.options:
            self.add((*ptr, "option"), f"undeclared option {pred['option']!r}")

    def source(self, ptr: Pointer, src: dict[str, Any], names: set[str]) -> None:
        from .builtins import REGISTRY, TRANSFORMS

        kinds = [k for k in SOURCE_KINDS if k in src]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            self.add(ptr, f"a value source needs exactly one of {', '.join(SOURCE_KINDS)} "
                     f"(found: {found})")
            return
        kind = kinds[0]
        for key in ("path", "tree", "name_of", "at"):
            self.path((*ptr, key), src.get(key), names)
        if kind == "first":
            for i, alt in enumerate(src["first"]):
                self.source((*ptr, "first", i), alt, names)
        if kind == "builtin":
            name = src["builtin"]
            if name not in REGISTRY:
                close = difflib.get_close_matches(name, list(REGISTRY), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.add((*ptr, "builtin"), f"unknown builtin {name!r}{hint}")
            elif REGISTRY[name].kind != "value":
                self.add((*ptr, "builtin"), f"builtin {name!r} gives paths, use it in an anchor")
            else:
                self.call(ptr, REGISTRY[name].func, src, takes_at=True)
        if kind == "tree":
            from .builtins.tree import TREE_STYLES, read_tree

            self.call(ptr, read_tree, src, takes_at=False, skip=2)
            targs = src.get("args") or {}
            style = targs.get("style", "value_attrs")
            if style not in TREE_STYLES and not isinstance(style, dict):
                self.add((*ptr, "args", "style"),
                         f"tree style must be one of {', '.join(TREE_STYLES)}, not {style!r}")
            for key, kinds in (("max_array_size", (int,)), ("skip_arrays", (bool,)),
                               ("include_root_attrs", (bool,)), ("key_filter", (str, list))):
                value = targs.get(key)
                if value is None or isinstance(value, dict):  # absent, or {option: NAME}
                    continue
                if not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
                    want = " or ".join(k.__name__ for k in kinds)
                    self.add((*ptr, "args", key), f"{key} must be {want}, not {value!r}")
        if kind == "option" and src["option"] not in self.options:
            self.add((*ptr, "option"), f"undeclared option {src['option']!r}")
        for k, v in (src.get("args") or {}).items():
            if isinstance(v, dict) and set(v) == {"option"} and v["option"] not in self.options:
                self.add((*ptr, "args", k), f"undeclared option {v['option']!r}")
        if src.get("deref") and kind != "path":
            self.add((*ptr, "deref"), "deref applies to path sources only")
        if "transform" in src and src["transform"] not in TRANSFORMS:
            close = difflib.get_close_matches(src["transform"], list(TRANSFORMS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.add((*ptr, "transform"), f"unknown transform {src['transform']!r}{hint}")
        if "when" in src:
            self.predicate((*ptr, "when"), src["when"], names)
        for i, dim in enumerate(src.get("shape") or ()):
            if isinstance(dim, str) and dim not in self.symbols:
                self.add((*ptr, "shape", i), f"undeclared symbol {dim!r} (add it to symbols)")
        if "units_category" in src:
            from .builtins.units import CATEGORIES

            if src["units_category"] not in CATEGORIES:
                self.add((*ptr, "units_category"),
                         f"unknown unit category {src['units_category']!r}")

    def call(self, ptr: Pointer, func: Any, src: dict[str, Any], takes_at: bool,
             skip: int = 1) -> None:
        """Check ``at`` and ``args`` against a built-in's signature."""
        import inspect

        params = list(inspect.signature(func).parameters.values())[skip:]
        at_param = next((p for p in params if p.name == "at"), None) if takes_at else None
        named = {p.name: p for p in params if p.name != "at"}
        label = src.get("builtin", "tree")
        if at_param is not None and at_param.default is inspect.Parameter.empty \
                and "at" not in src:
            self.add(ptr, f"builtin {label!r} needs at: (the object it works on)")
        if takes_at and at_param is None and "at" in src:
            self.add((*ptr, "at"), f"builtin {label!r} takes no at:")
        args = src.get("args") or {}
        for key in args:
            if key not in named:
                known = ", ".join(sorted(named)) or "none"
                self.add((*ptr, "args", key), f"{label!r} has no argument {key!r} (arguments: "
                         f"{known})")
        for pname, p in named.items():
            if p.default is inspect.Parameter.empty and pname not in args \
                    and p.kind is not inspect.Parameter.VAR_KEYWORD:
                self.add((*ptr, "args"), f"{label!r} needs argument {pname!r}")

    def field(self, ptr: Pointer, value: Any, names: set[str]) -> None:
        if isinstance(value, dict):
            self.source(ptr, value, names)

    def axis(self, ptr: Pointer, axis: dict[str, Any], names: set[str]) -> None:
        for key, value in axis.items():
            if key != "doc":
                self.field((*ptr, key), value, names)
        if "values" in axis and ({"scale", "offset"} & set(axis)):
            self.add(ptr, "give either values or scale/offset, not both")


def _semantic(data: dict[str, Any], locs: dict[Pointer, str]) -> list[str]:
    from .builtins import REGISTRY

    c = _Checker(data, locs)
    names: set[str] = set()
    anchors = data.get("anchors") or {}
    for aname, anchor in anchors.items():
        ptr = ("anchors", aname)
        if ("path" in anchor) == ("builtin" in anchor):
            c.add(ptr, "an anchor needs exactly one of path or builtin")
        c.path((*ptr, "path"), anchor.get("path"), names)
        if "builtin" in anchor:
            b = REGISTRY.get(anchor["builtin"])
            if b is None:
                close = difflib.get_close_matches(anchor["builtin"], list(REGISTRY), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                c.add((*ptr, "builtin"), f"unknown builtin {anchor['builtin']!r}{hint}")
            elif b.kind != "paths":
                c.add((*ptr, "builtin"), f"builtin {anchor['builtin']!r} gives values, not paths")
            else:
                c.call(ptr, b.func, anchor, takes_at=False)
            for k, v in (anchor.get("args") or {}).items():
                if isinstance(v, str):
                    c.path((*ptr, "args", k), v, names) if "{" in v else None
        if "where" in anchor:
            c.predicate((*ptr, "where"), anchor["where"], names | {"."})
        for i, f in enumerate(anchor.get("filters") or ()):
            if f["option"] not in c.options:
                c.add((*ptr, "filters", i, "option"), f"undeclared option {f['option']!r}")
            elif c.option_types.get(f["option"]) not in ("string", "string_list"):
                c.add((*ptr, "filters", i, "option"),
                      f"filter option {f['option']!r} must be a string or string_list option")
        pref = anchor.get("prefer")
        if pref:
            if pref["option"] not in c.options:
                c.add((*ptr, "prefer", "option"), f"undeclared option {pref['option']!r}")
            if pref["anchor"] not in names:
                c.add((*ptr, "prefer", "anchor"),
                      f"prefer names {pref['anchor']!r}, which is not an earlier anchor")
        names.add(aname)
    eaches = [a for a, v in anchors.items() if v.get("select") == "each"]
    if len(eaches) > 1:
        c.add(("anchors",), f"at most one anchor may use select: each (found {eaches})")
    if "match" in data:
        # match runs before any anchor is resolved: it may use absolute paths only
        c.predicate(("match",), data["match"], set())
    signal = data.get("signal")
    if signal is None:
        c.add((), "no signal section (a mapping, or one it extends, must define signal.data)")
    else:
        if "data" not in signal:
            c.add(("signal",), "signal.data is required")
        else:
            c.source(("signal", "data"), signal["data"], names)
        axes = signal.get("axes")
        if isinstance(axes, dict):
            c.source(("signal", "axes"), axes, names)
        elif isinstance(axes, list):
            for i, ax in enumerate(axes):
                if "for_each" in ax:
                    fe = ax["for_each"]
                    kinds = [k for k in ("range", "list", "glob") if k in fe]
                    if len(kinds) != 1:
                        c.add(("signal", "axes", i, "for_each"),
                              "for_each needs exactly one of range, list, glob")
                    var = fe.get("as", "i")
                    c.field(("signal", "axes", i, "for_each", "range"), fe.get("range"), names)
                    if "list" in fe:
                        c.source(("signal", "axes", i, "for_each", "list"), fe["list"], names)
                    c.path(("signal", "axes", i, "for_each", "glob"), fe.get("glob"), names)
                    c.axis(("signal", "axes", i, "axis"), ax["axis"], names | {var})
                else:
                    c.axis(("signal", "axes", i), ax, names)
        for key, src in (signal.get("metadata") or {}).items():
            if key != "." and not all(part.isidentifier() for part in key.split(".")):
                c.add(("signal", "metadata", key), f"bad metadata key {key!r} (dotted names)")
            c.source(("signal", "metadata", key), src, names)
        if "original_metadata" in signal:
            c.source(("signal", "original_metadata"), signal["original_metadata"], names)
    write = data.get("write") or {}
    for i, g in enumerate(write.get("groups") or ()):
        c.path(("write", "groups", i, "path"), g["path"], names)
    for i, link in enumerate(write.get("links") or ()):
        c.path(("write", "links", i, "at"), link["at"], names)
        c.path(("write", "links", i, "to"), link["to"], names)
    c.path(("write", "default"), write.get("default"), names)
    return sorted(set(c.problems), key=_loc_key)


# ----------------------------------------------------------------------------- model building


def _build(data: dict[str, Any], locs: dict[Pointer, str], path: Path, parents: tuple[str, ...]
           ) -> Mapping:
    def loc(ptr: Pointer) -> str:
        p = tuple(ptr)
        while p and p not in locs:
            p = p[:-1]
        return locs.get(p, f"{path}:1:1")

    def pred(ptr: Pointer, d: dict[str, Any] | None) -> Predicate | None:
        if d is None:
            return None
        lc = loc(ptr)
        if "exists" in d:
            return Predicate("exists", lc, path=d["exists"])
        if "any" in d or "all" in d:
            k = "any" if "any" in d else "all"
            kids = tuple(pred((*ptr, k, i), c) for i, c in enumerate(d[k]))
            return Predicate(k, lc, children=kids)  # type: ignore[arg-type]
        if "not" in d:
            return Predicate("not", lc, children=(pred((*ptr, "not"), d["not"]),))  # type: ignore[arg-type]
        one_of = tuple(d["one_of"]) if "one_of" in d else None
        kind = "option" if "option" in d else "compare"
        return Predicate(kind, lc, path=d.get("path"), option=d.get("option"),
                         equals=d.get("equals"), has_equals="equals" in d, one_of=one_of,
                         matches=d.get("matches"))

    def src(ptr: Pointer, d: dict[str, Any]) -> Source:
        kind = next(k for k in SOURCE_KINDS if k in d)
        rng = d.get("range") or {}
        shape = d.get("shape")
        cons = Constraints(
            dtype=d.get("dtype"), shape=tuple(shape) if shape is not None else None,
            rank=d.get("rank"), enum=tuple(d["enum"]) if "enum" in d else None,
            units_category=d.get("units_category"), units_like=d.get("units_like"),
            range_min=rng.get("min"), range_max=rng.get("max"), monotonic=d.get("monotonic"),
        )
        alts = tuple(src((*ptr, "first", i), a) for i, a in enumerate(d.get("first") or ()))
        value = d.get(kind)
        return Source(
            kind=kind, loc=loc(ptr),
            path=value if kind in ("path", "tree", "name_of") else None,
            const=d.get("const"), alternatives=alts,
            builtin=d.get("builtin"), at=d.get("at"),
            args=tuple(sorted((d.get("args") or {}).items())),
            deref=bool(d.get("deref")), when=pred((*ptr, "when"), d.get("when")),
            transform=d.get("transform"), required=d.get("required", False),
            default=d.get("default"), has_default="default" in d, constraints=cons,
            severity=d.get("severity", "error"), rule=d.get("rule"),
            option=d.get("option"),
        )

    def field(ptr: Pointer, v: Any) -> Any:
        return src(ptr, v) if isinstance(v, dict) else v

    def axis(ptr: Pointer, d: dict[str, Any]) -> AxisSpec:
        return AxisSpec(
            loc=loc(ptr), name=field((*ptr, "name"), d.get("name")),
            units=field((*ptr, "units"), d.get("units")),
            navigate=field((*ptr, "navigate"), d.get("navigate")),
            values=src((*ptr, "values"), d["values"]) if "values" in d else None,
            scale=field((*ptr, "scale"), d.get("scale")),
            offset=field((*ptr, "offset"), d.get("offset")),
            size=field((*ptr, "size"), d.get("size")),
            is_binned=field((*ptr, "is_binned"), d.get("is_binned")),
        )

    anchors = []
    for name, a in (data.get("anchors") or {}).items():
        ptr = ("anchors", name)
        pref = a.get("prefer") or {}
        anchors.append(Anchor(
            name=name, loc=loc(ptr), path=a.get("path"), builtin=a.get("builtin"),
            args=tuple(sorted((a.get("args") or {}).items())), ancestor=a.get("ancestor"),
            where=pred((*ptr, "where"), a.get("where")), select=a.get("select", "one"),
            required=a.get("required", True),
            filters=tuple(Filter(f["option"], f["match"]) for f in a.get("filters") or ()),
            prefer_option=pref.get("option"), prefer_anchor=pref.get("anchor"),
            doc=a.get("doc", ""),
        ))

    s = data["signal"]
    axes_raw = s.get("axes")
    axes: Any
    if isinstance(axes_raw, dict):
        axes = src(("signal", "axes"), axes_raw)
    elif isinstance(axes_raw, list):
        items: list[AxisSpec | ForEach] = []
        for i, ax in enumerate(axes_raw):
            ptr = ("signal", "axes", i)
            if "for_each" in ax:
                fe = ax["for_each"]
                items.append(ForEach(
                    loc=loc(ptr), axis=axis((*ptr, "axis"), ax["axis"]), var=fe.get("as", "i"),
                    range=field((*ptr, "for_each", "range"), fe.get("range")),
                    list=src((*ptr, "for_each", "list"), fe["list"]) if "list" in fe else None,
                    glob=fe.get("glob"),
                ))
            else:
                items.append(axis(ptr, ax))
        axes = tuple(items)
    else:
        axes = None
    signal = SignalSpec(
        loc=loc(("signal",)), data=src(("signal", "data"), s["data"]), axes=axes,
        metadata=tuple((k, src(("signal", "metadata", k), v))
                       for k, v in (s.get("metadata") or {}).items()),
        original_metadata=src(("signal", "original_metadata"), s["original_metadata"])
        if "original_metadata" in s else None,
    )
    w = data.get("write")
    write = WriteSpec(
        loc=loc(("write",)),
        root_attrs=tuple((w.get("root_attrs") or {}).items()),
        groups=tuple(GroupSpec(g["path"], g.get("nx_class"), tuple((g.get("attrs") or {}).items()))
                     for g in w.get("groups") or ()),
        links=tuple(LinkSpec(k["at"], k["to"], k.get("kind", "soft"), k.get("target_attr", True))
                    for k in w.get("links") or ()),
        default=w.get("default"),
    ) if w else None
    return Mapping(
        name=data["name"], version=data["mapping"], source=str(path),
        title=data.get("title", ""), description=data.get("description", ""),
        priority=data.get("priority", 0), parents=parents,
        match=pred(("match",), data.get("match")),
        options=tuple(OptionSpec(k, v["type"], v.get("default"), v.get("doc", ""))
                      for k, v in (data.get("options") or {}).items()),
        anchors=tuple(anchors), symbols=tuple(data.get("symbols") or ()),
        signal=signal, write=write,
    )
