"""The package layout keeps its promises: a generic engine, one-way imports, no cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mapper"

#: Modules that must know no file format: the language, HDF5 access, the engine, the registry.
GENERIC = [
    *sorted((PACKAGE / "language").glob("*.py")),
    *sorted((PACKAGE / "hdf5").glob("*.py")),
    *sorted((PACKAGE / "engine").glob("*.py")),
    PACKAGE / "registry.py",
    PACKAGE / "errors.py",
    PACKAGE / "api.py",
]
#: Names of formats, their classes and their attributes (NXentry, NX_class, NX_FLOAT, ...).
FORMAT_NAME = re.compile(r"\bNX[A-Za-z_]|nexus|hspy|hyperspy|usid|pyusid", re.IGNORECASE)


def _module(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (examples may name a format)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _code_words(path: Path) -> list[tuple[int, str]]:
    """``(line, text)`` of every name, attribute and string in code (docstrings excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            words.append((node.lineno, node.value))
        elif isinstance(node, ast.Name):
            words.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((node.lineno, node.attr))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.arg)):
            words.append((node.lineno, getattr(node, "name", None) or getattr(node, "arg", "")))
    return words


@pytest.mark.parametrize(
    "path",
    [p for p in GENERIC if p.name != "registry.py"],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_generic_modules_name_no_format_even_in_their_docs_and_comments(path):
    text = path.read_text(encoding="utf-8")
    hits = [
        f"{path.name}:{i}: {line.strip()}"
        for i, line in enumerate(text.splitlines(), 1)
        if FORMAT_NAME.search(line)
    ]
    assert hits == [], "examples in the engine's docs use no format's names:\n" + "\n".join(hits)


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_generic_modules_name_no_format(path):
    """The registry's docs explain a Convention with NeXus as the example; its code names none."""
    hits = [
        f"{path.name}:{line}: {text!r}"
        for line, text in _code_words(path)
        if FORMAT_NAME.search(text)
    ]
    assert hits == [], "format knowledge belongs in mapper/conventions or a mapping:\n" + "\n".join(
        hits
    )


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """The ``mapper`` modules ``path`` imports (at module level only, or anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If):  # TYPE_CHECKING blocks import nothing at run time
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mapper"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("mapper"))
    return out


def _all_modules() -> dict[str, Path]:
    return {_module(p): p for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("path", GENERIC, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_generic_modules_never_import_conventions(path):
    found = [m for m in _imports(path, top_level_only=False) if m.startswith("mapper.conventions")]
    assert found == [], f"{path.name} imports {found}; the registry loads conventions"


#: The layers, lowest first: a module may import its own layer and the ones below.
LAYERS = [
    ("mapper._version", "mapper.errors"),
    ("mapper.registry",),
    ("mapper.language",),
    ("mapper.hdf5",),
    ("mapper.engine",),
    ("mapper.conventions",),
    ("mapper.api", "mapper.cli", "mapper.nxdl", "mapper.__init__", "mapper.__main__", "mapper"),
]


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} is in no layer")


def test_each_layer_imports_only_the_layers_below():
    """Also inside functions: a lazy import upwards is a layering problem all the same."""
    modules = _all_modules()
    wrong = []
    for name, path in modules.items():
        for dep in _imports(path, top_level_only=False):
            if dep not in modules:
                continue  # a name imported from a module, not a module
            if dep != "mapper" and _layer(dep) > _layer(name):
                wrong.append(f"{name} -> {dep}")
    assert wrong == []


def test_no_import_cycles_at_module_level():
    modules = _all_modules()
    graph = {
        name: {m for m in _imports(path, top_level_only=True) if m in modules and m != name}
        for name, path in modules.items()
    }
    # importing a package runs its __init__: a module depends on its parents' __init__ too
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    # a package __init__ that imports its own submodules is not a cycle of design
    real = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert real == []


def test_no_function_body_is_longer_than_sixty_lines():
    long = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    first = node.body[1] if len(node.body) > 1 else first  # past the docstring
                length = (node.end_lineno or node.lineno) - first.lineno + 1
                if length > 60:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_the_tree_says_where_things_go():
    """Where a new application definition, transform and file convention go (architecture.md)."""
    assert (PACKAGE.parent / "schemas").is_dir()  # a new application definition: a YAML file
    assert (PACKAGE / "conventions" / "generic" / "common.py").is_file()  # a new transform
    assert (PACKAGE / "conventions" / "nexus" / "__init__.py").is_file()  # a new convention
    for pkg in ("language", "hdf5", "engine", "conventions", "cli"):
        doc = ast.get_docstring(ast.parse((PACKAGE / pkg / "__init__.py").read_text()))
        assert doc and len(doc.split()) > 8, f"mapper/{pkg}/__init__.py says what lives there"
