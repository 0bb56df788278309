"""Installed packages add built-ins and conventions through the ``mapper.plugins`` entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py

PLUGIN = '''
"""A facility's plug-in: one transform and one convention (groups typed by @kind)."""
from mapper.registry import REGISTRY, Convention, transform

transform("demo.upper", lambda v: str(v).upper(), lambda v: str(v).lower(), "Upper case.")
REGISTRY.register(
    Convention("demo", doc="Groups typed by @kind.", class_attr="kind", class_pattern=r"K[a-z]+")
)
'''

MAPPING = """
mapping: "1"
name: demo
convention: demo
anchors:
  run: {path: "/Krun"}
signal:
  data: {path: "{run}/d"}
  metadata:
    General.title: {path: "{run}/title", transform: demo.upper}
"""


def _install(tmp_path: Path, module: str, body: str) -> Path:
    """A package 'installed' into a folder: its module and its dist-info with entry points."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[mapper.plugins]\n{module} = {module}\n")
    return site


def _run(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_an_installed_plugin_adds_a_transform_and_a_convention(tmp_path):
    site = _install(tmp_path, "mapper_demo_plugin", PLUGIN)
    (tmp_path / "demo.yaml").write_text(MAPPING)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        g = f.create_group("run")
        g.attrs["kind"] = "Krun"
        g["d"] = [1, 2, 3]
        g["title"] = "scan one"
        f.create_group("other").attrs["kind"] = "Kcal"
    code = (
        "import mapper, sys\n"
        f"m = {str(tmp_path / 'demo.yaml')!r}\n"
        "assert mapper.check_file(m) == [], mapper.check_file(m)\n"
        f"s = mapper.load({str(tmp_path / 'f.h5')!r}, schema=m)\n"
        "print(s[0]['metadata']['General']['title'], s[0]['data'].tolist())\n"
    )
    result = _run(site, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SCAN ONE [1, 2, 3]"


def test_without_the_plugin_the_mapping_says_what_is_missing(tmp_path):
    (tmp_path / "demo.yaml").write_text(MAPPING)
    result = _run(
        tmp_path, f"import mapper; print(mapper.check_file({str(tmp_path / 'demo.yaml')!r}))"
    )
    assert result.returncode == 0, result.stderr
    assert "unknown convention 'demo'" in result.stdout


def test_a_broken_plugin_warns_and_the_rest_works(tmp_path):
    site = _install(tmp_path, "mapper_broken_plugin", "raise RuntimeError('no licence server')\n")
    code = (
        "import warnings, mapper\n"
        "from mapper.registry import REGISTRY\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    names = REGISTRY.names('transform')\n"
        "print('string' in names, [str(x.message) for x in w])\n"
    )
    result = _run(site, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True ")
    assert "mapper plug-in 'mapper_broken_plugin'" in result.stdout
    assert "no licence server" in result.stdout
