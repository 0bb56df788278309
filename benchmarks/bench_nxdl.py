"""The 85 application definitions: converting them, loading one, and what they cost detection.

Three rows, each timed in the same run as its baseline:

* **convert**: ``mapper.nxdl.convert_all`` on the 45 standard and 40
  contributed application definitions of ``../shared/nxdl`` (into a temporary
  folder, the base-class index included), in process, best of ``REPEAT``.
  Budget: 10 s. Baseline, for scale: ``xml.etree.ElementTree.parse`` of every
  ``.nxdl.xml`` file of the release (the least any converter must do).
  ``convert_all`` also loads and checks the 85 mappings it wrote, to write
  the folder's detection index.
* **load a generated mapping**: the first ``load_mapping("nxmx")`` in a fresh
  interpreter (find, YAML, ``extends``, check, build), after ``import mapper``
  and a first mapping (``nxdata``, which pays the one-time imports of numpy,
  h5py and the registry; printed); budget 20 ms. The second load in the
  same process is printed (cached: it must cost nothing measurable).
  Baseline, for scale: nexusformat's ``ApplicationValidator("NXmx")`` in a
  fresh interpreter.
* **detection on a plain file**: ``mapper.detect`` on a NeXus file with no
  definition (an NXdata file, which falls to ``nxdata``) in a fresh
  interpreter, with the 85 generated mappings on the search path (read from
  their detection index) against the same with only the five hand-written
  mappings (the generated folder taken off the search path). Target: the 85
  cost at most 1.5x.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from _common import Result, fmt_time, header, print_result

NAME = "application definitions"
ROOT = Path(__file__).resolve().parent.parent
NXDL = ROOT.parent / "shared" / "nxdl"
REPEAT = 3
FRESH_REPEAT = 9
CONVERT_BUDGET = 10.0
LOAD_BUDGET = 0.020
DETECT_TARGET = 1.5


def _fresh(code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def convert_row() -> Result:
    """Convert every application definition, ours against nexusformat reading them."""
    from mapper.conventions.nexus.nxdl.library import Library
    from mapper.nxdl import convert_all

    names = [d.name for d in Library(NXDL).applications()]
    ours, base = [], []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory(prefix="mapper-bench-nxdl-") as out:
            t0 = time.perf_counter()
            written = convert_all(NXDL, Path(out), index=Path(out) / "base_classes.json")
            ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for f in sorted(NXDL.glob("*/*.nxdl.xml")):
            ElementTree.parse(f)
        base.append(time.perf_counter() - t0)
    r = Result(f"convert {len(names)} NXDL definitions", min(ours), min(base), CONVERT_BUDGET)
    r.kind = "max_time"
    r.notes.append(f"{len(written)} files written per run (mappings and the base-class index)")
    r.notes.append(
        f"ours best {fmt_time(min(ours))}, median {fmt_time(statistics.median(ours))}; "
        f"ElementTree parsing every NXDL file of the release: best {fmt_time(min(base))}"
    )
    return r


_LOAD = """
import json, time
import mapper
from mapper.language.schema import load_mapping
t0 = time.perf_counter(); load_mapping("nxdata"); t1 = time.perf_counter()
m = load_mapping("nxmx"); t2 = time.perf_counter()
load_mapping("nxmx"); t3 = time.perf_counter()
print(json.dumps({"machinery": t1 - t0, "first": t2 - t1, "second": t3 - t2,
                  "layout": len(m.layout)}))
"""

_NX_LOAD = """
import json, time, logging, warnings
from nexusformat.nexus.validate import ApplicationValidator, logger
logger.handlers.clear(); logger.addHandler(logging.NullHandler()); logger.propagate = False
warnings.simplefilter("ignore")
t0 = time.perf_counter(); ApplicationValidator("NXmx"); t1 = time.perf_counter()
print(json.dumps({"first": t1 - t0}))
"""


def load_row() -> Result:
    """The first and second load of a generated mapping in a fresh interpreter."""
    ours = [_fresh(_LOAD) for _ in range(FRESH_REPEAT)]
    base = [_fresh(_NX_LOAD)["first"] for _ in range(FRESH_REPEAT)]
    first = statistics.median(o["first"] for o in ours)
    second = statistics.median(o["second"] for o in ours)
    r = Result("load mapping nxmx (first)", first, statistics.median(base), LOAD_BUDGET)
    r.kind = "max_time"
    r.notes.append(
        f"the process's first mapping (nxdata) pays the one-time imports (numpy, h5py, the "
        f"registry, jsonschema): median {fmt_time(statistics.median(o['machinery'] for o in ours))}"
    )
    r.notes.append(
        f"nxmx: {ours[0]['layout']} layout entries; first load median {fmt_time(first)} "
        f"(best {fmt_time(min(o['first'] for o in ours))}), second load median "
        f"{fmt_time(second)} (cached per process)"
    )
    r.notes.append(
        f"nexusformat ApplicationValidator('NXmx') in a fresh interpreter: median "
        f"{fmt_time(statistics.median(base))}"
    )
    return r


_DETECT = """
import json, sys, time
import mapper
from mapper.language import find
if sys.argv[1] == "without":
    top = find.shipped_dir()
    find._shipped_dirs.cache_clear()
    find._shipped_dirs = lambda: [top]
t0 = time.perf_counter(); name = mapper.detect(sys.argv[2]); t1 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "name": name}))
"""


def _plain_file(folder: Path) -> Path:
    import h5py
    import numpy as np

    path = folder / "plain.nxs"
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        data = entry.create_group("data")
        data.attrs.update({"NX_class": "NXdata", "signal": "counts"})
        data["counts"] = np.arange(10.0)
    return path


def detect_row() -> Result:
    """Detection on a plain NeXus file with and without the 85 generated mappings."""
    with tempfile.TemporaryDirectory(prefix="mapper-bench-detect-") as folder:
        plain = _plain_file(Path(folder))
        runs: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
        for i in range(FRESH_REPEAT):
            for which in ("with", "without") if i % 2 == 0 else ("without", "with"):
                out = subprocess.run(
                    [sys.executable, "-c", _DETECT, which, str(plain)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
    ours = statistics.median(r["first"] for r in runs["with"])
    base = statistics.median(r["first"] for r in runs["without"])
    r = Result("detect plain file, +85 mappings", ours, base, DETECT_TARGET)
    r.notes.append(
        f"detected: {runs['with'][0]['name']} (with), {runs['without'][0]['name']} (without); "
        f"first detection in a fresh interpreter, median of {FRESH_REPEAT}"
    )
    return r


def run() -> list[Result]:
    """Run the three rows; return their results."""
    header(NAME)
    if not NXDL.is_dir():
        print(f"   {NXDL} is absent: nothing to convert")
        return []
    results = [convert_row(), load_row(), detect_row()]
    for r in results:
        print_result(r)
    return results


if __name__ == "__main__":
    run()
