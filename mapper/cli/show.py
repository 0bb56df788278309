"""``mapper show FILE``: a readable summary of the signals a file maps to."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mapper.cli.codes import EXIT_OK
from mapper.cli.load import jsonable
from mapper.cli.options import add_data_command, parse_options


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``show`` command."""
    show = add_data_command(sub, "show", "Print a readable summary of the signals a file maps to.")
    show.add_argument("--metadata", action="store_true", help="also print the metadata tree")


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


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``show`` command; returns the exit code."""
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
                text = json.dumps(jsonable(s["metadata"]), indent=2, default=str)
                print("    metadata: " + text.replace("\n", "\n    "), file=out)
    return EXIT_OK
