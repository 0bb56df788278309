"""The NeXus ``@default`` chain, walked once for the reader and for the check.

From a start group, each group's ``@default`` names the next group: a relative
name is joined to the group's path with :func:`posixpath.join`, an absolute
one (``/entry/data``) is taken as it is. The chain ends at the first NXdata
group other than the start. :func:`walk` follows it and returns where it went
and how it ended, as data: the ``nxdata.default`` built-in
(:mod:`.nxdata`) turns a broken chain into warnings, the ``default_chain``
check (:mod:`.checks`) into findings.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import h5py

from mapper.conventions.nexus.classes import nx_class
from mapper.errors import ResolveError
from mapper.hdf5.io import as_str

if TYPE_CHECKING:  # pragma: no cover
    from mapper.hdf5.resolve import Resolver

__all__ = ["MAX_STEPS", "Chain", "End", "default_attr", "walk"]

#: The most places a walk visits (the start and a fallback entry included); more is a cycle.
MAX_STEPS = 16

#: How a walk ended; every end but ``"nxdata"`` means the chain reaches no NXdata.
End = Literal["nxdata", "not_group", "no_default", "not_text", "dangling", "too_long"]


def default_attr(path: str) -> str:
    """The path of the ``@default`` attribute of the group at ``path``."""
    return f"{path.rstrip('/')}/@default"


@dataclass(frozen=True)
class Chain:
    """Where a walk of the ``@default`` chain went, and how it ended.

    ``end`` is one of:

    ``"nxdata"``
        :attr:`last` is an NXdata group (not the start): the chain's target.
    ``"not_group"``
        nothing resolvable, or a field, is at :attr:`last`.
    ``"no_default"``
        the group at :attr:`last` has no ``@default`` (:attr:`nx_class` is its class).
    ``"not_text"``
        its ``@default`` is not one string (:attr:`value`; :attr:`reason` says why).
    ``"dangling"``
        its ``@default`` (:attr:`name`) names nothing (:attr:`reason` says so).
    ``"too_long"``
        :data:`MAX_STEPS` places were visited without an end (a cycle?).
    """

    #: the group the walk started from
    start: str
    #: every place visited, in order: the start first, a fallback entry included
    steps: tuple[str, ...]
    end: End
    #: the ``NX_class`` of the last place (None: none, or not a group)
    nx_class: str | None = None
    #: the raw ``@default`` value of the last place (``"not_text"``)
    value: Any = None
    #: the ``@default`` text of the last place (``"dangling"``)
    name: str = ""
    #: what is wrong with the last place's ``@default`` (``"not_text"``, ``"dangling"``)
    reason: str = ""

    @property
    def last(self) -> str:
        """The last place visited: the target, or where the chain broke."""
        return self.steps[-1]

    @property
    def at(self) -> str:
        """The ``@default`` attribute of :attr:`last` (where a broken chain is reported)."""
        return default_attr(self.last)


def walk(resolver: Resolver, start: str, *, entry_fallback: bool = False) -> Chain:
    """Follow the ``@default`` chain from the group at ``start``.

    ``entry_fallback``: when the start has no ``@default``, go on from its first
    NXentry child (the reader's rule for the root; the fallback counts as a
    step). Attributes are read through ``resolver`` (cached); a damaged
    attribute or link raises its :class:`~mapper.errors.ResolveError`.
    """
    r = resolver
    steps: list[str] = []

    def stop(end: End, **kw: Any) -> Chain:
        return Chain(start, tuple(steps), end, **kw)

    here = start
    for _ in range(MAX_STEPS):
        steps.append(here)
        obj = r.get(here)
        if not isinstance(obj, h5py.Group):
            return stop("not_group")
        cls = nx_class(r, obj)
        if cls == "NXdata" and here != start:
            return stop("nxdata", nx_class=cls)
        value = r.attr(obj, "default")
        if value is None:
            if entry_fallback and here == start:
                entries = [p for p, o in r.children(here) if nx_class(r, o) == "NXentry"]
                if entries:
                    here = entries[0]
                    continue
            return stop("no_default", nx_class=cls)
        try:
            name = as_str(value, default_attr(here))
        except ResolveError as exc:
            return stop("not_text", nx_class=cls, value=value, reason=exc.reason)
        nxt = posixpath.join(here, name)  # an absolute name replaces the path
        if r.get(nxt) is None:
            reason = f"names {name!r}, which does not exist"
            return stop("dangling", nx_class=cls, name=name, reason=reason)
        here = nxt
    return stop("too_long")
