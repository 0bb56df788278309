"""Options the commands share: ``--option KEY=VALUE`` pairs and the directory options.

``--option`` pairs are typed by the options a mapping declares; ``--allow-dir``
and ``--mapping-path`` are added alike to every command that reads files.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mapper.errors import MapperError

if TYPE_CHECKING:
    from mapper.language.model import Mapping


def add_path_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-dir`` and ``--mapping-path`` (repeatable directories) to ``parser``."""
    parser.add_argument(
        "--allow-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="directory external links may point into",
    )
    parser.add_argument(
        "--mapping-path",
        action="append",
        default=[],
        metavar="DIR",
        help="extra directory of mapping files",
    )


def parse_options(pairs: list[str], mapping: Mapping) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs by the types the mapping declares for its options."""
    types = {o.name: o.type for o in mapping.options}
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise MapperError(f"--option {pair!r}: expected KEY=VALUE")
        kind = types.get(key)
        value: Any = raw
        if kind == "boolean":
            low = raw.strip().lower()
            if low not in ("true", "false", "yes", "no", "1", "0"):
                raise MapperError(f"--option {key}={raw}: expected true or false")
            value = low in ("true", "yes", "1")
        elif kind in ("integer", "number"):
            try:
                value = int(raw) if kind == "integer" else float(raw)
            except ValueError:
                raise MapperError(f"--option {key}={raw}: expected a {kind}") from None
        if kind == "string_list":
            value = [*out.get(key, []), raw]
        elif key in out:
            raise MapperError(f"--option {key} given twice")
        out[key] = value
    return out


def add_data_command(
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
