"""The ``nexus.base_classes`` check: classes, fields, attributes, depends_on chains, NXdata.

Most cases use a small index written to ``tmp_path`` in the format of
``mapper/conventions/nexus/nxdl/base_classes.json``; the last ones use the
shipped index on the real files of ``../shared/data/nexus`` (skipped when
either is absent).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import SHARED, entry, spy_reads, write_nxdata

import mapper
from mapper.conventions.nexus import NEXUS
from mapper.conventions.nexus import base_classes as bc
from mapper.conventions.nexus import depends_on as dep
from mapper.engine.context import Context
from mapper.errors import MapperError
from mapper.hdf5.io import allowed_dirs
from mapper.hdf5.resolve import Resolver
from mapper.registry import REGISTRY

STR = h5py.string_dtype()
NUMBER = {"type": "NX_NUMBER"}
OBJECT = {"*_errors": NUMBER, "*_mask": {"type": "NX_BOOLEAN"}}
#: A small index in the shipped format (flattened: NXobject's content repeated).
INDEX: dict[str, Any] = {
    "release": "vTEST",
    "classes": {
        "NXobject": {"contributed": False, "patterns": OBJECT, "attributes": {"default": {}}},
        "NXentry": {
            "contributed": False,
            "extends": "NXobject",
            "fields": {
                "title": {"type": "NX_CHAR"},
                "start_time": {"type": "NX_DATE_TIME"},
                "duration": {"type": "NX_INT", "units": "NX_TIME"},
                "notes": {},
            },
            "patterns": OBJECT,
            "groups": {"NXdata": "*", "NXinstrument": "*", "NXsample": "*"},
            "attributes": {"default": {"type": "NX_CHAR"}, "count": {"type": "NX_INT"}},
        },
        "NXinstrument": {"contributed": False, "patterns": OBJECT},
        "NXdetector": {
            "contributed": False,
            "extends": "NXcomponent",
            "fields": {
                "distance": {"type": "NX_FLOAT", "units": "NX_LENGTH"},
                "energy": {"type": "NX_FLOAT", "units": "keV"},
                "gain": {"type": "NX_FLOAT", "units": "GB/s"},  # pint does not know GB
                "description": {"type": "NX_CHAR"},
                "depends_on": {"type": "NX_CHAR"},
                "data": NUMBER,
                "pixel_mask": {"type": "NX_INT"},
                "geometry": {},
            },
            "patterns": {**OBJECT, "*_offset": {"type": "NX_FLOAT", "units": "NX_LENGTH"}},
            "groups": {"NXtransformations": "*"},
            "attributes": {"default": {}},
        },
        "NXsample": {
            "contributed": False,
            "fields": {
                "name": {"type": "NX_CHAR"},
                "depends_on": {"type": "NX_CHAR"},
                "temperature": {"type": "NX_FLOAT", "units": "NX_TEMPERATURE"},
            },
            "patterns": OBJECT,
        },
        "NXdata": {
            "contributed": False,
            "patterns": {**OBJECT, "*": {}},
            "attributes": {"signal": {}, "axes": {}, "*_indices": {"type": "NX_INT"}},
        },
        "NXtransformations": {
            "contributed": False,
            "patterns": {
                **OBJECT,
                "*": {"type": "NX_NUMBER", "units": "NX_TRANSFORMATION"},
                "*_end": {"type": "NX_NUMBER", "units": "NX_TRANSFORMATION"},
            },
        },
        "NXparameters": {"contributed": False, "patterns": {"*": {"type": "NX_CHAR_OR_NUMBER"}}},
        "NXcoordinate_system": {"contributed": False, "patterns": OBJECT},
        "NXsolid_geometry": {"contributed": True, "patterns": OBJECT},
    },
}

Found = tuple[str, str, str, str]  # severity, rule, path, message


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test index, made the one the check uses."""
    path = tmp_path / "index" / "base_classes.json"
    path.parent.mkdir()
    path.write_text(json.dumps(INDEX), encoding="utf-8")
    monkeypatch.setattr(bc, "INDEX_FILE", path)
    return path


def run(path: Path, start: str = "/") -> list[Found]:
    """The check's findings on the file at ``path``, in order."""
    out: list[Found] = []
    warnings: list[str] = []

    def emit(
        rule: str,
        where: str,
        message: str,
        severity: str = "error",
        expected: Any = None,
        found: Any = None,
    ) -> None:
        out.append((severity, rule, where, message))

    with h5py.File(path, "r") as f:
        resolver = Resolver(f, allowed_dirs(str(path), None), warnings.append, NEXUS)
        bc.base_classes(Context(resolver, str(path), warn=warnings.append), start, emit)
    return out


def group(parent: h5py.Group, name: str, cls: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = cls
    return g


def detector(f: h5py.File) -> h5py.Group:
    return group(group(entry(f), "instrument", "NXinstrument"), "detector", "NXdetector")


def good_file(f: h5py.File) -> None:
    """A file the test index has nothing to say about."""
    e = entry(f, title="ok")
    e.attrs["default"] = "data"
    e["start_time"] = "2024-05-01T12:30:00+02:00"
    e["duration"] = np.int32(5)
    e["duration"].attrs["units"] = "s"
    e["notes"] = 3.5  # a known field without a type: nothing to check
    e["unknown_field"] = "anything"
    det = group(group(e, "instrument", "NXinstrument"), "detector", "NXdetector")
    det["distance"] = 0.5
    det["distance"].attrs["units"] = "mm"
    det["energy"] = 8.0
    det["energy"].attrs["units"] = "eV"
    det["gain"] = 2.0
    det["gain"].attrs["units"] = "GB/s"
    det["distance_errors"] = 0.01
    det["x_offset"] = 1.5  # a pattern: float, a length; no units is not a finding
    det.create_dataset("data", data=np.zeros((4, 5, 6), dtype="uint16"))
    det["depends_on"] = "transformations/y"
    t = group(det, "transformations", "NXtransformations")
    t["y"] = 1.0
    t["y"].attrs.update({"transformation_type": "translation", "vector": [0, 1, 0], "units": "mm"})
    t["y"].attrs["depends_on"] = "/entry/instrument/detector/transformations/phi"
    t["phi"] = np.array([0.0, 90.0])
    t["phi"].attrs.update({"transformation_type": "rotation", "vector": [0, 0, 1], "units": "deg"})
    t["phi"].attrs["depends_on"] = "."
    sample = group(e, "sample", "NXsample")
    sample["name"] = "Si"
    sample["temperature"] = 300.0
    sample["temperature"].attrs["units"] = "K"
    sample["depends_on"] = "."
    params = group(e, "parameters", "NXparameters")
    params["a"] = "text"
    params["b"] = 3
    plain = e.create_group("no_class")  # a group without NX_class: not checked
    plain["distance"] = "far"
    write_nxdata(group(e, "data", "NXdata"), np.arange(5.0), ["x"], {"x": np.arange(5.0)})
    f.attrs["default"] = "entry"


# ----------------------------------------------------------------------------- the index


def test_index_loads_once_from_the_given_path(index):
    a = bc.load_index(index)
    assert bc.load_index(index) is a
    assert bc.load_index() is a  # the default is the injected INDEX_FILE
    assert a.release == "vTEST"
    det = a.classes["NXdetector"]
    assert det.field("distance").dtype == "float"
    assert det.field("distance").units_category == "NX_LENGTH"
    assert det.field("energy").units_like == "keV"
    assert det.field("pixel_mask").dtype == "integer"  # the name wins over *_mask
    assert det.field("x_offset").units_category == "NX_LENGTH"  # *_offset
    assert det.field("y_errors").dtype == "number"
    assert det.field("nothing") is None
    trans = a.classes["NXtransformations"]
    assert trans.field("omega_end") == trans.field("omega")  # *_end, before *
    assert trans.field("omega_errors").units_category is None  # *_errors, before *
    assert [p for p, _ in trans.patterns][-1] == "*"
    assert a.classes["NXentry"].attribute("count").dtype == "integer"
    assert a.classes["NXdata"].attribute("x_indices").dtype == "integer"
    assert a.closest("NXdetektor")[0] == "NXdetector"


def test_a_missing_or_broken_index_is_one_mapper_error(tmp_path):
    with pytest.raises(MapperError, match="cannot read the NeXus base class index"):
        bc.load_index(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"classes": [1, 2]}', encoding="utf-8")
    with pytest.raises(MapperError, match="base class index"):
        bc.load_index(broken)


def test_a_missing_index_is_a_warning_and_the_rest_is_checked(nexus, tmp_path, monkeypatch):
    monkeypatch.setattr(bc, "INDEX_FILE", tmp_path / "absent.json")

    def build(f):
        det = detector(f)
        det["depends_on"] = "nowhere"

    found = run(nexus(build))
    assert found[0][:3] == ("warning", "read", "/")
    assert "base classes not checked" in found[0][3]
    assert found[1][:3] == ("error", "depends_on", "/entry/instrument/detector/depends_on")


def test_the_index_is_not_read_when_mapper_is_imported():
    code = (
        "import mapper\n"
        "from mapper.registry import REGISTRY\n"
        "REGISTRY.check('nexus.base_classes')\n"
        "from mapper.conventions.nexus import base_classes as bc\n"
        "assert bc._load.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- clean files


def test_a_file_that_follows_the_base_classes_has_no_finding(index, nexus):
    assert run(nexus(good_file)) == []


def test_bulk_data_is_never_read(index, nexus, monkeypatch):
    path = nexus(good_file)
    reads = spy_reads(monkeypatch)
    assert run(path) == []
    assert "/entry/instrument/detector/data" not in reads


# ----------------------------------------------------------------------------- NX_class


def test_group_classes_standard_contributed_unknown(index, nexus):
    def build(f):
        e = entry(f)
        group(e, "geometry", "NXsolid_geometry")
        group(e, "det", "NXdetektor")
        group(e, "weird", "NXzzzzzz")
        e.create_group("plain")

    found = run(nexus(build))
    assert found == [
        (
            "info",
            "nx_class",
            "/entry/det",
            "NX_class 'NXdetektor' is not a NeXus vTEST base class; closest: NXdetector",
        ),
        (
            "info",
            "nx_class",
            "/entry/geometry",
            "NX_class 'NXsolid_geometry' is a contributed definition, not a standard base class",
        ),
        ("info", "nx_class", "/entry/weird", "NX_class 'NXzzzzzz' is not a NeXus vTEST base class"),
    ]


# ----------------------------------------------------------------------------- fields


def test_field_types_and_units_are_warnings_with_the_constraint_messages(index, nexus):
    def build(f):
        det = detector(f)
        det["distance"] = "far"
        det["energy"] = 8.0
        det["energy"].attrs["units"] = "mm"
        det["description"] = 5
        det["pixel_mask"] = np.zeros(3)
        det["x_offset"] = 2
        det["x_offset"].attrs["units"] = "deg"
        det["data_errors"] = "none"
        e = f["entry"]
        e["start_time"] = "yesterday"
        e["duration"] = 2.5
        e["duration"].attrs["units"] = "NX_TIME"

    found = run(nexus(build))
    assert found == [
        (
            "warning",
            "dtype",
            "/entry/duration",
            "is float64 (floating point) where integer (NX_INT) is expected",
        ),
        (
            "warning",
            "datetime",
            "/entry/start_time",
            "'yesterday' is not an ISO 8601 date and time",
        ),
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/data_errors",
            "is a string ('none') where number (NX_NUMBER) is expected",
        ),
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/description",
            "is int64 (integer) where string (NX_CHAR) is expected",
        ),
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/distance",
            "is a string ('far') where float (NX_FLOAT) is expected",
        ),
        (
            "warning",
            "units",
            "/entry/instrument/detector/energy",
            "@units 'mm' does not convert to 'keV'",
        ),
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/pixel_mask",
            "is float64 (floating point) where integer (NX_INT) is expected",
        ),
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/x_offset",
            "is int64, an integer type where float (NX_FLOAT) is expected",
        ),
        (
            "warning",
            "units",
            "/entry/instrument/detector/x_offset",
            "@units 'deg' is not a unit of length (NX_LENGTH, e.g. meter)",
        ),
    ]


def test_a_date_without_time_zone_stays_an_info(index, nexus):
    def build(f):
        entry(f)["start_time"] = "2024-05-01T12:30:00"

    assert run(nexus(build)) == [
        (
            "info",
            "datetime",
            "/entry/start_time",
            "'2024-05-01T12:30:00' has no time zone (UTC offset recommended)",
        )
    ]


def test_a_group_where_the_class_has_a_field_is_a_warning(index, nexus):
    def build(f):
        det = detector(f)
        group(det, "geometry", "NXsolid_geometry")
        group(det, "x_errors", "NXcollection")  # a partial name: any group may match it

    found = [x for x in run(nexus(build)) if x[1] != "nx_class"]
    assert found == [
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/geometry",
            "is a group where a field is expected",
        )
    ]


def test_soft_linked_fields_are_checked_at_their_link(index, nexus):
    def build(f):
        det = detector(f)
        f["/store/value"] = "text"
        det["distance"] = h5py.SoftLink("/store/value")

    assert run(nexus(build)) == [
        (
            "warning",
            "dtype",
            "/entry/instrument/detector/distance",
            "is a string ('text') where float (NX_FLOAT) is expected",
        )
    ]


def test_group_attributes_the_class_types(index, nexus):
    def build(f):
        e = entry(f)
        e.attrs["count"] = "three"
        e.attrs["default"] = 7  # typed NX_CHAR, and a broken @default chain
        e.attrs["other"] = 1.5  # unknown: nothing

    found = run(nexus(build))
    assert (
        "warning",
        "dtype",
        "/entry/@count",
        "is a string ('three') where integer (NX_INT) is expected",
    ) in found
    assert (
        "warning",
        "dtype",
        "/entry/@default",
        "is int64 (integer) where string (NX_CHAR) is expected",
    ) in found
    assert ("error", "default", "/entry/@default", "is not a string (np.int64(7))") in found
    assert not [x for x in found if "other" in x[2]]


# ----------------------------------------------------------------------------- depends_on


def transformations(f: h5py.File) -> h5py.Group:
    return group(detector(f), "transformations", "NXtransformations")


def axis(t: h5py.Group, name: str, depends: str | None, kind: str = "translation") -> None:
    t[name] = 1.0
    t[name].attrs.update({"transformation_type": kind, "vector": [1, 0, 0]})
    t[name].attrs["units"] = "mm" if kind == "translation" else "deg"
    if depends is not None:
        t[name].attrs["depends_on"] = depends


def test_depends_on_chains_resolve_relative_and_absolute(index, nexus):
    def build(f):
        t = transformations(f)
        f["/entry/instrument/detector/depends_on"] = "transformations/a"
        axis(t, "a", "b")  # relative to the NXtransformations group
        axis(t, "b", "/entry/instrument/detector/transformations/c")
        axis(t, "c", "../transformations/d")
        axis(t, "d", None)  # no @depends_on: the chain ends
        cs = group(f["/entry"], "frame", "NXcoordinate_system")
        axis(t, "e", "/entry/frame")  # a coordinate system ends a chain too
        cs.attrs["x"] = 1

    assert run(nexus(build)) == []


def test_a_dangling_step_is_an_error_at_the_object_holding_it(index, nexus):
    def build(f):
        t = transformations(f)
        f["/entry/instrument/detector/depends_on"] = "transformations/a"
        axis(t, "a", "missing")
        f["/entry/sample"] = np.zeros(1)  # not a group
        s = group(f["/entry"], "sample2", "NXsample")
        s["depends_on"] = "/entry/instrument"

    found = run(nexus(build))
    assert found == [
        (
            "error",
            "depends_on",
            "/entry/instrument/detector/transformations/a/@depends_on",
            "names 'missing', which does not exist",
        ),
        (
            "error",
            "depends_on",
            "/entry/sample2/depends_on",
            "names '/entry/instrument', which is a group (NXinstrument), not a field",
        ),
    ]


def test_a_depends_on_cycle_is_one_error(index, nexus):
    def build(f):
        t = transformations(f)
        f["/entry/instrument/detector/depends_on"] = "transformations/a"
        axis(t, "a", "b")
        axis(t, "b", "a")

    t = "/entry/instrument/detector/transformations"
    assert run(nexus(build)) == [
        (
            "error",
            "depends_on",
            f"{t}/b/@depends_on",
            f"names 'a': the depends_on chain loops ({t}/a -> {t}/b -> {t}/a)",
        )
    ]


def test_a_field_that_depends_on_itself_is_a_cycle(index, nexus):
    def build(f):
        axis(transformations(f), "a", "a")

    found = run(nexus(build))
    assert [x[:3] for x in found] == [
        ("error", "depends_on", "/entry/instrument/detector/transformations/a/@depends_on")
    ]
    assert "loops" in found[0][3]


def test_a_chain_longer_than_the_limit_is_an_error(index, nexus):
    def build(f):
        t = transformations(f)
        f["/entry/instrument/detector/depends_on"] = "transformations/t0"
        for i in range(dep.MAX_STEPS + 5):
            axis(t, f"t{i}", f"t{i + 1}" if i < dep.MAX_STEPS + 4 else ".")

    found = run(nexus(build))
    assert found == [
        (
            "error",
            "depends_on",
            "/entry/instrument/detector/depends_on",
            f"the depends_on chain is longer than {dep.MAX_STEPS} steps",
        )
    ]


def test_depends_on_values_that_are_not_paths(index, nexus):
    def build(f):
        s = group(entry(f), "sample", "NXsample")
        s["depends_on"] = 3
        d = group(f["/entry"], "s2", "NXsample")
        d.create_dataset("depends_on", dtype="f")  # no value at all
        d["depends_on"].attrs["x"] = 1
        group(f["/entry"], "s3", "NXsample")["depends_on"] = "  "
        group(f["/entry"], "s4", "NXsample")["depends_on"] = np.array([b".", b"."])

    found = [x for x in run(nexus(build)) if x[1] == "depends_on"]
    assert found == [
        ("error", "depends_on", "/entry/s2/depends_on", "has an empty dataspace (no value)"),
        ("error", "depends_on", "/entry/s3/depends_on", "is an empty string"),
        ("error", "depends_on", "/entry/s4/depends_on", "is not a path (an array of 2 values)"),
        (
            "error",
            "depends_on",
            "/entry/sample/depends_on",
            "is not a path (expected a string, found int64 np.int64(3))",
        ),
    ]


def test_transformation_attributes(index, nexus):
    def build(f):
        t = transformations(f)
        t["shear"] = 1.0
        t["shear"].attrs["transformation_type"] = "shear"
        t["novec"] = 1.0
        t["novec"].attrs.update({"transformation_type": "rotation", "units": "deg"})
        t["badvec"] = 1.0
        t["badvec"].attrs.update(
            {"transformation_type": "rotation", "units": "deg", "vector": [1, 0]}
        )
        t["wrong_units"] = 1.0
        t["wrong_units"].attrs.update(
            {"transformation_type": "translation", "units": "deg", "vector": [0, 0, 1]}
        )
        t["heavy"] = 1.0  # not a transformation unit: the base class says so, once
        t["heavy"].attrs.update(
            {"transformation_type": "translation", "units": "kg", "vector": [0, 0, 1]}
        )
        t["gravity"] = np.nan  # no transformation_type: a direction, not a motion
        t["gravity"].attrs["vector"] = [0, -1, 0]

    t = "/entry/instrument/detector/transformations"
    assert run(nexus(build)) == [
        (
            "warning",
            "units",
            f"{t}/heavy",
            "@units 'kg' is not a unit of transformation (NX_TRANSFORMATION)",
        ),
        (
            "warning",
            "transformations",
            f"{t}/badvec/@vector",
            "is not three numbers (2 value(s) of type int64)",
        ),
        (
            "warning",
            "transformations",
            f"{t}/novec",
            "is a transformation without a @vector (its axis)",
        ),
        (
            "error",
            "transformations",
            f"{t}/shear/@transformation_type",
            "is 'shear', not one of ['translation', 'rotation']",
        ),
        (
            "warning",
            "units",
            f"{t}/wrong_units",
            "@units 'deg' is not a unit of length (NX_LENGTH, e.g. meter)",
        ),
    ]


# ----------------------------------------------------------------------------- NXdata, @default


def test_every_nxdata_group_gets_the_nxdata_rules(index, nexus):
    def build(f):
        e = entry(f)
        write_nxdata(group(e, "good", "NXdata"), np.arange(3.0))
        g = write_nxdata(group(e, "bad", "NXdata"), np.zeros((2, 3)), ["x"])
        g.attrs["signal"] = "nothing"
        g2 = write_nxdata(group(e, "short", "NXdata"), np.zeros((2, 3)), ["y"])
        g2["y"] = np.arange(2.0)

    found = run(nexus(build))
    assert found == [
        (
            "error",
            "nxdata.signal",
            "/entry/bad",
            "no usable signal: /entry/bad/@signal: names 'nothing', which is not in "
            "the group (or cannot be opened)",
        ),
        (
            "error",
            "nxdata.axes",
            "/entry/short/@axes",
            "lists 1 axes (y) for a signal of rank 2",
        ),
    ]


def test_every_default_attribute_is_followed(index, nexus):
    def build(f):
        e = entry(f)
        e.attrs["default"] = "data"
        write_nxdata(group(e, "data", "NXdata"), np.arange(3.0))
        e2 = entry(f, "entry2")
        e2.attrs["default"] = "plot"

    assert run(nexus(build)) == [
        ("error", "default", "/entry2/@default", "names 'plot', which does not exist")
    ]


def test_findings_are_computed_once_per_file(index, nexus, monkeypatch):
    path = nexus(good_file)
    calls = []
    original = bc._run
    monkeypatch.setattr(bc, "_run", lambda *a: calls.append(1) or original(*a))
    with h5py.File(path, "r") as f:
        ctx = Context(Resolver(f, (), print, NEXUS), str(path))
        for _ in range(3):
            bc.base_classes(ctx, "/", lambda *a, **k: None)
    assert calls == [1]


# ----------------------------------------------------------------------------- validation


def mapping(tmp_path: Path, layout: str) -> Path:
    p = tmp_path / "m.yaml"
    text = """
        mapping: "1"
        name: m
        title: A test
        convention: nexus
        anchors:
          entry: {path: /NXentry, select: each}
        signal:
          data: {path: "{entry}/instrument/detector/data"}
        layout:
    """
    p.write_text(textwrap.dedent(text).lstrip() + textwrap.indent(layout, "  "), encoding="utf-8")
    return p


def test_validate_runs_the_check_once_per_file_and_dedups_with_the_mapping(index, nexus, tmp_path):
    def build(f):
        good_file(f)
        del f["/entry/instrument/detector/distance"]
        f["/entry/instrument/detector/distance"] = "far"
        entry(f, "entry2")

    m = mapping(
        tmp_path,
        '"{entry}/instrument/detector/distance": {dtype: float, severity: warning}\n'
        '"/": {checks: [default_chain, nexus.base_classes]}\n',
    )
    assert mapper.check_file(m) == []
    report = mapper.validate(nexus(build), schema=m)
    mine = [(f.severity, f.rule, f.path, f.message) for f in report.findings]
    assert (
        mine.count(
            (
                "warning",
                "dtype",
                "/entry/instrument/detector/distance",
                "is a string ('far') where float (NX_FLOAT) is expected",
            )
        )
        == 1
    )
    assert REGISTRY.check("nexus.base_classes").doc.startswith("The file below")


# ----------------------------------------------------------------------------- performance


def test_the_check_is_fast_on_many_small_files(index, nexus):
    paths = [nexus(good_file) for _ in range(20)]
    run(paths[0])  # the index and pint, once per process
    t0 = time.perf_counter()
    for p in paths:
        assert run(p) == []
    assert (time.perf_counter() - t0) / len(paths) < 0.05  # about 2 ms on the test machine


# ----------------------------------------------------------------------------- real files

REAL_INDEX = bc.INDEX_FILE
SHARED_NEXUS = SHARED / "nexus"

#: What the shipped index says about the real files, by (severity, rule, path).
#: Each is a true fault of the file against the base classes (see the comments).
REAL: dict[str, list[tuple[str, str, str]]] = {
    # empty start and end times; a text 'see xsize and ysize' in NXshape/size (NX_FLOAT);
    # 'A' is the ampere (the angstrom is 'angstrom'); 'link_rules' is no class
    "facility/APS_EPICSareaDetector_AgBehenate_228.hdf5": [
        ("warning", "datetime", "/entry/end_time"),
        ("warning", "datetime", "/entry/start_time"),
        ("warning", "dtype", "/entry/instrument/collimator/geometry/shape/size"),
        ("warning", "units", "/entry/instrument/monochromator/wavelength"),
        ("info", "nx_class", "/entry/link_rules"),
    ],
    # 'clock' and 'Angstroms' are no units
    "facility/APS_NXsas_nexus-example.hdf5": [
        ("warning", "units", "/entry/instrument/control/integral"),
        ("warning", "units", "/entry/instrument/monochromator/wavelength"),
    ],
    # 17 groups of contributed classes (NXsolid_geometry, NXquadric, NXcsg)
    "facility/DLS_NXquadric_sample_capillary.nxs": [("info", "nx_class", "*")] * 17,
    # times without a zone; beam centres in pixels where NXdetector says NX_LENGTH;
    # @axes = 'omega' for a 3-D signal (NXdata wants one name per dimension)
    "facility/DLS_i03_i04_NXmx_Therm_6_2.nxs": [
        ("info", "datetime", "/entry/end_time"),
        ("info", "datetime", "/entry/start_time"),
        ("warning", "units", "/entry/instrument/detector/beam_center_x"),
        ("warning", "units", "/entry/instrument/detector/beam_center_y"),
        ("error", "nxdata.axes", "/entry/data/@axes"),
    ],
    # NXchopper was removed from the standard
    "facility/IPNS_LRMECS_lrcs3701.nx5": [
        ("info", "nx_class", "/Histogram1/instrument/monochromator"),
        ("info", "nx_class", "/Histogram2/instrument/monochromator"),
    ],
    # an NXdata group with no @signal and no 'data' field
    "facility/code_NXtest.h5": [("error", "nxdata.signal", "/entry/data")],
    # NXpsd is no class; 'Angstroem' is no unit; a time without zone
    "facility/code_dmc01.h5": [
        ("info", "datetime", "/entry1/start_time"),
        ("info", "nx_class", "/entry1/DMC/DMC-BF3-Detector"),
        ("warning", "units", "/entry1/DMC/Monochromator/d_spacing"),
    ],
    "facility/hdf5_simple3D.h5": [],
    "facility/hdf5_writer_1_3.h5": [],
    "facility/hdf5_writer_1_3__niac2014.h5": [],
    # NXpositioner/value is NX_NUMBER; Diamond's scannables store 'Nano', 'Out'
    "rsciio/nexus_dls_example.nxs": [
        ("warning", "dtype", "/entry1/instrument/scannables/d4_lateral_position/value"),
        ("warning", "dtype", "/entry1/instrument/scannables/d4_x_position/value"),
    ],
    "rsciio/nexus_dls_example_no_axes.nxs": [
        ("warning", "dtype", "/entry1/instrument/scannables/d4_lateral_position/value"),
        ("warning", "dtype", "/entry1/instrument/scannables/d4_x_position/value"),
    ],
    # written by HyperSpy / RosettaSciIO
    "rsciio/nexus_test_datakey.nxs": [],
    "rsciio/nxdata_tagged_as_string.nxs": [],
    "rsciio/saved_multi_signal.nxs": [],
    "rsciio/simple_signal.nxs": [],
}


def _real(name: str) -> Path:
    if not REAL_INDEX.exists():
        pytest.skip("the shipped base class index is not generated yet")
    path = SHARED_NEXUS / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files_get_only_true_findings(name, monkeypatch):
    monkeypatch.setattr(bc, "INDEX_FILE", REAL_INDEX)
    found = sorted((s, r, p) for s, r, p, _ in run(_real(name)))
    expected = REAL[name]
    if expected and expected[0][2] == "*":
        assert [(s, r) for s, r, _ in found] == [(s, r) for s, r, _ in expected]
    else:
        assert found == sorted(expected)


@pytest.mark.shared_data
def test_sls_file_faults_are_units_types_and_old_classes(monkeypatch):
    """A PSI file with old classes: every finding is a true fault, none an error."""
    monkeypatch.setattr(bc, "INDEX_FILE", REAL_INDEX)
    found = run(_real("facility/SLS_Sample_Image_2021-03-16_095.hdf5"))
    assert {s for s, *_ in found} == {"warning", "info"}
    kinds: dict[str, int] = {}
    for _, rule, _, message in found:
        key = f"{rule}: {message.split(' (')[0] if rule == 'units' else message[:14]}"
        kinds[key] = kinds.get(key, 0) + 1
    # 'Ohm' and 'RAD' are no units (pint knows 'ohm' and 'rad'); Latin-1 'µm' is not UTF-8
    assert kinds["units: @units unknown unit 'Ohm'"] == 6
    assert kinds["units: @units unknown unit 'RAD'"] == 10
    assert kinds["units: @units cannot be read as text"] == 15
    # NXaperture/shape is a field now (the file has an old NXshape group there)
    assert ("warning", "dtype", "/entry1/instrument/aperture_1/shape") in [x[:3] for x in found]
    # NXscanDefinition, NXbendmagnet, NXorder_selecting_aperture are no classes
    assert sum(rule == "nx_class" for _, rule, _, _ in found) == 3


@pytest.mark.shared_data
def test_time_on_the_largest_real_file(monkeypatch):
    monkeypatch.setattr(bc, "INDEX_FILE", REAL_INDEX)
    path = _real("facility/SLS_Sample_Image_2021-03-16_095.hdf5")
    run(path)
    t0 = time.perf_counter()
    run(path)
    assert time.perf_counter() - t0 < 1.0
