"""The checkable rules of a mapping: from its path sources and its layout, in order.

Each rule says where to look (alternatives, each with its constraints and an
optional ``when``), whether absence is a finding, its severity cap and rule
id, and for a layout entry its class, link, value and named checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mapper.engine.report import SEVERITIES
from mapper.language.model import (
    Constraints,
    ForEach,
    LayoutEntry,
    Mapping,
    Predicate,
    Source,
)


class RuleEmit(Protocol):
    """How a rule reports about the object it checks (``where``: another object)."""

    def __call__(
        self,
        kind: str,
        message: str,
        severity: str = "error",
        expected: Any = None,
        found: Any = None,
        where: str | None = None,
    ) -> None:
        """Report one finding."""


@dataclass(frozen=True)
class Alt:
    """One place a rule may find its object, with the constraints that apply there."""

    path: str
    when: Predicate | None
    constraints: Constraints


@dataclass(frozen=True)
class Rule:
    """One checkable statement of the mapping, from a path source or a layout entry."""

    loc: str
    alternatives: tuple[Alt, ...]
    required: bool | str
    severity: str
    rule: str | None
    judge_absence: bool = True
    link_to: str | None = None
    target_attr: bool = False
    value: Any = None
    has_value: bool = False
    checks: tuple[str, ...] = ()
    #: the layout entry the rule comes from (None: a path source)
    entry: LayoutEntry | None = None


_PLANS: dict[int, tuple[Mapping, list[Rule]]] = {}


def plan(m: Mapping) -> list[Rule]:
    """The rules of a mapping in order: signal data, axes, metadata, then layout (cached)."""
    hit = _PLANS.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    rules: list[Rule] = []
    spec = m.signal
    sources: list[Source] = []
    if spec is not None:
        if spec.data is not None:
            sources.append(spec.data)
        for ax in spec.axes if isinstance(spec.axes, tuple) else ():
            axis = ax.axis if isinstance(ax, ForEach) else ax
            sources.extend(
                s
                for s in (axis.values, axis.scale, axis.offset, axis.units, axis.size)
                if isinstance(s, Source)
            )
        sources.extend(src for _, src in spec.metadata)
    for src in sources:
        rule = _source_rule(src)
        if rule is not None:
            rules.append(rule)
    rules.extend(_layout_rule(e) for e in m.layout)
    _PLANS[id(m)] = (m, rules)
    return rules


def _source_rule(src: Source) -> Rule | None:
    alts: tuple[Alt, ...]
    if src.kind == "path":
        alts = (Alt(src.path or "", src.when, src.constraints),)
        judge = True
    elif src.kind == "first":
        alts = tuple(
            Alt(a.path or "", a.when, _merge(a.constraints, src.constraints))
            for a in src.alternatives
            if a.kind == "path"
        )
        judge = len(alts) == len(src.alternatives) and src.when is None
    else:
        return None
    if not alts or (
        src.constraints == Constraints()
        and src.required is False
        and all(a.constraints == Constraints() for a in alts)
    ):
        return None
    required = False if src.has_default else src.required
    return Rule(src.loc, alts, required, src.severity, src.rule, judge_absence=judge)


def _merge(own: Constraints, parent: Constraints) -> Constraints:
    return own if own != Constraints() else parent


def _layout_rule(e: LayoutEntry) -> Rule:
    return Rule(
        e.loc,
        (Alt(e.path, None, e.constraints),),
        e.required,
        e.severity,
        e.rule,
        link_to=e.link_to,
        target_attr=e.target_attr,
        value=e.value,
        has_value=e.has_value,
        checks=e.checks,
        entry=e,
    )


def cap(severity: str, cap: str) -> str:
    """The less severe of the two (a rule's ``severity`` caps its findings)."""
    return max(severity, cap, key=SEVERITIES.index)
