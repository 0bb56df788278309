"""NeXus plottable data (NXdata): finding groups, the signal, and axis resolution.

Implements section 1.3 of the NeXus rules: the ``@default`` chain, ``@signal``,
``@axes`` with ``"."``, ``AXISNAME_indices`` (int or array), bin edges,
``FIELDNAME_errors``, ``@auxiliary_signals``, and the older "v2" style
(``signal=1`` on the field, ``axes="y:x"`` on it, ``axis=n``/``primary=1``).
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from mapper.conventions.nexus.classes import nx_class
from mapper.conventions.nexus.default_chain import walk
from mapper.engine.axes import AxisValuesError, axis_from_values, index_axis, navigate_flags
from mapper.engine.context import ArrayRef, Context
from mapper.errors import ResolveError
from mapper.hdf5.io import as_str, attr, read_small, str_list
from mapper.language.paths import child_path
from mapper.registry import builtin


def _attr(ctx: Context | None, obj: Any, name: str) -> Any:
    """An attribute, through the per-file cache when there is a context."""
    return attr(obj, name) if ctx is None else ctx.resolver.attr(obj, name)


def _child(ctx: Context | None, group: h5py.Group, name: str) -> Any:
    """A child through the resolver (link policy, cycles), or plain h5py without a context."""
    if ctx is None:
        try:
            return group.get(name)
        except (KeyError, RuntimeError, OSError):
            return None
    # the path the group was reached at: an externally linked group's own name is in the
    # other file
    return ctx.resolver.get(child_path(ctx.memo.get(("path", group.id), group.name), name))


def _group(ctx: Context, at: Any) -> h5py.Group:
    obj = ctx.resolver.get(str(at))
    if not isinstance(obj, h5py.Group):
        raise ResolveError(f"{ctx.filename}:{at}: not a group")
    ctx.memo[("path", obj.id)] = str(at)
    return obj


@builtin("nxdata.groups", "paths")
def groups(ctx: Context, within: Any = None) -> list[str]:
    """Every NXdata group with a usable signal: the ``@default`` one first, then file order.

    ``within`` (a group path; an anchor passes ``args: {within: "{entry}"}``):
    only the NXdata groups at or below that group, the one its own ``@default``
    chain names first.
    """
    if isinstance(within, (list, tuple)):
        within = within[0] if within else None
    base = "/" if within is None else str(within)
    out = []
    for path in _groups_below(ctx, base):
        obj = ctx.resolver.get(path)
        if obj is None or nx_class(ctx.resolver, obj) != "NXdata":
            continue
        obj = _group(ctx, path)
        try:
            signal_field(obj, ctx)
        except ResolveError as exc:
            ctx.warn_at(path, f"NXdata without a usable signal, skipped ({exc})")
            continue
        out.append(path)
    default = default_group(ctx) if within is None else _default_below(ctx, base)
    if default and default[0] in out:
        out.remove(default[0])
        out.insert(0, default[0])
    elif default:  # reached through an external link, which the object walk does not cross
        obj = _group(ctx, default[0])
        try:
            signal_field(obj, ctx)
            out.insert(0, default[0])
        except ResolveError as exc:
            ctx.warn_at(default[0], f"NXdata without a usable signal, skipped ({exc})")
    return out


def _groups_below(ctx: Context, base: str) -> list[str]:
    """The group at ``base`` (not the root) and every group below it, through hard links."""
    top = ctx.resolver.get(base)
    if not isinstance(top, h5py.Group):
        return []
    found = [] if base == "/" else [base]

    def visit(name: bytes, info: Any) -> None:
        if info.type == h5py.h5o.TYPE_GROUP:
            found.append(child_path(base, name.decode("utf-8", "surrogateescape")))

    h5py.h5o.visit(top.id, visit, info=True)
    return found


def _default_below(ctx: Context, base: str) -> list[str]:
    """The NXdata the ``@default`` chain of the group at ``base`` ends at, if it is below it."""
    try:
        chain = walk(ctx.resolver, base, entry_fallback=base == "/")
    except ResolveError:
        return []  # a damaged attribute: no default (the default_chain check says why)
    inside = base == "/" or chain.last.startswith(base.rstrip("/") + "/")
    return [chain.last] if chain.end == "nxdata" and inside else []


@builtin("nxdata.default", "paths")
def default_group(ctx: Context) -> list[str]:
    """The NXdata at the end of the ``@default`` chain from the root, if any."""
    if ("nxdata.default",) not in ctx.memo:
        ctx.memo[("nxdata.default",)] = _default_chain(ctx)
    return list(ctx.memo[("nxdata.default",)])


def _default_chain(ctx: Context) -> list[str]:
    """Walk the chain from the root (else from its first NXentry); warn where it breaks."""
    chain = walk(ctx.resolver, "/", entry_fallback=True)
    if chain.end == "nxdata":
        return [chain.last]
    if chain.end in ("not_text", "dangling"):
        ctx.warn_at(chain.at, chain.reason)
    return []  # no @default, a field, or a cycle: no default, silently


def signal_field(group: h5py.Group, ctx: Context | None = None) -> h5py.Dataset:
    """The signal field of an NXdata group: v3 ``@signal``, v2 ``signal=1``, else ``data``."""
    return _signal(group, ctx)[1]


def _signal(group: h5py.Group, ctx: Context | None) -> tuple[str, h5py.Dataset]:
    """``(name, dataset)`` of the signal field; see :func:`signal_field` (memoised per load)."""
    if ctx is None:
        return _find_signal(group, None)
    key = ("nxdata.signal", ctx.memo.get(("path", group.id), group.name))
    if key not in ctx.memo:
        try:
            ctx.memo[key] = _find_signal(group, ctx)
        except ResolveError as exc:
            ctx.memo[key] = exc
    found: tuple[str, h5py.Dataset] | ResolveError = ctx.memo[key]
    if isinstance(found, ResolveError):
        raise found
    return found


def _find_signal(group: h5py.Group, ctx: Context | None) -> tuple[str, h5py.Dataset]:
    where = group.name
    sig = _attr(ctx, group, "signal")
    if sig is not None:
        numeric = np.asarray(sig).dtype.kind in "iu"
        name = "" if numeric else as_str(sig, f"{where}/@signal")
        if name.strip().isdigit():  # old writers put signal=1 or "1" on the group
            name = ""
        if name:
            obj = _child(ctx, group, name)
            if obj is None:
                raise ResolveError(
                    f"names {name!r}, which is not in the group (or cannot be opened)",
                    f"{where}/@signal",
                )
            if not isinstance(obj, h5py.Dataset):
                raise ResolveError(f"names {name!r}, which is not a dataset", f"{where}/@signal")
            return name, obj
    candidates = []
    for name in group:
        obj = _child(ctx, group, name)
        if isinstance(obj, h5py.Dataset):
            value = _attr(ctx, obj, "signal")
            if value is not None:
                try:
                    rank = int(
                        np.asarray(value).reshape(-1)[0]
                        if not isinstance(value, (bytes, np.bytes_, str))
                        else as_str(value)
                    )
                except (ValueError, ResolveError):
                    continue
                candidates.append((rank, name, obj))
    if candidates:
        _, name, obj = sorted(candidates, key=lambda c: c[0])[0]
        return name, obj
    obj = _child(ctx, group, "data")
    if isinstance(obj, h5py.Dataset):
        return "data", obj
    raise ResolveError("no @signal, no field with signal=1 and no 'data' field", where)


@builtin("nxdata.signal", "value")
def signal(ctx: Context, at: Any) -> ArrayRef:
    """The signal field of the NXdata group ``at``, as a bulk array."""
    name, _ = _signal(_group(ctx, at), ctx)
    return ArrayRef(child_path(str(at), name))


def _axes_names(ctx: Context, group: h5py.Group, sig: h5py.Dataset) -> list[str]:
    """Axis names per dimension from ``@axes`` (group, v3) or the signal's ``@axes`` (v2)."""
    rank = sig.ndim
    for holder in (group, sig):
        value = _attr(ctx, holder, "axes")
        if value is not None:
            names = str_list(value, f"{holder.name}/@axes")
            return (names + ["."] * rank)[:rank] if names != [""] else ["."] * rank
    # v2: fields with axis=n (1-based), preferring primary=1
    names = ["."] * rank
    prim: dict[int, int] = {}
    for name in group:
        obj = _child(ctx, group, name)
        if not isinstance(obj, h5py.Dataset) or obj.name == sig.name:
            continue
        value = _attr(ctx, obj, "axis")
        if value is None:
            continue
        try:
            dim = int(np.asarray(value).reshape(-1)[0]) - 1
        except (TypeError, ValueError):
            continue
        p = _attr(ctx, obj, "primary")
        try:
            primary = int(np.asarray(p).reshape(-1)[0]) if p is not None else 99
        except (TypeError, ValueError):
            primary = 99  # an unreadable @primary ranks last
        if 0 <= dim < rank and primary < prim.get(dim, 100):
            names[dim], prim[dim] = name, primary
    return names


def _indices(ctx: Context, group: h5py.Group, name: str, default: int, rank: int) -> list[int]:
    value = _attr(ctx, group, f"{name}_indices")
    if value is None:
        return [default]
    try:
        dims = [int(v) for v in np.asarray(value).reshape(-1)]
    except (TypeError, ValueError):
        raise ResolveError(f"not integers ({value!r})", f"{group.name}/@{name}_indices") from None
    return [d + rank if d < 0 else d for d in dims]


#: NXdata ``@interpretation`` -> how many of the fastest dimensions are the signal's:
#: ``scalar`` -> every axis navigates; ``spectrum`` -> the last; ``image`` -> the last
#: two; colour images -> the last three (rows, columns, channels).
SIGNAL_DIMS = {
    "scalar": 0,
    "spectrum": 1,
    "image": 2,
    "rgb-image": 3,
    "rgba-image": 3,
    "hsl-image": 3,
    "hsla-image": 3,
    "cmyk-image": 3,
    "vertex": 1,
}


def interpretation(group: h5py.Group, sig: h5py.Dataset, ctx: Context | None = None) -> str | None:
    """``@interpretation`` from the signal field, else from the group."""
    for holder in (sig, group):
        value = _attr(ctx, holder, "interpretation")
        if value is not None:
            try:
                return as_str(value, f"{holder.name}/@interpretation")
            except ResolveError:
                return None
    return None


def _units(ctx: Context, obj: h5py.HLObject) -> str:
    """``@units`` (or old ``@unit``); Latin-1 bytes (old files) decoded with a warning."""
    for key in ("units", "unit"):
        value = _attr(ctx, obj, key)
        if value is not None:
            try:
                return as_str(value, f"{obj.name}/@{key}")
            except ResolveError as exc:
                raw = np.asarray(value).reshape(-1)[0] if isinstance(value, np.ndarray) else value
                if isinstance(raw, (bytes, np.bytes_)):
                    text = bytes(raw).decode("latin-1")
                    ctx.warn_at(exc.path or obj.name, exc.reason, f"read as Latin-1 {text!r}")
                    return text
                return ""
    return ""


@builtin("nxdata.axes", "value")
def axes(ctx: Context, at: Any) -> list[dict[str, Any]]:
    """One axis per signal dimension, in array order, following the NXdata rules.

    Broken axis attributes (``@axes`` that is not text, say) warn and give
    index axes: the signal still loads (lenient read).
    """
    group = _group(ctx, at)
    sig = signal_field(group, ctx)
    rank, shape = sig.ndim, sig.shape
    interp = (interpretation(group, sig, ctx) or "").strip().lower()
    nav = navigate_flags(rank, SIGNAL_DIMS.get(interp))
    try:
        return _axes(ctx, group, sig, nav)
    except ResolveError as exc:
        ctx.warn_at(exc.path or group.name, exc.reason, "index axes used")
        return [index_axis(n, navigate=nav[d]) for d, n in enumerate(shape)]


def _axes(
    ctx: Context, group: h5py.Group, sig: h5py.Dataset, nav: list[bool]
) -> list[dict[str, Any]]:
    rank, shape = sig.ndim, sig.shape
    names = _axes_names(ctx, group, sig)
    chosen: dict[int, dict[str, Any]] = {}
    # fields listed in @axes first, then fields that only have an AXISNAME_indices attribute
    extra = [
        (None, k[: -len("_indices")])
        for k in group.attrs
        if k.endswith("_indices") and k[: -len("_indices")] not in names
    ]
    for pos, name in [*enumerate(names), *extra]:
        if name in (".", ""):
            continue
        field = _child(ctx, group, name)
        if pos is None and field is None:
            continue
        if not isinstance(field, h5py.Dataset):
            ctx.warn_at(f"{group.name}/@axes", f"axis {name!r} is not a field", "index axis used")
            continue
        wanted = _indices(ctx, group, name, pos if pos is not None else -1, rank)
        dims = [d for d in wanted if 0 <= d < rank]
        if not dims:
            if pos is not None or wanted != [-1 + rank]:
                ctx.warn_at(
                    f"{group.name}/@{name}_indices",
                    f"{wanted} is outside the signal's {rank} dimensions",
                    "axis ignored",
                )
            continue
        reduced = _reduce_to_1d(np.asarray(read_small(field)), dims, shape)
        if reduced is None:
            ctx.warn_at(
                field.name,
                "coordinate varies along several dimensions",
                "kept in original_metadata, index axis used",
            )
            continue
        values, dim = reduced
        if dim in chosen:
            continue  # an earlier axis already describes this dimension
        try:
            ax = axis_from_values(
                values, name=name, units=_units(ctx, field), navigate=nav[dim], size=shape[dim]
            )
        except AxisValuesError as exc:
            ctx.warn_at(f"{group.name}/{name}", str(exc), "index axis used")
            continue
        chosen[dim] = ax
    out = []
    for d in range(rank):
        out.append(chosen.get(d) or index_axis(shape[d], name="", navigate=nav[d]))
    return out


def _reduce_to_1d(
    values: np.ndarray, dims: list[int], shape: tuple[int, ...]
) -> tuple[np.ndarray, int] | None:
    """A coordinate that varies along one of the dimensions it spans becomes 1-D.

    Returns the 1-D values and the data dimension they describe, or None when
    the coordinate really varies along several dimensions.
    """
    if values.ndim <= 1:
        squeezed = values.reshape(-1) if values.ndim == 1 else values
        return squeezed, dims[-1] if len(dims) > 1 else dims[0]
    if values.ndim != len(dims) or values.dtype.kind not in "iuf":
        if values.ndim > 1 and sum(n > 1 for n in values.shape) <= 1:  # (1, N): one real dim
            keep = int(np.argmax(values.shape))
            return values.reshape(-1), dims[min(keep, len(dims) - 1)]
        return None
    varying = [k for k in range(values.ndim) if not np.all(values == np.take(values, [0], axis=k))]
    if len(varying) > 1:
        return None
    k = varying[0] if varying else values.ndim - 1
    index = tuple(slice(None) if j == k else 0 for j in range(values.ndim))
    return values[index], dims[k]


@builtin("nxdata.errors", "value")
def errors(ctx: Context, at: Any) -> ArrayRef | None:
    """``(FIELDNAME_errors or errors)**2``: the variance of the signal, as a bulk array."""
    group = _group(ctx, at)
    base, sig = _signal(group, ctx)
    for name in (f"{base}_errors", "errors"):
        obj = _child(ctx, group, name)
        if isinstance(obj, h5py.Dataset):
            if obj.dtype.kind not in "iufc":
                ctx.warn_at(obj.name, f"uncertainties are {obj.dtype}, not numbers", "ignored")
                return None
            if obj.shape != sig.shape:
                ctx.warn_at(
                    obj.name, f"shape {obj.shape} differs from the signal's {sig.shape}", "ignored"
                )
                return None
            return ArrayRef(child_path(str(at), name), op="square")
    return None


def axes_count(ctx: Context, group: h5py.Group, sig: h5py.Dataset) -> tuple[str, list[str]] | None:
    """``(path of the @axes attribute, its names)`` when their number is not the signal's rank.

    The group's ``@axes`` (else, v2, the signal's); a single name for a rank-1
    signal, and ``"."`` or ``""`` for a scalar signal, are fine. An ``@axes``
    that is not text is reported by the axis rules, not here.
    """
    rank = sig.ndim
    for holder in (group, sig):
        value = _attr(ctx, holder, "axes")
        if value is None:
            continue
        where = f"{holder.name}/@axes"
        try:
            names = str_list(value, where)
        except ResolveError:
            return None
        if len(names) == rank or (rank == 0 and names in ([""], ["."])):
            return None
        return where, names
    return None


def errors_problems(ctx: Context, group: h5py.Group) -> list[tuple[str, str, str, Any, Any]]:
    """``(path, message, severity, expected, found)`` for uncertainties that do not fit.

    ``FIELDNAME_errors`` (and the old ``errors``, for the signal) must have
    the shape of its field (an error) and hold numbers (a warning).
    """
    base, sig = _signal(group, ctx)
    at = ctx.memo.get(("path", group.id), group.name)
    out: list[tuple[str, str, str, Any, Any]] = []
    for name in group:
        if name == "errors":
            field_name = base
        elif name.endswith("_errors"):
            field_name = name[: -len("_errors")]
        else:
            continue
        obj = _child(ctx, group, name)
        field = sig if field_name == base else _child(ctx, group, field_name)
        if not isinstance(obj, h5py.Dataset) or not isinstance(field, h5py.Dataset):
            continue
        if obj.dtype.kind not in "iufc":
            message = f"uncertainties are {obj.dtype}, not numbers"
            out.append((child_path(at, name), message, "warning", "numbers", str(obj.dtype)))
        elif obj.shape != field.shape:
            whose = "the signal's" if field is sig else f"that of {field_name!r}"
            message = f"shape {obj.shape} differs from {whose} {field.shape}"
            out.append((child_path(at, name), message, "error", _shape(field), _shape(obj)))
    return out


def _shape(obj: h5py.Dataset) -> list[int] | None:
    return None if obj.shape is None else list(obj.shape)


@builtin("nxdata.auxiliary_signals", "value")
def auxiliary_signals(ctx: Context, at: Any) -> dict[str, ArrayRef] | None:
    """The fields named by ``@auxiliary_signals``, as ``{name: array}``."""
    group = _group(ctx, at)
    value = _attr(ctx, group, "auxiliary_signals")
    if value is None:
        return None
    sig = signal_field(group, ctx)
    out = {}
    for name in str_list(value, f"{group.name}/@auxiliary_signals"):
        obj = _child(ctx, group, name)
        if not isinstance(obj, h5py.Dataset):
            ctx.warn_at(f"{group.name}/@auxiliary_signals", f"{name!r} is not a field")
            continue
        if obj.shape != sig.shape:
            ctx.warn_at(
                obj.name,
                f"auxiliary signal shape {obj.shape} differs from the signal's {sig.shape}",
                "ignored",
            )
            continue
        out[name] = ArrayRef(child_path(str(at), name))
    return out or None
