"""The axis algorithm shared by all mappings: values -> uniform or non-uniform axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from mapper.errors import ResolveError


class AxisValuesError(ResolveError):
    """Coordinates that cannot describe the dimension (wrong length, not numbers)."""


#: Relative tolerance, in units of the mean step, for calling a sequence uniform.
UNIFORM_RTOL = 1e-5


def axis_from_values(
    values: Any, *, name: str, units: str, navigate: bool, size: int | None = None
) -> dict[str, Any]:
    """Build a signal-dict axis from coordinate values, in file order.

    Uniform values become ``offset``/``scale`` (a descending axis keeps its
    negative scale); others stay an ``axis`` vector. Uniform means every step
    within :data:`UNIFORM_RTOL` of the mean step, or within the rounding of
    single-precision values (coordinates stored as float32). ``size + 1`` values are
    bin edges: the axis holds the bin centres and ``is_binned`` is True.

    Raises
    ------
    AxisValuesError
        When the values are not 1-D numbers, or their count fits neither the
        dimension nor its bin edges; callers fall back to an index axis.

    Parameters
    ----------
    values
        1-D coordinates (array-like); a scalar counts as one value.
    name, units, navigate
        Copied into the axis.
    size
        The data dimension length, when known (needed to recognise bin edges).
    """
    v = np.asarray(values)
    if v.ndim == 0:
        v = v.reshape(1)
    axis: dict[str, Any] = {"name": name, "units": units, "navigate": bool(navigate)}
    if v.ndim != 1 or v.dtype.kind not in "iufb":
        raise AxisValuesError(
            f"axis {name!r}: coordinates must be 1-D numbers, found {v.ndim}-D {v.dtype}"
        )
    stored = v.dtype
    v = v.astype(float)
    if size is not None and v.shape[0] == size + 1:
        v = (v[:-1] + v[1:]) / 2.0
        axis["is_binned"] = True
    if size is not None and v.shape[0] != size:
        raise AxisValuesError(f"axis {name!r}: {v.shape[0]} values for a dimension of {size}")
    axis["size"] = int(v.shape[0])
    if v.shape[0] == 1:
        axis.update(offset=float(v[0]), scale=1.0)
        return axis
    if not np.all(np.isfinite(v)):
        axis["axis"] = v
        return axis
    step = np.diff(v)
    mean = (v[-1] - v[0]) / (v.shape[0] - 1)
    tol = UNIFORM_RTOL * abs(mean)
    if stored.kind == "f" and stored.itemsize < 8:
        # values stored in single precision are uniform up to their own rounding
        tol = max(tol, 4 * float(np.finfo(stored).eps) * float(np.max(np.abs(v))))
    if mean != 0 and np.all(np.abs(step - mean) <= tol):
        axis.update(offset=float(v[0]), scale=float(mean))
    else:
        axis["axis"] = v
    return axis


def index_axis(
    size: int, *, name: str = "", units: str = "", navigate: bool = True
) -> dict[str, Any]:
    """An axis of plain indices (offset 0, scale 1)."""
    return {
        "name": name,
        "units": units,
        "navigate": bool(navigate),
        "size": int(size),
        "offset": 0.0,
        "scale": 1.0,
    }


def navigate_flags(rank: int, signal_dims: int | None = None) -> list[bool]:
    """Which axes navigate: all but the last ``signal_dims`` (the fastest ones).

    Without ``signal_dims``: rank 1 is a spectrum (one signal axis), rank 2 or
    more an image (the fastest two dimensions are the detector's).
    """
    nsig = signal_dims if signal_dims is not None else (1 if rank == 1 else 2)
    nsig = min(max(nsig, 0), rank)
    return [i < rank - nsig for i in range(rank)]
