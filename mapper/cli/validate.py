"""``mapper validate``: many files, in parallel, with text, JSON and JUnit reports.

The exit code is the contract for pipelines: 0 every file valid, 1 at least
one invalid (errors; with ``--strict`` also warnings), 2 at least one file
could not be checked (unreadable, not HDF5, no mapping matches).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias

from mapper._version import __version__
from mapper.cli.options import add_path_options
from mapper.engine.report import Report, exit_code, junit_xml, summary
from mapper.errors import MapperError

#: Version of the JSON report layout (docs/validation.md describes it).
REPORT_FORMAT = "1"

#: Directories given on the command line (``--allow-dir``, ``--mapping-path``).
PathList: TypeAlias = list[str | os.PathLike[str]]
#: One file to check: its path, the mapping (None: detect), allowed dirs, mapping dirs.
Job: TypeAlias = tuple[str, str | None, PathList, PathList]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``validate`` sub-command."""
    text = (
        "Validate files against a mapping's rules (exit 0 all valid, 1 any invalid, "
        "2 any file could not be checked)."
    )
    v = sub.add_parser("validate", help=text, description=text)
    v.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files, directories (searched recursively for HDF5 file names) or "
        "globs (quoted globs are expanded too, ** included)",
    )
    v.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="also read file names from FILE, one per line ('-': standard input); "
        "for long lists, instead of xargs",
    )
    v.add_argument(
        "--null",
        "-0",
        action="store_true",
        help="names read with --from end with NUL, not newline (find -print0)",
    )
    v.add_argument("--schema", "-s", help="mapping name or YAML file (default: detect per file)")
    v.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (per-file findings and a summary)",
    )
    v.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    v.add_argument("--strict", action="store_true", help="warnings make a file invalid too")
    v.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes (0: one per CPU; default 1)",
    )
    v.add_argument("--verbose", "-v", action="store_true", help="also print info findings")
    v.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only files that are not valid, and the summary",
    )
    add_path_options(v)


def _jobs(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (one per CPU) or more, not {value}")
    return value


def scan_suffixes(search_path: PathList | None = None) -> tuple[str, ...]:
    """File name endings taken from a directory: plain HDF5's and every mapping's ``suffixes``."""
    from mapper.hdf5.io import HDF5_SUFFIXES
    from mapper.language.schema import candidates

    found = set(HDF5_SUFFIXES)
    for c in candidates(search_path):  # a broken mapping is reported when it is used
        found.update(c.suffixes)
    return tuple(sorted(found))


def expand(paths: list[str], suffixes: tuple[str, ...] | None = None) -> list[str]:
    """Files named by ``paths``: files as given, directories walked, globs expanded, in order.

    A path that names nothing is kept, so that its report says so. Files in a
    directory are taken when their name ends with one of ``suffixes``
    (default: :func:`scan_suffixes`).
    """
    if suffixes is None:
        suffixes = scan_suffixes()
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            seen_dirs: set[str] = set()

            def unreadable(err: OSError) -> None:
                out.append(err.filename)  # its report says why (permission denied, ...)

            for root, dirs, files in os.walk(p, onerror=unreadable, followlinks=True):
                real = os.path.realpath(root)
                if real in seen_dirs:  # a symlink loop, or a folder reached twice
                    dirs[:] = []
                    continue
                seen_dirs.add(real)
                dirs.sort()
                out.extend(
                    os.path.join(root, f)
                    for f in sorted(files)
                    if f.lower().endswith(suffixes) and not f.startswith(".")
                )
        elif not os.path.exists(p) and glob.has_magic(p):
            hits = sorted(h for h in glob.glob(p, recursive=True) if os.path.isfile(h))
            out.extend(hits or [p])
        else:
            out.append(p)
    return list(dict.fromkeys(out))  # first occurrences, in order


def check_one(job: Job) -> Report:
    """Validate one file; never raises (an unexpected failure becomes a not-checked report)."""
    import warnings

    from mapper.api import validate

    path, schema, allow, search = job
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # everything worth saying is a finding
            return validate(path, schema, allow_dirs=allow or None, search_path=search or None)
    except MapperError as exc:
        return Report(path, None, error=_without_name(str(exc), path))
    except Exception as exc:  # a bug of ours must not stop the other files
        return Report(
            path, None, error=f"internal error ({type(exc).__name__}: {exc}); please report it"
        )


def _without_name(message: str, path: str) -> str:
    """The message without a leading ``file: `` (the report names the file already)."""
    for name in (path, os.path.normpath(path), os.path.basename(path)):
        if message.startswith(f"{name}: "):
            return message[len(name) + 2 :]
    return message


def _run(jobs: list[Job], workers: int) -> Iterator[Report]:
    if workers <= 1 or len(jobs) <= 1:
        yield from map(check_one, jobs)
        return
    from concurrent.futures import ProcessPoolExecutor

    # warm up once here: forked workers inherit the imports, the unit registry and the
    # loaded mappings instead of paying for them each (about 0.4 s per worker)
    from mapper import api  # noqa: F401
    from mapper.engine import validate as _validate  # noqa: F401
    from mapper.language.units import parse
    from mapper.registry import REGISTRY

    parse("m")
    REGISTRY.conventions()  # loads every convention and plug-in
    from concurrent.futures.process import BrokenProcessPool

    chunk = max(1, min(32, len(jobs) // (workers * 8)))
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        try:
            for report in pool.map(check_one, jobs, chunksize=chunk):
                done += 1
                yield report
        except BrokenProcessPool as exc:  # a worker died (killed, out of memory, crashed)
            for path, *_ in jobs[done:]:
                yield Report(path, None, error=f"not checked: a worker process died ({exc})")


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.on = total > 1 and sys.stderr.isatty()
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done: int, bad: int) -> None:
        now = time.perf_counter()
        if not self.on or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        width = 30
        fill = int(width * done / self.total)
        rate = done / max(now - self.start, 1e-9)
        sys.stderr.write(
            f"\r[{'#' * fill}{'.' * (width - fill)}] {done}/{self.total} files, "
            f"{bad} not valid, {rate:.0f} files/s "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


def run(args: argparse.Namespace, out: Any) -> int:
    """The ``validate`` command; returns the exit code."""
    names = list(args.paths)
    if args.from_file:
        names.extend(_read_names(args.from_file, "\0" if args.null else "\n"))
    files = expand(names, scan_suffixes(args.mapping_path or None))
    if not files:
        raise MapperError("no files to validate")
    name: str | None = None
    if args.schema:  # a broken or unknown mapping is one error, not one per file
        from mapper.language.schema import load_mapping

        name = load_mapping(args.schema, args.mapping_path or None).name
    workers = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    jobs = [(f, args.schema, args.allow_dir, args.mapping_path) for f in files]
    progress = _Progress(len(files))
    reports: list[Report] = []
    try:
        for r in _run(jobs, workers):
            if r.schema is None and name is not None:
                r.schema = name  # not checked, but against this mapping
            reports.append(r)
            if not args.json and _shown(r, args):
                progress.close()  # clear the bar line before printing under it
                _print_text(r, args, out)
            progress.update(len(reports), sum(not x.passes(args.strict) for x in reports))
    finally:
        progress.close()
    totals = summary(reports, args.strict)
    if args.json:
        doc = {
            "format": REPORT_FORMAT,
            "mapper": __version__,
            "strict": args.strict,
            "files": [r.to_dict(args.strict) for r in reports],
            "summary": totals,
        }
        json.dump(doc, out, indent=2, allow_nan=False)
        out.write("\n")
    else:
        print(
            f"{totals['files']} file(s): {totals['valid']} valid, {totals['invalid']} "
            f"invalid, {totals['not_checked']} not checked",
            file=out,
        )
    if args.junit:
        _write_text(Path(args.junit), junit_xml(reports, args.strict))
    return exit_code(reports, args.strict)


def _shown(r: Report, args: argparse.Namespace) -> bool:
    return not (args.quiet and r.passes(args.strict))


def _print_text(r: Report, args: argparse.Namespace, out: Any) -> None:
    print(r.summary_line(args.strict), file=out)
    for f in r.findings:
        if f.severity == "info" and not args.verbose:
            continue
        print(f"  {f}", file=out)


def _read_names(source: str, sep: str) -> list[str]:
    try:
        if source == "-":  # bytes: names need not be UTF-8 (surrogateescape keeps them)
            raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else None
            text = raw.decode("utf-8", "surrogateescape") if raw is not None else sys.stdin.read()
        else:
            text = Path(source).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise MapperError(f"--from {source}: {exc.strerror or exc}") from None
    return [n for n in (part.strip("\r") if sep == "\n" else part for part in text.split(sep)) if n]


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file, then rename: never a half-written report."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        raise MapperError(f"--junit {path}: {exc.strerror or exc}") from None
