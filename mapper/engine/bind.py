"""Anchor binding, shared by reading, writing checks and validation.

A mapping's anchors are resolved in order; each gives every environment
(anchor name -> HDF5 path, list of paths, or None) its matches. ``select``
says what several matches mean: ``each`` one environment per match (one
signal each), ``all`` the list, ``first`` the first, ``one`` exactly one.
What an absent or ambiguous anchor means differs: reading raises or skips a
signal, validation reports a finding and goes on. That is the
:class:`Binder`'s to say; the walk is the same.
"""

from __future__ import annotations

from typing import Any, Protocol

from mapper.language.model import Anchor

__all__ = ["Binder", "Env", "bind"]

#: Anchor and variable names -> a path, a list of paths, or None (absent).
Env = dict[str, Any]


class Binder(Protocol):
    """What a binding walk asks of its caller."""

    def matches(self, anchor: Anchor, env: Env) -> list[str]:
        """The paths ``anchor`` matches in ``env``."""

    def absent(self, anchor: Anchor, env: Env, several: bool) -> bool:
        """``anchor`` matches nothing: keep ``env`` (with the anchor None), or drop it.

        ``several``: there are other environments (other signals) beside this one.
        """

    def ambiguous(self, anchor: Anchor, matches: list[str]) -> None:
        """A ``select: one`` anchor matches several objects (the first is used if this returns)."""


def bind(anchors: tuple[Anchor, ...], binder: Binder) -> list[Env]:
    """One environment per signal, after every anchor is resolved in order."""
    envs: list[Env] = [{}]
    for anchor in anchors:
        following: list[Env] = []
        for env in envs:
            matches = binder.matches(anchor, env)
            if not matches:
                if binder.absent(anchor, env, len(envs) > 1):
                    following.append({**env, anchor.name: None})
            elif anchor.select == "each":
                following.extend({**env, anchor.name: m} for m in matches)
            elif anchor.select == "all":
                following.append({**env, anchor.name: matches})
            else:
                if anchor.select == "one" and len(matches) > 1:
                    binder.ambiguous(anchor, matches)
                following.append({**env, anchor.name: matches[0]})
        envs = following
    return envs
