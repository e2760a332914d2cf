"""assess(case) -> Assessment: the whole reasoning pass, pure (knowledge and case in, typed result out)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from kinchain.case import Case, FindingValue, validate_case
from kinchain.knowledge.loader import Knowledge, load_knowledge
from kinchain.knowledge.schema import REGIONS
from kinchain.reasoning import source as src
from kinchain.reasoning.compiled import Compiled, compile_knowledge
from kinchain.reasoning.next_test import best_by_finding, candidate_tests, information_gain
from kinchain.reasoning.posterior import ConditionUpdate, Piece, replaced_rules, update_conditions
from kinchain.reasoning.priors import expit, logit, priors_for_patient
from kinchain.reasoning.rules import RuleOutcome, evaluate_all
from kinchain.reasoning.triage import triage
from kinchain.reasoning.types import Assessment, ChainNumbers, RuleResult

TOP_CONTRIBUTIONS = 6


@lru_cache(maxsize=4096)
def _prior_maps(kb: Knowledge, complaint: str, age: float, sex: str,
                setting: str) -> tuple[dict[str, float], dict[str, float]]:
    """Prior probability and log-odds per condition for one patient header (read-only; headers repeat)."""
    priors = priors_for_patient(kb, complaint, age, sex, setting)
    return {c: p.probability for c, p in priors.items()}, {c: logit(p.probability) for c, p in priors.items()}


class Reasoning:
    """Intermediate state of one pass; kept so the interview and explanation can reuse it."""

    def __init__(self, kb: Knowledge, findings: Mapping[str, FindingValue]) -> None:
        self.kb = kb
        self.comp: Compiled = compile_knowledge(kb)
        self.findings = dict(findings)
        self.complaint = str(findings["complaint_region"])
        age, sex, setting = float(findings["age_years"]), str(findings["sex"]), str(findings["setting"])
        self.priors = priors_for_patient(kb, self.complaint, age, sex, setting)
        prior_probs, prior_logits = _prior_maps(kb, self.complaint, age, sex, setting)
        self.outcomes: list[RuleOutcome] = evaluate_all(kb.rules, self.findings)
        self.updates: dict[str, ConditionUpdate] = update_conditions(self.comp, self.findings, prior_logits,
                                                                      self.outcomes)
        logits = {c: u.logit for c, u in self.updates.items()}  # a property that sums: evaluate once
        self.posteriors = {c: expit(v) for c, v in logits.items()}
        self.exps = src.explanations(kb, self.complaint, prior_probs, self.updates, logits)
        self.probs = src.normalise(self.exps)
        self.attr = src.attribution(kb, self.complaint, tuple(e.condition for e in self.exps))
        self.driver_q = np.array([self.posteriors[d] for d in self.attr.drivers])
        self.drive = self.attr.drive(self.driver_q)  # shared by the mass, its carriers and the information gain
        self.mass = self.attr.mass(np.asarray(self.probs), self.drive)

    @property
    def leading(self) -> str:
        return self.exps[int(np.argmax(self.probs))].condition

    def source_table(self) -> dict[str, dict[str, float]]:
        return src.table_from_mass(self.mass)

    def gains(self, patient_only: bool = False, limit: int | None = None) -> list[tuple[str, float]]:
        """Findings by expected gain, best first (only the first ``limit`` when given)."""
        comp = self.comp
        cand = candidate_tests(comp, self.findings, patient_only)
        post = np.array([self.posteriors[c] for c in comp.conditions])
        return best_by_finding(comp, information_gain(comp, self.exps, self.probs, post, cand, self.attr, self.drive),
                               limit)


def _contribution(piece: Piece, kb: Knowledge) -> dict[str, Any]:
    return {"finding": piece.finding, "value": piece.value, "log_odds": round(piece.effective, 4),
            "lr": round(math.exp(piece.effective), 4), "citation": kb.cite(piece.citation),
            "status": piece.status, "via": piece.via}


@lru_cache(maxsize=64)
def _columns(conditions: tuple[str, ...], drivers: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int]]:
    """Column of each explanation and of each driver (per complaint region, reused every case)."""
    return {c: j for j, c in enumerate(conditions)}, {d: j for j, d in enumerate(drivers)}


def _accumulate(flat: list[int], values: list[float], shape: tuple[int, int]) -> np.ndarray:
    """Dense (rows, cols) matrix summing each value into its flat (row * cols + col) cell, in the order given."""
    return np.bincount(flat, weights=values, minlength=shape[0] * shape[1]).reshape(shape)


def _source_contributions(r: Reasoning, regions: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Leave-one-finding-out change in each region's log-odds (all findings at once, vectorised).

    Removing a finding changes both the explanation probabilities and the drivers' probabilities.
    """
    # one pass over the pieces: group them by finding, and note (row, column, effect) for the
    # explanations and drivers they move; the drop matrices are filled afterwards in bulk
    per_finding: dict[str, list[Piece]] = {}
    row: dict[str, int] = {}
    col_e, col_d = _columns(tuple(e.condition for e in r.exps), r.attr.drivers)
    n_e, n_d = len(r.exps), len(r.attr.drivers)
    flat_e: list[int] = []  # (1 + finding row) * columns + column: row 0 stays the case as it is
    vals_e: list[float] = []
    flat_d: list[int] = []
    vals_d: list[float] = []
    for cid, upd in r.updates.items():
        je, jd = col_e.get(cid), col_d.get(cid)
        for p in upd.pieces:
            group = per_finding.get(p.finding)
            if group is None:
                group = per_finding[p.finding] = []
                row[p.finding] = len(row)
            group.append(p)
            i = 1 + row[p.finding]
            if je is not None:
                flat_e.append(i * n_e + je)
                vals_e.append(p.effective)
            if jd is not None:
                flat_d.append(i * n_d + jd)
                vals_d.append(p.effective)
    if not per_finding:
        return {region: [] for region in regions}
    fids = list(per_finding)
    # row 1 + i of the drop matrices leaves finding i out
    drop_e = _accumulate(flat_e, vals_e, (len(fids) + 1, n_e))
    drop_d = _accumulate(flat_d, vals_d, (len(fids) + 1, n_d))
    base = np.array([math.log(e.weight) + e.log_lr for e in r.exps])
    logits = base - drop_e
    logits -= logits.max(axis=1, keepdims=True)
    pi = np.exp(logits)
    pi /= pi.sum(axis=1, keepdims=True)
    qlogit = np.array([r.updates[d].logit for d in r.attr.drivers])
    q = 1 / (1 + np.exp(drop_d - qlogit))
    # all shown regions at once: column k of delta is region k's change when each finding is left out
    pr = np.minimum(np.maximum(r.attr.region_mass(pi, q)[:, [REGIONS.index(g) for g in regions]], 1e-12),
                    1 - 1e-12)
    lo = np.log(pr / (1 - pr))
    delta = lo[0] - lo[1:]
    top = np.argsort(-np.abs(delta), axis=0)[:TOP_CONTRIBUTIONS].T.tolist()
    deltas = delta.T.tolist()
    out: dict[str, list[dict[str, Any]]] = {}
    for k, region in enumerate(regions):
        items = []
        for i in top[k]:
            d = deltas[k][i]
            if abs(d) < 0.01:  # under a 1% change in odds: not a reason worth showing
                break
            pieces = per_finding[fids[i]]
            first = max(pieces, key=lambda p: abs(p.effective))
            cites = _merged_citations(r.kb, tuple(p.citation for p in pieces))
            items.append({"finding": fids[i], "value": first.value, "log_odds": round(d, 4), "lr": round(math.exp(d), 4),
                          "citation": list(cites), "status": first.status, "via": first.via})
        out[region] = items
    return out


@lru_cache(maxsize=4096)
def _merged_citations(kb: Knowledge, citations: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The distinct short citations of one finding's pieces, sorted (the same few combinations recur)."""
    return tuple(sorted({c for ids in citations for c in kb.cite(ids)}))


def _rule_results(r: Reasoning) -> list[RuleResult]:
    """Rules that fired, or whose complete result changed a condition's probability."""
    out = []
    for o in r.outcomes:
        used = o.rule.condition is not None and (o.probability is not None or (o.lr is not None and o.lr != 1.0))
        if not o.applicable or not (o.result is True or used):
            continue
        out.append(RuleResult(id=o.rule.id, name=o.rule.name, result=o.result, value=o.value,
                              label=o.level.label if o.level else None,
                              probability=o.probability, action=o.rule.action, citation=r.kb.cite(o.rule.citation)))
    return out


def _carriers(r: Reasoning, regions: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Which conditions carry each region's mass: syndromes that stay local, and the drivers they move to.

    ``regions``: only these regions are wanted (the others are skipped, not summed).
    """
    attr = r.attr
    pi = np.asarray(r.probs)
    out: dict[str, dict[str, float]] = {}

    wanted = set(REGIONS if regions is None else regions)

    def credit(region: str, cid: str, mass: float) -> None:
        if region not in wanted:
            return
        row = out.setdefault(region, {})
        row[cid] = row.get(cid, 0.0) + mass

    if attr.drivers:
        p_any, moved = attr.moved(pi, r.drive)
        driver_region = [REGIONS[i] for i in np.argmax(attr.region_d, axis=1).tolist()]
    else:
        p_any, moved = np.zeros_like(pi), np.zeros(0)
    local = (pi * (1 - p_any)).tolist()
    for i, e in enumerate(r.exps):
        credit(e.source, e.condition, local[i])
    for d, m in zip(attr.pair_d.tolist(), moved.tolist(), strict=True):
        if m > 0:
            credit(driver_region[d], attr.drivers[d], m)
    return out


def build_assessment(r: Reasoning, case_id: str | None, n_next: int = 5,
                     notes: list[str] | None = None, explain: bool = True) -> Assessment:
    """Assemble the typed result (built as plain data, validated once: the fast path in pydantic).

    ``explain=False`` leaves out the per-finding contributions (leave-one-out) and ``n_next=0`` the
    next-test ranking: the quick path for bulk scoring where only the answer is needed.
    """
    kb = r.kb
    table = r.source_table()
    sources: list[dict[str, Any]] = []
    for region in REGIONS:
        mechs = table.get(region, {})
        mech = max(mechs, key=lambda m: mechs[m]) if mechs else "local"
        sources.append({"region": region, "mechanism": mech, "probability": sum(mechs.values()), "mechanisms": mechs})
    sources.sort(key=lambda d: -d["probability"])
    ranked = sorted(r.posteriors.items(), key=lambda kv: -kv[1])
    conds = []
    for c, p in ranked:
        cond = kb.conditions[c]
        conds.append({"id": c, "name": cond.name, "probability": p, "prior": r.priors[c].probability,
                      "must_not_miss": cond.must_not_miss, "region": cond.region, "icd10": cond.icd10})
    tri = triage(kb, r.outcomes, r.posteriors, r.leading)
    shown = [c for c, _ in ranked[:5]] + [c for c, p in ranked[5:] if kb.conditions[c].must_not_miss and p >= tri.threshold]
    cond_expl = []
    for cid in shown:
        pieces = sorted(r.updates[cid].pieces, key=lambda p: -abs(p.effective))[:TOP_CONTRIBUTIONS] if explain else []
        cond_expl.append({"condition": cid, "prior": r.priors[cid].probability, "posterior": r.posteriors[cid],
                          "contributions": [_contribution(p, kb) for p in pieces]})
    shown_regions: list[str] = [d["region"] for d in sources[:2] if d["probability"] > 0]
    contributions = _source_contributions(r, shown_regions) if explain else {g: [] for g in shown_regions}
    src_expl = []
    carried = _carriers(r, shown_regions)
    for region in shown_regions:
        carriers = sorted(carried.get(region, {}).items(), key=lambda t: -t[1])
        src_expl.append({"region": region, "probability": next(d["probability"] for d in sources if d["region"] == region),
                         "conditions": [c for c, p in carriers if p >= 0.01][:5], "contributions": contributions[region]})
    all_notes = list(notes or [])
    replaced = replaced_rules(r.outcomes)
    for o in r.outcomes:
        if o.rule.condition and o.applicable and o.complete and o.probability is not None and o.rule.id not in replaced:
            all_notes.append(f"{o.rule.name}: {o.level.label if o.level else ''} -> probability "
                             f"{o.probability:.0%} for {kb.conditions[o.rule.condition].name}.")
    next_tests = []
    for fid, g in (r.gains(limit=n_next) if n_next > 0 else []):
        f = kb.findings[fid]
        next_tests.append({"finding": fid, "question": f.question, "description": f.description, "group": f.group,
                           "expected_gain_bits": round(g, 4), "patient_askable": f.patient_askable})
    return Assessment.model_validate({
        "case_id": case_id,
        "knowledge_version": kb.version,
        "complaint_region": r.complaint,
        "pain_source": sources,
        "conditions": conds,
        "triage": tri,
        "explanation": {"sources": src_expl, "conditions": cond_expl, "rules": _rule_results(r), "notes": all_notes,
                        "chain": chain_numbers(sources[0]["mechanism"], r.findings, kb) if explain else None},
        "next_tests": next_tests,
        "findings": dict(r.findings),
    })


def assess(case: Case, knowledge: Knowledge | None = None, *,
           extra_findings: Mapping[str, FindingValue] | None = None,
           notes: list[str] | None = None, n_next: int = 5, explain: bool = True) -> Assessment:
    """Assess one case: pain source, conditions, triage, explanation and next best tests.

    ``explain=False, n_next=0`` is the quick path (probabilities, source and triage with their reasons).
    """
    kb = knowledge or load_knowledge()
    if extra_findings:
        case = case.model_copy(update={"findings": {**case.findings, **extra_findings}})
    findings = validate_case(case, kb)
    return build_assessment(Reasoning(kb, findings), case.id, n_next=n_next, notes=notes, explain=explain)


CHAIN_HEADLINE = ("pelvic_drop_deg", "femoral_internal_rotation_deg", "knee_valgus_deg", "hip_contact_force_bw",
                  "patellofemoral_pressure_change_pct")


def chain_numbers(top_mechanism: str, findings: Mapping[str, FindingValue], kb: Knowledge) -> ChainNumbers | None:
    """For a kinetic-chain-driven complaint (the top source's mechanism): the chain model run on this
    patient's impairments."""
    if top_mechanism != "kinetic_chain":
        return None
    relevant = _chain_inputs()
    return _chain_numbers(kb, tuple(sorted((k, v) for k, v in findings.items() if k in relevant)))


@lru_cache(maxsize=1)
def _chain_inputs() -> frozenset[str]:
    """The findings the chain model reads (imported late: the chain package is optional for the engine)."""
    from kinchain.chain.findings import CHAIN_SIGNS, FINDING_MAP

    return frozenset({m.finding for m in FINDING_MAP} | set(CHAIN_SIGNS) | {"sex", "body_mass_kg", "height_m"})


@lru_cache(maxsize=1024)
def _chain_numbers(kb: Knowledge, inputs: tuple[tuple[str, FindingValue], ...]) -> ChainNumbers | None:
    """The model is a pure function of the few findings it reads, so identical impairments share one run."""
    from kinchain.chain import chain_for_findings

    res = chain_for_findings(dict(inputs), kb=kb)
    if res is None:
        return None
    return ChainNumbers(
        impairments=dict(res.mapped_from),
        current={k: round(res.value(k), 2) for k in CHAIN_HEADLINE if k in res.outputs},
        reference={k: round(res.outputs[k].reference, 2) for k in CHAIN_HEADLINE if k in res.outputs},
        if_corrected={k: v for k, v in res.predicted_change().items() if k in CHAIN_HEADLINE},
        notes=list(res.notes),
    )
