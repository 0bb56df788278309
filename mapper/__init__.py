"""mapper: YAML mappings that read, write and validate HDF5 files as signal dicts.

>>> import mapper
>>> signals = mapper.load("scan.nxs")                  # doctest: +SKIP
>>> signals = mapper.load("scan.nxs", lazy=True)       # doctest: +SKIP
>>> report = mapper.validate("scan.nxs", schema="nxtomo")  # doctest: +SKIP
>>> mapper.save("out.nxs", signals[0], schema="nxtomo")    # doctest: +SKIP
>>> mapper.convert("scan.nxs", "scan.hspy", to="hspy")     # doctest: +SKIP

The functions are imported on first use (h5py and numpy with them), so that
``import mapper`` stays fast for command-line tools and worker start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mapper._version import __version__
from mapper.errors import MapperError, MapperWarning

if TYPE_CHECKING:  # pragma: no cover
    from mapper.api import MappedFile, detect, load, mappings, open, validate
    from mapper.engine.convert import convert
    from mapper.engine.report import Finding, Report
    from mapper.engine.write import save
    from mapper.language.schema import check_file

__all__ = [
    "Finding",
    "MappedFile",
    "MapperError",
    "MapperWarning",
    "Report",
    "__version__",
    "check_file",
    "convert",
    "detect",
    "load",
    "mappings",
    "open",
    "save",
    "validate",
]

_LAZY = {
    "MappedFile": "mapper.api",
    "check_file": "mapper.api",
    "convert": "mapper.api",
    "detect": "mapper.api",
    "load": "mapper.api",
    "mappings": "mapper.api",
    "open": "mapper.api",
    "validate": "mapper.api",
    "save": "mapper.api",
    "Finding": "mapper.engine.report",
    "Report": "mapper.engine.report",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mapper' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
