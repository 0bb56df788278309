"""Lazy load plus a full ``.sum().compute()`` of a gzip-chunked signal: mapper vs plain dask.

Target: ``mapper.load(path, lazy=True)[0]["data"].sum().compute()`` takes at
most 1.3x the time of ``dask.array.from_array(dset, chunks=dset.chunks).sum().compute()``
(the baseline opens the h5py file inside the timed region too).

The signal is uint16 (200, 512, 512) (100 MiB), gzip level 4, with smooth
structure plus Poisson noise so the compression does real work. Two on-disk
chunk layouts are measured: whole frames (1, 512, 512) and bricks (8, 256, 256).
The file is read once before timing (page cache warm); both sides run on dask's
default threaded scheduler. Repetitions alternate ours / baseline.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from _common import Result, TempDir, header, interleaved, nexus_skeleton, print_result, summary

TARGET = 1.3
SHAPE = (200, 512, 512)
LAYOUTS = [(1, 512, 512), (8, 256, 256)]
REPEAT = 9


def make_data(shape: tuple[int, ...] = SHAPE, seed: int = 0) -> np.ndarray:
    """Smooth drifting blobs on a background, with Poisson counting noise, as uint16."""
    rng = np.random.default_rng(seed)
    n, ny, nx = shape
    y = np.linspace(-1.0, 1.0, ny, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, nx, dtype=np.float32)[None, :]
    centres = rng.uniform(-0.7, 0.7, size=(6, 2)).astype(np.float32)
    widths = rng.uniform(0.08, 0.3, size=6).astype(np.float32)
    heights = rng.uniform(200.0, 2000.0, size=6).astype(np.float32)
    out = np.empty(shape, dtype=np.uint16)
    for i in range(n):
        drift = np.float32(0.2 * np.sin(2 * np.pi * i / n))
        frame = np.full((ny, nx), 100.0, dtype=np.float32)
        for (cy, cx), w, h in zip(centres, widths, heights, strict=True):
            frame += h * np.exp(-((y - cy - drift) ** 2 + (x - cx + drift) ** 2) / (2 * w * w))
        out[i] = np.minimum(rng.poisson(frame), 65535).astype(np.uint16)
    return out


def make_file(path: Path, data: np.ndarray, chunks: tuple[int, ...]) -> None:
    """A NeXus file with ``data`` as a gzip-4 chunked signal and three axis fields."""
    names = ["frame", "y", "x"]
    with h5py.File(path, "w") as f:
        _, grp = nexus_skeleton(f, names)
        grp.create_dataset("data", data=data, chunks=chunks, compression="gzip", compression_opts=4)
        for name, n in zip(names, data.shape, strict=True):
            grp.create_dataset(name, data=np.arange(n, dtype=np.float64))


def _graph_info(arr: Any) -> str:
    total = arr.sum()
    return (
        f"chunks {arr.chunksize}, {arr.npartitions} blocks, "
        f"{len(dict(arr.__dask_graph__()))} tasks in the array graph, "
        f"{len(dict(total.__dask_graph__()))} in the .sum() graph"
    )


def run_layout(path: Path, chunks: tuple[int, ...], expected: int, repeat: int) -> Result:
    """Time both sides on one file."""
    import dask
    import dask.array as da

    import mapper

    def ours() -> Any:
        return mapper.load(path, lazy=True)[0]["data"].sum().compute()

    def baseline() -> Any:
        with h5py.File(path, "r") as f:
            dset = f["entry/data/data"]
            return da.from_array(dset, chunks=dset.chunks).sum().compute()

    # graph shape, printed once (outside the timed region)
    sig = mapper.load(path, lazy=True)[0]["data"]
    info_ours = _graph_info(sig)
    with h5py.File(path, "r") as f:
        dset = f["entry/data/data"]
        info_base = _graph_info(da.from_array(dset, chunks=dset.chunks))
        disk = (dset.chunks, dset.compression, dset.compression_opts, dset.id.get_storage_size())

    # correctness, and warm the page cache
    s_ours, s_base = int(ours()), int(baseline())
    same = s_ours == s_base == expected
    times = interleaved({"ours": ours, "baseline": baseline}, repeat=repeat, warmup=0)
    best_o, best_b = min(times["ours"]), min(times["baseline"])
    med_o, med_b = statistics.median(times["ours"]), statistics.median(times["baseline"])
    raw = int(np.prod(SHAPE)) * 2
    notes = [
        f"on disk: uint16 {SHAPE}, chunks {disk[0]}, {disk[1]} level {disk[2]}, "
        f"{disk[3] / 2**20:.1f} MiB stored of {raw / 2**20:.0f} MiB "
        f"(ratio {raw / disk[3]:.2f})",
        f"dask scheduler: {dask.config.get('scheduler', None) or 'threads (default)'}",
        f"ours     dask: {info_ours}",
        f"baseline dask: {info_base}",
        f"sums: ours {s_ours}, baseline {s_base}, numpy {expected} -> "
        f"{'EQUAL' if same else 'DIFFERENT'}",
        f"ours     ({summary(times['ours'])})",
        f"baseline ({summary(times['baseline'])})",
        f"median ratio ours/baseline = {med_o / med_b:.3f}; best-of-{repeat} compared below",
    ]
    name = f"lazy sum gzip {'x'.join(map(str, chunks))}"
    r = Result(name, best_o, best_b, TARGET, "max_ratio", notes=notes)
    if not same:
        r.notes.append("WARNING: the sums differ; the timing is not meaningful")
    return r


def run(repeat: int = REPEAT, layouts: list[tuple[int, ...]] | None = None) -> list[Result]:
    """Generate the files, time both sides on each chunk layout."""
    header("lazy load + .sum().compute(): mapper vs dask.array.from_array(h5py dataset)")
    data = make_data()
    expected = int(data.sum(dtype=np.uint64))
    out = []
    with TempDir("lazy") as tmp:
        for chunks in layouts or LAYOUTS:
            path = tmp / f"lazy_{'x'.join(map(str, chunks))}.nxs"
            make_file(path, data, chunks)
            print(f"-- chunks {chunks}")
            r = run_layout(path, chunks, expected, repeat)
            print_result(r)
            out.append(r)
    return out


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
