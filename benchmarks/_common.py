"""Shared helpers for the benchmarks: timing, temporary files, reporting.

Not a benchmark itself. Every ``bench_*.py`` imports this module by name, which
works both when a script is run directly (``python benchmarks/bench_eager.py``
puts ``benchmarks/`` on ``sys.path``) and from ``run_all.py``.
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One benchmark row: our time, the baseline's, and the target on their ratio.

    ``kind`` says how the target reads:

    * ``"max_ratio"``: met when ``ours / baseline <= target`` (we may be at most
      ``target`` times slower);
    * ``"min_speedup"``: met when ``baseline / ours >= target`` (we must be at
      least ``target`` times faster);
    * ``"max_time"``: met when ``ours <= target`` seconds (a budget; the
      baseline is printed, with the ratio, for scale).
    """

    name: str
    ours: float
    baseline: float
    target: float
    kind: str = "max_ratio"
    unit: str = "s"
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """ours / baseline."""
        return self.ours / self.baseline if self.baseline > 0 else float("inf")

    @property
    def speedup(self) -> float:
        """baseline / ours."""
        return self.baseline / self.ours if self.ours > 0 else float("inf")

    @property
    def met(self) -> bool:
        """Whether the target holds."""
        if self.kind == "min_speedup":
            return self.speedup >= self.target
        if self.kind == "max_time":
            return self.ours <= self.target
        return self.ratio <= self.target

    @property
    def target_text(self) -> str:
        """The target in words, e.g. ``ours/base <= 1.15``."""
        if self.kind == "min_speedup":
            return f"base/ours >= {self.target:g}"
        if self.kind == "max_time":
            return f"ours <= {fmt_time(self.target)}"
        return f"ours/base <= {self.target:g}"

    @property
    def ratio_text(self) -> str:
        """The measured ratio in the same direction as the target."""
        if self.kind == "min_speedup":
            return f"{self.ratio:.3f} (speed-up {self.speedup:.1f}x)"
        return f"{self.ratio:.3f}"


def fmt_time(seconds: float) -> str:
    """A time with a readable unit."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def interleaved(
    funcs: dict[str, Callable[[], Any]],
    repeat: int,
    warmup: int = 1,
    collect: bool = True,
    before: Callable[[str], None] | None = None,
) -> dict[str, list[float]]:
    """Time each function ``repeat`` times, alternating between them (A B A B ...).

    ``warmup`` untimed rounds run first. Results of each call are dropped (and
    garbage collected when ``collect``) before the next call, so one call's
    memory does not weigh on the next. The order inside a round alternates too
    (A B, then B A) so neither side always runs right after the other.
    ``before(name)``, when given, runs untimed before every call of ``name``
    (e.g. to delete the file a writer is about to create).
    """
    names = list(funcs)
    for _ in range(warmup):
        for name in names:
            if before is not None:
                before(name)
            out = funcs[name]()
            del out
            if collect:
                gc.collect()
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(repeat):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            if before is not None:
                before(name)
            if collect:
                gc.collect()
            t0 = time.perf_counter()
            out = funcs[name]()
            t1 = time.perf_counter()
            times[name].append(t1 - t0)
            del out
    return times


def summary(samples: list[float]) -> str:
    """``best / median / max`` of a list of times."""
    return (
        f"best {fmt_time(min(samples))}, median {fmt_time(statistics.median(samples))}, "
        f"max {fmt_time(max(samples))} (n={len(samples)})"
    )


class TempDir:
    """A temporary directory under the system temp dir (``/tmp``), removed on exit."""

    def __init__(self, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"mapper-bench-{prefix}-"))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def header(title: str) -> None:
    """Print a section header with the environment that matters for timings."""
    import h5py
    import numpy as np

    print(f"== {title}")
    print(
        f"   python {sys.version.split()[0]}, numpy {np.__version__}, h5py {h5py.__version__} "
        f"(HDF5 {h5py.version.hdf5_version}), {os.cpu_count()} CPUs, {load_average()}"
    )


def load_average() -> str:
    """The 1-minute load average (other processes skew timings on a small machine)."""
    try:
        return f"load average {os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover
        return "load average unknown"


def print_result(r: Result) -> None:
    """Print one result in full."""
    for line in r.notes:
        print(f"   {line}")
    print(f"   ours     : {fmt_time(r.ours)}")
    print(f"   baseline : {fmt_time(r.baseline)}")
    print(f"   ratio ours/baseline = {r.ratio:.3f}; speed-up baseline/ours = {r.speedup:.2f}x")
    print(f"   target   : {r.target_text} -> {'MET' if r.met else 'NOT MET'}")


def nexus_skeleton(f: Any, axes: list[str]) -> tuple[Any, Any]:
    """Create ``/entry`` (NXentry) and ``/entry/data`` (NXdata, @signal=data, @axes) in ``f``."""
    import h5py

    f.attrs["default"] = "entry"
    entry = f.create_group("entry")
    entry.attrs["NX_class"] = "NXentry"
    entry.attrs["default"] = "data"
    entry.create_dataset("title", data="benchmark scan")
    data = entry.create_group("data")
    data.attrs["NX_class"] = "NXdata"
    data.attrs["signal"] = "data"
    data.attrs.create("axes", data=axes, dtype=h5py.string_dtype())
    for i, name in enumerate(axes):
        data.attrs[f"{name}_indices"] = i
    return entry, data
