"""Minimal valid NeXus files for the application definitions, written from the NXDL, and faults.

``write_example(library, defn, path)`` reads the definition with the
package's NXDL parser (:class:`~mapper.conventions.nexus.nxdl.library.Library`),
merges an ``extends`` chain with the converter's ``merge_groups`` (a refined
group or field keeps what its parent states and it leaves out), and writes
with plain h5py the smallest file the definition accepts:

* one NXentry (``entry``, unless the definition names it) with
  ``definition`` = the definition's name;
* every required and recommended group, field, attribute and link; a group
  known only by its class is named after it (``NXsample`` -> ``sample``), a
  partial name gets its placeholders filled (``sampleID`` -> ``sample1``);
  every group spec that applies to a group (an unnamed ``NXdetector`` spec
  applies to ``detector:NXdetector`` too) contributes its required members;
* values of the declared type (taken from the base class when the
  definition gives none), the first item of an enumeration, a unit of the
  declared category (:data:`UNITS`) or the example unit; ``depends_on``
  is ``"."`` (the end of a chain), ``@default`` leads to an NXdata group;
* shapes from ``<dimensions>``: one length per symbol for the whole entry
  (2, 3, 4, ... in order of first use), ``sym+1`` one more;
* links as soft links with ``@target`` on the target (a target the
  definition leaves optional, or does not declare, is written too);
* NXdata groups with a ``@signal`` naming a numeric field when the
  definition gives none, and ``@axes`` / ``AXISNAME_indices`` that fit it.

``inject(kind, example)`` breaks the file with one of the seven faults of
issue 12 (:data:`FAULTS`) and returns the HDF5 path where the error must be
reported, or None when the definition has no such item (``faulty_item``
tells without touching the file).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from mapper.conventions.nexus.nxdl.base_index import ClassInfo, class_info
from mapper.conventions.nexus.nxdl.generate import merge_groups
from mapper.conventions.nexus.nxdl.library import Library
from mapper.conventions.nexus.nxdl.model import (
    Attribute,
    Definition,
    Dims,
    Field,
    Group,
    Link,
)
from mapper.conventions.nexus.nxdl.names import glob_of
from mapper.language.units import convertible

NXDL = Path(__file__).resolve().parents[2] / "shared" / "nxdl"

#: One unit of each NeXus unit category (nxdlTypes.xsd's examples).
UNITS: dict[str, str] = {
    "NX_ANGLE": "degree",
    "NX_ANY": "counts",
    "NX_AREA": "m^2",
    "NX_CHARGE": "C",
    "NX_COUNT": "counts",
    "NX_CROSS_SECTION": "barn",
    "NX_CURRENT": "A",
    "NX_DIMENSIONLESS": "m/m",
    "NX_EMITTANCE": "nm*rad",
    "NX_ENERGY": "eV",
    "NX_FLUX": "1/s/cm^2",
    "NX_FREQUENCY": "Hz",
    "NX_LENGTH": "m",
    "NX_MASS": "g",
    "NX_MASS_DENSITY": "g/cm^3",
    "NX_MOLECULAR_WEIGHT": "g/mol",
    "NX_PERIOD": "us",
    "NX_PER_AREA": "1/m^2",
    "NX_PER_LENGTH": "1/m",
    "NX_POWER": "W",
    "NX_PRESSURE": "Pa",
    "NX_PULSES": "counts",
    "NX_SCATTERING_LENGTH_DENSITY": "m/m^3",
    "NX_SOLID_ANGLE": "sr",
    "NX_TEMPERATURE": "K",
    "NX_TIME": "s",
    "NX_TIME_OF_FLIGHT": "s",
    "NX_TRANSFORMATION": "m",
    "NX_UNITLESS": "",
    "NX_VOLTAGE": "V",
    "NX_VOLUME": "m^3",
    "NX_WAVELENGTH": "angstrom",
    "NX_WAVENUMBER": "1/angstrom",
}
#: Categories any unit belongs to (no wrong unit exists for them).
ANY_UNIT = frozenset({"NX_ANY", "NX_COUNT", "NX_PULSES", "NX_UNITLESS", "NX_DIMENSIONLESS"})
DATE_TIME = "2024-05-01T12:30:00+02:00"
NUMERIC = frozenset(
    {"NX_FLOAT", "NX_INT", "NX_UINT", "NX_POSINT", "NX_NUMBER", "NX_COMPLEX", "NX_CCOMPLEX"}
    | {"NX_PCOMPLEX", "NX_QUATERNION"}
)
INTEGERS = frozenset({"NX_INT", "NX_UINT", "NX_POSINT"})
_UPPER = re.compile(r"[A-Z]+")
_SYM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)([+-]\d+)?")


# ---------------------------------------------------------------------------------- the model
def merged_tree(library: Library, defn: Definition) -> Group:
    """The definition's root with its ``extends`` chain merged in, as the converter merges it."""
    chain = library.chain(defn)
    tree = chain[0].root
    for child in chain[1:]:
        tree = merge_groups(tree, child.root)
    return tree


def fill_name(name: str, name_type: str) -> str:
    """A concrete name for a partial one: ``sampleID`` -> ``sample1``, ``DATA`` -> ``data``."""
    if name_type != "partial":
        return name
    return _UPPER.sub(lambda m: m.group(0).lower() if m.start() == 0 else "1", name)


def class_name(cls: str) -> str:
    """``NXsample`` -> ``sample``."""
    return cls[2:].lower() if cls.startswith("NX") else cls.lower()


def applies(spec: Group, name: str) -> bool:
    """Whether a group spec of the right class applies to a group called ``name``."""
    if spec.name is None or spec.name_type == "any":
        return True
    if spec.name_type == "specified":
        return spec.name == name
    return fnmatch.fnmatchcase(name, glob_of(spec.name, "partial"))


def field_applies(spec: Field, name: str) -> bool:
    """Whether a field spec applies to a field called ``name``."""
    if spec.name_type == "any":
        return True
    if spec.name_type == "specified":
        return spec.name == name
    return fnmatch.fnmatchcase(name, glob_of(spec.name, "partial"))


# ---------------------------------------------------------------------------------- the file
@dataclass
class Item:
    """One object the generator wrote."""

    path: str
    #: "group", "field", "attribute" or "link"
    kind: str
    #: the NXDL says required (not recommended)
    required: bool
    spec: Any = None
    nx_type: str | None = None
    units: str | None = None
    #: per dimension: the NXDL length (an int, a symbol, "sym+1") or None
    dims: tuple[int | str | None, ...] = ()
    #: the rank is fixed (an int rank, or dims) and its most; None: not checked
    max_rank: int | None = None
    #: for a group: no sibling of its class could stand in for it
    sole: bool = True
    #: a link points at it
    target: bool = False


@dataclass
class Example:
    """A written file and what is in it."""

    file: Path
    definition: str
    entry: str
    items: list[Item] = field(default_factory=list)
    symbols: dict[str, int] = field(default_factory=dict)

    def item(self, path: str) -> Item:
        """The item at ``path``."""
        return next(i for i in self.items if i.path == path)


def _types(info: ClassInfo | None, f: Field) -> tuple[str | None, str | None]:
    """A field's type and units: the definition's, else its base class's."""
    known = (info.field_info(f) if info is not None else None) or {}
    return f.type or known.get("type"), f.units or known.get("units")


def _dims_shape(
    dims: Dims | None, symbols: dict[str, int]
) -> tuple[tuple[int, ...], tuple[int | str | None, ...], int | None]:
    """``(shape, NXDL dims, most rank)`` of a ``<dimensions>`` (symbols get lengths here)."""
    if dims is None:
        return (), (), None
    n = max((d.index for d in dims.dims), default=0)
    if isinstance(dims.rank, int):
        n = max(n, dims.rank)
    fixed: int | None = n
    if (dims.rank is None and dims.rank_text is not None) or "+" in str(dims.rank):
        fixed = None  # a rank in words, or "1+detectorRank": the converter checks none/min
    if n == 0:
        n = 1  # a symbolic rank only: a vector
        fixed = None
    spec: list[int | str | None] = [None] * n
    for d in dims.dims:
        spec[d.index - 1] = d.value
    shape = tuple(_length(v, symbols) for v in spec)
    return shape, tuple(spec), fixed


def _length(v: int | str | None, symbols: dict[str, int]) -> int:
    """The length of one dim: its number, its symbol's length (plus the offset), or 2."""
    if isinstance(v, int):
        return v
    if v is None:
        return 2
    m = _SYM.fullmatch(v.replace(" ", ""))
    if m is None:
        return 2
    name, offset = m.group(1), int(m.group(2) or 0)
    if name not in symbols:
        symbols[name] = len(symbols) + 2
    return symbols[name] + offset


def _typed_item(text: str, nx_type: str | None) -> Any:
    """An enumeration item as a value of the type."""
    t = text.strip()
    if t.startswith("["):
        return np.asarray([float(x) for x in t.strip("[]").split(",")])
    try:
        if nx_type in INTEGERS:
            return int(t)
        if nx_type in NUMERIC or (nx_type == "NX_CHAR_OR_NUMBER" and _number(t)):
            return float(t) if "." in t or "e" in t.lower() else int(t)
    except ValueError:
        return t
    if nx_type == "NX_BOOLEAN":
        return t.lower() in ("true", "1")
    return t


def _number(t: str) -> bool:
    try:
        float(t)
    except ValueError:
        return False
    return True


def value(nx_type: str | None, units: str | None, first: str | None, shape: tuple[int, ...]) -> Any:
    """A value of the NXDL type (``first``: the enumeration's first item), of ``shape``."""
    one = _one(nx_type, units)
    if first is not None:
        item = _typed_item(first, nx_type)
        if isinstance(item, np.ndarray):
            return item
        # the enumeration's item, stored with the type's numpy type (uint32 for NX_POSINT)
        one = type(one)(item) if isinstance(one, np.generic) and not isinstance(item, str) else item
    if isinstance(one, str):
        if not shape:
            return one
        return np.full(shape, one, dtype=object).astype(h5py.string_dtype())
    return np.full(shape, one) if shape else one


#: One value of each NXDL type (a type not listed, NX_CHAR_OR_NUMBER included: text).
VALUES: dict[str, Any] = {
    "NX_DATE_TIME": DATE_TIME,
    "ISO8601": DATE_TIME,
    "NX_INT": np.int64(1),
    "NX_UINT": np.uint32(1),
    "NX_POSINT": np.uint32(1),
    "NX_FLOAT": np.float64(1.0),
    "NX_NUMBER": np.float64(1.0),
    "NX_QUATERNION": np.float64(1.0),
    "NX_BOOLEAN": np.bool_(True),
    "NX_BINARY": np.uint8(1),
    "NX_COMPLEX": np.complex128(1 + 0j),
    "NX_CCOMPLEX": np.complex128(1 + 0j),
    "NX_PCOMPLEX": np.complex128(1 + 0j),
}


def _one(nx_type: str | None, units: str | None) -> Any:
    """One value of the type (no type: text, or a number when there are units)."""
    return VALUES.get(nx_type or ("NX_FLOAT" if units else "NX_CHAR"), "example")


def unit_of(units: str | None) -> str | None:
    """The ``@units`` to write: a unit of the category, or the example unit as given."""
    if units is None:
        return None
    return UNITS.get(units, units)


class _Writer:
    """Writes one definition's minimal file; see the module docstring."""

    def __init__(self, library: Library, defn: Definition, h5: h5py.File, ex: Example) -> None:
        self.library, self.defn, self.h5, self.ex = library, defn, h5, ex
        self.tree = merged_tree(library, defn)
        self.links: list[tuple[str, Link]] = []
        self.nxdata: list[tuple[str, list[Group]]] = []
        #: link targets that are not in the file: (link path, class path)
        self.unresolved: list[tuple[str, str]] = []

    def info(self, cls: str) -> ClassInfo | None:
        return class_info(self.library, cls)

    def run(self) -> None:
        self.fill("/", [self.tree])
        for parent, link in self.links:
            self.link(parent, link)
        for path, specs in self.nxdata:
            self.signal(path, specs)
        for item in self.ex.items:
            if item.kind == "attribute" and item.path.endswith("/@default"):
                self.default(item.path.rpartition("/@")[0] or "/")

    def fill(self, path: str, specs: list[Group]) -> None:
        """Write the members of the group at ``path`` that the group specs ``specs`` ask for."""
        for spec in specs:
            info = self.info(spec.type)
            for a in spec.attributes:
                self.attribute(path, a, info, None)
        self.fields(path, specs)
        for spec in specs:
            self.links.extend((path, link) for link in spec.links)
        for spec in specs:
            for c in spec.choices:
                if c.optionality != "optional" and c.name not in self.h5[path]:
                    self.group(path, c.name, c.groups[0], [c.groups[0]], True)
        self.groups(path, specs)

    # -- attributes and fields ----------------------------------------------------------------
    def attribute(
        self, path: str, a: Attribute, info: ClassInfo | None, owner: Field | None
    ) -> None:
        if a.optionality == "optional" or (a.name == "units" and a.enumeration is None):
            return
        if a.name_type == "any":
            return  # a placeholder attribute: the converter checks none
        name = fill_name(a.name, a.name_type)
        obj = self.h5[path]
        if name in obj.attrs:
            return
        nx_type = a.type or ((info.attribute_info(owner, a) if info else None) or {}).get("type")
        shape, dims, fixed = _dims_shape(a.dims, self.ex.symbols)
        first = a.enumeration.values[0] if a.enumeration and a.enumeration.values else None
        obj.attrs[name] = value(nx_type, None, first, shape)
        where = f"{path.rstrip('/')}/@{name}"
        self.ex.items.append(
            Item(where, "attribute", a.optionality == "required", a, nx_type, None, dims, fixed)
        )

    def fields(self, path: str, specs: list[Group]) -> None:
        wanted = [(f, s) for s in specs for f in s.fields if f.optionality != "optional"]
        names: dict[int, str] = {}
        # a field the definition also links (a child refining its parent's link): the link
        taken = set(self.h5[path].keys()) | {k.name for s in specs for k in s.links}
        for kind in ("specified", "partial", "any"):
            for i, (f, _) in enumerate(wanted):
                if f.name_type != kind:
                    continue
                made = [*names.values()]
                if kind == "partial" and any(field_applies(f, n) for n in made):
                    continue
                if kind == "any" and made:
                    continue
                name = f.name.lower() if kind == "any" else fill_name(f.name, f.name_type)
                if name not in made and name not in taken:
                    names[i] = name
        for i in sorted(names):
            f, spec = wanted[i]
            self.field(path, names[i], f, spec)

    def field(self, path: str, name: str, f: Field, spec: Group) -> None:
        info = self.info(spec.type)
        nx_type, units = _types(info, f)
        shape, dims, fixed = _dims_shape(f.dims, self.ex.symbols)
        first = f.enumeration.values[0] if f.enumeration and f.enumeration.values else None
        if name == "definition" and path == self.ex.entry:
            first = self.defn.name
        if name == "depends_on" and first is None:
            first = "."  # the end of a transformation chain
        ds = self.h5[path].create_dataset(name, data=value(nx_type, units, first, shape))
        unit = unit_of(units)
        declared = next((a for a in f.attributes if a.name == "units"), None)
        if declared is not None and declared.enumeration is not None:
            unit = declared.enumeration.values[0]
        elif declared is not None and unit is None and declared.optionality != "optional":
            unit = UNITS["NX_ANY"]  # required @units of a field with no unit category
        if unit is not None:
            ds.attrs["units"] = unit
        where = f"{path.rstrip('/')}/{name}"
        self.ex.items.append(
            Item(where, "field", f.optionality == "required", f, nx_type, units, dims, fixed)
        )
        for a in f.attributes:
            self.attribute(where, a, info, f)

    # -- groups -------------------------------------------------------------------------------
    def groups(self, path: str, specs: list[Group]) -> None:
        child = [g for s in specs for g in s.groups]
        wanted = [g for g in child if g.optionality != "optional"]
        made: dict[int, tuple[str, Group]] = {}
        taken = set(self.h5[path].keys())
        for kind in ("specified", "partial", "any"):
            for i, g in enumerate(wanted):
                if (g.name_type if g.name is not None else "any") != kind:
                    continue
                same = [n for n, m in made.values() if m.type == g.type]
                if kind != "specified" and any(applies(g, n) for n in same):
                    continue  # an instance of the class already stands for it
                name = fill_name(g.name, g.name_type) if kind != "any" else class_name(g.type)
                if kind == "specified" and name in [n for n, _ in made.values()]:
                    continue
                while kind != "specified" and (name in taken or name in dict(made.values())):
                    name += "_1"
                made[i] = (name, g)
        for i in sorted(made):
            name, g = made[i]
            applicable = [s for s in child if s.type == g.type and applies(s, name)]
            sole = g.name_type == "specified" and g.name is not None
            sole = sole or sum(m.type == g.type for _, m in made.values()) == 1
            self.group(path, name, g, applicable, sole)

    def group(self, path: str, name: str, g: Group, specs: list[Group], sole: bool) -> None:
        new = self.h5[path].create_group(name)
        new.attrs["NX_class"] = g.type
        where = f"{path.rstrip('/')}/{name}"
        if g.type == "NXentry" and not self.ex.entry:
            self.ex.entry = where
        if g.type == "NXdata":
            self.nxdata.append((where, specs))
        item = Item(where, "group", g.optionality == "required", g, sole=sole)
        self.ex.items.append(item)
        self.fill(where, specs)

    # -- links, NXdata, @default --------------------------------------------------------------
    def link(self, parent: str, link: Link) -> None:
        group = self.h5[parent]
        where = f"{parent.rstrip('/')}/{link.name}"
        if link.name in group:
            return
        target = self.resolve(link.target)
        if target is None:
            self.unresolved.append((where, link.target))
            return
        group[link.name] = h5py.SoftLink(target)
        self.h5[target].attrs["target"] = target
        self.ex.items.append(Item(where, "link", True, link))
        for item in self.ex.items:
            if item.path == target:
                item.target = True

    def resolve(self, class_path: str) -> str | None:
        """The object a class path (``/NXentry/NXinstrument/NXdetector/data``) names.

        What is not in the file yet is written, from its spec (an optional group
        or field that a required link points at).
        """
        here, specs = "/", [self.tree]
        for i, seg in enumerate(s for s in class_path.split("/") if s):
            name, _, cls = seg.partition(":")
            if not cls and re.fullmatch(r"NX[a-z][a-z0-9_]*", name):
                name, cls = "", name
            if i == 0 and (cls == "NXentry" or name == posixpath.basename(self.ex.entry)):
                here, specs = self.ex.entry, [g for g in specs[0].groups if g.type == "NXentry"]
                continue
            found = self.child(here, name, cls)
            groups = [g for s in specs for g in s.groups if g.type == cls or not cls]
            matching = [g for g in groups if applies(g, name or class_name(g.type))]
            if found is None:
                found = self.make(here, name, cls, matching, specs)
            if found is None:
                return None
            here = found
            specs = [g for g in matching if applies(g, posixpath.basename(found))]
        return here

    def make(
        self, here: str, name: str, cls: str, groups: list[Group], specs: list[Group]
    ) -> str | None:
        """Write the group or field a link's class path names (from its spec)."""
        if cls and groups:
            new = name or class_name(cls)
            self.group(here, new, groups[0], groups, True)
            return f"{here.rstrip('/')}/{new}"
        if cls:  # no spec: a group of the class the definition does not declare there
            new = name or class_name(cls)
            self.h5[here].create_group(new).attrs["NX_class"] = cls
            self.ex.items.append(Item(f"{here.rstrip('/')}/{new}", "group", False))
            return f"{here.rstrip('/')}/{new}"
        fields = [(f, s) for s in specs for f in s.fields if field_applies(f, name)]
        if fields:
            self.field(here, name, *fields[0])
        else:  # a field the definition does not declare
            self.h5[here].create_dataset(name, data=np.float64(1.0))
            self.ex.items.append(Item(f"{here.rstrip('/')}/{name}", "field", False))
        return f"{here.rstrip('/')}/{name}"

    def child(self, here: str, name: str, cls: str) -> str | None:
        group = self.h5[here]
        if not isinstance(group, h5py.Group):
            return None
        for key in group:
            if name and key != name:
                continue
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.SoftLink):
                continue
            obj = group[key]
            if cls and (not isinstance(obj, h5py.Group) or obj.attrs.get("NX_class") != cls):
                continue
            return f"{here.rstrip('/')}/{key}"
        return None

    def signal(self, path: str, specs: list[Group]) -> None:
        """An NXdata group's ``@signal`` names a numeric field; ``@axes`` and indices fit it."""
        group = self.h5[path]
        declared = [a for s in specs for a in s.attributes if a.name == "signal" and a.enumeration]
        name = declared[0].enumeration.values[0] if declared and declared[0].enumeration else None
        if name is None:
            mine = [
                posixpath.basename(i.path)
                for i in self.ex.items
                if posixpath.dirname(i.path) == path
            ]
            numeric = [k for k in mine if _numeric(group.get(k))]
            name = "data" if "data" in numeric else (numeric[0] if numeric else "data")
        if name not in group:
            fields = [(f, s) for s in specs for f in s.fields if field_applies(f, name)]
            if fields:
                self.field(path, name, *fields[0])
            else:
                group.create_dataset(name, data=np.ones(2))
                self.ex.items.append(Item(f"{path}/{name}", "field", False, None, "NX_NUMBER"))
        group.attrs["signal"] = name
        axes = [k[: -len("_indices")] for k in group.attrs if k.endswith("_indices")]
        if axes:
            n = self.vector(group, name, 2)
            for axis in axes:
                group.attrs[f"{axis}_indices"] = np.int64(0)
                if axis in group:
                    self.vector(group, axis, n)
        if "axes" in group.attrs:
            rank = group[name].ndim
            group.attrs["axes"] = np.array(["."] * max(rank, 1), dtype=h5py.string_dtype())

    def vector(self, group: h5py.Group, name: str, n: int) -> int:
        """Make a scalar field of unstated shape a vector of length ``n``; its first length."""
        ds = group[name]
        if ds.ndim:
            return int(ds.shape[0])
        if any(i.dims for i in self.ex.items if i.path == ds.name):
            return 1  # a scalar the definition asks for
        attrs = dict(ds.attrs)
        data = np.full((n,), ds[()], dtype=ds.dtype)
        del group[name]
        new = group.create_dataset(name, data=data)
        new.attrs.update(attrs)
        return n

    def default(self, path: str) -> None:
        """``@default`` from ``path`` down to the first NXdata group below it."""
        group = self.h5[path]
        route: list[str] = []

        def visit(name: str, obj: Any) -> Any:
            if isinstance(obj, h5py.Group) and obj.attrs.get("NX_class") == "NXdata":
                route.append(name)
                return True
            return None

        group.visititems(visit)
        if not route:
            return
        here = group
        for step in route[0].split("/"):
            here.attrs["default"] = step
            here = here[step]


def _numeric(obj: Any) -> bool:
    return isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf"


def write_example(library: Library, defn: Definition, path: Path) -> Example:
    """Write the minimal valid file of ``defn`` at ``path``; see the module docstring.

    Raises
    ------
    ValueError
        When a required link's target is not in the file.
    """
    ex = Example(path, defn.name, "")
    with h5py.File(path, "w") as h5:
        writer = _Writer(library, defn, h5, ex)
        writer.run()
    if writer.unresolved:
        raise ValueError(f"{defn.name}: link targets not written: {writer.unresolved}")
    return ex


# ---------------------------------------------------------------------------------- faults
#: A fault's choice: the item to break and what to put there (a unit, a value, an axis).
Choice = tuple[Item, Any]


def _depth(item: Item) -> int:
    return item.path.count("/")


def _dataset(item: Item) -> bool:
    """A field the generator wrote as a dataset of its own (not a link)."""
    return item.kind == "field" and isinstance(item.spec, Field)


def _pick_missing_field(ex: Example) -> Choice | None:
    """The deepest required field with a name of its own (not ``definition``, no link target)."""
    found = [
        i
        for i in ex.items
        if _dataset(i)
        and i.required
        and i.spec.name_type == "specified"
        and i.path != f"{ex.entry}/definition"
        and not i.target
    ]
    return (max(found, key=_depth), None) if found else None


def _pick_missing_group(ex: Example) -> Choice | None:
    """The deepest required group that no sibling of its class stands in for."""
    found = [
        i
        for i in ex.items
        if i.kind == "group" and i.required and i.sole and i.path != ex.entry and i.spec
    ]
    return (max(found, key=_depth), None) if found else None


def _delete(ex: Example, choice: Choice) -> None:
    with h5py.File(ex.file, "r+") as h5:
        del h5[choice[0].path]


def _wrong_unit(units: str) -> str | None:
    """A unit that is not of the category (or does not convert to the example unit)."""
    if units in ANY_UNIT:
        return None
    reference = UNITS.get(units, units)
    return next((u for u in ("kg", "m", "s") if not convertible(u, reference)), None)


def _pick_wrong_unit(ex: Example) -> Choice | None:
    """The first numeric field with a unit category (or an example unit)."""
    for item in ex.items:
        wrong = _wrong_unit(item.units) if _dataset(item) and item.units else None
        if wrong is not None and item.nx_type != "NX_CHAR":
            return item, wrong
    return None


def _set_unit(ex: Example, choice: Choice) -> None:
    with h5py.File(ex.file, "r+") as h5:
        h5[choice[0].path].attrs["units"] = choice[1]


def _pick_text_in_number(ex: Example) -> Choice | None:
    """The first numeric field, and text for it."""
    item = next((i for i in ex.items if _dataset(i) and i.nx_type in NUMERIC), None)
    return (item, "not a number") if item is not None else None


def _closed(item: Item) -> list[str] | None:
    """The items of the item's closed enumeration, or None."""
    e = getattr(item.spec, "enumeration", None)
    if e is None or e.open or not e.values or any(v.strip().startswith("[") for v in e.values):
        return None
    return list(e.values)


def _outside(values: list[str], nx_type: str | None) -> Any:
    """A value of the type that the enumeration does not list (None: there is none)."""
    if nx_type == "NX_BOOLEAN":
        listed = {v.strip().lower() in ("true", "1") for v in values}
        return None if len(listed) == 2 else np.bool_(not listed.pop())
    if nx_type not in NUMERIC:
        return "not_in_the_enumeration"
    bad = max((float(v) for v in values if _number(v)), default=0.0) + 1
    if nx_type in INTEGERS:
        return np.uint32(bad) if nx_type != "NX_INT" else np.int64(bad)
    return np.float64(bad)


def _pick_enum_value(ex: Example) -> Choice | None:
    """The first field or attribute with a closed enumeration (not ``definition``), a value."""
    for item in ex.items:
        values = _closed(item)
        if values is None or item.path == f"{ex.entry}/definition" or item.kind == "link":
            continue
        bad = _outside(values, item.nx_type)
        if bad is not None:
            return item, bad
    return None


def _pick_rank_too_high(ex: Example) -> Choice | None:
    """The first field of a fixed (most) rank."""
    item = next((i for i in ex.items if _dataset(i) and i.max_rank is not None), None)
    return (item, None) if item is not None else None


def _pick_symbol_length(ex: Example) -> Choice | None:
    """A field that uses a symbol other objects use too, and the axis where it does.

    The field must be one the rules check after another user of the symbol
    (the first object checked defines the symbol's length): rules are checked
    in the order of the definition, and the objects one rule matches in
    alphabetical order, so the field taken is the last one in that order.
    """
    first: dict[int, int] = {}
    for n, item in enumerate(ex.items):
        first.setdefault(id(item.spec), n)
    uses: dict[str, list[Choice]] = {}
    for item in ex.items:
        if item.max_rank is None:
            continue  # a rank the rules cannot check (in words, "1+detectorRank")
        for axis, dim in enumerate(item.dims):
            m = _SYM.fullmatch(dim.replace(" ", "")) if isinstance(dim, str) else None
            if m is not None:
                uses.setdefault(m.group(1), []).append((item, axis))

    def order(choice: Choice) -> tuple[int, str]:
        return first[id(choice[0].spec)], choice[0].path

    last = [max(pairs, key=order) for pairs in uses.values() if len({p[0].path for p in pairs}) > 1]
    last = [c for c in last if _dataset(c[0])]
    return max(last, key=order) if last else None


def _rewrite(ex: Example, choice: Choice) -> None:
    """Replace the chosen dataset by the fault's value, keeping its attributes."""
    item, extra = choice
    with h5py.File(ex.file, "r+") as h5:
        old = h5[item.path]
        attrs, shape, data = dict(old.attrs), old.shape, old[()]
        del h5[item.path]
        h5.create_dataset(item.path, data=_faulty(data, shape, extra)).attrs.update(attrs)


def _faulty(data: Any, shape: tuple[int, ...], extra: Any) -> Any:
    """The new value: ``extra`` everywhere, one more axis (None), one longer along an axis."""
    if extra is None:
        return np.stack([data, data], axis=-1)
    if isinstance(extra, int) and not isinstance(extra, np.generic):
        return np.concatenate([data, np.take(data, [0], axis=extra)], axis=extra)
    if not shape:
        return extra
    if isinstance(extra, str):
        return np.full(shape, extra, dtype=object).astype(h5py.string_dtype())
    return np.full(shape, extra)


def _set_enum(ex: Example, choice: Choice) -> None:
    item, bad = choice
    if item.kind != "attribute":
        _rewrite(ex, choice)
        return
    owner, _, name = item.path.rpartition("/@")
    with h5py.File(ex.file, "r+") as h5:
        attrs = h5[owner or "/"].attrs
        shape = np.shape(attrs[name])
        attrs[name] = _faulty(None, shape, bad)


@dataclass(frozen=True)
class Fault:
    """One fault: which item it breaks in an example, and how."""

    pick: Callable[[Example], Choice | None]
    apply: Callable[[Example, Choice], None]


#: The seven faults of issue 12, by name.
FAULTS: dict[str, Fault] = {
    "missing_field": Fault(_pick_missing_field, _delete),
    "missing_group": Fault(_pick_missing_group, _delete),
    "wrong_unit": Fault(_pick_wrong_unit, _set_unit),
    "text_in_number": Fault(_pick_text_in_number, _rewrite),
    "enum_value": Fault(_pick_enum_value, _set_enum),
    "rank_too_high": Fault(_pick_rank_too_high, _rewrite),
    "symbol_length": Fault(_pick_symbol_length, _rewrite),
}


def faulty_item(kind: str, ex: Example) -> Item | None:
    """The item the fault ``kind`` would break in ``ex`` (None: the definition has none)."""
    choice = FAULTS[kind].pick(ex)
    return choice[0] if choice is not None else None


def inject(kind: str, ex: Example) -> str | None:
    """Break ``ex.file`` with the fault ``kind``; the HDF5 path where the error must be.

    None (the file untouched) when the definition has no item of that kind:
    no closed enumeration, no symbol shared by two fields, ...
    """
    choice = FAULTS[kind].pick(ex)
    if choice is None:
        return None
    FAULTS[kind].apply(ex, choice)
    return choice[0].path
