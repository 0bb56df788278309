"""Run every benchmark and print a summary table.

Usage::

    python benchmarks/run_all.py                 # all eight
    python benchmarks/run_all.py eager validate  # a subset: eager, lazy_sum, metadata, import,
                                                 # validate, hspy, usid, nxdl

Each benchmark prints its own details first. The exit code is always 0: this
is a report, not a test (a benchmark that crashes is shown as ERROR).
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_eager
import bench_hspy
import bench_import
import bench_lazy_sum
import bench_metadata
import bench_nxdl
import bench_usid
import bench_validate
from _common import Result, fmt_time, load_average

BENCHMARKS = {
    "eager": bench_eager,
    "lazy_sum": bench_lazy_sum,
    "metadata": bench_metadata,
    "import": bench_import,
    "validate": bench_validate,
    "hspy": bench_hspy,
    "usid": bench_usid,
    "nxdl": bench_nxdl,
}


def table(rows: list[tuple[str, Result | None, str]]) -> str:
    """The summary table as text (``rows``: benchmark key, result or None, error text)."""
    head = ("benchmark", "ours", "baseline", "ratio ours/base", "target", "met")
    lines: list[tuple[str, ...]] = [head]
    for key, r, err in rows:
        if r is None:
            lines.append((key, "-", "-", f"ERROR: {err}", "-", "no"))
            continue
        lines.append(
            (
                r.name,
                fmt_time(r.ours),
                fmt_time(r.baseline),
                r.ratio_text,
                r.target_text,
                "yes" if r.met else "no",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks (all by default) and print the table; returns 0."""
    names = argv if argv else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 0
    rows: list[tuple[str, Result | None, str]] = []
    t0 = time.perf_counter()
    for name in names:
        try:
            results = BENCHMARKS[name].run()
        except Exception as exc:  # a report: keep going, show the failure in the table
            traceback.print_exc()
            rows.append((name, None, f"{type(exc).__name__}: {exc}"))
            continue
        rows.extend((name, r, "") for r in results)
        print()
    print(f"== summary ({time.perf_counter() - t0:.0f} s in all, {load_average()} at the end)")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
