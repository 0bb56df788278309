"""Registry types for built-ins and transforms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._paths import Resolver


@dataclass(frozen=True)
class ArrayRef:
    """A bulk array in the file, materialised by the engine (eagerly or lazily).

    ``op`` is an element-wise post-processing step (``"square"``), applied
    eagerly with numpy or lazily with dask.
    """

    path: str
    op: str | None = None


@dataclass
class Context:
    """What a built-in may use: the resolver, the file name, load options and a warn hook."""

    resolver: Resolver
    filename: str
    options: dict[str, Any] = field(default_factory=dict)
    warn: Callable[[str], None] = print
    #: per-load memo for built-ins (keys are tuples starting with the built-in's name)
    memo: dict[Any, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Builtin:
    """A named algorithm callable from a mapping."""

    name: str
    kind: str  # "paths" or "value"
    func: Callable[..., Any]
    doc: str


@dataclass(frozen=True)
class Transform:
    """A reversible value transform: ``decode`` after reading, ``encode`` before writing."""

    name: str
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any] | None
    doc: str


REGISTRY: dict[str, Builtin] = {}
TRANSFORMS: dict[str, Transform] = {}


def register(name: str, kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` as built-in ``name`` of ``kind`` (``paths`` or ``value``)."""
    if kind not in ("paths", "value"):  # pragma: no cover
        raise ValueError(kind)

    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        REGISTRY[name] = Builtin(name, kind, func, doc)
        return func

    return deco


def transform(name: str, decode: Callable[[Any], Any], encode: Callable[[Any], Any] | None,
              doc: str) -> None:
    """Register a transform."""
    TRANSFORMS[name] = Transform(name, decode, encode, doc)
