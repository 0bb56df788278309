"""What a layout entry declares about an object besides its constraints: links, mapping names.

``link_to``: the object is the same HDF5 object as (one of) the targets, with
the convention's link attribute when ``target_attr`` asks for it.
``names_mapping``: the object's text names a mapping that applies to the file.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from mapper.engine.items import link_text, short_text
from mapper.engine.rules import Rule, RuleEmit
from mapper.errors import MapperError
from mapper.hdf5.io import as_str
from mapper.language.paths import expand, template_names

if TYPE_CHECKING:
    from mapper.engine.validate import Validator


def _applies(v: Validator, text: str, name: str, emit: RuleEmit) -> None:
    """The mapping a value names must also detect the file (the case of a name matters)."""
    from mapper.engine.session import applies
    from mapper.language.schema import candidates

    found = next((c for c in candidates(v.search_path) if c.name == name), None)
    if found is None or found.match is None or applies(found, v.resolver, v.filename):
        return
    emit(
        "names_mapping",
        f"{text!r} looks like mapping {name!r}, but that mapping does not apply to this "
        "file (its match does not hold: the spelling or the case differ?); only the "
        "generic checks apply",
        severity="warning",
        expected=name,
        found=text,
    )


def names_mapping(v: Validator, obj: Any, emit: RuleEmit) -> None:
    """The value names a mapping on the search path (a definition the file declares)."""
    from mapper.language.schema import available

    text = short_text(obj)
    if text is None:
        emit("names_mapping", "is not a short text, so it names no mapping", severity="warning")
        return
    known = available(v.search_path)
    if text.lower() in known:
        _applies(v, text, text.lower(), emit)
        return
    close = difflib.get_close_matches(text.lower(), list(known), n=3, cutoff=0.6)
    hint = f" (closest: {', '.join(close)})" if close else ""
    emit(
        "names_mapping",
        f"{text!r} names no known mapping{hint}; only the generic checks apply",
        severity="warning",
        expected="a known mapping",
        found=text,
    )


def check_link(v: Validator, obj: Any, rule: Rule, env: dict[str, Any], emit: RuleEmit) -> None:
    """The object is the one ``link_to`` names (any of its matches), with ``@target`` if asked."""
    if any(env.get(n, "") is None for n in template_names(rule.link_to or "")):
        return  # the target's group is absent: that is the finding
    to = expand(rule.link_to or "", env)
    targets = v.engine.targets(rule.link_to or "", env)
    others = [o for o in (v.resolver.get(t.path) for t in targets) if o is not None]
    other = next((o for o in others if o.id == obj.id), others[0] if others else None)
    if other is None:
        emit("link", f"should be a link to {to}, which does not exist", expected=to)
        return
    if obj.id != other.id:
        emit(
            "link",
            f"is not the object at {to} (a copy, or a link to another object)",
            expected=to,
            found=link_text(v.resolver.file, obj.name),
        )
        return
    name = v.convention.link_attr
    if not rule.target_attr or name is None:
        return  # the mapping does not ask for the target's path on the link
    tattr = v.resolver.attr(obj, name)
    if tattr is None:
        emit("link", f"links to {to} but has no @{name} attribute", severity="info", expected=to)
        return
    try:
        tpath = as_str(tattr)
    except MapperError:
        emit("link", f"@{name} is not text", severity="warning", expected=to)
        return
    named = v.resolver.get(tpath)
    if named is None or named.id != other.id:
        emit(
            "link",
            f"@{name} names {tpath!r}, but the link points to {to}",
            severity="warning",
            expected=to,
            found=tpath,
        )
