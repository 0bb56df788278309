"""mapper.validate on USID files: every main-dataset rule, one fault per test.

A small h5py builder writes a valid USID file (``/Measurement_000/Channel_000/
Raw_Data``, 6 positions Y(2) x X(3) by 8 spectroscopic steps Cycle(2) x
Bias(4), with its four ancillary datasets beside it); each test breaks one
thing. Every fault is a finding with a stable rule id, the HDF5 path of the
offending object or attribute and the ``usid.yaml:LINE`` of the rule that
asked; a broken file never raises; the main data is never read; pyUSID's
``check_if_main`` raises on or accepts files mapper reports; the real files
in ../shared/data/usid are valid; the CLI exits 0, 1 or 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import SHARED, shared_file, spy_reads

import mapper
from mapper.cli import main as cli_main
from mapper.errors import FileFormatError, MissingFileError

Edit = Callable[[h5py.File], Any]

M = "/Measurement_000/Channel_000"
MAIN = f"{M}/Raw_Data"
REFS = ("Position_Indices", "Position_Values", "Spectroscopic_Indices", "Spectroscopic_Values")
PI, PV, SI, SV = (f"{M}/{name}" for name in REFS)
NY, NX, NCYC, NBIAS = 2, 3, 2, 4
NPOS, NSPEC = NY * NX, NCYC * NBIAS
TEXT = h5py.string_dtype()

#: The YAML key each kind of finding comes from (the line ``Finding.mapping`` names).
K_MAIN = '"{main}":'


# ------------------------------------------------------------------ the builder
def strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=TEXT)


def _grid(slow: int, fast: int) -> np.ndarray:
    """``(slow * fast, 2)`` index tuples, slowest first (as current pyUSID writes them)."""
    return np.array([[s, q] for s in range(slow) for q in range(fast)], dtype=np.uint32)


def write_usid(path: Path, edit: Edit | None = None) -> Path:
    """A valid USID file; ``edit(f)`` then breaks one thing."""
    pos_ind = _grid(NY, NX)  # (6, 2): Y, X
    pos_val = pos_ind * np.array([0.5, 0.25]) + np.array([10.0, 20.0])
    spec_ind = _grid(NCYC, NBIAS).T.copy()  # (2, 8): Cycle, Bias
    spec_val = np.vstack([spec_ind[0].astype(float), np.linspace(-1.0, 1.0, NBIAS)[spec_ind[1]]])
    with h5py.File(path, "w") as f:
        ch = f.require_group(M)
        f["Measurement_000"].attrs["General-title"] = "test scan"
        for name, arr, labels, units in (
            ("Position_Indices", pos_ind, ["Y", "X"], ["um", "um"]),
            ("Position_Values", pos_val, ["Y", "X"], ["um", "um"]),
            ("Spectroscopic_Indices", spec_ind, ["Cycle", "Bias"], ["", "V"]),
            ("Spectroscopic_Values", spec_val, ["Cycle", "Bias"], ["", "V"]),
        ):
            ds = ch.create_dataset(name, data=arr)
            ds.attrs["labels"] = strings(labels)
            ds.attrs["units"] = strings(units)
        main = ch.create_dataset(
            "Raw_Data", data=np.arange(NPOS * NSPEC, dtype=float).reshape(NPOS, NSPEC)
        )
        main.attrs["quantity"] = "Current"
        main.attrs["units"] = "nA"
        for name in REFS:
            main.attrs[name] = ch[name].ref
        if edit is not None:
            edit(f)
    return path


# ------------------------------------------------------------------ edits (one fault each)
def replace(path: str, data: Any, **kwargs: Any) -> Edit:
    """Recreate the dataset at ``path`` with ``data`` (same attributes; references re-pointed)."""

    def edit(f: h5py.File) -> None:
        old = f[path]
        attrs = dict(old.attrs)
        parent, name = old.parent, path.rsplit("/", 1)[1]
        value = data(old[()]) if callable(data) else data
        del parent[name]
        new = parent.create_dataset(name, data=value, **kwargs)
        for key, val in attrs.items():
            new.attrs[key] = val
        if name in REFS:  # the main's reference must point to the new object
            f[MAIN].attrs[name] = new.ref

    return edit


def set_attr(path: str, name: str, value: Any) -> Edit:
    def edit(f: h5py.File) -> None:
        f[path].attrs[name] = value(f) if callable(value) else value

    return edit


def del_attr(path: str, name: str) -> Edit:
    def edit(f: h5py.File) -> None:
        del f[path].attrs[name]

    return edit


def both(edit: Callable[[str], Edit], side: str = "Position") -> Edit:
    """The same edit on the Indices and the Values of one side."""

    def run(f: h5py.File) -> None:
        edit(f"{M}/{side}_Indices")(f)
        edit(f"{M}/{side}_Values")(f)

    return run


def chain(*edits: Edit) -> Edit:
    def run(f: h5py.File) -> None:
        for e in edits:
            e(f)

    return run


def set_value(path: str, index: tuple[int, int], value: float) -> Edit:
    def edit(f: h5py.File) -> None:
        f[path][index] = value

    return edit


def delete(path: str) -> Edit:
    def edit(f: h5py.File) -> None:
        del f[path]

    return edit


def second_main(where: str = f"{M}/Other", shape: tuple[int, ...] = (NPOS, NSPEC)) -> Edit:
    """Another main dataset referring to the same four ancillary datasets."""

    def edit(f: h5py.File) -> None:
        ds = f.create_dataset(where, data=np.zeros(shape))
        for key, val in f[MAIN].attrs.items():
            ds.attrs[key] = val

    return edit


def sparse(f: h5py.File) -> None:
    """Five of the six positions of the Y(2) x X(3) grid: a sparse scan."""
    replace(PI, lambda a: a[:5])(f)
    replace(PV, lambda a: a[:5])(f)
    replace(MAIN, np.zeros((5, NSPEC)))(f)


def no_references(f: h5py.File) -> None:
    for name in REFS:
        del f[MAIN].attrs[name]


# ------------------------------------------------------------------ the fault table
#: fault -> (edit, the findings as (severity, rule, path, the usid.yaml key that asked)).
FAULTS: dict[str, tuple[Edit, list[tuple[str, str, str, str]]]] = {
    "main 3-D": (replace(MAIN, np.zeros((NPOS, NSPEC, 2))), [("error", "rank", MAIN, K_MAIN)]),
    "main 1-D": (replace(MAIN, np.zeros(NPOS)), [("error", "rank", MAIN, K_MAIN)]),
    "missing quantity": (
        del_attr(MAIN, "quantity"),
        [("error", "required", f"{MAIN}/@quantity", '"{main}/@quantity"')],
    ),
    "empty quantity": (
        set_attr(MAIN, "quantity", ""),
        [("error", "nonempty", f"{MAIN}/@quantity", '"{main}/@quantity"')],
    ),
    "blank units": (
        set_attr(MAIN, "units", "  "),
        [("error", "nonempty", f"{MAIN}/@units", '"{main}/@units"')],
    ),
    "numeric quantity": (
        set_attr(MAIN, "quantity", 3.0),
        [("error", "dtype", f"{MAIN}/@quantity", '"{main}/@quantity"')],
    ),
    # a one-element string array is not the scalar string USID asks for (pyUSID agrees:
    # its get_attr gives an array, and check_if_main answers False)
    "quantity as 1-element array": (
        set_attr(MAIN, "quantity", strings(["Current"])),
        [
            ("error", "rank", f"{MAIN}/@quantity", '"{main}/@quantity"'),
            ("info", "scalar", f"{MAIN}/@quantity", '"{main}/@quantity"'),
        ],
    ),
    "missing reference": (
        del_attr(MAIN, "Spectroscopic_Values"),
        [("error", "usid.reference", f"{MAIN}/@Spectroscopic_Values", K_MAIN)],
    ),
    "reference is a string": (
        set_attr(MAIN, "Position_Values", "Position_Values"),
        [("error", "usid.reference", f"{MAIN}/@Position_Values", K_MAIN)],
    ),
    "null reference": (
        set_attr(MAIN, "Position_Values", lambda f: h5py.Reference()),
        [("error", "usid.reference", f"{MAIN}/@Position_Values", K_MAIN)],
    ),
    "reference to a group": (
        set_attr(MAIN, "Position_Values", lambda f: f[M].ref),
        [("error", "usid.reference", f"{MAIN}/@Position_Values", K_MAIN)],
    ),
    "dangling reference": (
        delete(PV),
        [("error", "usid.reference", f"{MAIN}/@Position_Values", K_MAIN)],
    ),
    "position rows != main rows": (
        both(lambda p: replace(p, lambda a: a[:5])),
        [
            ("error", "shape", PI, '"{pos_inds}":'),
            ("error", "shape", PV, '"{pos_vals}":'),
            # five positions of a 2 x 3 grid: also no N-D form, said as info
            ("info", "usid.nd_form", PI, K_MAIN),
        ],
    ),
    "spectroscopic columns != main columns": (
        both(lambda p: replace(p, lambda a: a[:, :NBIAS]), "Spectroscopic"),
        [("error", "shape", SI, '"{spec_inds}":'), ("error", "shape", SV, '"{spec_vals}":')],
    ),
    "labels missing": (
        del_attr(PI, "labels"),
        [("error", "required", f"{PI}/@labels", '"{pos_inds}/@labels"')],
    ),
    "units missing": (
        del_attr(SV, "units"),
        [("error", "required", f"{SV}/@units", '"{spec_vals}/@units"')],
    ),
    "labels count != U": (
        both(lambda p: set_attr(p, "labels", strings(["Y"]))),
        [
            ("error", "shape", f"{PI}/@labels", '"{pos_inds}/@labels"'),
            ("error", "shape", f"{PV}/@labels", '"{pos_vals}/@labels"'),
        ],
    ),
    "duplicate labels": (
        both(lambda p: set_attr(p, "labels", strings(["X", "X"]))),
        [
            ("error", "unique", f"{PI}/@labels", '"{pos_inds}/@labels"'),
            ("error", "unique", f"{PV}/@labels", '"{pos_vals}/@labels"'),
        ],
    ),
    "duplicate spectroscopic labels": (
        both(lambda p: set_attr(p, "labels", strings(["Bias", "Bias"])), "Spectroscopic"),
        [
            ("error", "unique", f"{SI}/@labels", '"{spec_inds}/@labels"'),
            ("error", "unique", f"{SV}/@labels", '"{spec_vals}/@labels"'),
        ],
    ),
    "empty label": (
        both(lambda p: set_attr(p, "labels", strings(["", "X"]))),
        [
            ("error", "nonempty", f"{PI}/@labels", '"{pos_inds}/@labels"'),
            ("error", "nonempty", f"{PV}/@labels", '"{pos_vals}/@labels"'),
        ],
    ),
    "labels differ between indices and values": (
        set_attr(PV, "labels", strings(["Row", "Col"])),
        [("error", "usid.labels", f"{PV}/@labels", K_MAIN)],
    ),
    "units differ between indices and values": (
        set_attr(SV, "units", strings(["", "mV"])),
        [("error", "usid.units", f"{SV}/@units", K_MAIN)],
    ),
    "float indices": (
        replace(PI, lambda a: a.astype(np.float64)),
        [("error", "dtype", PI, '"{pos_inds}":')],
    ),
    "float spectroscopic indices": (
        replace(SI, lambda a: a.astype(np.float32)),
        [("error", "dtype", SI, '"{spec_inds}":')],
    ),
    "negative indices": (
        replace(PI, lambda a: a.astype(np.int32) - np.array([0, 1], dtype=np.int32)),
        [("error", "usid.indices", PI, K_MAIN), ("info", "usid.nd_form", PI, K_MAIN)],
    ),  # X counts from -1: no N-D form either
    "index tuples inconsistent with values": (
        set_value(PV, (3, 1), 99.0),  # X index 0 stands for 20.0 and 99.0
        [("error", "usid.values", PV, K_MAIN)],
    ),
    "spectroscopic tuples inconsistent with values": (
        set_value(SV, (1, NBIAS), 42.0),  # Bias index 0 stands for -1.0 and 42.0
        [("error", "usid.values", SV, K_MAIN)],
    ),
    "values shaped unlike the indices": (
        replace(PV, lambda a: a[:, :1]),
        [("error", "usid.shape", PV, K_MAIN), ("error", "shape", PV, '"{pos_vals}":')],
    ),
    "string values": (
        replace(PV, np.array([["a", "b"]] * NPOS, dtype=TEXT)),
        [("error", "dtype", PV, '"{pos_vals}":')],
    ),
    "quantity not UTF-8": (
        set_attr(MAIN, "quantity", np.bytes_(b"\xff\xfe")),
        [("error", "encoding", f"{MAIN}/@quantity", '"{main}/@quantity"')],
    ),
}

#: Odd files that are still valid USID (with these findings, if any).
VALID_ODDITIES: dict[str, tuple[Edit, list[tuple[str, str, str, str]]]] = {
    "sparse positions": (sparse, [("info", "usid.nd_form", PI, K_MAIN)]),
    "ancillary datasets shared by two mains": (second_main(), []),
    "ancillary datasets shared across measurements": (
        second_main("/Measurement_001/Channel_000/Raw_Data", (NPOS, NSPEC)),
        [],
    ),
    "compound main": (
        replace(MAIN, np.zeros((NPOS, NSPEC), dtype=[("amp", "f4"), ("phase", "i2")])),
        [],
    ),
    "integer values": (replace(PV, lambda a: a.astype(np.int64)), []),
    "fixed-length byte labels": (both(lambda p: set_attr(p, "labels", np.array([b"Y", b"X"]))), []),
    "reference in a one-element array": (
        set_attr(MAIN, "Position_Values", lambda f: np.array([f[PV].ref], dtype=h5py.ref_dtype)),
        [],
    ),
}

#: More broken files for the never-raises corpus (no exact findings asserted).
ODD_BROKEN: dict[str, Edit] = {
    "scalar ancillary": replace(SV, 1.0),
    "empty-dataspace ancillary": replace(SV, h5py.Empty("f8")),
    "1-D ancillary": replace(PI, lambda a: a[:, 0]),
    "3-D ancillary": replace(PI, lambda a: a[:, :, None]),
    "empty-dataspace main": replace(MAIN, h5py.Empty("f8")),
    "empty-dataspace quantity": set_attr(MAIN, "quantity", h5py.Empty("S10")),
    "empty-dataspace labels": set_attr(PI, "labels", h5py.Empty("S5")),
    "numeric labels": set_attr(PI, "labels", np.array([1, 2])),
    "boolean labels": set_attr(PI, "labels", np.array([True, False])),
    "two references in one attribute": set_attr(
        MAIN, "Position_Values", lambda f: np.array([f[PV].ref, f[PI].ref], dtype=h5py.ref_dtype)
    ),
    "reference to the main itself": set_attr(MAIN, "Position_Indices", lambda f: f[MAIN].ref),
    "NaN in the values": set_value(PV, (0, 0), np.nan),
    "only one reference": lambda f: [f[MAIN].attrs.__delitem__(n) for n in REFS[1:]],
    "units as an array on the main": set_attr(MAIN, "units", strings(["nA", "nA"])),
    "labels one count off": set_attr(PI, "labels", strings(["Y"])),
    "position indices alone truncated": replace(PI, lambda a: a[:5]),
}

ALL_BROKEN: dict[str, Edit] = {**{k: v[0] for k, v in FAULTS.items()}, **ODD_BROKEN}


# ------------------------------------------------------------------ helpers
def validate(path: Path, schema: str | None = "usid") -> mapper.Report:
    """Validate with every Python warning an error: each oddity must be a finding."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return mapper.validate(path, schema)


def triples(report: mapper.Report) -> set[tuple[str, str, str]]:
    return {(f.severity, f.rule, f.path) for f in report.findings}


def schema_lines() -> list[str]:
    return Path(mapper.mappings()["usid"]).read_text(encoding="utf-8").splitlines()


def yaml_line(finding: mapper.Finding) -> str:
    """Line N of ``usid.yaml:N`` and the key line above it (a block starts below its key)."""
    m = re.fullmatch(r"usid\.yaml:(\d+)", finding.mapping)
    assert m, f"mapping location {finding.mapping!r} of {finding}"
    line = int(m.group(1))
    return "\n".join(schema_lines()[max(0, line - 2) : line])


def one(report: mapper.Report, rule: str, path: str, severity: str = "error") -> mapper.Finding:
    hits = [f for f in report.findings if (f.rule, f.path, f.severity) == (rule, path, severity)]
    assert len(hits) == 1, f"expected one {severity} {rule!r} at {path}:\n{report}"
    return hits[0]


@pytest.fixture
def usid(tmp_path: Path) -> Callable[..., Path]:
    """``usid(edit)``: write a USID file broken by ``edit``; its path."""
    counter = iter(range(10_000))

    def make(edit: Edit | None = None, name: str | None = None) -> Path:
        return write_usid(tmp_path / (name or f"u{next(counter)}.h5"), edit)

    return make


# ------------------------------------------------------------------ the valid file
def test_the_valid_file_has_no_findings_at_all(usid):
    path = usid()
    report = validate(path)
    assert report.ok and report.checked
    assert report.schema == "usid"
    assert report.findings == [], report
    # and it is detected as USID without being told
    assert validate(path, schema=None).schema == "usid"


def test_the_valid_file_is_a_main_for_pyusid_too(usid):
    check_if_main = _pyusid_check()
    with h5py.File(usid(), "r") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert bool(check_if_main(f[MAIN])) is True


# ------------------------------------------------------------------ one test per fault
@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_each_fault_is_a_finding_with_rule_path_and_mapping_line(usid, fault):
    edit, expected = FAULTS[fault]
    report = validate(usid(edit))
    assert report.checked
    assert not report.ok, report
    # exactly these findings: nothing else is blamed
    assert triples(report) == {(s, r, p) for s, r, p, _ in expected}, report
    for severity, rule, path, key in expected:
        f = one(report, rule, path, severity)
        assert key in yaml_line(f), (f, yaml_line(f))
        assert f.message and "\n" not in f.message
        json.dumps(f.to_dict())  # strict JSON, whatever the file holds


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_faulty_files_are_still_detected_as_usid(usid, fault):
    report = validate(usid(FAULTS[fault][0]), schema=None)
    assert report.schema == "usid"
    assert not report.ok


def test_wrong_rank_says_expected_and_found(usid):
    for data, rank in ((np.zeros((NPOS, NSPEC, 2)), 3), (np.zeros(NPOS), 1)):
        f = one(validate(usid(replace(MAIN, data))), "rank", MAIN)
        assert (f.expected, f.found) == (2, rank)


def test_row_and_column_mismatches_name_the_main_and_the_counts(usid):
    report = validate(usid(FAULTS["position rows != main rows"][0]))
    for path in (PI, PV):
        f = one(report, "shape", path)
        assert (f.expected, f.found) == (NPOS, 5)
        assert MAIN in f.message and "nPositions" in f.message
    report = validate(usid(FAULTS["spectroscopic columns != main columns"][0]))
    for path in (SI, SV):
        f = one(report, "shape", path)
        assert (f.expected, f.found) == (NSPEC, NBIAS)
        assert "nSteps" in f.message


def test_labels_count_and_differences_say_expected_and_found(usid):
    f = one(validate(usid(FAULTS["labels count != U"][0])), "shape", f"{PI}/@labels")
    assert (f.expected, f.found) == (2, 1)
    f = one(
        validate(usid(FAULTS["labels differ between indices and values"][0])),
        "usid.labels",
        f"{PV}/@labels",
    )
    assert (f.expected, f.found) == (["Y", "X"], ["Row", "Col"])
    f = one(
        validate(usid(FAULTS["units differ between indices and values"][0])),
        "usid.units",
        f"{SV}/@units",
    )
    assert (f.expected, f.found) == (["", "V"], ["", "mV"])
    f = one(validate(usid(FAULTS["duplicate labels"][0])), "unique", f"{PI}/@labels")
    assert f.found == "X"


@pytest.mark.parametrize(
    "fault",
    [
        "missing reference",
        "reference is a string",
        "null reference",
        "reference to a group",
        "dangling reference",
    ],
)
def test_reference_faults_say_what_the_attribute_holds(usid, fault):
    words = {
        "missing reference": "has no @Spectroscopic_Values",
        "reference is a string": "not an object reference",
        "null reference": "null reference",
        "reference to a group": f"the group {M}",
        "dangling reference": "points to nothing",
    }
    report = validate(usid(FAULTS[fault][0]))
    (f,) = report.errors
    assert f.rule == "usid.reference"
    assert words[fault] in f.message, f


def test_inconsistent_values_name_the_dimension_and_both_values(usid):
    f = one(validate(usid(FAULTS["index tuples inconsistent with values"][0])), "usid.values", PV)
    assert "X: index 0" in f.message and "20" in f.message and "99" in f.message
    f = one(
        validate(usid(FAULTS["spectroscopic tuples inconsistent with values"][0])),
        "usid.values",
        SV,
    )
    assert "Bias: index 0" in f.message and "42" in f.message


def test_quantity_in_a_one_element_array_is_a_rank_error_plus_an_info(usid):
    """Decision: USID wants a scalar string; a one-element array is an error (pyUSID's
    check_if_main answers False too). The extra ``scalar`` info says the same thing
    again (see the report: redundant, but harmless)."""
    report = validate(usid(FAULTS["quantity as 1-element array"][0]))
    f = one(report, "rank", f"{MAIN}/@quantity")
    assert (f.expected, f.found) == (0, 1)
    assert one(report, "scalar", f"{MAIN}/@quantity", "info")


def test_a_scalar_main_is_an_error(usid):
    report = validate(usid(replace(MAIN, 1.0)))
    assert not report.ok, report
    assert one(report, "rank", MAIN)


# ------------------------------------------------------------------ odd but valid
@pytest.mark.parametrize("case", list(VALID_ODDITIES), ids=list(VALID_ODDITIES))
def test_odd_but_valid_files_are_valid(usid, case):
    edit, expected = VALID_ODDITIES[case]
    report = validate(usid(edit))
    assert report.ok and report.checked, report
    assert not report.errors and not report.warnings, report
    assert triples(report) == {(s, r, p) for s, r, p, _ in expected}, report


def test_a_sparse_scan_is_valid_with_an_info_saying_there_is_no_nd_form(usid):
    report = validate(usid(sparse))
    assert report.ok and report.passes(strict=True)
    f = one(report, "usid.nd_form", PI, "info")
    assert f.message.startswith("no N-D form")
    assert "sparse or incomplete" in f.message
    assert K_MAIN in yaml_line(f)


def test_shared_ancillary_datasets_check_each_main_on_its_own(usid):
    # two mains, same ancillaries: the second has an empty quantity, the first does not
    report = validate(usid(chain(second_main(), set_attr(f"{M}/Other", "quantity", ""))))
    assert triples(report) == {("error", "nonempty", f"{M}/Other/@quantity")}
    # a fault in a shared ancillary is reported once, not once per main
    report = validate(usid(chain(second_main(), FAULTS["duplicate labels"][0])))
    assert sorted(f.path for f in report.errors) == [f"{PI}/@labels", f"{PV}/@labels"]
    # a second main whose column count the shared ancillaries do not fit
    report = validate(usid(second_main(shape=(NPOS, NSPEC + 1))))
    assert {(f.rule, f.path) for f in report.errors} == {("shape", SI), ("shape", SV)}
    assert all(f"{M}/Other" in f.message for f in report.errors)


# ------------------------------------------------------------------ no main at all
def test_a_file_without_a_main_dataset_is_an_error_against_usid(usid):
    report = validate(usid(no_references), schema="usid")
    assert report.checked and not report.ok
    (f,) = report.findings
    assert (f.severity, f.rule, f.path) == ("error", "required", "/")
    assert "main" in f.message
    assert "main:" in yaml_line(f)


def test_files_that_cannot_be_checked_raise_mapper_errors(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"this is not HDF5 at all")
    with pytest.raises(FileFormatError):
        mapper.validate(junk, schema="usid")
    with pytest.raises(MissingFileError):
        mapper.validate(tmp_path / "absent.h5", schema="usid")


# ------------------------------------------------------------------ never raises
def test_the_corpus_of_broken_files_never_raises(tmp_path):
    for i, (name, edit) in enumerate(ALL_BROKEN.items()):
        path = write_usid(tmp_path / f"c{i}.h5", edit)
        try:
            report = validate(path)
        except Exception as exc:  # the point of the test
            pytest.fail(f"{name}: mapper.validate raised {type(exc).__name__}: {exc}")
        assert report.checked, name
        assert not report.ok, f"{name}: a broken file passes:\n{report}"
        for f in report.findings:
            assert f.severity in ("error", "warning", "info")
            assert f.path.startswith("/") and f.rule and f.message, (name, f)
        json.dumps(report.to_dict())


# ------------------------------------------------------------------ pyUSID, compared
def _pyusid_check() -> Callable[..., Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyusid = pytest.importorskip("pyUSID")
    return pyusid.hdf_utils.check_if_main  # type: ignore[no-any-return]


#: What pyUSID 0.0.12's check_if_main does with files mapper reports as broken.
PYUSID: dict[str, str] = {
    # raises instead of answering False
    "reference to a group": "raises",
    "labels missing": "raises",
    "units missing": "raises",
    "quantity not UTF-8": "raises",
    "scalar ancillary": "raises",
    "empty-dataspace ancillary": "raises",
    # answers True for a broken main
    "empty quantity": "accepts",
    "blank units": "accepts",
    "duplicate labels": "accepts",
    "float indices": "accepts",
    "negative indices": "accepts",
    "index tuples inconsistent with values": "accepts",
    "string values": "accepts",
    # agrees (the decision on a one-element quantity array)
    "quantity as 1-element array": "rejects",
}


@pytest.mark.parametrize("fault", list(PYUSID))
def test_pyusid_raises_or_accepts_where_mapper_gives_findings(usid, fault):
    check_if_main = _pyusid_check()
    path = usid(ALL_BROKEN[fault])
    with h5py.File(path, "r") as f, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            outcome = "accepts" if check_if_main(f[MAIN]) else "rejects"
        except Exception:  # that it raises is the point
            outcome = "raises"
    assert outcome == PYUSID[fault]
    report = validate(path)  # mapper: findings, never an exception
    assert report.checked and report.errors, report


# ------------------------------------------------------------------ no bulk data is read
@pytest.mark.parametrize(
    "case",
    [
        "valid",
        "sparse positions",
        "compound main",
        "index tuples inconsistent with values",
        "main 3-D",
    ],
)
def test_validation_never_reads_the_main_data(usid, monkeypatch, case):
    edit = {"valid": None, **{k: v[0] for k, v in {**FAULTS, **VALID_ODDITIES}.items()}}[case]
    path = usid(edit)
    seen = spy_reads(monkeypatch)
    validate(path)
    assert seen, "the spy saw no read at all: it is not hooked in"
    assert MAIN not in seen, seen


def test_the_read_spy_sees_a_load_of_the_main_data(usid, monkeypatch):
    """The control for the test above: the spy does catch a read of the main."""
    path = usid()
    seen = spy_reads(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapper.load(path, "usid")
    assert MAIN in seen


def test_validation_never_reads_a_text_main(usid, monkeypatch):
    path = usid(replace(MAIN, np.array([["a"] * NSPEC] * NPOS, dtype=TEXT)))
    seen = spy_reads(monkeypatch)
    validate(path)
    assert MAIN not in seen, seen


def test_a_main_whose_data_cannot_even_be_decompressed_is_valid(usid):
    """Behind a filter HDF5 does not have, any read of the main would fail."""
    rows, cols = 256, 1024

    def unreadable(f: h5py.File) -> None:
        attrs = dict(f[MAIN].attrs)
        del f[MAIN]
        ds = f.create_dataset(
            MAIN,
            shape=(rows, cols),
            dtype="f8",
            chunks=(16, cols),
            compression=32999,
            allow_unknown_filter=True,
        )
        for i in range(0, rows, 16):
            ds.id.write_direct_chunk((i, 0), b"\0" * 64)
        for k, v in attrs.items():
            ds.attrs[k] = v
        for name in ("Position_Indices", "Position_Values"):
            replace(
                f"{M}/{name}",
                _grid(16, 16).astype(np.uint32 if name.endswith("Indices") else float),
            )(f)
        for name in ("Spectroscopic_Indices", "Spectroscopic_Values"):
            replace(
                f"{M}/{name}",
                np.arange(cols, dtype=np.uint32 if name.endswith("Indices") else float)[None, :],
            )(f)
        for name in REFS:
            f[f"{M}/{name}"].attrs["labels"] = strings(
                ["Y", "X"] if name.startswith("Pos") else ["Bias"]
            )
            f[f"{M}/{name}"].attrs["units"] = strings(
                ["um", "um"] if name.startswith("Pos") else ["V"]
            )

    path = usid(unreadable)
    with h5py.File(path, "r") as f, pytest.raises(OSError):
        f[MAIN][0]  # the main really is unreadable
    report = validate(path)
    assert report.findings == [], report


# ------------------------------------------------------------------ the real files
REAL = ["AFM_Force_Curve.h5", "simulated_STEM_Image.h5", "sparse_sampling.h5"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", REAL)
def test_the_real_usid_files_are_valid(name):
    path = shared_file(f"usid/{name}")
    for schema in ("usid", None):
        report = validate(path, schema)
        assert report.schema == "usid"
        assert report.ok and report.passes(strict=True), report
    infos = [f for f in report.findings if f.severity == "info"]
    if name == "sparse_sampling.h5":
        assert infos and all(f.rule == "usid.nd_form" for f in infos), report
        assert all("sparse or incomplete" in f.message for f in infos)
    else:
        assert report.findings == [], report


@pytest.mark.shared_data
def test_every_real_usid_file_in_the_folder_is_valid():
    folder = SHARED / "usid"
    files = sorted(folder.glob("*.h5")) if folder.is_dir() else []
    if not files:
        pytest.skip(f"shared data not available: {folder}")
    for path in files:
        report = validate(path)
        assert report.ok and not report.warnings, report


# ------------------------------------------------------------------ the CLI
@pytest.fixture
def cli_files(usid, tmp_path: Path) -> dict[str, Path]:
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"this is not HDF5")
    return {
        "good": usid(name="good.h5"),
        "sparse": usid(sparse, "sparse.h5"),
        "bad": usid(FAULTS["duplicate labels"][0], "bad.h5"),
        "nomain": usid(no_references, "nomain.h5"),
        "group": usid(FAULTS["reference to a group"][0], "group.h5"),
        "junk": junk,
        "missing": tmp_path / "absent.h5",
    }


def run_json(capsys, *files: Path) -> tuple[int, dict[str, Any]]:
    code = cli_main(["validate", "--schema", "usid", "--json", *map(str, files)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out and "Traceback" not in err
    return code, json.loads(out)


@pytest.mark.parametrize(
    "kinds, code",
    [
        (["good"], 0),
        (["good", "sparse"], 0),
        (["good", "bad"], 1),
        (["nomain"], 1),
        (["group", "sparse"], 1),
        (["junk"], 2),
        (["missing"], 2),
        (["good", "bad", "nomain", "junk"], 2),
    ],
)
def test_cli_json_exit_codes(capsys, cli_files, kinds, code):
    got, doc = run_json(capsys, *(cli_files[k] for k in kinds))
    assert got == code
    by_name = {Path(f["file"]).name: f for f in doc["files"]}
    assert len(by_name) == len(kinds)
    for k in kinds:
        entry = by_name[cli_files[k].name]
        assert entry["checked"] is (k not in ("junk", "missing"))
        assert entry["ok"] is (k in ("good", "sparse"))
        if entry["checked"]:
            assert entry["schema"] == "usid"


def test_cli_json_findings_carry_rule_path_and_mapping(capsys, cli_files):
    _, doc = run_json(capsys, cli_files["bad"], cli_files["sparse"], cli_files["nomain"])
    by_name = {Path(f["file"]).name: f for f in doc["files"]}
    bad = {(f["rule"], f["path"]) for f in by_name["bad.h5"]["findings"]}
    assert bad == {("unique", f"{PI}/@labels"), ("unique", f"{PV}/@labels")}
    (info,) = by_name["sparse.h5"]["findings"]
    assert (info["severity"], info["rule"], info["path"]) == ("info", "usid.nd_form", PI)
    assert info["mapping"].startswith("usid.yaml:")
    (none,) = by_name["nomain.h5"]["findings"]
    assert (none["severity"], none["rule"], none["path"]) == ("error", "required", "/")
    assert doc["summary"]["files"] == 3 and doc["summary"]["invalid"] == 2


def test_python_dash_m_mapper_validate_usid_in_a_real_process(cli_files):
    env = {k: v for k, v in os.environ.items() if k != "MAPPER_DEBUG"}
    files = [cli_files[k] for k in ("good", "sparse", "group", "junk")]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mapper",
            "validate",
            "--schema",
            "usid",
            "--json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    doc = json.loads(proc.stdout)
    states = {Path(f["file"]).name: (f["checked"], f["ok"]) for f in doc["files"]}
    assert states == {
        "good.h5": (True, True),
        "sparse.h5": (True, True),
        "group.h5": (True, False),
        "junk.h5": (False, False),
    }
