"""Regression tests for problems found in review."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper
from mapper.cli import main

HEAD = 'mapping: "1"\nname: m\n'


def write_mapping(tmp_path, body):
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + body)
    return path


def test_anchor_builtin_arguments_are_checked(tmp_path):
    path = write_mapping(tmp_path, """anchors:
  g: {builtin: nxdata.groups, args: {foo: 1}, select: each}
signal:
  data: {path: /d}
""")
    (problem,) = mapper.check_file(path)
    assert "m.yaml:4:" in problem and "no argument 'foo'" in problem


def test_tree_style_is_checked(tmp_path):
    path = write_mapping(tmp_path, """signal:
  data: {path: /d}
  original_metadata: {tree: /, args: {style: fancy}}
""")
    (problem,) = mapper.check_file(path)
    assert "tree style must be one of value_attrs, plain, not 'fancy'" in problem


def test_deferred_tree_survives_a_chdir(nexus, monkeypatch, tmp_path):
    path = nexus(lambda f: write_nxdata(entry(f, title="x").create_group("d"), np.zeros(2)))
    monkeypatch.chdir(path.parent)
    (s,) = mapper.load(path.name)  # a relative path
    (s_lazy,) = mapper.load(path.name, lazy=True)
    monkeypatch.chdir(tmp_path.parent)
    assert s["original_metadata"]["title"]["value"] == "x"
    assert s_lazy["data"].compute().shape == (2,)


@pytest.mark.parametrize(("stored", "expected"), [("false", False), ("true", True), (0, False)])
def test_navigate_from_a_source_is_strict(tmp_path, stored, expected):
    mpath = write_mapping(tmp_path, """signal:
  data: {path: /d}
  axes:
    - {name: x, navigate: {path: /d/@nav}}
""")
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.zeros(3)
        f["d"].attrs["nav"] = stored
    (s,) = mapper.load(path, schema=str(mpath))
    assert s["axes"][0]["navigate"] is expected


def test_navigate_from_a_source_rejects_non_booleans(tmp_path):
    mpath = write_mapping(tmp_path, """signal:
  data: {path: /d}
  axes:
    - {name: x, navigate: {path: /d/@nav}}
""")
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.zeros(3)
        f["d"].attrs["nav"] = "maybe"
    with pytest.raises(mapper.MapperError, match="'maybe' is not a boolean"):
        mapper.load(path, schema=str(mpath))


def test_check_goes_on_after_a_missing_file(tmp_path, capsys):
    good = write_mapping(tmp_path, "signal:\n  data: {path: /d}\n")
    code = main(["check", str(tmp_path / "missing.yaml"), str(good)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "missing.yaml: mapping file not found" in err
    assert f"{good}: ok" in out


def test_memory_message_uses_readable_units(nexus, monkeypatch):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(1000)))
    monkeypatch.setenv("MAPPER_MEMORY_LIMIT", "100")
    with pytest.raises(MemoryError, match=r"needs 7\.8 KiB but only 100 bytes"):
        mapper.load(path)
