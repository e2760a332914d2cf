"""Declarative clinical rules (Ottawa, Pittsburgh, Kocher, Wells, Sutlive, ACR, red flags) evaluated on findings.

Unknown inputs are never guessed: a count or score rule is *complete* only when every item is known.
An incomplete count is still a valid lower bound, which is what red-flag floors use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kinchain.knowledge.schema import Rule, RuleLevel
from kinchain.reasoning.expressions import Tri, Value, compiled, referenced_findings


@dataclass(frozen=True)
class RuleOutcome:
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


def evaluate_rule(rule: Rule, findings: Mapping[str, Value]) -> RuleOutcome:
    if rule.applies_when is not None and compiled(rule.applies_when)(findings) is not True:
        return RuleOutcome(rule, applicable=False, result=None)
    if rule.kind in ("count", "score"):
        vals = [(item, compiled(item.expr)(findings)) for item in rule.items]
        value = sum(item.points for item, v in vals if v is True)
        complete = all(v is not None for _, v in vals)
        level = _level(rule.levels, value)
        top = rule.levels[-1].min if rule.levels else None
        result: Tri = None
        if complete:
            result = value >= (rule.levels[1].min if len(rule.levels) > 1 else 1)
        elif top is not None and value >= top:
            result = True
        return RuleOutcome(rule, True, result, value, level, complete)
    if rule.expr is not None:
        result = compiled(rule.expr)(findings)
    else:
        result = compiled({"any": [item.expr for item in rule.items]})(findings)
    return RuleOutcome(rule, True, result, None, None, result is not None)


def _inputs(rule: Rule) -> frozenset[str]:
    names = set(referenced_findings(rule.applies_when)) | set(referenced_findings(rule.expr))
    for item in rule.items:
        names.update(referenced_findings(item.expr))
    return frozenset(names)


_INPUTS: dict[int, tuple[Rule, frozenset[str]]] = {}  # id -> (rule kept alive, its inputs)


def evaluate_all(rules: Mapping[str, Rule], findings: Mapping[str, Value]) -> list[RuleOutcome]:
    """Every rule's outcome; a rule none of whose inputs was observed cannot apply and is not evaluated."""
    out = []
    for r in rules.values():
        entry = _INPUTS.get(id(r))
        if entry is None or entry[0] is not r:
            entry = _INPUTS[id(r)] = (r, _inputs(r))
        inputs = entry[1]
        if inputs.isdisjoint(findings):
            out.append(RuleOutcome(r, applicable=False, result=None))
        else:
            out.append(evaluate_rule(r, findings))
    return out


def triage_floor(outcome: RuleOutcome) -> str | None:
    """The triage level a rule imposes, if any (a lower bound for incomplete count rules)."""
    if not outcome.applicable:
        return None
    if outcome.level is not None and outcome.level.triage is not None:
        return outcome.level.triage
    if outcome.result is True and outcome.rule.triage is not None:
        return outcome.rule.triage
    return None
