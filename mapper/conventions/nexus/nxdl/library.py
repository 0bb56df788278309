"""The NXDL definitions of one folder, found by name and read once.

A definitions folder holds ``base_classes/``, ``applications/`` and
``contributed_definitions/`` (the layout of the NeXus definitions
repository). A definition is found by its file name (``NXmx.nxdl.xml``) and
parsed on first use; base classes are read only when a group of that class
is met. A file given outside the folder (``mapper nxdl my/NXfoo.nxdl.xml
--definitions DIR``) is read on its own, and its base classes and parent
definitions come from the folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mapper.conventions.nexus.nxdl.errors import NXDLError
from mapper.conventions.nexus.nxdl.model import Definition
from mapper.conventions.nexus.nxdl.parse import parse_definition
from mapper.errors import MissingFileError

__all__ = ["SUBDIRS", "SUFFIX", "Library"]

#: The subfolders of a definitions folder, in lookup order.
SUBDIRS = ("base_classes", "applications", "contributed_definitions")
SUFFIX = ".nxdl.xml"


def definition_name(path: Path) -> str:
    """``.../NXmx.nxdl.xml`` -> ``NXmx``."""
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


class Library:
    """The definitions of the folder ``root``, parsed on demand and cached."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Path] | None = None
        self._parsed: dict[Path, Definition] = {}
        #: results derived from the definitions, cached by their users (flattened classes)
        self.memo: dict[str, Any] = {}

    @property
    def files(self) -> dict[str, Path]:
        """Definition name -> file, for every ``*.nxdl.xml`` of the three subfolders."""
        if self._files is None:
            found: dict[str, Path] = {}
            for sub in SUBDIRS:
                folder = self.root / sub
                if folder.is_dir():
                    for f in sorted(folder.glob(f"*{SUFFIX}")):
                        found.setdefault(definition_name(f), f)
            self._files = found
        return self._files

    def release(self) -> str:
        """The release named in ``NXDL_VERSION`` (``v2026.01``), or ``unknown``."""
        try:
            text = (self.root / "NXDL_VERSION").read_text(encoding="utf-8").strip()
        except OSError:
            return "unknown"
        return text.splitlines()[0].strip() if text else "unknown"

    def rel(self, path: Path) -> str:
        """The path shown in headers: relative to the folder, or the file name."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.name

    def load(self, path: Path) -> Definition:
        """The definition in ``path`` (inside the folder or not), parsed once."""
        key = path.resolve() if path.exists() else path
        if key not in self._parsed:
            if not path.is_file():
                raise MissingFileError(f"{path}: no such file")
            rel = self.rel(path)
            contributed = rel.startswith("contributed_definitions/")
            self._parsed[key] = parse_definition(path, rel, contributed)
        return self._parsed[key]

    def get(self, name: str) -> Definition | None:
        """The definition called ``name`` in the folder, or None."""
        path = self.files.get(name)
        return self.load(path) if path is not None else None

    def base_class(self, name: str) -> Definition | None:
        """The base class ``name`` (standard or contributed), or None."""
        found = self.get(name)
        return found if found is not None and found.category == "base" else None

    def applications(self) -> list[Definition]:
        """Every application definition of the folder, standard then contributed, by name."""
        out = []
        for sub in ("applications", "contributed_definitions"):
            folder = self.root / sub
            if not folder.is_dir():
                continue
            for f in sorted(folder.glob(f"*{SUFFIX}")):
                d = self.load(f)
                if d.is_application:
                    out.append(d)
        return out

    def parent_of(self, defn: Definition) -> Definition | None:
        """The application definition ``defn`` extends, or None (``NXobject``).

        Raises
        ------
        NXDLError
            When the parent is unknown or is no application definition.
        """
        if defn.extends in (None, "NXobject"):
            return None
        where = f"{defn.file}:{defn.line}"
        parent = self.get(defn.extends)
        if parent is None:
            raise NXDLError(
                f"{where}: {defn.name} extends {defn.extends}, which is no definition in "
                f"{self.root} ({', '.join(SUBDIRS)})"
            )
        if not parent.is_application:
            raise NXDLError(
                f"{where}: {defn.name} extends {defn.extends}, which is no application definition"
            )
        return parent

    def chain(self, defn: Definition) -> list[Definition]:
        """``defn`` and the definitions it extends, the root ancestor first.

        Raises
        ------
        NXDLError
            On a loop (``NXa extends NXb extends NXa``).
        """
        out = [defn]
        names = [defn.name]
        while True:
            parent = self.parent_of(out[0])
            if parent is None:
                return out
            if parent.name in names:
                loop = " -> ".join([*names, parent.name])
                raise NXDLError(f"{defn.file}:{defn.line}: extends loop: {loop}")
            out.insert(0, parent)
            names.append(parent.name)
