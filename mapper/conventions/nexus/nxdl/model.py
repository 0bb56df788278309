"""A typed model of one NXDL definition, as the NeXus manual states it.

:mod:`.parse` builds it from the XML; :mod:`.generate` turns it into a
mapping. The model keeps what NXDL says, already interpreted:

* ``optionality`` is ``"required"``, ``"recommended"`` or ``"optional"``,
  decided by the manual's rules (in an application definition every group
  and field is required unless ``optional="true"``, ``recommended="true"``
  or ``minOccurs="0"``; attributes are optional unless ``optional="false"``;
  in a base class everything is optional);
* ``name_type`` is ``"specified"`` (a literal name), ``"partial"`` (the
  upper-case runs are placeholders: ``sampleID``) or ``"any"``; a group
  without a name has ``name=None`` and matches any name of its class;
* dimensions are :class:`Dims` with a rank (a number, a symbol, or None)
  and :class:`Dim` values (a length, a symbol, ``"sym+1"``, or None for any).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "Attribute",
    "Choice",
    "Definition",
    "Dim",
    "Dims",
    "Enumeration",
    "Field",
    "Group",
    "Link",
    "NameType",
    "Optionality",
    "Symbol",
]

Optionality = Literal["required", "recommended", "optional"]
NameType = Literal["specified", "any", "partial"]


@dataclass(frozen=True)
class Enumeration:
    """The items of an ``<enumeration>``, as written, and whether it is open."""

    values: tuple[str, ...]
    open: bool
    line: int


@dataclass(frozen=True)
class Dim:
    """One ``<dim>``: its 1-based index, its length and whether it must be there.

    ``value`` is an int, a symbol (``nP``), a symbol plus or minus a number
    (``"nP+1"``), or None (any length: a ``ref`` dim, or an expression that
    cannot be checked).
    """

    index: int
    value: int | str | None
    required: bool = True


@dataclass(frozen=True)
class Dims:
    """A ``<dimensions>`` element.

    ``rank`` is an int, a symbol, a symbol plus a number (``1+detectorRank`` is
    ``"detectorRank+1"``) or None (not stated, or text that states no rank,
    kept in ``irregular``).
    """

    rank: int | str | None
    dims: tuple[Dim, ...]
    line: int
    #: the ``rank`` attribute as written (None when absent)
    rank_text: str | None = None
    #: the rank or dim text that is no number, symbol or symbol plus or minus N (known cases)
    irregular: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribute:
    """An ``<attribute>`` of a group or field."""

    name: str
    name_type: NameType
    type: str | None
    enumeration: Enumeration | None
    dims: Dims | None
    optionality: Optionality
    deprecated: str | None
    doc: str
    line: int


@dataclass(frozen=True)
class Field:
    """A ``<field>``."""

    name: str
    name_type: NameType
    type: str | None
    units: str | None
    enumeration: Enumeration | None
    dims: Dims | None
    optionality: Optionality
    min_occurs: int | None
    #: None: unbounded or not stated
    max_occurs: int | None
    deprecated: str | None
    doc: str
    attributes: tuple[Attribute, ...]
    line: int


@dataclass(frozen=True)
class Link:
    """A ``<link name target>``: the target is a class path (``/NXentry/NXdata/data``)."""

    name: str
    target: str
    optionality: Optionality
    doc: str
    line: int


@dataclass(frozen=True)
class Group:
    """A ``<group>`` (or the definition's root): its class, name and children."""

    type: str
    #: None: no name given, any name of the class
    name: str | None
    name_type: NameType
    optionality: Optionality
    min_occurs: int | None
    max_occurs: int | None
    deprecated: str | None
    doc: str
    fields: tuple[Field, ...]
    groups: tuple[Group, ...]
    attributes: tuple[Attribute, ...]
    links: tuple[Link, ...]
    choices: tuple[Choice, ...]
    line: int


@dataclass(frozen=True)
class Choice:
    """A ``<choice name>``: a group of that name, of one of the classes of ``groups``."""

    name: str
    groups: tuple[Group, ...]
    optionality: Optionality
    line: int


@dataclass(frozen=True)
class Symbol:
    """A declared dimension symbol."""

    name: str
    doc: str


@dataclass(frozen=True)
class Definition:
    """One ``.nxdl.xml`` file: an application definition or a base class.

    ``file`` is the path it was read from and ``rel`` the path shown in the
    generated header (``applications/NXmx.nxdl.xml``); ``extends`` is the
    ``extends`` attribute as written (``NXobject`` for most), None when absent.
    """

    name: str
    category: str
    extends: str | None
    doc: str
    symbols: tuple[Symbol, ...]
    file: Path
    rel: str
    root: Group
    contributed: bool
    line: int

    @property
    def is_application(self) -> bool:
        """True for an application definition (``category="application"``)."""
        return self.category == "application"
