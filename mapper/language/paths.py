"""Path expressions: parse them, and resolve them against an open HDF5 file.

Grammar (one expression)::

    expr     := [ "{" anchor "}" | "/" ] segment ("/" segment)* [ "/@" attr ]
    segment  := ".." | "**" | NXclass | name [":" NXclass]
    name     := literal or glob (* ? [...]), may contain {variable}

* ``NXentry`` alone matches children whose ``NX_class`` is ``NXentry``;
  ``entry:NXentry`` needs both; ``*:NXentry`` is the same as ``NXentry``.
* ``**`` matches the group itself and every group below it (each object once).
* ``{anchor}`` is replaced by the anchor's HDF5 path, ``{variable}`` by a
  for-each value (glob characters in it are taken literally).

Resolution never follows an external link out of the allowed directories
(a warning names the link and it counts as absent), survives soft-link cycles
and dangling links, and returns matches in the file's iteration order.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py

from mapper.errors import ResolveError
from mapper.hdf5.io import attr as _h5_attr
from mapper.hdf5.io import external_target, is_within, nx_class

_CLASS = re.compile(r"^NX[A-Za-z][A-Za-z0-9_]*$")
_TEMPLATE = re.compile(r"\{([A-Za-z_.][A-Za-z0-9_]*)\}")
_GLOB = re.compile(r"[*?\[]")


def child_path(parent: str, name: str) -> str:
    """``parent/name`` as an absolute HDF5 path (no doubled slash under the root)."""
    return f"{'' if parent == '/' else parent}/{name}"


class PathSyntaxError(ValueError):
    """A path expression is malformed."""


@dataclass(frozen=True)
class Segment:
    """One step of a path expression."""

    name: str | None  # literal or glob; None = any name
    nx_class: str | None = None
    special: str | None = None  # "..", "**"

    @property
    def is_literal(self) -> bool:
        """True when this segment names exactly one child."""
        return self.special is None and self.name is not None and not _GLOB.search(self.name)


@dataclass(frozen=True)
class ParsedPath:
    """A parsed expression; ``base`` is ``"/"`` or ``"{anchor}"``-free relative path start."""

    absolute: bool
    anchor: str | None
    segments: tuple[Segment, ...]
    attr: str | None


def template_names(expr: str) -> list[str]:
    """Names inside ``{...}`` in an expression."""
    return _TEMPLATE.findall(expr)


@functools.lru_cache(maxsize=4096)
def parse_path(expr: str) -> ParsedPath:
    """Parse an expression (templates left in place) or raise :class:`PathSyntaxError`."""
    if not expr:
        raise PathSyntaxError("empty path")
    anchor = None
    rest = expr
    m = re.match(r"^\{([A-Za-z_.][A-Za-z0-9_]*)\}", expr)
    absolute = expr.startswith("/")
    if m:
        anchor = m.group(1)
        rest = expr[m.end() :]
        if rest and not rest.startswith("/"):
            raise PathSyntaxError("an {anchor} must be followed by '/' or end the path")
    attr = None
    parts = [p for p in rest.split("/")]
    if parts and parts[0] == "":
        parts = parts[1:]
    if parts and parts[-1].startswith("@"):
        attr = parts.pop()[1:]
        if not attr:
            raise PathSyntaxError("'@' must be followed by an attribute name")
    segs = []
    for p in parts:
        if p == "":
            if parts == [""]:
                continue
            raise PathSyntaxError("empty segment ('//')")
        if "@" in p:
            raise PathSyntaxError(f"'@' may only start the last segment (in {p!r})")
        if p in ("..", "**"):
            segs.append(Segment(None, special=p))
            continue
        if p == ".":
            continue
        if p.count(":") > 1:
            raise PathSyntaxError(f"segment {p!r} has more than one ':'")
        if ":" in p:
            name, cls = p.split(":")
            if not _CLASS.match(cls):
                raise PathSyntaxError(f"{cls!r} is not an NX class name (NXsomething)")
            segs.append(Segment(name or "*", cls))
        elif _CLASS.match(p):
            segs.append(Segment(None, p))
        else:
            if "{" in p and not _TEMPLATE.search(p):
                raise PathSyntaxError(f"unbalanced '{{' in {p!r}")
            segs.append(Segment(p))
    if not absolute and anchor is None and expr not in (".",) and not expr.startswith("@"):
        # relative paths are relative to the root
        absolute = True
    return ParsedPath(absolute, anchor, tuple(segs), attr)


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
    """

    def __init__(
        self, h5file: h5py.File, allowed: tuple[Path, ...], warn: Callable[[str], None]
    ) -> None:
        self.file = h5file
        self.filename = h5file.filename
        self.allowed = allowed
        self._warn = warn
        self._warned: set[str] = set()
        self._cache: dict[str, Any] = {"/": h5file}
        #: why a path resolved to nothing: "outside", "cycle", "a dangling soft link", ...
        self.reasons: dict[str, str] = {}
        self._attrs: dict[tuple[Any, str], Any] = {}

    # -- objects
    def warn_once(self, key: str, message: str) -> None:
        """Warn once per key."""
        if key not in self._warned:
            self._warned.add(key)
            self._warn(message)

    def get(self, path: str) -> h5py.Group | h5py.Dataset | None:
        """The object at an absolute path, or None when absent, dangling or not allowed."""
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
                    f"{self.filename}:{path}: external link to {link.filename} "
                    "points outside the allowed directories; not followed "
                    "(allow it with allow_dirs= or MAPPER_ALLOWED_DIRS)",
                )
                return None
            if not target.exists():
                self.reasons[path] = "an external link to a missing file"
                self.warn_once(
                    path,
                    f"{self.filename}:{path}: external link to missing file "
                    f"{link.filename}; skipped",
                )
                return None
        try:
            return group[name]
        except RuntimeError as exc:
            if "too many links" in str(exc).lower():
                self.reasons[path] = "cycle"
                self.warn_once(path, f"{self.filename}:{path}: soft-link cycle; skipped")
                return None
            raise ResolveError(f"{self.filename}:{path}: cannot open ({exc})") from None
        except (KeyError, OSError) as exc:
            kind = "soft" if isinstance(link, h5py.SoftLink) else "external"
            if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
                self.reasons[path] = f"a dangling {kind} link"
                self.warn_once(path, f"{self.filename}:{path}: dangling {kind} link; skipped")
                return None
            raise ResolveError(f"{self.filename}:{path}: cannot open ({exc})") from None

    def attr(self, obj: Any, name: str) -> Any:
        """Attribute ``name`` of ``obj`` or None, read once per open file (HDF5 reads are slow)."""
        key = (obj.id, name)
        try:
            return self._attrs[key]
        except KeyError:
            value = self._attrs[key] = _h5_attr(obj, name)
            return value

    def nx_class(self, obj: Any) -> str | None:
        """The NX_class of ``obj`` (cached; see :func:`mapper.hdf5.io.nx_class`)."""
        key = (obj.id, "\0NX_class")
        try:
            return self._attrs[key]
        except KeyError:
            value = self._attrs[key] = nx_class(obj)
            return value

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
                f"{where} {source} is {reason}; that part of the data reads as the fill value",
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
            names = list(group.keys())
        except (RuntimeError, OSError) as exc:  # pragma: no cover
            raise ResolveError(f"{self.filename}:{path}: cannot list group ({exc})") from None
        for name in names:
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
            if not isinstance(obj, h5py.Group) or obj.id in seen:
                continue
            seen.add(obj.id)
            yield p, obj
            kids = [cp for cp, c in self.children(p) if isinstance(c, h5py.Group)]
            stack.extend(reversed(kids))

    # -- expressions
    def resolve(self, expr: str, env: dict[str, Any]) -> list[Target]:
        """All targets of ``expr``; ``env`` maps anchor and variable names to values."""
        parsed = parse_path(_substitute_vars(expr, env))
        if parsed.anchor is not None:
            if parsed.anchor not in env or env[parsed.anchor] is None:
                return []
            bases = env[parsed.anchor]
            bases = bases if isinstance(bases, list) else [bases]
        else:
            bases = ["/"]
        current = [str(b) for b in bases]
        for seg in parsed.segments:
            current = self._step(current, seg)
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
            key = obj.id if obj is not None else p
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
                if obj is not None and (seg.nx_class is None or self.nx_class(obj) == seg.nx_class):
                    out.append(child)
            else:
                for cp, obj in self.children(p):
                    name = cp.rsplit("/", 1)[-1]
                    if seg.name is not None and not fnmatch.fnmatchcase(name, seg.name):
                        continue
                    if seg.nx_class is not None and self.nx_class(obj) != seg.nx_class:
                        continue
                    out.append(cp)
        seen: set[str] = set()
        return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


_HARD = h5py.HardLink()


def _has_attr(obj: Any, name: str) -> bool:
    try:
        return name in obj.attrs
    except (OSError, RuntimeError):  # pragma: no cover
        return False


def _substitute_vars(expr: str, env: dict[str, Any]) -> str:
    """Replace ``{variable}`` in segments; a leading ``{anchor}`` is left to :func:`parse_path`."""
    if "{" not in expr[1:]:
        return expr  # nothing to substitute after a leading {anchor}

    def repl(m: re.Match[str]) -> str:
        if m.start() == 0:
            return m.group(0)
        name = m.group(1)
        if name not in env:
            raise ResolveError(f"unbound name {{{name}}} in path {expr!r}")
        value = env[name]
        if isinstance(value, list):
            raise ResolveError(
                f"{{{name}}} stands for several paths; use it at the start of {expr!r}"
            )
        text = str(value)
        if text.startswith("/"):
            raise ResolveError(f"{{{name}}} is a path; use it at the start of {expr!r}")
        return _GLOB.sub(lambda g: f"[{g.group(0)}]", text)

    return _TEMPLATE.sub(repl, expr)
