"""Import time of ``import mapper`` vs ``import numpy, h5py, yaml, jsonschema``.

Target: ``import mapper`` takes at most 1.5x the time of importing the four
libraries it builds on. Each import runs in a fresh interpreter
(``python -c ...``), the three commands alternate, and the median of many runs
is taken. The bare interpreter start-up (``python -c pass``) is subtracted from
both so the ratio compares the imports themselves; raw and net numbers are
printed.

It also lists which heavy modules ``import mapper`` pulls in: dask, pint,
pyUSID and jsonschema must not be imported until they are needed.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _common import Result, fmt_time, header, print_result

NAME = "import mapper"
TARGET = 1.5
REPEAT = 31
COMMANDS = {
    "bare": "pass",
    "ours": "import mapper",
    "ready": "import mapper; mapper.load",  # the first use imports h5py, numpy, the engine
    "baseline": "import numpy, h5py, yaml, jsonschema",
}
MUST_NOT_IMPORT = ["dask", "pint", "pyUSID", "jsonschema"]
WATCH = [
    "numpy",
    "h5py",
    "yaml",
    "dask",
    "pint",
    "pyUSID",
    "sidpy",
    "jsonschema",
    "referencing",
    "rpds",
    "scipy",
    "pandas",
    "matplotlib",
    "rsciio",
    "hyperspy",
    "toolz",
    "fsspec",
    "cloudpickle",
    "nexusformat",
    "xarray",
    "numba",
    "IPython",
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(code: str, cwd: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def time_imports(repeat: int = REPEAT, warmup: int = 2) -> dict[str, list[float]]:
    """Wall time of each command in fresh interpreters, alternating the order."""
    names = list(COMMANDS)
    times: dict[str, list[float]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="mapper-bench-import-") as cwd:
        for _ in range(warmup):  # byte-compile, fill the OS file cache
            for n in names:
                _run(COMMANDS[n], cwd)
        for i in range(repeat):
            order = names if i % 2 == 0 else names[::-1]
            for n in order:
                times[n].append(_run(COMMANDS[n], cwd))
    return times


def imported_modules(code: str = "import mapper") -> list[str]:
    """Top-level names of every module in ``sys.modules`` after ``code``, in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    with tempfile.TemporaryDirectory(prefix="mapper-bench-import-") as cwd:
        out = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=cwd,
            env=_env(),
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def importtime_top(code: str = "import mapper", n: int = 10) -> list[tuple[int, str]]:
    """The ``n`` top-level packages with the largest cumulative ``-X importtime``, in us."""
    with tempfile.TemporaryDirectory(prefix="mapper-bench-import-") as cwd:
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            cwd=cwd,
            env=_env(),
            check=True,
            capture_output=True,
            text=True,
        )
    best: dict[str, int] = {}
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        parts = line[len("import time:") :].split("|")  # self | cumulative | name
        if len(parts) != 3:
            continue
        top = parts[2].strip().split(".")[0]
        best[top] = max(best.get(top, 0), int(parts[1]))
    return sorted(((us, name) for name, us in best.items()), reverse=True)[:n]


def run(repeat: int = REPEAT) -> list[Result]:
    """Time the imports, list heavy modules, print and return one :class:`Result`."""
    header(f"{NAME}: fresh interpreters, median of {repeat} (start-up subtracted)")
    times = time_imports(repeat)
    med = {n: statistics.median(v) for n, v in times.items()}
    net_ours = med["ours"] - med["bare"]
    net_base = med["baseline"] - med["bare"]

    mods = imported_modules()
    loaded = [m for m in WATCH if m in mods]
    bad = [m for m in MUST_NOT_IMPORT if m in mods]
    base_mods = imported_modules(COMMANDS["baseline"])
    notes = [
        f"bare `python -c pass`            : median {fmt_time(med['bare'])}",
        f"raw  `{COMMANDS['ours']}`              : median {fmt_time(med['ours'])}",
        f"raw  `{COMMANDS['baseline']}`: median {fmt_time(med['baseline'])}",
        f"raw ratio ours/baseline = {med['ours'] / med['baseline']:.3f}",
        f"net  ours {fmt_time(net_ours)}, baseline {fmt_time(net_base)} (start-up subtracted)",
        f"net  `{COMMANDS['ready']}` (import + first use): "
        f"{fmt_time(med['ready'] - med['bare'])}, ratio to baseline "
        f"{(med['ready'] - med['bare']) / net_base:.3f}",
        f"modules in sys.modules after `import mapper`: {len(mods)} top-level "
        f"(baseline import: {len(base_mods)})",
        f"heavy/notable modules loaded by `import mapper`: {', '.join(loaded) or 'none'}",
        "must NOT be imported by `import mapper`: "
        + ", ".join(f"{m}={'IMPORTED' if m in mods else 'no'}" for m in MUST_NOT_IMPORT)
        + (" -> OK" if not bad else f" -> PROBLEM: {', '.join(bad)}"),
        "largest cumulative -X importtime of `import mapper` (one run): "
        + ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in importtime_top()),
    ]
    r = Result(NAME, net_ours, net_base, TARGET, "max_ratio", notes=notes)
    if bad:
        r.notes.append(f"WARNING: {', '.join(bad)} imported eagerly")
    print_result(r)
    return [r]


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0 (a report, not a test)."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
