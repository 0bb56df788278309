"""``mapper schemas``: the mappings that can be used, with their titles and files."""

from __future__ import annotations

import argparse
from typing import Any

from mapper.cli.codes import EXIT_OK
from mapper.errors import MapperError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schemas`` command."""
    sch = sub.add_parser(
        "schemas",
        help="List the mappings that can be used.",
        description="List the mappings that can be used.",
    )
    sch.add_argument("--mapping-path", action="append", default=[], metavar="DIR")
    sch.add_argument(
        "--index",
        metavar="DIR",
        help="write DIR/index.json, which lets detection skip loading DIR's mappings",
    )


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``schemas`` command; returns the exit code."""
    from mapper.language.schema import available, load_mapping

    if args.index:
        from mapper.language.index import write_index

        print(write_index(args.index, args.mapping_path), file=out)
        return EXIT_OK
    from mapper.language.index import indexed_title

    found = sorted(available(args.mapping_path).items())
    width = max((len(name) for name, _ in found), default=0)
    for name, path in found:
        title = indexed_title(path)  # an up-to-date index spares loading all 90 mappings
        if title is None:
            try:
                title = load_mapping(path, args.mapping_path).title
            except MapperError as exc:
                title = f"(invalid: {exc})"
        print(f"{name:{width}s}  {title}  [{path}]", file=out)
    return EXIT_OK
