"""The ``mapper`` command.

Exit codes: 0 success, 1 problems found (``check``, ``validate``), 2 could not do the job
(bad file, no mapping, bad arguments). Errors are one line on stderr, never a
traceback (set ``MAPPER_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from mapper._version import __version__
from mapper.cli.options import add_path_options, parse_options
from mapper.errors import MapperError

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mapper",
        description="Read, check and describe HDF5 files (NeXus, HSpy, USID) "
        "through YAML mappings.",
    )
    p.add_argument("--version", action="version", version=f"mapper {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    show = _data_cmd(sub, "show", "Print a readable summary of the signals a file maps to.")
    show.add_argument("--metadata", action="store_true", help="also print the metadata tree")
    load = _data_cmd(
        sub, "load", "Load a file lazily and print its signals as JSON (no bulk data)."
    )
    load.add_argument(
        "--original-metadata", action="store_true", help="include original_metadata in the JSON"
    )
    chk = sub.add_parser(
        "check",
        help="Lint mapping files (exit 0 clean, 1 problems).",
        description="Lint mapping files (exit 0 clean, 1 problems).",
    )
    chk.add_argument("mappings", nargs="+", help="YAML mapping files or names")
    chk.add_argument("--mapping-path", action="append", default=[], metavar="DIR")
    from mapper.cli.convert import add_parser as add_convert
    from mapper.cli.validate import add_parser

    add_parser(sub)
    add_convert(sub)
    sch = sub.add_parser(
        "schemas",
        help="List the mappings that can be used.",
        description="List the mappings that can be used.",
    )
    sch.add_argument("--mapping-path", action="append", default=[], metavar="DIR")
    return p


def _data_cmd(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_: str
) -> argparse.ArgumentParser:
    """Add a command that reads one data file (``--schema``, ``--option``, directories)."""
    c = sub.add_parser(name, help=help_, description=help_)
    c.add_argument("file", help="HDF5 data file")
    c.add_argument("--schema", "-s", help="mapping name or YAML file (default: detect)")
    c.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="mapping option, repeatable (e.g. -o dataset_key=EDS)",
    )
    add_path_options(c)
    return c


def _describe_axis(ax: dict[str, Any]) -> str:
    kind = "nav" if ax.get("navigate") else "sig"
    name = ax.get("name") or "<index>"
    units = f" [{ax['units']}]" if ax.get("units") else ""
    if "axis" in ax:
        vals = ax["axis"]
        span = f"non-uniform {vals[0]:g} .. {vals[-1]:g}" if len(vals) else "empty"
    else:
        span = f"offset {ax['offset']:g}, scale {ax['scale']:g}"
    binned = ", binned" if ax.get("is_binned") else ""
    return f"{name}{units}: {ax['size']} ({kind}; {span}{binned})"


def _jsonable(value: Any) -> Any:
    import numpy as np

    from mapper.hdf5.write import is_dask

    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.size > 64:
            return f"<array {value.shape} {value.dtype}>"
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if is_dask(value):
        return f"<dask array {tuple(value.shape)} {value.dtype}>"
    return value


def _cmd_show(args: argparse.Namespace, out: Any) -> int:
    from mapper.api import MappedFile

    with MappedFile(args.file, allow_dirs=args.allow_dir, search_path=args.mapping_path) as f:
        m = f.mapping(args.schema)
        signals = f.load(m, lazy=True, **parse_options(args.option, m))
        print(f"{args.file}: mapping {m.name} ({m.title}); {len(signals)} signal(s)", file=out)
        for i, s in enumerate(signals):
            title = s["metadata"].get("General", {}).get("title", "")
            data = s["data"]
            print(f"[{i}] {title!r}: {data.dtype} {tuple(data.shape)}", file=out)
            for ax in s["axes"]:
                print(f"    {_describe_axis(ax)}", file=out)
            if args.metadata:
                text = json.dumps(_jsonable(s["metadata"]), indent=2, default=str)
                print("    metadata: " + text.replace("\n", "\n    "), file=out)
    return EXIT_OK


def _cmd_load(args: argparse.Namespace, out: Any) -> int:
    from mapper.api import MappedFile

    with MappedFile(args.file, allow_dirs=args.allow_dir, search_path=args.mapping_path) as f:
        m = f.mapping(args.schema)
        signals = f.load(m, lazy=True, **parse_options(args.option, m))
        doc = {"file": args.file, "schema": m.name, "signals": []}
        for s in signals:
            item = {
                "shape": list(s["data"].shape),
                "dtype": str(s["data"].dtype),
                "axes": _jsonable(s["axes"]),
                "metadata": _jsonable(s["metadata"]),
            }
            if args.original_metadata:
                item["original_metadata"] = _jsonable(s["original_metadata"])
            doc["signals"].append(item)
    json.dump(doc, out, indent=2, default=str, allow_nan=False)
    out.write("\n")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, out: Any) -> int:
    from mapper.language.schema import check_file, locate

    bad = unreadable = 0
    for name in args.mappings:
        try:
            locate(name, args.mapping_path)
        except MapperError as exc:  # could not check this one; go on with the others
            print(f"mapper: error: {exc}", file=sys.stderr)
            unreadable += 1
            continue
        problems = check_file(name, args.mapping_path)
        for p in problems:
            print(p, file=out)
        if problems:
            bad += 1
        else:
            print(f"{name}: ok", file=out)
    return EXIT_ERROR if unreadable else EXIT_PROBLEMS if bad else EXIT_OK


def _cmd_schemas(args: argparse.Namespace, out: Any) -> int:
    from mapper.language.schema import available, load_mapping

    for name, path in sorted(available(args.mapping_path).items()):
        try:
            title = load_mapping(path, args.mapping_path).title
        except MapperError as exc:
            title = f"(invalid: {exc})"
        print(f"{name:12s} {title}  [{path}]", file=out)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace, out: Any) -> int:
    from mapper.cli.validate import run

    return run(args, out)


def _cmd_convert(args: argparse.Namespace, out: Any) -> int:
    from mapper.cli.convert import run

    return run(args, out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # file names that are not UTF-8 print, escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    handlers = {
        "show": _cmd_show,
        "load": _cmd_load,
        "check": _cmd_check,
        "schemas": _cmd_schemas,
        "validate": _cmd_validate,
        "convert": _cmd_convert,
    }
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = handlers[args.command](args, sys.stdout)
            sys.stdout.flush()
        except MapperError as exc:
            if os.environ.get("MAPPER_DEBUG"):
                raise
            error, code = f"mapper: error: {exc}", EXIT_ERROR
        except BrokenPipeError:  # output piped into head & co: not an error of ours
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            # validate stopped before every file was checked: that is not "all valid"
            return EXIT_ERROR if args.command == "validate" else EXIT_OK
        except Exception as exc:  # a bug of ours: one line and exit 2, never "invalid" (1)
            if os.environ.get("MAPPER_DEBUG"):
                raise
            error, code = (
                (
                    f"mapper: internal error: {type(exc).__name__}: {exc} (please report "
                    "it; MAPPER_DEBUG=1 shows the traceback)"
                ),
                EXIT_ERROR,
            )
        except KeyboardInterrupt:  # pragma: no cover
            code = 130
    seen = set()
    for w in caught:  # the warnings explain the error, so they come first
        text = str(w.message)
        if issubclass(w.category, UserWarning) and text not in seen:
            seen.add(text)
            print(f"mapper: warning: {text}", file=sys.stderr)
    if error:
        print(error, file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
