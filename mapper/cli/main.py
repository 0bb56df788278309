"""The ``mapper`` command: the parser, and dispatch to one module per command.

Exit codes: 0 success, 1 problems found (``check``, ``validate``), 2 could not do the job
(bad file, no mapping, bad arguments). Errors are one line on stderr, never a
traceback (set ``MAPPER_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, Protocol

from mapper._version import __version__
from mapper.cli.codes import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS
from mapper.errors import MapperError

__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_OK", "EXIT_PROBLEMS", "main"]


#: The commands, in the order ``mapper --help`` lists them: one module each.
COMMANDS = ("show", "load", "check", "validate", "convert", "schemas", "nxdl")


class Command(Protocol):
    """A command's module: it adds its parser and runs."""

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add the command and its arguments."""

    def run(self, args: argparse.Namespace, out: Any) -> int:
        """Run the command; return the exit code."""


def _module(name: str) -> Command:
    module: Command = importlib.import_module(f"mapper.cli.{name}")
    return module


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mapper",
        description="Read, check and describe HDF5 files (NeXus, HSpy, USID) "
        "through YAML mappings.",
    )
    p.add_argument("--version", action="version", version=f"mapper {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        _module(name).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    for stream in (sys.stdout, sys.stderr):  # file names that are not UTF-8 print, escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = _module(args.command).run(args, sys.stdout)
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
