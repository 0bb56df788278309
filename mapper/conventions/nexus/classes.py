"""NeXus group classes: the ``NX_class`` attribute, read through the resolver's cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mapper.hdf5.resolve import Resolver

#: The attribute that holds a NeXus group's class.
CLASS_ATTR = "NX_class"


def nx_class(resolver: Resolver, obj: Any) -> str | None:
    """The ``NX_class`` of ``obj`` through ``resolver`` (cached there), whatever its convention."""
    return resolver.group_class(obj, CLASS_ATTR)
