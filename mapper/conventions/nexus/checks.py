"""Named checks: validation rules that are algorithms, referenced from a layout's ``checks:``.

A check gets the validation context, the HDF5 path of the object its layout
entry matched, and ``emit(rule, path, message, severity, expected, found)``.
It reads attributes and small arrays only, and turns every oddity into a
finding: a check never raises on a strange file.
"""

from __future__ import annotations

import h5py

from mapper.conventions.nexus.default_chain import MAX_STEPS, walk
from mapper.engine.context import Context, Emit
from mapper.errors import MapperError, Note, ResolveError
from mapper.registry import check


def _collect(ctx: Context) -> tuple[Context, list[str]]:
    """A copy of ``ctx`` whose warnings are collected instead of shown."""
    said: list[str] = []
    return Context(ctx.resolver, ctx.filename, ctx.options, said.append, memo=ctx.memo), said


@check("nxdata")
def nxdata(ctx: Context, path: str, emit: Emit) -> None:
    """The NXdata rules of the nxdata mapping: a signal is found, axes and errors fit it.

    The reader's warnings are :class:`~mapper.errors.Note` records: each
    becomes a finding at its object, with what is wrong (not what the reader
    did about it).
    """
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
    for what, func in (
        ("nxdata.axes", nx.axes),
        ("nxdata.errors", nx.errors),
        ("nxdata.auxiliary_signals", nx.auxiliary_signals),
    ):
        before = len(said)
        try:
            func(quiet, path)
        except ResolveError as exc:
            emit(what, exc.path or path, exc.reason)
            continue
        except MapperError as exc:
            emit(what, path, str(exc))
            continue
        severity = "error" if what == "nxdata.axes" else "warning"
        for note in said[before:]:
            if isinstance(note, Note):
                emit(what, note.path, note.message, severity=severity)
            else:  # pragma: no cover - every NXdata warning is a Note
                emit(what, path, note, severity=severity)


@check("default_chain")
def default_chain(ctx: Context, path: str, emit: Emit) -> None:
    """Every ``@default`` from ``path`` down names an existing child, ending at an NXdata."""
    chain = walk(ctx.resolver, path)
    if chain.end == "no_default" and chain.last != path:
        emit(
            "default",
            chain.at,
            f"the @default chain stops at {chain.nx_class or 'a group'} "
            f"{chain.last}, before reaching an NXdata group",
            expected="NXdata",
            found=chain.nx_class,
        )
    elif chain.end == "not_text":
        emit("default", chain.at, f"is not a string ({chain.value!r})", expected="a child name")
    elif chain.end == "dangling":
        emit("default", chain.at, chain.reason, expected="a child group", found=chain.name)
    elif chain.end == "too_long":
        emit("default", path, f"the @default chain is longer than {MAX_STEPS} steps (a cycle?)")
    # "nxdata": the chain is fine; "not_group", or no @default at the start: nothing to check
