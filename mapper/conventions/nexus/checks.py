"""Named checks: validation rules that are algorithms, referenced from a layout's ``checks:``.

A check gets the validation context, the HDF5 path of the object its layout
entry matched, and ``emit(rule, path, message, severity, expected, found)``.
It reads attributes and small arrays only, and turns every oddity into a
finding: a check never raises on a strange file.
"""

from __future__ import annotations

import h5py

from mapper.conventions.nexus.classes import nx_class
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
    from mapper.hdf5.io import as_str

    r = ctx.resolver
    here = path
    for _ in range(16):
        obj = r.get(here)
        if not isinstance(obj, h5py.Group):
            return
        if nx_class(r, obj) == "NXdata" and here != path:
            return
        value = r.attr(obj, "default")
        at = f"{here.rstrip('/')}/@default"
        if value is None:
            if here != path:
                emit(
                    "default",
                    at,
                    f"the @default chain stops at {nx_class(r, obj) or 'a group'} "
                    f"{here}, before reaching an NXdata group",
                    expected="NXdata",
                    found=nx_class(r, obj),
                )
            return
        try:
            name = as_str(value, at)
        except MapperError:
            emit("default", at, f"is not a string ({value!r})", expected="a child name")
            return
        nxt = name if name.startswith("/") else f"{here.rstrip('/')}/{name}"
        if r.get(nxt) is None:
            emit(
                "default",
                at,
                f"names {name!r}, which does not exist",
                expected="a child group",
                found=name,
            )
            return
        here = nxt
    emit("default", path, "the @default chain is longer than 16 steps (a cycle?)")
