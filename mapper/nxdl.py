"""NeXus application definitions (NXDL) as mappings: the public API of the converter.

>>> from mapper import nxdl
>>> text = nxdl.convert("definitions/applications/NXmx.nxdl.xml")   # doctest: +SKIP
>>> nxdl.convert_all("definitions", "schemas/nxdl")                   # doctest: +SKIP

A definition becomes a mapping named after it in lower case (``NXmx`` ->
``nxmx``): one signal per NXentry whose ``definition`` names it, and a
``layout`` that states every group, field, attribute and link of the
definition, read as the NeXus manual says (required unless
``optional``/``recommended``/``minOccurs="0"``; ``nameType``; types and
units inherited from the base classes; ``extends``). What NXDL states that
a mapping cannot express is listed in the generated file's header
(:data:`NOT_EXPRESSIBLE` names the kinds). Bad input raises
:class:`NXDLError` (``FILE:LINE: what``) or
:class:`~mapper.errors.MissingFileError`.

The definitions folder is the layout of the NeXus definitions repository:
``base_classes/``, ``applications/``, ``contributed_definitions/`` and
``NXDL_VERSION``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mapper.conventions.nexus.nxdl import NOT_EXPRESSIBLE, NXDLError
from mapper.conventions.nexus.nxdl.base_index import base_classes_index as _index
from mapper.conventions.nexus.nxdl.convert import (
    INDEX_PATH,
    convert_folder,
    convert_path,
    default_definitions,
    index_text,
    write_atomically,
)
from mapper.conventions.nexus.nxdl.library import Library
from mapper.errors import MissingFileError

__all__ = [
    "INDEX_PATH",
    "NOT_EXPRESSIBLE",
    "NXDLError",
    "base_classes_index",
    "convert",
    "convert_all",
]

PathLike = str | os.PathLike[str]


def _folder(definitions: PathLike) -> Path:
    folder = Path(definitions)
    if not folder.is_dir():
        raise MissingFileError(f"{folder}: no such directory")
    return folder


def convert(source: PathLike, definitions: PathLike | None = None) -> str:
    """The mapping (YAML text) of one application definition.

    Parameters
    ----------
    source
        An ``.nxdl.xml`` file of category ``application``.
    definitions
        The definitions folder its base classes and parent definitions come
        from; default: the folder holding ``source``'s folder
        (``.../applications/NXmx.nxdl.xml`` -> ``...``).

    Returns
    -------
    str
        The mapping, starting with comment lines that name the NXDL release
        and file, and list what the mapping cannot express.

    Raises
    ------
    NXDLError
        ``FILE:LINE: what``: malformed XML, an unknown base class or parent,
        an ``extends`` loop, an unreadable dimension, no NXentry group.
    MissingFileError
        When ``source`` or ``definitions`` does not exist.
    """
    path = Path(source)
    folder = _folder(definitions) if definitions is not None else default_definitions(path)
    return convert_path(path, Library(folder))[1]


def convert_all(
    definitions: PathLike, out_dir: PathLike, index: PathLike | None = None
) -> list[Path]:
    """Convert every application definition (standard and contributed) of a folder.

    Parameters
    ----------
    definitions
        The definitions folder.
    out_dir
        Where ``NAME.yaml`` goes for each definition (it must exist).
    index
        Where ``base_classes.json`` goes; default: ``out_dir``. The shipped index,
        which the ``nexus.base_classes`` check reads, is :data:`INDEX_PATH`: pass it
        to regenerate the package's own.

    Returns
    -------
    list of Path
        The files written: the mappings by name, the base-class index, then the
        folder's detection index (``index.json``, see :mod:`mapper.language.index`).

    Raises
    ------
    NXDLError
        For the first definition that cannot be converted; nothing is written then.
    MissingFileError
        When a folder does not exist.
    """
    library = Library(_folder(definitions))
    out = _folder(out_dir)
    outputs = {out / name: text for name, text in convert_folder(library).items()}
    outputs[Path(index) if index is not None else out / "base_classes.json"] = index_text(library)
    written = write_atomically(outputs)
    from mapper.language.index import write_index

    written.append(write_index(out))  # detection then loads only the mapping it picks
    return written


def base_classes_index(definitions: PathLike) -> dict[str, Any]:
    """The index of every base class of a folder, flattened through ``extends``.

    Returns
    -------
    dict
        ``{"release": ..., "classes": {NAME: {"contributed", "extends",
        "fields", "patterns", "groups", "attributes"}}}``, the content of
        ``base_classes.json`` (see :mod:`mapper.conventions.nexus.nxdl.base_index`).
    """
    return _index(Library(_folder(definitions)))
