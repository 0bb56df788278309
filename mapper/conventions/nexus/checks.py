"""Named checks: validation rules that are algorithms, referenced from a layout's ``checks:``.

A check gets the validation context, the HDF5 path of the object its layout
entry matched, and ``emit(rule, path, message, severity, expected, found)``.
It reads attributes and small arrays only, and turns every oddity into a
finding: a check never raises on a strange file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import h5py

from mapper.conventions.nexus.classes import CLASS_ATTR
from mapper.conventions.nexus.default_chain import MAX_STEPS, Chain, walk
from mapper.engine.context import Context, Emit
from mapper.errors import MapperError, Note, ResolveError
from mapper.registry import check


def _collect(ctx: Context) -> tuple[Context, list[str]]:
    """A copy of ``ctx`` whose warnings are collected instead of shown."""
    said: list[str] = []
    return Context(ctx.resolver, ctx.filename, ctx.options, said.append, memo=ctx.memo), said


def once(ctx: Context, key: tuple[Any, ...], emit: Emit, run: Callable[[Emit], None]) -> None:
    """Run a check once per file and ``key``; later calls give its findings again.

    A layout entry runs once per match of its anchors (once per entry), and
    the ``nexus.base_classes`` check runs the ``nxdata`` check on every NXdata
    group that a layout may check as well: the work is done once.
    """
    findings: list[tuple[Any, ...]] | None = ctx.memo.get(key)
    if findings is None:
        findings = ctx.memo[key] = []

        def record(
            rule: str,
            path: str,
            message: str,
            severity: str = "error",
            expected: Any = None,
            found: Any = None,
        ) -> None:
            findings.append((rule, path, message, severity, expected, found))

        run(record)
    for rule, path, message, severity, expected, found in findings:
        emit(rule, path, message, severity=severity, expected=expected, found=found)


@check("nxdata")
def nxdata(ctx: Context, path: str, emit: Emit) -> None:
    """The NXdata rules of the nxdata mapping: a signal is found, axes and errors fit it.

    The reader's warnings are :class:`~mapper.errors.Note` records: each
    becomes a finding at its object, with what is wrong (not what the reader
    did about it).
    """
    once(ctx, ("check.nxdata", path), emit, lambda record: _nxdata(ctx, path, record))


def _nxdata(ctx: Context, path: str, emit: Emit) -> None:
    from mapper.conventions.nexus import nxdata as nx

    quiet, said = _collect(ctx)
    obj = ctx.resolver.get(path)
    if not isinstance(obj, h5py.Group):
        emit("nxdata.signal", path, "not a group, so no NXdata")
        return
    try:
        sig = nx.signal_field(obj, quiet)
    except MapperError as exc:
        emit(
            "nxdata.signal",
            path,
            f"no usable signal: {exc}",
            expected="@signal naming a field",
            found=None,
        )
        return
    if sig.shape is None:
        emit("nxdata.signal", sig.name, "the signal has an empty dataspace (no shape)")
        return
    counted = nx.axes_count(quiet, obj, sig)
    if counted is not None:
        where, names = counted
        emit(
            "nxdata.axes",
            where,
            f"lists {len(names)} axes ({', '.join(names)}) for a signal of rank {sig.ndim}",
            expected=sig.ndim,
            found=len(names),
        )
    _notes(quiet, said, path, "nxdata.axes", nx.axes, emit)
    try:
        problems = nx.errors_problems(quiet, obj)
    except ResolveError as exc:
        emit("nxdata.errors", exc.path or path, exc.reason)
        problems = []
    for where, message, severity, expected, found in problems:
        emit("nxdata.errors", where, message, severity, expected, found)
    _notes(quiet, said, path, "nxdata.auxiliary_signals", nx.auxiliary_signals, emit)


def _notes(
    quiet: Context,
    said: list[str],
    path: str,
    what: str,
    func: Callable[[Context, str], Any],
    emit: Emit,
) -> None:
    """Run one family of NXdata rules; every note it gives becomes a finding."""
    before = len(said)
    try:
        func(quiet, path)
    except ResolveError as exc:
        emit(what, exc.path or path, exc.reason)
        return
    except MapperError as exc:
        emit(what, path, str(exc))
        return
    severity = "error" if what == "nxdata.axes" else "warning"
    for note in said[before:]:
        if isinstance(note, Note):
            emit(what, note.path, note.message, severity=severity)
        else:  # pragma: no cover - every NXdata warning is a Note
            emit(what, path, note, severity=severity)


#: Groups whose ``@default`` is optional: NeXus then searches them for any NXdata group.
_SEARCHED = ("NXentry", "NXsubentry")


def _stopped(ctx: Context, chain: Chain, emit: Emit) -> None:
    """A chain that ends at a group without ``@default`` (not at an NXdata group)."""
    if chain.nx_class not in _SEARCHED:
        emit(
            "default",
            chain.at,
            f"the @default chain stops at {chain.nx_class or 'a group'} "
            f"{chain.last}, before reaching an NXdata group",
            expected="NXdata",
            found=chain.nx_class,
        )
    elif not _holds_nxdata(ctx, chain.last):  # valid (NXroot asks no more), worth a word
        emit(
            "default",
            chain.at,
            f"the @default chain stops at {chain.nx_class} {chain.last}, which holds no "
            "NXdata group: nothing to plot by default",
            severity="warning",
            expected="NXdata",
            found=chain.nx_class,
        )


def _holds_nxdata(ctx: Context, path: str) -> bool:
    """Whether an NXdata group lies below the group at ``path`` (NeXus's fallback search)."""
    for where, group in ctx.resolver.walk_groups(path):
        if where != path and ctx.resolver.group_class(group, CLASS_ATTR) == "NXdata":
            return True
    return False


@check("default_chain")
def default_chain(ctx: Context, path: str, emit: Emit) -> None:
    """Every ``@default`` from ``path`` down names an existing child, ending at an NXdata."""
    chain = walk(ctx.resolver, path)
    if chain.end == "no_default" and chain.last != path:
        _stopped(ctx, chain, emit)
    elif chain.end == "not_text":
        emit("default", chain.at, f"is not a string ({chain.value!r})", expected="a child name")
    elif chain.end == "dangling":
        emit("default", chain.at, chain.reason, expected="a child group", found=chain.name)
    elif chain.end == "too_long":
        emit("default", path, f"the @default chain is longer than {MAX_STEPS} steps (a cycle?)")
    # "nxdata": the chain is fine; "not_group", or no @default at the start: nothing to check
