"""A small signal under 12,000 metadata datasets: ``mapper.load`` vs RosettaSciIO.

Target: ``mapper.load(path)`` is at least 5x faster than
``rsciio.nexus.file_reader(path, nxdata_only=True)`` on the same file
(speed-up = rsciio time / our time).

The file holds one NXdata (float64 (10, 100) with two axis fields) and 12,000
small datasets (float and integer scalars, short strings, a few 3-element
vectors) spread over ``entry/instrument/group_XXX/field_YY``, many with a
``units`` attribute and some with a ``description``. Both readers must return
one signal; both walk the entry into ``original_metadata``. The first call of
each (imports, mapping parse) is untimed and printed separately.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from _common import (
    Result,
    TempDir,
    fmt_time,
    header,
    interleaved,
    nexus_skeleton,
    print_result,
    summary,
)

NAME = "metadata 12k datasets"
TARGET = 5.0
N_GROUPS = 400
N_FIELDS = 30  # 400 x 30 = 12,000 datasets
REPEAT = 5
UNITS = ["mm", "eV", "s", "K", "mrad", "A", "V", "Hz"]


def make_file(path: Path, n_groups: int = N_GROUPS, n_fields: int = N_FIELDS) -> int:
    """Write the file; return the number of metadata datasets."""
    rng = np.random.default_rng(1)
    count = 0
    with h5py.File(path, "w") as f:
        entry, data = nexus_skeleton(f, ["y", "x"])
        data.create_dataset("data", data=rng.random((10, 100)))
        data.create_dataset("y", data=np.arange(10.0)).attrs["units"] = "mm"
        data.create_dataset("x", data=np.linspace(0, 1, 100)).attrs["units"] = "eV"
        inst = entry.create_group("instrument")
        inst.attrs["NX_class"] = "NXinstrument"
        for g in range(n_groups):
            grp = inst.create_group(f"group_{g:03d}")
            grp.attrs["NX_class"] = "NXcollection"
            for k in range(n_fields):
                name = f"field_{k:02d}"
                kind = k % 5
                if kind in (0, 1):
                    ds = grp.create_dataset(name, data=float(rng.normal()))
                    ds.attrs["units"] = UNITS[(g + k) % len(UNITS)]
                elif kind == 2:
                    ds = grp.create_dataset(name, data=int(rng.integers(0, 10_000)))
                elif kind == 3:
                    ds = grp.create_dataset(name, data=f"setting {g}-{k} ok")
                else:
                    ds = grp.create_dataset(name, data=rng.normal(size=3))
                    ds.attrs["units"] = "mm"
                    ds.attrs["description"] = f"position of motor {g}.{k}"
                count += 1
    return count


def run(repeat: int = REPEAT) -> list[Result]:
    """Generate the file, time both readers, print and return one :class:`Result`."""
    import mapper

    header(f"{NAME}: mapper.load(path) vs rsciio.nexus.file_reader(path, nxdata_only=True)")
    with TempDir("meta") as tmp:
        path = tmp / "meta.nxs"
        t0 = time.perf_counter()
        n = make_file(path)
        t_make = time.perf_counter() - t0

        t0 = time.perf_counter()
        from rsciio.nexus import file_reader

        t_imp = time.perf_counter() - t0

        def ours() -> Any:
            return mapper.load(path)

        def baseline() -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return file_reader(str(path), nxdata_only=True)

        t0 = time.perf_counter()
        a = ours()
        first_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        b = baseline()
        first_base = time.perf_counter() - t0
        check = _check(a, b)
        del a, b
        times = interleaved({"ours": ours, "baseline": baseline}, repeat=repeat, warmup=0)
    best_o, best_b = min(times["ours"]), min(times["baseline"])
    med_o, med_b = statistics.median(times["ours"]), statistics.median(times["baseline"])
    notes = [
        f"file: {n} metadata datasets in {N_GROUPS} groups, NXdata float64 (10, 100); "
        f"written in {t_make:.1f} s",
        *check,
        f"first call (untimed): ours {fmt_time(first_ours)}, rsciio {fmt_time(first_base)} "
        f"(rsciio import {fmt_time(t_imp)})",
        f"ours     ({summary(times['ours'])})",
        f"baseline ({summary(times['baseline'])})",
        f"median speed-up rsciio/ours = {med_b / med_o:.1f}x; best-of-{repeat} compared below",
    ]
    r = Result(NAME, best_o, best_b, TARGET, "min_speedup", notes=notes)
    print_result(r)
    return [r]


def _count_leaves(tree: Any) -> int:
    if isinstance(tree, dict):
        if "value" in tree and set(tree) <= {"value", "attrs"}:
            return 1
        return sum(_count_leaves(v) for k, v in tree.items() if k != "attrs")
    return 1


def _check(ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"signals: ours {len(ours)}, rsciio {len(base)} "
        f"-> {'OK (1 each)' if len(ours) == len(base) == 1 else 'MISMATCH'}"
    ]
    if ours and base:
        same = np.allclose(np.asarray(ours[0]["data"]), np.asarray(base[0]["data"]))
        lines.append(f"signal data equal: {same}")
        om_o = ours[0].get("original_metadata", {})
        om_b = base[0].get("original_metadata", {})
        lines.append(
            f"original_metadata leaves: ours {_count_leaves(om_o)}, rsciio {_count_leaves(om_b)}"
        )
    return lines


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0 (a report, not a test)."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
