"""Path expressions: parsing and resolution against HDF5 files (mapper.language.paths)."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

import mapper
from mapper.conventions.nexus import NEXUS
from mapper.errors import MapperWarning, ResolveError
from mapper.hdf5.io import allowed_dirs
from mapper.hdf5.resolve import Resolver
from mapper.language.paths import (
    ParsedPath,
    PathSyntaxError,
    Segment,
    parse_path,
    template_names,
)

# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("/a/b", ParsedPath(True, None, (Segment("a"), Segment("b")), None)),
        ("a/b", ParsedPath(True, None, (Segment("a"), Segment("b")), None)),
        ("/", ParsedPath(True, None, (), None)),
        ("{entry}", ParsedPath(False, "entry", (), None)),
        ("{entry}/data", ParsedPath(False, "entry", (Segment("data"),), None)),
        ("NXentry", ParsedPath(True, None, (Segment(None, "NXentry"),), None)),
        ("entry:NXentry", ParsedPath(True, None, (Segment("entry", "NXentry"),), None)),
        ("*:NXentry", ParsedPath(True, None, (Segment("*", "NXentry"),), None)),
        (":NXdata", ParsedPath(True, None, (Segment("*", "NXdata"),), None)),
        (
            "/NXentry/data:NXdata/@signal",
            ParsedPath(True, None, (Segment(None, "NXentry"), Segment("data", "NXdata")), "signal"),
        ),
        (
            "**/NXdata",
            ParsedPath(True, None, (Segment(None, special="**"), Segment(None, "NXdata")), None),
        ),
        ("{e}/../x", ParsedPath(False, "e", (Segment(None, special=".."), Segment("x")), None)),
        ("/a/./b", ParsedPath(True, None, (Segment("a"), Segment("b")), None)),
        ("@attr", ParsedPath(False, None, (), "attr")),
        ("{d}/@units", ParsedPath(False, "d", (), "units")),
        ("{e}/axis-{i}", ParsedPath(False, "e", (Segment("axis-{i}"),), None)),
        ("/Experiments/*", ParsedPath(True, None, (Segment("Experiments"), Segment("*")), None)),
    ],
)
def test_parse_path(expr, expected):
    assert parse_path(expr, NEXUS) == expected


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("", "empty path"),
        ("a//b", "empty segment ('//')"),
        ("x:notaclass", "'notaclass' is not a nexus class name (NXsomething)"),
        ("a:NXb:NXc", "more than one ':'"),
        ("a/@b/c", "'@' may only start the last segment"),
        ("a/b@c", "'@' may only start the last segment"),
        ("/a/@", "'@' must be followed by an attribute name"),
        ("{e}x", "an {anchor} must be followed by '/' or end the path"),
        ("a{b", "unbalanced '{'"),
    ],
)
def test_parse_path_errors(expr, why):
    with pytest.raises(PathSyntaxError) as ei:
        parse_path(expr, NEXUS)
    assert why in str(ei.value)
    assert isinstance(ei.value, ValueError)
    assert isinstance(ei.value, mapper.MapperError)


def test_without_a_convention_segments_are_names_and_classes_are_refused():
    assert parse_path("/NXentry/data") == ParsedPath(
        True, None, (Segment("NXentry"), Segment("data")), None
    )
    with pytest.raises(PathSyntaxError, match="names no convention with group classes"):
        parse_path("/entry:NXentry")


def test_segment_is_literal():
    assert Segment("data").is_literal
    assert not Segment("d*").is_literal
    assert not Segment("d?").is_literal
    assert not Segment("d[0-9]").is_literal
    assert not Segment(None, "NXdata").is_literal
    assert not Segment(None, special="**").is_literal


def test_template_names():
    assert template_names("{entry}/axis-{i}/{.}/x") == ["entry", "i", "."]
    assert template_names("/plain/path") == []


# ----------------------------------------------------------------------------- resolution


def _mem(name: str = "mem.h5") -> h5py.File:
    return h5py.File(name, "w", driver="core", backing_store=False)


@pytest.fixture
def tree():
    f = _mem()
    e = f.create_group("entry")
    e.attrs["NX_class"] = "NXentry"
    e2 = f.create_group("entry2")
    e2.attrs["NX_class"] = np.bytes_(b"NXentry")
    d = e.create_group("data")
    d.attrs["NX_class"] = "NXdata"
    d.attrs["signal"] = "x"
    d["x"] = np.arange(5)
    d["x"].attrs["units"] = "mm"
    o = e.create_group("other")
    o.attrs["NX_class"] = "NXdata"
    e2.create_group("data").attrs["NX_class"] = "NXcollection"
    s = f.create_group("star")
    s.create_group("a*b")["v"] = 1
    s.create_group("axb")["v"] = 2
    s.create_group("a[1]")["v"] = 3
    s.create_group("a1")["v"] = 4
    f.attrs["root_attr"] = 1
    yield f
    f.close()


def _resolver(f, allowed=(), sink=None):
    msgs = [] if sink is None else sink
    return Resolver(f, tuple(allowed), msgs.append, NEXUS), msgs


def _paths(r, expr, env=None):
    return [str(t) for t in r.resolve(expr, env or {})]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("/entry", ["/entry"]),
        ("entry/data/x", ["/entry/data/x"]),
        ("/entry/nope", []),
        ("/nope/x", []),
        ("NXentry", ["/entry", "/entry2"]),
        ("/NXentry/NXdata", ["/entry/data", "/entry/other"]),
        ("/*/data:NXdata", ["/entry/data"]),
        ("/*:NXentry/data", ["/entry/data", "/entry2/data"]),
        ("data:NXdata", []),
        ("/entry*", ["/entry", "/entry2"]),
        ("/entry?", ["/entry2"]),
        ("/star/a[1x]b/v", ["/star/axb/v"]),
        ("/**/NXdata", ["/entry/data", "/entry/other"]),
        ("/entry/**", ["/entry", "/entry/data", "/entry/other"]),
        ("/entry/data/..", ["/entry"]),
        ("/entry/data/../../entry2", ["/entry2"]),
        ("/..", ["/"]),
        ("/entry/data/@signal", ["/entry/data/@signal"]),
        ("/entry/data/x/@units", ["/entry/data/x/@units"]),
        ("/entry/data/@nope", []),
        ("/NXentry/NXdata/@signal", ["/entry/data/@signal"]),
        ("/", ["/"]),
    ],
)
def test_resolve(tree, expr, expected):
    r, msgs = _resolver(tree)
    assert _paths(r, expr) == expected
    assert msgs == []


def test_double_star_lists_every_group_once_in_file_order(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "**") == [
        "/",
        "/entry",
        "/entry/data",
        "/entry/other",
        "/entry2",
        "/entry2/data",
        "/star",
        "/star/a*b",
        "/star/a1",
        "/star/a[1]",
        "/star/axb",
    ]


def test_resolve_attribute_target(tree):
    r, _ = _resolver(tree)
    (t,) = r.resolve("/entry/data/x/@units", {})
    assert (t.path, t.attr) == ("/entry/data/x", "units")
    (t,) = r.resolve("@root_attr", {})
    assert (t.path, t.attr) == ("/", "root_attr")
    (t,) = r.resolve("/@root_attr", {})
    assert (t.path, t.attr) == ("/", "root_attr")


def test_root_attribute_target_str(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "/@root_attr") == ["/@root_attr"]


def test_anchor_substitution(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "{e}/x", {"e": "/entry/data"}) == ["/entry/data/x"]
    assert _paths(r, "{e}", {"e": "/entry"}) == ["/entry"]
    assert _paths(r, "{e}/..", {"e": "/entry/data"}) == ["/entry"]
    assert _paths(r, "{e}/@signal", {"e": "/entry/data"}) == ["/entry/data/@signal"]


def test_anchor_with_several_paths(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "{e}/data", {"e": ["/entry", "/entry2"]}) == ["/entry/data", "/entry2/data"]


def test_unbound_or_absent_anchor_gives_nothing(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "{e}/x", {}) == []
    assert _paths(r, "{e}/x", {"e": None}) == []


def test_variable_substitution(tree):
    r, _ = _resolver(tree)
    assert _paths(r, "/star/{n}/v", {"n": "axb"}) == ["/star/axb/v"]
    assert _paths(r, "/entry{i}", {"i": 2}) == ["/entry2"]
    assert _paths(r, "{e}/{n}", {"e": "/entry", "n": "data"}) == ["/entry/data"]


def test_glob_characters_in_a_variable_are_literal(tree):
    r, _ = _resolver(tree)
    # as a glob, a*b matches a*b and axb; as a value it names one group
    assert _paths(r, "/star/a*b/v") == ["/star/a*b/v", "/star/axb/v"]
    assert _paths(r, "/star/{n}/v", {"n": "a*b"}) == ["/star/a*b/v"]
    assert _paths(r, "/star/a[1]/v") == ["/star/a1/v"]
    assert _paths(r, "/star/{n}/v", {"n": "a[1]"}) == ["/star/a[1]/v"]
    assert _paths(r, "/star/{n}", {"n": "a?b"}) == []


def test_unbound_variable_is_an_error(tree):
    r, _ = _resolver(tree)
    with pytest.raises(ResolveError, match="unbound name"):
        r.resolve("/star/{n}/v", {})


def test_variable_holding_a_path_is_an_error(tree):
    r, _ = _resolver(tree)
    with pytest.raises(ResolveError, match="is a path"):
        r.resolve("/star/{n}", {"n": "/entry"})
    with pytest.raises(ResolveError, match="several paths"):
        r.resolve("/star/{n}", {"n": ["/a", "/b"]})


def test_get_returns_objects_and_none(tree):
    r, _ = _resolver(tree)
    assert isinstance(r.get("/entry"), h5py.Group)
    assert isinstance(r.get("/entry/data/x"), h5py.Dataset)
    assert r.get("/entry/nope") is None
    assert r.get("/entry/data/x/below") is None
    assert r.get("/") is tree


def test_children(tree):
    r, _ = _resolver(tree)
    assert [p for p, _ in r.children("/entry")] == ["/entry/data", "/entry/other"]
    assert list(r.children("/entry/data/x")) == []
    assert list(r.children("/nope")) == []


# ----------------------------------------------------------------------------- links


def test_soft_link_cycle_with_double_star_terminates():
    f = _mem("cyc.h5")
    a = f.create_group("a")
    a.attrs["NX_class"] = "NXentry"
    b = a.create_group("b")
    b.attrs["NX_class"] = "NXdata"
    b["up"] = h5py.SoftLink("/a")  # a group holding a soft link to its ancestor
    b["self"] = h5py.SoftLink("/a/b")
    c = b.create_group("c")
    c["top"] = h5py.SoftLink("/")
    r, msgs = _resolver(f)
    walked = _paths(r, "/**")
    assert walked == ["/", "/a", "/a/b", "/a/b/c"]
    assert len(set(walked)) == len(walked)
    # a literal walk through the link still works
    assert _paths(r, "/a/b/up/b/up") == ["/a/b/up/b/up"]
    assert msgs == []
    f.close()


def test_double_star_then_class_gives_each_group_once():
    f = _mem("cyc2.h5")
    b = f.create_group("a/b")
    b.attrs["NX_class"] = "NXdata"
    b["self"] = h5py.SoftLink("/a/b")
    r, _ = _resolver(f)
    try:
        assert _paths(r, "/**/NXdata") == ["/a/b"]
    finally:
        f.close()


def test_soft_link_chain_cycle_is_skipped_with_warning():
    f = _mem("chain.h5")
    f["x"] = h5py.SoftLink("/y")
    f["y"] = h5py.SoftLink("/x")
    f["ok"] = 1
    seen: list[str] = []

    def warn(msg):
        seen.append(msg)
        warnings.warn(msg, MapperWarning, stacklevel=2)

    r = Resolver(f, (), warn, NEXUS)
    with pytest.warns(MapperWarning, match="soft-link cycle; skipped"):
        assert _paths(r, "/x") == []
    assert seen == ["chain.h5:/x: soft-link cycle; skipped"]
    with pytest.warns(MapperWarning, match="/y: soft-link cycle"):
        assert _paths(r, "/*") == ["/ok"]
    # once per link
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _paths(r, "/*") == ["/ok"]
        assert _paths(r, "/**") == ["/"]
    f.close()


def test_dangling_soft_link_counts_as_absent():
    f = _mem("dangle.h5")
    f["dangle"] = h5py.SoftLink("/nowhere")
    g = f.create_group("g")
    g["d"] = h5py.SoftLink("/missing/deeper")
    g["real"] = 1
    r, msgs = _resolver(f)
    assert _paths(r, "/dangle") == []
    assert _paths(r, "/g/*") == ["/g/real"]
    assert _paths(r, "/dangle/@x") == []
    assert r.get("/dangle") is None
    assert all("dangling soft link" in m for m in msgs)
    assert len(msgs) == 2
    f.close()


def _external_setup(tmp_path: Path) -> tuple[Path, Path]:
    """data/main.h5 with links into other/ext.h5 (elsewhere) and data/same.h5 (same dir)."""
    (tmp_path / "data").mkdir()
    (tmp_path / "other").mkdir()
    with h5py.File(tmp_path / "other" / "ext.h5", "w") as f:
        f["d"] = np.arange(3)
    with h5py.File(tmp_path / "data" / "same.h5", "w") as f:
        f["d"] = np.arange(4)
    main = tmp_path / "data" / "main.h5"
    with h5py.File(main, "w") as f:
        f["ext_out"] = h5py.ExternalLink("../other/ext.h5", "/d")
        f["ext_abs"] = h5py.ExternalLink(str(tmp_path / "other" / "ext.h5"), "/d")
        f["ext_same"] = h5py.ExternalLink("same.h5", "/d")
        f["ext_missing"] = h5py.ExternalLink("gone.h5", "/d")
    return main, tmp_path / "other"


def test_external_link_outside_allowed_dirs_not_followed(tmp_path):
    main, _ = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main))
        assert _paths(r, "/ext_out") == []
        assert _paths(r, "/ext_abs") == []
        assert r.get("/ext_out") is None
        assert len(msgs) == 2
        assert (
            "/ext_out: external link to ../other/ext.h5 points outside the allowed "
            "directories; not followed" in msgs[0]
        )


def test_external_link_outside_warns_through_load(tmp_path):
    main, _ = _external_setup(tmp_path)
    m = tmp_path / "m.yaml"
    m.write_text(
        textwrap.dedent("""\
        mapping: "1"
        name: ext
        signal:
          data: {first: [{path: /ext_out}, {const: [9, 9]}]}
    """)
    )
    with pytest.warns(MapperWarning, match="points outside the allowed directories"):
        (s,) = mapper.load(main, schema=str(m))
    np.testing.assert_array_equal(s["data"], [9, 9])


def test_external_link_followed_when_directory_allowed(tmp_path):
    main, other = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main, [other]))
        assert _paths(r, "/ext_out") == ["/ext_out"]
        assert _paths(r, "/ext_abs") == ["/ext_abs"]
        np.testing.assert_array_equal(r.get("/ext_out")[()], [0, 1, 2])
        assert msgs == []
    m = tmp_path / "m.yaml"
    m.write_text('mapping: "1"\nname: ext\nsignal:\n  data: {path: /ext_out}\n')
    (s,) = mapper.load(main, schema=str(m), allow_dirs=[other])
    np.testing.assert_array_equal(s["data"], [0, 1, 2])


def test_external_link_allowed_through_env(tmp_path, monkeypatch):
    main, other = _external_setup(tmp_path)
    monkeypatch.setenv("MAPPER_ALLOWED_DIRS", str(other))
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main))
        assert _paths(r, "/ext_out") == ["/ext_out"]
        assert msgs == []


def test_external_link_in_same_directory_followed(tmp_path):
    main, _ = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main))
        assert _paths(r, "/ext_same") == ["/ext_same"]
        np.testing.assert_array_equal(r.get("/ext_same")[()], [0, 1, 2, 3])
        assert msgs == []


def test_external_link_to_missing_file_is_absent(tmp_path):
    main, _ = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main))
        assert _paths(r, "/ext_missing") == []
        assert len(msgs) == 1
        assert "external link to missing file gone.h5" in msgs[0]


def test_external_link_warning_once_per_link(tmp_path):
    main, _ = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, msgs = _resolver(f, allowed_dirs(main))
        for _ in range(3):
            _paths(r, "/ext_out")
            _paths(r, "/*")
        assert sorted(m.split(": ", 1)[0] for m in msgs) == sorted(
            f"{main}:{p}" for p in ("/ext_out", "/ext_abs", "/ext_missing")
        )


def test_glob_over_root_skips_unsafe_links(tmp_path):
    main, _ = _external_setup(tmp_path)
    with h5py.File(main, "r") as f:
        r, _ = _resolver(f, allowed_dirs(main))
        assert _paths(r, "/*") == ["/ext_same"]


def test_members_come_in_creation_order_when_the_file_tracks_it(tmp_path):
    """The fast member listing keeps h5py's order: names, or creation when tracked."""
    import h5py

    from mapper.hdf5.resolve import Resolver

    path = tmp_path / "order.h5"
    with h5py.File(path, "w") as f:
        tracked = f.create_group("tracked", track_order=True)
        plain = f.create_group("plain")
        for name in ("zeta", "alpha", "mid"):
            tracked[name] = plain[name] = 1
    with h5py.File(path, "r") as f:
        r = Resolver(f, (), print)

        def names(group: str) -> list[str]:
            return [p.rsplit("/", 1)[1] for p, _ in r.children(group)]

        assert names("/tracked") == list(f["tracked"]) == ["zeta", "alpha", "mid"]
        assert names("/plain") == list(f["plain"]) == ["alpha", "mid", "zeta"]
