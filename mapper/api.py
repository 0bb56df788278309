"""The public entry points, thin: each calls the layers below.

``open``/``load``/``detect`` go through :mod:`mapper.engine.session`,
``validate`` through :mod:`mapper.engine.validate`, ``save`` through
:mod:`mapper.engine.write`, ``convert`` through :mod:`mapper.engine.convert`
and ``check_file`` through :mod:`mapper.language.schema`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mapper.engine.convert import convert
from mapper.engine.report import Report
from mapper.engine.session import MappedFile
from mapper.engine.write import save
from mapper.language import schema as _schema
from mapper.language.model import Mapping
from mapper.language.schema import check_file

__all__ = [
    "MappedFile",
    "check_file",
    "convert",
    "detect",
    "load",
    "mappings",
    "open",
    "save",
    "validate",
]

PathLike = str | os.PathLike[str]


def open(
    path: PathLike,
    allow_dirs: list[PathLike] | None = None,
    search_path: list[PathLike] | None = None,
) -> MappedFile:
    """Open a data file for reading; use as a context manager (see :class:`MappedFile`)."""
    return MappedFile(path, allow_dirs=allow_dirs, search_path=search_path)


def load(
    path: PathLike,
    schema: str | PathLike | Mapping | None = None,
    lazy: bool = False,
    *,
    allow_dirs: list[PathLike] | None = None,
    search_path: list[PathLike] | None = None,
    defer_metadata: bool = True,
    **options: Any,
) -> list[dict[str, Any]]:
    """Read a file into a list of signal dicts (RosettaSciIO convention).

    Parameters
    ----------
    path
        The HDF5 file.
    schema
        A shipped mapping name (``mapper schemas`` lists them), a path to a YAML mapping, or
        None to detect the mapping from the file.
    lazy
        Return dask arrays chunked along the on-disk chunks; no bulk data is
        read. Lazy arrays open the file when computed (or use the handle of an
        enclosing :func:`mapper.open` block).
    allow_dirs
        Extra directories that external links may point into.
    search_path
        Extra directories with mapping files.
    defer_metadata
        True (default): ``original_metadata`` is a mapping read from the file on
        first use (fast loads of files with thousands of metadata datasets).
        False: it is read now, as a plain ``dict`` that no longer needs the file.
    **options
        Options declared by the mapping (for example ``dataset_path``,
        ``dataset_key``, ``metadata_key``, ``skip_array_metadata``,
        ``use_default``).

    Returns
    -------
    list of dict
        ``{"data", "axes", "metadata", "original_metadata"}`` per signal.

    Raises
    ------
    MapperError
        A one-line message for every kind of bad input.
    """
    with MappedFile(path, allow_dirs=allow_dirs, search_path=search_path) as f:
        return f.load(schema, lazy=lazy, defer_metadata=defer_metadata, **options)


def detect(
    path: PathLike,
    search_path: list[PathLike] | None = None,
    allow_dirs: list[PathLike] | None = None,
) -> str:
    """The name of the mapping that :func:`load` would use for ``path``."""
    with MappedFile(path, allow_dirs=allow_dirs, search_path=search_path) as f:
        return f.detect().name


def mappings(search_path: list[PathLike] | None = None) -> dict[str, Path]:
    """Every mapping name that can be used, with its file."""
    return _schema.available(search_path)


def validate(
    path: PathLike,
    schema: str | PathLike | Mapping | None = None,
    *,
    allow_dirs: list[PathLike] | None = None,
    search_path: list[PathLike] | None = None,
) -> Report:
    """Check a file against a mapping's rules; return a :class:`~mapper.Report`.

    Parameters
    ----------
    path
        The HDF5 file.
    schema
        A mapping name, a YAML file, or None to detect it from
        the file as :func:`load` does.
    allow_dirs
        Extra directories that external links may point into.
    search_path
        Extra directories with mapping files.

    Returns
    -------
    Report
        ``report.ok`` is True when no finding is an error; ``report.findings``
        lists every finding with its severity, rule id, HDF5 path, message and
        mapping location. Only attributes and small arrays are read.

    Raises
    ------
    MapperError
        When the file cannot be checked at all: missing, not HDF5, or no
        mapping matches (the CLI reports these with exit code 2).
    """
    from mapper.engine.validate import validate_file

    return validate_file(path, schema, allow_dirs=allow_dirs, search_path=search_path)
