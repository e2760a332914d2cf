"""Declarative clinical rules (Ottawa, Pittsburgh, Kocher, Wells, Sutlive, ACR, red flags) evaluated on findings.

Unknown inputs are never guessed: a count or score rule is *complete* only when every item is known.
An incomplete count is still a valid lower bound, which is what red-flag floors use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from kinchain.knowledge.schema import Rule, RuleLevel
from kinchain.reasoning.expressions import Compiled, Tri, Value, compiled, referenced_findings


class RuleOutcome(NamedTuple):  # a tuple: dozens are made per assessment, and a tuple is cheap to build
    rule: Rule
    applicable: bool
    result: Tri
    value: float | None = None
    level: RuleLevel | None = None
    complete: bool = False

    @property
    def lr(self) -> float | None:
        """Likelihood ratio for the rule's condition, only when the rule could be fully evaluated."""
        if not self.applicable or not self.complete:
            return None
        if self.level is not None:
            return self.level.lr
        if self.result is True:
            return self.rule.lr_pos
        if self.result is False:
            return self.rule.lr_neg
        return None

    @property
    def probability(self) -> float | None:
        if self.applicable and self.complete and self.level is not None:
            return self.level.probability
        return None


def _level(levels: list[RuleLevel], value: float) -> RuleLevel | None:
    chosen = None
    for lv in levels:
        if value >= lv.min:
            chosen = lv
    return chosen


@dataclass(frozen=True)
class _Prepared:
    """A rule's expressions compiled once (``compiled`` keys by repr, too slow to repeat per case)."""

    rule: Rule  # kept alive so its id() is not reused
    inputs: frozenset[str]
    applies_when: Compiled | None
    items: tuple[tuple[float, Compiled], ...]  # (points, expression) for count and score rules
    expr: Compiled
    not_applicable: RuleOutcome  # frozen, so one shared instance serves every case


def _prepare(rule: Rule) -> _Prepared:
    # a rule without its own expression fires when any of its items does
    expr = compiled(rule.expr if rule.expr is not None else {"any": [item.expr for item in rule.items]})
    return _Prepared(rule, _inputs(rule),
                     compiled(rule.applies_when) if rule.applies_when is not None else None,
                     tuple((item.points, compiled(item.expr)) for item in rule.items), expr,
                     RuleOutcome(rule, applicable=False, result=None))


_PREPARED: dict[int, _Prepared] = {}  # id(rule) -> prepared rule


def _prepared(rule: Rule) -> _Prepared:
    entry = _PREPARED.get(id(rule))
    if entry is None or entry.rule is not rule:
        entry = _PREPARED[id(rule)] = _prepare(rule)
    return entry


def evaluate_rule(rule: Rule, findings: Mapping[str, Value]) -> RuleOutcome:
    return _evaluate(_prepared(rule), findings)


def _evaluate(prep: _Prepared, findings: Mapping[str, Value]) -> RuleOutcome:
    rule = prep.rule
    if prep.applies_when is not None and prep.applies_when(findings) is not True:
        return prep.not_applicable
    if rule.kind in ("count", "score"):
        vals = [(points, fn(findings)) for points, fn in prep.items]
        value = sum(points for points, v in vals if v is True)
        complete = all(v is not None for _, v in vals)
        level = _level(rule.levels, value)
        top = rule.levels[-1].min if rule.levels else None
        result: Tri = None
        if complete:
            result = value >= (rule.levels[1].min if len(rule.levels) > 1 else 1)
        elif top is not None and value >= top:
            result = True
        return RuleOutcome(rule, True, result, value, level, complete)
    result = prep.expr(findings)
    return RuleOutcome(rule, True, result, None, None, result is not None)


def _inputs(rule: Rule) -> frozenset[str]:
    names = set(referenced_findings(rule.applies_when)) | set(referenced_findings(rule.expr))
    for item in rule.items:
        names.update(referenced_findings(item.expr))
    return frozenset(names)


_ALL: dict[int, tuple[Mapping[str, Rule], tuple[_Prepared, ...]]] = {}  # id(rules) -> (rules, prepared)


def evaluate_all(rules: Mapping[str, Rule], findings: Mapping[str, Value]) -> list[RuleOutcome]:
    """Every rule's outcome; a rule none of whose inputs was observed cannot apply and is not evaluated."""
    entry = _ALL.get(id(rules))
    if entry is None or entry[0] is not rules:  # the mapping is kept so its id() is not reused
        entry = _ALL[id(rules)] = (rules, tuple(_prepared(r) for r in rules.values()))
    return [prep.not_applicable if prep.inputs.isdisjoint(findings) else _evaluate(prep, findings)
            for prep in entry[1]]


def triage_floor(outcome: RuleOutcome) -> str | None:
    """The triage level a rule imposes, if any (a lower bound for incomplete count rules)."""
    if not outcome.applicable:
        return None
    if outcome.level is not None and outcome.level.triage is not None:
        return outcome.level.triage
    if outcome.result is True and outcome.rule.triage is not None:
        return outcome.rule.triage
    return None
