"""Read one ``.nxdl.xml`` file into the typed model of :mod:`.model`.

The rules are the NeXus manual's, not the XSD defaults (the XSD says
``minOccurs="0"``, the manual says required):

* application definitions: groups and fields are required unless
  ``optional="true"`` (optional), ``recommended="true"`` (recommended) or
  ``minOccurs="0"`` (optional); attributes are optional unless
  ``optional="false"`` (required) or ``recommended="true"``; links are
  required;
* base classes: everything is optional;
* ``nameType`` defaults to ``specified`` (a literal name, upper case too:
  NXcanSAS ``I``); a group without a name matches any name of its class;
* dimensions: ``rank`` is a number, a symbol or a symbol plus or minus a
  number; a ``dim`` value is a number, a symbol (``nP``) or ``nP+1`` /
  ``nP-1``; ``ref`` dims have any length. In an application definition any
  other text is an :class:`~.errors.NXDLError` (``FILE:LINE: what``), except
  the few texts of the standard definitions listed in :data:`KNOWN_IRREGULAR`,
  read as "any length" and reported in the generated file. Base classes are
  read leniently (their dimensions are not converted).
"""

from __future__ import annotations

import re
from pathlib import Path

from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.conventions.nexus.nxdl.model import (
    Attribute,
    Choice,
    Definition,
    Dim,
    Dims,
    Enumeration,
    Field,
    Group,
    Link,
    NameType,
    Optionality,
    Symbol,
)
from mapper.conventions.nexus.nxdl.xmltree import Element, parse_xml
from mapper.conventions.nexus.units import CATEGORIES

__all__ = ["KNOWN_IRREGULAR", "TYPES", "parse_definition"]

#: The NXDL types (nxdlTypes.xsd) a field or attribute may state.
TYPES = frozenset(
    {
        "NX_CHAR",
        "NX_CHAR_OR_NUMBER",
        "NX_FLOAT",
        "NX_INT",
        "NX_UINT",
        "NX_POSINT",
        "NX_NUMBER",
        "NX_BOOLEAN",
        "NX_DATE_TIME",
        "ISO8601",
        "NX_BINARY",
        "NX_COMPLEX",
        "NX_CCOMPLEX",
        "NX_PCOMPLEX",
        "NX_QUATERNION",
    }
)

#: Rank and dim texts of the standard definitions (v2026.01) that are no number, symbol or
#: symbol plus or minus a number: ``(definition, text)``. They are read as "any length" (a
#: dim) or "no stated rank" (a rank) instead of failing the conversion.
KNOWN_IRREGULAR = frozenset(
    {
        ("NXtomophase", "nDarkFrames + nBrightFrames + nSampleFrame"),
        ("NXcxi_ptycho", "3 for arbitrary scan, 4 for raster"),
        ("NXcxi_ptycho", "1 for arbitrary scan, 2 for raster"),
    }
)

_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SYM_OFFSET = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*([+-])\s*(\d+)")
_OFFSET_SYM = re.compile(r"(\d+)\s*\+\s*([A-Za-z_][A-Za-z0-9_]*)")
_TRUE, _FALSE = ("true", "1"), ("false", "0")


class _Reader:
    """Element -> model for one file; knows the file name, category and strictness."""

    def __init__(self, filename: str, name: str, application: bool) -> None:
        self.filename = filename
        self.name = name
        self.application = application

    def fail(self, elem: Element, what: str) -> NXDLError:
        """The error ``FILE:LINE: what`` about ``elem``."""
        return NXDLError(f"{self.filename}:{elem.line}: {what}")

    # -- attributes of elements ---------------------------------------------------------------
    def flag(self, elem: Element, key: str) -> bool | None:
        """An XSD boolean attribute: True, False or None when absent."""
        text = elem.get(key)
        if text is None:
            return None
        if text.strip().lower() in _TRUE:
            return True
        if text.strip().lower() in _FALSE:
            return False
        raise self.fail(elem, f"{key}={text!r} is not true or false")

    def occurs(self, elem: Element, key: str) -> int | None:
        """``minOccurs`` / ``maxOccurs`` as a number; None when absent or unbounded."""
        text = elem.get(key)
        if text is None or text.strip() == "unbounded":
            return None
        if not text.strip().isdigit():
            raise self.fail(elem, f"{key}={text!r} is not a number or 'unbounded'")
        return int(text)

    def optionality(self, elem: Element, attribute: bool = False) -> Optionality:
        """The manual's rules: see the module docstring."""
        if not self.application:
            return "optional"
        if self.flag(elem, "recommended"):
            return "recommended"
        optional = self.flag(elem, "optional")
        if attribute:
            return "required" if optional is False else "optional"
        if optional is not None:
            return "optional" if optional else "required"
        return "optional" if self.occurs(elem, "minOccurs") == 0 else "required"

    def name_type(self, elem: Element, named: bool) -> NameType:
        """``nameType``: specified (default for named objects), any or partial."""
        text = elem.get("nameType")
        if text is None:
            return "specified" if named else "any"
        if text not in ("specified", "any", "partial"):
            raise self.fail(elem, f"nameType={text!r} is not specified, any or partial")
        return text  # type: ignore[return-value]

    def type_of(self, elem: Element) -> str | None:
        """The stated NXDL type; an unknown one is an error in an application definition."""
        text = elem.get("type")
        if text is not None and self.application and text not in TYPES:
            raise self.fail(elem, f"unknown NXDL type {text!r}")
        return text

    def units_of(self, elem: Element) -> str | None:
        """The stated units: a unit category (NX_LENGTH) or an example unit (keV)."""
        text = elem.get("units")
        if text is not None:
            text = text.strip() or None
        if text and self.application and text.startswith("NX_") and text not in CATEGORIES:
            raise self.fail(elem, f"unknown unit category {text!r}")
        return text

    def required_name(self, elem: Element) -> str:
        """The ``name`` attribute, which this element must have."""
        name = elem.get("name")
        if not name:
            raise self.fail(elem, f"<{elem.tag}> without a name")
        return name

    # -- elements -----------------------------------------------------------------------------
    def doc(self, elem: Element) -> str:
        """The text of the element's ``<doc>``, or an empty string."""
        d = elem.find("doc")
        return d.text if d is not None else ""

    def deprecated(self, elem: Element) -> str | None:
        """The ``deprecated`` text, white space collapsed."""
        text = elem.get("deprecated")
        return " ".join(text.split()) if text is not None else None

    def enumeration(self, elem: Element) -> Enumeration | None:
        """The ``<enumeration>`` of a field or attribute."""
        e = elem.find("enumeration")
        if e is None:
            return None
        values = tuple(str(i.get("value", "")) for i in e.iter("item"))
        return Enumeration(values, bool(self.flag(e, "open")), e.line)

    def attribute(self, elem: Element) -> Attribute:
        """An ``<attribute>``."""
        return Attribute(
            name=self.required_name(elem),
            name_type=self.name_type(elem, True),
            type=self.type_of(elem),
            enumeration=self.enumeration(elem),
            dims=self.dimensions(elem),
            optionality=self.optionality(elem, attribute=True),
            deprecated=self.deprecated(elem),
            doc=self.doc(elem),
            line=elem.line,
        )

    def field(self, elem: Element) -> Field:
        """A ``<field>``."""
        return Field(
            name=self.required_name(elem),
            name_type=self.name_type(elem, True),
            type=self.type_of(elem),
            units=self.units_of(elem),
            enumeration=self.enumeration(elem),
            dims=self.dimensions(elem),
            optionality=self.optionality(elem),
            min_occurs=self.occurs(elem, "minOccurs"),
            max_occurs=self.occurs(elem, "maxOccurs"),
            deprecated=self.deprecated(elem),
            doc=self.doc(elem),
            attributes=tuple(self.attribute(a) for a in elem.iter("attribute")),
            line=elem.line,
        )

    def link(self, elem: Element) -> Link:
        """A ``<link>``."""
        target = elem.get("target")
        if not target:
            raise self.fail(elem, "<link> without a target")
        optionality: Optionality = "required" if self.application else "optional"
        return Link(
            self.required_name(elem), target.strip(), optionality, self.doc(elem), elem.line
        )

    def choice(self, elem: Element) -> Choice:
        """A ``<choice>``: required when one of its groups is."""
        groups = tuple(self.group(g) for g in elem.iter("group"))
        if not groups:
            raise self.fail(elem, "<choice> without a group")
        kinds = {g.optionality for g in groups}
        optionality: Optionality = next(
            k for k in ("required", "recommended", "optional") if k in kinds
        )
        return Choice(self.required_name(elem), groups, optionality, elem.line)

    def group(self, elem: Element, root_type: str | None = None) -> Group:
        """A ``<group>``, or the ``<definition>`` itself as the root (``root_type``)."""
        cls = root_type or elem.get("type")
        if not cls:
            raise self.fail(elem, "<group> without a type")
        name = None if root_type else elem.get("name")
        root = root_type is not None
        return Group(
            type=cls,
            name=name,
            name_type=self.name_type(elem, name is not None) if not root else "any",
            optionality="required" if root else self.optionality(elem),
            min_occurs=None if root else self.occurs(elem, "minOccurs"),
            max_occurs=None if root else self.occurs(elem, "maxOccurs"),
            deprecated=self.deprecated(elem),
            doc=self.doc(elem),
            fields=tuple(self.field(c) for c in elem.iter("field")),
            groups=tuple(self.group(c) for c in elem.iter("group")),
            attributes=tuple(self.attribute(c) for c in elem.iter("attribute")),
            links=tuple(self.link(c) for c in elem.iter("link")),
            choices=tuple(self.choice(c) for c in elem.iter("choice")),
            line=elem.line,
        )

    # -- dimensions ---------------------------------------------------------------------------
    def dimensions(self, elem: Element) -> Dims | None:
        """The ``<dimensions>`` of a field or attribute."""
        d = elem.find("dimensions")
        if d is None:
            return None
        irregular: list[str] = []
        rank = self.rank(d, irregular)
        dims = []
        for pos, dim in enumerate(d.iter("dim"), 1):
            index_text = (dim.get("index") or str(pos)).strip()
            if not index_text.isdigit() or int(index_text) < 1:
                raise self.fail(dim, f"dim index {index_text!r} is not a number from 1")
            value = self.dim_value(dim, irregular)
            required = self.flag(dim, "required") is not False
            dims.append(Dim(int(index_text), value, required))
        ordered = tuple(sorted(dims, key=lambda x: x.index))
        return Dims(rank, ordered, d.line, d.get("rank"), tuple(irregular))

    def rank(self, d: Element, irregular: list[str]) -> int | str | None:
        """The ``rank``: a number, a symbol, ``sym+N``; None when absent or irregular."""
        text = d.get("rank")
        if text is None:
            return None
        value = _expression(text)
        if value is None:
            self.irregular(d, "rank", text, irregular)
        return value

    def dim_value(self, dim: Element, irregular: list[str]) -> int | str | None:
        """A dim's length: a number, a symbol, ``sym+N``; None for ``ref`` and irregular."""
        text = dim.get("value")
        if text is None:
            if dim.get("ref") is None and dim.get("refindex") is None and self.application:
                raise self.fail(dim, "<dim> without a value or ref")
            return None
        value = _expression(text)
        if value is None:
            self.irregular(dim, "dim", text, irregular)
        return value

    def irregular(self, elem: Element, what: str, text: str, found: list[str]) -> None:
        """An unreadable rank or dim: an error, unless known or in a base class."""
        if self.application and (self.name, text) not in KNOWN_IRREGULAR:
            raise self.fail(
                elem,
                f"{what} {text!r} is not a number, a symbol or a symbol plus or minus a "
                "number (nP, nP+1)",
            )
        found.append(text)


def _expression(text: str) -> int | str | None:
    """``3`` -> 3, ``nP`` -> "nP", ``nP + 1`` / ``1+nP`` -> "nP+1"; None for anything else."""
    t = text.strip()
    if t.isdigit():
        return int(t)
    if _SYMBOL.fullmatch(t):
        return t
    m = _SYM_OFFSET.fullmatch(t)
    if m:
        return m.group(1) if int(m.group(3)) == 0 else f"{m.group(1)}{m.group(2)}{int(m.group(3))}"
    m = _OFFSET_SYM.fullmatch(t)
    if m:
        return m.group(2) if int(m.group(1)) == 0 else f"{m.group(2)}+{int(m.group(1))}"
    return None


def _symbols(reader: _Reader, root: Element) -> tuple[Symbol, ...]:
    out = []
    for block in root.iter("symbols"):
        for s in block.iter("symbol"):
            name = reader.required_name(s)
            if not _SYMBOL.fullmatch(name):
                raise reader.fail(s, f"symbol name {name!r} is not an identifier")
            out.append(Symbol(name, reader.doc(s)))
    return tuple(out)


def parse_definition(
    path: Path, rel: str, contributed: bool = False, filename: str | None = None
) -> Definition:
    """Read the definition in ``path``; ``rel`` is the path shown in generated headers.

    Raises
    ------
    NXDLError
        ``FILE:LINE: what`` for malformed XML, a file that is no NXDL
        definition, and (in an application definition) unknown types, unit
        categories and unreadable dimensions.
    MissingFileError
        When ``path`` does not exist.
    """
    filename = filename if filename is not None else str(path)
    root = parse_xml(path, filename)
    if root.tag != "definition":
        raise NXDLError(f"{filename}:{root.line}: <{root.tag}> is not an NXDL <definition>")
    name = root.get("name")
    if not name:
        raise NXDLError(f"{filename}:{root.line}: <definition> without a name")
    category = root.get("category") or "base"
    reader = _Reader(filename, name, category == "application")
    extends = root.get("extends")
    return Definition(
        name=name,
        category=category,
        extends=extends.strip() if extends and extends.strip() else None,
        doc=reader.doc(root),
        symbols=_symbols(reader, root),
        file=path,
        rel=rel,
        root=reader.group(root, root_type=name),
        contributed=contributed,
        line=root.line,
    )
