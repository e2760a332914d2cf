from __future__ import annotations

import json

import pytest

from kinchain.plan.builder import build_plan
from kinchain.plan.safety import forbidden_terms, visible_strings
from kinchain.reasoning.types import TriageReason
from tests.plan.helpers import driver_assessments, make_assessment


@pytest.mark.parametrize("level", ["emergency", "urgent"])
def test_red_flag_triage_replaces_exercises(kb, level):
    reason = TriageReason(kind="condition", id="septic_arthritis_knee", level=level, text="Septic arthritis likely")
    a = make_assessment(kb, {"septic_arthritis_knee": 0.5, "knee_oa": 0.4}, triage=level, reasons=[reason])
    for audience in ("clinician", "patient"):
        plan = build_plan(a, None, audience, kb)
        assert plan.safety is not None and plan.safety.level == level
        assert plan.exercises == [] and plan.items == [] and plan.timeline is None
        assert plan.safety.why and plan.warning_signs
    assert "doctor" in build_plan(a, None, "patient", kb).safety.what_to_do.lower()


def test_forbidden_terms_detector():
    assert forbidden_terms("Take ibuprofen or an injection") == ["ibuprofen", "injection"]
    assert forbidden_terms("Bend your knee slowly") == []


def test_patient_plans_never_mention_medicines_injections_or_surgery(kb):
    for pid, a in driver_assessments(kb).items():
        plan = build_plan(a, None, "patient", kb)
        bad = [s for s in visible_strings(plan.to_json_dict()) if forbidden_terms(s)]
        assert not bad, f"{pid}: {bad[:3]}"
        assert plan.clinician_only == [] and plan.differential == []
    clin = build_plan(driver_assessments(kb)["hip_oa"], None, "clinician", kb)
    assert forbidden_terms(json.dumps(clin.to_json_dict()))  # the clinician plan does carry them


def test_timeline_moves_within_the_cited_range(kb):
    young = make_assessment(kb, {"pfp": 0.8}, findings={"age_years": 24.0, "onset": "acute", "duration_weeks": 3.0})
    older = make_assessment(kb, {"pfp": 0.8}, findings={"age_years": 68.0, "duration_weeks": 20.0})
    ty, to = build_plan(young, None, "clinician", kb).timeline, build_plan(older, None, "clinician", kb).timeline
    assert ty.initial_weeks == (4, 6) and ty.full_months == (3, 6)
    assert ty.chosen_initial_weeks == 4 and ty.chosen_full_months == 3
    assert to.chosen_initial_weeks == 6 and to.chosen_full_months == 6
    assert any("Age 68" in a for a in to.adjustments) and any("chronic" in a for a in to.adjustments)
    for t in (ty, to):
        assert [p.number for p in t.phases] == [1, 2, 3]
        assert all(a.end_week == b.start_week for a, b in zip(t.phases, t.phases[1:], strict=False))
        assert all(p.milestones and p.progress_when for p in t.phases)


def test_acl_timeline_is_longer(kb):
    t = build_plan(make_assessment(kb, {"acl_tear": 0.8}), None, "clinician", kb).timeline
    assert t.full_months[0] >= 9


def test_reassessment_points_and_warning_signs(kb):
    plan = build_plan(make_assessment(kb, {"hip_abductor_weakness": 0.7}, sources=[("hip", "kinetic_chain", 0.7)]),
                      None, "clinician", kb)
    weeks = [r.week for r in plan.reassessments]
    assert weeks == sorted(weeks) and len(weeks) == 3
    assert any("trendelenburg" in w for w in plan.reassessments[0].what)
    levels = {w.level for w in plan.warning_signs}
    assert {"emergency", "urgent"} <= levels
    assert any("bladder" in w.text for w in plan.warning_signs)


def test_bad_audience_is_rejected(kb):
    with pytest.raises(ValueError, match="audience"):
        build_plan(make_assessment(kb, {"pfp": 0.8}), None, "family", kb)  # type: ignore[arg-type]
