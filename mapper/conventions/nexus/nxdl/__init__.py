"""NXDL (NeXus definition language) to mapping converter.

An NXDL application definition (``applications/NXmx.nxdl.xml``) becomes a
mapping (``nxmx.yaml``) that the generic engine runs: one signal per
NXentry whose ``definition`` is the definition's name, and a ``layout``
with every group, field, attribute and link the definition states, with
their optionality, types, units, enumerations, shapes and links
(``mapper validate`` checks files against it). The modules, in the order
the data flows:

``xmltree``
    XML with line numbers (expat), malformed XML as ``FILE:LINE: what``.
``parse``, ``model``
    the typed model of a definition, read as the NeXus manual states.
``library``
    the definitions of a folder (``base_classes``, ``applications``,
    ``contributed_definitions``), found by name, parsed once.
``base_index``
    base classes flattened through ``extends``: the types and units an
    application definition inherits, and ``base_classes.json``.
``names``, ``constraints``, ``text``
    names as path segments and globs; types, units, enumerations and
    dimensions as constraints; docs as one line.
``layout``, ``generate``
    the layout entries and the whole mapping (a dict); ``extends``.
``emit``
    the mapping as deterministic YAML text.
``convert``
    jobs: one file, a whole folder, written atomically.

The public entry points are :mod:`mapper.nxdl` and ``mapper nxdl``.
"""

from __future__ import annotations

from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.conventions.nexus.nxdl.generate import NOT_EXPRESSIBLE

__all__ = ["NOT_EXPRESSIBLE", "NXDLError"]
