"""The shipped YAML mappings are found from a built wheel, and through entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, env_path: Path, cwd: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(env_path))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=cwd
    ).stdout.strip()


def test_wheel_contains_and_finds_the_schemas(tmp_path):
    pytest.importorskip("hatchling")
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("hdf5_mapper-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mapper/_schemas/nxdata.yaml" in names
    assert "mapper/_schemas/mapping.schema.json" in names
    assert "mapper/py.typed" in names
    # the generated application definitions, their detection index, the base-class index
    assert "mapper/_schemas/nxdl/nxmx.yaml" in names
    assert "mapper/_schemas/nxdl/index.json" in names
    assert "mapper/_schemas/index.json" in names
    assert "mapper/conventions/nexus/nxdl/base_classes.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import mapper, mapper.language.schema as s; "
        "print(mapper.__file__); print(s.shipped_dir()); print(sorted(mapper.mappings()))"
    )
    lines = _run(code, site, tmp_path).splitlines()
    assert lines[0].startswith(str(site))
    assert lines[1] == str(site / "mapper" / "_schemas")
    assert "nxdata" in lines[2] and "nxmx" in lines[2] and "nxcansas" in lines[2]


def test_entry_point_directory_is_searched(tmp_path):
    pkg = tmp_path / "facility_maps"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from pathlib import Path\nDIR = Path(__file__).parent\n")
    (pkg / "beamline_x.yaml").write_text(
        'mapping: "1"\nname: beamline_x\nsignal:\n  data: {path: /d}\n'
    )
    dist = tmp_path / "facility_maps-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: facility-maps\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[mapper.schemas]\nfacility = facility_maps:DIR\n")
    code = "import mapper; print(sorted(mapper.mappings()))"
    out = _run(code, tmp_path, tmp_path)
    assert "beamline_x" in out and "nxdata" in out
