"""The closed registry of named built-ins and transforms that mappings may call.

A built-in is an algorithm that a convention defines and that YAML cannot
express by itself (NXdata axis resolution, "uniform values -> offset/scale").
Each has a stable dotted name, a kind (``paths`` for anchors, ``value`` for
value sources) and tests of its own. Nothing outside this registry can be
called from a mapping: there is no ``eval``.
"""

from __future__ import annotations

from mapper.engine.registry import (
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
from mapper.conventions.generic import common  # noqa: F401  isort: skip
from mapper.conventions.hspy import builtins as _hspy  # noqa: F401  isort: skip
from mapper.conventions.nexus import checks, nxdata, nxdata_write, units  # noqa: F401  isort: skip
from mapper.conventions.usid import check as _usid_check, read as _usid_read  # noqa: F401  isort: skip
from mapper.engine import tree  # noqa: F401  isort: skip

__all__ = [
    "REGISTRY",
    "TRANSFORMS",
    "ArrayRef",
    "Builtin",
    "Context",
    "Transform",
    "WriteContext",
    "register",
    "writer",
]
