"""The meaning checks of a mapping, after the JSON Schema has checked its structure.

One source kind per source, known built-ins and transforms (with their
arguments checked against the built-in's signature), anchors used only
after they are defined, declared options and symbols, parseable paths.
"""

from __future__ import annotations

from typing import Any

from mapper.errors import MappingError, Problem, did_you_mean
from mapper.language.dims import symbol_dim
from mapper.language.locations import Locations, Pointer
from mapper.language.model import ROOT_FACTS as FACTS
from mapper.language.model import SOURCE_KINDS, TREE_ARGS, TREE_STYLES
from mapper.language.paths import PathSyntaxError, parse_path, template_names
from mapper.registry import REGISTRY, Convention


class _Checker:
    """Collects semantic problems with locations."""

    def __init__(self, data: dict[str, Any], locations: Locations) -> None:
        self.data = data
        self.locations = locations
        self.problems: list[Problem] = []
        self.options = set((data.get("options") or {}).keys())
        self.option_types = {
            k: v.get("type") for k, v in (data.get("options") or {}).items() if isinstance(v, dict)
        }
        self.symbols = set(data.get("symbols") or ())
        #: the mapping's convention; an unknown one is reported once, and its
        #: classes are then taken as written (no follow-up problem about them)
        self.known = True
        self.convention = self._convention(data.get("convention"))
        #: convention -> the class-looking segments of a mapping that names none
        self.class_hints: dict[str, list[str]] = {}

    def _convention(self, name: Any) -> Convention:
        try:
            return REGISTRY.convention(name if isinstance(name, str) else None)
        except MappingError as exc:
            self.add(("convention",), str(exc))
            self.known = False
            return _UNKNOWN

    @property
    def has_classes(self) -> bool:
        """Whether the mapping's groups have classes (an unknown convention may)."""
        return self.convention.class_attr is not None

    def add(self, ptr: Pointer, msg: str) -> None:
        pointer = "/" + "/".join(map(str, ptr))
        self.problems.append(Problem(self.locations.where(ptr), pointer, msg))

    def path(self, ptr: Pointer, expr: str | None, names: set[str]) -> None:
        if expr is None:
            return
        try:
            parse_path(expr, self.convention)
        except PathSyntaxError as exc:
            if not self._hint_classes(expr):
                self.add(ptr, f"bad path expression {expr!r}: {exc}")
            return
        if not self.has_classes:
            self._hint_classes(expr)
        for name in template_names(expr):
            if name not in names:
                hint = did_you_mean(name, names, fmt="{{{}}}")
                self.add(ptr, f"unknown anchor or variable {{{name}}} in {expr!r}{hint}")

    def _hint_classes(self, expr: str) -> bool:
        """Note class-looking segments of a mapping without a convention; True when any.

        Only conventions that ask for it (``hint_unqualified``) are suggested;
        :meth:`hints` reports them once per convention.
        """
        if self.has_classes:
            return False
        found = False
        for conv in REGISTRY.conventions().values():
            if not conv.hint_unqualified:
                continue
            try:
                parsed = parse_path(expr, conv)
            except PathSyntaxError:
                continue
            classes = [s.cls for s in parsed.segments if s.cls]
            if classes:
                self.class_hints.setdefault(conv.name, []).extend(classes)
                found = True
        return found

    def hints(self) -> None:
        """One problem per convention whose classes a mapping without a convention uses."""
        for name, classes in self.class_hints.items():
            shown = ", ".join(dict.fromkeys(classes))
            self.add(
                (),
                f"the paths use {name} group classes ({shown}) but the mapping names no "
                f"convention: add 'convention: {name}'",
            )

    def predicate(self, ptr: Pointer, pred: dict[str, Any], names: set[str]) -> None:
        keys = {"exists", "path", "any", "all", "not", "option"} & set(pred)
        if len(keys) != 1:
            self.add(ptr, "a predicate needs exactly one of exists, path, any, all, not, option")
            return
        key = keys.pop()
        if key in ("exists", "path"):
            self.path((*ptr, key), pred[key], names)
        if key == "path" and not {"equals", "one_of", "matches"} & set(pred):
            self.add(ptr, "a path predicate needs equals, one_of or matches")
        if key in ("any", "all"):
            for i, child in enumerate(pred[key]):
                self.predicate((*ptr, key, i), child, names)
        if key == "not":
            self.predicate((*ptr, "not"), pred["not"], names)
        if key == "option" and pred["option"] not in self.options:
            self.add((*ptr, "option"), f"undeclared option {pred['option']!r}")

    def source(self, ptr: Pointer, src: dict[str, Any], names: set[str]) -> None:
        kinds = [k for k in SOURCE_KINDS if k in src]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            self.add(
                ptr,
                f"a value source needs exactly one of {', '.join(SOURCE_KINDS)} (found: {found})",
            )
            return
        kind = kinds[0]
        for key in ("path", "tree", "name_of", "at"):
            self.path((*ptr, key), src.get(key), names)
        if kind == "first":
            for i, alt in enumerate(src["first"]):
                self.source((*ptr, "first", i), alt, names)
        if kind == "builtin":
            self.builtin(ptr, src, "value")
        if kind == "tree":
            self.tree(ptr, src)
        if kind == "option" and src["option"] not in self.options:
            self.add((*ptr, "option"), f"undeclared option {src['option']!r}")
        for k, v in (src.get("args") or {}).items():
            if isinstance(v, dict) and set(v) == {"option"} and v["option"] not in self.options:
                self.add((*ptr, "args", k), f"undeclared option {v['option']!r}")
        if src.get("deref") and kind != "path":
            self.add((*ptr, "deref"), "deref applies to path sources only")
        transforms = REGISTRY.names("transform")
        if "transform" in src and src["transform"] not in transforms:
            hint = did_you_mean(src["transform"], transforms)
            self.add((*ptr, "transform"), f"unknown transform {src['transform']!r}{hint}")
        if "when" in src:
            self.predicate((*ptr, "when"), src["when"], names)
        self.constraints(ptr, src)

    def builtin(self, ptr: Pointer, src: dict[str, Any], kind: str) -> None:
        """A built-in named by a source (``value``) or an anchor (``paths``), and its arguments."""
        name = src["builtin"]
        found = REGISTRY.find("builtin", name)
        if found is None:
            hint = did_you_mean(name, REGISTRY.names("builtin"))
            self.add((*ptr, "builtin"), f"unknown builtin {name!r}{hint}")
        elif found.kind != kind and kind == "value":
            self.add((*ptr, "builtin"), f"builtin {name!r} gives paths, use it in an anchor")
        elif found.kind != kind:
            self.add((*ptr, "builtin"), f"builtin {name!r} gives values, not paths")
        else:
            self.call(ptr, found.func, src, takes_at=kind == "value")

    def tree(self, ptr: Pointer, src: dict[str, Any]) -> None:
        """A tree source: its arguments and their types."""
        targs = src.get("args") or {}
        for key in targs:
            if key not in TREE_ARGS:
                known = ", ".join(sorted(TREE_ARGS))
                self.add(
                    (*ptr, "args", key), f"'tree' has no argument {key!r} (arguments: {known})"
                )
        style = targs.get("style", "value_attrs")
        if style not in TREE_STYLES and not isinstance(style, dict):
            self.add(
                (*ptr, "args", "style"),
                f"tree style must be one of {', '.join(TREE_STYLES)}, not {style!r}",
            )
        for key, kinds in TREE_ARGS.items():
            value = targs.get(key)
            if key == "style":
                continue
            if value is None or isinstance(value, dict):  # absent, or {option: NAME}
                continue
            if not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
                want = " or ".join(k.__name__ for k in kinds)
                self.add((*ptr, "args", key), f"{key} must be {want}, not {value!r}")

    def constraints(self, ptr: Pointer, d: dict[str, Any]) -> None:
        """Symbols declared, unit categories and example units known, shape and rank agree."""
        shape = d.get("shape")
        for i, dim in enumerate(shape or ()):
            if isinstance(dim, str):
                self.dim((*ptr, "shape", i), dim)
        rank = d.get("rank")
        if isinstance(rank, dict):
            lo, hi = rank.get("min", 0), rank.get("max")
            if hi is not None and lo > hi:
                self.add((*ptr, "rank"), f"rank min {lo} is above max {hi}")
            elif shape is not None and hi is not None and hi != len(shape):
                self.add((*ptr, "rank"), f"rank max {hi} contradicts shape {shape}")
        elif shape is not None and rank is not None and rank != len(shape):
            self.add((*ptr, "rank"), f"rank {rank} contradicts shape {shape}")
        if d.get("enum_open") and "enum" not in d:
            self.add((*ptr, "enum_open"), "enum_open needs an enum")
        if "units_category" in d:
            self.units_category((*ptr, "units_category"), d["units_category"])
        if "units_like" in d:
            from mapper.language.units import parse

            try:
                parse(d["units_like"])
            except ValueError as exc:
                self.add((*ptr, "units_like"), str(exc))
        rng = d.get("range") or {}
        if "min" in rng and "max" in rng and rng["min"] > rng["max"]:
            self.add((*ptr, "range"), f"min {rng['min']} is above max {rng['max']}")

    def dim(self, ptr: Pointer, dim: str) -> None:
        """A symbolic dimension: a declared symbol, or a declared symbol plus or minus N."""
        parsed = symbol_dim(dim)
        if parsed is None:
            self.add(ptr, f"{dim!r} is not a symbol, nor a symbol plus or minus a number (nP+1)")
        elif parsed[0] not in self.symbols:
            hint = did_you_mean(parsed[0], self.symbols)
            self.add(ptr, f"undeclared symbol {parsed[0]!r}{hint} (add it to symbols)")

    def units_category(self, ptr: Pointer, category: str) -> None:
        """A unit category must be one of the mapping's convention."""
        if not self.known:
            return  # the unknown convention is the problem
        categories = self.convention.unit_categories
        if not categories:
            self.add(
                ptr,
                f"units_category {category!r} needs a convention with unit categories "
                f"(mapping convention: {self.convention.name}; with categories: "
                f"{_having(lambda c: bool(c.unit_categories))}); or use units_like",
            )
        elif category not in categories:
            hint = did_you_mean(category, categories)
            self.add(ptr, f"unknown unit category {category!r}{hint}")

    def group_class(self, ptr: Pointer, cls: str) -> None:
        """A class named by ``class:``, ``ancestor:`` or ``write.names``: one of the convention."""
        if not self.known:
            return
        if not self.has_classes:
            self.add(
                ptr,
                f"class {cls!r} needs a convention whose groups have classes "
                f"(mapping convention: {self.convention.name}; with classes: "
                f"{_having(lambda c: c.class_attr is not None)})",
            )
        elif self.convention.class_pattern and not self.convention.is_class(cls):
            self.add(
                ptr,
                f"{cls!r} is not a {self.convention.name} class name "
                f"({self.convention.class_example or self.convention.class_pattern})",
            )

    def needs_attr(self, ptr: Pointer, field: str, what: str) -> None:
        """A key that needs an attribute the convention names (``default_attr``, ``link_attr``)."""
        if self.known and getattr(self.convention, field) is None:
            self.add(
                ptr,
                f"needs a convention that names {what} (mapping convention: "
                f"{self.convention.name}; that do: "
                f"{_having(lambda c: getattr(c, field) is not None)})",
            )

    def layout(self, key: str, entry: dict[str, Any], names: set[str]) -> None:
        """A layout entry: its path, link target, named checks and constraints."""
        checks = REGISTRY.names("check")
        ptr = ("layout", key)
        self.path(ptr, key, names)
        self.path((*ptr, "link_to"), entry.get("link_to"), names)
        field_keys = {
            "dtype",
            "shape",
            "rank",
            "enum",
            "enum_open",
            "units_category",
            "units_like",
            "range",
            "monotonic",
            "nonempty",
            "unique",
            "value",
        }
        if "class" in entry and field_keys & set(entry):
            self.add(
                ptr,
                f"class marks a group, which cannot have "
                f"{', '.join(sorted(field_keys & set(entry)))}",
            )
        if "occurs" in entry:
            occurs = entry["occurs"]
            if occurs.get("max") is not None and occurs.get("min", 0) > occurs["max"]:
                self.add((*ptr, "occurs"), f"min {occurs['min']} is above max {occurs['max']}")
        if "link_to" in entry and "class" in entry:
            self.add(ptr, "link_to and class exclude each other (a link's class is its target's)")
        if isinstance(entry.get("class"), list):
            for i, cls in enumerate(entry["class"]):
                self.group_class((*ptr, "class", i), cls)
        elif "class" in entry:
            self.group_class((*ptr, "class"), entry["class"])
        if entry.get("target_attr") and "link_to" not in entry:
            self.add((*ptr, "target_attr"), "target_attr applies to link_to entries only")
        elif entry.get("target_attr"):
            self.needs_attr((*ptr, "target_attr"), "link_attr", "the link target attribute")
        if "@" in key and ("class" in entry or "link_to" in entry or "attrs" in entry):
            self.add(ptr, "an attribute entry cannot have class, link_to or attrs")
        for i, name in enumerate(entry.get("checks") or ()):
            if name not in checks:
                self.add(
                    (*ptr, "checks", i),
                    f"unknown check {name!r}"
                    f"{did_you_mean(name, checks)}; known: {', '.join(sorted(checks))}",
                )
        self.constraints(ptr, entry)

    def call(
        self, ptr: Pointer, func: Any, src: dict[str, Any], takes_at: bool, skip: int = 1
    ) -> None:
        """Check ``at`` and ``args`` against a built-in's signature."""
        import inspect

        params = list(inspect.signature(func).parameters.values())[skip:]
        at_param = next((p for p in params if p.name == "at"), None) if takes_at else None
        named = {p.name: p for p in params if p.name != "at"}
        label = src.get("builtin", "tree")
        if at_param is not None and at_param.default is inspect.Parameter.empty and "at" not in src:
            self.add(ptr, f"builtin {label!r} needs at: (the object it works on)")
        if takes_at and at_param is None and "at" in src:
            self.add((*ptr, "at"), f"builtin {label!r} takes no at:")
        args = src.get("args") or {}
        for key in args:
            if key not in named:
                known = ", ".join(sorted(named)) or "none"
                self.add(
                    (*ptr, "args", key), f"{label!r} has no argument {key!r} (arguments: {known})"
                )
        for pname, p in named.items():
            if (
                p.default is inspect.Parameter.empty
                and pname not in args
                and p.kind is not inspect.Parameter.VAR_KEYWORD
            ):
                self.add((*ptr, "args"), f"{label!r} needs argument {pname!r}")

    def field(self, ptr: Pointer, value: Any, names: set[str]) -> None:
        if isinstance(value, dict):
            self.source(ptr, value, names)

    def axis(self, ptr: Pointer, axis: dict[str, Any], names: set[str]) -> None:
        for key, value in axis.items():
            if key != "doc":
                self.field((*ptr, key), value, names)
        if "values" in axis and ({"scale", "offset"} & set(axis)):
            self.add(ptr, "give either values or scale/offset, not both")

    def anchor(self, name: str, anchor: dict[str, Any], names: set[str]) -> None:
        """One anchor, checked against the anchors before it (``names``)."""
        ptr = ("anchors", name)
        if ("path" in anchor) == ("builtin" in anchor):
            self.add(ptr, "an anchor needs exactly one of path or builtin")
        self.path((*ptr, "path"), anchor.get("path"), names)
        if "builtin" in anchor:
            self.builtin(ptr, anchor, "paths")
            for k, v in (anchor.get("args") or {}).items():
                if isinstance(v, str):
                    self.path((*ptr, "args", k), v, names) if "{" in v else None
        if "where" in anchor:
            self.predicate((*ptr, "where"), anchor["where"], names | {"."})
        if "ancestor" in anchor:
            self.group_class((*ptr, "ancestor"), anchor["ancestor"])
        self.path((*ptr, "write_path"), anchor.get("write_path"), names | {"index", "number"})
        self.write_name(ptr, anchor)
        for i, f in enumerate(anchor.get("filters") or ()):
            if f["option"] not in self.options:
                self.add((*ptr, "filters", i, "option"), f"undeclared option {f['option']!r}")
            elif self.option_types.get(f["option"]) not in ("string", "string_list"):
                self.add(
                    (*ptr, "filters", i, "option"),
                    f"filter option {f['option']!r} must be a string or string_list option",
                )
        pref = anchor.get("prefer")
        if pref:
            if pref["option"] not in self.options:
                self.add((*ptr, "prefer", "option"), f"undeclared option {pref['option']!r}")
            if pref["anchor"] not in names:
                self.add(
                    (*ptr, "prefer", "anchor"),
                    f"prefer names {pref['anchor']!r}, which is not an earlier anchor",
                )

    def write_name(self, ptr: Pointer, anchor: dict[str, Any]) -> None:
        """An anchor's ``write_name``: its transform must exist and encode."""
        wname = anchor.get("write_name") or {}
        if "transform" in wname:
            transforms = REGISTRY.names("transform")
            if wname["transform"] not in transforms:
                self.add(
                    (*ptr, "write_name", "transform"),
                    f"unknown transform "
                    f"{wname['transform']!r}{did_you_mean(wname['transform'], transforms)}",
                )
            elif transforms[wname["transform"]].encode is None:
                self.add(
                    (*ptr, "write_name", "transform"),
                    f"transform {wname['transform']!r} has no encode",
                )

    def signal(self, signal: dict[str, Any] | None, names: set[str]) -> None:
        """The signal section: data, axes, metadata, original_metadata, extra keys."""
        if signal is None:
            self.add(
                (), "no signal section (a mapping, or one it extends, must define signal.data)"
            )
        else:
            if "data" not in signal:
                self.add(("signal",), "signal.data is required")
            else:
                self.source(("signal", "data"), signal["data"], names)
            self.axes(signal.get("axes"), names)
            for key, src in (signal.get("metadata") or {}).items():
                if key != "." and not all(part.isidentifier() for part in key.split(".")):
                    self.add(
                        ("signal", "metadata", key), f"bad metadata key {key!r} (dotted names)"
                    )
                self.source(("signal", "metadata", key), src, names)
            if "original_metadata" in signal:
                self.source(("signal", "original_metadata"), signal["original_metadata"], names)
            for key, src in (signal.get("extra") or {}).items():
                self.source(("signal", "extra", key), src, names)

    def axes(self, axes: Any, names: set[str]) -> None:
        """The signal's axes: a source, or a list of axes and for-each axes."""
        if isinstance(axes, dict):
            self.source(("signal", "axes"), axes, names)
        elif isinstance(axes, list):
            for i, ax in enumerate(axes):
                if "for_each" in ax:
                    fe = ax["for_each"]
                    kinds = [k for k in ("range", "list", "glob") if k in fe]
                    if len(kinds) != 1:
                        self.add(
                            ("signal", "axes", i, "for_each"),
                            "for_each needs exactly one of range, list, glob",
                        )
                    var = fe.get("as", "i")
                    self.field(("signal", "axes", i, "for_each", "range"), fe.get("range"), names)
                    if "list" in fe:
                        self.source(("signal", "axes", i, "for_each", "list"), fe["list"], names)
                    self.path(("signal", "axes", i, "for_each", "glob"), fe.get("glob"), names)
                    self.axis(("signal", "axes", i, "axis"), ax["axis"], names | {var})
                else:
                    self.axis(("signal", "axes", i), ax, names)

    def write(self, write: dict[str, Any], names: set[str]) -> None:
        """The write section: the default path, group names, root attribute placeholders."""
        self.path(("write", "default"), write.get("default"), names)
        if write.get("default"):
            self.needs_attr(("write", "default"), "default_attr", "the default-plot attribute")
        for cls in write.get("names") or {}:
            self.group_class(("write", "names", cls), cls)
        for key, value in (write.get("root_attrs") or {}).items():
            for fact in template_names(value) if isinstance(value, str) else ():
                if fact not in FACTS:
                    self.add(
                        ("write", "root_attrs", key),
                        f"unknown placeholder {{{fact}}}"
                        f"{did_you_mean(fact, FACTS, fmt='{{{}}}')}; known: "
                        f"{', '.join('{' + f + '}' for f in FACTS)}",
                    )


#: Stands in for a convention that is not registered: classes are taken as written.
_UNKNOWN = Convention("unknown", class_attr="?", default_attr="?", link_attr="?")


def _having(test: Any) -> str:
    """The names of the registered conventions that pass ``test``."""
    return ", ".join(sorted(n for n, c in REGISTRY.conventions().items() if test(c))) or "none"


def semantic(data: dict[str, Any], locations: Locations) -> list[Problem]:
    """Every meaning problem of a mapping document (the JSON Schema checks the structure)."""
    c = _Checker(data, locations)
    names: set[str] = set()
    anchors = data.get("anchors") or {}
    for name, anchor in anchors.items():
        c.anchor(name, anchor, names)
        names.add(name)
    # save() writes one place per signal: one written anchor may multiply signals; a
    # built-in anchor without write_path only splits a match further (fields of a dataset)
    eaches = [
        a
        for a, v in anchors.items()
        if v.get("select") == "each" and not (v.get("builtin") and not v.get("write_path"))
    ]
    if len(eaches) > 1:
        c.add(
            ("anchors",),
            f"at most one anchor that save() writes may use select: each (found {eaches})",
        )
    if "match" in data:
        # match runs before any anchor is resolved: it may use absolute paths only
        c.predicate(("match",), data["match"], set())
    c.signal(data.get("signal"), names)
    for key, entry in (data.get("layout") or {}).items():
        c.layout(key, entry, names)
    c.write(data.get("write") or {}, names)
    c.hints()
    return sorted(set(c.problems), key=lambda p: p.sort_key)
