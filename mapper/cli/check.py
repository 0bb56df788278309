"""``mapper check MAPPING...``: lint mapping files, ``file:line:col`` messages."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mapper.cli.codes import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS
from mapper.errors import MapperError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` command."""
    chk = sub.add_parser(
        "check",
        help="Lint mapping files (exit 0 clean, 1 problems).",
        description="Lint mapping files (exit 0 clean, 1 problems).",
    )
    chk.add_argument("mappings", nargs="+", help="YAML mapping files or names")
    chk.add_argument("--mapping-path", action="append", default=[], metavar="DIR")


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``check`` command; returns the exit code."""
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
