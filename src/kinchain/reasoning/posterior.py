"""Posterior probability per condition: prior odds times the likelihood ratios of the observed findings.

A finding answered "no" contributes its LR-; a finding never asked contributes nothing.

Dependent tests. Links that share a dependence cluster for a condition (tests probing the same
structure, e.g. FADIR / flexion-IR / scour) are not multiplied as if independent. Within a cluster the
log-LRs are sorted by size and weighted 1, 1/2, 1/4, ... (geometric shrinkage), so the strongest test
counts fully and each further test of the same thing adds at most half of what it would alone. With
one test per cluster this is the ordinary naive-Bayes update, which equals exact inference in a
single-condition network (see tests/reasoning/test_pgmpy_crosscheck.py and docs/method.md).

Rules. A rule that is fully evaluated replaces the single findings it ``supersedes`` for its
condition; a rule with a probability table (Kocher, Wells) sets the condition's probability directly.
Two rules answering the same question for one condition (Ottawa and Pittsburgh for a knee fracture;
Caird's five predictors and Kocher's four for a septic hip) are not both applied: a complete rule drops
the rules it ``replaces`` from the posterior (their triage floors still count, so nothing is
under-triaged by the choice).
With ``partial_floor`` such a rule, when some items are unknown, puts a floor under the probability at
the level its known items reach (unknown items counted as absent, the way an undocumented item is
scored in practice): a conservative choice for must-not-miss conditions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from kinchain.reasoning.compiled import Compiled, Test
from kinchain.reasoning.expressions import Value
from kinchain.reasoning.priors import logit
from kinchain.reasoning.rules import RuleOutcome

CLUSTER_DECAY = 0.5


@dataclass(slots=True)  # slots: dozens are made per assessment, so a cheaper __init__ counts
class Piece:
    """One finding's (or rule's) raw effect on one condition."""

    finding: str
    value: Value
    log_lr: float
    cluster: str | None
    citation: tuple[str, ...]
    status: str
    via: str | None = None
    effective: float = 0.0


@dataclass(slots=True)
class ConditionUpdate:
    prior_logit: float
    pieces: list[Piece] = field(default_factory=list)
    override: float | None = None  # logit set by a probability rule
    override_rule: str | None = None
    floor: float | None = None  # logit floor from a partially evaluated probability rule
    floor_rule: str | None = None

    @property
    def logit(self) -> float:
        base = self.override if self.override is not None else self.prior_logit
        value = base + sum(p.effective for p in self.pieces)
        return value if self.floor is None else max(value, self.floor)


def combine_cluster(values: list[float]) -> list[float]:
    """Effective log-LRs for log-LRs that share one cluster (largest first, weights 1, 1/2, 1/4...).

    Equal magnitudes of opposite sign (LR+ 2 on one test, LR- 0.5 on another) put the positive first, so
    the answer does not depend on the order the findings were recorded in, and a tie leans towards
    suspicion rather than away from it."""
    order = sorted(range(len(values)), key=lambda i: (-abs(values[i]), -values[i]))
    out = [0.0] * len(values)
    for rank, i in enumerate(order):
        out[i] = values[i] * CLUSTER_DECAY**rank
    return out


def _apply_clusters(update: ConditionUpdate) -> None:
    groups: dict[str, list[Piece]] = {}
    for p in update.pieces:
        if p.cluster is None:
            p.effective = p.log_lr
        else:
            groups.setdefault(p.cluster, []).append(p)
    for members in groups.values():
        if len(members) == 1:  # alone in its cluster: weight 1 (the common case, no sort needed)
            members[0].effective = members[0].log_lr
            continue
        for p, eff in zip(members, combine_cluster([m.log_lr for m in members]), strict=True):
            p.effective = eff


_Effect = tuple[str, float, str | None, tuple[str, ...], str]  # condition, log-LR, cluster, citation, status


@lru_cache(maxsize=8)
def _effects(comp: Compiled) -> dict[str, tuple[tuple[Test, tuple[_Effect, ...], tuple[_Effect, ...]], ...]]:
    """Per finding, per test: the non-zero effects of a positive and of a negative result, in link order
    (resolved once per knowledge base instead of walking the links on every case)."""
    def side(t: int, positive: bool) -> tuple[_Effect, ...]:
        out = []
        for link in comp.links_by_test[t]:
            lr = link.log_pos if positive else link.log_neg
            if lr != 0.0:
                ev = link.evidence
                out.append((comp.conditions[link.condition], lr, link.cluster, tuple(ev.citation), ev.status))
        return tuple(out)

    return {fid: tuple((comp.tests[t], side(t, True), side(t, False)) for t in tests)
            for fid, tests in comp.tests_by_finding.items()}


def replaced_rules(outcomes: list[RuleOutcome]) -> frozenset[str]:
    """Rules another complete rule replaces for their condition (``replaces``): not applied to the posterior."""
    out = [rid for o in outcomes if o.rule.replaces and o.applicable and o.complete for rid in o.rule.replaces]
    return frozenset(out)


def update_conditions(
    comp: Compiled,
    findings: Mapping[str, Value],
    prior_logits: Mapping[str, float],
    outcomes: list[RuleOutcome],
) -> dict[str, ConditionUpdate]:
    updates = {c: ConditionUpdate(prior_logits[c]) for c in comp.conditions}
    effects = _effects(comp)
    for fid, value in findings.items():
        for test, if_pos, if_neg in effects.get(fid, ()):
            for cid, lr, cluster, citation, status in (if_pos if test.result(value) else if_neg):
                updates[cid].pieces.append(Piece(fid, value, lr, cluster, citation, status))
    replaced = replaced_rules(outcomes)
    for out in outcomes:
        rule = out.rule
        if replaced and rule.id in replaced:
            continue
        if (rule.condition is not None and out.applicable and not out.complete and rule.partial_floor
                and out.level is not None and out.level.probability is not None):
            floor = logit(out.level.probability)
            upd = updates[rule.condition]
            if upd.floor is None or floor > upd.floor:
                upd.floor, upd.floor_rule = floor, rule.id
        if rule.condition is None or not out.applicable or not out.complete:
            continue
        upd = updates[rule.condition]
        if rule.supersedes:
            gone = set(rule.supersedes)
            upd.pieces = [p for p in upd.pieces if p.finding not in gone]
        if out.probability is not None:
            upd.override = logit(out.probability)
            upd.override_rule = rule.id
        elif out.lr is not None and out.lr != 1.0:
            label = out.level.label if out.level is not None else str(out.result).lower()
            upd.pieces.append(
                Piece(rule.id, label, math.log(out.lr), None, tuple(rule.citation), rule.status, via=rule.id)
            )
    for upd in updates.values():
        if upd.pieces:  # most conditions: nothing observed bears on them
            _apply_clusters(upd)
    return updates
