"""A small XML element tree with line numbers, built with :mod:`xml.parsers.expat`.

NXDL files are read with expat directly (no ``xml.etree``): every
:class:`Element` keeps the line where its start tag begins, so that each
error about a definition can say ``FILE:LINE: what``. Namespaces are
dropped (``{http://definition.nexusformat.org/nxdl/3.1}field`` is
``field``, ``xsi:schemaLocation`` is ``schemaLocation``). Malformed XML
raises :class:`~mapper.errors.NXDLError` with the line expat stopped at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.errors import MissingFileError

__all__ = ["Element", "parse_xml", "parse_xml_text"]


@dataclass
class Element:
    """One XML element: its tag and attributes without namespaces, children, text, line."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)
    #: the character data directly inside the element (not inside its children)
    text: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        """The attribute ``name``, or ``default``."""
        return self.attrib.get(name, default)

    def iter(self, tag: str) -> Iterator[Element]:
        """The children with this tag, in document order."""
        return (c for c in self.children if c.tag == tag)

    def find(self, tag: str) -> Element | None:
        """The first child with this tag, or None."""
        return next(self.iter(tag), None)


def _local(name: str) -> str:
    """``uri}tag`` or ``prefix:tag`` -> ``tag``."""
    return name.rpartition("}")[2].rpartition(":")[2]


class _Builder:
    """Expat handlers that build the tree."""

    def __init__(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        self.stack: list[Element] = []
        self.parts: list[list[str]] = []
        self.root: Element | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        elem = Element(
            _local(name), {_local(k): v for k, v in attrs.items()}, self.parser.CurrentLineNumber
        )
        if self.stack:
            self.stack[-1].children.append(elem)
        else:
            self.root = elem
        self.stack.append(elem)
        self.parts.append([])

    def end(self, name: str) -> None:
        elem = self.stack.pop()
        elem.text = "".join(self.parts.pop())

    def data(self, text: str) -> None:
        if self.parts:
            self.parts[-1].append(text)


def parse_xml_text(data: bytes, filename: str) -> Element:
    """Parse XML bytes into an :class:`Element` tree; ``filename`` is used in errors.

    Raises
    ------
    NXDLError
        ``FILE:LINE: malformed XML: REASON`` when expat refuses the text.
    """
    parser = expat.ParserCreate(namespace_separator="}")
    builder = _Builder(parser)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise NXDLError(f"{filename}:{exc.lineno}: malformed XML: {reason}") from None
    if builder.root is None:  # pragma: no cover - expat refuses a document without an element
        raise NXDLError(f"{filename}:1: malformed XML: no element")
    return builder.root


def parse_xml(path: Path, filename: str | None = None) -> Element:
    """Read and parse the XML file ``path``; errors name it as ``filename`` (default: ``path``).

    Raises
    ------
    MissingFileError
        When the file does not exist.
    NXDLError
        When it cannot be read or is not well-formed XML.
    """
    name = filename if filename is not None else str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MissingFileError(f"{name}: no such file") from None
    except OSError as exc:
        raise NXDLError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse_xml_text(data, name)
