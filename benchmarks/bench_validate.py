"""Validating 200 small NXtomo files: ``mapper.validate`` vs nexusformat's ``nxvalidate``.

Target: ``mapper.validate(path, schema="nxtomo")`` is at least 5x faster per
file than nexusformat's application-definition validation of the same file
against NXtomo (speed-up = nexusformat time / our time).

The baseline is ``nexusformat.nexus.validate.validate_application(path,
application="NXtomo")``, the function the ``nxvalidate -a NXtomo FILE`` command
calls, with the command's default log level (WARNING). Its log output (a
``StreamHandler`` on stdout) is replaced by a handler that only counts records;
the original handlers are put back afterwards.

The 200 files are written with raw h5py by ``tests/nxtomo_files.py``
(``write_nxtomo``: a valid NXtomo entry, 12 frames of 6x8 uint16, hard-linked
NXdata). Before timing, the script checks that mapper reports no error or
warning on any of them, that nexusformat returns zero warnings and errors for
each and logged its header for each, that nexusformat walks the whole entry
(message count at INFO level on one file), and how many of the nine faults of
``tests/nxtomo_files.FAULTS`` each validator flags.

Three figures:

* warm, in process: both loops over the 200 files alternate, best of
  ``REPEAT`` rounds (the headline, ms per file). A third loop, for information
  only, reuses one nexusformat ``ApplicationValidator`` for all files, which
  ``validate_application`` rebuilds (NXDL parse and lint) for every file;
* cold, in a fresh interpreter: the imports plus the first file (mapping
  loading, pint import; nexusformat's NXDL parsing), and the second file;
* the command line: ``python -m mapper validate --schema nxtomo --jobs N DIR``
  over the 200 files as a subprocess, wall time including interpreter
  start-up, for ``--jobs 1`` and ``--jobs 2``, in files per second.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from _common import Result, TempDir, fmt_time, header, interleaved, print_result, summary

NAME = "validate 200 NXtomo files"
TARGET = 5.0
N_FILES = 200
REPEAT = 4
COLD_REPEAT = 3
CLI_REPEAT = 3
CLI_JOBS = (1, 2)
ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def _mapper() -> Any:
    """``mapper``: the installed one, else the one of this clone (children get the same)."""
    try:
        import mapper
    except ImportError:
        sys.path.insert(0, str(ROOT))
        import mapper
    return mapper


def _writer() -> Any:
    """``tests/nxtomo_files.py`` (the raw-h5py NXtomo writer of the test suite) as a module."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import nxtomo_files

    return nxtomo_files


def make_files(folder: Path, n: int = N_FILES) -> list[Path]:
    """Write ``n`` valid NXtomo files (``tomo_000.nxs`` ...) into ``folder``; return their paths."""
    w = _writer()
    return [
        w.write_nxtomo(folder / f"tomo_{i:03d}.nxs", sample_name=f"sample-{i:03d}")
        for i in range(n)
    ]


class _Counter(logging.Handler):
    """Counts log records (by level) instead of printing them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class _Silenced:
    """nexusformat's NXValidate logger with its handlers swapped for a :class:`_Counter`."""

    def __enter__(self) -> _Counter:
        from nexusformat.nexus.validate import logger

        self.logger = logger
        self.saved = (list(logger.handlers), logger.level)
        for h in self.saved[0]:
            logger.removeHandler(h)
        self.counter = _Counter()
        logger.addHandler(self.counter)
        logger.setLevel(logging.WARNING)  # nxvalidate's default (-w)
        return self.counter

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.counter)
        for h in self.saved[0]:
            self.logger.addHandler(h)
        self.logger.setLevel(self.saved[1])


def _nx_validate(path: Path) -> Any:
    from nexusformat.nexus.validate import validate_application

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return validate_application(str(path), application="NXtomo")


def _nx_reused(path: Path, validator: Any) -> Any:
    """``validate_application`` without its per-call NXDL parsing and lint: one validator reused.

    Not what ``nxvalidate`` does (it builds the validator for every file); printed
    for information, as the most favourable way to call nexusformat on many files.
    Gives the same (warnings, errors) as ``validate_application`` (checked in ``sanity``).
    """
    from nexusformat.nexus import nxopen
    from nexusformat.nexus.validate import logger

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nxopen(str(path)) as root:
            entry = root.NXentry[0]
            logger.total = {"warning": 0, "error": 0}
            validator.validate(entry)
    return (logger.total["warning"], logger.total["error"])


def _nx_validator() -> Any:
    from nexusformat.nexus.validate import ApplicationValidator

    return ApplicationValidator("NXtomo")


def _h5py_floor(files: list[Path], repeat: int = 3) -> float:
    """Best time per file to read everything a validator could look at, with h5py alone."""
    import h5py

    def touch(name: str, obj: Any) -> None:
        for key in obj.attrs:
            obj.attrs[key]
        if isinstance(obj, h5py.Dataset) and obj.size <= 4096:
            obj[()]

    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for p in files:
            with h5py.File(p, "r") as f:
                f.visititems(touch)
        best = min(best, (time.perf_counter() - t0) / len(files))
    return best


def sanity(files: list[Path], folder: Path, counter: _Counter) -> list[str]:
    """Check both validators on the files (untimed; also the warm-up); return note lines."""
    import mapper

    lines = []
    reports = [mapper.validate(p, schema="nxtomo") for p in files]
    n_err = sum(len(r.errors) for r in reports)
    n_warn = sum(len(r.warnings) for r in reports)
    ok = all(r.ok for r in reports)
    lines.append(
        f"check mapper: {sum(r.ok for r in reports)}/{len(files)} ok, {n_err} errors, "
        f"{n_warn} warnings -> {'OK' if ok and not n_err and not n_warn else 'PROBLEM'}"
    )
    counter.records.clear()
    totals = [_nx_validate(p) for p in files]
    clean = sum(t == (0, 0) for t in totals)
    per_file = len(counter.records) / len(files)
    lines.append(
        f"check nexusformat: {clean}/{len(files)} returned (0 warnings, 0 errors), "
        f"{per_file:.0f} log records per file (header and summary) -> "
        f"{'OK' if clean == len(files) and per_file > 0 else 'PROBLEM'}"
    )
    # At INFO level nexusformat logs every field and group it checked: proof it walked the entry.
    counter.records.clear()
    from nexusformat.nexus.validate import logger

    logger.setLevel(logging.INFO)
    try:
        _nx_validate(files[0])
    finally:
        logger.setLevel(logging.WARNING)
    walked = sum(r.getMessage().lstrip().startswith(("Field:", "Group:")) for r in counter.records)
    lines.append(
        f"check nexusformat at INFO level on one file: {len(counter.records)} messages, "
        f"{walked} 'Field:'/'Group:' items checked"
    )
    counter.records.clear()
    # The nine faults of the test suite: which does each validator flag as an error?
    w = _writer()
    flagged_m = flagged_n = 0
    names_n = []
    validator = _nx_validator()
    same = all(_nx_reused(p, validator) == t for p, t in zip(files[:20], totals, strict=False))
    for i, (name, (kwargs, _rule)) in enumerate(w.FAULTS.items()):
        p = w.write_nxtomo(folder / f"fault_{i}.h5x", **kwargs)  # not an HDF5 suffix: CLI skips it
        flagged_m += bool(mapper.validate(p, schema="nxtomo").errors)
        got = _nx_validate(p)
        same = same and _nx_reused(p, validator) == got
        if got and got[1]:
            flagged_n += 1
            names_n.append(name)
        p.unlink()
    counter.records.clear()
    lines.append(
        f"faults of tests/nxtomo_files.FAULTS flagged as errors: mapper {flagged_m}/"
        f"{len(w.FAULTS)}, nexusformat {flagged_n}/{len(w.FAULTS)} ({', '.join(names_n)})"
    )
    lines.append(
        "check nexusformat with one reused ApplicationValidator: same (warnings, errors) "
        f"as validate_application on 20 valid and {len(w.FAULTS)} faulty files -> "
        f"{'OK' if same else 'PROBLEM'}"
    )
    return lines


_COLD = {
    "mapper": (
        "import time; t0 = time.perf_counter()\n"
        "import mapper\n"
        "r = mapper.validate({a!r}, schema='nxtomo'); t1 = time.perf_counter()\n"
        "r2 = mapper.validate({b!r}, schema='nxtomo'); t2 = time.perf_counter()\n"
        "import json; print(json.dumps([t1 - t0, t2 - t1, r.ok and r2.ok]))\n"
    ),
    "nexusformat": (
        "import time; t0 = time.perf_counter()\n"
        "import logging\n"
        "from nexusformat.nexus.validate import logger, validate_application\n"
        "logger.handlers.clear(); logger.addHandler(logging.NullHandler())\n"
        "r = validate_application({a!r}, application='NXtomo')\n"
        "t1 = time.perf_counter()\n"
        "r2 = validate_application({b!r}, application='NXtomo')\n"
        "t2 = time.perf_counter()\n"
        "import json; print(json.dumps([t1 - t0, t2 - t1, r == r2 == (0, 0)]))\n"
    ),
}


def _env() -> dict[str, str]:
    """The environment for child interpreters: the same ``mapper`` as this process imports."""
    import mapper

    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    root = str(Path(mapper.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def cold(files: list[Path], repeat: int = COLD_REPEAT) -> dict[str, list[tuple[float, float]]]:
    """(import + first file, second file) in fresh interpreters, both sides alternating."""
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in _COLD}
    names = list(_COLD)
    with tempfile.TemporaryDirectory(prefix="mapper-bench-validate-") as cwd:
        for i in range(repeat):
            for name in names if i % 2 == 0 else names[::-1]:
                code = _COLD[name].format(a=str(files[0]), b=str(files[1]))
                res = subprocess.run(
                    [sys.executable, "-c", code],
                    cwd=cwd,
                    env=_env(),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                first, second, ok = json.loads(res.stdout.strip().splitlines()[-1])
                if not ok:
                    raise RuntimeError(f"cold {name}: the files did not validate cleanly")
                out[name].append((first, second))
    return out


def cli(folder: Path, n: int, repeat: int = CLI_REPEAT) -> dict[int, list[float]]:
    """Wall time of ``python -m mapper validate --schema nxtomo --jobs N folder`` (alternating)."""
    times: dict[int, list[float]] = {j: [] for j in CLI_JOBS}
    with tempfile.TemporaryDirectory(prefix="mapper-bench-validate-") as cwd:
        first = sorted(folder.glob("*.nxs"))[0]
        subprocess.run(
            [sys.executable, "-m", "mapper", "validate", "--schema", "nxtomo", str(first)],
            cwd=cwd,
            env=_env(),
            capture_output=True,
            check=True,
        )
        for i in range(repeat):  # (one untimed single-file run above: byte-code, OS cache)
            for jobs in CLI_JOBS if i % 2 == 0 else CLI_JOBS[::-1]:
                cmd = [
                    sys.executable,
                    "-m",
                    "mapper",
                    "validate",
                    "--schema",
                    "nxtomo",
                    "--jobs",
                    str(jobs),
                    str(folder),
                ]
                t0 = time.perf_counter()
                res = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
                t = time.perf_counter() - t0
                last = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr
                expect = f"{n} file(s): {n} valid, 0 invalid, 0 not checked"
                if res.returncode != 0 or last != expect:
                    raise RuntimeError(f"--jobs {jobs}: exit {res.returncode}, {last!r}")
                times[jobs].append(t)
    return times


def _timed(files: list[Path], repeat: int, counter: _Counter) -> tuple[dict[str, list[float]], int]:
    """Both loops over all files, alternating; also the number of log records they produced."""
    import mapper

    def ours() -> Any:
        return [mapper.validate(p, schema="nxtomo") for p in files]

    def baseline() -> Any:
        return [_nx_validate(p) for p in files]

    validator = _nx_validator()

    def reused() -> Any:
        return [_nx_reused(p, validator) for p in files]

    counter.records.clear()
    times = interleaved(
        {"ours": ours, "baseline": baseline, "reused": reused}, repeat=repeat, warmup=0
    )
    n_records = len(counter.records)
    counter.records.clear()
    return times, n_records


def run(repeat: int = REPEAT, n: int = N_FILES) -> list[Result]:
    """Write the files, time both validators and the CLI, print and return one :class:`Result`."""
    mapper = _mapper()

    header(
        f"{NAME}: mapper.validate(path, schema='nxtomo') vs nexusformat "
        "validate_application(path, application='NXtomo')"
    )
    with TempDir("validate") as tmp:
        t0 = time.perf_counter()
        files = make_files(tmp, n)
        t_make = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in files) / len(files)

        t0 = time.perf_counter()
        mapper.validate(files[0], schema="nxtomo")
        first_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        import nexusformat
        import nexusformat.nexus.validate

        t_imp = time.perf_counter() - t0
        with _Silenced() as counter:
            t0 = time.perf_counter()
            _nx_validate(files[0])
            first_base = time.perf_counter() - t0
            checks = sanity(files, tmp, counter)
            times, n_records = _timed(files, repeat, counter)
        floor = _h5py_floor(files)
        cold_t = cold(files)
        cli_t = cli(tmp, n)

    per = {k: [t / n for t in v] for k, v in times.items()}
    best_o, best_b, best_r = min(per["ours"]), min(per["baseline"]), min(per["reused"])
    med_o, med_b = statistics.median(per["ours"]), statistics.median(per["baseline"])
    med_r = statistics.median(per["reused"])
    notes = [
        f"files: {n} NXtomo files (tests/nxtomo_files.write_nxtomo, 12x6x8 uint16 frames), "
        f"{size / 1024:.0f} KiB each, written in {t_make:.1f} s",
        f"baseline: nexusformat {nexusformat.__version__} validate_application(path, "
        "application='NXtomo') (what `nxvalidate -a NXtomo FILE` runs), log level WARNING, "
        f"output counted not printed ({n_records / (repeat * n):.0f} records per file "
        "in the timed rounds)",
        *checks,
        f"first file in this process (untimed): ours {fmt_time(first_ours)} "
        f"(mapping loading, imports), nexusformat {fmt_time(first_base)} "
        f"(after its import, {fmt_time(t_imp)}; numpy and h5py were loaded already)",
    ]
    for name, label in (("mapper", "ours"), ("nexusformat", "baseline")):
        firsts = [a for a, _ in cold_t[name]]
        seconds = [b for _, b in cold_t[name]]
        notes.append(
            f"cold, fresh interpreter, {label:8s}: imports + first file "
            f"{fmt_time(min(firsts))} (median {fmt_time(statistics.median(firsts))}), "
            f"then second file {fmt_time(min(seconds))} (best of {len(firsts)})"
        )
    for jobs in CLI_JOBS:
        best = min(cli_t[jobs])
        notes.append(
            f"CLI `python -m mapper validate --schema nxtomo --jobs {jobs} DIR`: "
            f"{n / best:.0f} files/s (best {best:.2f} s, median "
            f"{statistics.median(cli_t[jobs]):.2f} s for {n} files, interpreter "
            f"start-up included; {os.cpu_count()} CPUs)"
        )
    notes += [
        f"ours     per file ({summary(per['ours'])})",
        f"baseline per file ({summary(per['baseline'])})",
        f"median speed-up nexusformat/ours = {med_b / med_o:.1f}x; best-of-{repeat} rounds of "
        f"{n} files compared below (ms per file)",
        f"for information, the h5py floor (open, visit every object, read every attribute "
        f"and every small value, close; no checking at all): best {fmt_time(floor)} per "
        f"file, nexusformat/floor = {best_b / floor:.1f}x, ours/floor = {best_o / floor:.1f}x",
        f"for information, nexusformat with one ApplicationValidator reused over the files "
        f"(no per-file NXDL parse and lint; not what nxvalidate does): best "
        f"{fmt_time(best_r)} per file, median {fmt_time(med_r)}; speed-up over it "
        f"{best_r / best_o:.1f}x (best), {med_r / med_o:.1f}x (median)",
    ]
    r = Result(NAME, best_o, best_b, TARGET, "min_speedup", notes=notes)
    print_result(r)
    return [r]


def main() -> int:
    """Run and print (``run`` prints as it goes); always exits 0 (a report, not a test)."""
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
