"""Hand-made assessments for plan tests (the plan builder only reads the typed Assessment)."""

from __future__ import annotations

from typing import Any

from kinchain.reasoning.types import (
    Assessment,
    ConditionProbability,
    Explanation,
    SourceProbability,
    Triage,
    TriageReason,
)


def make_assessment(kb: Any, conditions: dict[str, float], *, sources: list[tuple[str, str, float]] | None = None,
                    triage: str = "routine", findings: dict[str, Any] | None = None, region: str = "knee",
                    reasons: list[TriageReason] | None = None, case_id: str | None = "test") -> Assessment:
    conds = [ConditionProbability(id=cid, name=kb.conditions[cid].name, probability=p, prior=0.05,
                                  must_not_miss=kb.conditions[cid].must_not_miss, region=kb.conditions[cid].region,
                                  icd10=kb.conditions[cid].icd10)
             for cid, p in sorted(conditions.items(), key=lambda kv: -kv[1])]
    srcs = [SourceProbability(region=r, mechanism=m, probability=p, mechanisms={m: p})  # type: ignore[arg-type]
            for r, m, p in (sources or [("knee", "local", 1.0)])]
    base = {"age_years": 40.0, "sex": "female", "complaint_region": region, "setting": "physiotherapy"}
    return Assessment(case_id=case_id, knowledge_version=kb.version, complaint_region=region, pain_source=srcs,
                      conditions=conds,
                      triage=Triage(level=triage, reasons=reasons or [], threshold=0.1),  # type: ignore[arg-type]
                      explanation=Explanation(sources=[], conditions=[], rules=[]), next_tests=[],
                      findings={**base, **(findings or {})})


def driver_assessments(kb: Any) -> dict[str, Assessment]:
    """One assessment per driver / condition pathway, with the measurements that justify its devices."""
    measured = {"anterior_pelvic_rotation": True, "leg_length_difference_mm": 15.0, "navicular_drop_mm": 12.0,
                "foot_overpronation": True, "running_sport": True, "overweight": True}
    out = {}
    from kinchain.plan.pathways import pathway_index

    for pw in pathway_index(kb).values():
        if pw.kind not in ("driver", "condition") or not pw.components:
            continue
        conds = dict.fromkeys(pw.conditions, 0.8)
        out[pw.id] = make_assessment(kb, conds, findings=measured)
    return out
