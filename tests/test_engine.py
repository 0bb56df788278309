"""The generic engine, driven by small custom mappings (engine.read, api, hdf5.lazy)."""

from __future__ import annotations

import pickle
import textwrap
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import mapper
import mapper.engine.session
import mapper.hdf5.lazy
from mapper.engine.read import Engine
from mapper.errors import MapperError, NoMatchError, OptionError
from mapper.errors import MapperWarning as MW
from mapper.language import schema as _schema

# ----------------------------------------------------------------------------- helpers

HEAD = 'mapping: "1"\nname: t\n'


def write_mapping(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    if text.startswith(HEAD):
        text = HEAD + textwrap.dedent(text[len(HEAD) :]).lstrip("\n")
    text = textwrap.dedent(text).lstrip("\n")
    if "convention:" not in text and "extends:" not in text:
        # the engine's test mappings type groups the NeXus way (NXentry segments);
        # appended last, so that the mapping locations in messages stay put
        text = text.rstrip("\n") + "\nconvention: nexus\n"
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p.resolve()


def write_h5(tmp_path: Path, build: Callable[[h5py.File], None], name: str = "f.h5") -> Path:
    p = tmp_path / name
    with h5py.File(p, "w") as f:
        build(f)
    return p


def check_axes(signal: dict[str, Any]) -> None:
    """Every axis has name, units, navigate and size, and sizes match the data."""
    shape = tuple(signal["data"].shape)
    assert len(signal["axes"]) == len(shape)
    for ax, n in zip(signal["axes"], shape, strict=True):
        assert isinstance(ax["name"], str)
        assert isinstance(ax["units"], str)
        assert isinstance(ax["navigate"], bool)
        assert ax["size"] == n
        if "axis" in ax:
            assert len(ax["axis"]) == n
        else:
            assert isinstance(ax["scale"], float)
            assert isinstance(ax["offset"], float)


def load1(h5: Path, m: Path, **kw: Any) -> dict[str, Any]:
    signals = mapper.load(h5, schema=str(m), **kw)
    assert len(signals) == 1
    check_axes(signals[0])
    return signals[0]


def build_basic(f: h5py.File) -> None:
    e = f.create_group("entry")
    e.attrs["NX_class"] = "NXentry"
    e["title"] = b"hello"
    e["count"] = np.int32(7)
    e["weird"] = "not a number"
    d = e.create_group("det")
    d.attrs["NX_class"] = "NXdetector"
    d.attrs["ys"] = 0.5
    d.attrs["kind"] = "camera"
    d.create_dataset(
        "data", data=np.arange(4 * 5 * 6, dtype="f4").reshape(4, 5, 6), chunks=(1, 5, 3)
    )
    d["z"] = np.array([10.0, 8.0, 6.0, 4.0])
    d["z"].attrs["units"] = "mm"
    d["x"] = np.array([0.0, 1.0, 3.0, 4.0, 5.0, 6.0])
    d["y"] = np.linspace(-1, 1, 5)


# ----------------------------------------------------------------------------- value sources


def test_const_data_and_index_axes(tmp_path):
    h5 = write_h5(tmp_path, lambda f: f.create_group("g"))
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {const: [[1, 2, 3], [4, 5, 6]]}\n")
    s = load1(h5, m)
    np.testing.assert_array_equal(s["data"], [[1, 2, 3], [4, 5, 6]])
    assert s["axes"] == [
        {"name": "", "units": "", "navigate": False, "size": 2, "offset": 0.0, "scale": 1.0},
        {"name": "", "units": "", "navigate": False, "size": 3, "offset": 0.0, "scale": 1.0},
    ]
    assert s["metadata"] == {}
    assert s["original_metadata"] == {}


def test_value_sources(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        """
        mapping: "1"
        name: t
        options:
          which: {type: string}
          n: {type: integer, default: 2}
          unset: {type: string}
        anchors:
          entry: {path: /NXentry}
          det: {path: "{entry}/NXdetector"}
        signal:
          data: {path: "{det}/data"}
          metadata:
            S.const: {const: 3}
            S.path: {path: "{entry}/title"}
            S.attr: {path: "{det}/@kind"}
            S.attr_float: {path: "{det}/@ys"}
            S.int: {path: "{entry}/count"}
            S.name_of: {name_of: "{det}"}
            S.first: {first: [{path: /nope}, {path: "{det}/@nope"}, {path: "{entry}/title"}]}
            S.first_const: {first: [{path: /nope}, {const: fallback}]}
            S.default: {path: /nope, default: 7}
            S.absent: {path: /nope}
            S.option: {option: which}
            S.option_default: {option: n}
            S.option_unset: {option: unset}
            S.transform: {path: "{entry}/count", transform: float}
            S.strlist: {const: "a:b", transform: string_list}
            S.file: {builtin: file.name}
    """,
    )
    s = load1(h5, m, which="w")
    assert s["metadata"] == {
        "S": {
            "const": 3,
            "path": "hello",
            "attr": "camera",
            "attr_float": 0.5,
            "int": 7,
            "name_of": "det",
            "first": "hello",
            "first_const": "fallback",
            "default": 7,
            "option": "w",
            "option_default": 2,
            "transform": 7.0,
            "strlist": ["a", "b"],
            "file": "f.h5",
        }
    }
    assert type(s["metadata"]["S"]["int"]) is int
    assert type(s["metadata"]["S"]["transform"]) is float


def test_required_true_raises_naming_mapping_location(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            General.x: {path: /entry/nope, required: true}
    """,
    )
    # reading: a missing required metadata value warns and the signal still loads
    # (validation reports it as an error); a missing required data source raises
    with pytest.warns(mapper.MapperWarning) as rec:
        (s,) = mapper.load(h5, schema=str(m))
    assert "x" not in s["metadata"].get("General", {})
    assert str(rec[0].message) == (
        f"{h5}: required /entry/nope not found (mapping {m}:6:16); "
        "metadata.General.x left out (mapper validate says more)"
    )
    m2 = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/nope, required: true}
    """,
        name="m2.yaml",
    )
    with pytest.raises(NoMatchError) as ei:
        mapper.load(h5, schema=str(m2))
    assert str(ei.value) == f"{h5}: required /entry/nope not found (mapping {m2}:4:9)"
    assert isinstance(ei.value, LookupError)


def test_required_true_substitutes_anchor_in_message(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          e: {path: /NXentry}
        signal:
          data: {path: "{e}/det/data"}
          metadata:
            General.x: {path: "{e}/nope", required: true}
    """,
    )
    with pytest.warns(mapper.MapperWarning, match="required /entry/nope not found"):
        mapper.load(h5, schema=str(m))


def test_required_recommended_warns(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            General.x: {path: /entry/nope, required: recommended}
            General.y: {const: 1}
    """,
    )
    with pytest.warns(MW) as rec:
        s = load1(h5, m)
    assert [str(w.message) for w in rec] == [
        f"{h5}: recommended /entry/nope not found (mapping {m}:6:16)"
    ]
    assert s["metadata"] == {"General": {"y": 1}}


def test_recommended_with_default_does_not_warn(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            General.x: {path: /nope, required: recommended, default: 0}
    """,
    )
    assert load1(h5, m)["metadata"] == {"General": {"x": 0}}


def test_missing_data_is_an_error(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {path: /nope}\n")
    with pytest.raises(NoMatchError) as ei:
        mapper.load(h5, schema=str(m))
    assert str(ei.value) == f"{h5}: no data for signal (mapping {m}:4:9)"


def test_transform_failure_warns_and_drops_value(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            General.n: {path: /entry/weird, transform: int}
            General.m: {path: /entry/weird, transform: int, default: -1}
    """,
    )
    with pytest.warns(MW, match="transform 'int' failed") as rec:
        s = load1(h5, m)
    assert len(rec) == 2
    assert f"mapping {m}:6:16" in str(rec[0].message)
    assert s["metadata"] == {"General": {"m": -1}}


def test_group_where_dataset_expected(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {path: /entry/det}\n")
    with pytest.raises(MapperError, match="is a group, a dataset was expected"):
        mapper.load(h5, schema=str(m))


def test_tree_source(tmp_path):
    def build(f):
        g = f.create_group("meta")
        g["a"] = 1
        g.create_group("sub")["b"] = b"text"
        g["sub"].attrs["u"] = "m"
        f["d"] = np.arange(3)

    h5 = write_h5(tmp_path, build)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /d}
          metadata:
            M: {tree: /meta, args: {style: plain}}
    """,
    )
    assert load1(h5, m)["metadata"] == {"M": {"a": 1, "sub": {"b": "text"}}}


# ----------------------------------------------------------------------------- predicates


def test_when_predicates(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        """
        mapping: "1"
        name: t
        options:
          flag: {type: boolean, default: false}
          mode: {type: string, default: fast}
        signal:
          data: {path: /entry/det/data}
          metadata:
            P.eq_yes: {const: 1, when: {path: /entry/det/@kind, equals: camera}}
            P.eq_no: {const: 1, when: {path: /entry/det/@kind, equals: other}}
            P.bytes_eq: {const: 1, when: {path: /entry/title, equals: hello}}
            P.num_eq: {const: 1, when: {path: /entry/count, equals: 7}}
            P.one_of: {const: 1, when: {path: /entry/count, one_of: [1, 7]}}
            P.one_of_no: {const: 1, when: {path: /entry/count, one_of: [1, 2]}}
            P.matches: {const: 1, when: {path: /entry/title, matches: "hel*"}}
            P.matches_no: {const: 1, when: {path: /entry/title, matches: "x*"}}
            P.exists: {const: 1, when: {exists: /NXentry/NXdetector}}
            P.exists_no: {const: 1, when: {exists: /entry/nope}}
            P.any: {const: 1, when: {any: [{exists: /nope}, {exists: /entry}]}}
            P.all_no: {const: 1, when: {all: [{exists: /nope}, {exists: /entry}]}}
            P.not: {const: 1, when: {not: {exists: /nope}}}
            P.opt_no: {const: 1, when: {option: flag}}
            P.opt_eq: {const: 1, when: {option: mode, equals: fast}}
            P.missing_path: {const: 1, when: {path: /nope, equals: 1}}
    """,
    )
    s = load1(h5, m)
    assert sorted(s["metadata"]["P"]) == sorted(
        ["eq_yes", "bytes_eq", "num_eq", "one_of", "matches", "exists", "any", "not", "opt_eq"]
    )
    s = load1(h5, m, flag=True, mode="slow")
    assert "opt_no" in s["metadata"]["P"]
    assert "opt_eq" not in s["metadata"]["P"]


def test_when_equals_on_array_is_false(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            P.arr: {const: 1, when: {path: /entry/det/x, equals: 1}}
    """,
    )
    assert load1(h5, m)["metadata"] == {}


def test_when_false_falls_through_first(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            A.b:
              first:
                - {const: skipped, when: {exists: /nope}}
                - {const: used}
    """,
    )
    assert load1(h5, m)["metadata"] == {"A": {"b": "used"}}


# ----------------------------------------------------------------------------- anchors


def build_entries(f: h5py.File) -> None:
    for i, kind in enumerate(["NXtomo", "NXother", "NXtomo"]):
        e = f.create_group(f"e{i}")
        e.attrs["NX_class"] = "NXentry"
        e["definition"] = kind
        e["title"] = f"t{i}"
        e["data"] = np.arange(3) + 10 * i
        for k in range(i + 1):
            d = e.create_group(f"det{k}")
            d.attrs["NX_class"] = "NXdetector"
    f.create_group("plain")["data"] = np.arange(2)


def anchors_mapping(tmp_path: Path, select: str, extra: str = "", name: str = "a.yaml") -> Path:
    return write_mapping(
        tmp_path,
        f"""
        mapping: "1"
        name: t
        options:
          p: {{type: string_list}}
        anchors:
          entry:
            path: /NXentry
            select: {select}
        {extra}
        signal:
          data: {{path: "{{entry}}/data"}}
          metadata:
            General.title: {{path: "{{entry}}/title"}}
    """,
        name,
    )


def titles(signals: list[dict[str, Any]]) -> list[str]:
    return [s["metadata"]["General"]["title"] for s in signals]


def test_select_one_ambiguous_lists_matches(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = anchors_mapping(tmp_path, "one")
    with pytest.raises(NoMatchError) as ei:
        mapper.load(h5, schema=str(m))
    assert str(ei.value) == (
        f"{h5}: 'entry' must match one object but matches 3: /e0, /e1, /e2 (mapping {m}:7:5)"
    )


def test_select_one_unique(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          entry: {path: /e0}
          det: {path: "{entry}/NXdetector"}
        signal:
          data: {path: "{entry}/data"}
          metadata:
            D.name: {name_of: "{det}"}
    """,
    )
    s = load1(h5, m)
    np.testing.assert_array_equal(s["data"], [0, 1, 2])
    assert s["metadata"] == {"D": {"name": "det0"}}
    m2 = write_mapping(tmp_path, m.read_text().replace("/e0", "/e2"), "m2.yaml")
    with pytest.raises(
        NoMatchError,
        match="'det' must match one object but matches 3: /e2/det0, /e2/det1, /e2/det2",
    ):
        mapper.load(h5, schema=str(m2))


def test_select_first(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    s = mapper.load(h5, schema=str(anchors_mapping(tmp_path, "first")))
    assert titles(s) == ["t0"]


def test_select_each_gives_one_signal_per_match(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    s = mapper.load(h5, schema=str(anchors_mapping(tmp_path, "each")))
    assert titles(s) == ["t0", "t1", "t2"]
    for i, sig in enumerate(s):
        np.testing.assert_array_equal(sig["data"], np.arange(3) + 10 * i)
        check_axes(sig)


def test_select_each_later_anchor_is_resolved_per_signal(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = anchors_mapping(tmp_path, "each", extra='  dets: {path: "{entry}/NXdetector", select: all}')
    with mapper.open(h5) as f:
        mp = f.mapping(str(m))
        engine = Engine(mp, f.resolver, str(h5), mp.option_defaults())
        envs = engine.bindings()
    assert envs == [
        {"entry": "/e0", "dets": ["/e0/det0"]},
        {"entry": "/e1", "dets": ["/e1/det0", "/e1/det1"]},
        {"entry": "/e2", "dets": ["/e2/det0", "/e2/det1", "/e2/det2"]},
    ]


def test_select_all_feeds_for_each_glob(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          dets: {path: "/e1/NXdetector", select: all}
        signal:
          data: {const: [[1, 2], [3, 4]]}
          axes:
            - for_each: {glob: "{dets}", as: d}
              axis: {name: {name_of: "/e1/{d}"}}
    """,
    )
    s = load1(h5, m)
    assert [a["name"] for a in s["axes"]] == ["det0", "det1"]


def test_required_anchor_absent(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          inst:
            path: /NXinstrument
            doc: The instrument group.
        signal:
          data: {path: "{inst}/data"}
    """,
    )
    with pytest.raises(NoMatchError) as ei:
        mapper.load(h5, schema=str(m))
    assert str(ei.value) == (
        f"{h5}: nothing found for 'inst' (the instrument group); mapping t at {m}:5:5"
    )


def test_optional_anchor_absent_makes_its_sources_absent(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          inst: {path: /NXinstrument, required: false}
        signal:
          data: {path: /plain/data}
          metadata:
            I.name: {name_of: "{inst}"}
            I.title: {path: "{inst}/title", default: none}
    """,
    )
    s = load1(h5, m)
    assert s["metadata"] == {"I": {"title": "none"}}


def test_where_with_dot(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          entry:
            path: /NXentry
            select: each
            where: {path: "{.}/definition", equals: NXtomo}
        signal:
          data: {path: "{entry}/data"}
          metadata:
            General.title: {path: "{entry}/title"}
    """,
        "w.yaml",
    )
    assert titles(mapper.load(h5, schema=str(m))) == ["t0", "t2"]
    m2 = write_mapping(
        tmp_path,
        m.read_text().replace(
            'where: {path: "{.}/definition", equals: NXtomo}', 'where: {not: {exists: "{.}/det1"}}'
        ),
        "w2.yaml",
    )
    assert titles(mapper.load(h5, schema=str(m2))) == ["t0"]


def test_ancestor(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          det: {path: /e2/det1}
          entry: {path: "{det}", ancestor: NXentry}
        signal:
          data: {path: "{entry}/data"}
    """,
    )
    np.testing.assert_array_equal(load1(h5, m)["data"], [20, 21, 22])


@pytest.mark.parametrize(
    ("how", "value", "expected"),
    [
        ("exact", "/e1", ["t1"]),
        ("exact", ["/e2", "/e0"], ["t0", "t2"]),
        ("exact", "/e", []),
        ("within", "/e1/data", ["t1"]),
        ("within", "/e2", ["t2"]),
        ("within", "/e2/", ["t2"]),
        ("within", "/e", []),
        ("contains", "e", ["t0", "t1", "t2"]),
        ("contains", ["1", "2"], ["t1", "t2"]),
        ("contains", "zz", []),
        ("exact", None, ["t0", "t1", "t2"]),
        ("contains", [], ["t0", "t1", "t2"]),
    ],
)
def test_filters(tmp_path, how, value, expected):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        f"""
        mapping: "1"
        name: t
        options:
          p: {{type: string_list}}
        anchors:
          entry:
            path: /NXentry
            select: each
            filters: [{{option: p, match: {how}}}]
        signal:
          data: {{path: "{{entry}}/data"}}
          metadata:
            General.title: {{path: "{{entry}}/title"}}
    """,
    )
    if not expected:
        with pytest.raises(NoMatchError) as ei:
            mapper.load(h5, schema=str(m), p=value)
        wanted = [value] if isinstance(value, str) else value
        assert str(ei.value) == (
            f"{h5}: nothing matches 'entry' (/NXentry) with {{'p': {wanted!r}}} (mapping {m}:7:5)"
        )
    else:
        assert titles(mapper.load(h5, schema=str(m), p=value)) == expected


def test_prefer(tmp_path):
    h5 = write_h5(tmp_path, build_entries)
    m = write_mapping(
        tmp_path,
        """
        mapping: "1"
        name: t
        options:
          pick: {type: boolean, default: false}
        anchors:
          fav: {path: /e2, select: first}
          entry: {path: /NXentry, select: each, prefer: {option: pick, anchor: fav}}
        signal:
          data: {path: "{entry}/data"}
          metadata:
            General.title: {path: "{entry}/title"}
    """,
    )
    assert titles(mapper.load(h5, schema=str(m))) == ["t0", "t1", "t2"]
    assert titles(mapper.load(h5, schema=str(m), pick=True)) == ["t2"]


# ----------------------------------------------------------------------------- options


OPTS = """
    mapping: "1"
    name: opts
    options:
      s: {type: string}
      sl: {type: string_list}
      b: {type: boolean, default: false}
      i: {type: integer, default: 2}
      x: {type: number}
    signal:
      data: {const: [1]}
      metadata:
        O.s: {option: s}
        O.sl: {option: sl}
        O.b: {option: b}
        O.i: {option: i}
        O.x: {option: x}
"""


def test_option_values_and_defaults(tmp_path):
    h5 = write_h5(tmp_path, lambda f: None)
    m = write_mapping(tmp_path, OPTS)
    assert load1(h5, m)["metadata"] == {"O": {"b": False, "i": 2}}
    s = load1(h5, m, s="a", sl="one", b=True, i=5, x=1.5)
    assert s["metadata"] == {"O": {"s": "a", "sl": ["one"], "b": True, "i": 5, "x": 1.5}}
    s = load1(h5, m, sl=("a", "b"), x=3, s=None)
    assert s["metadata"]["O"]["sl"] == ["a", "b"]
    assert s["metadata"]["O"]["x"] == 3


def test_unknown_option_lists_options(tmp_path):
    h5 = write_h5(tmp_path, lambda f: None)
    m = write_mapping(tmp_path, OPTS)
    with pytest.raises(OptionError) as ei:
        mapper.load(h5, schema=str(m), nope=1, zzz=2)
    assert str(ei.value) == "mapping 'opts' has no option 'nope', 'zzz'; options: b, i, s, sl, x"
    assert isinstance(ei.value, TypeError)


def test_no_options_declared(tmp_path):
    h5 = write_h5(tmp_path, lambda f: None)
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {const: [1]}\n")
    with pytest.raises(OptionError, match="has no option 'x'; options: none"):
        mapper.load(h5, schema=str(m), x=1)


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("s", 1, "string"),
        ("sl", ["a", 1], "string_list"),
        ("sl", 5, "string_list"),
        ("b", 1, "boolean"),
        ("b", "yes", "boolean"),
        ("i", 1.5, "integer"),
        ("i", True, "integer"),
        ("i", "3", "integer"),
        ("x", "1.0", "number"),
        ("x", False, "number"),
    ],
)
def test_option_wrong_type(tmp_path, key, value, kind):
    h5 = write_h5(tmp_path, lambda f: None)
    m = write_mapping(tmp_path, OPTS)
    with pytest.raises(OptionError) as ei:
        mapper.load(h5, schema=str(m), **{key: value})
    assert str(ei.value).startswith(f"option {key!r} of mapping 'opts' must be a {kind}, not ")
    assert repr(value) in str(ei.value)


# ----------------------------------------------------------------------------- metadata


def test_metadata_dotted_keys_and_root_merge(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            A.B.c: {const: 1}
            A.B.d: {const: 2}
            A: {const: {B: {e: 3, c: 10}, f: 4}}
            X.y: {const: {z: 1}}
            X.y.w: {const: 2}
            ".": {const: {A: {f: 40, g: 5}, Root: r}}
    """,
    )
    s = load1(h5, m)
    assert s["metadata"] == {
        "A": {"B": {"c": 10, "d": 2, "e": 3}, "f": 40, "g": 5},
        "X": {"y": {"z": 1, "w": 2}},
        "Root": "r",
    }


def test_metadata_scalar_replaced_by_later_dict_and_back(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            A: {const: 1}
            A.b: {const: 2}
            C.d: {const: 3}
            C: {const: 4}
    """,
    )
    assert load1(h5, m)["metadata"] == {"A": {"b": 2}, "C": 4}


def test_root_merge_with_non_dict_is_ignored(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          metadata:
            A.b: {const: 1}
            ".": {const: 5}
    """,
    )
    assert load1(h5, m)["metadata"] == {"A": {"b": 1}}


def test_metadata_does_not_leak_between_loads(tmp_path):
    h5a = write_h5(tmp_path, lambda f: f.create_dataset("x", data=5), "a.h5")
    h5b = write_h5(tmp_path, lambda f: f.create_dataset("y", data=5), "b.h5")
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {const: [1, 2, 3]}
          metadata:
            A: {const: {b: 1}}
            A.x: {path: /x}
    """,
    )
    assert load1(h5a, m)["metadata"] == {"A": {"b": 1, "x": 5}}
    assert load1(h5b, m)["metadata"] == {"A": {"b": 1}}


def test_original_metadata(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          original_metadata: {path: /entry/title}
    """,
    )
    assert load1(h5, m)["original_metadata"] == {"value": "hello"}


# ----------------------------------------------------------------------------- axes


def test_axes_from_values_and_sources(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          det: {path: /entry/det}
        signal:
          data: {path: "{det}/data"}
          axes:
            - name: z
              units: {path: "{det}/z/@units"}
              navigate: true
              values: {path: "{det}/z"}
            - {name: y, units: nm, navigate: false, values: {path: "{det}/y"}}
            - {name: x, navigate: false, values: {path: "{det}/x"}}
    """,
    )
    s = load1(h5, m)
    z, y, x = s["axes"]
    assert z == {
        "name": "z",
        "units": "mm",
        "navigate": True,
        "size": 4,
        "offset": 10.0,
        "scale": -2.0,
    }
    assert y == {
        "name": "y",
        "units": "nm",
        "navigate": False,
        "size": 5,
        "offset": -1.0,
        "scale": pytest.approx(0.5),
    }
    assert set(x) == {"name", "units", "navigate", "size", "axis"}
    assert (x["name"], x["units"], x["navigate"], x["size"]) == ("x", "", False, 6)
    np.testing.assert_array_equal(x["axis"], [0, 1, 3, 4, 5, 6])


def test_scale_offset_size_from_sources(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          det: {path: /entry/det}
        signal:
          data: {path: "{det}/data"}
          axes:
            - {name: a, scale: {path: "{det}/@ys"}, offset: {const: 1.5}}
            - {name: b, scale: 2, offset: -1, units: {const: eV}}
            - {name: c, scale: {path: /nope}, offset: {path: /nope, default: 3}}
    """,
    )
    a, b, c = load1(h5, m)["axes"]
    assert a == {"name": "a", "units": "", "navigate": True, "scale": 0.5, "offset": 1.5, "size": 4}
    assert b == {
        "name": "b",
        "units": "eV",
        "navigate": False,
        "scale": 2.0,
        "offset": -1.0,
        "size": 5,
    }
    assert c == {
        "name": "c",
        "units": "",
        "navigate": False,
        "scale": 1.0,
        "offset": 3.0,
        "size": 6,
    }


def test_values_with_wrong_length_warns_and_gives_index_axis(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          axes:
            - {name: a, values: {path: /entry/det/x}}
            - {name: b}
            - {name: c}
    """,
    )
    with pytest.warns(MW) as rec:
        a = load1(h5, m)["axes"][0]
    assert [str(w.message) for w in rec] == [
        f"{h5}: axis 'a': 6 values for a dimension of 4; index axis used (mapping {m}:6:7)"
    ]
    assert a == {"name": "a", "units": "", "navigate": True, "size": 4, "offset": 0.0, "scale": 1.0}


def test_fewer_axes_than_dimensions_falls_back_with_warning(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /entry/det/data}
          axes:
            - {name: only, scale: 2.0}
    """,
    )
    with pytest.warns(MW) as rec:
        s = load1(h5, m)
    assert [str(w.message) for w in rec] == [
        f"{h5}: mapping gives 1 axes for 3-D data; index axes used (mapping {m})"
    ]
    assert [a["name"] for a in s["axes"]] == ["", "", ""]
    assert [a["navigate"] for a in s["axes"]] == [True, False, False]
    assert all(a["scale"] == 1.0 and a["offset"] == 0.0 for a in s["axes"])


def test_for_each_range_literal_and_from_source(tmp_path):
    def build(f):
        g = f.create_group("g")
        g.attrs["rank"] = 2
        g["data"] = np.zeros((3, 4))
        for i, (n, sc, u) in enumerate([("row", 0.5, "m"), ("col", 2.0, "s")]):
            a = g.create_group(f"axis-{i}")
            a.attrs.update(name=n, scale=sc, units=u, nav=(i == 0))

    h5 = write_h5(tmp_path, build)
    body = """
        anchors:
          g: {path: /g}
        signal:
          data: {path: "{g}/data"}
          axes:
            - for_each: {range: RANGE, as: k}
              axis:
                name: {path: "{g}/axis-{k}/@name"}
                scale: {path: "{g}/axis-{k}/@scale"}
                units: {path: "{g}/axis-{k}/@units"}
                navigate: {path: "{g}/axis-{k}/@nav"}
    """
    expected = [
        {"name": "row", "units": "m", "navigate": True, "scale": 0.5, "offset": 0.0, "size": 3},
        {"name": "col", "units": "s", "navigate": False, "scale": 2.0, "offset": 0.0, "size": 4},
    ]
    for i, rng in enumerate(["2", '{path: "{g}/@rank"}']):
        m = write_mapping(tmp_path, HEAD + body.replace("RANGE", rng), f"r{i}.yaml")
        assert load1(h5, m)["axes"] == expected


def test_for_each_list(tmp_path):
    def build(f):
        g = f.create_group("g")
        g["data"] = np.zeros((3, 4))
        g.attrs["axes"] = np.array([b"t", b"e"])
        g["t"] = np.array([0.0, 1.0, 2.0])
        g["e"] = np.array([1.0, 2.0, 4.0, 8.0])

    h5 = write_h5(tmp_path, build)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          g: {path: /g}
        signal:
          data: {path: "{g}/data"}
          axes:
            - for_each: {list: {path: "{g}/@axes"}, as: ax}
              axis:
                name: {name_of: "{g}/{ax}"}
                navigate: true
                values: {path: "{g}/{ax}"}
    """,
    )
    t, e = load1(h5, m)["axes"]
    assert t == {"name": "t", "units": "", "navigate": True, "size": 3, "offset": 0.0, "scale": 1.0}
    assert e["name"] == "e"
    np.testing.assert_array_equal(e["axis"], [1, 2, 4, 8])


def test_for_each_glob(tmp_path):
    def build(f):
        g = f.create_group("g")
        g["data"] = np.zeros((3, 4))
        for i, (n, sc) in enumerate([("row", 0.5), ("col", 2.0)]):
            g.create_group(f"axis-{i}").attrs.update(name=n, scale=sc)
        g.create_group("other")

    h5 = write_h5(tmp_path, build)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        anchors:
          g: {path: /g}
        signal:
          data: {path: "{g}/data"}
          axes:
            - for_each: {glob: "{g}/axis-*"}
              axis:
                name: {path: "{g}/{i}/@name"}
                scale: {path: "{g}/{i}/@scale"}
    """,
    )
    axes = load1(h5, m)["axes"]
    assert [(a["name"], a["scale"]) for a in axes] == [("row", 0.5), ("col", 2.0)]


def test_axes_mixing_for_each_and_plain(tmp_path):
    h5 = write_h5(tmp_path, lambda f: f.create_dataset("d", data=np.zeros((2, 3, 4))))
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /d}
          axes:
            - {name: first}
            - for_each: {list: {const: [p, q]}, as: n}
              axis: {name: {name_of: "/{n}"}, scale: 3}
    """,
    )
    # name_of an absent path is absent: the for_each axes get empty names but still count
    axes = load1(h5, m)["axes"]
    assert [(a["name"], a["scale"]) for a in axes] == [("first", 1.0), ("", 3.0), ("", 3.0)]
    m2 = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /d}
          axes:
            - {name: first}
            - for_each: {list: {const: [p, q]}, as: n}
              axis: {name: second, scale: 3}
    """,
        "m2.yaml",
    )
    axes = load1(h5, m2)["axes"]
    assert [(a["name"], a["scale"]) for a in axes] == [
        ("first", 1.0),
        ("second", 3.0),
        ("second", 3.0),
    ]


def test_deref_object_reference(tmp_path):
    def build(f):
        g = f.create_group("g")
        g["t"] = np.array([0.0, 1.0, 2.0])
        g.attrs["ref"] = g["t"].ref
        g.attrs["notref"] = 3

    h5 = write_h5(tmp_path, build)
    m = write_mapping(
        tmp_path,
        HEAD
        + """
        signal:
          data: {path: /g/@ref, deref: true}
    """,
    )
    s = load1(h5, m)
    np.testing.assert_array_equal(s["data"], [0, 1, 2])
    m2 = write_mapping(
        tmp_path, HEAD + "signal:\n  data: {path: /g/@notref, deref: true}\n", "m2.yaml"
    )
    with pytest.raises(MapperError, match="not an object reference"):
        mapper.load(h5, schema=str(m2))


# ----------------------------------------------------------------------------- detect


def test_detect_uses_match_and_priority(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    for name, prio in (("low", 1), ("high", 5)):
        write_mapping(
            maps,
            f"""
            mapping: "1"
            name: {name}
            priority: {prio}
            match: {{path: /kind, equals: mine}}
            signal:
              data: {{path: /d}}
        """,
            f"{name}.yaml",
        )
    h5 = write_h5(
        tmp_path,
        lambda f: (f.create_dataset("kind", data="mine"), f.create_dataset("d", data=[1, 2])),
    )
    assert mapper.detect(h5, search_path=[maps]) == "high"
    other = write_h5(tmp_path, lambda f: f.create_dataset("kind", data="theirs"), "o.h5")
    with pytest.raises(NoMatchError, match="no mapping matches this file"):
        mapper.detect(other, search_path=[maps])
    (s,) = mapper.load(h5, search_path=[maps])
    np.testing.assert_array_equal(s["data"], [1, 2])


def test_match_using_an_anchor_is_rejected_or_works(tmp_path):
    maps = tmp_path / "maps"
    maps.mkdir()
    m = write_mapping(
        maps,
        """
        mapping: "1"
        name: anch
        priority: 5
        match: {exists: "{g}/x"}
        anchors:
          g: {path: /g}
        signal:
          data: {path: "{g}/d"}
    """,
        "anch.yaml",
    )
    h5 = write_h5(
        tmp_path, lambda f: (f.create_dataset("g/x", data=1), f.create_dataset("g/d", data=[1, 2]))
    )
    if mapper.check_file(m) == []:
        assert mapper.detect(h5, search_path=[maps]) == "anch"


# ----------------------------------------------------------------------------- lazy


def build_chunked(f: h5py.File) -> None:
    rng = np.random.default_rng(0)
    f.create_dataset("d", data=rng.random((20, 30, 17)).astype("f4"), chunks=(3, 7, 5))
    f.create_dataset("c", data=np.arange(50 * 40).reshape(50, 40))  # contiguous


LAZY = HEAD + "signal:\n  data: {path: /d}\n  metadata:\n    M.c: {path: /c}\n"


def _aligned(
    chunks: tuple[tuple[int, ...], ...], disk: tuple[int, ...], shape: tuple[int, ...]
) -> bool:
    for dim_chunks, c, n in zip(chunks, disk, shape, strict=True):
        edges = np.cumsum(dim_chunks)
        assert edges[-1] == n
        if any(e % c for e in edges[:-1]):
            return False
    return True


def test_lazy_gives_dask_arrays_equal_to_eager(tmp_path):
    import dask.array as da

    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    eager = load1(h5, m)
    lazy = load1(h5, m, lazy=True)
    assert isinstance(eager["data"], np.ndarray)
    assert isinstance(lazy["data"], da.Array)
    assert lazy["data"].dtype == eager["data"].dtype == np.float32
    assert _aligned(lazy["data"].chunks, (3, 7, 5), (20, 30, 17))
    np.testing.assert_array_equal(lazy["data"].compute(), eager["data"])
    assert lazy["axes"] == eager["axes"]
    np.testing.assert_array_equal(
        np.asarray(lazy["metadata"]["M"]["c"]), eager["metadata"]["M"]["c"]
    )


def test_lazy_chunks_are_multiples_of_disk_chunks_when_split(tmp_path, monkeypatch):
    import dask.array as da

    # a small target forces several dask chunks per dimension
    monkeypatch.setattr(mapper.hdf5.lazy.aligned_chunks, "__defaults__", (3 * 7 * 5 * 4 * 6,))
    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    lazy = load1(h5, m, lazy=True)["data"]
    assert isinstance(lazy, da.Array)
    assert lazy.npartitions > 1
    assert _aligned(lazy.chunks, (3, 7, 5), (20, 30, 17))
    with h5py.File(h5) as f:
        np.testing.assert_array_equal(lazy.compute(), f["d"][()])


@pytest.mark.parametrize(
    ("shape", "disk", "target"),
    [
        ((20, 30, 17), (3, 7, 5), 400),
        ((20, 30, 17), (3, 7, 5), 5000),
        ((20, 30, 17), (3, 7, 5), 10**9),
        ((100,), (7,), 8 * 20),
        ((5, 5), (10, 10), 16),
        ((64, 64), (1, 64), 64 * 8 * 3),
    ],
)
def test_aligned_chunks_are_multiples(shape, disk, target):
    chunks = mapper.hdf5.lazy.aligned_chunks(shape, np.dtype("f8"), disk, target=target)
    assert len(chunks) == len(shape)
    for c, d, n in zip(chunks, disk, shape, strict=True):
        assert 1 <= c <= n
        assert c == n or c % min(d, n) == 0


def test_lazy_graph_pickles(tmp_path):
    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    arr = load1(h5, m, lazy=True)["data"]
    clone = pickle.loads(pickle.dumps(arr))
    with h5py.File(h5) as f:
        expected = f["d"][()]
    np.testing.assert_array_equal(clone.compute(), expected)
    np.testing.assert_allclose(clone.sum().compute(), expected.sum(), rtol=1e-5)


def test_lazy_array_computes_after_load_returned(tmp_path):
    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    arr = mapper.load(h5, schema=str(m), lazy=True)[0]["data"]
    assert str(h5) not in mapper.hdf5.lazy._open_files
    with h5py.File(h5) as f:
        expected = f["d"][()]
    np.testing.assert_array_equal(arr[2:5, ::3].compute(), expected[2:5, ::3])


def test_open_context_closes_file_and_lazy_uses_its_handle(tmp_path, monkeypatch):
    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    with h5py.File(h5) as f:
        expected = f["d"][()]

    def no_open(*args, **kwargs):
        raise AssertionError("lazy read opened the file instead of using the open handle")

    with mapper.open(h5) as mf:
        handle = mf.h5
        assert handle.id.valid
        (s,) = mf.load(str(m), lazy=True)
        with monkeypatch.context() as mp:
            mp.setattr(mapper.hdf5.lazy, "h5py", types.SimpleNamespace(File=no_open))
            np.testing.assert_array_equal(s["data"].compute(), expected)
    assert not handle.id.valid
    assert str(h5) not in mapper.hdf5.lazy._open_files
    # after the block the array re-opens the file on demand
    np.testing.assert_array_equal(s["data"].compute(), expected)


def test_open_close_is_idempotent(tmp_path):
    h5 = write_h5(tmp_path, build_chunked)
    f = mapper.open(h5)
    f.close()
    f.close()
    assert not f.h5.id.valid


def test_load_closes_the_file(tmp_path, monkeypatch):
    h5 = write_h5(tmp_path, build_chunked)
    m = write_mapping(tmp_path, LAZY)
    opened: list[h5py.File] = []
    real = mapper.engine.session.open_h5

    def spy(path, *a, **k):
        f = real(path, *a, **k)
        opened.append(f)
        return f

    monkeypatch.setattr(mapper.engine.session, "open_h5", spy)
    mapper.load(h5, schema=str(m))
    mapper.load(h5, schema=str(m), lazy=True)
    assert len(opened) == 2
    assert not any(f.id.valid for f in opened)


def test_eager_load_has_no_warnings(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {path: /entry/det/data}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = load1(h5, m)
    assert s["data"].shape == (4, 5, 6)


def test_mapping_object_can_be_passed(tmp_path):
    h5 = write_h5(tmp_path, build_basic)
    m = write_mapping(tmp_path, HEAD + "signal:\n  data: {path: /entry/det/data}\n")
    mp = _schema.load_mapping(m)
    (s,) = mapper.load(h5, schema=mp)
    assert s["data"].shape == (4, 5, 6)
