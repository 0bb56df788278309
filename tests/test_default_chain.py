"""The NeXus ``@default`` chain: the reader (``nxdata.default``) and the check (``default_chain``).

Both walk the chain the same way; each case runs both on one file and pins
the reader's paths and warnings and the check's findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

from mapper.conventions.nexus import NEXUS, checks, nxdata
from mapper.engine.context import Context
from mapper.errors import Note
from mapper.hdf5.resolve import Resolver

STR = h5py.string_dtype()
Finding = tuple[str, str, str, str, Any, Any]


class Run:
    """One open file: the reader's result and warnings, the check's findings."""

    def __init__(self, f: h5py.File) -> None:
        self.warnings: list[str] = []
        resolver = Resolver(f, (), self.warnings.append, NEXUS)
        self.ctx = Context(resolver, f.filename, warn=self.warnings.append)

    def read(self) -> tuple[list[str], list[tuple[str, str]]]:
        paths = nxdata.default_group(self.ctx)
        notes = [(n.path, n.message) for n in self.warnings if isinstance(n, Note)]
        assert len(notes) == len(self.warnings), self.warnings
        return paths, notes

    def check(self, path: str = "/") -> list[Finding]:
        out: list[Finding] = []

        def emit(
            rule: str,
            path: str,
            message: str,
            severity: str = "error",
            expected: Any = None,
            found: Any = None,
        ) -> None:
            out.append((rule, path, message, severity, expected, found))

        checks.default_chain(self.ctx, path, emit)
        return out


def dangling(at: str, name: str) -> Finding:
    return ("default", at, f"names {name!r}, which does not exist", "error", "a child group", name)


TOO_LONG = "the @default chain is longer than 16 steps (a cycle?)"


@pytest.fixture
def run(nexus: Callable[..., Path]) -> Iterator[Callable[[Callable[[h5py.File], None]], Run]]:
    opened: list[h5py.File] = []

    def make(build: Callable[[h5py.File], None]) -> Run:
        f = h5py.File(nexus(build), "r")
        opened.append(f)
        return Run(f)

    yield make
    for f in opened:
        f.close()


def two_entries(f: h5py.File) -> h5py.Group:
    e = entry(f)
    write_nxdata(e.create_group("a"), np.zeros(3))
    write_nxdata(e.create_group("b"), np.ones(3))
    return e


# ----------------------------------------------------------------- chains that reach NXdata


def test_relative_names_from_the_root(run):
    def build(f):
        f.attrs["default"] = "entry"
        two_entries(f).attrs["default"] = "b"

    r = run(build)
    assert r.read() == (["/entry/b"], [])
    assert r.check("/") == []
    assert r.check("/entry") == []


@pytest.mark.parametrize("where", ["root", "entry"])
def test_absolute_names(run, where):
    def build(f):
        e = two_entries(f)
        if where == "root":
            f.attrs["default"] = "/entry/b"  # straight to the NXdata, past the entry
        else:
            f.attrs["default"] = "/entry"
            e.attrs["default"] = "/entry/b"

    r = run(build)
    assert r.read() == (["/entry/b"], [])
    assert r.check("/") == []
    assert r.check("/entry") == []


def test_the_reader_falls_back_to_the_first_entry_but_the_check_starts_where_it_is_told(run):
    def build(f):
        e = entry(f, "first")
        e.attrs["default"] = "data"
        write_nxdata(e.create_group("data"), np.zeros(3))
        entry(f, "second").attrs["default"] = "nope"

    r = run(build)
    assert r.read() == (["/first/data"], [])
    assert r.check("/") == []  # no @default at the start: nothing to check
    assert r.check("/second") == [dangling("/second/@default", "nope")]


def test_no_entry_and_no_default(run):
    def build(f):
        write_nxdata(f.create_group("data"), np.zeros(3))

    r = run(build)
    assert r.read() == ([], [])
    assert r.check("/") == []


def test_the_start_never_ends_the_chain(run):
    def build(f):
        g = write_nxdata(f.create_group("data"), np.zeros(3))
        g.attrs["default"] = "inner"
        write_nxdata(g.create_group("inner"), np.zeros(3))

    r = run(build)
    assert r.check("/data") == []
    # an NXdata start with no @default has nothing to check
    assert r.check("/data/inner") == []


# ---------------------------------------------------------------------------- broken chains


def test_a_dangling_default(run):
    def build(f):
        f.attrs["default"] = "entry"
        two_entries(f).attrs["default"] = "nope"

    r = run(build)
    assert r.read() == ([], [("/entry/@default", "names 'nope', which does not exist")])
    assert r.check("/") == [dangling("/entry/@default", "nope")]


def test_a_dangling_default_on_the_root(run):
    def build(f):
        f.attrs["default"] = "nope"
        two_entries(f).attrs["default"] = "b"  # no fallback: the root has a @default

    r = run(build)
    assert r.read() == ([], [("/@default", "names 'nope', which does not exist")])
    assert [x[1] for x in r.check("/")] == ["/@default"]


def test_a_dangling_absolute_default(run):
    def build(f):
        two_entries(f).attrs["default"] = "/elsewhere/b"

    r = run(build)
    assert r.read() == ([], [("/entry/@default", "names '/elsewhere/b', which does not exist")])
    assert r.check("/entry") == [dangling("/entry/@default", "/elsewhere/b")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (5, f"expected a string, found int64 {np.int64(5)!r}"),
        (np.array(["a", "b"], dtype=STR), "expected one string, found an array of 2"),
    ],
)
def test_a_default_that_is_not_text(run, value, reason):
    def build(f):
        f.attrs["default"] = "entry"
        two_entries(f).attrs["default"] = value

    r = run(build)
    assert r.read() == ([], [("/entry/@default", reason)])
    raw = r.ctx.resolver.attr(r.ctx.resolver.get("/entry"), "default")
    assert r.check("/") == [
        ("default", "/entry/@default", f"is not a string ({raw!r})", "error", "a child name", None)
    ]


@pytest.mark.parametrize(("cls", "shown"), [("NXsample", "NXsample"), (None, "a group")])
def test_a_chain_that_stops_before_an_nxdata(run, cls, shown):
    def build(f):
        f.attrs["default"] = "entry"
        e = two_entries(f)
        e.attrs["default"] = "sample"
        g = e.create_group("sample")
        if cls:
            g.attrs["NX_class"] = cls

    r = run(build)
    assert r.read() == ([], [])
    message = f"the @default chain stops at {shown} /entry/sample, before reaching an NXdata group"
    assert r.check("/") == [("default", "/entry/sample/@default", message, "error", "NXdata", cls)]


@pytest.mark.parametrize("field_default", [None, "nope", "/entry/b"])
def test_a_default_naming_a_field_ends_the_chain(run, field_default):
    def build(f):
        f.attrs["default"] = "entry"
        e = two_entries(f)
        e["title"] = "t"
        e.attrs["default"] = "title"
        if field_default is not None:  # not a NeXus place for @default: not followed
            e["title"].attrs["default"] = field_default

    r = run(build)
    assert r.read() == ([], [])


@pytest.mark.parametrize("target", ["/entry", "/", "."])
def test_a_cycle(run, target):
    def build(f):
        f.attrs["default"] = "entry"
        two_entries(f).attrs["default"] = target

    r = run(build)
    assert r.read() == ([], [])
    assert r.check("/") == [("default", "/", TOO_LONG, "error", None, None)]
    assert [x[1] for x in r.check("/entry")] == ["/entry"]


def nested(f: h5py.File, hops: int) -> None:
    """A chain of ``hops`` @default steps from the root; the last group is an NXdata."""
    g: h5py.Group = f
    for _ in range(hops - 1):
        g.attrs["default"] = "g"
        g = g.create_group("g")
    g.attrs["default"] = "data"
    write_nxdata(g.create_group("data"), np.zeros(3))


def chain_path(hops: int) -> str:
    return "/g" * (hops - 1) + "/data"


def test_the_cycle_guard_allows_15_steps(run):
    r = run(lambda f: nested(f, 15))
    assert r.read() == ([chain_path(15)], [])
    assert r.check("/") == []


def test_the_cycle_guard_stops_at_16_steps(run):
    r = run(lambda f: nested(f, 16))
    assert r.read() == ([], [])
    assert [x[2] for x in r.check("/")] == [TOO_LONG]
    assert r.check("/g") == []  # 15 steps from there


def test_the_readers_fallback_counts_as_a_step(run):
    def build(f):
        e = entry(f)
        g: h5py.Group = e
        for _ in range(13):
            g.attrs["default"] = "g"
            g = g.create_group("g")
        g.attrs["default"] = "data"
        write_nxdata(g.create_group("data"), np.zeros(3))

    r = run(build)
    # root -> (fallback) entry -> 13 x g -> data: 16 places, the 16th an NXdata
    assert r.read() == (["/entry" + "/g" * 13 + "/data"], [])

    def longer(f):
        build(f)
        g = f["entry" + "/g" * 13]
        del g.attrs["default"]
        g.attrs["default"] = "g"
        h = g.create_group("g")
        h.attrs["default"] = "data"
        write_nxdata(h.create_group("data"), np.zeros(3))

    assert run(longer).read() == ([], [])
