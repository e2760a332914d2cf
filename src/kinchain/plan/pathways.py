"""Care pathways by driver and by condition: typed access to ``kb.extra["pathways"]``, its validator and
the selection of pathways for an assessment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from kinchain.plan.models import Measurement, Pathway
from kinchain.plan.treatments import TREATMENTS

if TYPE_CHECKING:
    from kinchain.knowledge.loader import Knowledge
    from kinchain.reasoning.types import Assessment

REGIONS = ("hip", "knee", "lumbar_spine", "foot_ankle", "other")
MECHANISMS = ("local", "referred", "kinetic_chain", "compensation")


def parse_pathways(raw: Iterable[Any]) -> tuple[dict[str, Pathway], list[str]]:
    out: dict[str, Pathway] = {}
    problems: list[str] = []
    for entry in raw:
        ident = entry.get("id") if isinstance(entry, dict) else None
        try:
            pw = Pathway.model_validate(entry)
        except ValidationError as exc:
            problems += [f"pathways.yaml: pathway '{ident}': {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                         for e in exc.errors()]
            continue
        if pw.id in out:
            problems.append(f"pathways.yaml: duplicate pathway id '{pw.id}'")
        out[pw.id] = pw
    return out, problems


def _measurement_problems(owner: str, m: Measurement, kb: Knowledge) -> list[str]:
    from kinchain.knowledge.validate import citation_problems

    problems = citation_problems(owner, m.citation, kb)
    f = kb.findings.get(m.finding)
    if f is None:
        return [*problems, f"{owner}: requires unknown finding '{m.finding}'"]
    if f.type == "boolean" and not isinstance(m.value, bool):
        problems.append(f"{owner}: boolean finding '{m.finding}' needs a true/false value")
    if f.type == "number" and (isinstance(m.value, bool) or not isinstance(m.value, int | float)):
        problems.append(f"{owner}: number finding '{m.finding}' needs a numeric threshold")
    return problems


def validate_section(kb: Knowledge) -> list[str]:
    """Knowledge-base validator for the ``pathways`` section (registered in knowledge/validate.py)."""
    from kinchain.knowledge.validate import citation_problems
    from kinchain.plan.library import parse_exercises

    pathways, problems = parse_pathways(kb.extra.get("pathways", ()))
    exercises, _ = parse_exercises(kb.extra.get("exercises", ()))
    for pw in pathways.values():
        owner = f"pathway {pw.id}"
        problems += citation_problems(owner, pw.citation, kb)
        for cid in pw.conditions:
            if cid not in kb.conditions:
                problems.append(f"{owner}: unknown condition '{cid}'")
        for src in pw.sources:
            region, _, mech = src.partition("/")
            if region not in REGIONS or mech not in MECHANISMS:
                problems.append(f"{owner}: source '{src}' must be region/mechanism from {REGIONS} x {MECHANISMS}")
        for fid in pw.reassess:
            if fid not in kb.findings:
                problems.append(f"{owner}: reassess names unknown finding '{fid}'")
        for tag in pw.treats:
            if tag not in TREATMENTS:
                problems.append(f"{owner}: unknown treatment tag '{tag}'")
        if pw.kind in ("driver", "condition") and not (pw.conditions or pw.sources):
            problems.append(f"{owner}: a {pw.kind} pathway needs conditions or sources to select it")
        if pw.kind in ("adjunct", "warning_sign", "safety") and (pw.text is None or pw.patient_text is None):
            problems.append(f"{owner}: a {pw.kind} entry needs text and patient_text")
        if pw.kind == "adjunct" and pw.evidence is None:
            problems.append(f"{owner}: an adjunct needs an evidence level")
        if pw.kind in ("warning_sign", "safety") and pw.level is None:
            problems.append(f"{owner}: needs a level")
        if pw.timeline is not None:
            problems += citation_problems(f"{owner} timeline", pw.timeline.citation, kb)
            lo, hi = pw.timeline.initial_weeks
            mlo, mhi = pw.timeline.full_months
            if not (0 < lo <= hi and 0 < mlo <= mhi):
                problems.append(f"{owner}: timeline ranges must be positive and ordered")
        for ref in pw.referrals:
            problems += citation_problems(f"{owner} referral", ref.citation, kb)
        seen: set[str] = set()
        for comp in pw.components:
            cown = f"{owner} component {comp.id}"
            if comp.id in seen:
                problems.append(f"{cown}: duplicate component id")
            seen.add(comp.id)
            problems += citation_problems(cown, comp.citation, kb)
            for ex in comp.exercises:
                if ex not in exercises:
                    problems.append(f"{cown}: unknown exercise '{ex}'")
            for tag in comp.treats:
                if tag not in TREATMENTS:
                    problems.append(f"{cown}: unknown treatment tag '{tag}'")
            for m in comp.requires:
                problems += _measurement_problems(cown, m, kb)
            if comp.patient_text is None and comp.category not in ("medication", "injection", "surgery"):
                problems.append(f"{cown}: needs patient_text (only medication/injection/surgery are clinician-only)")
    kinds = {pw.kind for pw in pathways.values()}
    if pathways and not {"safety", "warning_sign"} <= kinds:
        problems.append("pathways: needs safety notices and warning signs")
    return problems


@lru_cache(maxsize=8)
def pathway_index(kb: Knowledge) -> dict[str, Pathway]:
    """Every pathway in the knowledge base, by id (parsed once per loaded knowledge base)."""
    parsed, _ = parse_pathways(kb.extra.get("pathways", ()))
    return parsed


def measurement_met(m: Measurement, findings: Mapping[str, Any]) -> bool:
    """Is the measurement that justifies a component present in the findings?"""
    if m.finding not in findings:
        return False
    v = findings[m.finding]
    if m.op == "==":
        return bool(v == m.value)
    if m.op == "in":
        return isinstance(m.value, list) and v in m.value
    if isinstance(v, bool) or not isinstance(v, int | float) or isinstance(m.value, bool | list):
        return False
    return {"<": v < m.value, "<=": v <= m.value, ">": v > m.value, ">=": v >= m.value}[m.op]


def source_share(assessment: Assessment, source: str) -> float:
    """Probability that the pain comes from ``region/mechanism`` according to the assessment."""
    region, _, mech = source.partition("/")
    total = 0.0
    for sp in assessment.pain_source:
        if sp.region != region:
            continue
        split = sp.mechanisms or {}
        if split:
            s = sum(split.values())
            share = split.get(mech, 0.0)
            # the split holds absolute probabilities (summing to the region's) or fractions of the region
            total += share if abs(s - sp.probability) <= 0.01 else sp.probability * share / (s or 1.0)
        elif sp.mechanism == mech:
            total += sp.probability
    return min(total, 1.0)


@dataclass(frozen=True)
class Selected:
    pathway: Pathway
    score: float
    because: tuple[str, ...]


def select_pathways(assessment: Assessment, kb: Knowledge, threshold: float) -> list[Selected]:
    """Driver and condition pathways whose conditions or sources reach ``threshold``, strongest first."""
    probs = {c.id: c.probability for c in assessment.conditions}
    out: list[Selected] = []
    for pw in pathway_index(kb).values():
        if pw.kind not in ("driver", "condition"):
            continue
        reasons: list[str] = []
        score = 0.0
        for cid in pw.conditions:
            p = probs.get(cid, 0.0)
            if p >= threshold:
                reasons.append(f"{kb.conditions[cid].name if cid in kb.conditions else cid} {p:.0%}")
            score = max(score, p)
        for src in pw.sources:
            p = source_share(assessment, src)
            if p >= threshold:
                reasons.append(f"pain source {src.replace('/', ', ').replace('_', ' ')} {p:.0%}")
            score = max(score, p)
        if score >= threshold:
            out.append(Selected(pw, score, tuple(reasons)))
    # treat the source: driver pathways lead, then condition pathways, each strongest first
    out.sort(key=lambda s: (s.pathway.kind != "driver", -s.score, s.pathway.id))
    return out
