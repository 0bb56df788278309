"""Eager load of a 256 MiB contiguous NXdata signal: ``mapper.load`` vs plain h5py.

Target: ``mapper.load(path)`` takes at most 1.15x the time of
``h5py.File(path)['entry/data/data'][()]`` on the same file.

The file is written once to a temporary directory and read once by each side
before timing, so both read from the OS page cache (the disk is not what is
measured). Repetitions alternate ours / baseline; the best time of each is
compared (the median is printed too).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import h5py
import numpy as np
from _common import Result, TempDir, header, interleaved, nexus_skeleton, print_result, summary

NAME = "eager 256 MiB contiguous"
TARGET = 1.15
SHAPE = (64, 1024, 1024)  # float32: 256 MiB
REPEAT = 25


def make_file(path: Path, shape: tuple[int, ...] = SHAPE) -> None:
    """A NeXus file with one contiguous, uncompressed float32 signal and three axis fields."""
    rng = np.random.default_rng(0)
    names = ["frame", "y", "x"]
    with h5py.File(path, "w") as f:
        _, data = nexus_skeleton(f, names)
        dset = data.create_dataset("data", shape=shape, dtype="float32")  # contiguous
        for i in range(shape[0]):  # frame by frame: low peak memory while writing
            dset[i] = rng.random(shape[1:], dtype=np.float32)
        for name, n, units in zip(names, shape, ["", "nm", "nm"], strict=True):
            ax = data.create_dataset(name, data=np.linspace(0.0, n * 0.5, n))
            if units:
                ax.attrs["units"] = units
    with h5py.File(path, "r") as f:
        d = f["entry/data/data"]
        assert d.chunks is None and d.compression is None, "signal must be contiguous"


def run(repeat: int = REPEAT) -> list[Result]:
    """Generate the file, time both readers, print and return one :class:`Result`."""
    import mapper

    header(f"{NAME}: mapper.load(path) vs h5py [()]")
    with TempDir("eager") as tmp:
        path = tmp / "eager.nxs"
        make_file(path)
        size = path.stat().st_size

        def ours() -> np.ndarray:
            return mapper.load(path)[0]["data"]

        def baseline() -> np.ndarray:
            with h5py.File(path, "r") as f:
                return f["entry/data/data"][()]

        # correctness, and warm the page cache (both sides read the whole file once)
        a, b = ours(), baseline()
        assert a.shape == b.shape == SHAPE and a.dtype == b.dtype == np.float32
        assert np.array_equal(a, b), "mapper and h5py read different data"
        del a, b

        times = interleaved({"ours": ours, "baseline": baseline}, repeat=repeat, warmup=1)
    best_o, best_b = min(times["ours"]), min(times["baseline"])
    med_o, med_b = statistics.median(times["ours"]), statistics.median(times["baseline"])
    notes = [
        f"file: {size / 2**20:.0f} MiB, signal float32 {SHAPE}, contiguous, no compression",
        "page cache: warmed by one untimed read of each side first; both read from the OS cache",
        f"ours     ({summary(times['ours'])})",
        f"baseline ({summary(times['baseline'])})",
        f"median ratio ours/baseline = {med_o / med_b:.3f}; best-of-{repeat} compared below",
        f"throughput: ours {size / best_o / 2**30:.2f} GiB/s, "
        f"baseline {size / best_b / 2**30:.2f} GiB/s",
    ]
    r = Result(NAME, best_o, best_b, TARGET, "max_ratio", notes=notes)
    print_result(r)
    return [r]


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0 (a report, not a test)."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
