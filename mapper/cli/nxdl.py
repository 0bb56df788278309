"""``mapper nxdl``: NeXus application definitions (NXDL) as mappings.

``mapper nxdl FILE.nxdl.xml`` prints the mapping; ``-o OUT.yaml`` or
``--out-dir DIR`` writes it (several files need ``--out-dir``).
``mapper nxdl --all DEFDIR --out-dir DIR`` converts every application
definition of a definitions folder and writes the base-class index
(``--index FILE.json``; default: ``DIR/base_classes.json``). Every output
is written to a temporary name and renamed only once every conversion
succeeded; a bad definition is one line ``FILE:LINE: what`` and exit 2.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from mapper.cli.codes import EXIT_OK
from mapper.errors import MapperError, MissingFileError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``nxdl`` command."""
    p = sub.add_parser(
        "nxdl",
        help="Convert NeXus application definitions (NXDL) to mappings.",
        description="Convert NeXus application definitions (.nxdl.xml) to mappings: one "
        "file to stdout, -o or --out-dir, or a whole definitions folder with --all.",
    )
    p.add_argument("files", nargs="*", metavar="FILE.nxdl.xml", help="application definitions")
    p.add_argument(
        "--definitions",
        metavar="DIR",
        help="the definitions folder (base_classes/, applications/, "
        "contributed_definitions/); default: the folder above each file's folder",
    )
    p.add_argument(
        "--all",
        metavar="DEFDIR",
        dest="all_dir",
        help="convert every application definition of this definitions folder",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT.yaml", help="write the one mapping here")
    where.add_argument("--out-dir", metavar="DIR", help="write NAME.yaml files into DIR")
    p.add_argument(
        "--index",
        metavar="FILE.json",
        help="with --all: where the base-class index goes (default: OUT_DIR/base_classes.json)",
    )


_EXTENDS = re.compile(r"^extends: (\S+\.yaml)$", re.MULTILINE)


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse combinations that cannot mean anything (exit 2, one line)."""
    if args.all_dir and args.files:
        raise MapperError("nxdl: give FILEs or --all DEFDIR, not both")
    if not args.all_dir and not args.files:
        raise MapperError("nxdl: give FILE.nxdl.xml ... or --all DEFDIR")
    if args.all_dir and not args.out_dir:
        raise MapperError("nxdl: --all needs --out-dir DIR")
    if args.index and not args.all_dir:
        raise MapperError("nxdl: --index goes with --all")
    if len(args.files) > 1 and not args.out_dir:
        raise MapperError("nxdl: several files need --out-dir DIR")


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``nxdl`` command; returns the exit code."""
    from mapper.conventions.nexus.nxdl.convert import (
        convert_path,
        default_definitions,
        write_atomically,
    )
    from mapper.conventions.nexus.nxdl.generate import mapping_name
    from mapper.conventions.nexus.nxdl.library import Library

    _check_arguments(args)
    if args.all_dir:
        from mapper.nxdl import convert_all

        written = convert_all(args.all_dir, args.out_dir, args.index)
        print(
            f"{len(written) - 2} mappings in {args.out_dir}; base-class index {written[-2]}; "
            f"detection index {written[-1]}",
            file=out,
        )
        return EXIT_OK
    if args.definitions and not Path(args.definitions).is_dir():
        raise MissingFileError(f"{args.definitions}: no such directory")
    libraries: dict[Path, Library] = {}
    outputs: dict[Path, str] = {}
    for name in args.files:
        source = Path(name)
        folder = Path(args.definitions) if args.definitions else default_definitions(source)
        library = libraries.setdefault(folder, Library(folder))
        conv, text = convert_path(source, library)
        if args.output:
            outputs[Path(args.output)] = text
        elif args.out_dir:
            target = Path(args.out_dir) / f"{mapping_name(conv.defn)}.yaml"
            if target in outputs:
                raise MapperError(f"{source}: gives {target} too: convert it on its own")
            outputs[target] = text
        else:  # to stdout: the parent is looked up by name unless it sits here
            out.write(_parent_by_name(Path.cwd() / "-", text, {}))
    if outputs:
        for path in write_atomically(
            {p: _parent_by_name(p, t, outputs) for p, t in outputs.items()}
        ):
            print(f"wrote {path}", file=out)
    return EXIT_OK


def _parent_by_name(target: Path, text: str, outputs: dict[Path, str]) -> str:
    """``extends: parent.yaml`` -> ``extends: parent`` when no such file sits beside ``target``.

    A definition converted on its own extends the parent found by name on the
    search path (the shipped generated one, say), not a file that is not there.
    """
    m = _EXTENDS.search(text)
    if m is None:
        return text
    beside = target.parent / m.group(1)
    if beside in outputs or beside.exists():
        return text
    return text[: m.start()] + f"extends: {m.group(1)[: -len('.yaml')]}" + text[m.end() :]
