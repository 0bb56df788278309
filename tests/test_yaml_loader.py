"""The safe, mark-recording YAML loader (mapper.language.yaml_loader)."""

from __future__ import annotations

import math
import string

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mapper.errors import MapperError, MappingError, MissingFileError
from mapper.language import yaml_loader as _yaml


def _err(text: str, source: str = "m.yaml") -> str:
    with pytest.raises(MappingError) as ei:
        _yaml.loads(text, source)
    return str(ei.value)


# ----------------------------------------------------------------------------- plain loading


def test_loads_plain_document_and_source():
    doc = _yaml.loads('mapping: "1"\nname: t\nlist: [1, 2.5, yes, null]\n', "x.yaml")
    assert doc.data == {"mapping": "1", "name": "t", "list": [1, 2.5, True, None]}
    assert doc.source == "x.yaml"
    assert doc.marks[()] == (1, 1)


def test_loads_returns_plain_python_types_only():
    doc = _yaml.loads("a: {b: [1, {c: d}]}\n")
    assert type(doc.data) is dict
    assert type(doc.data["a"]["b"]) is list
    assert type(doc.data["a"]["b"][1]) is dict


def test_empty_document_rejected():
    assert _err("") == "m.yaml:1:1: empty mapping file"
    assert _err("# only a comment\n") == "m.yaml:1:1: empty mapping file"


# ----------------------------------------------------------------------------- duplicate keys


def test_duplicate_top_level_key_names_both_lines():
    msg = _err("a: 1\nb: 2\na: 3\n")
    assert msg == "m.yaml:3:1: duplicate key 'a' (first at line 1)"


def test_duplicate_nested_key_names_both_lines_and_column():
    msg = _err("top:\n  x: 1\n  y: 2\n\n  x: 3\n")
    assert msg == "m.yaml:5:3: duplicate key 'x' (first at line 2)"


def test_duplicate_key_in_flow_mapping():
    msg = _err("s:\n  data: {path: /a, path: /b}\n")
    assert msg.startswith("m.yaml:2:20: duplicate key 'path'")
    assert "(first at line 2)" in msg


def test_same_key_in_different_mappings_is_fine():
    doc = _yaml.loads("a: {x: 1}\nb: {x: 2}\n")
    assert doc.data == {"a": {"x": 1}, "b": {"x": 2}}


def test_non_scalar_key_rejected():
    assert _err("? [1, 2]\n: 3\n") == "m.yaml:1:3: a mapping key must be a scalar"


# ----------------------------------------------------------------------------- tags


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/name:os.system\n",
        "a: !!python/object/apply:os.system 'echo hi'\n",
        "a: !!python/str x\n",
        "a: !custom value\n",
    ],
)
def test_tags_on_scalars_rejected(text):
    msg = _err(text)
    assert msg.startswith("m.yaml:1:4: tags are not allowed in mapping files")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: !!python/object/apply:os.system ['echo hi']\n", "m.yaml:1:4:"),
        ("a: !!python/object:os.system {x: 1}\n", "m.yaml:1:4:"),
        ("a: !!python/object/new:os.system [ls]\n", "m.yaml:1:4:"),
        ("a: !custom [1]\n", "m.yaml:1:4:"),
        ("x: 1\nb:\n  - !!python/object/apply:os.system\n    - ls\n", "m.yaml:3:5:"),
        ("!!set {x, y}\n", "m.yaml:1:1:"),
    ],
)
def test_tags_on_collections_rejected(text, where):
    msg = _err(text)
    assert msg.startswith(f"{where} tags are not allowed in mapping files")


def test_standard_scalar_tags_still_work():
    assert _yaml.loads("a: !!str 3\n").data == {"a": "3"}


# ----------------------------------------------------------------------------- aliases


def test_a_few_aliases_are_fine():
    doc = _yaml.loads("base: &b {k: 1}\nx: *b\ny: *b\n")
    assert doc.data == {"base": {"k": 1}, "x": {"k": 1}, "y": {"k": 1}}


def test_merge_key_brings_in_anchor_keys():
    doc = _yaml.loads("base: &b {k: 1, j: 2}\nx:\n  <<: *b\n  i: 3\n")
    assert doc.data["x"] == {"k": 1, "j": 2, "i": 3}


def test_merge_key_explicit_key_overrides():
    text = "base: &b {k: 1, j: 2}\nx:\n  <<: *b\n  k: 3\n"
    assert _yaml.loads(text).data == yaml.safe_load(text)


def test_alias_budget_exceeded():
    text = "base: &b {k: 1}\n" + "".join(f"k{i}: *b\n" for i in range(_yaml.MAX_ALIASES + 1))
    msg = _err(text)
    assert msg.startswith(f"m.yaml:{_yaml.MAX_ALIASES + 2}:")
    assert f"more than {_yaml.MAX_ALIASES} YAML aliases" in msg
    assert "alias bomb" in msg


def test_alias_budget_boundary_is_accepted():
    text = "base: &b {k: 1}\n" + "".join(f"k{i}: *b\n" for i in range(_yaml.MAX_ALIASES))
    assert len(_yaml.loads(text).data) == _yaml.MAX_ALIASES + 1


def test_billion_laughs_rejected_even_with_few_aliases():
    # 9 aliases per level, 6 levels: < MAX_ALIASES aliases but 9**7 nodes
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        lines.append(f"l{i}: &l{i} [{refs}]")
    text = "\n".join(lines) + "\n"
    assert text.count("*") < _yaml.MAX_ALIASES
    msg = _err(text, "bomb.yaml")
    assert msg.startswith("bomb.yaml")
    assert "alias bomb" in msg


def test_oversized_file_rejected():
    text = "a: '" + "x" * _yaml.MAX_BYTES + "'\n"
    assert "larger than" in _err(text)


# ----------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: [1, 2\nb: 3\n", "m.yaml:2:2:"),
        ("a:\n  b: 1\n c: 2\n", "m.yaml:3:2:"),
        ("a:\n\tb: 1\n", "m.yaml:2:1:"),
        ("a: 'unterminated\n", "m.yaml:2:1:"),
    ],
)
def test_syntax_errors_have_line_and_column(text, where):
    msg = _err(text)
    assert msg.startswith(where), msg
    assert "Traceback" not in msg
    assert "\n" not in msg


def test_syntax_error_is_a_mapper_error_and_value_error():
    with pytest.raises(MapperError):
        _yaml.loads("a: [\n")
    with pytest.raises(ValueError):
        _yaml.loads("a: [\n")


# ----------------------------------------------------------------------------- files


def test_load_file_uses_path_as_source(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(MappingError) as ei:
        _yaml.load_file(p)
    assert str(ei.value) == f"{p}:2:1: duplicate key 'a' (first at line 1)"
    p.write_text("a: 1\n", encoding="utf-8")
    doc = _yaml.load_file(p)
    assert doc.source == str(p)
    assert doc.where(("a",)) == f"{p}:1:4"


def test_load_file_reads_utf8(tmp_path):
    p = tmp_path / "u.yaml"
    p.write_text("title: Ångström µm\n", encoding="utf-8")
    assert _yaml.load_file(p).data == {"title": "Ångström µm"}


def test_non_utf8_file(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(MappingError) as ei:
        _yaml.load_file(p)
    msg = str(ei.value)
    assert msg.startswith(str(p))
    assert "not UTF-8" in msg
    assert "byte 10" in msg


def test_missing_file(tmp_path):
    p = tmp_path / "nope.yaml"
    with pytest.raises(MissingFileError) as ei:
        _yaml.load_file(p)
    assert isinstance(ei.value, FileNotFoundError)
    assert isinstance(ei.value, MapperError)
    assert str(ei.value) == f"{p}: mapping file not found"


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(MappingError) as ei:
        _yaml.load_file(tmp_path)
    assert "is a directory" in str(ei.value)


# ----------------------------------------------------------------------------- marks

NESTED = """\
mapping: "1"
signal:
  data: {path: /d}
  axes:
    - name: x
      navigate: true
    - {name: y, scale: 2}
  metadata:
    General.title:
      first:
        - {path: /t}
        - const: none
"""


def test_marks_for_nested_keys_and_values():
    doc = _yaml.loads(NESTED, "n.yaml")
    assert doc.key_marks[("signal",)] == (2, 1)
    assert doc.marks[("signal",)] == (3, 3)
    assert doc.key_marks[("signal", "data")] == (3, 3)
    assert doc.marks[("signal", "data")] == (3, 9)
    assert doc.key_marks[("signal", "data", "path")] == (3, 10)
    assert doc.marks[("signal", "data", "path")] == (3, 16)


def test_marks_for_list_items():
    doc = _yaml.loads(NESTED, "n.yaml")
    assert doc.marks[("signal", "axes", 0)] == (5, 7)
    assert doc.marks[("signal", "axes", 0, "navigate")] == (6, 17)
    assert doc.key_marks[("signal", "axes", 0, "navigate")] == (6, 7)
    assert doc.marks[("signal", "axes", 1)] == (7, 7)
    assert doc.marks[("signal", "axes", 1, "scale")] == (7, 24)
    first = ("signal", "metadata", "General.title", "first")
    assert doc.marks[(*first, 0)] == (11, 11)
    assert doc.marks[(*first, 1, "const")] == (12, 18)


def test_where_formats_and_falls_back_to_prefix():
    doc = _yaml.loads(NESTED, "n.yaml")
    assert doc.where(("signal", "axes", 0, "navigate")) == "n.yaml:6:17"
    assert doc.where(("signal", "axes", 0, "navigate"), key=True) == "n.yaml:6:7"
    # unknown child: deepest known prefix
    assert doc.where(("signal", "axes", 1, "nope", 3)) == "n.yaml:7:7"
    assert doc.where(("nowhere",)) == "n.yaml:1:1"
    assert doc.where(()) == "n.yaml:1:1"


# ----------------------------------------------------------------------------- property test

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
_keys = st.text(max_size=8) | st.integers(min_value=-1000, max_value=1000)
_trees = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=25,
)
_roots = st.lists(_trees, max_size=4) | st.dictionaries(_keys, _trees, max_size=5)


def _pointers(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pointers(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _pointers(v, (*prefix, i))


def _dict_key_pointers(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _dict_key_pointers(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _dict_key_pointers(v, (*prefix, i))


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and a == b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_roots, flow=st.booleans())
def test_loads_agrees_with_safe_load_and_marks_every_pointer(data, flow):
    text = yaml.safe_dump(data, default_flow_style=flow, sort_keys=False)
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:  # pragma: no cover - not our loader's problem
        assume(False)
    doc = _yaml.loads(text, "h.yaml")
    assert _same(doc.data, expected)
    for ptr in _pointers(expected):
        assert ptr in doc.marks, ptr
        line, col = doc.marks[ptr]
        assert 1 <= line <= text.count("\n") + 1
        assert col >= 1
    for ptr in _dict_key_pointers(expected):
        assert ptr in doc.key_marks, ptr


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=5),
        min_size=1,
        max_size=6,
        unique=True,
    ),
    pick=st.integers(min_value=0, max_value=5),
)
def test_duplicate_keys_always_detected(keys, pick):
    keys = [f"k_{k}" for k in keys]  # plain strings, never null/yes/no
    dup = keys[pick % len(keys)]
    lines = [f"{k}: {i}" for i, k in enumerate(keys)] + [f"{dup}: again"]
    with pytest.raises(MappingError) as ei:
        _yaml.loads("\n".join(lines) + "\n", "d.yaml")
    first = keys.index(dup) + 1
    assert str(ei.value) == (
        f"d.yaml:{len(lines)}:1: duplicate key {dup!r} (first at line {first})"
    )
