"""The NeXus convention: groups typed by ``NX_class``, NX types and unit categories.

Everything the engine needs to know about NeXus is declared here as one
:class:`~mapper.registry.Convention` that a mapping names with
``convention: nexus``; the NXdata algorithms and checks are built-ins of
their own modules (:mod:`.nxdata`, :mod:`.nxdata_write`, :mod:`.checks`).
"""

from __future__ import annotations

from mapper.conventions.nexus.classes import CLASS_ATTR, nx_class
from mapper.conventions.nexus.units import CATEGORIES, in_category
from mapper.registry import REGISTRY, Convention

#: The NXDL type each dtype family of the mapping language stands for.
TYPE_NAMES = {
    "integer": "NX_INT",
    "unsigned": "NX_UINT",
    "posint": "NX_POSINT",
    "float": "NX_FLOAT",
    "number": "NX_NUMBER",
    "complex": "NX_COMPLEX",
    "bool": "NX_BOOLEAN",
    "string": "NX_CHAR",
    "datetime": "NX_DATE_TIME",
    "binary": "NX_BINARY",
    "char_or_number": "NX_CHAR_OR_NUMBER",
}


def group_name(cls: str) -> str:
    """The name NeXus gives a group known only by its class: ``NXentry`` -> ``entry``."""
    return cls[2:].lower() if cls.startswith("NX") else cls.lower()


NEXUS = Convention(
    name="nexus",
    doc="NeXus: groups typed by NX_class, NXDL types and unit categories.",
    class_attr=CLASS_ATTR,
    class_pattern=r"NX[A-Za-z][A-Za-z0-9_]*",
    class_example="NXsomething",
    group_name=group_name,
    type_names=TYPE_NAMES,
    unit_categories=CATEGORIES,
    in_category=in_category,
    # NX_ANY: "any units", none included (NXtomo and NXmx data carry no @units)
    unitless=frozenset({"NX_UNITLESS", "NX_DIMENSIONLESS", "NX_ANY"}),
    default_attr="default",
    link_attr="target",
    custom_attr="custom",
    hint_unqualified=True,
)
REGISTRY.register(NEXUS)


# the NXdata built-ins and the checks register themselves on import
from mapper.conventions.nexus import base_classes, checks, nxdata, nxdata_write  # noqa: E402

__all__ = [
    "CLASS_ATTR",
    "NEXUS",
    "TYPE_NAMES",
    "base_classes",
    "checks",
    "group_name",
    "nx_class",
    "nxdata",
    "nxdata_write",
]
