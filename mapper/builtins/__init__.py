"""The closed registry of named built-ins and transforms that mappings may call.

A built-in is an algorithm that a convention defines and that YAML cannot
express by itself (NXdata axis resolution, "uniform values -> offset/scale").
Each has a stable dotted name, a kind (``paths`` for anchors, ``value`` for
value sources) and tests of its own. Nothing outside this registry can be
called from a mapping: there is no ``eval``.
"""

from __future__ import annotations

from ._registry import (
                        REGISTRY,
                        TRANSFORMS,
                        ArrayRef,
                        Builtin,
                        Context,
                        Transform,
                        WriteContext,
                        register,
                        writer,
)

# importing the modules fills the registry
from . import common, hspy, nxdata, nxdata_write, tree, units, usid, usid_check  # noqa: F401  isort: skip

__all__ = ["REGISTRY", "TRANSFORMS", "ArrayRef", "Builtin", "Context", "Transform", "WriteContext",
           "register", "writer"]
