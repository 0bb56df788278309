"""Type-strict deep equality for signal dicts, and HyperSpy axis dicts, for the HSpy tests."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def _norm(x: Any) -> Any:
    """Plain Python for numpy scalars and mappings (DeferredTree); arrays stay arrays."""
    if isinstance(x, Mapping):
        return dict(x)
    if isinstance(x, np.generic) and not isinstance(x, np.void):
        return x.item()
    return x


def same_array(a: np.ndarray, b: np.ndarray, where: str) -> None:
    """Arrays equal in shape, dtype (fields one by one) and values."""
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    if a.dtype.kind in "US" or b.dtype.kind in "US":
        assert a.dtype.kind == b.dtype.kind, f"{where}: dtype {a.dtype} != {b.dtype}"
        assert a.tolist() == b.tolist(), f"{where}: {a!r} != {b!r}"
        return
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
    if a.dtype.fields:
        for name in a.dtype.names or ():
            same_array(a[name], b[name], f"{where}[{name!r}]")
    elif a.dtype.kind == "O":
        for i in np.ndindex(a.shape):
            assert_same(a[i], b[i], f"{where}{list(i)}")
    else:
        np.testing.assert_array_equal(a, b, err_msg=where)  # NaN equals NaN here


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Deep equality with types: dict/list/tuple/array/bytes/str/bool/int/float kept apart.

    Numpy scalars compare as the Python value they hold (``np.int64(1)`` is ``1``,
    ``np.bool_(True)`` is ``True``), mappings as dicts, dask arrays as their values;
    nothing else is coerced.
    """
    a, b = _norm(a), _norm(b)
    if hasattr(a, "dask"):
        a = a.compute()
    if hasattr(b, "dask"):
        b = b.compute()
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), (
            f"{where}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
        )
        same_array(a, b, where)
        return
    assert type(a) is type(b), f"{where}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        assert set(a) == set(b), f"{where}: keys {sorted(map(str, set(a) ^ set(b)))} differ"
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), f"{where}: nan != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"
        if isinstance(a, (dt.datetime, dt.time)):
            assert a.tzinfo == b.tzinfo, f"{where}: {a!r} != {b!r}"


def axes_for(shape: tuple[int, ...], navigate: list[bool] | None = None) -> list[dict[str, Any]]:
    """Full HyperSpy axis dicts (the keys RosettaSciIO's writer expects, as hspy reads them)."""
    navigate = navigate or [i < len(shape) - 1 for i in range(len(shape))]
    return [
        {
            "name": f"ax{i}",
            "units": "nm" if nav else "eV",
            "navigate": nav,
            "size": n,
            "scale": 0.5 + i,
            "offset": -1.0 * i,
            "is_binned": False,
            "_type": "UniformDataAxis",
        }
        for i, (n, nav) in enumerate(zip(shape, navigate, strict=True))
    ]
