"""mapper.validate on NXtomo files: the nine faults of formats.md section 4, and many more.

Every fault is an error with a stable rule id, the HDF5 path of the object and
the ``nxtomo.yaml:LINE`` of the rule that asked for the check; valid files
(raw h5py, ESRF's ``nxtomo`` library, the NeXus template) have no error; and
validation reads no bulk data.
"""

from __future__ import annotations

import posixpath
import re
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import shared_file
from nxtomo_files import FAULTS, N_FRAMES, NX, NY, write_nxtomo

import mapper
from mapper.errors import FileFormatError, MapperError, MissingFileError, NoMatchError

DET = "/entry/instrument/detector"

#: Where each fault of FAULTS must be reported (every path gets an error with the fault's rule).
FAULT_PATHS: dict[str, tuple[str, ...]] = {
    "missing rotation_angle": ("/entry/sample/rotation_angle",),
    "wrong units (deg for a length)": (f"{DET}/x_pixel_size", f"{DET}/y_pixel_size"),
    "rank 2 data": (f"{DET}/data",),
    "image_key = 7": (f"{DET}/image_key",),
    "image_key length 11 vs 12 frames": (f"{DET}/image_key",),
    "float image_key": (f"{DET}/image_key",),
    "probe = muon": ("/entry/instrument/source/probe",),
    "start_time not ISO 8601": ("/entry/start_time",),
    "no definition": ("/entry/definition",),
}


def schema_lines() -> list[str]:
    return Path(mapper.mappings()["nxtomo"]).read_text(encoding="utf-8").splitlines()


def assert_mapping_loc(finding: mapper.Finding, word: str | None = None) -> None:
    """``nxtomo.yaml:N``, and line N (or the key line above it) of the mapping names ``word``."""
    m = re.fullmatch(r"nxtomo\.yaml:(\d+)", finding.mapping)
    assert m, f"mapping location {finding.mapping!r} of {finding}"
    line = int(m.group(1))
    lines = schema_lines()
    assert 1 <= line <= len(lines)
    word = word or posixpath.basename(finding.path.split("/@")[0])
    window = lines[max(0, line - 2) : line]
    assert any(word in text for text in window), (finding, window)


def validate(path: Path, schema: str | None = "nxtomo") -> mapper.Report:
    """Validate and make sure nothing warns: every oddity must be a finding."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mapper.validate(path, schema)


def at(report: mapper.Report, path: str, severity: str | None = "error") -> list[mapper.Finding]:
    return [
        f
        for f in report.findings
        if f.path == path and (severity is None or f.severity == severity)
    ]


def copy_entry(dest: Path, src: Path, name: str) -> None:
    with h5py.File(src, "r") as s, h5py.File(dest, "a") as d:
        s.copy(s[name], d, name)


# ------------------------------------------------------------------ the nine faults
def test_the_raw_h5py_file_has_no_findings_at_all(tmp_path):
    report = validate(write_nxtomo(tmp_path / "ok.nxs"))
    assert report.ok and report.checked
    assert report.schema == "nxtomo"
    assert report.findings == []


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_each_fault_is_an_error_with_rule_path_and_mapping_line(tmp_path, fault):
    kwargs, rule = FAULTS[fault]
    report = validate(write_nxtomo(tmp_path / "f.nxs", **kwargs))
    assert not report.ok
    assert report.checked
    for path in FAULT_PATHS[fault]:
        hits = [f for f in at(report, path) if f.rule == rule]
        assert hits, f"no {rule!r} error at {path}:\n{report}"
        for f in hits:
            assert_mapping_loc(f)
            assert f.message
    # nothing else is blamed, apart from the NXdata view that links to the faulty object
    blamed = {f.path for f in report.errors}
    others = {p for p in blamed - set(FAULT_PATHS[fault]) if not p.startswith("/entry/data")}
    assert not others, report


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "no definition"])
def test_faulty_files_are_still_detected_as_nxtomo(tmp_path, fault):
    report = validate(write_nxtomo(tmp_path / "f.nxs", **FAULTS[fault][0]), schema=None)
    assert report.schema == "nxtomo"
    assert not report.ok


def test_the_nine_faults_give_the_documented_expected_and_found(tmp_path):
    def one(fault: str, path: str) -> mapper.Finding:
        kwargs, rule = FAULTS[fault]
        report = validate(write_nxtomo(tmp_path / f"{len(fault)}.nxs", **kwargs))
        (f,) = [f for f in at(report, path) if f.rule == rule]
        return f

    f = one("image_key = 7", f"{DET}/image_key")
    assert f.found == 7 and list(f.expected) == [0, 1, 2, 3, 4]
    f = one("image_key length 11 vs 12 frames", f"{DET}/image_key")
    assert (f.expected, f.found) == (N_FRAMES, N_FRAMES - 1)
    f = one("rank 2 data", f"{DET}/data")
    assert (f.expected, f.found) == (3, 2)
    f = one("probe = muon", "/entry/instrument/source/probe")
    assert f.found == "muon"
    f = one("wrong units (deg for a length)", f"{DET}/x_pixel_size")
    assert f.found == "deg" and f.expected == "NX_LENGTH"
    f = one("start_time not ISO 8601", "/entry/start_time")
    assert f.found == "01/05/2024 12:30"
    f = one("no definition", "/entry/definition")
    assert f.expected == "present" and f.found is None
    # JSON-ready
    assert f.to_dict()["mapping"].startswith("nxtomo.yaml:")


# ------------------------------------------------------------------ links, groups, @default
def test_a_link_to_the_wrong_object_is_a_link_error(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", link_mode="wrong"))
    assert not report.ok
    (f,) = report.errors
    assert (f.rule, f.path) == ("link", "/entry/data/rotation_angle")
    assert f.expected == "/entry/sample/rotation_angle"
    assert_mapping_loc(f)


def test_a_copy_instead_of_a_link_is_a_link_error_for_each_field(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", link_mode="copy"))
    assert not report.ok
    assert {(f.rule, f.path) for f in report.errors} == {
        ("link", "/entry/data/data"),
        ("link", "/entry/data/rotation_angle"),
        ("link", "/entry/data/image_key"),
    }
    for f in report.errors:
        assert "copy" in f.message
        assert_mapping_loc(f)


def test_a_missing_nxdata_group_is_one_finding_without_a_cascade(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", with_nxdata=False, default=None))
    assert not report.ok
    (f,) = report.findings
    assert (f.severity, f.rule, f.path) == ("error", "required", "/entry/data")
    assert_mapping_loc(f, "{entry}/data")
    assert not [g for g in report.findings if g.path.startswith("/entry/data/")]


def test_a_missing_nxdata_group_named_by_default_also_breaks_the_default_chain(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", with_nxdata=False))
    assert {(f.rule, f.path) for f in report.errors} == {
        ("required", "/entry/data"),
        ("default", "/entry/@default"),
    }


def test_a_detector_with_the_wrong_nx_class_is_an_nx_class_error(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", detector_class="NXcollection"))
    assert not report.ok
    (f,) = report.errors
    assert (f.rule, f.path, f.expected, f.found) == ("nx_class", DET, "NXdetector", "NXcollection")
    assert_mapping_loc(f, "detector")
    # its children are not reported one by one
    assert not [g for g in report.findings if g.path.startswith(DET + "/")]


def test_a_dataset_where_the_detector_group_should_be_is_an_nx_class_error(tmp_path):
    def swap(f: h5py.File) -> None:
        del f["entry/instrument/detector"]
        f["entry/instrument/detector"] = np.zeros(3)

    report = validate(write_nxtomo(tmp_path / "f.nxs", with_nxdata=False, default=None, extra=swap))
    assert [(f.rule, f.path) for f in report.errors if f.path.startswith(DET)] == [
        ("nx_class", DET)
    ]


def test_a_default_naming_nothing_is_a_default_error(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", default="nothere"))
    assert not report.ok
    (f,) = report.errors
    assert (f.rule, f.path, f.found) == ("default", "/entry/@default", "nothere")
    assert_mapping_loc(f, '"/"')


def test_a_default_cycle_and_a_numeric_default_are_findings_not_crashes(tmp_path):
    def cycle(f: h5py.File) -> None:
        f["entry"].attrs["default"] = "/entry"

    def numeric(f: h5py.File) -> None:
        f["entry"].attrs["default"] = 5

    for name, extra in (("cycle", cycle), ("numeric", numeric)):
        report = validate(write_nxtomo(tmp_path / f"{name}.nxs", extra=extra))
        assert [f.rule for f in report.errors] == ["default"], report


def test_files_without_default_attributes_are_fine(tmp_path):
    assert validate(write_nxtomo(tmp_path / "f.nxs", default=None)).findings == []


def test_a_dangling_soft_link_in_nxdata_is_reported_not_raised(tmp_path):
    def dangle(f: h5py.File) -> None:
        del f["entry/data/data"]
        f["entry/data/data"] = h5py.SoftLink("/nowhere")

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=dangle))
    assert not report.ok
    assert at(report, "/entry/data/data")


def test_a_dangling_soft_link_message_says_missing_once(tmp_path):
    def dangle(f: h5py.File) -> None:
        del f["entry/data/data"]
        f["entry/data/data"] = h5py.SoftLink("/nowhere")

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=dangle))
    (f,) = [f for f in at(report, "/entry/data/data") if f.rule == "required"]
    assert f.message.count("missing") == 1, f.message


def test_a_dataset_in_place_of_the_nxdata_group_does_not_cascade(tmp_path):
    def swap(f: h5py.File) -> None:
        del f["entry/data"]
        f["entry/data"] = np.zeros(3)

    report = validate(write_nxtomo(tmp_path / "f.nxs", default=None, extra=swap))
    assert any(f.rule == "nx_class" for f in at(report, "/entry/data"))
    assert not [f for f in report.findings if f.path.startswith("/entry/data/")], report


# ------------------------------------------------------------------ values and types
def test_a_translation_of_11_values_for_12_frames_is_a_shape_error(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", x_translation=np.zeros(N_FRAMES - 1)))
    (f,) = report.errors
    assert (f.rule, f.path, f.expected, f.found) == (
        "shape",
        "/entry/sample/x_translation",
        N_FRAMES,
        N_FRAMES - 1,
    )
    assert "nFrames" in f.message
    assert_mapping_loc(f)


@pytest.mark.parametrize(
    "angles",
    [
        "12.5",
        np.array([str(a) for a in range(N_FRAMES)], dtype=h5py.string_dtype()),
        np.array([str(a).encode() for a in range(N_FRAMES)]),
    ],
    ids=["scalar-str", "vlen-str-array", "fixed-bytes-array"],
)
def test_a_rotation_angle_stored_as_text_is_a_dtype_error(tmp_path, angles):
    report = validate(write_nxtomo(tmp_path / "f.nxs", rotation_angle=angles))
    assert not report.ok
    (f,) = [f for f in at(report, "/entry/sample/rotation_angle") if f.rule == "dtype"]
    assert f.found == "string" and f.expected == "NX_FLOAT"
    assert_mapping_loc(f)


@pytest.mark.parametrize(
    "definition",
    [
        np.array([b"NXtomo"]),
        np.array(["NXtomo"], dtype=h5py.string_dtype()),
    ],
    ids=["fixed-bytes", "vlen-str"],
)
def test_a_definition_in_a_one_element_array_is_accepted_with_an_info(tmp_path, definition):
    path = write_nxtomo(tmp_path / "f.nxs", definition=definition)
    report = validate(path)
    assert report.ok
    assert report.errors == [] and report.warnings == []
    (f,) = report.findings
    assert (f.severity, f.rule, f.path) == ("info", "scalar", "/entry/definition")
    # and it is still recognised as NXtomo
    assert validate(path, schema=None).schema == "nxtomo"


STRINGS = {
    "fixed-bytes": lambda s: np.bytes_(s.encode()),
    "vlen-str": lambda s: np.array(s, dtype=h5py.string_dtype()),
    "vlen-ascii-bytes": lambda s: np.array(s.encode(), dtype=h5py.string_dtype("ascii")),
    "fixed-utf8": lambda s: np.array(s.encode(), dtype=h5py.string_dtype("utf-8", 16)),
}


@pytest.mark.parametrize("kind", list(STRINGS))
def test_text_fields_may_be_bytes_or_str(tmp_path, kind):
    enc = STRINGS[kind]

    def title(f: h5py.File) -> None:
        del f["entry/title"]
        f["entry"].create_dataset("title", data=enc("tomo scan 17"))

    path = write_nxtomo(
        tmp_path / "f.nxs",
        definition=enc("NXtomo"),
        probe=enc("x-ray"),
        sample_name=enc("bone-17"),
        extra=title,
    )
    report = validate(path, schema=None)
    assert report.schema == "nxtomo"
    assert report.findings == []
    (s,) = mapper.load(path)
    assert s["metadata"]["Sample"]["name"] == "bone-17"
    assert s["metadata"]["General"]["title"] == "tomo scan 17"
    assert isinstance(s["metadata"]["Acquisition_instrument"]["Source"]["probe"], str)


@pytest.mark.parametrize(
    "name",
    [np.bytes_(b"bone\xff\xfe"), np.array(b"bone\xff\xfe", dtype=h5py.string_dtype("ascii"))],
    ids=["fixed", "vlen"],
)
def test_non_utf8_bytes_in_sample_name_are_an_encoding_error(tmp_path, name):
    report = validate(write_nxtomo(tmp_path / "f.nxs", sample_name=name))
    assert not report.ok
    (f,) = report.errors
    assert (f.rule, f.path, f.expected) == ("encoding", "/entry/sample/name", "UTF-8")
    assert "xff" in f.found
    assert_mapping_loc(f)


def test_a_number_where_sample_name_should_be_is_a_dtype_error(tmp_path):
    report = validate(write_nxtomo(tmp_path / "f.nxs", sample_name=5))
    (f,) = report.errors
    assert (f.rule, f.path, f.expected) == ("dtype", "/entry/sample/name", "NX_CHAR")


def test_non_utf8_units_are_an_error_not_a_crash(tmp_path):
    def units(f: h5py.File) -> None:
        f["entry/sample/rotation_angle"].attrs["units"] = np.bytes_(b"deg\xff")

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=units))
    assert not report.ok
    assert any(f.rule == "units" for f in at(report, "/entry/sample/rotation_angle"))


def test_non_utf8_units_do_not_also_claim_the_units_are_missing(tmp_path):
    def units(f: h5py.File) -> None:
        f["entry/sample/rotation_angle"].attrs["units"] = np.bytes_(b"deg\xff")

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=units))
    said = [f.message for f in at(report, "/entry/sample/rotation_angle", None)]
    assert not [m for m in said if "no @units" in m], said


def _empty(field: str, dtype: str):
    def swap(f: h5py.File) -> None:
        group, name = posixpath.split(field)
        attrs = dict(f[field].attrs)
        del f[field]
        ds = f[group].create_dataset(name, data=h5py.Empty(dtype))
        ds.attrs.update(attrs)

    return swap


def test_an_empty_dataspace_image_key_is_a_rank_error(tmp_path):
    path = write_nxtomo(
        tmp_path / "f.nxs", with_nxdata=False, default=None, extra=_empty(f"{DET}/image_key", "i4")
    )
    report = validate(path)
    assert not report.ok
    f = [f for f in at(report, f"{DET}/image_key") if f.rule == "rank"]
    assert f and f[0].found is None and "empty dataspace" in f[0].message


def test_an_empty_dataspace_gives_one_finding_not_a_value_check_on_empty(tmp_path):
    path = write_nxtomo(
        tmp_path / "f.nxs", with_nxdata=False, default=None, extra=_empty(f"{DET}/image_key", "i4")
    )
    report = validate(path)
    said = at(report, f"{DET}/image_key", None)
    assert [f.rule for f in said] == ["rank"], [str(f) for f in said]


def test_an_empty_dataspace_detector_data_is_an_error_not_a_crash(tmp_path):
    def empty(f: h5py.File) -> None:
        del f["entry/instrument/detector/data"], f["entry/data/data"]
        f["entry/instrument/detector"].create_dataset("data", data=h5py.Empty("u2"))
        f["entry/instrument/detector/data"].attrs["target"] = f"{DET}/data"
        f["entry/data/data"] = f["entry/instrument/detector/data"]

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=empty))
    assert not report.ok
    assert [f.rule for f in at(report, f"{DET}/data")] == ["rank"]


def test_an_empty_dataspace_required_name_is_reported(tmp_path):
    path = write_nxtomo(tmp_path / "f.nxs", extra=_empty("/entry/sample/name", "S10"))
    report = validate(path)
    assert not report.ok, report
    assert at(report, "/entry/sample/name")


def test_load_warns_and_leaves_out_an_empty_dataspace_name(tmp_path):
    """Validation says error; load still opens the scan, warns, and leaves the name out."""
    path = write_nxtomo(tmp_path / "f.nxs", extra=_empty("/entry/sample/name", "S10"))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        (s,) = mapper.load(path, "nxtomo")
    assert "Sample" not in s["metadata"]
    assert any("metadata.Sample.name left out" in str(w.message) for w in rec)


# ------------------------------------------------------------------ optional groups
def test_a_control_group_without_its_data_is_an_error(tmp_path):
    def strip(f: h5py.File) -> None:
        del f["entry/control/data"]

    report = validate(write_nxtomo(tmp_path / "f.nxs", extra=strip))
    assert not report.ok
    (f,) = report.errors
    assert (f.rule, f.path) == ("required", "/entry/control/data")
    assert_mapping_loc(f, "{control}/data")


def test_an_absent_control_group_is_fine(tmp_path):
    assert validate(write_nxtomo(tmp_path / "f.nxs", with_control=False)).findings == []


def test_an_absent_optional_source_group_is_fine(tmp_path):
    def strip(f: h5py.File) -> None:
        del f["entry/instrument/source"]

    assert validate(write_nxtomo(tmp_path / "f.nxs", extra=strip)).findings == []


# ------------------------------------------------------------------ several entries
def _two_entry_file(tmp_path: Path, **second: Any) -> Path:
    path = write_nxtomo(tmp_path / "multi.nxs", entry="scan_a")
    other = write_nxtomo(tmp_path / "other.nxs", entry="scan_b", default=None, **second)
    copy_entry(path, other, "scan_b")
    return path


def test_each_nxtomo_entry_has_its_own_symbols(tmp_path):
    n = 5
    path = _two_entry_file(
        tmp_path,
        data=np.zeros((n, 3, 4), np.uint16),
        image_key=np.zeros(n, np.int32),
        rotation_angle=np.linspace(0, 90, n),
        x_translation=np.zeros(n),
        with_control=False,
    )
    report = validate(path, schema=None)
    assert report.schema == "nxtomo"
    assert report.findings == [], report


def test_findings_are_reported_per_entry(tmp_path):
    n = 5
    path = _two_entry_file(
        tmp_path,
        data=np.zeros((n, 3, 4), np.uint16),
        rotation_angle=np.linspace(0, 90, n),
        image_key=np.array([0, 0, 0, 0, 7], np.int32),
        x_translation=np.zeros(n - 1),
        with_control=False,
    )
    report = validate(path)
    assert {(f.rule, f.path) for f in report.errors} == {
        ("enum", "/scan_b/instrument/detector/image_key"),
        ("shape", "/scan_b/sample/x_translation"),
    }
    (shape,) = [f for f in report.errors if f.rule == "shape"]
    assert (shape.expected, shape.found) == (n, n - 1)
    assert "/scan_b/" in shape.message  # the symbol came from this entry, not from scan_a


def test_the_same_fault_in_two_entries_is_two_findings(tmp_path):
    path = _two_entry_file(tmp_path, sample_name=None)
    with h5py.File(path, "a") as f:
        del f["scan_a/sample/name"]
    report = validate(path)
    assert sorted(f.path for f in report.errors) == ["/scan_a/sample/name", "/scan_b/sample/name"]
    assert {f.rule for f in report.errors} == {"required"}


def test_an_entry_of_another_definition_is_left_alone(tmp_path):
    path = write_nxtomo(tmp_path / "f.nxs")
    with h5py.File(path, "a") as f:
        g = f.create_group("mx")
        g.attrs["NX_class"] = "NXentry"
        g["definition"] = "NXmx"
    report = validate(path)
    assert report.findings == [], report


# ------------------------------------------------------------------ never raises, except ...
ODD_FILES = {
    "wrong link": {"link_mode": "wrong"},
    "copy": {"link_mode": "copy"},
    "no nxdata": {"with_nxdata": False},
    "detector class": {"detector_class": "NXcollection"},
    "default": {"default": "nothere"},
    "translation": {"x_translation": np.zeros(11)},
    "text angles": {"rotation_angle": "0 15 30"},
    "non-utf8": {"sample_name": np.bytes_(b"\xff")},
    "empty": {"extra": _empty(f"{DET}/image_key", "i4")},
    "no definition, no angles": {"definition": None, "rotation_angle": False},
    "everything": {
        "definition": None,
        "rotation_angle": False,
        "data": np.zeros(3, np.uint16),
        "image_key": np.array([b"x"]),
        "probe": 7,
        "start_time": 0,
        "sample_name": None,
        "detector_class": "NXdata",
        "link_mode": "copy",
    },
}


@pytest.mark.parametrize("name", list(ODD_FILES))
def test_validation_never_raises_on_odd_files(tmp_path, name):
    path = write_nxtomo(tmp_path / "f.nxs", **ODD_FILES[name])
    report = validate(path)
    assert report.checked and not report.ok
    for f in report.findings:
        assert f.severity in ("error", "warning", "info")
        assert f.rule and f.path.startswith("/") and f.message
        f.to_dict()  # JSON-ready


def test_an_unreadable_file_raises_a_mapper_error(tmp_path):
    bad = tmp_path / "bad.nxs"
    bad.write_bytes(b"not an HDF5 file at all")
    with pytest.raises(FileFormatError):
        mapper.validate(bad, "nxtomo")
    with pytest.raises(MissingFileError):
        mapper.validate(tmp_path / "absent.nxs")


def test_a_file_no_mapping_matches_raises_no_match(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["x"] = 1
    with pytest.raises(NoMatchError):
        mapper.validate(path)


def test_a_truncated_file_raises_a_mapper_error(tmp_path):
    path = write_nxtomo(tmp_path / "f.nxs")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(MapperError):
        mapper.validate(path, "nxtomo")


def test_an_unknown_schema_name_raises_a_mapper_error(tmp_path):
    with pytest.raises(MapperError):
        mapper.validate(write_nxtomo(tmp_path / "f.nxs"), "no_such_mapping")


# ------------------------------------------------------------------ valid files from elsewhere
def _nxtomo_library_file(path: Path, frames: int = 10) -> Path:
    pint = pytest.importorskip("pint")
    nxtomo_app = pytest.importorskip("nxtomo.application.nxtomo")
    from nxtomo.nxobject.nxdetector import ImageKey

    ureg = pint.get_application_registry()
    nx = nxtomo_app.NXtomo()
    nx.title = "nxtomo library scan"
    nx.instrument.detector.data = np.arange(frames * NY * NX, dtype=np.uint16).reshape(
        frames, NY, NX
    )
    nx.instrument.detector.image_key_control = np.array(
        [ImageKey.DARK_FIELD, ImageKey.FLAT_FIELD] + [ImageKey.PROJECTION] * (frames - 2)
    )
    nx.instrument.detector.x_pixel_size = 6.5e-6 * ureg.meter
    nx.instrument.detector.y_pixel_size = 3.25e-6 * ureg.meter
    nx.sample.rotation_angle = np.linspace(0, 180, frames) * ureg.degree
    nx.sample.name = "library sample"
    nx.save(str(path), data_path="entry0000")
    return path


def test_a_file_written_by_the_nxtomo_library_has_no_errors(tmp_path):
    path = _nxtomo_library_file(tmp_path / "lib.nxs")
    report = validate(path, schema=None)
    assert report.schema == "nxtomo"
    assert report.ok and report.errors == [], report
    assert report.warnings == [], report


def test_the_nexus_nxtomo_template_has_no_errors():
    path = shared_file("nexus/appdefs/NXtomo.hdf5")
    report = validate(path, schema=None)
    assert report.schema == "nxtomo"
    assert report.ok and report.errors == [], report
    # a template: placeholders are warnings, not errors
    assert {f.rule for f in report.warnings} <= {"rank", "units"}


def test_the_nexus_nxtomo_template_loads_as_nxtomo():
    path = shared_file("nexus/appdefs/NXtomo.hdf5")
    assert mapper.detect(path) == "nxtomo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)  # 0-D placeholder data
        (s,) = mapper.load(path)
    assert s["metadata"]["Sample"]["name"] == "SAMPLE-CHAR-DATA"
    assert "image_key" in s["metadata"]["Tomography"]


def _assert_signal_contract(
    s: dict[str, Any],
    frames: int,
    pixel: tuple[float, float],
    pixel_units: str,
    title: str,
    name: str,
) -> None:
    assert s["data"].shape == (frames, NY, NX)
    rot, y, x = s["axes"]
    assert (rot["name"], rot["navigate"], rot["size"]) == ("rotation_angle", True, frames)
    assert rot["units"] in ("degree", "deg")
    assert rot["scale"] == pytest.approx(180 / (frames - 1))
    assert (y["name"], y["navigate"], y["size"]) == ("y", False, NY)
    assert (x["name"], x["navigate"], x["size"]) == ("x", False, NX)
    assert y["scale"] == pytest.approx(pixel[0]) and x["scale"] == pytest.approx(pixel[1])
    assert y["units"] == x["units"] == pixel_units
    md = s["metadata"]
    assert md["General"]["title"] == title
    assert md["Sample"]["name"] == name
    assert len(md["Tomography"]["image_key"]) == frames
    assert list(md["Tomography"]["image_key"][:2]) == [2, 1]


def test_load_detects_nxtomo_and_gives_the_signal_contract(tmp_path):
    path = write_nxtomo(tmp_path / "ok.nxs")
    assert mapper.detect(path) == "nxtomo"
    (s,) = mapper.load(path)
    _assert_signal_contract(s, N_FRAMES, (6.5, 6.5), "um", "tomo scan 17", "bone-17")


def test_load_of_an_nxtomo_library_file_gives_the_signal_contract(tmp_path):
    path = _nxtomo_library_file(tmp_path / "lib.nxs")
    assert mapper.detect(path) == "nxtomo"
    (s,) = mapper.load(path)
    _assert_signal_contract(s, 10, (3.25e-6, 6.5e-6), "m", "nxtomo library scan", "library sample")


# ------------------------------------------------------------------ no bulk data is read
def _spy_reads(monkeypatch) -> list[tuple[str, tuple[int, ...]]]:
    seen: list[tuple[str, tuple[int, ...]]] = []
    getitem, read_direct, array = (
        h5py.Dataset.__getitem__,
        h5py.Dataset.read_direct,
        h5py.Dataset.__array__,
    )

    def spy_getitem(self, *args, **kwargs):
        seen.append((self.name, self.shape))
        return getitem(self, *args, **kwargs)

    def spy_read_direct(self, *args, **kwargs):
        seen.append((self.name, self.shape))
        return read_direct(self, *args, **kwargs)

    def spy_array(self, *args, **kwargs):
        seen.append((self.name, self.shape))
        return array(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy_getitem)
    monkeypatch.setattr(h5py.Dataset, "read_direct", spy_read_direct)
    monkeypatch.setattr(h5py.Dataset, "__array__", spy_array)
    return seen


def _chunked_file(tmp_path: Path, frames: int = 64) -> Path:
    def big(f: h5py.File) -> None:
        del f["entry/instrument/detector/data"], f["entry/data/data"]
        ds = f["entry/instrument/detector"].create_dataset(
            "data",
            data=np.ones((frames, 128, 128), np.uint16),
            chunks=(1, 128, 128),
            compression="gzip",
        )
        ds.attrs["target"] = ds.name
        f["entry/data/data"] = ds

    return write_nxtomo(
        tmp_path / "big.nxs",
        data=np.zeros((frames, 1, 1), np.uint16),
        image_key=np.zeros(frames, np.int32),
        x_translation=np.zeros(frames),
        rotation_angle=np.linspace(0, 180, frames),
        with_control=False,
        extra=big,
    )


def test_validation_never_reads_the_detector_frames(tmp_path, monkeypatch):
    path = _chunked_file(tmp_path)
    seen = _spy_reads(monkeypatch)
    report = validate(path)
    assert report.findings == [], report
    assert seen, "the spy saw no read at all: it is not hooked in"
    assert not [s for s in seen if len(s[1]) == 3], seen


def test_the_read_spy_sees_an_eager_load(tmp_path, monkeypatch):
    """The control for the test above: the spy does catch mapper's bulk reads."""
    path = _chunked_file(tmp_path)
    seen = _spy_reads(monkeypatch)
    mapper.load(path, "nxtomo")
    assert [s for s in seen if len(s[1]) == 3]


def test_validation_passes_frames_that_cannot_even_be_decompressed(tmp_path):
    """400 x 256 x 256 frames behind a filter HDF5 does not have: any read would fail."""
    frames = 400

    def unreadable(f: h5py.File) -> None:
        det = f["entry/instrument/detector"]
        del det["data"], f["entry/data/data"]
        ds = det.create_dataset(
            "data",
            shape=(frames, 256, 256),
            dtype="u2",
            chunks=(1, 256, 256),
            compression=32999,
            allow_unknown_filter=True,
        )
        for i in range(frames):
            ds.id.write_direct_chunk((i, 0, 0), b"\0" * 64)
        ds.attrs["target"] = ds.name
        f["entry/data/data"] = ds

    path = write_nxtomo(
        tmp_path / "big.nxs",
        data=np.zeros((frames, 1, 1), np.uint16),
        image_key=np.zeros(frames, np.int32),
        x_translation=np.zeros(frames),
        rotation_angle=np.linspace(0, 180, frames),
        with_control=False,
        extra=unreadable,
    )
    with h5py.File(path) as f, pytest.raises(OSError):
        f["entry/instrument/detector/data"][0]  # the frames really are unreadable
    report = validate(path)
    assert report.findings == [], report
