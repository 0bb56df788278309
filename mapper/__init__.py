"""mapper: YAML mappings that read, write and validate HDF5 files as signal dicts.

>>> import mapper
>>> signals = mapper.load("scan.nxs")                  # doctest: +SKIP
>>> signals = mapper.load("scan.nxs", lazy=True)       # doctest: +SKIP
"""

from ._api import MappedFile, detect, load, mappings, open
from ._schema import check_file
from ._version import __version__
from .errors import MapperError, MapperWarning

__all__ = [
    "MappedFile",
    "MapperError",
    "MapperWarning",
    "__version__",
    "check_file",
    "detect",
    "load",
    "mappings",
    "open",
]
