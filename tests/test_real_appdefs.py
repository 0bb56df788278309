"""Issue 12 on real files: every NeXus file gets a verdict; mapper against nexusformat.

* Every file under ``../shared/data/nexus`` (``appdefs/``, ``facility/``,
  ``rsciio/``) gets a verdict from ``mapper.validate`` (a report, or a one-line
  ``MapperError`` when it cannot be checked) and ``mapper.load`` gives signals
  or a ``MapperError``, never another exception.
* The NeXus template files of ``appdefs/`` are checked against the mapping of
  the definition they declare, and mapper's verdict (has the file an error?)
  is compared with nexusformat's ``validate_application``. Where the two
  disagree, the file and the NXDL decide; ``VERDICTS`` records who is right and
  why, and a test per file asserts the finding that decides it.
  ``docs/appdefs-verdicts.md`` is the same, for people.
* Files written by the ``nxtomo`` library, by ``mapper.save`` and by HyperSpy's
  NeXus writer validate without an error (no false error from a mapping).

``python tests/test_real_appdefs.py`` prints the table of the page (mapping,
findings, nexusformat's verdict and the time each took per file).
"""

from __future__ import annotations

import datetime
import json
import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import SHARED
from nxtomo_files import scratch_signal, write_nxtomo

import mapper
from mapper.cli import main

NEXUS = SHARED / "nexus"
NXDL = SHARED.parent / "nxdl"
ALL_FILES = sorted(p for p in NEXUS.rglob("*") if p.is_file()) if NEXUS.exists() else []
APPDEFS = [p for p in ALL_FILES if p.parent.name == "appdefs"]
needs_shared = pytest.mark.skipif(not ALL_FILES, reason="../shared/data/nexus is absent")


def validate_quietly(path: Path, **kw: Any) -> mapper.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)
        return mapper.validate(path, **kw)


def has_errors(report: mapper.Report) -> bool:
    return bool(report.errors)


def found(report: mapper.Report, severity: str, rule: str) -> set[str]:
    """The HDF5 paths of the findings of one severity and rule."""
    return {f.path for f in report.findings if f.severity == severity and f.rule == rule}


def nxdl_line(relative: str, line: int) -> str:
    """One line of an NXDL file of the release the generated mappings come from."""
    path = NXDL / relative
    if not path.exists():
        pytest.skip(f"NXDL not available: {path}")
    return path.read_text().splitlines()[line - 1]


def declared_definition(path: Path) -> str:
    with h5py.File(path, "r") as f:
        value = f["entry/definition"][()]
    return value.decode() if isinstance(value, bytes) else str(value)


# ------------------------------------------------------------------ nexusformat as the peer
class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def nexusformat_logger() -> Iterator[_Records]:
    """nexusformat's validation logger, handlers swapped (as in benchmarks/bench_validate.py)."""
    from nexusformat.nexus.validate import logger

    saved = (list(logger.handlers), logger.level)
    for h in saved[0]:
        logger.removeHandler(h)
    records = _Records()
    logger.addHandler(records)
    logger.setLevel(logging.WARNING)  # nxvalidate's default
    try:
        yield records
    finally:
        logger.removeHandler(records)
        for h in saved[0]:
            logger.addHandler(h)
        logger.setLevel(saved[1])


def nexusformat_verdict(path: Path) -> tuple[int, int]:
    """``validate_application(path)``: (warnings, errors), the application read from the file."""
    from nexusformat.nexus.validate import validate_application

    with nexusformat_logger(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = validate_application(str(path))
    return int(result[0]), int(result[1])


# ------------------------------------------------------------------ every real file: a verdict
@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_file_gets_a_verdict_and_loads_or_says_why(path):
    try:
        report = validate_quietly(path)
    except mapper.MapperError as exc:
        # not checked (the CLI's exit 2): only a file that is not NeXus at all
        assert "\n" not in str(exc)
        assert "no mapping matches" in str(exc)
        with h5py.File(path, "r") as f:
            classes = []
            f.visititems(lambda _, o: classes.append(o.attrs.get("NX_class")) and None)
            assert not any(classes), f"{path} has NeXus classes but no mapping"
    else:
        assert report.checked and report.schema
        for f in report.findings:
            assert f.severity in ("error", "warning", "info") and "\n" not in f.message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)
        try:
            signals = mapper.load(path, lazy=True)
        except mapper.MapperError as exc:
            assert "\n" not in str(exc)
            return
    assert signals
    for s in signals:
        assert len(s["axes"]) == s["data"].ndim


@needs_shared
@pytest.mark.shared_data
@pytest.mark.parametrize("path", APPDEFS, ids=lambda p: p.name)
def test_each_template_is_checked_against_the_definition_it_declares(path):
    report = validate_quietly(path)
    # NXdirecttof.hdf5 and NXindirecttof.hdf5 declare NXtofraw; NXx*.hdf5 declare NXxbase
    assert report.schema == declared_definition(path).lower()


# ------------------------------------------------------------------ the verdicts, per file
@dataclass(frozen=True)
class Verdict:
    """Has the file an error? What each validator says, and the truth where they differ."""

    nexusformat: bool  # nexusformat 2.1 validate_application reports an error
    truth: bool  # the file breaks its NXDL (decided from the file and the NXDL)
    why: str = ""


V = Verdict
#: Every template file of appdefs/. Where mapper and nexusformat disagree, ``why`` says who
#: is right; the test after the table asserts the finding that decides it.
VERDICTS: dict[str, Verdict] = {
    "NXarchive.hdf5": V(False, False),
    "NXarpes.hdf5": V(
        False,
        True,
        "mapper right: entrance_slit_size, pass_energy, time_per_channel hold the text "
        "'SAMPLE-CHAR-DATA' where NXarpes.nxdl.xml lines 82, 85, 88 say NX_NUMBER "
        "(nexusformat logs these as warnings)",
    ),
    "NXcanSAS.hdf5": V(True, True),
    "NXdirecttof.hdf5": V(False, False),
    "NXfluo.hdf5": V(
        False,
        True,
        "mapper right: fluorescence/data is a scalar with @axes='energy' where NXfluo.nxdl.xml "
        "lines 66-67 want rank 1 [nE]; a rank-0 signal cannot have an axis "
        "(nexusformat does not check ranks)",
    ),
    "NXindirecttof.hdf5": V(False, False),
    "NXiqproc.hdf5": V(False, False),
    "NXlauetof.hdf5": V(
        False,
        True,
        "mapper right: detector/data/@signal is the string '1' where NXlauetof.nxdl.xml "
        "line 72 says NX_POSINT (nexusformat does not type attributes)",
    ),
    "NXmonopd.hdf5": V(False, False),
    "NXmx.hdf5": V(True, True),
    "NXrefscan.hdf5": V(False, False),
    "NXreftof.hdf5": V(True, True),
    "NXsas.hdf5": V(False, False),
    "NXsastof.hdf5": V(False, False),
    "NXscan.hdf5": V(False, False),
    "NXspe.hdf5": V(False, False),
    "NXsqom.hdf5": V(False, False),
    "NXstxm.hdf5": V(False, False),
    "NXtas.hdf5": V(
        False,
        True,
        "mapper right: /entry/data/ef is a text copy ('SAMPLE-CHAR-DATA', @target /entry/title), "
        "not the link to analyser/ef of NXtas.nxdl.xml line 183",
    ),
    "NXtofnpd.hdf5": V(False, False),
    "NXtofraw.hdf5": V(False, False),
    "NXtofsingle.hdf5": V(False, False),
    "NXtomo.hdf5": V(False, False),
    "NXtomophase.hdf5": V(False, False),
    "NXtomoproc.hdf5": V(False, False),
    "NXxas.hdf5": V(True, True),
    "NXxasproc.hdf5": V(False, False),
    "NXxbase.hdf5": V(
        False,
        True,
        "mapper right: detector/data/@signal is the string '1' where NXxbase.nxdl.xml line 85 "
        "says NX_POSINT",
    ),
    "NXxeuler.hdf5": V(True, True),
    "NXxkappa.hdf5": V(True, True),
    "NXxlaue.hdf5": V(True, True),
    "NXxlaueplate.hdf5": V(True, True),
    "NXxnb.hdf5": V(True, True),
    "NXxrot.hdf5": V(True, True),
}
#: Files where mapper's verdict is wrong (package bugs).
#: Files where mapper's verdict is known to be wrong (none today; see the git history).
MAPPER_WRONG: dict[str, str] = {}


def _appdef(name: str) -> Path:
    path = NEXUS / "appdefs" / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def _verdict_params() -> list[Any]:
    out = []
    for name in sorted(VERDICTS):
        marks = []
        if name in MAPPER_WRONG:
            marks.append(pytest.mark.xfail(strict=True, reason=MAPPER_WRONG[name]))
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def test_the_table_covers_every_template_file():
    if APPDEFS:
        assert sorted(p.name for p in APPDEFS) == sorted(VERDICTS)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", _verdict_params())
def test_mapper_verdict_is_the_true_one(name):
    report = validate_quietly(_appdef(name))
    assert has_errors(report) == VERDICTS[name].truth, report


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_nexusformat_verdict_is_as_recorded(name):
    pytest.importorskip("nexusformat.nexus.validate")
    _, errors = nexusformat_verdict(_appdef(name))
    assert bool(errors) == VERDICTS[name].nexusformat


# ------------------------------------------------------------------ the findings that decide
@pytest.mark.shared_data
def test_nxarpes_numbers_stored_as_text():
    report = validate_quietly(_appdef("NXarpes.hdf5"))
    analyser = "/entry/instrument/analyser"
    text_numbers = {f"{analyser}/{n}" for n in ("entrance_slit_size", "pass_energy")}
    text_numbers.add(f"{analyser}/time_per_channel")
    assert text_numbers <= found(report, "error", "dtype")
    for line, name in ((82, "entrance_slit_size"), (85, "pass_energy"), (88, "time_per_channel")):
        assert f'name="{name}" type="NX_NUMBER"' in nxdl_line("applications/NXarpes.nxdl.xml", line)


@pytest.mark.shared_data
def test_nxfluo_scalar_signal_with_an_axis():
    path = _appdef("NXfluo.hdf5")
    report = validate_quietly(path)
    assert found(report, "error", "nxdata.axes") == {"/entry/data/data/@axes"}
    # the placeholder itself: rank 0 where NXDL wants rank 1 (reported as a template warning)
    assert "/entry/instrument/fluorescence/data" in found(report, "warning", "rank")
    with h5py.File(path, "r") as f:
        data = f["entry/instrument/fluorescence/data"]
        assert data.shape == () and data.attrs["axes"] == "energy"
        assert f["entry/data/data"].id == data.id
    assert 'name="data" type="NX_INT" axes="energy"' in nxdl_line(
        "applications/NXfluo.nxdl.xml", 66
    )
    assert 'rank="1"' in nxdl_line("applications/NXfluo.nxdl.xml", 67)


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "line"), [("NXlauetof", 72), ("NXxbase", 85)])
def test_signal_attribute_stored_as_text(name, line):
    path = _appdef(f"{name}.hdf5")
    report = validate_quietly(path)
    assert "/entry/instrument/detector/data/@signal" in found(report, "error", "dtype")
    with h5py.File(path, "r") as f:
        assert f["entry/instrument/detector/data"].attrs["signal"] == "1"  # text, not a number
    assert 'name="signal" type="NX_POSINT"' in nxdl_line(f"applications/{name}.nxdl.xml", line)


@pytest.mark.shared_data
def test_nxstxm_scalar_detector_data():
    # scalar placeholders where arrays are declared: the template file's one kind of warning
    report = validate_quietly(_appdef("NXstxm.hdf5"))
    inst = "/entry/instrument"
    assert found(report, "warning", "rank") >= {
        f"{inst}/{d}/data" for d in ("detector", "sample_x", "sample_y", "sample_z")
    }
    assert 'rank="1+detectorRank"' in nxdl_line("applications/NXstxm.nxdl.xml", 91)
    for line in (108, 116, 124):
        assert 'rank="1"' in nxdl_line("applications/NXstxm.nxdl.xml", line)


@pytest.mark.shared_data
def test_nxtas_ef_is_a_copy_not_a_link():
    path = _appdef("NXtas.hdf5")
    report = validate_quietly(path)
    assert found(report, "error", "link") == {"/entry/data/ef"}
    with h5py.File(path, "r") as f:
        assert f["entry/data/ef"].id != f["entry/instrument/analyser/ef"].id
        assert f["entry/data/ef"].attrs["target"] == "/entry/title"
    line = nxdl_line("applications/NXtas.nxdl.xml", 183)
    assert '<link name="ef" target="/NXentry/NXinstrument/analyser:NXcrystal/ef"/>' in line


@pytest.mark.shared_data
def test_nxtomophase_scalar_integral():
    report = validate_quietly(_appdef("NXtomophase.hdf5"))
    assert "/entry/control/integral" in found(report, "warning", "rank")
    assert 'name="integral"' in nxdl_line("applications/NXtomophase.nxdl.xml", 156)
    assert 'rank="1"' in nxdl_line("applications/NXtomophase.nxdl.xml", 161)


@pytest.mark.shared_data
def test_nxarchive_root_default_names_an_entry_without_data():
    path = _appdef("NXarchive.hdf5")
    with h5py.File(path, "r") as f:
        assert f.attrs["default"] == "entry" and "default" not in f["entry"].attrs
        classes: list[Any] = []
        f.visititems(lambda _, o: classes.append(o.attrs.get("NX_class")) and None)
        assert "NXdata" not in classes
    assert '<attribute name="default">' in nxdl_line("base_classes/NXroot.nxdl.xml", 109)
    # nothing to plot by default is worth a word, not an error
    report = validate_quietly(path)
    assert report.errors == []
    assert ("default", "/entry/@default") in {(f.rule, f.path) for f in report.warnings}


@pytest.mark.shared_data
def test_both_agree_on_the_missing_fields():
    # NXreftof: data/time_of_flight (line 152 of the mapping); NXxas: data/mode; NXx*: name/data
    cases = {
        "NXreftof.hdf5": "/entry/data/time_of_flight",
        "NXxas.hdf5": "/entry/data/mode",
        "NXxeuler.hdf5": "/entry/name/data",
        "NXxrot.hdf5": "/entry/name/data",
    }
    for name, missing in cases.items():
        assert missing in found(validate_quietly(_appdef(name)), "error", "required"), name


@pytest.mark.shared_data
def test_nxmx_flatfield_error_max_occurs_0_is_declared_unchecked():
    # nexusformat's one error on NXmx.hdf5: flatfield_error exists though NXDL line 592 says
    # maxOccurs="0"; the generated mapping cannot say "must be absent" and declares it
    path = _appdef("NXmx.hdf5")
    with h5py.File(path, "r") as f:
        assert "flatfield_error" in f["entry/instrument/detector"]
    assert 'name="flatfield_error"' in nxdl_line("applications/NXmx.nxdl.xml", 592)
    assert 'maxOccurs="0"' in nxdl_line("applications/NXmx.nxdl.xml", 592)
    generated = Path(mapper.mappings()["nxmx"]).read_text()
    assert "line 592: {entry}/NXinstrument/NXdetector/flatfield_error: maxOccurs=0" in generated


# ------------------------------------------------------------------ where an error comes from
def test_an_error_names_the_mapping_line_that_makes_it_an_error(tmp_path):
    path = write_nxtomo(tmp_path / "t.nxs", start_time="01/05/2024 12:30")
    generated = Path(mapper.mappings()["nxtomo"]).parent / "nxdl" / "nxtomo.yaml"
    lines = generated.read_text().splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.startswith('  "{entry}/start_time":'))
    report = mapper.validate(path, schema=generated)
    (f,) = [f for f in report.errors if f.path == "/entry/start_time"]
    assert f.mapping == f"nxtomo.yaml:{line}", f


# ------------------------------------------------------------------ placeholders: one severity
@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["NXmx.hdf5", "NXstxm.hdf5", "NXtomophase.hdf5"])
def test_scalar_placeholders_get_one_severity_per_file(name):
    report = validate_quietly(_appdef(name))
    severities = {
        f.severity
        for f in report.findings
        if f.rule == "rank" and ("scalar" in f.message or "rank 0" in f.message)
    }
    assert len(severities) == 1, report


# ------------------------------------------------------------------ NXcanSAS: two NXdata kinds
def _cansas(path: Path, transmission: bool) -> Path:
    """A small NXcanSAS file as the canSAS 1.1 layout has it (SASdata, optionally a spectrum)."""

    def group(parent: h5py.Group, name: str, nx_class: str, **attrs: Any) -> h5py.Group:
        g = parent.create_group(name)
        g.attrs["NX_class"] = nx_class
        for k, v in attrs.items():
            g.attrs[k] = v
        return g

    with h5py.File(path, "w") as f:
        f.attrs["default"] = "sasentry01"
        e = group(f, "sasentry01", "NXentry", canSAS_class="SASentry", version="1.1")
        e.attrs["default"] = "sasdata01"
        e["definition"] = "NXcanSAS"
        e["title"] = "silver behenate"
        e["run"] = "1234"
        d = group(e, "sasdata01", "NXdata", canSAS_class="SASdata", signal="I", I_axes="Q")
        d.attrs["Q_indices"] = 0
        q = np.linspace(0.01, 0.3, 50)
        d["Q"] = q
        d["Q"].attrs["units"] = "1/angstrom"
        d["I"] = np.exp(-q)
        d["I"].attrs["units"] = "1/cm"
        d["I"].attrs["uncertainties"] = "Idev"
        d["Idev"] = np.full(50, 0.01)
        d["Idev"].attrs["units"] = "1/cm"
        if transmission:
            t = group(e, "sastransmission_spectrum01", "NXdata", signal="T", T_axes="T")
            t.attrs["canSAS_class"] = "SAStransmission_spectrum"
            t.attrs["name"] = "sample"
            t["lambda"] = np.linspace(1.0, 10.0, 20)
            t["lambda"].attrs["units"] = "angstrom"
            t["T"] = np.full(20, 0.8)
            t["T"].attrs["units"] = ""
            t["T"].attrs["uncertainties"] = "Tdev"
            t["Tdev"] = np.full(20, 0.01)
            t["Tdev"].attrs["units"] = ""
    return path


@pytest.mark.parametrize(
    "transmission",
    [False, True],
    ids=["sasdata", "with_transmission"],
)
def test_a_small_valid_nxcansas_file_has_no_error(tmp_path, transmission):
    path = _cansas(tmp_path / "sas.h5", transmission)
    report = mapper.validate(path)
    assert report.schema == "nxcansas"
    assert report.errors == [], report


def test_the_small_nxcansas_file_loads(tmp_path):
    (s,) = mapper.load(_cansas(tmp_path / "sas.h5", transmission=False))
    assert s["data"].shape == (50,)
    assert s["axes"][0]["name"] == "Q"


# ------------------------------------------------------------------ writers: no false error
def _nxtomo_library_scan(path: Path, version: float | None) -> Path:
    """A realistic scan as the ESRF tools write it: darks, flats, projections, return flats,
    alignment frames, energy, distances, translations, count times, monitor, times."""
    pint = pytest.importorskip("pint")
    nxtomo = pytest.importorskip("nxtomo")
    from nxtomo.nxobject.nxdetector import ImageKey
    from nxtomo.nxobject.nxsource import ProbeType, SourceType

    ureg = pint.get_application_registry()
    keys = (
        [ImageKey.DARK_FIELD] * 2
        + [ImageKey.FLAT_FIELD] * 3
        + [ImageKey.PROJECTION] * 20
        + [ImageKey.FLAT_FIELD] * 3
        + [ImageKey.ALIGNMENT] * 2
    )
    n = len(keys)
    angles = np.concatenate([np.zeros(5), np.linspace(0, 180, 20), np.full(3, 180.0), [180, 90]])
    nx = nxtomo.NXtomo()
    nx.title = "bone-17 scan"
    utc = datetime.timezone.utc
    nx.start_time = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=utc)
    nx.end_time = datetime.datetime(2024, 5, 1, 12, 41, tzinfo=utc)
    nx.instrument.name = "ESRF-ID19"
    nx.instrument.beam.incident_energy = 19.0 * ureg.keV
    nx.instrument.source.name = "ESRF"
    nx.instrument.source.type = SourceType.SYNCHROTRON_X_RAY_SOURCE
    nx.instrument.source.probe = ProbeType.X_RAY
    nx.instrument.source.distance = 145.0 * ureg.meter
    det = nx.instrument.detector
    det.data = np.random.default_rng(0).integers(0, 4000, (n, 16, 20), dtype=np.uint16)
    det.image_key_control = np.array(keys)
    det.x_pixel_size = 6.5e-6 * ureg.meter
    det.y_pixel_size = 6.5e-6 * ureg.meter
    det.distance = 0.35 * ureg.meter
    det.count_time = np.full(n, 0.05) * ureg.second
    det.half_acquisition = False
    det.x_rotation_axis_pixel_position = 10.5
    det.sequence_number = np.arange(n, dtype=np.uint32)
    nx.sample.name = "bone-17"
    nx.sample.rotation_angle = angles * ureg.degree
    nx.sample.x_translation = np.zeros(n) * ureg.mm
    nx.sample.y_translation = np.zeros(n) * ureg.mm
    nx.sample.z_translation = np.linspace(0, 1, n) * ureg.mm
    nx.sample.propagation_distance = 0.35 * ureg.meter
    nx.control.data = np.full(n, 80.0) * ureg.mA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        nx.save(str(path), data_path="entry0000", overwrite=True, nexus_path_version=version)
    return path


@pytest.mark.parametrize("version", [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 2.0, None])
def test_the_nxtomo_library_scan_has_no_false_error(tmp_path, version):
    path = _nxtomo_library_scan(tmp_path / "scan.nxs", version)
    report = mapper.validate(path)
    assert report.schema == "nxtomo"
    assert report.errors == [] and report.warnings == [], report
    # the generated mapping alone (no hand-written additions) says the same
    generated = Path(mapper.mappings()["nxtomo"]).parent / "nxdl" / "nxtomo.yaml"
    pure = mapper.validate(path, schema=generated)
    assert pure.errors == [] and pure.warnings == [], pure
    (s,) = mapper.load(path)
    assert s["data"].shape == (30, 16, 20)


def _signal_nxdata() -> dict[str, Any]:
    return {
        "data": np.arange(60.0).reshape(3, 4, 5),
        "axes": [
            {"name": "y", "units": "nm", "navigate": True, "size": 3, "scale": 2.0, "offset": 0},
            {"name": "x", "units": "nm", "navigate": False, "size": 4, "scale": 1.0, "offset": 0},
            {
                "name": "energy",
                "units": "eV",
                "navigate": False,
                "size": 5,
                "axis": np.array([1.0, 2.0, 4.0, 8.0, 16.0]),
            },
        ],
        "metadata": {"General": {"title": "demo"}, "Signal": {"signal_type": "EELS"}},
        "original_metadata": {"microscope": {"voltage": 200}},
    }


def _mapper_written(folder: Path) -> dict[str, tuple[Path, str]]:
    return {
        "nxtomo": (mapper.save(folder / "tomo.nxs", scratch_signal(), schema="nxtomo"), "nxtomo"),
        "nxdata": (mapper.save(folder / "one.nxs", _signal_nxdata(), schema="nxdata"), "nxdata"),
        "nxdata_two": (
            mapper.save(folder / "two.nxs", [_signal_nxdata(), _signal_nxdata()], schema="nxdata"),
            "nxdata",
        ),
    }


def test_files_written_by_mapper_save_have_no_false_error(tmp_path):
    for name, (path, schema) in _mapper_written(tmp_path).items():
        report = mapper.validate(path)  # no schema: detected
        assert report.schema == schema, name
        assert report.errors == [] and report.warnings == [], report


def _hyperspy_written(folder: Path) -> list[Path]:
    hs = pytest.importorskip("hyperspy.api")
    image = hs.signals.Signal2D(np.random.default_rng(1).random((3, 8, 10)))
    image.metadata.General.title = "hs image stack"
    axes = [*image.axes_manager.navigation_axes, *image.axes_manager.signal_axes]
    for ax, (name, units) in zip(axes, [("time", "s"), ("y", "nm"), ("x", "nm")], strict=True):
        ax.name, ax.units = name, units
    spectrum = hs.signals.Signal1D(np.arange(100.0).reshape(4, 25))
    spectrum.axes_manager[-1].units = "eV"
    spectrum.axes_manager[-1].scale = 0.5
    spectrum.metadata.set_item("Acquisition_instrument.TEM.beam_energy", 200.0)
    paths = [folder / "hs_image.nxs", folder / "hs_spectrum.nxs"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HyperSpy's own chatter, not mapper's
        image.save(paths[0])
        spectrum.save(paths[1])
    return paths


def test_files_written_by_hyperspy_have_no_false_error(tmp_path):
    for path in _hyperspy_written(tmp_path):
        report = mapper.validate(path)
        assert report.schema == "nxdata"
        assert report.errors == [] and report.warnings == [], report


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["simple_signal.nxs", "saved_multi_signal.nxs"])
def test_hyperspy_files_of_the_shared_data_have_no_error(name):
    path = NEXUS / "rsciio" / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    report = mapper.validate(path)
    assert report.schema == "nxdata"
    assert report.findings == [], report


def test_every_written_file_is_valid_through_the_command_line(tmp_path, capsys):
    _nxtomo_library_scan(tmp_path / "lib.nxs", None)
    _mapper_written(tmp_path)
    _hyperspy_written(tmp_path)
    code = main(["validate", "--json", "--strict", str(tmp_path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    doc = json.loads(out)
    assert code == 0, [f for f in doc["files"] if not f["ok"]]
    assert doc["summary"]["files"] == 6 and doc["summary"]["valid"] == 6
    assert {f["schema"] for f in doc["files"]} == {"nxtomo", "nxdata"}


# ------------------------------------------------------------------ the page's table
def table() -> str:
    """The Markdown tables of docs/appdefs-verdicts.md, with the time each validator took."""
    from nexusformat.nexus.validate import validate_application  # noqa: F401 (import cost)

    rows = ["| file | mapping | errors | warnings | infos | nexusformat (warnings, errors) |"]
    rows.append("|---|---|---|---|---|---|")
    t_mapper = t_nx = 0.0
    for path in ALL_FILES:
        if path.parent.name != "appdefs":
            continue
        validate_quietly(path)  # warm
        t0 = time.perf_counter()
        report = validate_quietly(path)
        t_mapper += time.perf_counter() - t0
        t0 = time.perf_counter()
        nx_w, nx_e = nexusformat_verdict(path)
        t_nx += time.perf_counter() - t0
        c = report.counts()
        mark = " **differs**" if bool(report.errors) != bool(nx_e) else ""
        rows.append(
            f"| {path.name} | {report.schema} | {c['error']} | {c['warning']} | {c['info']} "
            f"| ({nx_w}, {nx_e}){mark} |"
        )
    rows.append("")
    rows.append(
        f"Time for the {len(APPDEFS)} files, in process, warm: mapper {t_mapper * 1000:.0f} ms, "
        f"nexusformat {t_nx * 1000:.0f} ms."
    )
    rows.append("")
    rows.append("| file | mapping | errors | warnings | infos |")
    rows.append("|---|---|---|---|---|")
    for path in ALL_FILES:
        if path.parent.name == "appdefs":
            continue
        name = f"{path.parent.name}/{path.name}"
        try:
            report = validate_quietly(path)
        except mapper.MapperError as exc:
            assert "no mapping matches" in str(exc)
            rows.append(f"| {name} | not checked: no mapping matches (no NX_class) | | | |")
            continue
        c = report.counts()
        rows.append(f"| {name} | {report.schema} | {c['error']} | {c['warning']} | {c['info']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
