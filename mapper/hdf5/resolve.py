"""Resolving path expressions against one open HDF5 file, under the link policy.

Resolution never follows an external link out of the allowed directories
(a warning names the link and it counts as absent), survives soft-link cycles
and dangling links, and returns matches in the file's iteration order. Group
classes are read through the attribute the mapping's convention names,
never assumed.
"""

from __future__ import annotations

import copy
import fnmatch
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h5py

from mapper.errors import Note, ResolveError
from mapper.hdf5.io import attr as _h5_attr
from mapper.hdf5.io import class_attr, external_target, is_within, member_names
from mapper.language.paths import Segment, child_path, parse_path, template_names

if TYPE_CHECKING:  # pragma: no cover
    from mapper.registry import Convention

__all__ = ["Resolver", "Target"]


@dataclass(frozen=True)
class Target:
    """A resolved place: an object path, and optionally an attribute of it."""

    path: str
    attr: str | None = None

    def __str__(self) -> str:
        if self.attr is None:
            return self.path
        return child_path(self.path, f"@{self.attr}")


class Resolver:
    """Resolve expressions against one open file under a link policy.

    Parameters
    ----------
    h5file
        The open file.
    allowed
        Directories external links may point into.
    warn
        Called with a one-line message for every skipped link (once per link).
    convention
        The mapping's convention: which segments are classes and which
        attribute holds a group's class (None: groups have no class).
    """

    def __init__(
        self,
        h5file: h5py.File,
        allowed: tuple[Path, ...],
        warn: Callable[[str], None],
        convention: Convention | None = None,
    ) -> None:
        self.file = h5file
        self.convention = convention
        self.filename = h5file.filename
        self.allowed = allowed
        self._warn = warn
        self._warned: set[str] = set()
        self._cache: dict[str, Any] = {"/": h5file}
        #: why a path resolved to nothing: "outside", "cycle", "a dangling soft link", ...
        self.reasons: dict[str, str] = {}
        self._attrs: dict[tuple[Any, str], Any] = {}
        self._readonly = h5file.mode == "r"
        self._resolved: dict[tuple[Any, ...], list[Target]] = {}

    def with_convention(self, convention: Convention | None) -> Resolver:
        """A resolver of the same file, sharing its caches, under another convention."""
        if convention is self.convention:
            return self
        other = copy.copy(self)  # the caches are shared dicts: objects are read once per file
        other.convention = convention
        return other

    # -- objects
    def warn_once(self, key: str, path: str, message: str) -> None:
        """Warn once per key about the object at ``path`` (a :class:`~mapper.errors.Note`)."""
        if key not in self._warned:
            self._warned.add(key)
            self._warn(Note(self.filename, path, message))

    def get(self, path: str) -> h5py.Group | h5py.Dataset | None:
        """The object at an absolute path, or None when absent, dangling or not allowed."""
        try:
            return self._cache[path]  # most paths are asked for again, already normal
        except KeyError:
            pass
        path = posixpath.normpath(path) if path != "/" else "/"
        if path.startswith("//"):
            path = path[1:]
        if path in self._cache:
            return self._cache[path]
        parent_path, name = posixpath.split(path)
        parent = self.get(parent_path)
        obj = self._child(parent, name, path) if isinstance(parent, h5py.Group) else None
        self._cache[path] = obj
        return obj

    def _child(self, group: h5py.Group, name: str, path: str) -> Any:
        try:  # the link type first, cheaply (HDF5 2.0 is slow per object)
            bname = name.encode("utf-8")
            if not group.id.links.exists(bname):
                return None
            kind = group.id.links.get_info(bname).type
            link = _HARD if kind == h5py.h5l.TYPE_HARD else group.get(name, getlink=True)
        except (KeyError, ValueError):
            return None  # no such link
        except (RuntimeError, OSError) as exc:  # a damaged group is not a missing member
            raise ResolveError(f"{self.filename}:{path}: cannot read the link ({exc})") from None
        if link is None:
            return None
        if isinstance(link, h5py.ExternalLink):
            target = external_target(self.filename, link)
            if not is_within(target, self.allowed):
                self.reasons[path] = "outside"
                self.warn_once(
                    path,
                    path,
                    f"external link to {link.filename} "
                    "points outside the allowed directories; not followed "
                    "(allow it with allow_dirs= or MAPPER_ALLOWED_DIRS)",
                )
                return None
            if not target.exists():
                self.reasons[path] = "an external link to a missing file"
                self.warn_once(
                    path, path, f"external link to missing file {link.filename}; skipped"
                )
                return None
        try:
            return self._open(group, bname)
        except RuntimeError as exc:
            if "too many links" in str(exc).lower():
                self.reasons[path] = "cycle"
                self.warn_once(path, path, "soft-link cycle; skipped")
                return None
            raise ResolveError(f"{self.filename}:{path}: cannot open ({exc})") from None
        except (KeyError, OSError) as exc:
            kind = "soft" if isinstance(link, h5py.SoftLink) else "external"
            if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                self.reasons[path] = f"a dangling {kind} link"
                self.warn_once(path, path, f"dangling {kind} link; skipped")
                return None
            raise ResolveError(f"{self.filename}:{path}: cannot open ({exc})") from None

    def _open(self, group: h5py.Group, bname: bytes) -> Any:
        """``group[name]`` without h5py's per-call file lookup (half the cost per object)."""
        oid = h5py.h5o.open(group.id, bname, lapl=group._lapl)
        otype = h5py.h5i.get_type(oid)
        if otype == h5py.h5i.GROUP:
            return h5py.Group(oid)
        if otype == h5py.h5i.DATASET:
            return h5py.Dataset(oid, readonly=self._readonly)
        if otype == h5py.h5i.DATATYPE:
            return h5py.Datatype(oid)
        raise KeyError(f"unknown object type {otype}")  # pragma: no cover

    def attr(self, obj: Any, name: str) -> Any:
        """Attribute ``name`` of ``obj`` or None, read once per open file (HDF5 reads are slow)."""
        key = (_key(obj), name)
        try:
            return self._attrs[key]
        except KeyError:
            value = self._attrs[key] = _h5_attr(obj, name)
            return value

    def forget(self) -> None:
        """Drop every cached object and value, before the file is closed.

        Closing is then cheap: HDF5 has no open objects left to close one by one.
        """
        self._cache.clear()
        self._attrs.clear()
        self._resolved.clear()

    def value(self, dataset: h5py.Dataset) -> Any:
        """``dataset[()]`` after the link policy, read once per object in a read-only file."""
        key = (_key(dataset), "\0value")
        try:
            return self._attrs[key]
        except KeyError:
            pass
        self.check_virtual(dataset)
        value = dataset[()]
        if self._readonly:
            self._attrs[key] = value
        return value

    def group_class(self, obj: Any, attr: str | None = None) -> str | None:
        """The class of ``obj`` under the convention (``attr`` overrides it), cached, or None.

        None also when the convention types nothing, or the value is not text.
        """
        name = attr if attr is not None else (self.convention and self.convention.class_attr)
        if not name:
            return None
        key = (_key(obj), "\0class\0" + name)
        try:
            cached: str | None = self._attrs[key]  # stored by class_attr below
        except KeyError:
            cached = self._attrs[key] = class_attr(obj, name)
        return cached

    def why_absent(self, path: str) -> str | None:
        """Why :meth:`get` found nothing at ``path`` (or an ancestor): outside, missing, cycle."""
        p = posixpath.normpath(path)
        while p not in ("/", ""):
            if p in self.reasons:
                return self.reasons[p]
            p = posixpath.dirname(p)
        return None

    def check_virtual(self, dataset: h5py.Dataset) -> None:
        """Apply the link policy to a virtual dataset's sources.

        A VDS is a link in all but name: a source outside the allowed
        directories (directly, or through an external link inside this file)
        is refused; a missing source warns, because HDF5 then silently returns
        the fill value for that part of the data.
        """
        for source, reason in self.virtual_problems(dataset):
            where = f"{self.filename}:{dataset.name}: virtual dataset source"
            if reason == "outside":
                raise ResolveError(
                    f"{where} {source} lies outside the allowed directories "
                    "(allow it with allow_dirs= or MAPPER_ALLOWED_DIRS)"
                )
            self.warn_once(
                f"vds:{dataset.name}:{source}",
                dataset.name,
                f"virtual dataset source {source} is {reason}; that part of the data reads as "
                "the fill value",
            )

    def virtual_problems(self, dataset: h5py.Dataset) -> list[tuple[str, str]]:
        """``(source, reason)`` for each unusable source of a virtual dataset (none if not VDS).

        ``reason`` is ``"outside"`` (outside the allowed directories),
        ``"missing"``, or why an in-file source is absent. Reads no data.
        """
        if not dataset.is_virtual:
            return []
        here = Path(self.filename).resolve().parent
        out: list[tuple[str, str]] = []
        for vs in dataset.virtual_sources():
            if vs.file_name in (".", ""):
                if self.get(vs.dset_name) is not None:
                    continue
                out.append((vs.dset_name, self.why_absent(vs.dset_name) or "missing"))
                continue
            target = Path(vs.file_name)
            target = (target if target.is_absolute() else here / target).resolve()
            if not is_within(target, self.allowed):
                out.append((vs.file_name, "outside"))
            elif not target.exists():
                out.append((vs.file_name, "missing"))
        return out

    def children(self, path: str) -> Iterator[tuple[str, Any]]:
        """``(child_path, object)`` for each resolvable child of the group at ``path``."""
        group = self.get(path)
        if not isinstance(group, h5py.Group):
            return
        try:
            raw = member_names(group)
        except (RuntimeError, OSError) as exc:  # pragma: no cover
            raise ResolveError(f"{self.filename}:{path}: cannot list group ({exc})") from None
        for name in map(_decoded, raw):
            cp = child_path(path, name)
            obj = self.get(cp)
            if obj is not None:
                yield cp, obj

    def walk_groups(self, path: str) -> Iterator[tuple[str, h5py.Group]]:
        """The group at ``path`` and every group below it, each object once (cycle-safe)."""
        seen: set[Any] = set()
        stack = [path]  # depth-first, children in file order
        while stack:
            p = stack.pop()
            obj = self.get(p)
            if not isinstance(obj, h5py.Group) or _key(obj) in seen:
                continue
            seen.add(_key(obj))
            yield p, obj
            kids = [cp for cp, c in self.children(p) if isinstance(c, h5py.Group)]
            stack.extend(reversed(kids))

    # -- expressions
    def resolve(self, expr: str, env: dict[str, Any]) -> list[Target]:
        """All targets of ``expr``; ``env`` maps anchor and variable names to values.

        In a file opened read-only the answer is remembered (per expression and
        the values it uses): validation asks the same paths many times.
        """
        if not self._readonly:
            return self._resolve(expr, env)
        key = (expr, self.convention, *_used(expr, env))
        try:
            return list(self._resolved[key])
        except KeyError:
            found = self._resolved[key] = self._resolve(expr, env)
            return list(found)
        except TypeError:  # a value that is no hashable path (a list of paths)
            return self._resolve(expr, env)

    def _resolve(self, expr: str, env: dict[str, Any]) -> list[Target]:
        parsed = parse_path(expr, self.convention)
        if parsed.anchor is not None:
            if parsed.anchor not in env or env[parsed.anchor] is None:
                return []
            bases = env[parsed.anchor]
            bases = bases if isinstance(bases, list) else [bases]
        else:
            bases = ["/"]
        current = [str(b) for b in bases]
        for seg in parsed.segments:
            current = self._step(current, seg.bind(env, expr))
            if not current:
                return []
        current = self._distinct_objects(current)
        if parsed.attr is None:
            return [Target(p) for p in current]
        out = []
        for p in current:
            obj = self.get(p)
            if obj is not None and _has_attr(obj, parsed.attr):
                out.append(Target(p, parsed.attr))
        return out

    def _distinct_objects(self, paths: list[str]) -> list[str]:
        """Drop paths that reach an object already listed (through a soft link)."""
        seen: set[Any] = set()
        out = []
        for p in paths:
            obj = self.get(p)
            key = _key(obj) if obj is not None else p
            if key not in seen:
                seen.add(key)
                out.append(p)
        return out

    def _step(self, paths: list[str], seg: Segment) -> list[str]:
        out: list[str] = []
        for p in paths:
            if seg.special == "..":
                out.append(posixpath.dirname(p) or "/")
            elif seg.special == "**":
                out.extend(gp for gp, _ in self.walk_groups(p))
            elif seg.is_literal:  # one name (with or without a class): no listing
                child = child_path(p, seg.name or "")
                obj = self.get(child)
                if obj is not None and (seg.cls is None or self.group_class(obj) == seg.cls):
                    out.append(child)
            else:
                for cp, obj in self.children(p):
                    name = cp.rsplit("/", 1)[-1]
                    if seg.name is not None and not fnmatch.fnmatchcase(name, seg.name):
                        continue
                    if seg.cls is not None and self.group_class(obj) != seg.cls:
                        continue
                    out.append(cp)
        return list(dict.fromkeys(out))  # first occurrences, in order


_HARD = h5py.HardLink()


def _decoded(name: bytes) -> Any:
    """A member name as h5py gives it: text when it is UTF-8, else the bytes."""
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        return name


def _used(expr: str, env: dict[str, Any]) -> tuple[Any, ...]:
    """The values of the names ``expr`` uses (a cache key: lists become tuples)."""
    out = []
    for name in template_names(expr):
        value = env.get(name)
        out.append(tuple(value) if isinstance(value, list) else value)
    return tuple(out)


def _has_attr(obj: Any, name: str) -> bool:
    try:
        return name in obj.attrs
    except (OSError, RuntimeError):  # pragma: no cover
        return False


def _key(obj: Any) -> Any:
    """A hashable identity of an HDF5 object (a file's root has an unhashable FileID)."""
    return obj["/"].id if isinstance(obj, h5py.File) else obj.id
