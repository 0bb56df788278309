"""One format to another: read every signal of a file lazily, save them with another mapping.

The data streams from the source to the new file chunk by chunk (dask), so a
file larger than memory converts. What the target format cannot hold is
listed on the docs page of each format.
"""

from __future__ import annotations

import os
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any

from mapper.errors import WriteError
from mapper.language.model import Mapping

PathLike = str | os.PathLike[str]


def convert(
    source: PathLike,
    target: PathLike,
    to: str | None = None,
    *,
    schema: str | PathLike | Mapping | None = None,
    overwrite: bool = False,
    allow_dirs: list[PathLike] | None = None,
    search_path: list[PathLike] | None = None,
    load_options: dict[str, Any] | None = None,
    **save_options: Any,
) -> Path:
    """Convert ``source`` to ``target`` in the format of mapping ``to``.

    Parameters
    ----------
    source
        The file to read (any format a mapping reads).
    target
        The file to write; it must not exist unless ``overwrite``.
    to
        The mapping that writes ``target`` (any mapping that can write); default:
        the one that :func:`mapper.save` picks for the target's suffix.
    schema
        The mapping that reads ``source``; default: detected.
    overwrite
        Replace an existing ``target``.
    allow_dirs, search_path
        As for :func:`mapper.open`.
    load_options
        Options of the reading mapping (``{"dataset_key": "EDS"}``, ...).
    **save_options
        Passed to :func:`mapper.save` (``compression``, ``chunks``, ...).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    WriteError
        ``target`` is ``source``, or a value cannot be written in the target
        format (nothing is written).
    """
    from mapper.engine.session import MappedFile
    from mapper.engine.write import save, writer_for

    src, dst = Path(source), Path(target)
    to = to or writer_for(dst, search_path)  # an unknown suffix fails before reading
    if dst.exists() and src.exists() and os.path.samefile(src, dst):
        raise WriteError(f"{dst}: is the file being converted; write to another file")
    with MappedFile(src, allow_dirs=allow_dirs, search_path=search_path) as f:
        signals = f.load(schema, lazy=True, **(load_options or {}))
        for s in signals:
            s["original_metadata"] = plain(s.get("original_metadata") or {})
        save_options.setdefault("chunks", "signal")  # not the loader's dask blocks
        return save(
            dst,
            signals if len(signals) > 1 else signals[0],
            schema=to,
            overwrite=overwrite,
            search_path=search_path,
            **save_options,
        )


def plain(tree: Any) -> Any:
    """Nested mappings (deferred trees included) as plain dicts."""
    if isinstance(tree, AbcMapping):
        return {k: plain(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [plain(v) for v in tree]
    return tree
