"""``mapper validate``: exit codes, text, JSON and JUnit reports, folders, globs, --jobs.

Exit 0 when every file is valid, 1 when one is invalid, 2 when one could not
be checked (2 wins over 1); never a traceback.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import pytest
from nxtomo_files import write_nxtomo

from mapper.cli import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, main

FINDING_KEYS = {"severity", "rule", "path", "message", "mapping", "expected", "found"}


def no_distance_units(f: h5py.File) -> None:
    del f["entry/instrument/detector/distance"].attrs["units"]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """One file of each kind: valid, invalid, warning only, not HDF5, no mapping matches."""
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = 1
    junk = tmp_path / "junk.nxs"
    junk.write_bytes(b"this is not HDF5")
    return {
        "good": write_nxtomo(tmp_path / "good.nxs"),
        "bad": write_nxtomo(tmp_path / "bad.nxs", probe="muon"),
        "warn": write_nxtomo(tmp_path / "warn.nxs", extra=no_distance_units),
        "junk": junk,
        "plain": plain,
        "missing": tmp_path / "absent.nxs",
    }


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["validate", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: object) -> tuple[int, dict]:
    code, out, err = run(capsys, "--json", *args)
    assert "Traceback" not in err
    return code, json.loads(out)


# ------------------------------------------------------------------ exit codes
def test_a_valid_file_exits_0(capsys, files):
    code, out, err = run(capsys, files["good"])
    assert code == EXIT_OK == 0
    assert f"{files['good']}: valid against nxtomo" in out
    assert "1 file(s): 1 valid, 0 invalid, 0 not checked" in out
    assert err == ""


def test_an_invalid_file_exits_1_and_prints_the_findings(capsys, files):
    code, out, err = run(capsys, files["bad"])
    assert code == EXIT_PROBLEMS == 1
    assert "INVALID" in out
    assert "[enum] error: /entry/instrument/source/probe" in out
    assert "nxtomo.yaml:" in out
    assert err == ""


@pytest.mark.parametrize("kind", ["junk", "plain", "missing"])
def test_a_file_that_cannot_be_checked_exits_2_without_a_traceback(capsys, files, kind):
    code, out, err = run(capsys, files[kind])
    assert code == EXIT_ERROR == 2
    assert "NOT CHECKED" in out
    assert "Traceback" not in err and "Traceback" not in out


def test_not_checked_reasons_are_one_line_each(capsys, files):
    code, doc = run_json(capsys, files["junk"], files["plain"], files["missing"])
    assert code == 2
    reasons = {Path(f["file"]).name: f["error"] for f in doc["files"]}
    assert "HDF5" in reasons["junk.nxs"]
    assert "no mapping matches" in reasons["plain.h5"]
    assert "no such file" in reasons["absent.nxs"]
    assert all("\n" not in r for r in reasons.values())


def test_a_not_checked_file_names_the_mapping_it_was_to_be_checked_against(capsys, files):
    code, doc = run_json(capsys, "--schema", "nxtomo", files["junk"], files["good"])
    assert code == 2
    assert [f["schema"] for f in doc["files"]] == ["nxtomo", "nxtomo"]
    code, doc = run_json(capsys, files["junk"])  # no mapping named: none is claimed
    assert doc["files"][0]["schema"] is None


def test_two_wins_over_one_in_a_mixed_set(capsys, files):
    code, _, _ = run(capsys, files["good"], files["bad"], files["junk"])
    assert code == 2
    code, _, _ = run(capsys, files["missing"], files["bad"])
    assert code == 2


def test_one_invalid_among_valid_files_exits_1(capsys, files):
    code, out, _ = run(capsys, files["good"], files["bad"], files["warn"])
    assert code == 1
    assert "3 file(s): 2 valid, 1 invalid, 0 not checked" in out


def test_an_explicit_schema_checks_a_file_nothing_detects(capsys, files):
    code, out, _ = run(capsys, "--schema", "nxtomo", files["plain"])
    assert code == 1
    assert "[required]" in out


def test_an_unknown_schema_is_one_error_before_any_file(capsys, files):
    code, out, err = run(capsys, "--schema", "no_such_mapping", files["good"], files["good"])
    assert code == 2
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(
        "mapper: error: no mapping named 'no_such_mapping'; available: hspy, "
    ), line
    assert "nxtomo" in line and line.endswith("more (mapper schemas lists them)")


def test_file_names_from_standard_input_nul_separated(capsys, files, monkeypatch):
    import io

    names = "\0".join(str(files[k]) for k in ("good", "good")) + "\0"
    monkeypatch.setattr("sys.stdin", io.StringIO(names))
    code, out, _ = run(capsys, "--schema", "nxtomo", "--from", "-", "--null")
    assert code == 0
    assert "1 file(s): 1 valid" in out  # the same name twice is checked once


def test_file_names_from_a_list_file_keep_the_exit_code(capsys, files, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{files['good']}\n\n{tmp_path / 'gone.nxs'}\n")
    code, out, _ = run(capsys, "--schema", "nxtomo", "--from", listing)
    assert code == 2
    assert "gone.nxs: NOT CHECKED" in out


def test_nothing_to_validate_is_a_one_line_error(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, tmp_path / "empty")
    assert code == 2
    assert err.strip().splitlines() == ["mapper: error: no files to validate"]


# ------------------------------------------------------------------ --strict, -q, -v
def test_warnings_pass_unless_strict(capsys, files):
    code, out, _ = run(capsys, files["warn"])
    assert code == 0
    assert "valid against nxtomo (1 warning)" in out
    assert "[units] warning: /entry/instrument/detector/distance" in out
    code, out, _ = run(capsys, "--strict", files["warn"])
    assert code == 1
    assert "INVALID" in out


def test_strict_changes_the_json_verdict_and_summary(capsys, files):
    _, doc = run_json(capsys, files["warn"], files["good"])
    assert doc["strict"] is False
    assert [f["ok"] for f in doc["files"]] == [True, True]
    _, doc = run_json(capsys, "--strict", files["warn"], files["good"])
    assert doc["strict"] is True
    assert [f["ok"] for f in doc["files"]] == [False, True]
    assert (doc["summary"]["valid"], doc["summary"]["invalid"]) == (1, 1)


def test_quiet_prints_only_the_files_that_are_not_valid(capsys, files):
    code, out, _ = run(capsys, "-q", files["good"], files["bad"])
    assert code == 1
    assert str(files["bad"]) in out
    assert f"{files['good']}:" not in out
    assert "2 file(s)" in out


def test_info_findings_show_only_with_verbose(capsys, tmp_path):
    import numpy as np

    path = write_nxtomo(tmp_path / "info.nxs", definition=np.array([b"NXtomo"]))
    _, out, _ = run(capsys, path)
    assert "[scalar]" not in out
    _, out, _ = run(capsys, "-v", path)
    assert "[scalar] info: /entry/definition" in out


# ------------------------------------------------------------------ --json
def test_the_json_document_has_the_documented_shape(capsys, files):
    code, doc = run_json(capsys, files["good"], files["bad"], files["warn"], files["junk"])
    assert code == 2
    assert doc["format"] == "1"
    assert isinstance(doc["mapper"], str)
    assert [Path(f["file"]).name for f in doc["files"]] == [
        "good.nxs",
        "bad.nxs",
        "warn.nxs",
        "junk.nxs",
    ]
    for f in doc["files"]:
        assert {"file", "schema", "ok", "checked", "findings"} <= set(f)
        for finding in f["findings"]:
            assert set(finding) == FINDING_KEYS
            assert finding["severity"] in ("error", "warning", "info")
            assert finding["mapping"].startswith("nxtomo.yaml:")
    good, bad, warn, junk = doc["files"]
    assert (good["schema"], good["ok"], good["checked"], good["findings"]) == (
        "nxtomo",
        True,
        True,
        [],
    )
    assert (bad["ok"], bad["checked"]) == (False, True)
    (finding,) = bad["findings"]
    assert finding == {
        "severity": "error",
        "rule": "enum",
        "path": "/entry/instrument/source/probe",
        "message": finding["message"],
        "mapping": finding["mapping"],
        "expected": ["neutron", "x-ray", "electron"],
        "found": "muon",
    }
    assert warn["ok"] is True and [x["severity"] for x in warn["findings"]] == ["warning"]
    assert (junk["ok"], junk["checked"], junk["findings"]) == (False, False, [])
    assert junk["error"]
    assert doc["summary"] == {
        "files": 4,
        "valid": 2,
        "invalid": 1,
        "not_checked": 1,
        "findings": {"error": 1, "warning": 1, "info": 0},
        "rules": {"enum": 1, "units": 1},
    }


def test_json_output_is_strict_json_only(capsys, files):
    code, out, err = run(capsys, "--json", files["good"], files["bad"])
    assert code == 1
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert "valid against" not in out  # no text report mixed in
    assert err == ""


# ------------------------------------------------------------------ --jobs
def test_two_jobs_give_the_same_reports_in_the_same_order(capsys, files):
    args = [files[k] for k in ("warn", "bad", "good", "junk", "plain", "missing")]
    code1, one = run_json(capsys, "--jobs", "1", *args)
    code2, two = run_json(capsys, "--jobs", "2", *args)
    assert code1 == code2 == 2
    assert one["files"] == two["files"]
    assert one["summary"] == two["summary"]
    assert [Path(f["file"]).name for f in two["files"]] == [Path(p).name for p in args]


def test_two_jobs_print_the_same_text(capsys, files):
    args = [files[k] for k in ("good", "bad", "warn")]
    _, out1, _ = run(capsys, *args)
    _, out2, _ = run(capsys, "-j", "2", *args)
    assert out1 == out2


# ------------------------------------------------------------------ folders and globs
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / "a").mkdir()
    write_nxtomo(root / "top.nxs")
    write_nxtomo(root / "a" / "scan.h5")
    write_nxtomo(root / "b" / "deeper" / "scan.hdf5")
    write_nxtomo(root / "b" / "UPPER.NXS")
    write_nxtomo(root / "b" / "bad.nx5", probe="muon")
    write_nxtomo(root / "b" / ".hidden.nxs")
    (root / "b" / "notes.txt").write_text("not data")
    (root / "b" / "scan.nxs.bak").write_bytes(b"backup")
    return root


def test_a_directory_is_walked_recursively_for_hdf5_names(capsys, tree):
    code, doc = run_json(capsys, tree)
    assert code == 1
    names = [os.path.relpath(f["file"], tree) for f in doc["files"]]
    assert sorted(names) == sorted(
        ["top.nxs", "a/scan.h5", "b/deeper/scan.hdf5", "b/UPPER.NXS", "b/bad.nx5"]
    )
    assert doc["summary"]["invalid"] == 1


def test_a_directory_walk_is_in_a_stable_order(capsys, tree):
    _, first = run_json(capsys, tree)
    _, second = run_json(capsys, tree)
    assert [f["file"] for f in first["files"]] == [f["file"] for f in second["files"]]


def test_a_quoted_glob_is_expanded(capsys, tree):
    code, doc = run_json(capsys, f"{tree}/**/scan.h*")
    assert code == 0
    names = sorted(os.path.relpath(f["file"], tree) for f in doc["files"])
    assert names == ["a/scan.h5", "b/deeper/scan.hdf5"]
    code, doc = run_json(capsys, f"{tree}/b/*.nx?")
    assert [Path(f["file"]).name for f in doc["files"]] == ["bad.nx5"]
    assert code == 1


def test_a_glob_that_matches_nothing_is_reported_not_ignored(capsys, tree):
    code, doc = run_json(capsys, f"{tree}/*.zzz")
    assert code == 2
    (only,) = doc["files"]
    assert only["checked"] is False


def test_a_file_named_twice_is_checked_once(capsys, files):
    _, doc = run_json(capsys, files["good"], files["good"])
    assert doc["summary"]["files"] == 1


def test_a_file_named_explicitly_is_checked_whatever_its_suffix(capsys, tmp_path):
    path = write_nxtomo(tmp_path / "scan.data")
    code, _, _ = run(capsys, path)
    assert code == 0


# ------------------------------------------------------------------ --junit
def test_junit_report_has_one_testcase_per_file(capsys, files, tmp_path):
    report = tmp_path / "out" / "junit.xml"
    report.parent.mkdir()
    code, _, _ = run(
        capsys, "--junit", report, files["good"], files["bad"], files["warn"], files["junk"]
    )
    assert code == 2
    suite = ET.parse(report).getroot()
    assert suite.tag == "testsuite"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {Path(c.get("name")).name: c for c in suite.iter("testcase")}
    assert list(cases) == ["good.nxs", "bad.nxs", "warn.nxs", "junk.nxs"]
    assert cases["good.nxs"].find("failure") is None and cases["good.nxs"].find("error") is None
    failure = cases["bad.nxs"].find("failure")
    assert failure is not None and "probe" in failure.text and "enum" in failure.get("message")
    assert cases["warn.nxs"].find("failure") is None
    error = cases["junk.nxs"].find("error")
    assert error is not None and error.get("message")
    assert cases["bad.nxs"].get("classname") == "validate.nxtomo"
    assert not list(report.parent.glob(".*.tmp"))


def test_junit_strict_makes_warnings_failures(capsys, files, tmp_path):
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "--strict", "--junit", report, files["warn"])
    assert code == 1
    (case,) = ET.parse(report).getroot().iter("testcase")
    assert "distance" in case.find("failure").text


def test_junit_goes_with_json_on_stdout(capsys, files, tmp_path):
    report = tmp_path / "junit.xml"
    code, doc = run_json(capsys, "--junit", report, files["good"])
    assert code == 0 and doc["summary"]["valid"] == 1
    assert ET.parse(report).getroot().get("tests") == "1"


# ------------------------------------------------------------------ terminal behaviour
def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys, files):
    _, out, err = run(capsys, files["good"], files["bad"], files["warn"])
    assert err == ""
    assert "\r" not in out and "files/s" not in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_is_drawn_on_a_terminal(monkeypatch, files):
    """The control for the test above."""
    fake = _Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    main(["validate", str(files["good"]), str(files["bad"])])
    assert "files/s" in fake.getvalue()


def test_python_dash_m_mapper_validate_in_a_real_process(files):
    env = {k: v for k, v in os.environ.items() if k != "MAPPER_DEBUG"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mapper",
            "validate",
            str(files["good"]),
            str(files["bad"]),
            str(files["junk"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr == ""  # not a terminal: no progress bar; reports go to stdout
    assert f"{files['good']}: valid against nxtomo" in proc.stdout
    assert f"{files['bad']}: INVALID" in proc.stdout
    assert f"{files['junk']}: NOT CHECKED" in proc.stdout
    assert proc.stdout.rstrip().endswith("3 file(s): 1 valid, 1 invalid, 1 not checked")


# ------------------------------------------------------------------ bugs found
def test_junit_xml_stays_well_formed_with_control_characters_in_findings(capsys, tmp_path):
    path = write_nxtomo(tmp_path / "ctl.nxs", probe="mu\x07on")
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "--junit", report, path)
    assert code == 1
    (case,) = ET.parse(report).getroot().iter("testcase")
    assert case.find("failure") is not None


def test_junit_into_a_missing_directory_is_a_one_line_error(capsys, files, tmp_path):
    code, _, err = run(capsys, "--junit", tmp_path / "no" / "such" / "junit.xml", files["good"])
    assert code == 2
    assert err.strip().startswith("mapper: error:") and "Traceback" not in err


MONOTONIC = """\
mapping: "1"
name: mono
title: rotation angles must increase
match: {path: "/entry/definition", equals: NXtomo}
signal:
  data: {path: "/entry/instrument/detector/data"}
  axes:
    - name: rotation_angle
      navigate: true
      values: {path: "/entry/sample/rotation_angle", monotonic: increasing}
    - {name: y, navigate: false}
    - {name: x, navigate: false}
"""


def test_json_report_survives_nan_in_found(capsys, tmp_path):
    import numpy as np

    mapping = tmp_path / "mono.yaml"
    mapping.write_text(MONOTONIC, encoding="utf-8")
    angles = np.linspace(0, 180, 12)
    angles[5] = np.nan
    path = write_nxtomo(tmp_path / "nan.nxs", rotation_angle=angles)
    code, doc = run_json(capsys, "--schema", mapping, path)
    assert code == 1
    (finding,) = doc["files"][0]["findings"]
    assert finding["rule"] == "monotonic"
