"""Regression tests for problems found in review."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from conftest import entry, write_nxdata

import mapper
from mapper.cli import main

HEAD = 'mapping: "1"\nname: m\n'


def write_mapping(tmp_path, body):
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + body)
    return path


def test_anchor_builtin_arguments_are_checked(tmp_path):
    path = write_mapping(
        tmp_path,
        """anchors:
  g: {builtin: nxdata.groups, args: {foo: 1}, select: each}
signal:
  data: {path: /d}
""",
    )
    (problem,) = mapper.check_file(path)
    assert "m.yaml:4:" in problem and "no argument 'foo'" in problem


def test_tree_style_is_checked(tmp_path):
    path = write_mapping(
        tmp_path,
        """signal:
  data: {path: /d}
  original_metadata: {tree: /, args: {style: fancy}}
""",
    )
    (problem,) = mapper.check_file(path)
    assert "tree style must be one of value_attrs, plain, not 'fancy'" in problem


def test_deferred_tree_survives_a_chdir(nexus, monkeypatch, tmp_path):
    path = nexus(lambda f: write_nxdata(entry(f, title="x").create_group("d"), np.zeros(2)))
    monkeypatch.chdir(path.parent)
    (s,) = mapper.load(path.name)  # a relative path
    (s_lazy,) = mapper.load(path.name, lazy=True)
    monkeypatch.chdir(tmp_path.parent)
    assert s["original_metadata"]["title"]["value"] == "x"
    assert s_lazy["data"].compute().shape == (2,)


@pytest.mark.parametrize(("stored", "expected"), [("false", False), ("true", True), (0, False)])
def test_navigate_from_a_source_is_strict(tmp_path, stored, expected):
    mpath = write_mapping(
        tmp_path,
        """signal:
  data: {path: /d}
  axes:
    - {name: x, navigate: {path: /d/@nav}}
""",
    )
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.zeros(3)
        f["d"].attrs["nav"] = stored
    (s,) = mapper.load(path, schema=str(mpath))
    assert s["axes"][0]["navigate"] is expected


def test_navigate_from_a_source_rejects_non_booleans(tmp_path):
    mpath = write_mapping(
        tmp_path,
        """signal:
  data: {path: /d}
  axes:
    - {name: x, navigate: {path: /d/@nav}}
""",
    )
    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.zeros(3)
        f["d"].attrs["nav"] = "maybe"
    with pytest.raises(mapper.MapperError, match="'maybe' is not a boolean"):
        mapper.load(path, schema=str(mpath))


def test_check_goes_on_after_a_missing_file(tmp_path, capsys):
    good = write_mapping(tmp_path, "signal:\n  data: {path: /d}\n")
    code = main(["check", str(tmp_path / "missing.yaml"), str(good)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "missing.yaml: mapping file not found" in err
    assert f"{good}: ok" in out


def test_memory_message_uses_readable_units(nexus, monkeypatch):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(1000)))
    monkeypatch.setenv("MAPPER_MEMORY_LIMIT", "100")
    with pytest.raises(MemoryError, match=r"needs 7\.8 KiB but only 100 bytes"):
        mapper.load(path)


def test_a_single_string_allow_dir_is_one_directory(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    with h5py.File(outside / "secret.h5", "w") as f:
        f["v"] = np.arange(3.0)
    path = tmp_path / "in" / "scan.nxs"
    path.parent.mkdir()
    with h5py.File(path, "w") as f:
        g = write_nxdata(entry(f).create_group("d"), np.arange(3.0), ["x"])
        g["x"] = h5py.ExternalLink(str(outside / "secret.h5"), "/v")
    with pytest.warns(mapper.MapperWarning):
        (s,) = mapper.load(path, allow_dirs=str(tmp_path / "elsewhere"))  # not "/" and friends
    assert s["axes"][0]["name"] == ""
    (s,) = mapper.load(path, allow_dirs=str(outside))
    assert s["axes"][0]["name"] == "x"


def _vds(path, source):
    layout = h5py.VirtualLayout(shape=(3,), dtype="f8")
    layout[:] = h5py.VirtualSource(str(source), "v", shape=(3,))
    with h5py.File(path, "w") as f:
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g.create_virtual_dataset("data", layout, fillvalue=0)


def test_virtual_dataset_outside_allowed_dirs_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    with h5py.File(outside / "src.h5", "w") as f:
        f["v"] = np.arange(3.0)
    path = tmp_path / "in" / "vds.nxs"
    path.parent.mkdir()
    _vds(path, outside / "src.h5")
    with pytest.raises(mapper.MapperError, match="lies outside the allowed directories"):
        mapper.load(path)
    (s,) = mapper.load(path, allow_dirs=[outside])
    np.testing.assert_array_equal(s["data"], [0.0, 1.0, 2.0])


def test_virtual_dataset_with_missing_source_warns(tmp_path):
    path = tmp_path / "vds.nxs"
    _vds(path, tmp_path / "gone.h5")
    with pytest.warns(mapper.MapperWarning, match="source .*gone.h5 is missing; .*fill value"):
        (s,) = mapper.load(path)
    np.testing.assert_array_equal(s["data"], 0.0)


def test_open_without_close_does_not_leak_a_registered_handle(nexus):
    import gc

    from mapper.hdf5 import lazy as _lazy

    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(3)))
    for _ in range(5):
        f = mapper.open(path)
        del f
    gc.collect()
    assert len(_lazy._open_files) == 0


def test_open_with_a_relative_path_serves_lazy_reads(nexus, monkeypatch):
    from mapper.hdf5 import lazy as _lazy

    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.arange(4.0)))
    monkeypatch.chdir(path.parent)
    opened = []
    real = _lazy.h5py.File
    with mapper.open(path.name) as f:
        (s,) = f.load(lazy=True)
        monkeypatch.setattr(_lazy.h5py, "File", lambda *a, **k: opened.append(a) or real(*a, **k))
        assert float(s["data"].sum().compute()) == 6.0
    assert opened == []  # the block's own handle served every task


def test_one_bad_group_does_not_fail_the_file(nexus):
    def build(f):
        e = entry(f)
        write_nxdata(e.create_group("good"), np.zeros(3))
        bad = write_nxdata(e.create_group("bad"), np.zeros(2))
        bad.attrs["axes"] = 5  # not text

    with pytest.warns(mapper.MapperWarning, match="index axes used"):
        signals = mapper.load(nexus(build))
    assert sorted(s["metadata"]["General"]["title"] for s in signals) == ["bad", "good"]


@pytest.mark.parametrize(
    "build_bad",
    [
        lambda g: (
            g["data"].attrs.update({"signal": 1})
            or g.create_dataset("x", data=np.arange(3.0)).attrs.update(
                {"axis": 1, "primary": "yes"}
            )
        ),
        lambda g: g.create_dataset("data_errors", data=np.array([b"a", b"b", b"c"])),
    ],
)
def test_odd_attributes_warn_not_crash(nexus, build_bad):
    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.zeros(3))
        build_bad(g)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mapper.MapperWarning)
        (s,) = mapper.load(nexus(build))
    assert s["data"].shape == (3,)


def test_integer_signal_attribute_on_group_is_the_old_style(nexus):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs["NX_class"] = "NXdata"
        g.attrs["signal"] = 1
        g.create_dataset("counts", data=np.arange(3.0)).attrs["signal"] = 1

    (s,) = mapper.load(nexus(build))
    np.testing.assert_array_equal(s["data"], [0.0, 1.0, 2.0])


def test_zero_size_and_empty_signals(nexus):
    def build(f):
        g = entry(f).create_group("d")
        g.attrs.update({"NX_class": "NXdata", "signal": "data"})
        g.create_dataset("data", shape=(0, 5), maxshape=(None, 5), chunks=(1, 5), dtype="f8")
        h = entry(f, "e2").create_group("d")
        h.attrs.update({"NX_class": "NXdata", "signal": "data"})
        h.create_dataset("data", data=h5py.Empty("f8"))

    path = nexus(build)
    with pytest.warns(mapper.MapperWarning, match="empty dataspace"):
        (s,) = mapper.load(path, lazy=True)
    assert s["data"].shape == (0, 5)


def test_nxdata_behind_an_external_link_is_found_through_default(tmp_path):
    with h5py.File(tmp_path / "det.h5", "w") as f:
        write_nxdata(f.create_group("d"), np.arange(4.0))
    with h5py.File(tmp_path / "master.nxs", "w") as f:
        f.attrs["default"] = "entry"
        e = entry(f)
        e.attrs["default"] = "data"
        e["data"] = h5py.ExternalLink("det.h5", "/d")
    (s,) = mapper.load(tmp_path / "master.nxs")
    np.testing.assert_array_equal(s["data"], np.arange(4.0))


def test_bad_filter_and_tree_argument_types_are_check_problems(tmp_path):
    path = write_mapping(
        tmp_path,
        """options:
  flag: {type: boolean}
anchors:
  g: {path: "/*", select: each, filters: [{option: flag, match: exact}]}
signal:
  data: {path: /d}
  original_metadata: {tree: /, args: {max_array_size: many}}
""",
    )
    problems = mapper.check_file(path)
    assert any("must be a string or string_list option" in p for p in problems)
    assert any("max_array_size must be int, not 'many'" in p for p in problems)


def test_cli_options_follow_the_declared_types(nexus, capsys):
    def build(f):
        e = entry(f)
        write_nxdata(e.create_group("a1"), np.zeros(2))
        write_nxdata(e.create_group("b"), np.zeros(3))

    path = nexus(build)
    assert main(["show", str(path), "-o", "dataset_key=1", "-o", "use_default=false"]) == 0
    out = capsys.readouterr().out
    assert "1 signal(s)" in out and "'a1'" in out
    assert main(["show", str(path), "-o", "use_default=perhaps"]) == 2
    assert "expected true or false" in capsys.readouterr().err


def test_cli_misspelt_option_gets_a_suggestion(nexus, capsys):
    path = nexus(lambda f: write_nxdata(entry(f).create_group("d"), np.zeros(2)))
    assert main(["show", str(path), "-o", "dataset_keys=x"]) == 2
    assert "did you mean 'dataset_key'?" in capsys.readouterr().err


def test_cli_load_writes_valid_json_with_nan(nexus, capsys):
    import json

    def build(f):
        g = write_nxdata(entry(f).create_group("d"), np.zeros(3), ["x"])
        g["x"] = np.array([0.0, np.nan, 2.0])

    assert main(["load", str(nexus(build))]) == 0
    doc = json.loads(capsys.readouterr().out)  # strict JSON: no NaN tokens
    assert doc["signals"][0]["axes"][0]["axis"] == [0.0, None, 2.0]


def test_check_file_with_a_single_string_search_path(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "parent.yaml").write_text(
        HEAD.replace("name: m", "name: parent") + "signal:\n  data: {path: /d}\n"
    )
    child = tmp_path / "child.yaml"
    child.write_text('mapping: "1"\nname: child\nextends: parent\n')
    assert mapper.check_file(child, str(lib)) == []


# ----------------------------------------------------------------------------- review of issue 3
@pytest.mark.parametrize("units", ["counts", "percent", "1", "", " "])
def test_a_dimensionless_unit_is_not_an_angle(tmp_path, units):
    from nxtomo_files import write_nxtomo

    path = write_nxtomo(tmp_path / "f.nxs", angle_units=units)
    report = mapper.validate(path, schema="nxtomo")
    units_findings = [
        f for f in report.findings if f.rule == "units" and f.path == "/entry/sample/rotation_angle"
    ]
    assert units_findings, report
    assert units_findings[0].severity == ("warning" if not units.strip() else "error")


@pytest.mark.parametrize("units", ["degree", "deg", "rad", "mrad", "arcsec"])
def test_real_angle_units_pass(tmp_path, units):
    from nxtomo_files import write_nxtomo

    report = mapper.validate(write_nxtomo(tmp_path / "f.nxs", angle_units=units), "nxtomo")
    assert not [f for f in report.findings if f.rule == "units"]


def test_a_symlinked_subfolder_is_validated_once(tmp_path, capsys):
    from nxtomo_files import write_nxtomo

    real = tmp_path / "incoming"
    real.mkdir()
    write_nxtomo(real / "a.nxs", probe="muon")
    top = tmp_path / "top"
    top.mkdir()
    (top / "linked").symlink_to(real)
    (top / "again").symlink_to(top)  # a loop must not hang the walk
    code = main(["validate", "--schema", "nxtomo", str(top)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.strip().splitlines()[-1] == "1 file(s): 0 valid, 1 invalid, 0 not checked"


def test_a_virtual_dataset_with_a_missing_source_is_a_finding(tmp_path):
    from nxtomo_files import N_FRAMES, NX, NY, write_nxtomo

    def virtual(f: h5py.File) -> None:
        layout = h5py.VirtualLayout(shape=(N_FRAMES, NY, NX), dtype="uint16")
        layout[:] = h5py.VirtualSource("frames_still_copying.h5", "data", (N_FRAMES, NY, NX))
        del f["entry/data/data"]
        del f["entry/instrument/detector/data"]
        f["entry/instrument/detector"].create_virtual_dataset("data", layout, fillvalue=0)
        f["entry/data/data"] = f["entry/instrument/detector/data"]

    report = mapper.validate(write_nxtomo(tmp_path / "f.nxs", extra=virtual), "nxtomo")
    (finding,) = [f for f in report.errors if f.rule == "link"]
    assert finding.path == "/entry/instrument/detector/data"
    assert "frames_still_copying.h5 is missing" in finding.message


def test_one_broken_entry_does_not_hide_the_others(tmp_path):
    from nxtomo_files import write_nxtomo

    def second(f: h5py.File) -> None:
        f.copy("entry", "entry_b")
        f["entry_b/instrument"].attrs["NX_class"] = "NXfoo"

    path = write_nxtomo(tmp_path / "f.nxs", extra=second)
    with pytest.warns(mapper.MapperWarning, match="signal skipped.*instrument"):
        signals = mapper.load(path)
    assert len(signals) == 1
    report = mapper.validate(path)
    assert {(f.rule, f.path) for f in report.errors} == {("nx_class", "/entry_b/instrument")}
