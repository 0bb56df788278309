"""The code stays ruff-clean, ruff-formatted and mypy-strict clean (part of the test run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff")
    assert ruff is not None, 'ruff is a test dependency: pip install -e ".[test]"'
    result = subprocess.run(
        [ruff, "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_clean():
    ruff = shutil.which("ruff")
    assert ruff is not None, 'ruff is a test dependency: pip install -e ".[test]"'
    result = subprocess.run(
        [ruff, "format", "--check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, "ruff format would change:\n" + result.stdout + result.stderr


def test_mypy_strict_clean():
    mypy = shutil.which("mypy")
    assert mypy is not None, 'mypy is a test dependency: pip install -e ".[test]"'
    # [tool.mypy] in pyproject.toml: strict = true, files = ["mapper"]
    result = subprocess.run([mypy], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
