"""NeXus unit categories and the pint-based convertibility check.

pint is imported only when a check runs, so ``import mapper`` stays fast.
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: NeXus unit category -> an example unit that every unit of the category converts to.
#: None means "any unit" (NX_ANY) or "no dimension" (checked separately).
CATEGORIES: dict[str, str | None] = {
    "NX_ANGLE": "degree",
    "NX_ANY": None,
    "NX_AREA": "m**2",
    "NX_CHARGE": "coulomb",
    "NX_COUNT": None,
    "NX_CROSS_SECTION": "barn",
    "NX_CURRENT": "ampere",
    "NX_DIMENSIONLESS": "",
    "NX_EMITTANCE": "m * radian",
    "NX_ENERGY": "joule",
    "NX_FLUX": "1 / (s * m**2)",
    "NX_FREQUENCY": "hertz",
    "NX_LENGTH": "meter",
    "NX_MASS": "kilogram",
    "NX_MASS_DENSITY": "kg / m**3",
    "NX_MOLECULAR_WEIGHT": "g / mol",
    "NX_PERIOD": "second",
    "NX_PER_AREA": "1 / m**2",
    "NX_PER_LENGTH": "1 / m",
    "NX_POWER": "watt",
    "NX_PRESSURE": "pascal",
    "NX_PULSES": None,
    "NX_SCATTERING_LENGTH_DENSITY": "1 / m**2",
    "NX_SOLID_ANGLE": "steradian",
    "NX_TEMPERATURE": "kelvin",
    "NX_TIME": "second",
    "NX_TIME_OF_FLIGHT": "second",
    "NX_TRANSFORMATION": None,
    "NX_UNITLESS": "",
    "NX_VOLTAGE": "volt",
    "NX_VOLUME": "m**3",
    "NX_WAVELENGTH": "angstrom",
    "NX_WAVENUMBER": "1 / angstrom",
}


@cache
def _registry() -> Any:
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
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


def in_category(units: str, category: str) -> bool:
    """True when ``units`` belongs to the NeXus unit ``category``."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown unit category {category!r}")
    example = CATEGORIES[category]
    if example is None:
        if category == "NX_TRANSFORMATION":
            return convertible(units, "m") or convertible(units, "degree")
        return True
    return convertible(units, example)
