"""The NXDL converter (``mapper nxdl``, :mod:`mapper.nxdl`).

Unit tests write small definitions (and the few base classes they need) in
``tmp_path``; the last tests convert the official definitions in
``../shared/nxdl`` (skipped when the folder is absent) and compare with the
files committed in ``schemas/nxdl``.
"""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from mapper import nxdl
from mapper.cli import EXIT_ERROR, EXIT_OK, main
from mapper.conventions.nexus.nxdl.convert import INDEX_PATH
from mapper.conventions.nexus.nxdl.emit import emit
from mapper.conventions.nexus.nxdl.generate import convert_definition
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.names import glob_of
from mapper.errors import MissingFileError

ROOT = Path(__file__).resolve().parents[1]
NXDL = Path(__file__).resolve().parents[2] / "shared" / "nxdl"
COMMITTED = ROOT / "schemas" / "nxdl"
NS = 'xmlns="http://definition.nexusformat.org/nxdl/3.1"'

BASE_CLASSES = {
    "NXobject": """
        <attribute name="default"/>
        <field name="FIELDNAME_errors" type="NX_NUMBER" nameType="partial"/>
    """,
    "NXroot": "",
    "NXentry": """
        <field name="title"/>
        <field name="start_time" type="NX_DATE_TIME"/>
        <field name="definition" type="NX_CHAR"/>
    """,
    "NXcomponent": '<field name="description" type="NX_CHAR"/>',
    "NXdetector": """
        <field name="distance" type="NX_FLOAT" units="NX_LENGTH"/>
        <field name="description"/>
        <field name="count" type="NX_INT"/>
        <choice name="pixel_shape">
          <group type="NXoff_geometry"/><group type="NXcylindrical_geometry"/>
        </choice>
    """,
    "NXinstrument": "",
    "NXsample": '<field name="temperature" type="NX_FLOAT" units="NX_TEMPERATURE"/>',
    "NXdata": '<field name="data" type="NX_NUMBER"/>',
    "NXoff_geometry": "",
    "NXcylindrical_geometry": "",
}


def base_class(name: str, body: str) -> str:
    extends = ' extends="NXcomponent"' if name == "NXdetector" else ""
    return (
        f'<?xml version="1.0"?>\n<definition name="{name}" category="base" type="group"'
        f"{extends} {NS}>\n<doc>The {name} class.</doc>\n{textwrap.dedent(body)}</definition>\n"
    )


def app(name: str, body: str, extends: str = "NXobject", symbols: str = "") -> str:
    """An application definition whose NXentry holds ``definition`` and ``body``."""
    return (
        f'<?xml version="1.0"?>\n<definition name="{name}" extends="{extends}" type="group"\n'
        f'  category="application" {NS}>\n{symbols}\n<doc>The {name} test definition. '
        "More.</doc>\n"
        '<group type="NXentry">\n'
        f'  <field name="definition"><enumeration><item value="{name}"/></enumeration></field>\n'
        f"{textwrap.dedent(body)}\n</group>\n</definition>\n"
    )


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    """A definitions folder with the few base classes the tests use."""
    root = tmp_path / "defs"
    (root / "base_classes").mkdir(parents=True)
    (root / "applications").mkdir()
    (root / "NXDL_VERSION").write_text("vTEST\n")
    for name, body in BASE_CLASSES.items():
        (root / "base_classes" / f"{name}.nxdl.xml").write_text(base_class(name, body))
    return root


def put(defs: Path, name: str, text: str) -> Path:
    path = defs / "applications" / f"{name}.nxdl.xml"
    path.write_text(text, encoding="utf-8")
    return path


def mapping(defs: Path, name: str, body: str, **kw: str) -> dict[str, Any]:
    """Convert a small definition; the mapping as YAML reads it back."""
    text = nxdl.convert(put(defs, name, app(name, body, **kw)))
    data: dict[str, Any] = yaml.safe_load(text)
    return data


# ---------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "glob"),
    [
        ("sampleID", "sample*"),
        ("beam_TYPE", "beam_*"),
        ("identifierNAME", "identifier*"),
        ("DATA_errors", "*_errors"),
        ("NAMED_reference_frameID", "*_reference_frame*"),
        ("AXISNAME_indices", "*_indices"),
    ],
)
def test_partial_names_become_globs(name, glob):
    assert glob_of(name, "partial") == glob
    assert glob_of(name, "specified") == name
    assert glob_of(name, "any") == "*"


def test_layout_paths_follow_name_types(defs):
    m = mapping(
        defs,
        "NXnames",
        """
        <group type="NXsample" name="sampleID" nameType="partial">
          <field name="DATA_errors" nameType="partial" type="NX_FLOAT"/>
        </group>
        <group type="NXinstrument" name="instrument"/>
        <group type="NXdata" name="SOMETHING" nameType="any"/>
        <group type="NXdetector"/>
        <field name="I" type="NX_NUMBER"/>
        """,
    )
    layout = m["layout"]
    assert layout["{entry}/sample*:NXsample"]["class"] == "NXsample"
    assert layout["{entry}/sample*:NXsample/*_errors"] == {"dtype": "float"}
    assert "{entry}/instrument:NXinstrument" in layout
    assert layout["{entry}/*:NXdata"] == {"class": "NXdata", "checks": ["nxdata"]}
    assert "{entry}/NXdetector" in layout
    assert layout["{entry}/I"] == {"dtype": "number"}  # upper case, but a specified name


# ---------------------------------------------------------------------------- optionality


def test_optionality_rules_of_application_definitions(defs):
    layout = mapping(
        defs,
        "NXopt",
        """
        <field name="plain" type="NX_INT"/>
        <field name="opt" type="NX_INT" optional="true"/>
        <field name="rec" type="NX_INT" recommended="true"/>
        <field name="zero" type="NX_INT" minOccurs="0"/>
        <group type="NXsample" minOccurs="0">
          <attribute name="a_default"/>
          <attribute name="a_needed" optional="false"/>
          <attribute name="a_rec" recommended="true"/>
        </group>
        """,
    )["layout"]
    assert "required" not in layout["{entry}/plain"]
    assert layout["{entry}/opt"]["required"] is False
    assert layout["{entry}/rec"]["required"] == "recommended"
    assert layout["{entry}/zero"]["required"] is False
    assert layout["{entry}/NXsample"]["required"] is False
    assert layout["{entry}/NXsample/@a_default"] == {"required": False}
    assert layout["{entry}/NXsample/@a_needed"] == {}
    assert layout["{entry}/NXsample/@a_rec"] == {"required": "recommended"}


# ---------------------------------------------------------------------------- types and units


def test_type_and_units_come_from_the_base_class_when_left_out(defs):
    layout = mapping(
        defs,
        "NXinherit",
        """
        <group type="NXinstrument">
          <group type="NXdetector">
            <field name="distance"/>
            <field name="description"/>
            <field name="count" units="NX_ANY"/>
            <field name="own" units="keV"/>
          </group>
        </group>
        <field name="title"/>
        """,
    )["layout"]
    det = "{entry}/NXinstrument/NXdetector"
    assert layout[f"{det}/distance"] == {"dtype": "float", "units_category": "NX_LENGTH"}
    # NXdetector redeclares description without a type: NXcomponent's NX_CHAR stays
    assert layout[f"{det}/description"] == {"dtype": "string"}
    assert layout[f"{det}/count"] == {"dtype": "integer", "units_category": "NX_ANY"}
    assert layout[f"{det}/own"] == {"units_like": "keV"}
    assert layout["{entry}/title"] == {}  # no type anywhere: no dtype (lenient)


def test_units_give_metadata_entries_and_strings_a_transform(defs):
    m = mapping(
        defs,
        "NXmeta",
        """
        <field name="title" type="NX_CHAR"/>
        <group type="NXsample" name="sample">
          <field name="temperature"/>
          <field name="image" type="NX_INT"><dimensions rank="2"/></field>
        </group>
        """,
    )
    meta = m["signal"]["metadata"]
    assert meta["Entry.title"] == {"path": "{entry}/title", "transform": "string"}
    assert meta["Entry.sample.temperature"] == {"path": "{entry}/sample:NXsample/temperature"}
    assert meta["Entry.sample.temperature_units"] == {
        "path": "{entry}/sample:NXsample/temperature/@units",
        "transform": "string",
    }
    assert "Entry.sample.image" not in meta  # rank 2: not metadata


# ---------------------------------------------------------------------------- enumerations


def test_enumerations_are_typed_and_may_be_open(defs):
    m = mapping(
        defs,
        "NXenum",
        """
        <field name="i" type="NX_INT"><enumeration><item value="1"/><item value="2"/>
          </enumeration></field>
        <field name="f" type="NX_FLOAT"><enumeration><item value="0.5"/></enumeration></field>
        <field name="b" type="NX_BOOLEAN"><enumeration><item value="true"/></enumeration></field>
        <field name="s"><enumeration open="true"><item value="1.0"/><item value="yes"/>
          </enumeration></field>
        <field name="v" type="NX_NUMBER"><enumeration><item value="[1, 0, 0]"/></enumeration>
        </field>
        """,
    )
    layout = m["layout"]
    assert layout["{entry}/i"]["enum"] == [1, 2]
    assert layout["{entry}/f"]["enum"] == [0.5]
    assert layout["{entry}/b"]["enum"] == [True]
    assert layout["{entry}/s"] == {"enum": ["1.0", "yes"], "enum_open": True}
    assert layout["{entry}/v"] == {"dtype": "number"}  # an array item: dropped ...
    text = nxdl.convert(defs / "applications" / "NXenum.nxdl.xml")
    assert "{entry}/v: enumeration of arrays ([1, 0, 0])" in text  # ... and listed


# ---------------------------------------------------------------------------- dimensions


def test_symbol_plus_n_and_trailing_optional_dims(defs):
    m = mapping(
        defs,
        "NXdims",
        """
        <field name="edges" type="NX_FLOAT">
          <dimensions rank="1"><dim index="1" value="nP + 1"/></dimensions></field>
        <field name="frames" type="NX_INT">
          <dimensions rank="dataRank"><dim index="1" value="nP"/><dim index="2" value="i"/>
            <dim index="3" value="j" required="false"/></dimensions></field>
        <field name="pair"><dimensions rank="2"><dim index="2" value="3"/></dimensions></field>
        <field name="matrix"><dimensions rank="2"/></field>
        <field name="ref"><dimensions rank="1"><dim index="1" ref="edges"/></dimensions></field>
        """,
        symbols='<symbols><symbol name="nP"><doc>points</doc></symbol></symbols>',
    )
    layout = m["layout"]
    assert layout["{entry}/edges"]["shape"] == ["nP+1"]
    assert layout["{entry}/frames"]["shape"] == ["nP", "i", "j"]
    assert layout["{entry}/frames"]["rank"] == {"min": 2, "max": 3}
    assert layout["{entry}/pair"] == {"shape": [None, 3]}
    assert layout["{entry}/matrix"] == {"shape": [None, None]}  # a rank alone: lengths unknown
    assert layout["{entry}/ref"] == {"shape": [None]}
    assert m["symbols"] == ["nP", "i", "j"]  # declared first, then the ones used


# ---------------------------------------------------------------------------- links, choices


def test_links_choices_deprecation_and_occurs(defs):
    layout = mapping(
        defs,
        "NXlinks",
        """
        <group type="NXinstrument"><group type="NXdetector" maxOccurs="2">
          <choice name="pixel_shape">
            <group type="NXoff_geometry"/><group type="NXcylindrical_geometry"/>
          </choice>
          <field name="old" deprecated="use  new instead" minOccurs="0"/>
        </group></group>
        <group type="NXdata" name="data">
          <link name="data" target="/NXentry/NXinstrument/NXdetector/data"/>
        </group>
        """,
    )["layout"]
    det = "{entry}/NXinstrument/NXdetector"
    assert layout[det]["occurs"] == {"max": 2}
    assert layout[f"{det}/pixel_shape"] == {"class": ["NXoff_geometry", "NXcylindrical_geometry"]}
    assert layout[f"{det}/old"]["deprecated"] == "use new instead"
    assert layout["{entry}/data:NXdata/data"] == {
        "link_to": "{entry}/NXinstrument/NXdetector/data",
        "target_attr": True,
    }


# ---------------------------------------------------------------------------- extends


def test_a_child_definition_refines_its_parents_keys(defs):
    parent = """
        <group type="NXinstrument" name="instrument">
          <group type="NXdetector" name="detector">
            <field name="count" type="NX_INT" units="NX_ANY"/>
          </group>
        </group>
        <group type="NXsample" minOccurs="0"><field name="name" type="NX_CHAR"/></group>
        """
    child = """
        <group type="NXinstrument">
          <group type="NXdetector" name="detector">
            <field name="count"/>
            <field name="extra" type="NX_FLOAT"/>
          </group>
        </group>
        <group type="NXsample"><field name="mass" type="NX_FLOAT"/></group>
        """
    put(defs, "NXparent", app("NXparent", parent, symbols=sym("a")))
    m = mapping(defs, "NXchild", child, extends="NXparent", symbols=sym("b"))
    assert m["extends"] == "nxparent.yaml"
    assert m["match"] == {"path": "/*:NXentry/definition", "equals": "NXchild"}
    assert m["anchors"]["entry"]["where"] == {"equals": "NXchild"}
    assert m["symbols"] == ["a", "b"]  # lists replace: the child repeats the parent's
    layout = m["layout"]
    det = "{entry}/instrument:NXinstrument/detector:NXdetector"
    assert layout["{entry}/definition"] == {"enum": ["NXchild"]}
    assert f"{det}/count" not in layout  # nothing new: the parent's entry stands
    assert layout[f"{det}/extra"] == {"dtype": "float"}
    assert layout["{entry}/NXsample"] == {"required": True}  # required here, optional there
    assert layout["{entry}/NXsample/mass"] == {"dtype": "float"}
    for key in ("priority", "convention", "fallback", "suffixes"):
        assert key not in m  # inherited


def sym(*names: str) -> str:
    body = "".join(f'<symbol name="{n}"><doc>{n}</doc></symbol>' for n in names)
    return f"<symbols>{body}</symbols>"


# ---------------------------------------------------------------------------- the emitter


def test_emitter_quotes_what_yaml_would_read_as_something_else():
    data = {
        "mapping": "1",
        "strings": ["1.0", "yes", "null", "{entry}/a", "a: b", "ok", "x # y", "", "@x"],
        "numbers": [1, 0.5, 1e-05, 1e20, -3],
        "flags": [True, False, None],
        "text": "line one\nline two\n",
        "nested": {"a": {"b": [1, {"c": "d"}]}},
    }
    text = emit(data, ["header"])
    assert text.startswith("# header\n")
    assert yaml.safe_load(text) == data


# ---------------------------------------------------------------------------- errors


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, where: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert where in lines[0], lines[0]
    assert "Traceback" not in err


BAD = {
    "dim": (
        app(
            "NXbad",
            "<field name='x'>\n<dimensions rank='1'><dim index='1' value='2*n'/></dimensions>"
            "</field>",
        ),
        9,
        "dim '2*n' is not a number, a symbol or a symbol plus or minus a number",
    ),
    "class": (app("NXbad", '<group type="NXnothing"/>'), 8, "unknown base class 'NXnothing'"),
    "xml": ("<definition name='NXbad'>\n<group>\n</definition>\n", 3, "malformed XML"),
    "group": (
        app("NXbad", "").replace('<group type="NXentry">', "<group>"),
        6,
        "<group> without a type",
    ),
    "type": (app("NXbad", '<field name="x" type="NX_FOO"/>'), 8, "unknown NXDL type 'NX_FOO'"),
}


@pytest.mark.parametrize(("text", "line", "what"), list(BAD.values()), ids=list(BAD))
def test_bad_definitions_are_one_line_errors_and_write_nothing(
    capsys, defs, tmp_path, text, line, what
):
    good = put(defs, "NXgood", app("NXgood", ""))
    bad = put(defs, "NXbad", text)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, err = run_cli(capsys, "nxdl", str(good), str(bad), "--out-dir", str(out_dir))
    assert code == EXIT_ERROR
    assert_one_line_error(err, f"{bad}:{line}: ")
    assert what in err
    assert list(out_dir.iterdir()) == []  # the good one is not written either
    code, _, err = run_cli(capsys, "nxdl", str(bad), "-o", str(tmp_path / "one.yaml"))
    assert code == EXIT_ERROR and not (tmp_path / "one.yaml").exists()


def test_an_extends_loop_is_an_error(capsys, defs):
    put(defs, "NXa", app("NXa", "", extends="NXb"))
    b = put(defs, "NXb", app("NXb", "", extends="NXa"))
    code, out, err = run_cli(capsys, "nxdl", str(b))
    assert code == EXIT_ERROR and out == ""
    assert_one_line_error(err, f"{b}:2: extends loop: NXb -> NXa -> NXb")


def test_a_missing_file_or_folder_is_an_error(capsys, defs, tmp_path):
    missing = tmp_path / "NXnone.nxdl.xml"
    code, _, err = run_cli(capsys, "nxdl", str(missing))
    assert code == EXIT_ERROR
    assert_one_line_error(err, f"{missing}: no such file")
    with pytest.raises(MissingFileError):
        nxdl.convert_all(tmp_path / "nowhere", tmp_path)


def test_a_definition_without_an_entry_or_a_base_class_is_refused(capsys, defs):
    no_entry = put(defs, "NXempty", f'<definition name="NXempty" category="application" {NS}/>\n')
    code, _, err = run_cli(capsys, "nxdl", str(no_entry))
    assert code == EXIT_ERROR and "has no NXentry group" in err
    base = defs / "base_classes" / "NXdetector.nxdl.xml"
    code, _, err = run_cli(capsys, "nxdl", str(base))
    assert code == EXIT_ERROR and "not an application definition" in err


def test_the_command_prints_or_writes_one_file(capsys, defs, tmp_path):
    source = put(defs, "NXgood", app("NXgood", ""))
    code, out, _ = run_cli(capsys, "nxdl", str(source))
    assert code == EXIT_OK
    assert out.startswith("# NeXus definitions vTEST: applications/NXgood.nxdl.xml\n")
    assert "# generated by mapper nxdl; do not edit: extend it (extends: nxgood)" in out
    target = tmp_path / "x.yaml"
    code, _, _ = run_cli(capsys, "nxdl", str(source), "-o", str(target))
    assert code == EXIT_OK and target.read_text() == out
    code, _, err = run_cli(capsys, "nxdl", str(source), str(source))
    assert code == EXIT_ERROR and "--out-dir" in err


# ---------------------------------------------------------------------------- the real definitions


@pytest.fixture(scope="module")
def official() -> Path:
    if not (NXDL / "applications").is_dir():
        pytest.skip(f"NXDL definitions not available: {NXDL}")
    return NXDL


@pytest.fixture(scope="module")
def regenerated(official: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nxdl")
    start = time.perf_counter()
    nxdl.convert_all(official, out, out / "base_classes.json")
    assert time.perf_counter() - start < 10
    return out


def test_committed_mappings_are_what_the_converter_makes(regenerated):
    made = sorted(p.name for p in regenerated.glob("*.yaml"))
    assert made == sorted(p.name for p in COMMITTED.glob("*.yaml"))
    assert len(made) == 85
    for name in made:
        assert (regenerated / name).read_text() == (COMMITTED / name).read_text(), (
            f"schemas/nxdl/{name} differs from the converter's output: run "
            "mapper nxdl --all ../shared/nxdl --out-dir schemas/nxdl"
        )
    assert (regenerated / "base_classes.json").read_text() == INDEX_PATH.read_text(), (
        "mapper/conventions/nexus/nxdl/base_classes.json differs from the converter's output"
    )


def test_every_generated_mapping_reads_back_and_passes_mapper_check(official, regenerated):
    from mapper.language.schema import check_file

    library = Library(official)
    for defn in library.applications():
        name = defn.name.lower() + ".yaml"
        text = (regenerated / name).read_text()
        assert yaml.safe_load(text) == convert_definition(defn, library).mapping, name
        assert check_file(regenerated / name) == [], name


def test_the_base_class_index(regenerated):
    index = json.loads((regenerated / "base_classes.json").read_text())
    assert index["release"] == "v2026.01"
    det = index["classes"]["NXdetector"]
    assert det["contributed"] is False and det["extends"] == "NXcomponent"
    assert det["fields"]["distance"] == {"type": "NX_FLOAT", "units": "NX_LENGTH"}
    assert det["fields"]["description"] == {"type": "NX_CHAR"}  # from NXcomponent
    assert det["patterns"]["*_errors"] == {"type": "NX_NUMBER"}  # from NXobject
    assert det["groups"]["NXtransformations"] == "*"
    assert det["groups"]["pixel_shape"] == ["NXoff_geometry", "NXcylindrical_geometry"]
    assert "default" in det["attributes"]
    assert len(index["classes"]) == 142 + 53
    assert nxdl.base_classes_index(NXDL) == index


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((COMMITTED / f"{name}.yaml").read_text())
    return data


def test_nxmx(official):
    m = load("nxmx")
    assert m["name"] == "nxmx" and m["fallback"] == "nxdata"
    assert m["match"] == {"path": "/*:NXentry/definition", "equals": "NXmx"}
    layout = m["layout"]
    assert layout["/"] == {"checks": ["default_chain", "nexus.base_classes"]}
    data = layout["{entry}/NXdata/data"]
    assert data["shape"] == ["nP", "i", "j", "k"] and data["rank"] == {"min": 3, "max": 4}
    assert data["required"] == "recommended" and data["dtype"] == "number"
    assert layout["{entry}/@version"]["enum"] == ["1.0"]
    weight = layout["{entry}/NXinstrument/NXbeam/incident_wavelength_weight"]
    assert weight["deprecated"].startswith("use incident_wavelength_weights")
    meta = m["signal"]["metadata"]
    assert meta["Entry.instrument.detector.distance_units"]["path"] == (
        "{entry}/NXinstrument/NXdetector/distance/@units"
    )


def test_nxtomo_and_nxcansas(official):
    tomo = load("nxtomo")["layout"]
    det = "{entry}/instrument:NXinstrument/detector:NXdetector"
    assert tomo[f"{det}/image_key"]["shape"] == ["nFrames"]
    assert tomo["{entry}/data:NXdata/data"]["link_to"] == (
        "{entry}/NXinstrument/detector:NXdetector/data"
    )
    sas = load("nxcansas")["layout"]
    assert sas["{sasdata}/I"]["dtype"] == "number"  # upper case: a literal name
    assert sas["{sasdata}/Q"]["units_category"] == "NX_PER_LENGTH"


def test_nxxrot_extends_nxxbase(official):
    m = load("nxxrot")
    assert m["extends"] == "nxxbase.yaml"
    assert "{entry}/sample:NXsample/rotation_angle" in m["layout"]  # NXxbase's sample group
    assert m["layout"]["{entry}/definition"] == {"enum": ["NXxrot"]}
    assert load("nxxbase")["symbols"] == ["nP", "nXPixels", "nYPixels"]


def test_known_irregular_dimensions_are_listed_not_fatal(official):
    text = (COMMITTED / "nxtomophase.yaml").read_text()
    assert "dimension 'nDarkFrames + nBrightFrames + nSampleFrame' (any length)" in text


def test_a_child_converted_on_its_own_extends_its_parent_by_name(tmp_path, capsys):
    """Its parent's file is not beside it: the shipped generated parent is found by name."""
    if not NXDL.is_dir():
        pytest.skip(f"NXDL definitions not available: {NXDL}")
    out = tmp_path / "nxxeuler.yaml"
    code, _, err = run_cli(
        capsys, "nxdl", str(NXDL / "applications" / "NXxeuler.nxdl.xml"), "-o", str(out)
    )
    assert code == EXIT_OK, err
    assert "\nextends: nxxbase\n" in out.read_text()
    import mapper

    assert mapper.check_file(out) == []
    # converted together, the parent's file is beside it: by path, as shipped
    (tmp_path / "both").mkdir()
    code, _, err = run_cli(
        capsys,
        "nxdl",
        str(NXDL / "applications" / "NXxbase.nxdl.xml"),
        str(NXDL / "applications" / "NXxeuler.nxdl.xml"),
        "--out-dir",
        str(tmp_path / "both"),
    )
    assert code == EXIT_OK, err
    assert "\nextends: nxxbase.yaml\n" in (tmp_path / "both" / "nxxeuler.yaml").read_text()
