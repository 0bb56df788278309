"""The error tree: every exception the package defines is a MapperError.

Callers catch ``mapper.MapperError`` for anything the mapper raises on bad
input; the command line turns a MapperError into a one-line message and
anything else into "internal error (please report it)". An exception class
outside the tree (a plain ``ValueError`` subclass) is therefore a bug twice
over: ``except MapperError`` misses it and the CLI calls it an internal error.
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap

import h5py
import numpy as np

import mapper
from mapper.cli import main as cli_main
from mapper.errors import MapperError, MapperWarning


def mapper_modules() -> list[str]:
    """The name of every module of the package (``__main__`` runs the CLI: left out)."""

    def fail(name: str) -> None:
        raise  # walk_packages calls this inside its ``except`` block: re-raise

    names = ["mapper"]
    for info in pkgutil.walk_packages(mapper.__path__, prefix="mapper.", onerror=fail):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            names.append(info.name)
    return names


def exception_classes() -> list[type[Exception]]:
    """Every Exception subclass defined in a module of the package, each once."""
    found: dict[str, type[Exception]] = {}
    for name in mapper_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Exception)
                and obj.__module__.split(".")[0] == "mapper"
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[key] for key in sorted(found)]


def qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_walk_sees_every_module_and_the_known_errors():
    names = mapper_modules()
    assert "mapper.errors" in names
    # a module from every part of the pipeline, modules inside packages included
    parts = {name.split(".")[1] for name in names if name.count(".") >= 2}
    assert {"language", "hdf5", "engine", "conventions", "cli"} <= parts, sorted(parts)
    classes = exception_classes()
    assert MapperError in classes and MapperWarning in classes
    assert {"WriteError", "MappingError", "ResolveError"} <= {c.__name__ for c in classes}


def test_every_error_is_a_mapper_error_and_every_warning_a_mapper_warning():
    outside = [
        f"{qualified(cls)} ({', '.join(qualified(b) for b in cls.__mro__[1:-2])})"
        for cls in exception_classes()
        if not (
            issubclass(cls, MapperWarning)
            if issubclass(cls, Warning)
            else issubclass(cls, MapperError)
        )
    ]
    assert outside == [], "not in the MapperError/MapperWarning tree: " + "; ".join(outside)


def test_mapper_warning_is_a_user_warning_and_not_an_error():
    assert issubclass(MapperWarning, UserWarning)
    assert not issubclass(MapperWarning, MapperError)
    assert not issubclass(MapperError, Warning)


# ---------------------------------------------------------------------------- a path bug
COLON_MAPPING = """\
    mapping: "1"
    name: colon
    anchors:
      det: {path: /det}
    signal:
      data: {path: "{det}/data"}
      axes:
        - for_each: {glob: "{det}/dim*", as: d}
          axis:
            name: {name_of: "{det}/{d}"}
            values: {path: "{det}/{d}"}
"""


def test_a_glob_match_whose_name_holds_a_colon_loads(tmp_path, capsys):
    """A for-each value is a name, taken literally: ``dim:0`` is no ``name:NXclass`` segment.

    Whatever the outcome, it is never an internal error: ``load`` works (or would
    raise a MapperError), and the CLI does not print "internal error".
    """
    data = tmp_path / "colon.h5"
    with h5py.File(data, "w") as f:
        det = f.create_group("det")
        det["data"] = np.arange(3.0)
        det["dim:0"] = np.array([1.0, 2.0, 4.0])
    mapping = tmp_path / "colon.yaml"
    mapping.write_text(textwrap.dedent(COLON_MAPPING), encoding="utf-8")

    (signal,) = mapper.load(data, schema=str(mapping))
    (axis,) = signal["axes"]
    assert axis["name"] == "dim:0"
    assert axis["size"] == 3
    np.testing.assert_array_equal(axis["axis"], [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(signal["data"], np.arange(3.0))

    code = cli_main(["load", str(data), "--schema", str(mapping)])
    out, err = capsys.readouterr()
    assert "internal error" not in out + err
    assert code == 0, err
    assert "dim:0" in out


def test_the_cli_calls_a_mapper_error_no_internal_error(tmp_path, capsys):
    """The control: a MapperError (here: no such file) is a one-line message, exit 2."""
    code = cli_main(["load", str(tmp_path / "absent.h5")])
    err = capsys.readouterr().err
    assert code == 2
    assert "internal error" not in err
    assert err.count("\n") == 1


def test_a_mapper_warning_points_at_the_callers_line(tmp_path):
    """Not at the package's internals: the line of the user's mapper.load(...)."""
    import warnings

    import h5py
    from nxtomo_files import write_nxtomo

    import mapper
    from mapper.errors import MapperWarning

    path = write_nxtomo(tmp_path / "odd.nxs")
    with h5py.File(path, "a") as f:
        del f["entry/instrument/detector/x_pixel_size"]
        f["entry/instrument/detector/x_pixel_size"] = "big"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mapper.load(path)
    ours = [w for w in caught if issubclass(w.category, MapperWarning)]
    assert ours and all(w.filename == __file__ for w in ours), [w.filename for w in ours]
