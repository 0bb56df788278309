"""NXdata rules the ``nxdata`` check adds: ``@axes`` length, uncertainties' shape.

And the ``within`` argument of the ``nxdata.groups`` built-in (anchors pass
``args: {within: "{entry}"}``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper
from mapper.conventions.nexus import NEXUS, checks, nxdata
from mapper.engine.context import Context
from mapper.errors import Note
from mapper.hdf5.resolve import Resolver

STR = h5py.string_dtype()
Found = tuple[str, str, str, str]


def check(path: Path, at: str = "/entry/data") -> list[Found]:
    out: list[Found] = []

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
        ctx = Context(Resolver(f, (), print, NEXUS), str(path), warn=print)
        checks.nxdata(ctx, at, emit)
    return out


def data(f: h5py.File, shape: tuple[int, ...], axes: Any = None) -> h5py.Group:
    g = write_nxdata(entry(f).create_group("data"), np.zeros(shape))
    if axes is not None:
        g.attrs["axes"] = axes
    return g


# ----------------------------------------------------------------------------- @axes length


@pytest.mark.parametrize(
    ("shape", "axes", "names"),
    [
        ((2, 3), np.array(["y"], dtype=STR), "y"),
        ((2, 3), "y", "y"),
        ((5,), np.array(["x", "."], dtype=STR), "x, ."),
        ((2, 3, 4), "y:x", "y, x"),
        ((), np.array(["x", "y"], dtype=STR), "x, y"),
    ],
)
def test_axes_whose_length_is_not_the_rank_are_an_error(nexus, shape, axes, names):
    path = nexus(lambda f: data(f, shape, axes))
    n = len(names.split(", "))
    assert (
        "error",
        "nxdata.axes",
        "/entry/data/@axes",
        f"lists {n} axes ({names}) for a signal of rank {len(shape)}",
    ) in check(path)


@pytest.mark.parametrize(
    ("shape", "axes"),
    [
        ((5,), "."),  # a scalar string for a rank-1 signal
        ((5,), np.array(["."], dtype=STR)),
        ((2, 3), np.array([".", "."], dtype=STR)),
        ((2, 3), ".:."),  # an old joined string
        ((), "."),  # a scalar signal
        ((2, 3), None),
    ],
)
def test_axes_of_the_signal_s_rank_are_fine(nexus, shape, axes):
    assert check(nexus(lambda f: data(f, shape, axes))) == []


def test_v2_axes_on_the_signal_field_are_counted_too(nexus):
    def build(f):
        g = entry(f).create_group("data")
        g.attrs["NX_class"] = "NXdata"
        g["counts"] = np.zeros((2, 3))
        g["counts"].attrs["signal"] = 1
        g["counts"].attrs["axes"] = "x"
        g["x"] = np.arange(2.0)

    assert check(nexus(build)) == [
        (
            "error",
            "nxdata.axes",
            "/entry/data/counts/@axes",
            "lists 1 axes (x) for a signal of rank 2",
        )
    ]


def test_an_axes_length_error_is_reported_once(nexus):
    def build(f):
        g = data(f, (2, 3), np.array(["y", ".", "x"], dtype=STR))
        g["y"] = np.arange(2.0)
        g["x"] = np.arange(3.0)

    found = check(nexus(build))
    assert [x[:3] for x in found] == [("error", "nxdata.axes", "/entry/data/@axes")]


# ----------------------------------------------------------------------------- uncertainties


def test_errors_of_another_shape_are_an_error_once(nexus):
    def build(f):
        g = data(f, (2, 3))
        g["data_errors"] = np.ones((3, 2))

    assert check(nexus(build)) == [
        (
            "error",
            "nxdata.errors",
            "/entry/data/data_errors",
            "shape (3, 2) differs from the signal's (2, 3)",
        )
    ]


def test_old_errors_field_and_axis_errors_are_checked(nexus):
    def build(f):
        g = data(f, (4,), "x")
        g["x"] = np.arange(4.0)
        g["x_errors"] = np.ones(5)
        g["errors"] = np.ones(3)
        g["unrelated_errors"] = np.ones(7)  # no field 'unrelated': not judged

    assert check(nexus(build)) == [
        (
            "error",
            "nxdata.errors",
            "/entry/data/errors",
            "shape (3,) differs from the signal's (4,)",
        ),
        (
            "error",
            "nxdata.errors",
            "/entry/data/x_errors",
            "shape (5,) differs from that of 'x' (4,)",
        ),
    ]


def test_errors_that_are_not_numbers_stay_a_warning(nexus):
    def build(f):
        g = data(f, (2,))
        g["data_errors"] = np.array(["a", "b"], dtype=STR)

    assert check(nexus(build)) == [
        (
            "warning",
            "nxdata.errors",
            "/entry/data/data_errors",
            "uncertainties are object, not numbers",
        )
    ]


def test_fitting_errors_are_fine(nexus):
    def build(f):
        g = data(f, (2, 3))
        g["data_errors"] = np.ones((2, 3))

    assert check(nexus(build)) == []


def test_validate_reports_the_shape_error_as_an_error(nexus):
    def build(f):
        g = data(f, (2, 3))
        g["data_errors"] = np.ones((3,))

    report = mapper.validate(nexus(build), schema="nxdata")
    found = [(f.severity, f.rule, f.path) for f in report.findings]
    assert found == [("error", "nxdata.errors", "/entry/data/data_errors")]
    assert not report.ok


# ----------------------------------------------------------------------------- groups(within)


def two_entries(f: h5py.File) -> None:
    for name, default in (("entry1", None), ("entry2", "sub")):
        e = entry(f, name)
        write_nxdata(e.create_group("a"), np.arange(3.0))
        sub = e.create_group("process")
        sub.attrs["NX_class"] = "NXprocess"
        write_nxdata(sub.create_group("b"), np.arange(3.0))
        if default:
            e.attrs["default"] = "process"
            sub.attrs["default"] = "b"
    f.attrs["default"] = "entry2"


def groups(path: Path, **kw: Any) -> tuple[list[str], list[str]]:
    said: list[str] = []
    with h5py.File(path, "r") as f:
        ctx = Context(Resolver(f, (), said.append, NEXUS), str(path), warn=said.append)
        return nxdata.groups(ctx, **kw), said


def test_groups_without_within_are_unchanged(nexus):
    found, _ = groups(nexus(two_entries))
    assert found == ["/entry2/process/b", "/entry1/a", "/entry1/process/b", "/entry2/a"]


def test_groups_within_an_entry_its_default_first(nexus):
    path = nexus(two_entries)
    assert groups(path, within="/entry1")[0] == ["/entry1/a", "/entry1/process/b"]
    assert groups(path, within="/entry2")[0] == ["/entry2/process/b", "/entry2/a"]
    assert groups(path, within="/entry2/process/b")[0] == ["/entry2/process/b"]
    assert groups(path, within=["/entry1"])[0] == ["/entry1/a", "/entry1/process/b"]
    assert groups(path, within="/nothing")[0] == []
    assert groups(path, within="/")[0] == groups(path)[0]


def test_groups_within_ignore_a_default_outside_the_group(nexus):
    def build(f):
        two_entries(f)
        f["entry1"].attrs["default"] = "/entry2/a"

    assert groups(nexus(build), within="/entry1")[0] == ["/entry1/a", "/entry1/process/b"]


def test_groups_within_skip_nxdata_without_signal_with_a_note(nexus):
    def build(f):
        e = entry(f)
        g = e.create_group("broken")
        g.attrs["NX_class"] = "NXdata"

    found, said = groups(nexus(build), within="/entry")
    assert found == []
    assert [(n.path, n.message.split(" (")[0]) for n in said if isinstance(n, Note)] == [
        ("/entry/broken", "NXdata without a usable signal, skipped")
    ]


MAPPING = """
    mapping: "1"
    name: per_entry
    title: One signal per NXdata group of each entry
    convention: nexus
    anchors:
      entry: {path: /NXentry, select: each}
      nxdata:
        builtin: nxdata.groups
        args: {within: "{entry}"}
        select: first
    signal:
      data: {builtin: nxdata.signal, at: "{nxdata}"}
      metadata:
        General.title: {name_of: "{nxdata}"}
"""


def test_a_mapping_may_pass_within_from_an_anchor(nexus, tmp_path):
    m = tmp_path / "per_entry.yaml"
    m.write_text(textwrap.dedent(MAPPING).lstrip(), encoding="utf-8")
    assert mapper.check_file(m) == []
    signals = mapper.load(nexus(two_entries), schema=m)
    assert [s["metadata"]["General"]["title"] for s in signals] == ["a", "b"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent(MAPPING).lstrip().replace("within:", "inside:"), encoding="utf-8"
    )
    (problem,) = mapper.check_file(bad)
    assert "'nxdata.groups' has no argument 'inside' (arguments: within)" in problem
