"""What built-ins, writers and checks are given: the read, write and validation contexts.

A built-in reads through a :class:`Context` (the resolver of the open file,
the load options, a warn hook); a writer adds to the plan of the file being
written through a :class:`WriteContext`; a check reports through an
:class:`Emit` callback. Bulk arrays travel as :class:`ArrayRef` until the
engine materialises them, eagerly or lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mapper.errors import Note
from mapper.hdf5.resolve import Resolver
from mapper.hdf5.write import WritePlan


class Emit(Protocol):
    """The callback a check reports through."""

    def __call__(
        self,
        rule: str,
        path: str,
        message: str,
        severity: str = "error",
        expected: Any = None,
        found: Any = None,
    ) -> None:
        """Report one finding about the object at ``path``."""


@dataclass(frozen=True)
class ArrayRef:
    """A bulk array in the file, materialised by the engine (eagerly or lazily).

    ``op`` is an element-wise post-processing step (``"square"``), applied
    eagerly with numpy or lazily with dask. ``field`` selects one field of a
    compound dtype; ``shape`` is a C-order reshape applied after reading (a
    table's N-D form), which a lazy array does without reading.
    """

    path: str
    op: str | None = None
    field: str | None = None
    shape: tuple[int, ...] | None = None


@dataclass
class Context:
    """What a built-in may use: the resolver, the file name, load options and a warn hook."""

    resolver: Resolver
    filename: str
    options: dict[str, Any] = field(default_factory=dict)
    warn: Callable[[str], None] = print
    #: the load was asked to be lazy (bulk arrays come back as dask arrays)
    lazy: bool = False
    #: per-load memo for built-ins (keys are tuples starting with the built-in's name)
    memo: dict[Any, Any] = field(default_factory=dict)

    def warn_at(self, path: str, message: str, consequence: str = "") -> None:
        """Warn about the object at ``path`` (a :class:`~mapper.errors.Note`)."""
        self.warn(Note(self.filename, path, message, consequence))


class WriteContext:
    """What a built-in's writer may use: the plan of the file being written.

    Everything goes into the plan; nothing touches a file until every value of
    every signal has been encoded and checked, so a bad value is reported
    before anything is written.
    """

    def __init__(
        self, plan: WritePlan, signal: dict[str, Any], label: str, options: dict[str, Any]
    ) -> None:
        self.plan = plan
        self.signal = signal
        self.label = label
        self.options = options
        #: per-signal memo for writers that share a derived value (keys start with the name)
        self.memo: dict[Any, Any] = {}

    def group(self, path: str) -> None:
        """Create the group ``path`` (and its parents)."""
        self.plan.add_group(path)

    def dataset(
        self,
        path: str,
        value: Any,
        *,
        bulk: bool = False,
        navigate: list[bool] | None = None,
        **options: Any,
    ) -> None:
        """Write ``value`` at ``path``; ``bulk`` marks the signal's data (chunking, filters).

        ``navigate``: the navigation flags of a bulk array stored in another
        shape than the signal's (they choose its chunks).
        """
        self.plan.add_dataset(path, value, bulk=bulk, **options)
        if bulk and navigate is not None:
            self.plan.navigate[path] = list(navigate)

    def attr(self, path: str, name: str, value: Any) -> None:
        """Set attribute ``name`` of the object at ``path``."""
        self.plan.attrs[(path, name)] = value

    def reference(self, path: str, name: str, to: str) -> None:
        """Set attribute ``name`` of ``path`` to an HDF5 object reference to ``to``."""
        from mapper.hdf5.write import ObjectRef

        self.plan.attrs[(path, name)] = ObjectRef(to)

    def owns(self, path: str) -> None:
        """``path`` is written whole by this built-in (replaced whole when updating a file)."""
        self.plan.owned.append(path)

    def problem(self, message: str) -> None:
        """Record a value that cannot be written (reported before writing)."""
        self.plan.problems.append(message)
