"""The generated tables of ``docs/appdefs.md``, made from the shipped mappings.

Run from anywhere (``mapper`` must be importable)::

    python docs/gen_appdefs_table.py          # rewrite the generated blocks of the page
    python docs/gen_appdefs_table.py --check  # exit 1 when the page is out of date

Every table comes from ``schemas/nxdl/*.yaml`` (the mappings ``mapper nxdl``
generated from NXDL): the NXDL release and file from each file's header,
the counts from its layout after ``extends`` is applied (as ``mapper``
loads it), what ``load`` returns from its signal, and what NXDL states that
the mapping cannot express from the header's notes. A hand-written mapping
of the same name in ``schemas/`` (``nxtomo``, ``nxmonopd``) is named where it
takes over. Nothing in the tables is typed by hand: a test
(``tests/test_docs_appdefs.py``) fails when the page differs from what this
script makes.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mapper.language.model import Mapping
from mapper.language.schema import load_mapping

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
GENERATED = SCHEMAS / "nxdl"
PAGE = ROOT / "docs" / "appdefs.md"

_RELEASE = re.compile(r"^# NeXus definitions (\S+): (\S+)$")
_NOTE = re.compile(r"^#   line (\d+): (\S+): (.*)$")

#: How a header note reads -> the kind of statement it is (first match wins).
KINDS: tuple[tuple[str, str], ...] = (
    (r"^enumeration of arrays", "an enumeration whose items are arrays"),
    (r"^attribute of (partial|any) name", "an attribute whose name is a placeholder"),
    (r"^field '.*' of any name: only presence", "a required field of any name (presence only)"),
    (r"^(optional|recommended) field '.*' of any name", "an optional field of any name"),
    (r"^maxOccurs=0", "maxOccurs=0 (must be absent)"),
    (r"^(rank|dimension) '", "a rank or dimension read only in part (words, a sum)"),
    (r"^a second object at this path", "two objects at one path"),
    (r"alternative of a choice$", "the content of a choice's alternatives"),
)


@dataclass(frozen=True)
class Note:
    """One thing NXDL states that a generated mapping cannot express."""

    line: int
    path: str
    what: str

    @property
    def kind(self) -> str:
        """The kind of statement (:data:`KINDS`), or ``other``."""
        return next((k for pattern, k in KINDS if re.search(pattern, self.what)), "other")


@dataclass(frozen=True)
class Row:
    """One shipped application definition as the table shows it."""

    name: str
    release: str
    nxdl: str
    contributed: bool
    required: int
    recommended: int
    optional: int
    extends: str | None
    entry_keys: int
    notes: tuple[Note, ...]
    #: the hand-written mapping that takes the name, its title, and whether it extends this one
    override: tuple[str, str, bool] | None


def header(path: Path) -> tuple[str, str, tuple[Note, ...]]:
    """``(release, NXDL file, notes)`` from the comment lines at the top of a generated file."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    m = _RELEASE.match(lines[0]) if lines else None
    if m is None:
        raise SystemExit(f"{path}: no '# NeXus definitions RELEASE: FILE' header")
    notes = []
    for line in lines[1:]:
        n = _NOTE.match(line)
        if n is not None:
            notes.append(Note(int(n.group(1)), n.group(2), n.group(3)))
    return m.group(1), m.group(2), tuple(notes)


def counts(m: Mapping) -> tuple[int, int, int]:
    """``(required, recommended, optional)`` layout entries (the root's checks left out)."""
    entries = [e for e in m.layout if e.path != "/"]
    req = sum(1 for e in entries if e.required is True)
    rec = sum(1 for e in entries if e.required == "recommended")
    return req, rec, len(entries) - req - rec


def override(name: str) -> tuple[str, str, bool] | None:
    """The hand-written mapping called ``name`` in ``schemas/``, if any."""
    path = SCHEMAS / f"{name}.yaml"
    if not path.is_file():
        return None
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    extends = raw.get("extends") == f"{GENERATED.name}/{name}.yaml"
    return name, load_mapping(path).title, extends


def row(path: Path) -> Row:
    """The row of one generated mapping."""
    release, nxdl, notes = header(path)
    m = load_mapping(path)
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    parent = raw.get("extends")
    keys = [k for k, _ in (m.signal.metadata if m.signal else ()) if k.startswith("Entry.")]
    req, rec, opt = counts(m)
    return Row(
        name=m.name,
        release=release,
        nxdl=nxdl,
        contributed=nxdl.startswith("contributed_definitions/"),
        required=req,
        recommended=rec,
        optional=opt,
        extends=str(parent).removesuffix(".yaml") if parent else None,
        entry_keys=len(keys),
        notes=notes,
        override=override(m.name),
    )


def rows() -> list[Row]:
    """Every generated mapping, by name."""
    return [row(p) for p in sorted(GENERATED.glob("*.yaml"))]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _loads(r: Row) -> str:
    """What ``load`` returns with this mapping name."""
    generated = f"plottable NXdata; {r.entry_keys} `Entry.*` keys"
    if r.override is None:
        return generated
    name, title, extends = r.override
    how = "extends this one" if extends else "shadows this one, without extending it"
    return f"hand-written `{name}` ({how}): {_cell(title)}"


def _table(selected: Iterable[Row]) -> list[str]:
    out = [
        "| mapping | NXDL file | required | recommended | optional | extends "
        "| `load` returns | not checked |",
        "|---|---|--:|--:|--:|---|---|--:|",
    ]
    for r in selected:
        extends = f"`{r.extends}`" if r.extends else ""
        notes = f"[{len(r.notes)}](#not-checked-{r.name})" if r.notes else ""
        out.append(
            f"| `{r.name}` | `{r.nxdl}` | {r.required} | {r.recommended} | {r.optional} "
            f"| {extends} | {_loads(r)} | {notes} |"
        )
    return out


def table_block(all_rows: list[Row]) -> list[str]:
    """The two tables of the shipped definitions: standard, then contributed."""
    standard = [r for r in all_rows if not r.contributed]
    contributed = [r for r in all_rows if r.contributed]
    releases = sorted({r.release for r in all_rows})
    out = [
        f"{len(all_rows)} mappings in `schemas/nxdl/`: {len(standard)} standard and "
        f"{len(contributed)} contributed application definitions of the NeXus definitions "
        f"{', '.join(releases)}.",
        "",
        f"### Standard application definitions ({len(standard)})",
        "",
        *_table(standard),
        "",
        f"### Contributed application definitions ({len(contributed)})",
        "",
        *_table(contributed),
    ]
    return out


def notes_block(all_rows: list[Row]) -> list[str]:
    """What the generated mappings leave out: a summary by kind, then every item."""
    by_kind: dict[str, dict[str, int]] = {}
    for r in all_rows:
        for n in r.notes:
            per = by_kind.setdefault(n.kind, {})
            per[r.name] = per.get(r.name, 0) + 1
    total = sum(len(r.notes) for r in all_rows)
    with_notes = [r for r in all_rows if r.notes]
    out = [
        f"{total} items in {len(with_notes)} definitions; the other "
        f"{len(all_rows) - len(with_notes)} are expressed whole.",
        "",
        "| what NXDL states | items | in |",
        "|---|--:|---|",
    ]
    for kind in sorted(by_kind, key=lambda k: (-sum(by_kind[k].values()), k)):
        per = by_kind[kind]
        where = ", ".join(f"`{name}` ({n})" for name, n in sorted(per.items()))
        out.append(f"| {kind} | {sum(per.values())} | {where} |")
    for r in with_notes:
        out += [
            "",
            f'<a id="not-checked-{r.name}"></a>**`{r.name}`** (`{r.nxdl}`):',
            "",
            "| NXDL line | layout path | what is not checked |",
            "|--:|---|---|",
        ]
        out += [f"| {n.line} | `{_cell(n.path)}` | {_cell(n.what)} |" for n in r.notes]
    return out


BLOCKS = {"appdefs-table": table_block, "not-expressible": notes_block}


def _markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED {name}: python docs/gen_appdefs_table.py -->",
        f"<!-- END GENERATED {name} -->",
    )


def render(page: str, all_rows: list[Row]) -> str:
    """``page`` with every generated block made again."""
    for name, make in BLOCKS.items():
        begin, end = _markers(name)
        start, stop = page.find(begin), page.find(end)
        if start < 0 or stop < start:
            raise SystemExit(f"{PAGE}: markers of the block {name!r} not found")
        body = "\n".join(["", *make(all_rows), ""])
        page = page[: start + len(begin)] + "\n" + body + "\n" + page[stop:]
    return page


def main(argv: list[str] | None = None) -> int:
    """Rewrite the page, or with ``--check`` say whether it is up to date (exit 1 when not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    args = parser.parse_args(argv)
    old = PAGE.read_text(encoding="utf-8")
    new = render(old, rows())
    if args.check:
        if new != old:
            print(f"{PAGE} is out of date: run python docs/gen_appdefs_table.py", file=sys.stderr)
            return 1
        return 0
    if new != old:
        PAGE.write_text(new, encoding="utf-8")
        print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
