"""Verdicts on every shipped application definition (issue 12).

For each generated mapping in ``schemas/nxdl`` (and the hand-written
``nxtomo`` and ``nxmonopd``, which stand for their definitions in detection),
``tests/nxdl_examples.py`` writes from the NXDL a minimal valid file: it must
validate with no error against the mapping, and without ``--schema`` the
detected mapping must be the definition's. The same file with one fault of
:data:`nxdl_examples.FAULTS` must give an error at the faulty item.

Skipped when the NXDL definitions (``../shared/nxdl``) are absent.
"""

from __future__ import annotations

import posixpath
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from nxdl_examples import (
    FAULTS,
    NXDL,
    Example,
    faulty_item,
    inject,
    merged_tree,
    write_example,
)

import mapper
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.model import Definition, Group
from mapper.conventions.nexus.nxdl.names import field_glob, glob_of

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "schemas" / "nxdl"
#: Hand-written mappings that extend or stand for a generated one (detection picks them).
HAND_WRITTEN = {
    "nxtomo": ROOT / "schemas" / "nxtomo.yaml",
    "nxmonopd": ROOT / "schemas" / "nxmonopd.yaml",
}
NAMES = sorted(p.stem for p in GENERATED.glob("*.yaml"))
#: (case id, mapping file, definition's mapping name)
CASES = [(n, GENERATED / f"{n}.yaml", n) for n in NAMES] + [
    (f"{n}-hand-written", path, n) for n, path in sorted(HAND_WRITTEN.items())
]
#: Each fault must be exercised by at least this many generated mappings.
AT_LEAST = 30
#: The rule id of the error each fault must give.
RULES = {
    "missing_field": "required",
    "missing_group": "required",
    "wrong_unit": "units",
    "text_in_number": "dtype",
    "enum_value": "enum",
    "rank_too_high": "rank",
    "symbol_length": "shape",
}


class Examples:
    """The valid example of each definition, written once per test module."""

    def __init__(self, library: Library, folder: Path) -> None:
        self.library = library
        self.folder = folder
        self.definitions = {d.name.lower(): d for d in library.applications()}
        self.written: dict[str, Example] = {}

    def definition(self, name: str) -> Definition:
        assert name in self.definitions, f"{name}.yaml: no application definition in {NXDL}"
        return self.definitions[name]

    def get(self, name: str) -> Example:
        if name not in self.written:
            path = self.folder / f"{name}.nxs"
            self.written[name] = write_example(self.library, self.definition(name), path)
        return self.written[name]

    def copy(self, name: str, to: Path) -> Example:
        ex = self.get(name)
        shutil.copy(ex.file, to)
        return replace(ex, file=to)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Examples:
    if not (NXDL / "applications").is_dir():
        pytest.skip(f"NXDL definitions not available: {NXDL}")
    return Examples(Library(NXDL), tmp_path_factory.mktemp("appdefs"))


def _errors(report: mapper.Report) -> list[str]:
    return [f"[{f.rule}] {f.path}: {f.message}" for f in report.findings if f.severity == "error"]


def test_every_definition_has_a_shipped_mapping(examples):
    assert sorted(examples.definitions) == NAMES
    assert len(NAMES) == 85


@pytest.mark.parametrize(("case", "mapping", "name"), CASES, ids=[c[0] for c in CASES])
def test_the_minimal_file_is_valid(examples, case, mapping, name):
    ex = examples.get(name)
    report = mapper.validate(ex.file, schema=str(mapping))
    assert _errors(report) == []


@pytest.mark.parametrize("name", NAMES)
def test_detection_picks_the_definition_and_finds_no_error(examples, name):
    ex = examples.get(name)
    report = mapper.validate(ex.file)
    assert report.schema == name  # the hand-written nxtomo and nxmonopd have those names too
    assert _errors(report) == []


def _group_names(parent: str, spec: Group) -> set[str]:
    """Where a missing group may be reported: its parent, or its parent and its class or glob."""
    last = {spec.type, "*"}
    if spec.name is not None:
        last.add(glob_of(spec.name, spec.name_type))
    return {parent} | {posixpath.join(parent, x) for x in last}


def _reported(kind: str, ex: Example, where: str, report: mapper.Report, hand: bool) -> bool:
    """Whether an error of ``report`` of the fault's rule names the faulty item ``where``.

    A missing group may be reported at its parent, or at its parent and the
    class (``/entry/instrument/NXsource``) or glob (``/entry/sample*``) of a
    group the definition does not name. For a hand-written mapping, whose
    rules may check the objects of a symbol in another order than the
    definition, a symbol's disagreement may be reported at the object checked
    after the faulty one, naming the faulty one as where the length came from.
    """
    errors = [f for f in report.findings if f.severity == "error" and f.rule == RULES[kind]]
    if any(f.path == where for f in errors):
        return True
    if kind == "missing_group":
        spec = ex.item(where).spec
        allowed = _group_names(posixpath.dirname(where), spec)
        return any(f.path in allowed for f in errors)
    if kind == "symbol_length" and hand:
        return any(f"(from {where})" in f.message for f in errors)
    return False


@pytest.mark.parametrize("kind", sorted(FAULTS))
@pytest.mark.parametrize(("case", "mapping", "name"), CASES, ids=[c[0] for c in CASES])
def test_a_fault_is_an_error_at_the_faulty_item(examples, case, mapping, name, kind):
    ex = examples.copy(name, examples.folder / f"{case}-{kind}.nxs")
    where = inject(kind, ex)
    if where is None:
        pytest.skip(f"{examples.definition(name).name} has no item for {kind}")
    report = mapper.validate(ex.file, schema=str(mapping))
    assert _reported(kind, ex, where, report, mapping.parent != GENERATED), (
        f"{kind} at {where}: errors {_errors(report)}"
    )


def test_each_fault_is_exercised_by_enough_definitions(examples):
    counts = Counter(
        kind for name in NAMES for kind in FAULTS if faulty_item(kind, examples.get(name))
    )
    assert {k: counts[k] for k in FAULTS} == {k: max(counts[k], AT_LEAST) for k in FAULTS}


# -- the converter fixes the verdicts asked for ------------------------------------------------
def test_a_partial_field_name_leaves_out_the_sibling_nxdl_names_exactly():
    """NXspm ``NAMEcurrent`` (NX_CHAR) next to ``current`` (NX_NUMBER): not one field."""
    assert field_glob("NAMEcurrent", "partial", ["current"]) == "?*current"
    assert field_glob("NAMEcurrent", "partial", ["voltage"]) == "*current"
    assert field_glob("DATA", "partial", ["data"]) == "*"  # not the placeholder alone
    layout = yaml.safe_load((GENERATED / "nxspm.yaml").read_text())["layout"]
    assert "{entry}/NXinstrument/current_sensor*:NXsensor/?*current" in layout


def test_a_child_definition_refines_its_parents_groups_and_fields(examples):
    library = examples.library
    stm = merged_tree(library, examples.definition("nxstm"))
    instrument = next(g for g in stm.groups[0].groups if g.type == "NXinstrument")
    lockin = next(g for g in instrument.groups if g.name == "lockin_amplifier")
    assert lockin.optionality == "required"  # NXspm says optional, NXstm required
    xrd = merged_tree(library, examples.definition("nxxrd"))
    detector = next(
        g
        for g in next(g for g in xrd.groups[0].groups if g.type == "NXinstrument").groups
        if g.type == "NXdetector"
    )
    names = [f.name for f in detector.fields]
    polar = detector.fields[names.index("polar_angle")]
    assert names.index("polar_angle") < names.index("data")  # the parent's place
    assert polar.type == "NX_FLOAT" and polar.dims is not None  # NXmonopd's, kept


def test_two_groups_of_one_class_that_names_cannot_tell_apart():
    """NXcanSAS: SASdata (no name) and TRANSMISSION_SPECTRUM (any name), both NXdata."""
    doc = yaml.safe_load((GENERATED / "nxcansas.yaml").read_text())
    # each is an anchor selecting its groups by the @canSAS_class its enumeration fixes
    anchors = doc["anchors"]
    assert anchors["sasdata"]["where"] == {"path": "{.}/@canSAS_class", "equals": "SASdata"}
    assert anchors["sastransmission_spectrum"]["where"]["equals"] == "SAStransmission_spectrum"
    assert anchors["sastransmission_spectrum"]["required"] is False
    assert "{sasdata}/I" in doc["layout"] and "{sastransmission_spectrum}/T" in doc["layout"]
