"""NeXus group classes: the ``NX_class`` attribute, read through the resolver's cache."""

from __future__ import annotations

from typing import Any

#: The attribute that holds a NeXus group's class.
CLASS_ATTR = "NX_class"


def nx_class(resolver: Any, obj: Any) -> str | None:
    """The ``NX_class`` of ``obj`` through ``resolver`` (cached there), whatever its convention."""
    return resolver.group_class(obj, CLASS_ATTR)  # type: ignore[no-any-return]
