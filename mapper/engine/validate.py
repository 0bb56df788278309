"""Validation: the rules of one mapping, checked against one file, as a :class:`Report`.

The rules come from the mapping only: the constraints on the signal's path
sources (``signal.data``, the axes, ``metadata``) and the ``layout`` entries,
checked in the order the mapping states them, once per match of the
``select: each`` anchor (one entry group, say). Validation reads attributes and
small arrays, never bulk data, and turns every oddity into a finding.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import h5py
import numpy as np

from mapper.engine import presence
from mapper.engine.bind import Env, bind
from mapper.engine.constraints import Item, check
from mapper.engine.declared import check_link, names_mapping
from mapper.engine.items import attr_item, field_units, truthy
from mapper.engine.read import Engine
from mapper.engine.report import SEVERITIES, Finding, Report, short_loc
from mapper.engine.rules import Alt, Rule, RuleEmit, cap, plan
from mapper.errors import MapperError, Note
from mapper.hdf5.io import allowed_dirs, open_h5
from mapper.hdf5.resolve import Resolver, Target
from mapper.language.model import (
    Anchor,
    Constraints,
    Mapping,
)
from mapper.language.paths import PathSyntaxError, expand, parse_path, template_names
from mapper.registry import REGISTRY, Convention

PathLike = str | os.PathLike[str]
#: ``name:Class`` path segments (the class said in the message, not in the path)
_TYPED = re.compile(r"([^/:{}]+):[A-Za-z_][A-Za-z0-9_]*(?=/|$)")
#: The resolver's short reasons for an absent object, said in full.
_REASONS = {
    "outside": "an external link outside the allowed directories",
    "cycle": "a soft-link cycle",
}


@dataclass
class Validator:
    """Checks one file against one mapping; :meth:`run` returns the findings."""

    mapping: Mapping
    resolver: Resolver
    filename: str
    findings: list[Finding] = field(default_factory=list)
    #: extra directories with mappings (``names_mapping`` looks names up there)
    search_path: list[PathLike] | None = None

    def __post_init__(self) -> None:
        self._seen: dict[tuple[str, str, str], int] = {}
        self._vds_seen: set[Any] = set()
        self._missing: list[str] = []
        self.engine = Engine(
            self.mapping,
            self.resolver,
            self.filename,
            self.mapping.option_defaults(),
            warn=self.engine_warn,
        )
        self.resolver = self.engine.resolver  # under the mapping's convention
        self.convention = self.engine.convention
        self._declared = {e.path for e in self.mapping.layout}
        self._items: dict[str, Item] = {}

    # ------------------------------------------------------------------ findings
    def add(
        self,
        severity: str,
        rule: str,
        path: str,
        message: str,
        loc: str = "",
        expected: Any = None,
        found: Any = None,
    ) -> None:
        """Record a finding once (the same rule, path and message are reported once)."""
        key = (rule, path, message)
        if key in self._seen:
            self._raise(key, severity, short_loc(loc) if loc else "")
            return
        self._seen[key] = len(self.findings)
        self.findings.append(
            Finding(severity, rule, path, message, short_loc(loc) if loc else "", expected, found)
        )

    def _raise(self, key: tuple[str, str, str], severity: str, loc: str) -> None:
        """Keep the more severe of two identical findings.

        A general rule's warning (a base class) may come before a specific rule's
        error on the same object (an application definition).
        """
        i = self._seen[key]
        old = self.findings[i]
        if SEVERITIES.index(severity) < SEVERITIES.index(old.severity):
            # the rule that makes it more severe is the one to name
            self.findings[i] = replace(old, severity=severity, mapping=loc or old.mapping)

    def engine_warn(self, message: str) -> None:
        """A reader's warning as a finding: at its object when it is a :class:`Note`."""
        if isinstance(message, Note):
            self.add("warning", "read", message.path, message.message)
        else:  # about the file as a whole
            self.add("warning", "read", "/", message.removeprefix(f"{self.filename}: "))

    def emitter(self, rule: Rule, path: str) -> RuleEmit:
        """The ``emit`` callback for checks of ``rule`` on the object at ``path``."""

        def emit(
            kind: str,
            message: str,
            severity: str = "error",
            expected: Any = None,
            found: Any = None,
            where: str | None = None,
        ) -> None:
            self.add(
                cap(severity, rule.severity),
                rule.rule or kind,
                where or path,
                message,
                rule.loc,
                expected,
                found,
            )

        return emit

    def release(self) -> None:
        """Drop every HDF5 object this validation holds (call before the file closes).

        Closing a file makes HDF5 close each object still open, one by one; the
        validator, its engine and the checks' memo hold many of them in cycles.
        """
        self._items.clear()
        self.engine.ctx.memo.clear()
        self.resolver.forget()

    # ------------------------------------------------------------------ anchors
    def bindings(self) -> list[dict[str, Any]]:
        """One environment per ``each`` match; absent anchors become findings and None."""
        return bind(self.mapping.anchors, self)

    def matches(self, anchor: Anchor, env: Env) -> list[str]:
        """The anchor's matches; none under an absent parent (that absence is reported)."""
        if any(env.get(n, "") is None for n in _names(anchor)):
            return []
        return self._matches(anchor, env)

    def absent(self, anchor: Anchor, env: Env, several: bool) -> bool:
        """Report a required anchor that matches nothing; its sources are then skipped."""
        if any(env.get(n, "") is None for n in _names(anchor)) or not anchor.required:
            return True  # under an absent parent (reported), or optional
        if anchor.path:
            self._absent(anchor.path, env, anchor.loc, True, "error", None)
        else:  # found by a built-in: say what was looked for
            what = anchor.doc.strip().rstrip(".") or f"builtin {anchor.builtin}"
            message = f"nothing found for {anchor.name!r}: {what[:1].lower() + what[1:]}"
            self.add("error", "required", "/", message, anchor.loc)
        return True

    def ambiguous(self, anchor: Anchor, matches: list[str]) -> None:
        """Report a ``select: one`` anchor with several matches (the first is checked)."""
        self.add(
            "error",
            "ambiguous",
            matches[0],
            f"{len(matches)} objects match {anchor.name!r} where one is "
            f"expected: {', '.join(matches[:5])}",
            anchor.loc,
            expected=1,
            found=len(matches),
        )

    def _matches(self, anchor: Anchor, env: dict[str, Any]) -> list[str]:
        try:
            found = self.engine.anchor_matches(anchor, env)
            if found or anchor.where is None or not anchor.required:
                return found  # an optional selection that selects nothing: nothing to check
            # validating against a named mapping: check what is there even when the
            # mapping's selection (a definition value, say) fails; the rules say why
            candidates = self.engine.anchor_matches(anchor, env, use_where=False)
        except MapperError as exc:
            self.add("error", "read", "/", str(exc).removeprefix(f"{self.filename}: "), anchor.loc)
            return []
        if candidates:
            self.add(
                "info",
                "selection",
                candidates[0],
                f"no object satisfies the {anchor.name!r} selection of mapping "
                f"{self.mapping.name}; checking {len(candidates)} candidate(s) anyway",
                anchor.loc,
            )
        return candidates

    # ------------------------------------------------------------------ rules
    def run(self) -> list[Finding]:
        """Check every rule for every binding; return the findings."""
        rules = plan(self.mapping)
        for env in self.bindings():
            symbols: dict[str, tuple[int, str]] = {}
            self._missing = []
            for rule in rules:
                try:
                    self.apply(rule, env, symbols)
                except (MapperError, OSError, KeyError, TypeError, ValueError) as exc:
                    # an odd object, never a crash: the rule reports it
                    self.add(
                        "error",
                        "read",
                        expand(rule.alternatives[0].path, env),
                        f"cannot be checked: {exc}",
                        rule.loc,
                    )
        return self.findings

    def apply(self, rule: Rule, env: dict[str, Any], symbols: dict[str, tuple[int, str]]) -> None:
        """Check one rule in one environment."""
        targets: list[Target] = []
        chosen = None
        for alt in rule.alternatives:
            if any(env.get(n, "") is None for n in template_names(alt.path)):
                return  # under an absent anchor: its absence is the finding
            if alt.when is not None and not self.engine.predicate(alt.when, env):
                continue
            if self._missing and self._below_missing(expand(alt.path, env)):
                return  # inside a missing group: that group's absence is the finding
            targets = self.engine.targets(alt.path, env)
            if targets:
                chosen = alt
                break
        cut = self._per_parent(rule)
        if chosen is None:
            if not rule.judge_absence or not rule.alternatives:
                return
            if cut is not None and (cut.pattern or cut.parent in self._declared):
                self._presence(rule, cut, env, [])
            else:
                alt = rule.alternatives[0]
                self._absent(alt.path, env, rule.loc, rule.required, rule.severity, rule.rule)
            return
        entry = rule.entry
        counted = entry is not None and (entry.occurs_min or entry.occurs_max) is not None
        if cut is not None and (cut.pattern or counted):
            self._presence(rule, cut, env, targets)
        for target in targets:
            self._check_target(rule, chosen, target, env, symbols)

    def _per_parent(self, rule: Rule) -> presence.Split | None:
        """The parent/last cut of a layout rule whose presence is judged per parent."""
        if rule.entry is None or len(rule.alternatives) != 1:
            return None
        return _split(rule.alternatives[0].path, self.convention)

    def _presence(
        self, rule: Rule, cut: presence.Split, env: dict[str, Any], found: list[Target]
    ) -> None:
        """Every parent holds the object (``required``) as often as ``occurs`` allows."""
        entry = rule.entry
        assert entry is not None
        parents = self.engine.targets(cut.parent, env)
        for parent, n in presence.counts(parents, found):
            if n == 0 and rule.required is not False:
                self._absent_in(parent, cut.last, rule)
                continue
            text = presence.occurs_text(n, entry.occurs_min, entry.occurs_max)
            if text is not None and n:
                self.add(
                    cap("error", rule.severity),
                    rule.rule or "occurs",
                    parent,
                    f"{cut.last}: {text}",
                    rule.loc,
                    expected=[entry.occurs_min, entry.occurs_max],
                    found=n,
                )

    def _absent_in(self, parent: str, last: str, rule: Rule) -> None:
        """A member missing from one parent: at its path, or at the parent when unnamed."""
        what = presence.missing_text(last, self.convention)
        if what is None:
            where = parent.rstrip("/") + "/" + last
            self._absent(where, {}, rule.loc, rule.required, rule.severity, rule.rule)
            return
        kind = "recommended" if rule.required == "recommended" else "required"
        self.add(
            cap("warning" if kind == "recommended" else "error", rule.severity),
            rule.rule or kind,
            parent,
            f"{kind}: {what}, missing",
            rule.loc,
            expected="present",
            found=None,
        )

    def _check_target(
        self,
        rule: Rule,
        alt: Alt,
        target: Target,
        env: dict[str, Any],
        symbols: dict[str, tuple[int, str]],
    ) -> None:
        where = str(target)
        emit = self.emitter(rule, where)
        obj = self.resolver.get(target.path)
        if obj is None:
            return
        if target.attr is not None:
            check(
                attr_item(obj, target.attr, where),
                alt.constraints,
                symbols,
                emit,
                rule.value,
                rule.has_value,
                self.convention,
            )
            return
        entry = rule.entry
        if entry is not None and entry.deprecated:
            emit("deprecated", f"is deprecated: {entry.deprecated}", severity="warning")
        classes = entry.classes if entry is not None else ()
        if classes and not self._class_ok(classes, obj, target.path, emit):
            return
        if entry is not None and entry.names_mapping:
            names_mapping(self, obj, emit)
        if rule.link_to is not None:
            check_link(self, obj, rule, env, emit)
        fieldish = alt.constraints != Constraints() or rule.has_value
        if isinstance(obj, h5py.Dataset):
            self._virtual_sources(obj, emit)
            if fieldish:
                check(
                    self._dataset_item(obj, where, emit),
                    alt.constraints,
                    symbols,
                    emit,
                    rule.value,
                    rule.has_value,
                    self.convention,
                )
        elif fieldish:
            emit("dtype", "is a group where a field is expected", expected="field", found="group")
        for name in rule.checks:
            REGISTRY.check(name).run_check(
                self.engine.ctx,
                target.path,
                lambda r, p, m, severity="error", expected=None, found=None: emit(
                    r, m, severity, expected, found, where=p
                ),
            )

    def _virtual_sources(self, obj: h5py.Dataset, emit: RuleEmit) -> None:
        """Report the unusable sources of a virtual dataset, once per object."""
        problems = [] if obj.id in self._vds_seen else self.resolver.virtual_problems(obj)
        self._vds_seen.add(obj.id)  # once per object, not once per link to it
        for source, reason in problems:
            text = _REASONS.get(reason, reason)
            emit(
                "link",
                f"virtual dataset source {source} is {text}: that part of the "
                "data would read as the fill value"
                if reason != "outside"
                else f"virtual dataset source {source} is {text}",
                expected="readable source",
                found=source,
            )

    def _class_ok(self, classes: tuple[str, ...], obj: Any, path: str, emit: RuleEmit) -> bool:
        """Check the class of the object a layout entry types; False when it is no group."""
        rule = self.convention.class_rule
        cls = " or ".join(classes)
        if not isinstance(obj, h5py.Group):
            emit(
                rule,
                f"is a dataset where a group of class {cls} is expected",
                expected=cls,
                found="dataset",
            )
            self._missing.append(path)  # no group: its members are not checked
            return False
        found = self.resolver.group_class(obj)
        if found not in classes:
            emit(
                rule,
                f"{self._class_text(found)} where {cls} is expected",
                expected=cls,
                found=found,
            )
        return True

    def _class_text(self, found: str | None) -> str:
        attr = self.convention.class_attr or "class"
        return f"has no (readable) {attr}" if found is None else f"has {attr} {found!r}"

    def _dataset_item(self, obj: h5py.Dataset, where: str, emit: RuleEmit) -> Item:
        """The checkable view of a dataset, made once per object path (rules repeat objects)."""
        item = self._items.get(where)
        if item is None:
            item = self._items[where] = self._new_item(obj, where, emit)
        return item

    def _new_item(self, obj: h5py.Dataset, where: str, emit: RuleEmit) -> Item:
        dtype, shape = obj.dtype, obj.shape  # h5py asks HDF5 again at every access
        kind = dtype.kind
        if kind == "O" and h5py.check_string_dtype(dtype) is not None:
            kind = "T"
        units, problem = field_units(self.resolver, obj, where)
        if problem is not None:
            rule, message, expected, found = problem
            emit(rule, message, expected=expected, found=found)

        def read() -> Any:
            return self.resolver.value(obj)  # read once, however many rules check it

        size = int(np.prod(shape)) if shape is not None else 0
        item = Item(where, kind, str(dtype), shape, units, read, size)
        if self.convention.custom_attr is not None:
            item.custom = truthy(self.resolver.attr(obj, self.convention.custom_attr))
        return item

    def _typed_last(self, expr: str, path: str) -> tuple[str, str] | None:
        """``(path of the name, class)`` when ``expr`` ends in a literal ``name:Class``."""
        try:
            parsed = parse_path(expr, self.convention)
        except PathSyntaxError:
            return None
        last = parsed.segments[-1] if parsed.segments and parsed.attr is None else None
        if last is None or last.cls is None or not last.is_literal:
            return None
        suffix = f":{last.cls}"
        return (path.removesuffix(suffix), last.cls) if path.endswith(suffix) else None

    def _below_missing(self, path: str) -> bool:
        return any(path.startswith(m.rstrip("/") + "/") for m in self._missing)

    def _absent(
        self,
        expr: str,
        env: dict[str, Any],
        loc: str,
        required: bool | str,
        severity: str,
        rule_id: str | None,
    ) -> None:
        if required is False:
            return
        path = expand(expr, env)
        self._missing.append(path)
        typed = self._typed_last(expr, path)
        if typed is not None:  # name:Class: does the name exist with another class?
            named, cls = typed
            obj = self.resolver.get(named)
            if obj is not None:
                found = self.resolver.group_class(obj) if isinstance(obj, h5py.Group) else "dataset"
                text = "is a dataset" if found == "dataset" else self._class_text(found)
                self.add(
                    cap("error", severity),
                    rule_id or self.convention.class_rule,
                    named,
                    f"{text} where a group of class {cls} is expected",
                    loc,
                    expected=cls,
                    found=found,
                )
                return
        path = _TYPED.sub(r"\1", path)  # /entry/data:Class -> /entry/data: the object's path
        reason = self.resolver.why_absent(path.split("@")[0].rstrip("/")) if "/" in path else None
        reason = _REASONS.get(reason or "", reason)
        why = f" ({reason})" if reason and reason != "missing" else ""
        if required == "recommended":
            self.add(
                cap("warning", severity),
                rule_id or "recommended",
                path,
                f"recommended, missing{why}",
                loc,
                expected="present",
                found=None,
            )
        else:
            self.add(
                cap("error", severity),
                rule_id or "required",
                path,
                f"required, missing{why}",
                loc,
                expected="present",
                found=None,
            )


@lru_cache(maxsize=8192)
def _split(path: str, convention: Convention) -> presence.Split | None:
    return presence.split(path, convention)


def _names(anchor: Anchor) -> list[str]:
    names = template_names(anchor.path or "")
    for _, v in anchor.args:
        if isinstance(v, str):
            names.extend(template_names(v))
    return names


def validate_file(
    path: PathLike,
    schema: Any = None,
    *,
    allow_dirs: list[PathLike] | None = None,
    search_path: list[PathLike] | None = None,
) -> Report:
    """Validate one file; see :func:`mapper.validate`."""
    from mapper.engine.session import choose_mapping, detected

    filename = str(path)
    collected: list[str] = []
    with open_h5(filename) as h5:
        resolver = Resolver(h5, allowed_dirs(filename, allow_dirs), collected.append)
        paths = _as_list(search_path)
        if schema is None:  # every mapping detected: each checks the entries it selects
            chosen = detected(resolver, filename, paths)
        else:
            chosen = [choose_mapping(schema, resolver, filename, paths)]
        v = Validator(chosen[0], resolver, filename, search_path=paths)
        v.run()
        for m in chosen[1:]:  # one report: a finding said by two mappings is said once
            other = Validator(m, resolver, filename, search_path=paths)
            other._seen, other.findings = v._seen, v.findings
            other.run()
        for message in collected:
            v.engine_warn(message)
        findings = v.findings
        v.release()  # the objects it holds go first: closing the file is then cheap
        del v, resolver
    return Report(filename, "+".join(m.name for m in chosen), findings)


def _as_list(search_path: PathLike | list[PathLike] | None) -> list[PathLike] | None:
    if isinstance(search_path, (str, os.PathLike)):
        return [search_path]
    return search_path
