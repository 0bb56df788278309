"""The ``mapper`` command: check, schemas, and one-line errors (mapper.cli)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from mapper.cli import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, main

LOC = re.compile(r"^(?P<file>.+\.yaml):(?P<line>\d+):(?P<col>\d+): ")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p.resolve()


CLEAN = """
    mapping: "1"
    name: clean
    title: Clean
    signal:
      data: {path: /d}
"""

BAD = """
    mapping: "1"
    name: bad
    signal:
      data: {pth: /d}
      metadata:
        A.b: {const: 1, defualt: 2}
"""


def test_exit_codes_are_distinct():
    assert (EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR) == (0, 1, 2)


def test_check_clean(tmp_path, capsys):
    p = write(tmp_path, "clean.yaml", CLEAN)
    assert main(["check", str(p)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{p}: ok\n"
    assert err == ""


def test_check_shipped_by_name(capsys):
    assert main(["check", "nxdata"]) == 0
    out, _ = capsys.readouterr()
    assert out == "nxdata: ok\n"


def test_check_problems_prints_file_line_col(tmp_path, capsys):
    p = write(tmp_path, "bad.yaml", BAD)
    assert main(["check", str(p)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines == [
        f"{p}:4:10: /signal/data: unknown key 'pth' (did you mean 'path'?)",
        f"{p}:6:21: /signal/metadata/A.b: unknown key 'defualt' (did you mean 'default'?)",
    ]
    for line in lines:
        m = LOC.match(line)
        assert m is not None
        assert m["file"] == str(p)
    assert "Traceback" not in out + err


def test_check_several_files_reports_each(tmp_path, capsys):
    good = write(tmp_path, "clean.yaml", CLEAN)
    bad = write(tmp_path, "bad.yaml", BAD)
    assert main(["check", str(good), str(bad)]) == 1
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"{good}: ok"
    assert len(lines) == 3
    assert all(line.startswith(f"{bad}:") for line in lines[1:])


def test_check_semantic_problem(tmp_path, capsys):
    p = write(
        tmp_path,
        "sem.yaml",
        """
        mapping: "1"
        name: sem
        signal:
          data: {path: "{entry}/d", transform: strng}
    """,
    )
    assert main(["check", str(p)]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        f"{p}:4:16: /signal/data/path: unknown anchor or variable {{entry}} in '{{entry}}/d'",
        f"{p}:4:40: /signal/data/transform: unknown transform 'strng' (did you mean 'string'?)",
    ]


def test_check_yaml_error(tmp_path, capsys):
    p = write(
        tmp_path,
        "dup.yaml",
        """
        mapping: "1"
        name: dup
        name: again
    """,
    )
    assert main(["check", str(p)]) == 1
    out, _ = capsys.readouterr()
    assert out == f"{p}:3:1: duplicate key 'name' (first at line 2)\n"


def test_check_missing_mapping_file(tmp_path, capsys):
    p = tmp_path / "nope.yaml"
    assert main(["check", str(p)]) == 2  # could not check: not "problems found"
    _out, err = capsys.readouterr()
    assert err == f"mapper: error: {p}: mapping file not found\n"
    assert "Traceback" not in err


def test_check_with_mapping_path_for_extends(tmp_path, capsys):
    lib = tmp_path / "lib"
    lib.mkdir()
    write(lib, "base.yaml", CLEAN.replace("name: clean", "name: base"))
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: base
    """,
    )
    assert main(["check", str(child)]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"{child}:3:10: no mapping named 'base'")
    assert main(["check", str(child), "--mapping-path", str(lib)]) == 0
    out, _ = capsys.readouterr()
    assert out == f"{child}: ok\n"


def test_show_missing_file_is_one_line_error(tmp_path, capsys):
    missing = tmp_path / "missing.h5"
    assert main(["show", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n")
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mapper: error: ")
    assert str(missing) in lines[0]
    assert "Traceback" not in err


def test_show_bad_mapping_is_one_line_error(tmp_path, capsys):
    h5 = tmp_path / "f.h5"
    with h5py.File(h5, "w") as f:
        f["d"] = np.arange(3)
    bad = write(tmp_path, "bad.yaml", BAD)
    assert main(["show", str(h5), "--schema", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"mapper: error: 2 problems in mapping; first: {bad}:4:10:")
    assert "Traceback" not in err


def test_show_not_hdf5_is_one_line_error(tmp_path, capsys):
    p = tmp_path / "text.h5"
    p.write_text("not hdf5\n")
    assert main(["show", str(p)]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert err.startswith("mapper: error: ")


def test_show_with_custom_mapping(tmp_path, capsys):
    h5 = tmp_path / "f.h5"
    with h5py.File(h5, "w") as f:
        f["d"] = np.arange(6.0).reshape(2, 3)
    m = write(tmp_path, "clean.yaml", CLEAN)
    assert main(["show", str(h5), "-s", str(m)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"{h5}: mapping clean (Clean); 1 signal(s)"
    assert "float64 (2, 3)" in out
    assert err == ""


def test_show_warnings_go_to_stderr_once(tmp_path, capsys):
    h5 = tmp_path / "f.h5"
    with h5py.File(h5, "w") as f:
        f["d"] = np.arange(6.0).reshape(2, 3)
    m = write(
        tmp_path,
        "rec.yaml",
        """
        mapping: "1"
        name: rec
        signal:
          data: {path: /d}
          metadata:
            A.b: {path: /nope, required: recommended}
    """,
    )
    assert main(["show", str(h5), "-s", str(m)]) == 0
    _, err = capsys.readouterr()
    assert err.splitlines() == [
        f"mapper: warning: {h5}: recommended /nope not found (mapping {m}:6:10)"
    ]


def test_schemas_lists_nxdata(capsys):
    assert main(["schemas"]) == 0
    out, err = capsys.readouterr()
    names = [line.split()[0] for line in out.splitlines()]
    assert "nxdata" in names
    line = next(x for x in out.splitlines() if x.startswith("nxdata "))
    assert "NeXus plottable data" in line
    assert line.endswith("nxdata.yaml]")
    assert err == ""


def test_schemas_includes_mapper_path(tmp_path, monkeypatch, capsys):
    write(tmp_path, "mine.yaml", CLEAN.replace("name: clean", "name: mine"))
    monkeypatch.setenv("MAPPER_PATH", str(tmp_path))
    assert main(["schemas"]) == 0
    out, _ = capsys.readouterr()
    names = [line.split()[0] for line in out.splitlines()]
    assert "mine" in names
    assert "nxdata" in names


def test_no_command_is_usage_error(capsys):
    with pytest.raises(SystemExit) as ei:
        main([])
    assert ei.value.code == 2
    _, err = capsys.readouterr()
    assert "usage:" in err
