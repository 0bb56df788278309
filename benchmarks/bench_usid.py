"""USID read and write of an 8 MiB scan: ``mapper`` vs RosettaSciIO's USID plugin (pyUSID).

Targets:

* read: ``mapper.load(path, schema="usid")`` takes at most the time of
  ``rsciio.usid.file_reader(path)`` (ratio <= 1.0), on a file written by
  pyUSID (through RosettaSciIO's writer) and on one written by mapper;
  pyUSID's own ``USIDataset.get_n_dim_form()`` is printed for information;
* write: ``mapper.save(path, signal, schema="usid")`` takes at most the time
  of ``rsciio.usid.file_writer(path, signal)`` (ratio <= 1.0).

pyUSID 0.0.12 calls ``np.product``, removed in numpy 2: this script sets
``numpy.product = numpy.prod`` before RosettaSciIO's writer runs (mapper does
not need it). Untimed checks first: every file reads back to the same N-D
data with both readers. Repetitions alternate ours / baseline; best times are
compared, the medians are printed too.
"""

from __future__ import annotations

import statistics
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from _common import Result, TempDir, header, interleaved, print_result, summary

NAME_READ = "usid read 8 MiB"
NAME_WRITE = "usid write 8 MiB"
TARGET = 1.0
SHAPE = (64, 64, 512)  # float32: 8 MiB; (Y, X) positions, 512 spectroscopic steps
REPEAT = 9


def make_signal() -> dict[str, Any]:
    """A spectrum image as RosettaSciIO's USID writer takes it (uniform axes)."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=SHAPE).astype(np.float32)
    axes = [
        {"name": n, "units": u, "navigate": nav, "size": s, "scale": sc, "offset": 0.0}
        for n, u, nav, s, sc in zip(
            ["Y", "X", "Frequency"],
            ["um", "um", "kHz"],
            [True, True, False],
            SHAPE,
            [0.1, 0.1, 0.5],
            strict=True,
        )
    ]
    return {
        "data": data,
        "axes": axes,
        "metadata": {"General": {"title": "Raw_Data"}},
        "original_metadata": {},
    }


def run(repeat: int = REPEAT) -> list[Result]:
    """Read and write with both libraries, print and return the :class:`Result` rows."""
    np.product = np.prod  # noqa: NPY003, NPY201  (pyUSID 0.0.12 calls np.product, gone in numpy 2)
    warnings.simplefilter("ignore")  # pyUSID and sidpy warn about their own deprecations
    import pyUSID
    from rsciio.usid import file_reader, file_writer

    import mapper

    header(f"{NAME_READ} / write: mapper.load / mapper.save vs rsciio.usid (pyUSID)")
    sig = make_signal()
    results: list[Result] = []
    with TempDir("usid") as tmp:
        m_file, r_file = tmp / "by_mapper.h5", tmp / "by_rsciio.h5"
        mapper.save(m_file, sig, schema="usid")
        file_writer(str(r_file), sig)
        for path in (m_file, r_file):
            ours = mapper.load(path, schema="usid")
            base = file_reader(str(path))
            assert len(ours) == len(base) == 1
            assert np.array_equal(ours[0]["data"], sig["data"]), path.name
            assert np.array_equal(base[0]["data"], sig["data"]), path.name
        print("   round trip: both files read back equal to the input with both readers")

        for label, path in (("pyUSID-written", r_file), ("mapper-written", m_file)):

            def load_ours(path: Path = path) -> Any:
                return mapper.load(path, schema="usid")

            def load_base(path: Path = path) -> Any:
                return file_reader(str(path))

            def n_dim(path: Path = path) -> Any:
                import h5py

                with h5py.File(path, "r") as f:
                    return pyUSID.USIDataset(
                        f["Measurement_000/Channel_000/Raw_Data"]
                    ).get_n_dim_form()

            rt = interleaved(
                {"ours": load_ours, "baseline": load_base, "pyusid": n_dim}, repeat=repeat, warmup=1
            )
            med = {k: statistics.median(v) for k, v in rt.items()}
            notes = [
                f"file {path.name} ({label}), float32 {SHAPE}, read eagerly (page cache)",
                f"ours     ({summary(rt['ours'])})",
                f"baseline ({summary(rt['baseline'])}), rsciio.usid.file_reader",
                f"pyUSID   ({summary(rt['pyusid'])}), USIDataset.get_n_dim_form(), "
                f"ratio ours/pyUSID best {min(rt['ours']) / min(rt['pyusid']):.3f}",
                f"median ratio ours/baseline = {med['ours'] / med['baseline']:.3f}",
            ]
            r = Result(
                f"{NAME_READ} ({label})", min(rt["ours"]), min(rt["baseline"]), TARGET, notes=notes
            )
            print(f"-- {r.name}")
            print_result(r)
            results.append(r)

        w_m, w_r = tmp / "w_mapper.h5", tmp / "w_rsciio.h5"
        targets = {"ours": w_m, "baseline": w_r}

        def save_ours() -> Any:
            return mapper.save(w_m, sig, schema="usid")

        def save_base() -> Any:
            return file_writer(str(w_r), sig)  # appends to an existing file: deleted before

        wt = interleaved(
            {"ours": save_ours, "baseline": save_base},
            repeat=repeat,
            warmup=1,
            before=lambda name: targets[name].unlink(missing_ok=True),
        )
        med = {k: statistics.median(v) for k, v in wt.items()}
        notes = [
            f"signal float32 {SHAPE}, uncompressed on both sides; each side deletes its "
            "target untimed before every call",
            f"ours     ({summary(wt['ours'])})",
            f"baseline ({summary(wt['baseline'])}), rsciio.usid.file_writer",
            f"median ratio ours/baseline = {med['ours'] / med['baseline']:.3f}",
        ]
        r = Result(NAME_WRITE, min(wt["ours"]), min(wt["baseline"]), TARGET, notes=notes)
        print(f"-- {r.name}")
        print_result(r)
        results.append(r)
    return results


if __name__ == "__main__":
    run()
