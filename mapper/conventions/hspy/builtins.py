"""Built-ins for HyperSpy's HDF5 format (``.hspy``).

They read and write the parts of a signal group that are encoded with the
HSpy value codec (:mod:`.hspy_codec`).

``schemas/hspy.yaml`` says where things are (``/Experiments/<title>``, the
group names of each format version, the metadata moves between versions);
these built-ins do what YAML cannot: decode and encode values, read the
``axis-{i}`` groups, attach models to their signal and upgrade old metadata.
Each value built-in has a writer, so ``save(schema="hspy")`` runs the same
rules backwards.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import h5py
import numpy as np

from mapper.conventions.hspy.codec import Decoder, Encoder, child, member, read_ragged
from mapper.engine.axes import navigate_flags
from mapper.engine.context import ArrayRef, Context, WriteContext
from mapper.engine.tree import dotted
from mapper.errors import ResolveError
from mapper.hdf5.io import as_str
from mapper.hdf5.write import is_dask
from mapper.registry import builtin, transform, writer

#: The newest format version this reader knows; newer files load with a warning.
NEWEST = (3, 3)
UNNAMED = "__unnamed__"


# ---------------------------------------------------------------------------- versions
def parse_version(text: Any) -> tuple[int, ...]:
    """``"3.1"`` -> ``(3, 1)``; a float attribute (``1.2``) counts as its rounded text."""
    if isinstance(text, (float, np.floating)):
        text = f"{round(float(text), 2)}"
    parts = as_str(text).strip().split(".")
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ResolveError(f"file_format_version {as_str(text)!r} is not a version") from None


def file_version(ctx: Context) -> tuple[int, ...]:
    """The file's format version (root ``@file_format_version``, else 1.0), warning if newer."""
    key = ("hspy.version",)
    if key not in ctx.memo:
        f = ctx.resolver.file
        raw = ctx.resolver.attr(f, "file_format_version")
        if raw is not None:
            version = parse_version(raw)
        elif "Experiments" in f:
            version = (1, 0)
        else:
            version = (2, 0)
        if version > NEWEST:
            ctx.warn(
                f"{ctx.filename}: written with HSpy format "
                f"{'.'.join(map(str, version))}, newer than "
                f"{'.'.join(map(str, NEWEST))}; reading it as {'.'.join(map(str, NEWEST))}"
            )
        ctx.memo[key] = version
    cached: tuple[int, ...] = ctx.memo[key]
    return cached


@functools.lru_cache(maxsize=64)
def _version_of(text: str) -> tuple[int, ...]:
    return parse_version(text)


def _older(version: tuple[int, ...], than: Any) -> bool:
    return version < _version_of(str(than))


# ---------------------------------------------------------------------------- reading
def _group(ctx: Context, at: Any) -> h5py.Group:
    if isinstance(at, h5py.Group):
        return at
    obj = ctx.resolver.get(at.path if hasattr(at, "path") else str(at))
    if not isinstance(obj, h5py.Group):
        raise ResolveError(f"{ctx.filename}:{at}: not a group")
    return obj


def _decoder(ctx: Context, eager: bool = False) -> Decoder:
    def bulk(ds: h5py.Dataset) -> Any:
        return ArrayRef(ds.name)

    return Decoder(
        bulk=None if eager else bulk, read_signal=lambda g: read_signal_group(ctx, g), warn=ctx.warn
    )


def _first_group(group: h5py.Group, names: list[str]) -> h5py.Group | None:
    for name in names:
        g = member(group, name)
        if isinstance(g, h5py.Group):
            return g
    return None


@builtin("hspy.data", "value")
def data(ctx: Context, at: Any, key: str = "data") -> Any:
    """The signal's data: a bulk reference, or ragged data as an object array of arrays."""
    group = _group(ctx, at)
    ds = ctx.resolver.get(child(group.name, key))  # cached: the anchor looked for it
    if not isinstance(ds, h5py.Dataset):
        return None
    shapes = member(group, f"_ragged_shapes_{key}")
    if shapes is None:
        shapes = member(group, "ragged_shapes")
    if isinstance(shapes, h5py.Dataset):
        if ctx.lazy:
            ctx.warn_at(ds.name, "ragged data is read eagerly")
        return read_ragged(ds, shapes)
    return ArrayRef(ds.name)


@builtin("hspy.tree", "value")
def tree(
    ctx: Context, at: Any, groups: list[str] | str = "metadata", hide_nx_class: bool = False
) -> dict[str, Any] | None:
    """Decode the first existing group of ``groups`` under ``at`` with the HSpy codec.

    ``hide_nx_class``: for trees kept inside NeXus files, where an ``NX_class``
    value is stored under another name so that NeXus tools do not see a group.
    """
    names = [groups] if isinstance(groups, str) else list(groups)
    g = _first_group(_group(ctx, at), names)
    return None if g is None else _decoder(ctx).group(g)


@builtin("hspy.metadata", "value")
def metadata(
    ctx: Context,
    at: Any,
    groups: list[str] | str = "metadata",
    upgrades: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The signal's metadata: decoded, moved to where the current format keeps each item.

    ``upgrades`` is the mapping's list of moves, each
    ``{before: "1.2", move: "TEM", to: "Acquisition_instrument.TEM", if: ..., unless: ...}``,
    applied in order when the file's version is older than ``before``.
    """
    md = tree(ctx, at, groups)
    if md is None:
        return None
    version = file_version(ctx)
    for step in upgrades or ():
        if _older(version, step["before"]):
            move(md, step["move"], step["to"], step.get("if"), step.get("unless"))
    general = md.get("General")
    if isinstance(general, dict) and general.get("title") == UNNAMED:
        general["title"] = ""
    return md


def move(
    tree: dict[str, Any],
    src: str,
    dest: str,
    if_present: str | None = None,
    unless: str | None = None,
) -> None:
    """Move the item at dotted ``src`` to dotted ``dest`` (replacing it) when present.

    ``if_present`` / ``unless``: only when that dotted item is present / absent.
    """
    if if_present is not None and dotted(tree, if_present) is None:
        return
    if unless is not None and dotted(tree, unless) is not None:
        return
    parts = src.split(".")
    node: Any = tree
    for p in parts[:-1]:
        node = node.get(p) if isinstance(node, dict) else None
    if not isinstance(node, dict) or parts[-1] not in node:
        return
    value = node.pop(parts[-1])
    target = tree
    dparts = dest.split(".")
    for p in dparts[:-1]:
        if not isinstance(target.get(p), dict):
            target[p] = {}
        target = target[p]
    target[dparts[-1]] = value


@builtin("hspy.axes", "value")
def axes(ctx: Context, at: Any, key: str = "data") -> list[dict[str, Any]] | None:
    """The ``axis-{i}`` groups (or an old ``_list_N_axes`` group), one axis dict each."""
    group = _group(ctx, at)
    ds = ctx.resolver.get(child(group.name, key))
    if not isinstance(ds, h5py.Dataset) or ds.shape is None:
        return None
    rank = len(ds.shape)
    dec = _decoder(ctx, eager=True)
    out: list[dict[str, Any]] = []
    for i in range(rank):
        g = member(group, f"axis-{i}")
        if not isinstance(g, h5py.Group):
            break
        out.append(_clean_axis(dec.group(g)))
    if len(out) != rank:
        old = member(group, f"_list_{rank}_axes")
        if not isinstance(old, h5py.Group):
            ctx.warn_at(group.name, f"{len(out)} axis groups for {rank}-D data")
            return None
        out = [_clean_axis(a) for a in dec.items(old)]
    if any("navigate" not in a for a in out):
        nav = _navigate_from_record_by(group, rank)
        for a, flag in zip(out, nav, strict=True):
            a.setdefault("navigate", flag)
    for a, n in zip(out, ds.shape, strict=True):
        a.setdefault("size", int(n))
    return out


def _clean_axis(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: bool(v) if isinstance(v, np.bool_) else as_str(v) if isinstance(v, bytes) else v
        for k, v in d.items()
    }


def _navigate_from_record_by(group: h5py.Group, rank: int) -> list[bool]:
    """Files before 2.1 said which axes are signal axes with ``record_by``."""
    record_by = ""
    for where in ("metadata/Signal", "mapped_parameters", "metadata"):
        g = member(group, where)
        if isinstance(g, h5py.Group) and "record_by" in g.attrs:
            record_by = as_str(g.attrs["record_by"])
            break
    n_signal = {"spectrum": 1, "image": 2}.get(record_by)
    if n_signal is None:
        return navigate_flags(rank)
    return [i < rank - n_signal for i in range(rank)]


@builtin("hspy.attributes", "value")
def attributes(
    ctx: Context, at: Any, learning: list[str] | None = None, old_learning: list[str] | None = None
) -> dict[str, Any]:
    """``attributes`` plus the ``learning_results`` groups, as RosettaSciIO returns them."""
    group = _group(ctx, at)
    dec = _decoder(ctx)
    g = member(group, "attributes")
    out = dec.group(g) if isinstance(g, h5py.Group) else {}
    names = list(learning or ())
    if old_learning and file_version(ctx) < (1, 1):
        names += list(old_learning)
    for name in names:
        g = member(group, name)
        if isinstance(g, h5py.Group):
            out[name.replace("mva_", "learning_")] = dec.group(g)
    out["_lazy"] = bool(ctx.lazy)
    return out


@builtin("hspy.models", "value")
def models(ctx: Context, at: Any, root: str = "/Analysis/models") -> dict[str, Any]:
    """The models stored for this signal (``<root>/<name>`` with ``@_signal`` = its group)."""
    mg = ctx.resolver.get(root)
    out: dict[str, Any] = {}
    if not isinstance(mg, h5py.Group):
        return out
    here = at.path if hasattr(at, "path") else str(at)
    for name in mg:
        g = member(mg, name)
        if isinstance(g, h5py.Group) and as_str(g.attrs.get("_signal", "")) == here:
            d = _decoder(ctx).group(g)
            d.pop("_signal", None)
            out[name] = d
    return out


def read_signal_group(ctx: Context, group: h5py.Group) -> dict[str, Any]:
    """A signal stored inside metadata (a ``_sig_`` group), read whole and eagerly."""
    dec = _decoder(ctx, eager=True)
    sig: dict[str, Any] = {}
    for key, names in (
        ("metadata", ["metadata", "mapped_parameters"]),
        ("original_metadata", ["original_metadata", "original_parameters"]),
    ):
        g = _first_group(group, names)
        sig[key] = dec.group(g) if g is not None else {}
    g = member(group, "attributes")
    sig["attributes"] = dec.group(g) if isinstance(g, h5py.Group) else {}
    for name in ("learning_results", "peak_learning_results"):
        g = member(group, name)
        if isinstance(g, h5py.Group):
            sig["attributes"][name] = dec.group(g)
    sig["attributes"]["_lazy"] = False
    sig["package"] = as_str(group.attrs.get("package", ""))
    sig["package_version"] = as_str(group.attrs.get("package_version", ""))
    d = data(ctx, group)
    if isinstance(d, ArrayRef):
        ds = ctx.resolver.get(d.path)
        if ds is None:
            raise ResolveError(f"{ctx.filename}:{d.path}: not a dataset")
        d = ds[()]
    sig["data"] = d
    sig["axes"] = axes(ctx, group) or []
    return sig


# ---------------------------------------------------------------------------- writing
def _encoder(ctx: WriteContext, hide_nx_class: bool = False) -> Encoder:
    return Encoder(
        ctx,
        write_signal=lambda path, sig, label: write_signal_group(ctx, path, sig, label),
        hide_nx_class=hide_nx_class,
    )


@writer("hspy.data")
def write_data(ctx: WriteContext, at: str, value: Any, key: str = "data") -> None:
    """Write the signal's data (ragged data as vlen items plus their shapes)."""
    _encoder(ctx).array(value, child(at, key), "data", bulk=True)


@writer("hspy.tree")
def write_tree(
    ctx: WriteContext,
    at: str,
    value: Any,
    groups: list[str] | str = "metadata",
    hide_nx_class: bool = False,
) -> None:
    """Encode a dict into the first group name of ``groups`` (the current format's)."""
    name = groups if isinstance(groups, str) else groups[0]
    path = child(at, name)
    ctx.owns(path)
    _encoder(ctx, hide_nx_class).dict(value if value is not None else {}, path, name)


@writer("hspy.metadata")
def write_metadata(
    ctx: WriteContext,
    at: str,
    value: Any,
    groups: list[str] | str = "metadata",
    upgrades: Any = None,
) -> None:
    """Encode the metadata (in the current layout: the upgrades are read-only)."""
    write_tree(ctx, at, value, groups)


@writer("hspy.axes")
def write_axes(
    ctx: WriteContext, at: str, value: Any, key: str = "data", shape: tuple[int, ...] | None = None
) -> None:
    """One ``axis-{i}`` group per axis; a non-uniform axis keeps its values as a dataset."""
    enc = _encoder(ctx)
    if shape is None:
        data: Any = ctx.signal.get("data")  # absent: np.shape(None) is ()
        shape = tuple(np.shape(data))
    axes = list(value or ())
    if not axes:  # index axes, the navigation/signal split HyperSpy would choose
        nav = navigate_flags(len(shape))
        axes = [
            {"name": "", "units": "", "navigate": nav[d], "size": n, "scale": 1.0, "offset": 0.0}
            for d, n in enumerate(shape)
        ]
    elif len(axes) != len(shape):
        ctx.problem(f"axes: {len(axes)} axes for {len(shape)}-D data")
        return
    for i, ax in enumerate(axes):
        path = child(at, f"axis-{i}")
        ctx.owns(path)
        if not isinstance(ax, dict):
            ctx.problem(f"axes[{i}]: an axis dict was expected")
            continue
        ax = {"name": "", "units": "", "navigate": True, **ax, "size": int(shape[i])}
        if "axis" not in ax:
            ax.setdefault("scale", 1.0)
            ax.setdefault("offset", 0.0)
        if "axis" in ax:
            ax["axis"] = np.asarray(ax["axis"])
            ax.pop("scale", None)
            ax.pop("offset", None)
            ax.setdefault("_type", "DataAxis")
        else:
            ax.setdefault("_type", "UniformDataAxis")
        ax.setdefault("is_binned", False)
        enc.dict(ax, path, f"axes[{i}]")


@writer("hspy.attributes")
def write_attributes(
    ctx: WriteContext,
    at: str,
    value: Any,
    learning: list[str] | None = None,
    old_learning: Any = None,
) -> None:
    """``attributes`` and the learning-results groups (always written, as HyperSpy does)."""
    attrs = dict(value or {})
    enc = _encoder(ctx)
    for name in learning or ():
        results = attrs.pop(name, None)
        if results is None:
            results = ctx.signal.get(name)
        if results is not None or name == "learning_results":
            path = child(at, name)
            ctx.owns(path)
            enc.dict(results or {}, path, f"attributes.{name}")
    attrs.setdefault("_lazy", False)
    path = child(at, "attributes")
    ctx.owns(path)
    enc.dict(attrs, path, "attributes")


@writer("hspy.models")
def write_models(ctx: WriteContext, at: str, value: Any, root: str = "/Analysis/models") -> None:
    """Each model to ``<root>/<name>``, tagged with ``@_signal`` = the signal's group."""
    if not value:
        return
    if not isinstance(value, dict):
        ctx.problem("models: a dict of model name -> model dict was expected")
        return
    enc = _encoder(ctx)
    for name, model in value.items():
        path = child(root, str(name))
        ctx.owns(path)
        enc.dict(model, path, f"models.{name}")
        ctx.attr(path, "_signal", at)


def write_signal_group(ctx: WriteContext, path: str, sig: Mapping[str, Any], label: str) -> None:
    """A signal inside metadata (a ``_sig_`` group), written like a top-level one."""
    ctx.group(path)
    if sig.get("package"):
        ctx.attr(path, "package", str(sig["package"]))
        ctx.attr(path, "package_version", str(sig.get("package_version", "")))
    enc = _encoder(ctx)
    enc.array(
        sig["data"] if is_dask(sig["data"]) else np.asarray(sig["data"]),
        child(path, "data"),
        f"{label}.data",
    )
    write_axes(ctx, path, sig.get("axes") or [], shape=tuple(np.shape(sig["data"])))
    enc.dict(sig.get("metadata") or {}, child(path, "metadata"), f"{label}.metadata")
    enc.dict(
        sig.get("original_metadata") or {},
        child(path, "original_metadata"),
        f"{label}.original_metadata",
    )
    write_attributes(
        ctx, path, sig.get("attributes"), ["learning_results", "peak_learning_results"]
    )


def group_name(title: Any) -> str:
    """The experiment group a title is written to: ``/`` -> ``-``, empty -> ``__unnamed__``."""
    text = "" if title is None else str(title)
    if text in (".", ".."):  # not names HDF5 can hold
        return text.replace(".", "-")
    return text.replace("/", "-") if text else UNNAMED


transform(
    "hspy.group_name",
    lambda v: v,
    group_name,
    "Write: a signal title as an HSpy experiment group name ('/' -> '-', '' -> '__unnamed__').",
)
