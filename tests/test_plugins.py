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


BROAD = """
from mapper.registry import REGISTRY, Convention

REGISTRY.register(
    Convention(
        "emd",
        class_attr="emd_group_type",
        class_pattern=r"[A-Z][A-Za-z]+",  # broad: would match many plain group names
        unit_categories={"LENGTH": "m"},
        in_category=lambda units, category: units in ("m", "nm", "um"),
    )
)
"""

EMD_MAPPING = """
mapping: "1"
name: emd
convention: emd
anchors:
  data: {path: "/**/Data", ancestor: Group}
signal:
  data: {path: "{data}/data/d", units_category: LENGTH}
"""


def test_a_plugin_convention_has_its_own_classes_and_categories(tmp_path):
    """A broad class pattern leaves the shipped mappings alone; ancestor: and units work."""
    site = _install(tmp_path, "mapper_emd_plugin", BROAD)
    (tmp_path / "emd.yaml").write_text(EMD_MAPPING)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        top = f.create_group("top")
        top.attrs["emd_group_type"] = "Group"
        g = top.create_group("data")
        g.attrs["emd_group_type"] = "Data"
        g["d"] = [1.0, 2.0]
        g["d"].attrs["units"] = "furlong"
    code = (
        "import mapper\n"
        f"m = {str(tmp_path / 'emd.yaml')!r}\n"
        "print(mapper.check_file(m))\n"
        "print(mapper.check_file('hspy'), mapper.check_file('usid'))\n"
        f"r = mapper.validate({str(tmp_path / 'f.h5')!r}, schema=m)\n"
        "print([(f.rule, f.path) for f in r.findings])\n"
    )
    result = _run(site, code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[]"
    assert lines[1] == "[] []"  # 'Experiments' is not taken for an emd class
    assert "('units', '/top/data/d')" in lines[2]


def test_an_unknown_convention_is_one_problem_not_a_cascade(tmp_path):
    (tmp_path / "m.yaml").write_text(
        'mapping: "1"\nname: m\nconvention: emd\nanchors:\n'
        '  e: {path: "/top:Group", ancestor: Group}\n'
        'signal:\n  data: {path: "{e}/d", units_category: LENGTH}\n'
        'layout:\n  "{e}/x": {class: Data, link_to: "{e}/d", target_attr: true}\n'
    )
    result = _run(
        tmp_path, f"import mapper; print(mapper.check_file({str(tmp_path / 'm.yaml')!r}))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("m.yaml:") == 2, result.stdout
    assert "unknown convention 'emd'" in result.stdout
    assert "link_to and class exclude each other" in result.stdout
