"""Issue 12: the mapping is chosen from each entry's ``definition``, and every file gets a verdict.

Without a schema, ``mapper.load``, ``mapper.validate`` and ``mapper validate``
read the ``definition`` field of the file's NXentry groups: any entry name,
the value stored in any of the ways writers store text, with or without
``@version``; the generic ``nxdata`` mapping takes a NeXus file only when no
entry declares a definition. An unknown definition is a warning that names the
closest known mappings, and the base-class checks still run. A ``definition``
that is garbage (binary, huge, empty, a number, an array, a group, a broken
link) gives a verdict, never an exception. A detected mapping that cannot read
the file hands it to ``nxdata`` on load, while validation reports the fault.

Every file is written here with raw h5py (``tests/nxtomo_files.py``), so what
is tested is the detection, not mapper's own writer.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from nxtomo_files import N_FRAMES, NX, NY, write_nxtomo

import mapper
from mapper.cli import main

STR = h5py.string_dtype()
FRAMES = (N_FRAMES, NY, NX)
TEN_MB = 10 << 20


def quiet_load(path: Path, **kw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """``mapper.load`` with its MapperWarnings captured (the suite turns warnings into errors)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", mapper.MapperWarning)
        signals = mapper.load(path, **kw)
    return signals, [str(w.message) for w in caught]


def cli_json(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, dict[str, Any]]:
    code = main(["validate", "--json", *map(str, paths)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def cli_text(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, str]:
    code = main(["validate", *map(str, paths)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out


def at(report: mapper.Report, path: str) -> list[mapper.Finding]:
    return [f for f in report.findings if f.path == path]


# ------------------------------------------------------------------ how `definition` is stored
#: Every way writers store the text NXtomo: h5py str (variable-length UTF-8), numpy
#: fixed-length bytes, a NUL-padded fixed-length string, variable-length ASCII bytes,
#: and one-element arrays of both (Diamond, PSI and APS files do that).
STORED: dict[str, Any] = {
    "vlen_str": "NXtomo",
    "fixed_bytes": np.bytes_(b"NXtomo"),
    "fixed_bytes_nul_padded": np.array(b"NXtomo", dtype="S16"),
    "vlen_ascii_bytes": np.array(b"NXtomo", dtype=h5py.string_dtype("ascii")),
    "one_element_fixed_array": np.array([b"NXtomo"]),
    "one_element_vlen_array": np.array(["NXtomo"], dtype=STR),
}


@pytest.mark.parametrize("value", STORED.values(), ids=list(STORED))
def test_every_stored_form_of_the_definition_picks_nxtomo(tmp_path, value):
    path = write_nxtomo(tmp_path / "scan.nxs", definition=value)
    assert mapper.detect(path) == "nxtomo"
    report = mapper.validate(path)
    assert report.schema == "nxtomo"
    assert report.ok, report
    # a one-element array is an info (`scalar`), never a warning or an error
    assert {f.rule for f in report.findings} <= {"scalar"}, report
    (s,) = mapper.load(path)
    assert s["data"].shape == FRAMES
    assert s["axes"][0]["name"] == "rotation_angle"


@pytest.mark.parametrize("name", ["entry", "scan_0001", "tomo scan 42", "ENTRY"])
def test_any_entry_name(tmp_path, name):
    path = write_nxtomo(tmp_path / "scan.nxs", entry=name)
    report = mapper.validate(path)
    assert (mapper.detect(path), report.schema, report.ok) == ("nxtomo", "nxtomo", True), report
    (s,) = mapper.load(path)
    assert s["data"].shape == FRAMES


def test_a_definition_with_a_version_attribute(tmp_path):
    def version(f: h5py.File) -> None:
        f["entry/definition"].attrs["version"] = "1.0"
        f["entry/definition"].attrs["URL"] = "https://manual.nexusformat.org/classes/NXtomo.html"

    path = write_nxtomo(tmp_path / "scan.nxs", extra=version)
    report = mapper.validate(path)
    assert (report.schema, report.ok, report.findings) == ("nxtomo", True, []), report
    assert mapper.detect(path) == "nxtomo"


def _first_entry_without_definition(f: h5py.File) -> None:
    """An NXentry before the NXtomo one (sorted first), with plottable data but no definition."""
    e = f.create_group("aaa_first")
    e.attrs["NX_class"] = "NXentry"
    e["title"] = "alignment"
    d = e.create_group("plot")
    d.attrs["NX_class"] = "NXdata"
    d.attrs["signal"] = "counts"
    d["counts"] = np.arange(5.0)


def test_only_the_second_entry_declares_a_definition(tmp_path, capsys):
    path = write_nxtomo(tmp_path / "two.nxs", entry="scan_b", extra=_first_entry_without_definition)
    with h5py.File(path) as f:
        assert list(f) == ["aaa_first", "scan_b"]
    assert mapper.detect(path) == "nxtomo"
    report = mapper.validate(path)
    assert (report.schema, report.ok) == ("nxtomo", True), report
    (s,) = mapper.load(path)  # the NXtomo entry's frames
    assert s["data"].shape == FRAMES
    code, doc = cli_json(capsys, path)
    assert code == 0
    assert [(f["schema"], f["ok"]) for f in doc["files"]] == [("nxtomo", True)]


def test_nxdata_only_when_no_entry_declares_a_definition(tmp_path, capsys):
    path = write_nxtomo(tmp_path / "nodef.nxs", definition=None)
    assert mapper.detect(path) == "nxdata"
    report = mapper.validate(path)
    assert (report.schema, report.ok) == ("nxdata", True), report
    # nothing is said about the definition: the entry declares none
    assert at(report, "/entry/definition") == []
    (s,) = mapper.load(path)
    assert s["data"].shape == FRAMES
    code, out = cli_text(capsys, path)
    assert code == 0
    assert f"{path}: valid against nxdata" in out


def test_the_cli_names_the_mapping_it_used_per_file(tmp_path, capsys):
    tomo = write_nxtomo(tmp_path / "a_tomo.nxs")
    plain = write_nxtomo(tmp_path / "b_plain.nxs", definition=None)
    unknown = write_nxtomo(tmp_path / "c_unknown.nxs", definition="NXmxx")
    bad = write_nxtomo(tmp_path / "d_bad.nxs", probe="muon")
    code, doc = cli_json(capsys, tmp_path)
    assert code == 1  # d_bad is invalid
    got = [(Path(f["file"]).name, f["schema"], f["ok"]) for f in doc["files"]]
    assert got == [
        ("a_tomo.nxs", "nxtomo", True),
        ("b_plain.nxs", "nxdata", True),
        ("c_unknown.nxs", "nxdata", True),
        ("d_bad.nxs", "nxtomo", False),
    ]
    code, out = cli_text(capsys, tomo, plain, unknown, bad)
    assert code == 1
    assert f"{tomo}: valid against nxtomo\n" in out
    assert f"{plain}: valid against nxdata\n" in out
    assert f"{unknown}: valid against nxdata (1 warning)\n" in out
    assert f"{bad}: INVALID against nxtomo (1 error)\n" in out


# ------------------------------------------------------------------ an unknown definition
def _base_class_faults(f: h5py.File) -> None:
    # NXdetector/x_pixel_size is NX_FLOAT in NX_LENGTH: a degree is no length
    f["entry/instrument/detector/x_pixel_size"].attrs["units"] = "deg"


def test_an_unknown_definition_is_a_warning_naming_the_closest_and_base_classes_still_run(
    tmp_path, capsys
):
    path = write_nxtomo(tmp_path / "mxx.nxs", definition="NXmxx", extra=_base_class_faults)
    assert mapper.detect(path) == "nxdata"
    report = mapper.validate(path)
    assert report.schema == "nxdata"
    assert report.ok, report  # warnings only
    (unknown,) = at(report, "/entry/definition")
    assert unknown.severity == "warning"
    assert "'NXmxx'" in unknown.message
    closest = unknown.message.split("closest: ", 1)[1]
    assert closest.split(",")[0] == "nxmx"
    assert unknown.found == "NXmxx"
    assert unknown.mapping.startswith("nxdata.yaml:")
    # the NeXus base classes are still checked: NXdetector/x_pixel_size is a length
    (units,) = at(report, "/entry/instrument/detector/x_pixel_size")
    assert (units.severity, units.rule) == ("warning", "units")
    assert "not a unit of length" in units.message
    # load reads it through nxdata, without a warning (nothing to read is missing)
    signals, said = quiet_load(path)
    assert [s["data"].shape for s in signals] == [FRAMES]
    assert said == []
    # and the command line says the same
    code, doc = cli_json(capsys, path)
    assert code == 0
    (entry,) = doc["files"]
    assert entry["schema"] == "nxdata"
    rules = {(f["rule"], f["path"]) for f in entry["findings"]}
    assert (unknown.rule, "/entry/definition") in rules
    assert ("units", "/entry/instrument/detector/x_pixel_size") in rules


@pytest.mark.parametrize(
    ("value", "mapping"), [("nxtomo", "nxtomo"), ("NXTOMO", "nxtomo"), ("hspy", "hspy")]
)
def test_a_definition_that_only_looks_like_a_mapping_name_is_not_silent(tmp_path, value, mapping):
    # detection matches `equals: NXtomo` exactly, so these are checked by nxdata; the
    # warning says which mapping the text looks like (it once said nothing at all)
    path = write_nxtomo(tmp_path / "case.nxs", definition=value)
    report = mapper.validate(path)
    assert report.schema == "nxdata"
    (f,) = at(report, "/entry/definition")
    assert (f.severity, f.expected, f.found) == ("warning", mapping, value), f
    assert f"{value!r}" in f.message and f"{mapping!r}" in f.message


# ------------------------------------------------------------------ garbage in `definition`
def _replace_definition(make: Any) -> Any:
    def extra(f: h5py.File) -> None:
        e = f["entry"]
        if "definition" in e:
            del e["definition"]
        make(e)

    return extra


def _dataset(value: Any, **kw: Any) -> Any:
    return _replace_definition(lambda e: e.create_dataset("definition", data=value, **kw))


GARBAGE: dict[str, Any] = {
    "binary_opaque": _dataset(np.void(b"\x00\xff\xfe\x01")),
    "bytes_not_utf8": _dataset(np.bytes_(b"NX\xff\xfe")),
    "utf16_bytes": _dataset(np.bytes_("NXtomo".encode("utf-16"))),
    "nul_bytes": _dataset(np.bytes_(b"\0\0\0")),
    "nxtomo_nul_garbage": _dataset(np.bytes_(b"NXtomo\0garbage")),
    "empty_string": _dataset(""),
    "integer": _dataset(42),
    "float": _dataset(3.5),
    "boolean": _dataset(True),
    "2d_strings": _dataset(np.array([["NXtomo", "x"], ["y", "z"]], dtype=STR)),
    "2d_numbers": _dataset(np.zeros((3, 4))),
    "million_numbers": _dataset(np.zeros((1000, 1000))),
    "compound": _dataset(np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])),
    "empty_dataspace": _dataset(h5py.Empty("S10")),
    "group": _replace_definition(lambda e: e.create_group("definition")),
    "dangling_soft_link": _replace_definition(
        lambda e: e.__setitem__("definition", h5py.SoftLink("/nowhere"))
    ),
    "external_link_missing_file": _replace_definition(
        lambda e: e.__setitem__("definition", h5py.ExternalLink("missing.h5", "/x"))
    ),
    "attribute_not_field": _replace_definition(
        lambda e: e.attrs.__setitem__("definition", "NXtomo")
    ),
    "ten_mb_vlen_string": _dataset("A" * TEN_MB),
    "ten_mb_fixed_bytes": _dataset(np.bytes_(b"B" * TEN_MB)),
}


@pytest.mark.parametrize("make", GARBAGE.values(), ids=list(GARBAGE))
def test_a_garbage_definition_gets_a_verdict_never_an_exception(tmp_path, make):
    path = write_nxtomo(tmp_path / "garbage.nxs", extra=make)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)  # a broken link is said on open
        assert mapper.detect(path) == "nxdata"
        report = mapper.validate(path)
    assert report.checked and report.schema == "nxdata"
    # the nxdata checks ran: the frames are a usable NXdata, so no error anywhere
    assert report.ok, report
    # whatever is said about the definition is one short line, at most a warning
    for f in at(report, "/entry/definition"):
        assert f.severity in ("warning", "info") and len(f.message) < 300, f
    try:
        signals, _ = quiet_load(path, lazy=True)
    except mapper.MapperError as exc:  # pragma: no cover - not expected, but a verdict
        assert "\n" not in str(exc)
    else:
        assert [s["data"].shape for s in signals] == [FRAMES]


def test_garbage_definitions_through_the_command_line(tmp_path, capsys):
    for name, make in GARBAGE.items():
        if not name.startswith("ten_mb"):  # the big ones are timed below
            write_nxtomo(tmp_path / f"{name}.nxs", extra=make)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)
        code, doc = cli_json(capsys, tmp_path)
    assert code == 0, doc
    assert doc["summary"]["not_checked"] == 0
    assert {f["schema"] for f in doc["files"]} == {"nxdata"}
    assert len(doc["files"]) == len(GARBAGE) - 2


@pytest.mark.parametrize(
    "value",
    [
        "A" * TEN_MB,
        np.bytes_(b"B" * TEN_MB),
        np.array([b"D" * TEN_MB]),
        np.array(["C" * TEN_MB], dtype=STR),
        np.array(["C" * TEN_MB, "NXtomo"], dtype=STR),
    ],
    ids=[
        "vlen_str",
        "fixed_bytes",
        "one_element_fixed_array",
        "one_element_vlen_array",
        "two_element_vlen_array",
    ],
)
def test_a_ten_megabyte_definition_is_fast(tmp_path, value):
    warm = write_nxtomo(tmp_path / "warm.nxs", definition="NXmxx")
    mapper.validate(warm)  # mappings, base-class index, pint, dask: loaded once per process
    mapper.load(warm, lazy=True)
    path = write_nxtomo(tmp_path / "big.nxs", definition=value)
    for name, call in (
        ("detect", mapper.detect),
        ("validate", mapper.validate),
        ("load", lambda p: mapper.load(p, lazy=True)),
    ):
        t0 = time.perf_counter()
        result = call(path)
        took = time.perf_counter() - t0
        # measured on the test machine: 50 ms for the 10 MB scalar string, 10 ms for bytes,
        # 150-200 ms for the one-element str array (5 s before each predicate value was
        # converted once instead of once per candidate mapping)
        assert took < 0.5, f"{name} took {took:.2f} s"
        if name == "validate":
            assert result.schema == "nxdata" and result.ok, result
            (f,) = at(result, "/entry/definition")
            assert f.severity == "warning" and len(f.message) < 300


# ------------------------------------------------------------------ two definitions in one file
def _nxmx_entry_first(f: h5py.File) -> None:
    e = f.create_group("aaa_mx")
    e.attrs["NX_class"] = "NXentry"
    e["definition"] = "NXmx"


def test_each_entry_is_checked_against_its_own_definition(tmp_path, capsys):
    keys = np.array([7] + [0] * (N_FRAMES - 1), dtype=np.int32)
    path = write_nxtomo(tmp_path / "mixed.nxs", image_key=keys, extra=_nxmx_entry_first)
    report = mapper.validate(path)
    # both mappings ran, each on its own entry (one report; its schema names both)
    assert {"nxmx", "nxtomo"} <= set(report.schema.replace("+", " ").split()), report.schema
    (enum,) = at(report, "/entry/instrument/detector/image_key")
    assert (enum.severity, enum.rule, enum.found) == ("error", "enum", 7)
    assert ("required", "/aaa_mx", "required: a group of class NXinstrument, missing") in {
        (f.rule, f.path, f.message) for f in report.errors
    }
    assert not [f for f in report.findings if f.path.startswith("/aaa_mx/instrument")]
    code, doc = cli_json(capsys, path)
    assert code == 1 and doc["files"][0]["schema"] == report.schema


def test_a_mixed_file_loads_each_entry_once(tmp_path):
    path = write_nxtomo(tmp_path / "mixed.nxs", extra=_nxmx_entry_first)
    signals, _ = quiet_load(path)
    assert [s["data"].shape for s in signals] == [FRAMES]


# ------------------------------------------------------------------ fallback on load (issue 12, 2)
def _detector_named_pco_edge(f: h5py.File) -> None:
    f.move("entry/instrument/detector", "entry/instrument/pco_edge")


def test_a_detector_named_pco_edge_loads_through_nxdata_and_validates_as_an_error(tmp_path, capsys):
    path = write_nxtomo(tmp_path / "pco.nxs", extra=_detector_named_pco_edge)
    assert mapper.detect(path) == "nxtomo"
    # load: the NXtomo mapping cannot find its detector; nxdata reads the NXdata group
    signals, said = quiet_load(path)
    (s,) = signals
    assert s["data"].shape == FRAMES
    with h5py.File(path) as f:
        np.testing.assert_array_equal(s["data"], f["entry/instrument/pco_edge/data"][()])
    (why,) = said
    assert "'nxtomo' cannot read this file" in why
    assert "'detector'" in why  # what it could not find
    assert "'nxdata'" in why  # what read it instead
    assert str(path) in why
    # validate: the real problem, as an error at the place NXtomo wants the detector
    report = mapper.validate(path)
    assert report.schema == "nxtomo"
    assert [(f.severity, f.rule, f.path) for f in report.errors] == [
        ("error", "required", "/entry/instrument/detector")
    ]
    code, doc = cli_json(capsys, path)
    assert code == 1
    (entry,) = doc["files"]
    assert (entry["schema"], entry["ok"]) == ("nxtomo", False)
    assert [(f["rule"], f["path"]) for f in entry["findings"] if f["severity"] == "error"] == [
        ("required", "/entry/instrument/detector")
    ]


def test_load_with_an_explicit_schema_does_not_fall_back(tmp_path):
    path = write_nxtomo(tmp_path / "pco.nxs", extra=_detector_named_pco_edge)
    with pytest.raises(mapper.MapperError, match="detector"):
        mapper.load(path, schema="nxtomo")


# ------------------------------------------------------------------ the @default chain
def _root_default_only(f: h5py.File) -> None:
    f.attrs["default"] = "entry"
    e = f.create_group("entry")
    e.attrs["NX_class"] = "NXentry"
    d = e.create_group("data")
    d.attrs["NX_class"] = "NXdata"
    d.attrs["signal"] = "counts"
    d["counts"] = np.arange(4.0)


def test_a_root_default_naming_an_entry_without_default_is_no_error(tmp_path):
    path = tmp_path / "root_default.nxs"
    with h5py.File(path, "w") as f:
        _root_default_only(f)
    (s,) = mapper.load(path)  # the reader finds the data
    assert s["data"].shape == (4,)
    report = mapper.validate(path)
    assert report.schema == "nxdata"
    assert report.ok, report
