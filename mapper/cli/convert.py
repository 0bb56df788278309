"""``mapper convert IN OUT --to hspy|nxdata|usid``."""

from __future__ import annotations

import argparse
from typing import Any

from mapper.cli.options import add_path_options
from mapper.errors import WriteError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``convert`` sub-command."""
    text = (
        "Convert a file to another format through the mappings (NeXus NXdata, HSpy, USID); "
        "the data streams chunk by chunk."
    )
    c = sub.add_parser("convert", help=text, description=text)
    c.add_argument("source", metavar="IN", help="file to read")
    c.add_argument("target", metavar="OUT", help="file to write")
    c.add_argument(
        "--to",
        required=True,
        metavar="MAPPING",
        help="format of OUT: hspy, nxdata or usid (or a mapping that can write)",
    )
    c.add_argument("--schema", "-s", help="mapping that reads IN (default: detect)")
    c.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    c.add_argument(
        "--compression",
        choices=["gzip", "lzf", "none"],
        help="filter for the data (default: the target mapping's)",
    )
    c.add_argument(
        "--option",
        "-o",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="option of the reading mapping, repeatable",
    )
    add_path_options(c)


def run(args: argparse.Namespace, out: Any) -> int:
    """Convert; print one line saying what was written."""
    from mapper.api import MappedFile
    from mapper.cli.options import parse_options
    from mapper.engine.convert import convert
    from mapper.language import schema as _schema

    with MappedFile(args.source, allow_dirs=args.allow_dir, search_path=args.mapping_path) as f:
        reader = f.mapping(args.schema)
    _schema.load_mapping(args.to, args.mapping_path)  # an unknown --to fails before reading
    extra: dict[str, Any] = {}
    if args.compression:
        extra["compression"] = None if args.compression == "none" else args.compression
    try:
        written = convert(
            args.source,
            args.target,
            to=args.to,
            schema=reader,
            overwrite=args.overwrite,
            allow_dirs=args.allow_dir,
            search_path=args.mapping_path,
            load_options=parse_options(args.option, reader),
            **extra,
        )
    except WriteError as exc:
        raise WriteError(str(exc).replace("pass overwrite=True", "pass --overwrite")) from None
    print(f"{args.source} ({reader.name}) -> {written} ({args.to})", file=out)
    return 0
