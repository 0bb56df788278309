"""Signal dicts -> a new HDF5 file, laid out by a mapping: the read rules, inverted.

Where a value goes comes from the mapping's path sources (``signal.data``, each axis's
``values`` / ``scale`` / ``units``, ``metadata``); the ``layout`` adds the groups'
classes (under the mapping's convention), constant values, attributes and links;
``write`` adds the ``@default`` chain and root attributes. Sources that are built-ins,
trees or constants are read-only and skipped. Every value is checked against its rule's
constraints *before* anything is written; the file is written to a temporary name in the
target directory and renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mapper.engine.write_signal import plan_signal
from mapper.errors import MissingFileError, WriteError
from mapper.hdf5.write import (
    WriteOptions,
    WritePlan,
    apply_plan,
    atomic_write,
    fill,
    update_in_place,
    write_facts,
)
from mapper.language import schema as _schema
from mapper.registry import REGISTRY

PathLike = str | os.PathLike[str]


#: ``save(compression=...)`` not given: use the mapping's ``write.compression``.
MAPPING_DEFAULT: Any = "mapping-default"


def save(
    path: PathLike,
    signal: dict[str, Any] | list[dict[str, Any]],
    schema: str | None = None,
    *,
    overwrite: bool = False,
    compression: str | None = MAPPING_DEFAULT,
    chunks: bool | str | tuple[int, ...] | None = None,
    write_dataset: bool = True,
    show_progressbar: bool | None = None,
    search_path: list[PathLike] | None = None,
    **h5py_options: Any,
) -> Path:
    """Write one signal dict (or a list of them) into a file laid out by ``schema``.

    Parameters
    ----------
    path
        The file to write.
    signal
        A signal dict (``data``, ``axes``, ``metadata``, ...) or a list of them;
        with a list, the mapping's ``select: each`` group is written once per
        signal (``entry0000``, ``entry0001``, ...).
    schema
        A mapping name or YAML file whose rules say where every value goes;
        default: the mapping whose ``write.suffixes`` lists the file's suffix
        (see ``mapper schemas``).
    overwrite
        Replace an existing file. Without it an existing file is an error and
        is left untouched.
    compression
        Filter for the signal's data (``"gzip"``, ``"lzf"``, ``None``); default:
        the mapping's ``write.compression``. Shuffle is added
        only together with a compression filter.
    chunks
        Chunk shape of the signal's data; default: the dask array's chunks, or
        whole signals per chunk of about ``write.chunk_bytes`` (1 MB);
        ``"signal"``: whole signals per chunk for dask data too; ``True``:
        h5py's guess.
    write_dataset
        ``False`` updates an existing file in place: metadata, axes and other
        encoded groups are rewritten, the data already stored is kept (it must
        have the signal's shape).
    show_progressbar
        Show a progress bar while dask data is written; default: on a terminal.
    search_path
        Extra directories with mapping files.
    **h5py_options
        Passed to h5py's ``create_dataset`` for the signal's data
        (``compression_opts``, ``shuffle``, ``fletcher32``, ``scaleoffset``, ...).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    WriteError
        A value breaks its rule or cannot be stored (wrong rank, units, a set
        in metadata, a required value absent): every problem is listed, with
        its place in the signal, and nothing is written.
    """
    target = Path(path)
    chosen = "" if schema else f" (chosen for the file name {target.name!r}; pass schema=NAME)"
    m = _schema.load_mapping(schema or writer_for(target, search_path), search_path)
    if compression is MAPPING_DEFAULT:
        compression = m.write.compression if m.write else None
    opts = WriteOptions(
        compression=compression,
        chunks=chunks,
        chunk_bytes=m.write.chunk_bytes if m.write else 1_000_000,
        h5py_options=h5py_options,
        show_progressbar=show_progressbar,
        write_dataset=write_dataset,
    )
    signals = signal if isinstance(signal, list) else [signal]
    if not signals:
        raise WriteError("nothing to save: the list of signals is empty")
    if write_dataset:
        if target.exists() and not overwrite:
            raise WriteError(f"{target}: exists; pass overwrite=True to replace it")
        if not target.parent.is_dir():
            raise MissingFileError(f"{target.parent}: no such directory")
    elif not target.is_file():
        raise MissingFileError(
            f"{target}: no such file (write_dataset=False updates an existing file)"
        )
    plan = WritePlan(convention=REGISTRY.convention(m.convention))
    for i, sig in enumerate(signals):
        before = len(plan.problems)
        plan_signal(m, sig, i, len(signals), plan, opts)
        if len(signals) > 1:  # say which signal each problem is about
            plan.problems[before:] = [
                p if p.startswith("signal ") else f"signal {i}: {p}" for p in plan.problems[before:]
            ]
    if plan.problems:
        raise WriteError(
            f"cannot save with mapping {m.name!r}{chosen}: " + "; ".join(plan.problems)
        )
    facts = write_facts(target.name)
    root = {k: fill(v, facts) for k, v in (m.write.root_attrs if m.write else ())}
    if write_dataset:
        atomic_write(target, overwrite, lambda h5: apply_plan(h5, plan, root, opts))
    else:
        update_in_place(target, lambda h5: apply_plan(h5, plan, root, opts))
    return target


def writer_for(target: Path, search_path: list[PathLike] | None = None) -> str:
    """The mapping that writes ``target`` by default: its ``write.suffixes`` has the suffix.

    On a tie the highest ``priority`` wins, then the name.
    """
    name = target.name.lower()
    found = [  # a broken mapping is reported when it is named, not here
        (len(s), m)
        for m in _schema.candidates(search_path)
        for s in m.write_suffixes
        if name.endswith(s) and len(name) > len(s)
    ]
    if not found:
        suffix = target.suffix.lower() or "files without a suffix"
        raise WriteError(
            f"{target}: no mapping writes {suffix} by default; "
            "pass schema=NAME (mapper schemas lists them)"
        )
    # the longest suffix that fits (.raw.h5 before .h5), then the highest priority
    return min(found, key=lambda lm: (-lm[0], -lm[1].priority, lm[1].name))[1].name
