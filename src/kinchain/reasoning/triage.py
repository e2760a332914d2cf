"""Urgency: the highest of (a) red-flag and decision-rule floors, (b) must-not-miss conditions whose
probability reaches a documented threshold (at least 'urgent'), (c) the usual care of any condition
that has become probable, (d) the usual care of the leading explanation of the complaint.

Parameters (knowledge base): ``must_not_miss_urgent_threshold`` and ``probable_condition_threshold``.
"""

from __future__ import annotations

from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import TRIAGE_ORDER
from kinchain.reasoning.rules import RuleOutcome, triage_floor
from kinchain.reasoning.types import Triage, TriageReason


def _max(a: str, b: str) -> str:
    return a if TRIAGE_ORDER[a] >= TRIAGE_ORDER[b] else b


def triage(
    kb: Knowledge,
    outcomes: list[RuleOutcome],
    posteriors: dict[str, float],
    leading: str | None,
) -> Triage:
    mnm_threshold = kb.parameter("must_not_miss_urgent_threshold")
    probable = kb.parameter("probable_condition_threshold")
    reasons: list[TriageReason] = []
    for out in outcomes:
        floor = triage_floor(out)
        if floor is not None:
            rule = out.rule
            detail = f" (score {out.value:g}: {out.level.label})" if out.level is not None and out.value is not None else ""
            reasons.append(TriageReason(kind="rule", id=rule.id, level=floor,  # type: ignore[arg-type]
                                        text=f"{rule.name}{detail}: {rule.action}",
                                        citation=kb.cite(rule.citation)))
    for cid, p in posteriors.items():
        cond = kb.conditions[cid]
        if cond.must_not_miss and p >= mnm_threshold:
            cfloor: str = "urgent" if TRIAGE_ORDER[cond.care] >= TRIAGE_ORDER["urgent"] else cond.care
            if p >= probable:
                cfloor = _max(cfloor, cond.care)
            reasons.append(TriageReason(
                kind="condition", id=cid, level=cfloor,  # type: ignore[arg-type]
                text=f"{cond.name} cannot be ruled out (probability {p:.0%} >= {mnm_threshold:.0%}): "
                     f"{cond.care_reason}"))
        elif p >= probable:
            reasons.append(TriageReason(kind="condition", id=cid, level=cond.care,
                                        text=f"{cond.name} is probable ({p:.0%}): {cond.care_reason}"))
    if leading is not None:
        cond = kb.conditions[leading]
        reasons.append(TriageReason(kind="care", id=leading, level=cond.care,
                                    text=f"Most likely explanation: {cond.name}. {cond.care_reason}"))
    level: str = "self_care"
    for r in reasons:
        level = _max(level, r.level)
    reasons.sort(key=lambda r: -TRIAGE_ORDER[r.level])
    return Triage(level=level, reasons=reasons, threshold=mnm_threshold)  # type: ignore[arg-type]
