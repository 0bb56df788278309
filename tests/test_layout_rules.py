"""Layout rules that application definitions need: per-parent presence, occurs, choices,
deprecated objects, open enumerations, ``nP+1`` lengths, rank spans, mapping names,
``fallback`` and the detection index.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import mapper
from mapper.language import index as _index
from mapper.language import schema as _schema

HEAD = """\
mapping: "1"
name: {name}
convention: nexus
anchors:
  entry: {{path: "/NXentry", select: each}}
signal:
  data: {{path: "{{entry}}/data"}}
"""


def mapping(tmp_path: Path, body: str, name: str = "rules", head: str = HEAD) -> Path:
    """A mapping file with a standard head and the given YAML body."""
    p = tmp_path / f"{name}.yaml"
    p.write_text(head.format(name=name) + textwrap.dedent(body))
    assert mapper.check_file(p) == [], mapper.check_file(p)
    return p


def nexus_file(tmp_path: Path, build) -> Path:
    p = tmp_path / "f.nxs"
    with h5py.File(p, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        e["data"] = np.arange(4)
        build(f, e)
    return p


def group(parent: h5py.Group, name: str, cls: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = cls
    return g


def findings(path: Path, m: Path) -> list[tuple[str, str, str, str]]:
    report = mapper.validate(path, schema=str(m))
    return [(f.severity, f.rule, f.path, f.message) for f in report.findings]


def test_required_child_is_required_in_every_parent_group(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/NXinstrument/NXdetector": {class: NXdetector}
          "{entry}/NXinstrument/NXdetector/distance": {dtype: float}
        """,
    )

    def build(f, e):
        inst = group(e, "instrument", "NXinstrument")
        group(inst, "det1", "NXdetector")["distance"] = 1.0
        group(inst, "det2", "NXdetector")

    got = findings(nexus_file(tmp_path, build), m)
    assert got == [("error", "required", "/entry/instrument/det2/distance", "required, missing")]


def test_required_child_of_an_absent_optional_group_is_not_reported(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/sample:NXsample": {class: NXsample, required: false}
          "{entry}/sample:NXsample/name": {dtype: string}
          "{entry}/NXmonitor": {class: NXmonitor, required: false}
          "{entry}/NXmonitor/mode": {dtype: string}
        """,
    )
    assert findings(nexus_file(tmp_path, lambda f, e: None), m) == []


def test_occurs_bounds_are_per_parent(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/NXinstrument": {class: NXinstrument, occurs: {max: 1}}
          "{entry}/NXinstrument/NXdetector": {class: NXdetector, occurs: {min: 2, max: 3}}
        """,
    )

    def build(f, e):
        group(group(e, "a", "NXinstrument"), "d", "NXdetector")
        group(e, "b", "NXinstrument")

    got = findings(nexus_file(tmp_path, build), m)
    assert ("error", "occurs", "/entry", "NXinstrument: 2 found where at most 1 is allowed") in got
    assert (
        "error",
        "occurs",
        "/entry/a",
        "NXdetector: 1 found where at least 2 are expected",
    ) in got
    assert (
        "error",
        "required",
        "/entry/b",
        "required: a group of class NXdetector, missing",
    ) in got


def test_class_choice(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/shape": {class: [NXoff_geometry, NXcylindrical_geometry]}
        """,
    )
    ok = nexus_file(tmp_path, lambda f, e: group(e, "shape", "NXcylindrical_geometry"))
    assert findings(ok, m) == []
    bad = nexus_file(tmp_path, lambda f, e: group(e, "shape", "NXsample"))
    (finding,) = findings(bad, m)
    assert finding[:3] == ("error", "nx_class", "/entry/shape")
    assert "NXoff_geometry or NXcylindrical_geometry" in finding[3]


def test_deprecated_object_is_a_warning_when_present(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/old": {required: false, deprecated: use new instead}
        """,
    )
    assert findings(nexus_file(tmp_path, lambda f, e: None), m) == []
    got = findings(nexus_file(tmp_path, lambda f, e: e.create_dataset("old", data=1)), m)
    assert got == [("warning", "deprecated", "/entry/old", "is deprecated: use new instead")]


def test_open_enumeration_suggests_and_custom_marks_a_deliberate_value(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/mode": {dtype: string, enum: [a, b], enum_open: true}
          "{entry}/kind": {dtype: string, enum: [x, y]}
        """,
    )

    def build(f, e):
        e["mode"] = "c"
        e["kind"] = "z"

    got = findings(nexus_file(tmp_path, build), m)
    assert [g[:3] for g in got] == [
        ("info", "enum", "/entry/mode"),
        ("error", "enum", "/entry/kind"),
    ]
    assert "@custom" in got[0][3]

    def deliberate(f, e):
        build(f, e)
        e["mode"].attrs["custom"] = True
        e["kind"].attrs["custom"] = True  # a closed enumeration stays closed

    got = findings(nexus_file(tmp_path, deliberate), m)
    assert [g[:3] for g in got] == [("error", "enum", "/entry/kind")]


def test_char_or_number(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/a": {dtype: char_or_number}
          "{entry}/b": {dtype: char_or_number}
          "{entry}/c": {dtype: char_or_number}
        """,
    )

    def build(f, e):
        e["a"], e["b"] = "text", 3.5
        e["c"] = np.zeros(2, dtype=[("x", "i4")])

    got = findings(nexus_file(tmp_path, build), m)
    assert [g[:3] for g in got] == [("error", "dtype", "/entry/c")]
    assert "NX_CHAR_OR_NUMBER" in got[0][3]


def test_symbol_plus_one_and_rank_span(tmp_path):
    m = mapping(
        tmp_path,
        """
        symbols: [n]
        layout:
          "{entry}/counts": {shape: [n]}
          "{entry}/edges": {shape: ["n+1"]}
          "{entry}/frames": {shape: [n, 4, 5], rank: {min: 2, max: 3}}
        """,
    )

    def build(f, e, edges=11, frames=(10, 4)):
        e["counts"] = np.zeros(10)
        e["edges"] = np.zeros(edges)
        e["frames"] = np.zeros(frames)

    assert findings(nexus_file(tmp_path, build), m) == []
    assert findings(nexus_file(tmp_path, lambda f, e: build(f, e, frames=(10, 4, 5))), m) == []
    got = findings(nexus_file(tmp_path, lambda f, e: build(f, e, edges=10, frames=(10,))), m)
    assert [g[:3] for g in got] == [
        ("error", "shape", "/entry/edges"),
        ("error", "rank", "/entry/frames"),
    ]
    assert "n+1 = 11" in got[0][3]
    assert "rank 2 to 3" in got[1][3]


def test_mapping_check_reads_the_new_keys(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        HEAD.format(name="bad")
        + textwrap.dedent(
            """
            symbols: [n]
            layout:
              "{entry}/a": {shape: ["m+1", "2*n"], rank: {min: 3, max: 2}}
              "{entry}/b": {enum_open: true}
              "{entry}/c": {class: [NXdata, Entry]}
              "{entry}/d": {occurs: {min: 3, max: 2}}
            """
        )
    )
    text = "\n".join(mapper.check_file(p))
    assert "undeclared symbol 'm'" in text
    assert "'2*n' is not a symbol" in text
    assert "rank min 3 is above max 2" in text
    assert "enum_open needs an enum" in text
    assert "'Entry' is not a nexus class name" in text
    assert "min 3 is above max 2" in text


def test_names_mapping_warns_about_an_unknown_definition(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/definition": {required: false, names_mapping: true}
        """,
    )

    def declares(value):
        return lambda f, e: e.create_dataset("definition", data=value)

    assert findings(nexus_file(tmp_path, declares("NXtomo")), m) == []
    (got,) = findings(nexus_file(tmp_path, declares("NXtomp")), m)
    assert got[:3] == ("warning", "names_mapping", "/entry/definition")
    assert "'NXtomp' names no known mapping (closest: nxtomo" in got[3]
    for garbage in (np.void(b"\x00\xff" * 8), "x" * 10_000_000, ""):
        (got,) = findings(nexus_file(tmp_path, declares(garbage)), m)
        assert got[:2] == ("warning", "names_mapping")


def test_fallback_reads_what_the_detected_mapping_cannot(tmp_path):
    m = mapping(
        tmp_path,
        """
        priority: 50
        fallback: nxdata
        match: {exists: "/NXentry/strange"}
        anchors:
          entry: {path: "/NXentry", select: each}
          detector: {path: "{entry}/instrument:NXinstrument/detector:NXdetector"}
        signal:
          data: {path: "{detector}/data"}
        """,
        name="picky",
        head='mapping: "1"\nname: {name}\nconvention: nexus\n',
    )

    def build(f, e):
        e["strange"] = 1
        d = group(e, "plot", "NXdata")
        d["counts"] = np.arange(5.0)
        d.attrs["signal"] = "counts"

    path = nexus_file(tmp_path, build)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (signal,) = mapper.load(path, search_path=[tmp_path])
    assert np.array_equal(signal["data"], np.arange(5.0))
    text = " ".join(str(w.message) for w in caught)
    assert "mapping 'picky' cannot read this file" in text and "read with 'nxdata'" in text
    with pytest.raises(mapper.MapperError, match=r"nothing found|not found"):
        mapper.load(path, schema=str(m))  # asked for by name: no fallback


def test_detection_uses_an_index_and_ignores_a_stale_entry(tmp_path, monkeypatch):
    d = tmp_path / "maps"
    d.mkdir()
    mapping(
        d,
        """
        priority: 50
        match: {path: "/NXentry/kind", equals: special}
        """,
        name="special",
    )
    _index.write_index(d)
    entries = json.loads((d / "index.json").read_text())["files"]
    assert entries["special.yaml"]["match"] == {"path": "/NXentry/kind", "equals": "special"}
    path = nexus_file(tmp_path, lambda f, e: e.create_dataset("kind", data="special"))

    loaded: list[str] = []
    original = _schema.load_mapping

    def spy(name, extra=None):
        loaded.append(str(name))
        return original(name, extra)

    monkeypatch.setattr(_schema, "load_mapping", spy)
    assert mapper.detect(path, search_path=[d]) == "special"
    assert [Path(p).name for p in loaded] == ["special.yaml"]  # only the chosen one
    # a changed file is no longer described by the index: it is loaded to be asked
    text = (d / "special.yaml").read_text().replace("equals: special", "equals: other")
    (d / "special.yaml").write_text(text)
    assert mapper.detect(path, search_path=[d]) != "special"


def test_shipped_indexes_are_up_to_date(tmp_path):
    shipped = _schema.shipped_dir()
    dirs = [shipped, *sorted(p for p in shipped.iterdir() if (p / "index.json").exists())]
    for d in dirs:
        if not (d / "index.json").exists():
            pytest.fail(f"{d} has no index.json: run mapper schemas --index {d}")
        copy = tmp_path / d.name
        shutil.copytree(d, copy)
        _index.write_index(copy)
        assert (copy / "index.json").read_text() == (d / "index.json").read_text(), (
            f"{d}/index.json is stale: run mapper schemas --index {d}"
        )


def test_the_more_severe_of_two_identical_findings_is_kept(tmp_path):
    m = mapping(
        tmp_path,
        """
        layout:
          "{entry}/data": {dtype: string, severity: warning}
          "/entry/data": {dtype: string}
        """,
    )
    got = findings(nexus_file(tmp_path, lambda f, e: None), m)
    assert [g[:3] for g in got] == [("error", "dtype", "/entry/data")]
