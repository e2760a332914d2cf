"""assess(case) -> Assessment: the whole reasoning pass, pure (knowledge and case in, typed result out)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from kinchain.case import Case, FindingValue, validate_case
from kinchain.knowledge.loader import Knowledge, load_knowledge
from kinchain.knowledge.schema import REGIONS
from kinchain.reasoning import source as src
from kinchain.reasoning.compiled import Compiled, compile_knowledge
from kinchain.reasoning.next_test import best_by_finding, information_gain
from kinchain.reasoning.posterior import ConditionUpdate, Piece, update_conditions
from kinchain.reasoning.priors import expit, logit, prior_for
from kinchain.reasoning.rules import RuleOutcome, evaluate_all
from kinchain.reasoning.triage import triage
from kinchain.reasoning.types import (
    Assessment,
    ConditionExplanation,
    ConditionProbability,
    Contribution,
    Explanation,
    NextTest,
    RuleResult,
    SourceExplanation,
    SourceProbability,
)

TOP_CONTRIBUTIONS = 6


class Reasoning:
    """Intermediate state of one pass; kept so the interview and explanation can reuse it."""

    def __init__(self, kb: Knowledge, findings: Mapping[str, FindingValue]) -> None:
        self.kb = kb
        self.comp: Compiled = compile_knowledge(kb)
        self.findings = dict(findings)
        self.complaint = str(findings["complaint_region"])
        age, sex, setting = float(findings["age_years"]), str(findings["sex"]), str(findings["setting"])
        self.priors = {c: prior_for(kb, c, self.complaint, age, sex, setting) for c in self.comp.conditions}
        self.outcomes: list[RuleOutcome] = evaluate_all(kb.rules, self.findings)
        prior_logits = {c: logit(p.probability) for c, p in self.priors.items()}
        self.updates: dict[str, ConditionUpdate] = update_conditions(self.comp, self.findings, prior_logits,
                                                                      self.outcomes)
        self.posteriors = {c: expit(u.logit) for c, u in self.updates.items()}
        self.exps = src.explanations(kb, self.complaint, {c: p.probability for c, p in self.priors.items()},
                                     self.updates)
        self.probs = src.normalise(self.exps)

    @property
    def leading(self) -> str:
        return self.exps[int(np.argmax(self.probs))].condition

    def source_table(self) -> dict[str, dict[str, float]]:
        return src.region_table(self.exps, self.probs)

    def gains(self, patient_only: bool = False) -> list[tuple[str, float]]:
        comp = self.comp
        cand = np.array([
            t.finding not in self.findings and (not patient_only or comp.kb.findings[t.finding].patient_askable)
            for t in comp.tests
        ])
        post = np.array([self.posteriors[c] for c in comp.conditions])
        return best_by_finding(comp, information_gain(comp, self.exps, self.probs, post, cand))


def _contribution(piece: Piece, kb: Knowledge) -> Contribution:
    return Contribution(finding=piece.finding, value=piece.value, log_odds=round(piece.effective, 4),
                        lr=round(math.exp(piece.effective), 4), citation=kb.cite(piece.citation),
                        status=piece.status, via=piece.via)


def _source_contributions(r: Reasoning, region: str) -> list[Contribution]:
    """Leave-one-finding-out change in the region's log-odds."""
    base = src.region_logit(r.exps, r.probs, region)
    per_finding: dict[str, list[Piece]] = {}
    for e in r.exps:
        if e.condition == src.NONSPECIFIC:
            continue
        for p in r.updates[e.condition].pieces:
            per_finding.setdefault(p.finding, []).append(p)
    out = []
    for fid, pieces in per_finding.items():
        drop: dict[str, float] = {}
        for e in r.exps:
            if e.condition != src.NONSPECIFIC:
                drop[e.condition] = sum(p.effective for p in r.updates[e.condition].pieces if p.finding == fid)
        reduced = [src.Explanation(e.condition, e.source, e.mechanism, e.weight, e.log_lr - drop.get(e.condition, 0.0))
                   for e in r.exps]
        delta = base - src.region_logit(reduced, src.normalise(reduced), region)
        if abs(delta) < 1e-3:
            continue
        first = max(pieces, key=lambda p: abs(p.effective))
        cites = sorted({c for p in pieces for c in r.kb.cite(p.citation)})
        out.append(Contribution(finding=fid, value=first.value, log_odds=round(delta, 4),
                                lr=round(math.exp(delta), 4), citation=cites, status=first.status, via=first.via))
    out.sort(key=lambda c: -abs(c.log_odds))
    return out[:TOP_CONTRIBUTIONS]


def _rule_results(r: Reasoning) -> list[RuleResult]:
    out = []
    for o in r.outcomes:
        if not o.applicable or (o.result is None and o.value in (None, 0)):
            continue
        out.append(RuleResult(id=o.rule.id, name=o.rule.name, result=o.result, value=o.value,
                              label=o.level.label if o.level else None,
                              probability=o.probability, action=o.rule.action, citation=r.kb.cite(o.rule.citation)))
    return out


def build_assessment(r: Reasoning, case_id: str | None, n_next: int = 5,
                     notes: list[str] | None = None) -> Assessment:
    kb = r.kb
    table = r.source_table()
    sources = []
    for region in REGIONS:
        mechs = table.get(region, {})
        total = sum(mechs.values())
        mech = max(mechs, key=lambda m: mechs[m]) if mechs else "local"
        sources.append(SourceProbability(region=region, mechanism=mech, probability=total,  # type: ignore[arg-type]
                                         mechanisms=dict(mechs)))
    sources.sort(key=lambda s: -s.probability)
    conds = sorted(
        (ConditionProbability(id=c, name=kb.conditions[c].name, probability=p,
                              prior=r.priors[c].probability, must_not_miss=kb.conditions[c].must_not_miss,
                              region=kb.conditions[c].region, icd10=kb.conditions[c].icd10)
         for c, p in r.posteriors.items()),
        key=lambda c: -c.probability,
    )
    tri = triage(kb, r.outcomes, r.posteriors, r.leading)
    shown = [c.id for c in conds[:5]] + [c.id for c in conds[5:] if c.must_not_miss and c.probability >= tri.threshold]
    cond_expl = []
    for cid in shown:
        upd = r.updates[cid]
        pieces = sorted(upd.pieces, key=lambda p: -abs(p.effective))[:TOP_CONTRIBUTIONS]
        cond_expl.append(ConditionExplanation(condition=cid, prior=r.priors[cid].probability,
                                              posterior=r.posteriors[cid],
                                              contributions=[_contribution(p, kb) for p in pieces]))
    src_expl = []
    for s in sources[:2]:
        if s.probability <= 0:
            continue
        carriers = sorted(((e.condition, p) for e, p in zip(r.exps, r.probs, strict=True) if e.source == s.region),
                          key=lambda t: -t[1])
        src_expl.append(SourceExplanation(region=s.region, probability=s.probability,
                                          conditions=[c for c, p in carriers if p >= 0.01][:5],
                                          contributions=_source_contributions(r, s.region)))
    all_notes = list(notes or [])
    for o in r.outcomes:
        if o.rule.condition and o.applicable and o.complete and o.probability is not None:
            all_notes.append(f"{o.rule.name}: {o.level.label if o.level else ''} -> probability "
                             f"{o.probability:.0%} for {kb.conditions[o.rule.condition].name}.")
    next_tests = [
        NextTest(finding=fid, question=kb.findings[fid].question, description=kb.findings[fid].description,
                 group=kb.findings[fid].group, expected_gain_bits=round(g, 4),
                 patient_askable=kb.findings[fid].patient_askable)
        for fid, g in r.gains()[:n_next]
    ]
    return Assessment(
        case_id=case_id,
        knowledge_version=kb.version,
        complaint_region=r.complaint,
        pain_source=sources,
        conditions=conds,
        triage=tri,
        explanation=Explanation(sources=src_expl, conditions=cond_expl, rules=_rule_results(r), notes=all_notes),
        next_tests=next_tests,
        findings=dict(r.findings),
    )


def assess(case: Case, knowledge: Knowledge | None = None, *,
           extra_findings: Mapping[str, FindingValue] | None = None,
           notes: list[str] | None = None, n_next: int = 5) -> Assessment:
    """Assess one case: pain source, conditions, triage, explanation and next best tests."""
    kb = knowledge or load_knowledge()
    if extra_findings:
        case = case.model_copy(update={"findings": {**case.findings, **extra_findings}})
    findings = validate_case(case, kb)
    return build_assessment(Reasoning(kb, findings), case.id, n_next=n_next, notes=notes)
