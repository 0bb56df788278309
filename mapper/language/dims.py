"""Dimension entries of a ``shape`` constraint: a length, a symbol, or a symbol plus or minus N.

``shape: [nP, "nP+1", 3, null]``: the second dimension is one longer than the
first (bin edges along a histogram axis), the third is 3, the last any length.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DIM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:([+-])\s*(\d+))?\s*$")


@lru_cache(maxsize=1024)
def symbol_dim(text: str) -> tuple[str, int] | None:
    """``"nP+1"`` -> ``("nP", 1)``, ``"nP"`` -> ``("nP", 0)``; None when it is no such form."""
    m = _DIM.match(text)
    if m is None:
        return None
    offset = int(m.group(3) or 0)
    return m.group(1), -offset if m.group(2) == "-" else offset
