"""Mapping x file -> signal dicts. Lenient: a file that is a little off warns and falls back.

The engine has no format-specific branches: what a format means comes from
its mapping, the convention the mapping names (which attribute types a group,
for class segments and ``ancestor:``) and the named built-ins. It resolves the mapping's anchors
in order (an anchor with ``select: each`` gives one signal per match),
evaluates value sources, expands axes, and turns :class:`ArrayRef` bulk
arrays into numpy arrays (eager) or dask arrays (lazy, via :mod:`mapper.hdf5.lazy`).
"""

from __future__ import annotations

import copy
import functools
import os
import posixpath
from collections.abc import Callable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from mapper.engine.axes import AxisValuesError, axis_from_values, index_axis, navigate_flags
from mapper.engine.bind import Env, bind
from mapper.engine.compare import MISSING, comparable, compare
from mapper.engine.context import ArrayRef, Context
from mapper.engine.tree import DeferredTree, merge_into, read_tree
from mapper.errors import MapperError, NoMatchError, ResolveError
from mapper.errors import warn as mapper_warn
from mapper.hdf5.io import as_str, decode
from mapper.hdf5.resolve import Resolver, Target
from mapper.language.model import TREE_STYLES, Anchor, AxisSpec, ForEach, Mapping, Predicate, Source
from mapper.language.paths import expand, template_names
from mapper.registry import REGISTRY

#: Datasets read through a value source above this size stay bulk arrays (lazy when lazy=True).
SMALL_BYTES = 1 << 20


@dataclass
class Engine:
    """Evaluates one mapping against one open file."""

    mapping: Mapping
    resolver: Resolver
    filename: str
    options: dict[str, Any]
    lazy: bool = False
    warn: Callable[[str], None] = print
    defer_metadata: bool = True
    defer_trees: bool = False

    def __post_init__(self) -> None:
        self.convention = REGISTRY.convention(self.mapping.convention)
        self.resolver = self.resolver.with_convention(self.convention)
        self.ctx = Context(self.resolver, self.filename, self.options, self.warn, lazy=self.lazy)
        #: small values read by predicates on absolute paths (detection asks many times)
        self._values: dict[str, list[Any]] = {}

    # ------------------------------------------------------------------ anchors
    def bindings(self) -> list[dict[str, Any]]:
        """One environment per signal: anchor name -> path (or list of paths, or None)."""
        return bind(self.mapping.anchors, _ReadBinder(self))

    def absent_message(self, anchor: Anchor, env: dict[str, Any]) -> str:
        """Why an anchor matched nothing, in words, with the mapping location."""
        what = expand(
            anchor.path or f"builtin {anchor.builtin}", {k: str(v) for k, v in env.items()}
        )
        if anchor.filters and any(self.options.get(f.option) for f in anchor.filters):
            opts = {
                f.option: self.options.get(f.option)
                for f in anchor.filters
                if self.options.get(f.option)
            }
            return (
                f"{self.filename}: nothing matches {anchor.name!r} ({what}) with {opts} "
                f"(mapping {anchor.loc})"
            )
        doc = anchor.doc.strip().rstrip(".")
        doc = doc[:1].lower() + doc[1:] if doc else what
        return (
            f"{self.filename}: nothing found for {anchor.name!r} ({doc}); "
            f"mapping {self.mapping.name} at {anchor.loc}"
        )

    def anchor_matches(
        self, anchor: Anchor, env: dict[str, Any], use_where: bool = True
    ) -> list[str]:
        """The paths an anchor matches in ``env`` (``use_where=False``: before its ``where``)."""
        if anchor.builtin:
            args = {k: self._arg(v, env) for k, v in anchor.args}
            paths = list(REGISTRY.builtin(anchor.builtin).func(self.ctx, **args))
        else:
            paths = [str(t) for t in self.resolver.resolve(anchor.path or "", env)]
        if anchor.ancestor:
            found = (self._ancestor(p, anchor.ancestor) for p in paths)
            paths = list(dict.fromkeys(a for a in found if a))
        if anchor.where is not None and use_where:
            paths = [p for p in paths if self.predicate(anchor.where, {**env, ".": p})]
        for flt in anchor.filters:
            wanted = self.options.get(flt.option)
            if wanted in (None, "", []):
                continue
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            kept = [p for p in paths if any(_filter_hit(p, v, flt.match) for v in values)]
            missed = [v for v in values if not any(_filter_hit(p, v, flt.match) for p in paths)]
            if kept and missed:  # none kept: the anchor's absence is the error
                self.warn(
                    f"{self.filename}: {flt.option} {', '.join(map(repr, missed))} "
                    f"matches nothing for {anchor.name!r}; loading the rest"
                )
            paths = kept
        if anchor.prefer_option and self.options.get(anchor.prefer_option):
            preferred = env.get(anchor.prefer_anchor or "")
            if preferred:
                paths = [p for p in paths if p == preferred] or paths
        return paths

    def _ancestor(self, path: str, cls: str) -> str | None:
        p = path
        while p and p != "/":
            obj = self.resolver.get(p)
            if obj is not None and self.resolver.group_class(obj) == cls:
                return p
            p = posixpath.dirname(p)
        return None

    def _arg(self, value: Any, env: dict[str, Any]) -> Any:
        if isinstance(value, dict) and set(value) == {"option"}:
            return self.options.get(value["option"])
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            key = value[1:-1]
            if key in env:
                return env[key]
        return value

    # ------------------------------------------------------------------ predicates
    def predicate(self, pred: Predicate, env: dict[str, Any]) -> bool:
        """Evaluate a predicate; unresolvable paths count as false."""
        kind = pred.kind
        if kind == "exists":
            return bool(self.targets(pred.path or "", env))
        if kind == "any":
            return any(self.predicate(c, env) for c in pred.children)
        if kind == "all":
            return all(self.predicate(c, env) for c in pred.children)
        if kind == "not":
            return not self.predicate(pred.children[0], env)
        if kind == "option":
            value = self.options.get(pred.option or "")
            return value == pred.equals if pred.has_equals else bool(value)
        return any(compare(value, pred) for value in self._predicate_values(pred.path or "", env))

    def _predicate_values(self, expr: str, env: dict[str, Any]) -> list[Any]:
        """The small values at ``expr`` (remembered for absolute paths: detection repeats them)."""
        remember = not env and not expr.startswith("{")
        if remember and expr in self._values:
            return self._values[expr]
        values = []
        for target in self.targets(expr, env):
            try:
                values.append(comparable(self._read_target(target, small_only=True)))
            except MapperError:
                continue
        if remember:
            self._values[expr] = values
        return values

    def targets(self, expr: str, env: dict[str, Any]) -> list[Target]:
        """Every target of a path expression; an unresolvable one gives none."""
        try:
            return self.resolver.resolve(expr, env)
        except ResolveError:
            return []

    # ------------------------------------------------------------------ sources
    def evaluate(self, src: Source, env: dict[str, Any], bulk: bool = False) -> Any:
        """The value of a source, or :data:`MISSING`; applies transform, default, required."""
        value = MISSING
        if src.when is None or self.predicate(src.when, env):
            value = self._raw(src, env, bulk)
        if value is not MISSING and value is not None and src.transform:
            try:
                value = REGISTRY.transform(src.transform).decode(value)
            except (TypeError, ValueError, MapperError) as exc:
                self.warn(
                    f"{self.filename}: transform {src.transform!r} failed on {value!r} "
                    f"({exc}); mapping {src.loc}"
                )
                value = MISSING
        if value is MISSING or value is None:
            if src.has_default:
                return src.default
            if src.kind == "path" and _under_absent_anchor(src.path or "", env):
                return MISSING  # "required" holds inside its group: the group is absent
            if src.required is True:
                raise NoMatchError(
                    f"{self.filename}: required {self._describe(src, env)} not "
                    f"found (mapping {src.loc})"
                )
            if src.required == "recommended":
                self.warn(
                    f"{self.filename}: recommended {self._describe(src, env)} not found "
                    f"(mapping {src.loc})"
                )
            return MISSING
        return value

    def _describe(self, src: Source, env: dict[str, Any]) -> str:
        return expand(src.path or src.at or src.builtin or src.kind, env)

    def _raw(self, src: Source, env: dict[str, Any], bulk: bool) -> Any:
        kind = src.kind
        if kind == "const":
            return src.const
        if kind == "option":
            return self.options.get(src.option or "", MISSING)
        if kind == "first":
            for alt in src.alternatives:
                value = self.evaluate(alt, env, bulk)
                if value is not MISSING and value is not None:
                    return value
            return MISSING
        if kind == "builtin":
            at = None
            if src.at is not None:
                targets = self.targets(src.at, env)
                if not targets:
                    return MISSING
                at = targets[0]
            args = {k: self._arg(v, env) for k, v in src.args}
            func = REGISTRY.builtin(src.builtin or "").func
            return func(self.ctx, at, **args) if src.at is not None else func(self.ctx, **args)
        targets = self.targets(src.path or "", env)
        if not targets:
            return MISSING
        target = targets[0]
        if kind == "name_of":
            return posixpath.basename(target.path) or "/"
        if kind == "tree":
            args = {k: self._arg(v, env) for k, v in src.args}
            if self.defer_trees:
                if args.get("style", TREE_STYLES[0]) not in TREE_STYLES:  # fail now, not later
                    raise ResolveError(
                        f"tree style must be one of {', '.join(TREE_STYLES)}, "
                        f"not {args['style']!r} (mapping {src.loc})"
                    )
                filename = os.path.abspath(self.resolver.file.filename)  # survives a chdir
                return DeferredTree(
                    functools.partial(
                        _read_tree_later,
                        filename,
                        self.resolver.allowed,
                        _stamp(filename),
                        target.path,
                        args,
                    )
                )
            return read_tree(self.ctx, target.path, **args)
        value = self._read_target(target, small_only=not bulk)
        if src.deref:
            value = self._deref(value, target, bulk)
        return value

    def _deref(self, value: Any, target: Target, bulk: bool) -> Any:
        ref = value.reshape(-1)[0] if isinstance(value, np.ndarray) and value.size == 1 else value
        if not isinstance(ref, h5py.Reference) or not ref:
            raise ResolveError(f"{self.filename}:{target}: not an object reference")
        try:
            obj = self.resolver.file[ref]
        except (ValueError, KeyError, OSError) as exc:
            raise ResolveError(f"{self.filename}:{target}: dangling reference ({exc})") from None
        return self._read_target(Target(obj.name), small_only=not bulk)  # refs are in-file

    def _read_target(self, target: Target, small_only: bool) -> Any:
        obj = self.resolver.get(target.path)
        if obj is None:
            return MISSING
        if target.attr is not None:
            try:
                return decode(obj.attrs[target.attr], f"{self.filename}:{target}")
            except (OSError, TypeError, KeyError) as exc:
                raise ResolveError(
                    f"{self.filename}:{target}: cannot read attribute ({exc})"
                ) from None
        if isinstance(obj, h5py.Group):
            raise ResolveError(f"{self.filename}:{target.path}: is a group, a dataset was expected")
        nbytes = (obj.size or 0) * obj.dtype.itemsize
        if not small_only or nbytes > SMALL_BYTES:
            return ArrayRef(target.path)
        from mapper.hdf5.io import read_small

        return read_small(obj)

    # ------------------------------------------------------------------ signals
    def signal(self, env: dict[str, Any]) -> dict[str, Any]:
        """Build one signal dict (bulk arrays still as :class:`ArrayRef`)."""
        spec = self.mapping.signal
        assert spec is not None and spec.data is not None
        data = self.evaluate(spec.data, env, bulk=True)
        if data is MISSING:
            raise NoMatchError(f"{self.filename}: no data for signal (mapping {spec.data.loc})")
        if not isinstance(data, ArrayRef):
            data = np.asarray(data)
        shape = self._shape(data)
        axes = self._axes(spec.axes, env, shape)
        metadata: dict[str, Any] = {}
        for key, src in spec.metadata:
            try:
                value = self.evaluate(src, env)
            except NoMatchError as exc:  # metadata is not worth losing the signal for
                self.warn(f"{exc}; metadata.{key} left out (mapper validate says more)")
                continue
            if value is MISSING:
                continue
            _set_dotted(metadata, key, value)
        original: AbcMapping[str, Any] = {}
        if spec.original_metadata is not None:
            # the file's own tree can be huge: read it when first used, not now
            self.defer_trees = self.defer_metadata
            try:
                om = self.evaluate(spec.original_metadata, env)
            finally:
                self.defer_trees = False
            original = om if isinstance(om, AbcMapping) else {} if om is MISSING else {"value": om}
        out = {"data": data, "axes": axes, "metadata": metadata, "original_metadata": original}
        for key, src in spec.extra:
            try:
                value = self.evaluate(src, env)
            except NoMatchError as exc:
                self.warn(f"{exc}; {key} left out")
                continue
            if value is not MISSING:
                out[key] = value
        return out

    def _shape(self, data: Any) -> tuple[int, ...]:
        if isinstance(data, ArrayRef) and data.shape is not None:
            return data.shape
        if isinstance(data, ArrayRef):
            obj = self.resolver.get(data.path)
            return tuple(obj.shape) if obj is not None and obj.shape is not None else ()
        return tuple(np.shape(data))

    def _axes(self, spec: Any, env: dict[str, Any], shape: tuple[int, ...]) -> list[dict[str, Any]]:
        rank = len(shape)
        axes: list[dict[str, Any]] = []
        if isinstance(spec, Source):
            got = self.evaluate(spec, env)
            axes = list(got) if got is not MISSING else []
        elif spec:
            for item in spec:
                if isinstance(item, ForEach):
                    for value in self._iterate(item, env, rank):
                        axes.append(
                            self._axis(item.axis, {**env, item.var: value}, shape, len(axes))
                        )
                else:
                    axes.append(self._axis(item, env, shape, len(axes)))
        if len(axes) != rank:
            if axes:
                self.warn(
                    f"{self.filename}: mapping gives {len(axes)} axes for {rank}-D data; "
                    f"index axes used (mapping {self.mapping.source})"
                )
            nav = navigate_flags(rank)
            axes = [index_axis(n, navigate=nav[i]) for i, n in enumerate(shape)]
        for i, ax in enumerate(axes):
            ax.setdefault("name", "")
            ax.setdefault("units", "")
            ax.setdefault("navigate", True)
            ax["size"] = int(shape[i])
            if "axis" not in ax:
                ax.setdefault("offset", 0.0)
                ax.setdefault("scale", 1.0)
        return axes

    def _iterate(self, fe: ForEach, env: dict[str, Any], rank: int) -> list[Any]:
        if fe.glob is not None:
            return [posixpath.basename(t.path) for t in self.targets(fe.glob, env)]
        if fe.list is not None:
            value = self.evaluate(fe.list, env)
            return [] if value is MISSING else list(np.asarray(value).reshape(-1).tolist())
        count = self._field(fe.range, env)
        if count is MISSING or count is None:
            count = rank
        return list(range(int(count)))

    def _field(self, value: Any, env: dict[str, Any]) -> Any:
        return self.evaluate(value, env) if isinstance(value, Source) else value

    def _axis(
        self, spec: AxisSpec, env: dict[str, Any], shape: tuple[int, ...], i: int
    ) -> dict[str, Any]:
        def get(v: Any, default: Any) -> Any:
            out = self._field(v, env)
            return default if out is MISSING or out is None else out

        size = shape[i] if i < len(shape) else None
        name = str(get(spec.name, ""))
        units = get(spec.units, "")
        units = as_str(units) if isinstance(units, (bytes, np.bytes_, np.ndarray)) else str(units)
        nav_default = navigate_flags(len(shape))[i] if i < len(shape) else True
        navigate = self._bool(get(spec.navigate, nav_default), spec, "navigate")
        if spec.values is not None:
            values = self.evaluate(spec.values, env)
            if isinstance(values, ArrayRef):
                values = self.materialize(values, lazy=False)
            if values is not MISSING:
                try:
                    ax = axis_from_values(
                        values, name=name, units=units, navigate=navigate, size=size
                    )
                except AxisValuesError as exc:
                    self.warn(f"{self.filename}: {exc}; index axis used (mapping {spec.loc})")
                    return index_axis(size or 1, name=name, units=units, navigate=navigate)
                if spec.is_binned is not None:
                    ax["is_binned"] = self._bool(get(spec.is_binned, False), spec, "is_binned")
                return ax
        ax = {
            "name": name,
            "units": units,
            "navigate": navigate,
            "scale": float(get(spec.scale, 1.0)),
            "offset": float(get(spec.offset, 0.0)),
            "size": int(get(spec.size, size if size is not None else 1)),
        }
        if spec.is_binned is not None:
            ax["is_binned"] = self._bool(get(spec.is_binned, False), spec, "is_binned")
        return ax

    def _bool(self, value: Any, spec: AxisSpec, what: str) -> bool:
        """Strict booleans: a stored "false" is False, "maybe" is an error."""
        try:
            return bool(REGISTRY.transform("bool").decode(value))
        except (ValueError, TypeError, MapperError) as exc:
            raise ResolveError(
                f"{self.filename}: axis {what}: {exc} (mapping {spec.loc})"
            ) from None

    # ------------------------------------------------------------------ arrays
    def materialize(self, ref: ArrayRef, lazy: bool | None = None) -> Any:
        """Read an :class:`ArrayRef` (numpy) or wrap it (dask)."""
        from mapper.hdf5.lazy import apply_op, lazy_array

        obj = self.resolver.get(ref.path)
        if not isinstance(obj, h5py.Dataset):
            raise ResolveError(f"{self.filename}:{ref.path}: not a dataset")
        self.resolver.check_virtual(obj)
        if obj.shape is None:
            raise ResolveError(
                f"{self.filename}:{ref.path}: dataset has an empty dataspace (no shape, no values)"
            )
        if self.lazy if lazy is None else lazy:
            return lazy_array(
                os.path.abspath(self.resolver.file.filename),
                ref.path,
                obj,
                ref.op,
                field=ref.field,
                shape=ref.shape,
            )
        try:
            if ref.field is not None:
                out = obj.fields(ref.field)[()]
            elif obj.size == 0 or obj.dtype.kind in "SOU" or obj.ndim == 0:
                out = np.asarray(decode(obj[()], obj.name))
            else:
                out = obj[()]  # h5py's fast reader: quicker than read_direct here
        except (OSError, TypeError, ValueError) as exc:
            raise ResolveError(f"{self.filename}:{ref.path}: cannot read data ({exc})") from None
        out = apply_op(out, ref.op)
        return out if ref.shape is None else out.reshape(ref.shape)


class _ReadBinder:
    """Reading: a required anchor's absence raises, or skips the one signal it concerns."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def matches(self, anchor: Anchor, env: Env) -> list[str]:
        return self.engine.anchor_matches(anchor, env)

    def absent(self, anchor: Anchor, env: Env, several: bool) -> bool:
        if not anchor.required:
            return True
        if several:  # lenient: skip this signal only
            self.engine.warn(f"signal skipped: {self.engine.absent_message(anchor, env)}")
            return False
        raise NoMatchError(self.engine.absent_message(anchor, env))

    def ambiguous(self, anchor: Anchor, matches: list[str]) -> None:
        raise NoMatchError(
            f"{self.engine.filename}: {anchor.name!r} must match one object but matches "
            f"{len(matches)}: {', '.join(matches[:5])} (mapping {anchor.loc})"
        )


def _under_absent_anchor(expr: str, env: dict[str, Any]) -> bool:

    return any(name in env and env[name] is None for name in template_names(expr))


def _filter_hit(path: str, value: str, how: str) -> bool:
    value = str(value).rstrip("/") or "/"
    if how == "exact":
        return path == value
    if how == "within":
        return path == value or value.startswith(path + "/")
    return value in path


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts; dict values deep-merge, ``.`` merges at the root."""
    if isinstance(value, dict):
        value = copy.deepcopy(value)  # never share a mapping's constant between signals
    parts = [] if key == "." else key.split(".")
    node = tree
    for part in parts[:-1]:
        following = node.get(part)
        if not isinstance(following, dict):
            following = node[part] = {}
        node = following
    if not parts:
        merge_into(tree, value if isinstance(value, dict) else {})
        return
    last = parts[-1]
    if isinstance(value, dict) and isinstance(node.get(last), dict):
        merge_into(node[last], value)
    else:
        node[last] = value


def _stamp(filename: str) -> tuple[int, int]:
    st = os.stat(filename)
    return st.st_mtime_ns, st.st_size


def _read_tree_later(
    filename: str, allowed: tuple[Any, ...], stamp: tuple[int, int], path: str, args: dict[str, Any]
) -> dict[str, Any]:
    """Read a deferred tree: re-open the file, check it is the one that was loaded."""
    from mapper.hdf5.io import open_h5

    try:
        now = _stamp(filename)
    except OSError:
        raise ResolveError(
            f"{filename}: original_metadata cannot be read, the file is gone since it was loaded"
        ) from None
    if now != stamp:
        raise ResolveError(
            f"{filename}: original_metadata cannot be read, the file changed "
            "since it was loaded; load it again"
        )

    def warn(message: str) -> None:
        mapper_warn(message)  # attributed to the caller's line

    with open_h5(filename) as h5:
        ctx = Context(Resolver(h5, allowed, warn), filename, {}, warn)
        return read_tree(ctx, path, **args)
