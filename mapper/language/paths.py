"""The path grammar of the mapping language, and the one ``{name}`` template expansion.

Grammar (one expression)::

    expr     := [ "{" anchor "}" | "/" ] segment ("/" segment)* [ "/@" attr ]
    segment  := ".." | "**" | Class | name [":" Class]
    name     := literal or glob (* ? [...]), may contain {variable}

* Classes exist when the mapping names a convention that types groups
  (the ``convention:`` key). A bare class name then matches the children of
  that class; ``name:Class`` needs both; ``*:Class`` is the same as ``Class``.
  Without such a convention every segment is a name.
* ``**`` matches the group itself and every group below it (each object once).
* ``{anchor}`` at the start stands for the anchor's HDF5 path(s); ``{variable}``
  inside a segment for a for-each value. Expressions are parsed with their
  templates in place and values are put into the parsed segments, so a value
  holding ``:`` or glob characters is taken literally.

Resolution against a file lives in :mod:`mapper.hdf5.resolve`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mapper.errors import MappingError, ResolveError

if TYPE_CHECKING:  # pragma: no cover
    from mapper.registry import Convention

__all__ = [
    "ParsedPath",
    "PathSyntaxError",
    "Segment",
    "child_path",
    "expand",
    "parse_path",
    "template_names",
]

_TEMPLATE = re.compile(r"\{([A-Za-z_.][A-Za-z0-9_]*)\}")
_LEADING = re.compile(r"^\{([A-Za-z_.][A-Za-z0-9_]*)\}")
_GLOB = re.compile(r"[*?\[]")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class PathSyntaxError(MappingError):
    """A path expression is malformed."""


def child_path(parent: str, name: str) -> str:
    """``parent/name`` as an absolute HDF5 path (no doubled slash under the root)."""
    return f"{'' if parent == '/' else parent}/{name}"


def template_names(expr: str) -> list[str]:
    """Names inside ``{...}`` in an expression (anchors and variables)."""
    return list(_template_names(expr))


@functools.lru_cache(maxsize=8192)
def _template_names(expr: str) -> tuple[str, ...]:
    return tuple(_TEMPLATE.findall(expr))


def expand(text: str, env: Mapping[str, Any], *, keep_unknown: bool = True) -> str:
    """Put the string values of ``env`` into ``{name}`` templates of ``text``.

    The one plain template expansion of the package (messages, write paths,
    reports). A name that ``env`` lacks, or whose value is not a string or a
    number, is left as ``{name}`` (or raises :class:`ResolveError` when
    ``keep_unknown`` is false).
    """
    if "{" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        value = env.get(m.group(1))
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        if keep_unknown:
            return m.group(0)
        raise ResolveError(f"unbound name {m.group(0)} in {text!r}")

    return _TEMPLATE.sub(repl, text)


@dataclass(frozen=True)
class Segment:
    """One step of a path expression."""

    name: str | None  # literal or glob, may hold {variable}; None = any name
    cls: str | None = None  # the convention's class the object must have
    special: str | None = None  # "..", "**"

    @property
    def is_literal(self) -> bool:
        """True when this segment names exactly one child."""
        return self.special is None and self.name is not None and not _GLOB.search(self.name)

    @property
    def variables(self) -> list[str]:
        """The ``{variable}`` names in this segment's name."""
        return template_names(self.name or "")

    def bind(self, env: Mapping[str, Any], expr: str) -> Segment:
        """Return the segment with its variables replaced by their values (globs escaped)."""
        if not self.variables:
            return self

        def repl(m: re.Match[str]) -> str:
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

        return replace(self, name=_TEMPLATE.sub(repl, self.name or ""))


@dataclass(frozen=True)
class ParsedPath:
    """A parsed expression: absolute, or relative to ``{anchor}``; ``attr`` ends it."""

    absolute: bool
    anchor: str | None
    segments: tuple[Segment, ...]
    attr: str | None


@functools.lru_cache(maxsize=4096)
def parse_path(expr: str, convention: Convention | None = None) -> ParsedPath:
    """Parse an expression (templates left in place) or raise :class:`PathSyntaxError`.

    ``convention`` says which segments are classes; without one (or with one
    whose groups have no class) every segment is a name.
    """
    if not expr:
        raise PathSyntaxError("empty path")
    anchor = None
    rest = expr
    absolute = expr.startswith("/")
    m = _LEADING.match(expr)
    if m:
        anchor = m.group(1)
        rest = expr[m.end() :]
        if rest and not rest.startswith("/"):
            raise PathSyntaxError("an {anchor} must be followed by '/' or end the path")
    parts = rest.split("/")
    if parts and parts[0] == "":
        parts = parts[1:]
    attr = None
    if parts and parts[-1].startswith("@"):
        attr = parts.pop()[1:]
        if not attr:
            raise PathSyntaxError("'@' must be followed by an attribute name")
    segs: list[Segment] = []
    for p in parts:
        seg = _segment(p, parts, convention)
        if seg is not None:
            segs.append(seg)
    if not absolute and anchor is None and expr != "." and not expr.startswith("@"):
        absolute = True  # relative paths are relative to the root
    return ParsedPath(absolute, anchor, tuple(segs), attr)


def _segment(p: str, parts: list[str], convention: Convention | None) -> Segment | None:
    if p == "":
        if parts == [""]:
            return None
        raise PathSyntaxError("empty segment ('//')")
    if "@" in p:
        raise PathSyntaxError(f"'@' may only start the last segment (in {p!r})")
    if p in ("..", "**"):
        return Segment(None, special=p)
    if p == ".":
        return None
    if "{" in p and not _TEMPLATE.search(p):
        raise PathSyntaxError(f"unbalanced '{{' in {p!r}")
    if p.count(":") > 1:
        raise PathSyntaxError(f"segment {p!r} has more than one ':'")
    if ":" in p:
        name, cls = p.split(":")
        _check_class(cls, convention)
        return Segment(name or "*", cls)
    if convention is not None and convention.is_class(p):
        return Segment(None, p)
    return Segment(p)


def _check_class(cls: str, convention: Convention | None) -> None:
    if convention is None or convention.class_attr is None:
        raise PathSyntaxError(
            f"':{cls}' types a segment by its group class, but the mapping names no "
            "convention with group classes (add a 'convention:' key)"
        )
    if convention.class_pattern is None:  # classes of any name, always written name:Class
        if not _IDENTIFIER.fullmatch(cls):
            raise PathSyntaxError(f"{cls!r} is not a class name")
    elif not convention.is_class(cls):
        example = convention.class_example or convention.class_pattern
        raise PathSyntaxError(f"{cls!r} is not a {convention.name} class name ({example})")
