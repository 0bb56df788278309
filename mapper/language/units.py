"""Units with pint: parsing and convertibility, the same for every convention.

pint is imported only when a check runs, so ``import mapper`` stays fast.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _registry() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("counts = [] = count = cts")
    ureg.define("pixel = [] = px = pixels")
    return ureg


def parse(units: str) -> Any:
    """Parse a unit string with pint; raise ValueError with the reason when it is unknown."""
    ureg = _registry()
    text = units.strip()
    if text in ("", "1"):
        return ureg.dimensionless
    try:
        return ureg.parse_units(text.replace("^", "**"))
    except Exception as exc:  # pint raises several unrelated types
        raise ValueError(f"unknown unit {units!r} ({type(exc).__name__})") from None


def convertible(units: str, like: str) -> bool:
    """True when ``units`` converts to the example unit ``like``.

    Angles are dimensionless to pint (a radian is 1), so dimensionality alone
    would let ``counts`` pass for an angle: units whose base units are
    radians (angles, solid angles) must match in those base units too.
    """
    a, b = parse(units), parse(like)
    if a.dimensionality != b.dimensionality:
        return False
    return _angular(a) == _angular(b)


def _angular(u: Any) -> str:
    """The radian part of a unit's base units ("radian", "radian ** 2", or "")."""
    root = str(_registry().get_root_units(u)[1])
    return root if "radian" in root else ""
