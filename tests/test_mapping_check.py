"""Checking mapping files: schema, semantic pass, extends and the registry."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import mapper
from mapper.errors import MapperError, MappingError, MissingFileError, NoMatchError
from mapper.language import schema as _schema
from mapper.language.model import Mapping

SHIPPED = Path(__file__).resolve().parent.parent / "schemas"


def write(directory: Path, name: str, text: str) -> Path:
    p = directory / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p.resolve()


def problems(tmp_path: Path, text: str, name: str = "m.yaml") -> tuple[Path, list[str]]:
    p = write(tmp_path, name, text)
    return p, mapper.check_file(p)


# ----------------------------------------------------------------------------- clean files


def test_minimal_mapping_is_clean_and_builds(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        title: A test
        signal:
          data: {path: /d}
    """,
    )
    assert probs == []
    m = _schema.load_mapping(p)
    assert isinstance(m, Mapping)
    assert (m.name, m.version, m.title, m.source) == ("t", "1", "A test", str(p))
    assert m.signal.data.kind == "path"
    assert m.signal.data.path == "/d"
    assert m.signal.data.loc == f"{p}:5:9"


def test_shipped_nxdata_checks_clean():
    assert mapper.check_file(SHIPPED / "nxdata.yaml") == []
    assert mapper.check_file("nxdata") == []
    m = _schema.load_mapping("nxdata")
    assert m.name == "nxdata"
    assert m.version == "1"
    assert [a.name for a in m.anchors] == ["default_nxdata", "nxdata", "entry"]


def test_full_featured_mapping_is_clean(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: full
        convention: nexus
        options:
          key: {type: string_list}
          flag: {type: boolean, default: false}
        anchors:
          entry: {path: "/NXentry", select: each, where: {path: "{.}/definition", equals: X},
                  filters: [{option: key, match: contains}]}
          det: {path: "{entry}/instrument:NXinstrument/NXdetector", required: false}
        symbols: [n]
        match: {exists: /NXentry}
        signal:
          data: {path: "{det}/data", shape: [n, null, 3], when: {option: flag}}
          axes:
            - for_each: {range: 2, as: k}
              axis: {name: {path: "{det}/axis{k}/@name"}, units: {path: "{det}/@u"}}
            - {name: z, values: {path: "{entry}/z", shape: [n]}, navigate: true}
          metadata:
            General.title: {first: [{path: "{entry}/title"}, {name_of: "{entry}"}]}
            ".": {tree: "{entry}/meta", args: {key_filter: {option: key}}}
          original_metadata: {tree: "{entry}"}
        layout:
          "{entry}/data": {class: NXdata, checks: [nxdata], attrs: {signal: x}}
          "{entry}/data/x": {link_to: "{det}/data"}
          "{entry}/definition": {value: X, dtype: string}
          "{entry}/@default": {dtype: string, required: recommended, severity: warning}
          "{det}/count": {dtype: posint, rank: 0, units_like: "1/s", range: {min: 1}}
        write:
          default: "{entry}/data"
          names: {NXdetector: camera}
    """,
    )
    assert probs == []


def test_layout_meaning_problems(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: lay
        convention: nexus
        symbols: [n]
        signal:
          data: {path: /d}
        layout:
          "/g": {class: NXdata, dtype: integer}
          "/h": {link_to: "{nowhere}/x", class: NXdata}
          "/g/@a": {attrs: {x: 1}}
          "/k": {checks: [nxdat], shape: [m], rank: 2, units_category: NX_LENGHT}
          "/r": {range: {min: 3, max: 1}, units_like: "bananas per fortnight"}
    """,
    )
    text = "\n".join(probs)
    assert "class marks a group, which cannot have dtype" in text
    assert "unknown anchor or variable {nowhere}" in text
    assert "link_to and class exclude each other" in text
    assert "an attribute entry cannot have class, link_to or attrs" in text
    assert "unknown check 'nxdat' (did you mean 'nxdata'?)" in text
    assert "undeclared symbol 'm'" in text
    assert "rank 2 contradicts shape ['m']" in text
    assert "unknown unit category 'NX_LENGHT' (did you mean 'NX_LENGTH'?)" in text
    assert "min 3 is above max 1" in text
    assert "unknown unit 'bananas per fortnight'" in text


# ----------------------------------------------------------------------------- schema errors


def test_unknown_key_did_you_mean_flow_style(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {pth: /d}
    """,
    )
    assert probs == [f"{p}:4:10: /signal/data: unknown key 'pth' (did you mean 'path'?)"]


def test_unknown_key_did_you_mean_block_style(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data:
            const: 1
            defualt: 2
    """,
    )
    assert probs == [f"{p}:6:5: /signal/data: unknown key 'defualt' (did you mean 'default'?)"]


def test_unknown_top_level_key(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        nmae: x
        signal: {data: {const: 1}}
    """,
    )
    assert probs == [f"{p}:3:1: /: unknown key 'nmae' (did you mean 'name'?)"]


def test_unknown_key_inside_for_each_axis(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: [1, 2]}
          axes:
            - for_each: {range: 1}
              axis: {nmae: y}
    """,
    )
    assert probs == [f"{p}:7:14: /signal/axes/0/axis: unknown key 'nmae' (did you mean 'name'?)"]


def test_unknown_key_inside_plain_axis(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: [1, 2]}
          axes:
            - name: x
              scael: 2
    """,
    )
    assert probs == [f"{p}:7:7: /signal/axes/0: unknown key 'scael' (did you mean 'scale'?)"]


def test_navigate_wrong_type(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: [1, 2]}
          axes:
            - name: x
              navigate: "yes please"
    """,
    )
    assert len(probs) == 1
    assert probs[0].startswith(f"{p}:7:17: /signal/axes/0/navigate: 'yes please' is not a")


def test_wrong_type_priority(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        priority: high
        signal: {data: {const: 1}}
    """,
    )
    assert probs == [f"{p}:3:11: /priority: 'high' is not an integer"]


def test_wrong_type_required(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: /d, required: sometimes}
    """,
    )
    assert len(probs) == 1
    assert probs[0].startswith(f"{p}:4:30: /signal/data/required: 'sometimes' is not one of")


def test_bad_select_enum(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: /g, select: many}
        signal: {data: {path: "{a}/d"}}
    """,
    )
    assert probs == [
        f"{p}:4:25: /anchors/a/select: 'many' is not one of 'one', 'first', 'each', 'all'"
    ]


def test_missing_mapping_key(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        name: t
        signal: {data: {const: 1}}
    """,
    )
    assert probs == [f"{p}:1:1: /: 'mapping' is required"]


def test_missing_name_key(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        signal: {data: {const: 1}}
    """,
    )
    assert probs == [f"{p}:1:1: /: 'name' is required"]


def test_version_not_1(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "2"
        name: t
        signal: {data: {const: 1}}
    """,
    )
    assert probs == [f"{p}:1:10: /mapping: '2' is not one of '1'"]


def test_version_as_number_is_rejected(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: 1
        name: t
        signal: {data: {const: 1}}
    """,
    )
    assert probs
    assert all(x.startswith(f"{p}:1:10: /mapping: 1 is not") for x in probs)


def test_top_level_not_a_mapping(tmp_path):
    p, probs = problems(tmp_path, "- a\n- b\n")
    assert probs == [f"{p}:1:1: a mapping file must be a YAML mapping at the top level"]


def test_yaml_errors_are_reported_by_check(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        name: u
    """,
    )
    assert probs == [f"{p}:3:1: duplicate key 'name' (first at line 2)"]


# ----------------------------------------------------------------------------- semantic errors


def test_source_with_two_kinds(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: /d, const: 3}
    """,
    )
    assert probs == [
        f"{p}:4:9: /signal/data: a value source needs exactly one of path, const, "
        "first, builtin, tree, name_of, option (found: path, const)"
    ]


def test_source_with_no_kind(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {default: 3}
    """,
    )
    assert probs == [
        f"{p}:4:9: /signal/data: a value source needs exactly one of path, const, "
        "first, builtin, tree, name_of, option (found: none)"
    ]


def test_unknown_builtin_with_suggestion(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {builtin: file.nmae}
    """,
    )
    assert probs == [
        f"{p}:4:19: /signal/data/builtin: unknown builtin 'file.nmae' (did you mean 'file.name'?)"
    ]


def test_unknown_transform_with_suggestion(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: /d, transform: strng}
    """,
    )
    assert probs == [
        f"{p}:4:31: /signal/data/transform: unknown transform 'strng' (did you mean 'string'?)"
    ]


def test_undefined_anchor_in_path(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: "{nope}/d"}
    """,
    )
    assert probs == [
        f"{p}:4:16: /signal/data/path: unknown anchor or variable {{nope}} in '{{nope}}/d'"
    ]


def test_misspelled_anchor_suggests(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          entry: {path: /e}
        signal:
          data: {path: "{entyr}/d"}
    """,
    )
    assert probs == [
        f"{p}:6:16: /signal/data/path: unknown anchor or variable {{entyr}} "
        "in '{entyr}/d' (did you mean {entry}?)"
    ]


def test_anchor_used_before_definition(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: "{b}/x"}
          b: {path: /g}
        signal:
          data: {path: "{a}/d"}
    """,
    )
    assert probs == [f"{p}:4:13: /anchors/a/path: unknown anchor or variable {{b}} in '{{b}}/x'"]


def test_undeclared_option_in_filters(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: /g, filters: [{option: nope, match: exact}]}
        signal: {data: {path: "{a}/d"}}
    """,
    )
    assert probs == [f"{p}:4:36: /anchors/a/filters/0/option: undeclared option 'nope'"]


def test_undeclared_option_in_args(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: 1}
          original_metadata: {tree: /g, args: {key_filter: {option: nope}}}
    """,
    )
    assert probs == [
        f"{p}:5:52: /signal/original_metadata/args/key_filter: undeclared option 'nope'"
    ]


def test_undeclared_option_in_source_and_predicate(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        options:
          ok: {type: string}
        signal:
          data: {option: ok, when: {option: zz}}
          metadata:
            A.b: {option: yy}
    """,
    )
    assert probs == [
        f"{p}:6:37: /signal/data/when/option: undeclared option 'zz'",
        f"{p}:8:19: /signal/metadata/A.b/option: undeclared option 'yy'",
    ]


def test_undeclared_symbol_in_shape(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        symbols: [n]
        signal:
          data: {path: /d, shape: [n, m, 3, null]}
    """,
    )
    assert probs == [f"{p}:5:31: /signal/data/shape/1: undeclared symbol 'm' (add it to symbols)"]


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("a//b", "empty segment ('//')"),
        ("x:notaclass", "'notaclass' is not a nexus class name (NXsomething)"),
        ("a/@b/c", "'@' may only start the last segment (in '@b')"),
        ("a/b@c", "'@' may only start the last segment (in 'b@c')"),
        ("a:NXb:NXc", "segment 'a:NXb:NXc' has more than one ':'"),
    ],
)
def test_bad_path_expressions(tmp_path, expr, why):
    p, probs = problems(
        tmp_path,
        f"""
        mapping: "1"
        name: t
        signal:
          data: {{path: "{expr}"}}
        convention: nexus
    """,
    )
    assert probs == [f"{p}:4:16: /signal/data/path: bad path expression {expr!r}: {why}"]


def test_more_than_one_select_each(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: /g, select: each}
          b: {path: /h, select: each}
        signal:
          data: {path: "{a}/d"}
    """,
    )
    assert probs == [
        f"{p}:4:3: /anchors: at most one anchor that save() writes may use "
        "select: each (found ['a', 'b'])"
    ]


def test_a_builtin_each_anchor_without_write_path_may_split_matches(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: /g, select: each}
          f: {builtin: usid.fields, args: {main: "{a}"}, select: each, required: false}
        signal:
          data: {path: "{a}/d"}
    """,
    )
    assert probs == []


def test_anchor_needs_exactly_one_of_path_or_builtin(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {select: first}
        signal: {data: {path: "{a}/d"}}
    """,
    )
    assert probs == [f"{p}:4:6: /anchors/a: an anchor needs exactly one of path or builtin"]


def test_where_predicate_may_use_dot_and_needs_a_comparison(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          a: {path: /g, where: {path: "{.}/x"}}
        signal: {data: {path: "{a}/d"}}
    """,
    )
    assert probs == [
        f"{p}:4:24: /anchors/a/where: a path predicate needs equals, one_of or matches"
    ]


def test_for_each_variable_is_in_scope_only_inside(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: [[1]]}
          axes:
            - for_each: {range: 1, as: k}
              axis: {name: {path: "/a{k}/@n"}, units: {path: "/a{j}/@u"}}
          metadata:
            A.b: {path: "/x{k}"}
    """,
    )
    assert probs == [
        f"{p}:7:54: /signal/axes/0/axis/units/path: unknown anchor or variable {{j}} "
        "in '/a{j}/@u'",
        f"{p}:9:17: /signal/metadata/A.b/path: unknown anchor or variable {{k}} in '/x{{k}}'",
    ]


def test_deref_only_on_path_sources(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: 1, deref: true}
    """,
    )
    assert probs == [f"{p}:4:27: /signal/data/deref: deref applies to path sources only"]


def test_bad_metadata_key(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {const: 1}
          metadata:
            "bad key": {const: 1}
    """,
    )
    assert probs == [
        f"{p}:6:16: /signal/metadata/bad key: bad metadata key 'bad key' (dotted names)"
    ]


def test_no_signal_section(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
    """,
    )
    assert probs == [
        f"{p}:1:1: /: no signal section (a mapping, or one it extends, must define signal.data)"
    ]


# ----------------------------------------------------------------------------- all together


def test_three_schema_mistakes_give_three_messages(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        titel: x
        signal:
          data: {pth: /d}
          metadata:
            A.b: {const: 1, requird: true}
    """,
    )
    assert probs == [
        f"{p}:3:1: /: unknown key 'titel' (did you mean 'title'?)",
        f"{p}:5:10: /signal/data: unknown key 'pth' (did you mean 'path'?)",
        f"{p}:7:21: /signal/metadata/A.b: unknown key 'requird' (did you mean 'required'?)",
    ]


def test_three_semantic_mistakes_give_three_messages(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: "{nope}/d"}
          metadata:
            A.b: {path: /x, transform: nope}
            A.c: {builtin: file.nmae}
    """,
    )
    assert len(probs) == 3
    assert probs[0].startswith(f"{p}:4:16: /signal/data/path: unknown anchor")
    assert probs[1].startswith(f"{p}:6:32: /signal/metadata/A.b/transform: unknown transform")
    assert probs[2].startswith(f"{p}:7:20: /signal/metadata/A.c/builtin: unknown builtin")


def test_schema_and_semantic_mistakes_reported_together(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        titel: x
        signal:
          data: {path: "{nope}/d"}
          metadata:
            A.b: {path: /x, transform: nope}
    """,
    )
    assert len(probs) == 3


def test_load_mapping_raises_with_all_problems(tmp_path):
    p = write(
        tmp_path,
        "m.yaml",
        """
        mapping: "1"
        name: t
        signal:
          data: {path: "{nope}/d"}
          metadata:
            A.b: {path: /x, transform: nope}
    """,
    )
    with pytest.raises(MappingError) as ei:
        _schema.load_mapping(p)
    assert len(ei.value.problems) == 2
    assert str(ei.value).startswith(f"2 problems in mapping; first: {p}:4:16:")
    assert isinstance(ei.value, ValueError)


def test_single_problem_message_is_the_problem(tmp_path):
    p = write(
        tmp_path,
        "m.yaml",
        """
        mapping: "1"
        name: t
        signal:
          data: {pth: /d}
    """,
    )
    with pytest.raises(MappingError) as ei:
        _schema.load_mapping(p)
    assert str(ei.value) == f"{p}:4:10: /signal/data: unknown key 'pth' (did you mean 'path'?)"


def test_load_with_bad_mapping_raises_mapping_error(tmp_path):
    import h5py

    p = write(
        tmp_path,
        "m.yaml",
        """
        mapping: "1"
        name: t
        signal:
          data: {pth: /d}
    """,
    )
    h5 = tmp_path / "f.h5"
    with h5py.File(h5, "w") as f:
        f["d"] = [1, 2]
    with pytest.raises(MappingError, match="unknown key 'pth'"):
        mapper.load(h5, schema=str(p))


def test_mapping_file_changes_are_picked_up(tmp_path):
    p = write(
        tmp_path,
        "m.yaml",
        """
        mapping: "1"
        name: t
        title: one
        signal: {data: {const: 1}}
    """,
    )
    assert _schema.load_mapping(p).title == "one"
    text = p.read_text().replace("title: one", "title: two")
    p.write_text(text)
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert _schema.load_mapping(p).title == "two"


# ----------------------------------------------------------------------------- extends

PARENT = """
    mapping: "1"
    name: parent
    title: Parent title
    options:
      flag: {type: boolean, default: false}
    anchors:
      g: {path: /g}
    signal:
      data: {path: "{g}/d", default: 5}
      axes:
        - {name: a}
        - {name: b}
      metadata:
        General.title: {const: parent}
        General.keep: {const: kept}
        General.gone: {const: gone}
"""


def test_extends_by_relative_path_overrides_keywise(tmp_path):
    write(tmp_path, "lib/parent.yaml", PARENT)
    child = write(
        tmp_path,
        "sub/child.yaml",
        """
        mapping: "1"
        name: child
        extends: ../lib/parent.yaml
        signal:
          data: {default: null}
          axes:
            - {name: only}
          metadata:
            General.title: {const: child}
    """,
    )
    assert mapper.check_file(child) == []
    m = _schema.load_mapping(child)
    assert m.name == "child"
    assert m.title == "Parent title"  # inherited scalar
    assert m.parents == ("parent",)
    assert [o.name for o in m.options] == ["flag"]  # inherited dict
    assert [a.name for a in m.anchors] == ["g"]
    # dicts merge: the child's data keeps the parent's path; null deletes default
    assert m.signal.data.path == "{g}/d"
    assert m.signal.data.has_default is False
    # lists replace
    assert [ax.name for ax in m.signal.axes] == ["only"]
    md = dict(m.signal.metadata)
    assert md["General.title"].const == "child"
    assert md["General.keep"].const == "kept"
    # locations: overridden keys point into the child, inherited ones into the parent
    assert md["General.title"].loc.startswith(f"{child}:9:")
    assert md["General.keep"].loc.startswith(f"{(tmp_path / 'lib/parent.yaml').resolve()}:15:")


def test_extends_null_deletes_metadata_entry(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent.yaml
        signal:
          metadata:
            General.gone: null
    """,
    )
    assert mapper.check_file(child) == []
    m = _schema.load_mapping(child)
    assert "General.gone" not in dict(m.signal.metadata)


def test_extends_by_name_via_search_path(tmp_path):
    write(tmp_path, "lib/parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent
        title: Child
    """,
    )
    lib = tmp_path / "lib"
    assert mapper.check_file(child, [lib]) == []
    m = _schema.load_mapping(child, [lib])
    assert (m.name, m.title, m.parents) == ("child", "Child", ("parent",))
    assert m.signal.data.path == "{g}/d"


def test_extends_by_name_via_mapper_path(tmp_path, monkeypatch):
    write(tmp_path, "lib/parent.yaml", PARENT)
    monkeypatch.setenv("MAPPER_PATH", str(tmp_path / "lib"))
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent
    """,
    )
    assert _schema.load_mapping(child).parents == ("parent",)


def test_extends_chain_records_all_parents(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    write(
        tmp_path,
        "mid.yaml",
        """
        mapping: "1"
        name: mid
        extends: parent.yaml
        title: Mid
    """,
    )
    leaf = write(
        tmp_path,
        "leaf.yaml",
        """
        mapping: "1"
        name: leaf
        extends: mid.yaml
    """,
    )
    m = _schema.load_mapping(leaf)
    assert m.parents == ("mid", "parent")
    assert m.title == "Mid"


def test_extends_unknown_parent(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        extends: nosuch
        signal: {data: {const: 1}}
    """,
    )
    assert len(probs) == 1
    assert probs[0].startswith(f"{p}:3:10: no mapping named 'nosuch'")


def test_extends_cycle_detected(tmp_path):
    a = write(
        tmp_path,
        "a.yaml",
        """
        mapping: "1"
        name: a
        extends: b.yaml
    """,
    )
    write(
        tmp_path,
        "b.yaml",
        """
        mapping: "1"
        name: b
        extends: a.yaml
    """,
    )
    with pytest.raises(MappingError) as ei:
        _schema.load_mapping(a)
    msg = str(ei.value)
    assert "extends cycle" in msg
    assert str(a) in msg
    assert str((tmp_path / "b.yaml").resolve()) in msg
    assert mapper.check_file(a) == [msg]


def test_extends_self_cycle(tmp_path):
    a = write(
        tmp_path,
        "a.yaml",
        """
        mapping: "1"
        name: a
        extends: a.yaml
    """,
    )
    probs = mapper.check_file(a)
    assert len(probs) == 1
    assert "extends cycle" in probs[0]


def test_semantic_error_in_child_reported_with_child_location(tmp_path):
    write(tmp_path, "lib/parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent
        signal:
          metadata:
            Bad: {path: "{g}/x", transform: nope}
    """,
    )
    probs = mapper.check_file(child, [tmp_path / "lib"])
    assert probs == [f"{child}:6:37: /signal/metadata/Bad/transform: unknown transform 'nope'"]


def test_schema_error_in_child_reported_with_child_location(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent.yaml
        signal:
          data: {pth: /x}
    """,
    )
    assert mapper.check_file(child) == [
        f"{child}:5:10: /signal/data: unknown key 'pth' (did you mean 'path'?)"
    ]


def test_error_in_parent_reported_with_parent_location(tmp_path):
    parent = write(tmp_path, "parent.yaml", PARENT.replace("{g}/d", "{nope}/d"))
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent.yaml
    """,
    )
    probs = mapper.check_file(child)
    assert len(probs) == 1
    assert probs[0].startswith(f"{parent}:9:16: /signal/data/path: unknown anchor")


def test_child_may_use_parent_anchors(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(
        tmp_path,
        "child.yaml",
        """
        mapping: "1"
        name: child
        extends: parent.yaml
        anchors:
          h: {path: "{g}/h"}
        signal:
          metadata:
            X.y: {path: "{h}/y"}
    """,
    )
    assert mapper.check_file(child) == []
    assert [a.name for a in _schema.load_mapping(child).anchors] == ["g", "h"]


# ----------------------------------------------------------------------------- registry


MINI = """
    mapping: "1"
    name: {name}
    title: {title}
    signal: {{data: {{const: 1}}}}
"""


def test_mappings_lists_shipped_nxdata():
    found = mapper.mappings()
    assert "nxdata" in found
    assert found["nxdata"].name == "nxdata.yaml"
    assert found["nxdata"].is_file()


def test_mapper_path_adds_a_directory(tmp_path, monkeypatch):
    write(tmp_path, "extra/mine.yaml", MINI.format(name="mine", title="Mine"))
    monkeypatch.setenv("MAPPER_PATH", str(tmp_path / "extra"))
    found = mapper.mappings()
    assert found["mine"] == tmp_path / "extra" / "mine.yaml"
    assert "nxdata" in found
    assert _schema.load_mapping("mine").title == "Mine"


def test_mapper_path_shadows_shipped(tmp_path, monkeypatch):
    shadow = write(tmp_path, "extra/nxdata.yaml", MINI.format(name="nxdata", title="Shadow"))
    monkeypatch.setenv(
        "MAPPER_PATH", os.pathsep.join([str(tmp_path / "none"), str(tmp_path / "extra")])
    )
    assert mapper.mappings()["nxdata"].resolve() == shadow
    assert _schema.load_mapping("nxdata").title == "Shadow"


def test_search_path_argument_comes_before_mapper_path(tmp_path, monkeypatch):
    write(tmp_path, "env/mine.yaml", MINI.format(name="mine", title="From env"))
    write(tmp_path, "arg/mine.yaml", MINI.format(name="mine", title="From arg"))
    monkeypatch.setenv("MAPPER_PATH", str(tmp_path / "env"))
    assert mapper.mappings([tmp_path / "arg"])["mine"] == tmp_path / "arg" / "mine.yaml"
    assert _schema.load_mapping("mine", [tmp_path / "arg"]).title == "From arg"
    assert _schema.load_mapping("mine").title == "From env"


def test_search_path_order(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPPER_PATH", str(tmp_path / "env"))
    dirs = _schema.search_path([tmp_path / "arg"])
    assert dirs[0] == tmp_path / "arg"
    assert dirs[1] == tmp_path / "env"
    shipped = _schema.shipped_dir()
    assert dirs[-2:] == [shipped, shipped / "nxdl"]  # the top, then the generated family


def test_unknown_name_lists_available_with_did_you_mean(monkeypatch):
    monkeypatch.delenv("MAPPER_PATH", raising=False)
    with pytest.raises(NoMatchError) as ei:
        _schema.load_mapping("nxdat")
    msg = str(ei.value)
    assert msg.startswith("no mapping named 'nxdat' (did you mean nxdata, ")
    assert "nxdata" in msg.split("available: ")[1].split(", ")
    assert msg.endswith("more (mapper schemas lists them)")  # not all 90 names
    assert isinstance(ei.value, MapperError)


def test_unknown_name_without_close_match(monkeypatch):
    monkeypatch.delenv("MAPPER_PATH", raising=False)
    with pytest.raises(NoMatchError) as ei:
        _schema.load_mapping("zzzzzz")
    assert "did you mean" not in str(ei.value)
    assert "available: " in str(ei.value)


def test_unknown_name_via_load(tmp_path):
    import h5py

    h5 = tmp_path / "f.h5"
    with h5py.File(h5, "w") as f:
        f["d"] = 1
    with pytest.raises(NoMatchError, match="did you mean nxdata"):
        mapper.load(h5, schema="nxdat")


def test_check_file_of_unknown_name_returns_message():
    probs = mapper.check_file("nxdat")
    assert len(probs) == 1
    assert probs[0].startswith("no mapping named 'nxdat'")


def test_missing_mapping_path_via_check(tmp_path):
    p = tmp_path / "nope.yaml"
    assert mapper.check_file(p) == [f"{p}: mapping file not found"]


def test_missing_mapping_path_is_missing_file_error(tmp_path):
    with pytest.raises(MissingFileError):
        _schema.load_mapping(tmp_path / "nope.yaml")


def test_classes_need_a_convention(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        anchors:
          entry: {path: "/NXentry"}
          other: {path: "/e:NXentry"}
        signal:
          data: {path: "{entry}/d", units_category: NX_LENGTH}
        layout:
          "/g": {class: NXdata}
    """,
    )
    text = "\n".join(probs)
    # one problem for every class-looking segment, naming the convention to add
    assert (
        f"{p}:1:1: /: the paths use nexus group classes (NXentry) but the mapping names no "
        "convention: add 'convention: nexus'" in probs
    )
    assert "types a segment by its group class" not in text  # not once per path
    assert "units_category 'NX_LENGTH' needs a convention with unit categories" in text
    assert "class 'NXdata' needs a convention whose groups have classes" in text


def test_unknown_convention(tmp_path):
    p, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        convention: nexsu
        signal:
          data: {path: /d}
    """,
    )
    assert probs == [
        f"{p}:3:13: /convention: unknown convention 'nexsu' (did you mean 'nexus'?); "
        "known: generic, nexus (a convention of another package is known once that package "
        "is installed)"
    ]


def test_classes_and_convention_attributes_are_checked(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        convention: nexus
        anchors:
          entry: {path: "/NXentry", ancestor: Entry}
        signal:
          data: {path: "{entry}/d"}
        layout:
          "/g": {class: Nxdata}
        write:
          names: {NXentry: e, Entry: f}
    """,
    )
    text = "\n".join(probs)
    assert "/anchors/entry/ancestor: 'Entry' is not a nexus class name (NXsomething)" in text
    assert "/layout//g/class: 'Nxdata' is not a nexus class name (NXsomething)" in text
    assert "/write/names/Entry: 'Entry' is not a nexus class name" in text
    assert "/write/names/NXentry" not in text


def test_links_with_target_and_default_chains_need_a_convention_that_names_them(tmp_path):
    _, probs = problems(
        tmp_path,
        """
        mapping: "1"
        name: t
        signal:
          data: {path: "/d"}
        layout:
          "/x": {link_to: "/d", target_attr: true}
        write:
          default: /g
    """,
    )
    text = "\n".join(probs)
    assert "/layout//x/target_attr: needs a convention that names the link target attribute" in text
    assert "/write/default: needs a convention that names the default-plot attribute" in text
