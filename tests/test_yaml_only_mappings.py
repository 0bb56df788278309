"""The design proved: NXmonopd and a beamline NXtomo variant are YAML files, no Python.

``schemas/nxmonopd.yaml`` reads, validates and writes NXmonopd files with the
generic engine; ``examples/beamline_tomo.yaml`` extends nxtomo and only says
where one instrument stores the rotation angle.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
from nxtomo_files import N_FRAMES, write_nxtomo

import mapper
from mapper.language import schema as _schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize("name", sorted(_schema.available(None)))
def test_every_shipped_mapping_checks_clean(name):
    assert mapper.check_file(name) == []


def write_monopd(
    path: Path,
    *,
    probe: str = "neutron",
    mode: str = "monitor",
    n: int = 400,
    polar: int | None = None,
    copy_link: bool = False,
) -> Path:
    """A realistic NXmonopd file: groups with facility names, found by class."""
    with h5py.File(path, "w") as f:
        e = f.create_group("scan1")
        e.attrs["NX_class"] = "NXentry"
        e["title"] = "Si standard"
        e["start_time"] = "2024-02-01T10:00:00Z"
        e["definition"] = "NXmonopd"
        inst = e.create_group("hrpt")
        inst.attrs["NX_class"] = "NXinstrument"
        src = inst.create_group("sinq")
        src.attrs["NX_class"] = "NXsource"
        src["name"], src["type"], src["probe"] = "SINQ", "Spallation Neutron Source", probe
        mono = inst.create_group("mono")
        mono.attrs["NX_class"] = "NXcrystal"
        mono["wavelength"] = [1.494]
        mono["wavelength"].attrs["units"] = "angstrom"
        det = inst.create_group("psd")
        det.attrs["NX_class"] = "NXdetector"
        det["data"] = np.arange(n, dtype=np.int32)
        det["polar_angle"] = np.linspace(5, 165, polar or n)
        det["polar_angle"].attrs["units"] = "degree"
        sample = e.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample["name"] = "Si"
        sample["rotation_angle"] = 0.0
        sample["rotation_angle"].attrs["units"] = "degree"
        mon = e.create_group("monitor")
        mon.attrs["NX_class"] = "NXmonitor"
        mon["mode"], mon["preset"], mon["integral"] = mode, 1e5, 100012.0
        mon["integral"].attrs["units"] = "counts"
        plot = e.create_group("plot")
        plot.attrs["NX_class"] = "NXdata"
        plot.attrs["signal"] = "data"
        plot.attrs["axes"] = "polar_angle"
        for name in ("data", "polar_angle"):
            if copy_link:
                plot[name] = det[name][()]
            else:
                plot[name] = det[name]
            plot[name].attrs["target"] = det[name].name
    return path


def test_nxmonopd_detected_loaded_and_valid(tmp_path):
    path = write_monopd(tmp_path / "hrpt.nxs")
    assert mapper.detect(path) == "nxmonopd"
    report = mapper.validate(path)
    assert report.schema == "nxmonopd"
    assert report.findings == []
    (s,) = mapper.load(path)
    assert s["data"].shape == (400,)
    (ax,) = s["axes"]
    assert (ax["name"], ax["units"], ax["navigate"]) == ("polar_angle", "degree", False)
    assert ax["offset"] == pytest.approx(5.0)
    md = s["metadata"]
    assert md["Sample"]["name"] == "Si"
    assert md["Acquisition_instrument"]["Source"]["probe"] == "neutron"
    assert md["Powder_diffraction"]["monitor_mode"] == "monitor"
    assert md["Powder_diffraction"]["wavelength_units"] == "angstrom"


@pytest.mark.parametrize(
    ("kwargs", "rule", "path"),
    [
        ({"probe": "muon"}, "enum", "/scan1/hrpt/sinq/probe"),
        ({"mode": "stopwatch"}, "enum", "/scan1/monitor/mode"),
        # NXDL lists polar_angle first: it sets nDet; the data disagrees (message names both)
        ({"polar": 399}, "shape", "/scan1/hrpt/psd/data"),
        ({"copy_link": True}, "link", "/scan1/plot/data"),
    ],
)
def test_nxmonopd_faults_are_errors(tmp_path, kwargs, rule, path):
    report = mapper.validate(write_monopd(tmp_path / "bad.nxs", **kwargs), schema="nxmonopd")
    assert not report.ok
    assert (rule, path) in {(f.rule, f.path) for f in report.errors}


def test_nxmonopd_save_round_trip(tmp_path):
    (s,) = mapper.load(write_monopd(tmp_path / "hrpt.nxs"))
    out = mapper.save(tmp_path / "out.nxs", s, schema="nxmonopd")
    assert mapper.validate(out).findings == []
    (back,) = mapper.load(out)
    np.testing.assert_array_equal(back["data"], s["data"])
    assert back["axes"] == s["axes"]
    with h5py.File(out) as f:
        # class-only segments get the class name without NX; write.names renames NXdata
        assert f["entry/instrument/detector"].attrs["NX_class"] == "NXdetector"
        assert f["entry/data"].attrs["NX_class"] == "NXdata"
        assert f.attrs["default"] == "entry" and f["entry"].attrs["default"] == "data"


def test_shared_nxmonopd_template_loads_and_validates(shared):
    path = shared("nexus/appdefs/NXmonopd.hdf5")
    assert mapper.detect(path) == "nxmonopd"
    report = mapper.validate(path)
    assert report.ok, [str(f) for f in report.errors]
    assert {f.rule for f in report.warnings} <= {"rank", "units"}  # placeholder values
    with pytest.warns(mapper.MapperWarning, match="1 axes for 0-D data"):
        (s,) = mapper.load(path)
    assert s["metadata"]["Acquisition_instrument"]["Source"]["probe"] == "neutron"


def test_shared_nxscan_is_not_taken_for_nxmonopd(shared):
    path = shared("nexus/appdefs/NXscan.hdf5")
    assert mapper.detect(path) == "nxscan"  # its own definition, generated from NXDL


# ----------------------------------------------------------------------------- beamline variant
def _stage(f: h5py.File) -> None:
    """Move the rotation angle from the sample to a rotation stage (beamline X's layout)."""
    angles = f["entry/sample/rotation_angle"][()]
    del f["entry/data/rotation_angle"]
    del f["entry/sample/rotation_angle"]
    stage = f["entry/instrument"].create_group("rotation_stage")
    stage.attrs["NX_class"] = "NXpositioner"
    stage["value"] = angles
    stage["value"].attrs["units"] = "degree"
    stage["value"].attrs["target"] = "/entry/instrument/rotation_stage/value"
    f["entry/data/rotation_angle"] = stage["value"]


def test_beamline_variant_is_a_few_lines():
    text = (EXAMPLES / "beamline_tomo.yaml").read_text()
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(body) <= 15
    assert mapper.check_file(EXAMPLES / "beamline_tomo.yaml") == []


def test_beamline_variant_reads_validates_and_writes(tmp_path):
    path = write_nxtomo(tmp_path / "x.nxs", extra=_stage)
    assert mapper.detect(path, search_path=[EXAMPLES]) == "beamline_tomo"
    assert mapper.detect(path) == "nxtomo"  # without the example folder: plain NXtomo
    (s,) = mapper.load(path, search_path=[EXAMPLES])
    ax = s["axes"][0]
    assert (ax["name"], ax["units"], ax["size"]) == ("rotation_angle", "degree", N_FRAMES)
    assert ax["offset"] + ax["scale"] * (N_FRAMES - 1) == pytest.approx(180.0)
    report = mapper.validate(path, search_path=[EXAMPLES])
    assert report.schema == "beamline_tomo" and report.findings == []
    # the same file is not a valid plain NXtomo: the standard place is empty
    plain = mapper.validate(path, schema="nxtomo")
    assert ("required", "/entry/sample/rotation_angle") in {(f.rule, f.path) for f in plain.errors}
    out = mapper.save(tmp_path / "again.nxs", s, schema=EXAMPLES / "beamline_tomo.yaml")
    with h5py.File(out) as f:
        assert "rotation_stage" in f["entry/instrument"]
        assert "rotation_angle" not in f["entry/sample"]
    assert mapper.validate(out, schema=EXAMPLES / "beamline_tomo.yaml").findings == []


def test_loading_a_standard_file_with_the_variant_fails_clearly(tmp_path):
    path = write_nxtomo(tmp_path / "std.nxs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(mapper.MapperError, match="rotation_angle"):
            mapper.load(path, schema=EXAMPLES / "beamline_tomo.yaml")


def test_root_attributes_come_from_the_mapping_with_placeholders(tmp_path):
    (s,) = mapper.load(write_monopd(tmp_path / "hrpt.nxs"))
    out = mapper.save(tmp_path / "out.nxs", s, schema="nxmonopd")
    with h5py.File(out) as f:
        assert f.attrs["file_name"] == "out.nxs"
        assert f.attrs["creator"] == f"mapper {mapper.__version__}"
        assert f.attrs["HDF5_Version"] == h5py.version.hdf5_version
        assert f.attrs["file_time"].startswith(str(__import__("datetime").date.today().year))


def test_an_unknown_root_attribute_placeholder_is_a_mapping_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'mapping: "1"\nname: bad\nextends: nxmonopd\n'
        'write:\n  root_attrs: {creator: "x {mapper_versoin}"}\n'
    )
    (problem,) = mapper.check_file(bad)
    assert "unknown placeholder {mapper_versoin} (did you mean {mapper_version}?)" in problem
