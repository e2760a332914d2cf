"""CDS Hooks builders: discovery, patient-view cards, whole hook call from prefetch, feedback."""

from __future__ import annotations

from typing import Any

import pytest

from kinchain.case import Case
from kinchain.outcomes import score, series
from kinchain.outcomes.cds_hooks import (
    SERVICE_ID,
    parse_feedback,
    patient_view_cards,
    patient_view_response,
    services,
)
from kinchain.reasoning.engine import assess
from kinchain.report.fhir import export_bundle

from .conftest import NOW, make_case


def _check_card(card: dict[str, Any]) -> None:
    assert len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert card["source"]["label"].startswith("kinchain ")


def test_discovery() -> None:
    svc = services()["services"]
    assert [s["hook"] for s in svc] == ["patient-view"] and svc[0]["id"] == SERVICE_ID
    assert "{{context.patientId}}" in svc[0]["prefetch"]["patient"]


def test_routine_case_gives_info_card(case: Case, small_kb: Any) -> None:
    a = assess(case, small_kb)
    cards = patient_view_cards(a, knowledge=small_kb, app_url="https://app.example/launch")["cards"]
    assert cards and cards[0]["indicator"] == "info"
    for c in cards:
        _check_card(c)
    assert a.knowledge_version in cards[0]["source"]["label"]
    assert cards[0]["links"][0]["type"] == "smart"
    assert "Differential" in cards[0]["detail"]
    assert a.triage.level == "routine"
    assert patient_view_cards(a, knowledge=small_kb, quiet=True) == {"cards": []}   # nothing needs attention


def test_red_flag_gives_critical_card(small_kb: Any) -> None:
    a = assess(make_case(findings={"redflag": True}), small_kb)
    assert a.triage.level == "emergency"
    cards = patient_view_cards(a, knowledge=small_kb, quiet=True)["cards"]
    assert cards[0]["indicator"] == "critical" and cards[0]["summary"].startswith("Emergency")
    for c in cards:
        _check_card(c)


def test_long_summary_is_cut_below_140(small_kb: Any) -> None:
    a = assess(make_case(findings={"redflag": True}), small_kb)
    reason = a.triage.reasons[0].model_copy(update={"text": "x " * 200})
    a = a.model_copy(update={"triage": a.triage.model_copy(update={"reasons": [reason]})})
    card = patient_view_cards(a)["cards"][0]
    assert len(card["summary"]) < 140 and card["summary"].endswith("…")


def test_prom_worse_card(small_kb: Any) -> None:
    s = series([score("NPRS", {"NPRS": 3}, date="2026-01-01"), score("NPRS", {"NPRS": 7}, date="2026-02-01")])
    assert s.verdicts["pain"].verdict == "worse"
    out = patient_view_cards(assess(make_case(), small_kb), outcomes=[s], quiet=True)["cards"]
    assert [c["indicator"] for c in out] == ["warning"]
    assert out[0]["summary"].startswith("NPRS worse beyond measurement error: pain (3 -> 7)")


def test_must_not_miss_card(small_kb: Any) -> None:
    from kinchain.reasoning.types import ConditionProbability

    a = assess(make_case(), small_kb)
    bad = a.condition("badnews")
    raised = ConditionProbability(**{**bad.model_dump(), "probability": 0.2})
    a = a.model_copy(update={"conditions": [*a.conditions[:2], raised]})
    out = patient_view_cards(a, quiet=True)["cards"]
    assert any(c["summary"].startswith("Rule out Bad news: probability 20%") and c["indicator"] == "warning"
               for c in out)


def test_whole_hook_call_from_prefetch(case: Case, small_kb: Any) -> None:
    a = assess(case, small_kb)
    bundle = export_bundle(case, a, knowledge=small_kb, now=NOW, build_plan=False)
    obs = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    request = {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": patient["id"]},
               "prefetch": {"patient": patient, "findings": {"resourceType": "Bundle", "type": "searchset",
                                                             "entry": obs}}}
    out = patient_view_response(request, assess=lambda c: assess(c, small_kb), knowledge=small_kb)
    assert out["cards"] and out["cards"][0]["summary"] == patient_view_cards(a)["cards"][0]["summary"]
    empty = {"hook": "patient-view", "prefetch": {"patient": patient}}
    assert patient_view_response(empty, assess=lambda c: assess(c, small_kb)) == {"cards": []}
    with pytest.raises(ValueError, match="order-sign"):
        patient_view_response({"hook": "order-sign"})


def test_feedback() -> None:
    ok = {"feedback": [{"card": "abc", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
                        "overrideReason": {"reason": {"code": "x"}}}]}
    assert parse_feedback(ok)[0]["outcome"] == "overridden"
    with pytest.raises(ValueError, match="outcome must be"):
        parse_feedback({"feedback": [{"card": "abc", "outcome": "maybe", "outcomeTimestamp": "t"}]})
    with pytest.raises(ValueError, match="non-empty"):
        parse_feedback({})
