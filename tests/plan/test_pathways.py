from __future__ import annotations

from kinchain.plan.builder import build_plan
from kinchain.plan.pathways import pathway_index
from kinchain.plan.treatments import SEED_TREATMENTS
from tests.plan.helpers import driver_assessments, make_assessment


def _treats(plan, kb):
    index = pathway_index(kb)
    from kinchain.plan.library import exercise_library

    lib = exercise_library(kb)
    tags = {t for it in plan.items + plan.clinician_only for t in it.treats}
    tags |= {t for a in plan.adjuncts for t in index[a.id].treats}
    tags |= {t for e in plan.exercises for t in lib[e.id].treats}
    return tags


def test_every_seed_treatment_is_reachable_from_some_assessment(kb):
    reached: set[str] = set()
    for a in driver_assessments(kb).values():
        reached |= _treats(build_plan(a, None, "clinician", kb), kb)
    missing = sorted(set(SEED_TREATMENTS) - reached)
    assert not missing, f"seed treatments no assessment reaches: {missing}"


def test_hip_driven_knee_pain_pathway(kb):
    a = make_assessment(kb, {"hip_abductor_weakness": 0.6, "pfp": 0.3},
                        sources=[("hip", "kinetic_chain", 0.6), ("knee", "local", 0.4)],
                        findings={"anterior_pelvic_rotation": True, "hip_abductor_weakness": True})
    plan = build_plan(a, None, "clinician", kb)
    assert plan.drivers[0].pathway == "hip_driven_knee_pain"
    comps = {i.component for i in plan.items}
    assert {"release", "realign", "gluteal_core_strength", "hip_flexor_strength", "stretch_flexors_hamstrings",
            "gait_retraining", "femoral_control"} <= comps
    release = next(i for i in plan.items if i.component == "release")
    for muscle in ("iliacus", "psoas", "TFL", "piriformis", "deep rotators", "90 s"):
        assert muscle in release.text
    realign = next(i for i in plan.items if i.component == "realign")
    assert realign.justification and "anterior_pelvic_rotation" in realign.justification
    ex = {e.id: e for e in plan.exercises}
    assert ex["pelvic_realign_anterior_side"].side == "only the side that is tipped forward"
    assert plan.exercises[0].category == "release"  # release comes first (3 R's order)
    assert plan.predicted_change and "pelvic drop" in plan.predicted_change


def test_realignment_needs_the_measured_rotation(kb):
    a = make_assessment(kb, {"hip_abductor_weakness": 0.6}, sources=[("hip", "kinetic_chain", 0.6)])
    plan = build_plan(a, None, "clinician", kb)
    assert "realign" not in {i.component for i in plan.items}
    assert "pelvic_realign_anterior_side" not in {e.id for e in plan.exercises}


def test_heel_lift_only_with_the_measurement_that_justifies_it(kb):
    short = make_assessment(kb, {"leg_length_difference": 0.7}, findings={"leg_length_difference_mm": 6.0})
    long = make_assessment(kb, {"leg_length_difference": 0.7}, findings={"leg_length_difference_mm": 14.0})
    assert "heel_lift" not in {i.component for i in build_plan(short, None, "clinician", kb).items}
    item = next(i for i in build_plan(long, None, "clinician", kb).items if i.component == "heel_lift")
    assert "leg_length_difference_mm = 14.0" in (item.justification or "")


def test_orthoses_for_measured_overpronation(kb):
    a = make_assessment(kb, {"foot_overpronation": 0.7}, findings={"navicular_drop_mm": 13.0})
    plan = build_plan(a, None, "clinician", kb)
    item = next(i for i in plan.items if i.component == "orthoses")
    assert "navicular" in (item.justification or "")
    assert {"short_foot", "calf_raise"} <= {e.id for e in plan.exercises}


def test_knee_driven_hip_compensation_treats_the_knee_and_the_limp(kb):
    a = make_assessment(kb, {"hip_compensation_after_knee_injury": 0.6, "meniscal_tear": 0.4},
                        sources=[("knee", "compensation", 0.6)], region="hip")
    plan = build_plan(a, None, "clinician", kb)
    assert plan.drivers[0].pathway == "knee_driven_hip_compensation"
    assert "meniscal_tear" in {d.pathway for d in plan.drivers}  # the knee problem is treated too
    tags = {t for i in plan.items for t in i.treats}
    assert {"treat_knee_problem", "rice", "gentle_stretching", "gait_retraining", "strengthen_core"} <= tags


def test_hip_oa_clinician_options_and_replacement_criteria(kb):
    a = make_assessment(kb, {"hip_oa": 0.8}, sources=[("hip", "referred", 0.8)], findings={"overweight": True})
    plan = build_plan(a, None, "clinician", kb)
    core = {i.component for i in plan.items}
    assert {"oa_education", "oa_exercise", "oa_weight"} <= core
    only = {i.component: i for i in plan.clinician_only}
    assert {"oa_analgesia", "oa_injection", "oa_replacement"} <= set(only)
    assert only["oa_analgesia"].contraindications and only["oa_injection"].contraindications
    assert "failed" in only["oa_replacement"].text
    assert any("orthopaedic" in r.to for r in plan.referrals)


def test_primary_knee_conditions_get_their_referral_criteria(kb):
    acl = build_plan(make_assessment(kb, {"acl_tear": 0.8}), None, "clinician", kb)
    assert any("orthopaedics" in r.to and "ACL" in r.when for r in acl.referrals)
    men = build_plan(make_assessment(kb, {"meniscal_tear": 0.8}), None, "clinician", kb)
    assert any("locked" in r.when for r in men.referrals)


def test_adjuncts_are_optional_with_evidence_levels(kb):
    plan = build_plan(make_assessment(kb, {"knee_oa": 0.8}), None, "clinician", kb)
    names = {a.name for a in plan.adjuncts}
    assert {"Massage therapy", "Acupuncture", "Chiropractic care", "Glucosamine and chondroitin"} <= names
    assert all(a.evidence for a in plan.adjuncts)
    glu = next(a for a in plan.adjuncts if a.id == "adj_glucosamine")
    assert glu.evidence == "guidelines advise against"
    assert all(i.category != "adjunct" for i in plan.items)  # never the main treatment


def test_every_pathway_component_exercise_exists_and_kb_is_valid(kb):
    from kinchain.plan.pathways import validate_section

    assert validate_section(kb) == []
