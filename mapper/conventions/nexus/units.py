"""NeXus unit categories (NX_LENGTH, NX_ANGLE, ...) and membership, checked with pint."""

from __future__ import annotations

from mapper.language.units import convertible

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
