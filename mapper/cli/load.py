"""``mapper load FILE``: the signals a file maps to, as JSON (no bulk data read)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from typing import Any

from mapper.cli.codes import EXIT_OK
from mapper.cli.options import add_data_command, parse_options


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``load`` command."""
    load = add_data_command(
        sub, "load", "Load a file lazily and print its signals as JSON (no bulk data)."
    )
    load.add_argument(
        "--original-metadata", action="store_true", help="include original_metadata in the JSON"
    )


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: small arrays as lists, bulk and dask arrays described."""
    import numpy as np

    from mapper.hdf5.write import is_dask

    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.size > 64:
            return f"<array {value.shape} {value.dtype}>"
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if is_dask(value):
        return f"<dask array {tuple(value.shape)} {value.dtype}>"
    return value


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``load`` command; returns the exit code."""
    from mapper.api import MappedFile

    with MappedFile(args.file, allow_dirs=args.allow_dir, search_path=args.mapping_path) as f:
        m = f.mapping(args.schema)
        signals = f.load(m, lazy=True, **parse_options(args.option, m))
        doc = {"file": args.file, "schema": m.name, "signals": []}
        for s in signals:
            item = {
                "shape": list(s["data"].shape),
                "dtype": str(s["data"].dtype),
                "axes": jsonable(s["axes"]),
                "metadata": jsonable(s["metadata"]),
            }
            if args.original_metadata:
                item["original_metadata"] = jsonable(s["original_metadata"])
            doc["signals"].append(item)
    json.dump(doc, out, indent=2, default=str, allow_nan=False)
    out.write("\n")
    return EXIT_OK
