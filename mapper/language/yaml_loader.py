"""Safe YAML loading that remembers where every key and value came from.

The loader is a safe loader (libyaml's ``CSafeLoader`` when PyYAML has it,
else :class:`yaml.SafeLoader`; no python tags, no object construction) that

* rejects duplicate keys, naming both lines;
* refuses aliases beyond a small budget (no "billion laughs");
* records the ``(line, column)`` of every mapping key and value, so that a
  JSON-Schema error path such as ``/signal/axes/0/navigate`` can be turned
  back into ``file.yaml:9:7``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mapper.errors import MappingError, MissingFileError
from mapper.language.locations import Locations

#: Most alias expansions a mapping file may use (anchors are legitimate, bombs are not).
MAX_ALIASES = 100
#: Most nodes a mapping may expand to (aliases share nodes; expanding them must stay small).
MAX_NODES = 200_000
#: Largest mapping file accepted, in bytes.
MAX_BYTES = 1 << 20

Pointer = tuple[Any, ...]
#: The only tags a collection may carry (the implicit ones).
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass
class Document:
    """A loaded YAML document and the marks of its nodes.

    Attributes
    ----------
    data
        The plain Python value (dicts, lists, scalars).
    source
        The file name used in messages.
    marks
        ``pointer -> (line, column)``, 1-based, where a pointer is the tuple of
        keys and indices leading to a value (``("signal", "axes", 0)``).
    key_marks
        Same, for the key that introduces a mapping entry.
    """

    data: Any
    source: str
    marks: dict[Pointer, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Pointer, tuple[int, int]] = field(default_factory=dict)

    @property
    def locations(self) -> Locations:
        """The marks as :class:`~mapper.language.locations.Locations`."""
        return Locations.from_marks(self.source, self.marks, self.key_marks)

    def where(self, pointer: Pointer, key: bool = False) -> str:
        """Return ``source:line:col`` for the deepest known prefix of ``pointer``."""
        return str(self.locations.where(pointer, key))


#: libyaml's parser when PyYAML has it (ten times faster on the generated mappings)
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]  # the C loader has no stubs
    """Safe loader (libyaml's when available) that counts nodes and alias uses.

    The composer runs in C, so an alias is counted when :func:`_construct`
    meets a node it has already built (an alias is the same node object).
    """

    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source
        self.alias_count = 0
        self.node_count = 0
        self.seen: set[int] = set()

    def count_alias(self, node: Node, where: tuple[int, int]) -> None:
        """Count a second use of ``node`` (at ``where``); refuse more than :data:`MAX_ALIASES`."""
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return
        self.alias_count += 1
        if self.alias_count > MAX_ALIASES:
            raise MappingError(
                f"{self.source}:{where[0]}:{where[1]}: more than "
                f"{MAX_ALIASES} YAML aliases; refusing to expand (alias bomb?)"
            )


def _construct(loader: _Loader, node: Node, pointer: Pointer, doc: Document) -> Any:
    """Build plain Python values from a node tree, recording marks."""
    loader.node_count += 1
    if isinstance(node, (MappingNode, SequenceNode)):
        mark = node.start_mark
        loader.count_alias(node, doc.key_marks.get(pointer, (mark.line + 1, mark.column + 1)))
    if loader.node_count > MAX_NODES:
        raise MappingError(
            f"{doc.source}: mapping expands to more than {MAX_NODES} nodes; refusing (alias bomb?)"
        )
    doc.marks[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (MappingNode, SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise MappingError(
            f"{doc.source}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: "
            f"tags are not allowed in mapping files ({node.tag!r})"
        )
    if isinstance(node, MappingNode):
        n_explicit = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)
        n_merged = len(node.value) - n_explicit  # flatten puts '<<' pairs first
        out: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merged_keys: set[Any] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise MappingError(
                    f"{doc.source}:{key_node.start_mark.line + 1}:"
                    f"{key_node.start_mark.column + 1}: a mapping key must be a scalar"
                ) from None
            line = key_node.start_mark.line + 1
            if index < n_merged:
                merged_keys.add(key)  # later merge sources and explicit keys override these
            elif key in out and key not in merged_keys:
                raise MappingError(
                    f"{doc.source}:{line}:{key_node.start_mark.column + 1}: duplicate key "
                    f"{key!r} (first at line {first_line[key]})"
                )
            merged_keys.discard(key) if index >= n_merged else None
            first_line[key] = line
            child: Pointer = (*pointer, key)
            doc.key_marks[child] = (line, key_node.start_mark.column + 1)
            out[key] = _construct(loader, value_node, child, doc)
        return out
    if isinstance(node, SequenceNode):
        return [_construct(loader, item, (*pointer, i), doc) for i, item in enumerate(node.value)]
    if isinstance(node, ScalarNode):
        return loader.construct_object(node, deep=True)
    raise MappingError(f"{doc.where(pointer)}: unsupported YAML node")  # pragma: no cover


def loads(text: str, source: str = "<string>") -> Document:
    """Parse YAML text safely into a :class:`Document`.

    Raises
    ------
    MappingError
        On syntax errors, python tags, duplicate keys or alias bombs, with
        ``source:line:col`` in the message.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise MappingError(f"{source}: mapping file larger than {MAX_BYTES} bytes")
    loader = _Loader(text, source)
    doc = Document(data=None, source=source)
    try:
        node = loader.get_single_node()
        if node is None:
            raise MappingError(f"{source}:1:1: empty mapping file")
        doc.data = _construct(loader, node, (), doc)
    except MappingError:
        raise
    except (ConstructorError, yaml.MarkedYAMLError) as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        if "could not determine a constructor" in str(problem):
            problem = "tags are not allowed in mapping files " + problem.split("tag", 1)[-1].strip()
        raise MappingError(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{source}: {exc}") from None
    finally:
        loader.dispose()
    return doc


def load_file(path: str | Path) -> Document:
    """Read and parse a YAML file; see :func:`loads`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise MissingFileError(f"{p}: mapping file not found") from None
    except IsADirectoryError:
        raise MappingError(f"{p}: is a directory, not a mapping file") from None
    except OSError as exc:
        raise MappingError(f"{p}: cannot read mapping file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    return loads(text, source=str(p))
