"""HSpy write and read of an 8 MiB gzip signal: ``mapper`` vs RosettaSciIO's hspy plugin.

Targets:

* write: ``mapper.save(path, signal, schema="hspy", overwrite=True)`` takes at
  most 1.05x the time of ``rsciio.hspy.file_writer(path, signal)``, both with
  their defaults (gzip level 4 + shuffle, whole-signal chunks of about 1 MB);
* read: ``mapper.load(path, schema="hspy")`` takes at most the time of
  ``rsciio.hspy.file_reader(path)`` (ratio <= 1.0), on the file written by
  RosettaSciIO and on the one written by mapper. Both name the format; the
  time of ``mapper.load(path)``, which detects it, is printed for information.

Untimed checks first: both writers produce the same chunk shape and filter
pipeline (printed), and every file reads back to the same data with both
readers. Writes delete their own target untimed before each call, so both
sides create a new file every time (an "overwrite an existing file" variant is
printed for information). Reads come from the OS page cache. A lazy read
(``lazy=True`` then ``.compute()``) is printed for information, without a
target. Repetitions alternate ours / baseline; best times are compared, the
medians are printed too.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from _common import Result, TempDir, fmt_time, header, interleaved, print_result, summary

NAME_WRITE = "hspy write 8 MiB gzip"
NAME_READ = "hspy read 8 MiB gzip"
TARGET_WRITE = 1.05
TARGET_READ = 1.0
SHAPE = (32, 128, 256)  # float64: 8 MiB
NAVIGATE = [True, False, False]
DATA_PATH = "Experiments/bench/data"
REPEAT_WRITE = 9
REPEAT_READ = 15
REPEAT_LAZY = 9


def make_signal(shape: tuple[int, ...] = SHAPE) -> dict[str, Any]:
    """A HyperSpy-style signal dict (what ``rsciio.hspy.file_writer`` takes).

    The data are Poisson counts (a smooth peak drifting along the navigation
    axis over a flat background) stored as float64, as a spectrum image often
    is after processing: gzip + shuffle shrink them several times, unlike
    zeros (nearly free) or full-mantissa noise (hardly compressible).
    """
    rng = np.random.default_rng(0)
    z = np.arange(shape[0])[:, None, None]
    y = np.arange(shape[1])[None, :, None]
    x = np.arange(shape[2])[None, None, :]
    lam = 5.0 + 200.0 * np.exp(
        -((x - 100 - 2 * z) ** 2 / (2 * 40.0**2) + (y - 64) ** 2 / (2 * 25.0**2))
    )
    data = rng.poisson(lam).astype(np.float64)
    axes = [
        {
            "name": name,
            "units": units,
            "navigate": nav,
            "size": n,
            "scale": scale,
            "offset": 0.0,
            "is_binned": False,
            "_type": "UniformDataAxis",
        }
        for name, units, nav, n, scale in zip(
            ["time", "y", "x"], ["s", "nm", "nm"], NAVIGATE, shape, [0.1, 0.5, 0.5], strict=True
        )
    ]
    return {
        "data": data,
        "axes": axes,
        "metadata": {"General": {"title": "bench"}, "Signal": {"signal_type": ""}},
        "original_metadata": {},
        "learning_results": {},
        "attributes": {"_lazy": False},
        "models": {},
        "package_info": {"package": "", "package_version": ""},
        "tmp_parameters": {},
    }


def layout(path: Path) -> str:
    """Chunk shape, filter pipeline (id, name, values) and storage size of the signal's data."""
    with h5py.File(path, "r") as f:
        ds = f[DATA_PATH]
        plist = ds.id.get_create_plist()
        pipeline = []
        for i in range(plist.get_nfilters()):
            code, _flags, values, name = plist.get_filter(i)
            pipeline.append(f"{name.decode(errors='replace') or code}{tuple(values)}")
        return (
            f"chunks {ds.chunks}, filters [{', '.join(pipeline)}], "
            f"stored {ds.id.get_storage_size() / 2**20:.2f} MiB"
        )


def _filters(path: Path) -> tuple[Any, ...]:
    with h5py.File(path, "r") as f:
        ds = f[DATA_PATH]
        plist = ds.id.get_create_plist()
        return (
            ds.chunks,
            ds.dtype,
            ds.shape,
            tuple(plist.get_filter(i)[:3] for i in range(plist.get_nfilters())),
        )


def run(
    repeat_write: int = REPEAT_WRITE, repeat_read: int = REPEAT_READ, repeat_lazy: int = REPEAT_LAZY
) -> list[Result]:
    """Write and read with both libraries, print and return two :class:`Result` rows."""
    from rsciio.hspy import file_reader, file_writer

    import mapper

    header(f"{NAME_WRITE} / read: mapper.save / mapper.load vs rsciio.hspy")
    sig = make_signal()
    data = sig["data"]
    results: list[Result] = []
    with TempDir("hspy") as tmp:
        # ------------------------------------------------------------ untimed checks
        m_file, r_file = tmp / "by_mapper.hspy", tmp / "by_rsciio.hspy"
        mapper.save(m_file, sig, schema="hspy", overwrite=True)
        file_writer(str(r_file), sig)
        for who, path in (("mapper", m_file), ("rsciio", r_file)):
            print(
                f"   written by {who} : {layout(path)}, file {path.stat().st_size / 2**20:.2f} MiB"
            )
        assert _filters(m_file) == _filters(r_file), "the two writers store the data differently"
        for path in (m_file, r_file):
            got_m = mapper.load(path)
            got_r = file_reader(str(path))
            assert len(got_m) == len(got_r) == 1, f"{path.name}: expected one signal each"
            assert np.array_equal(got_m[0]["data"], data), f"{path.name}: mapper reads other data"
            assert np.array_equal(got_r[0]["data"], data), f"{path.name}: rsciio reads other data"
            assert got_m[0]["data"].dtype == got_r[0]["data"].dtype == np.float64
            nav = [ax["navigate"] for ax in got_m[0]["axes"]]
            assert nav == [ax["navigate"] for ax in got_r[0]["axes"]] == NAVIGATE, nav
            del got_m, got_r
        print("   round trip: both files read back equal to the input with both readers")

        # ------------------------------------------------------------ write
        w_m, w_r = tmp / "w_mapper.hspy", tmp / "w_rsciio.hspy"
        targets = {"ours": w_m, "baseline": w_r}

        def save_ours() -> Any:
            return mapper.save(w_m, sig, schema="hspy", overwrite=True)

        def save_base() -> Any:
            return file_writer(str(w_r), sig)

        def delete(name: str) -> None:
            targets[name].unlink(missing_ok=True)

        writers = {"ours": save_ours, "baseline": save_base}
        wt = interleaved(writers, repeat=repeat_write, warmup=1, before=delete)
        assert _filters(w_m) == _filters(w_r)
        # information: each side replaces its existing file (mapper: temporary + rename;
        # rsciio: h5py mode "w", truncating in place)
        wo = interleaved(writers, repeat=repeat_write, warmup=0)
        med = {k: statistics.median(v) for k, v in wt.items()}
        notes = [
            f"signal float64 {SHAPE} ({data.nbytes / 2**20:.0f} MiB), navigate {NAVIGATE}, "
            "gzip + shuffle, default chunks on both sides",
            "each side deletes its target untimed before every call (both create a new file)",
            f"ours     ({summary(wt['ours'])})",
            f"baseline ({summary(wt['baseline'])})",
            f"median ratio ours/baseline = {med['ours'] / med['baseline']:.3f}; "
            f"best-of-{repeat_write} compared below",
            f"info, overwriting the existing file: ours best {fmt_time(min(wo['ours']))} / "
            f"median {fmt_time(statistics.median(wo['ours']))}, baseline best "
            f"{fmt_time(min(wo['baseline']))} / median "
            f"{fmt_time(statistics.median(wo['baseline']))}, ratio best "
            f"{min(wo['ours']) / min(wo['baseline']):.3f}, median "
            f"{statistics.median(wo['ours']) / statistics.median(wo['baseline']):.3f}",
        ]
        r = Result(NAME_WRITE, min(wt["ours"]), min(wt["baseline"]), TARGET_WRITE, notes=notes)
        print(f"-- {r.name}")
        print_result(r)
        results.append(r)

        # ------------------------------------------------------------ read (eager)
        for label, path in (("rsciio-written", r_file), ("mapper-written", m_file)):

            def load_ours(path: Path = path) -> Any:
                return mapper.load(path, schema="hspy")  # like rsciio.hspy: format named

            def load_detect(path: Path = path) -> Any:
                return mapper.load(path)  # the format detected from the file

            def load_base(path: Path = path) -> Any:
                return file_reader(str(path))

            rt = interleaved(
                {"ours": load_ours, "detect": load_detect, "baseline": load_base},
                repeat=repeat_read,
                warmup=1,
            )
            med = {k: statistics.median(v) for k, v in rt.items()}
            notes = [
                f"file {path.name} ({label}), read eagerly from the OS page cache",
                f"ours     ({summary(rt['ours'])}), mapper.load(path, schema='hspy')",
                f"detect   ({summary(rt['detect'])}), mapper.load(path): ratio best "
                f"{min(rt['detect']) / min(rt['baseline']):.3f} (information)",
                f"baseline ({summary(rt['baseline'])})",
                f"median ratio ours/baseline = {med['ours'] / med['baseline']:.3f}; "
                f"best-of-{repeat_read} compared below",
            ]
            r = Result(
                f"{NAME_READ} ({label})",
                min(rt["ours"]),
                min(rt["baseline"]),
                TARGET_READ,
                notes=notes,
            )
            print(f"-- {r.name}")
            print_result(r)
            results.append(r)

        # ------------------------------------------------------------ lazy (information)
        def lazy_ours() -> np.ndarray:
            return mapper.load(r_file, lazy=True)[0]["data"].compute()

        def lazy_base() -> np.ndarray:
            return file_reader(str(r_file), lazy=True)[0]["data"].compute()

        def close_lazy_handles(_name: str = "") -> None:
            # rsciio keeps every lazily read file open (tracked, closed by its next write
            # of that name); close them untimed so open handles do not pile up
            from rsciio.hspy import _api as rsciio_hspy

            close = getattr(rsciio_hspy, "_close_tracked_handles", None)
            if close is not None:
                close(str(r_file))

        a, b = lazy_ours(), lazy_base()
        assert np.array_equal(a, data) and np.array_equal(b, data)
        del a, b
        chunks_m = mapper.load(r_file, lazy=True)[0]["data"].chunksize
        chunks_r = file_reader(str(r_file), lazy=True)[0]["data"].chunksize
        lt = interleaved(
            {"ours": lazy_ours, "baseline": lazy_base},
            repeat=repeat_lazy,
            warmup=1,
            before=close_lazy_handles,
        )
        close_lazy_handles()
        print(f"-- info: lazy read + compute of {r_file.name} (no target)")
        print(f"   dask chunks: ours {chunks_m}, baseline {chunks_r}")
        print(f"   ours     ({summary(lt['ours'])})")
        print(f"   baseline ({summary(lt['baseline'])})")
        print(
            f"   ratio ours/baseline: best {min(lt['ours']) / min(lt['baseline']):.3f}, median "
            f"{statistics.median(lt['ours']) / statistics.median(lt['baseline']):.3f}"
        )
    return results


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0 (a report, not a test)."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
