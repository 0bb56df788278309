"""The tables of docs/appdefs.md are what docs/gen_appdefs_table.py makes from the shipped files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "gen_appdefs_table.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_appdefs_table", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_generated_tables_are_up_to_date():
    gen = _generator()
    page = gen.PAGE.read_text(encoding="utf-8")
    assert gen.render(page, gen.rows()) == page, (
        "docs/appdefs.md is out of date: run python docs/gen_appdefs_table.py"
    )


def test_every_shipped_definition_has_a_row():
    gen = _generator()
    rows = gen.rows()
    shipped = sorted(p.stem for p in (ROOT / "schemas" / "nxdl").glob("*.yaml"))
    assert [r.name for r in rows] == shipped
    assert len(rows) == 85
    assert sum(not r.contributed for r in rows) == 45
    page = gen.PAGE.read_text(encoding="utf-8")
    for r in rows:
        assert f"| `{r.name}` | `{r.nxdl}` |" in page
        assert r.required > 0


def test_every_header_note_is_listed_and_has_a_kind():
    gen = _generator()
    page = gen.PAGE.read_text(encoding="utf-8")
    for r in gen.rows():
        for note in r.notes:
            assert note.kind != "other", (r.name, note)
            assert f"| {note.line} | `{note.path}` |" in page.replace("\\|", "|")
