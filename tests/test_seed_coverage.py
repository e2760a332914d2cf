"""Everything the five seed articles name exists in the knowledge base (conditions, symptoms, signs,
tests, warning signs, mechanisms). Treatments and recovery figures are checked in tests/plan."""

from __future__ import annotations

import pytest

CONDITIONS = {
    "hip osteoarthritis": "hip_oa", "labral tear / impingement": "fai_labral", "hip bursitis": "gtps",
    "hip flexor tendinitis": "hip_flexor_tendinopathy", "knee osteoarthritis": "knee_oa",
    "meniscus tear": "meniscal_tear", "ACL tear": "acl_tear", "MCL / LCL injury": "collateral_ligament_sprain",
    "PCL injury": "pcl_tear", "patellofemoral pain / runner's knee": "pfp", "IT band syndrome": "itbs",
    "patellar tendinitis": "patellar_tendinopathy", "weak gluteus medius": "hip_abductor_weakness",
    "tight hip flexors / IT band": "hip_flexor_itb_tightness", "pelvic misalignment": "pelvic_misalignment",
    "leg length discrepancy": "leg_length_difference", "overpronation": "foot_overpronation",
    "hip pain after knee injury (compensation)": "hip_compensation_after_knee_injury",
    "hip fracture (previous injuries, falls)": "fracture_hip",
}

FINDINGS = {
    # symptoms, common and less common
    "knee pain inner side": "loc_medial_knee", "knee pain outer side": "loc_lateral_knee",
    "pain worse with activity": "knee_pain_worse_with_activity", "stiffness": "knee_stiffness",
    "swelling": "knee_swelling", "reduced range of motion": "reduced_knee_range",
    "referred deep ache hip to knee": "pain_radiates_hip_to_knee", "hip pain": "hip_or_groin_pain",
    "leg weakness": "leg_weakness", "clicking or popping": "clicking_popping", "change in gait / limp": "limp",
    "muscle tightness": "hip_muscle_tightness",
    # signs and tests
    "hip rotation reproduces the knee pain": "knee_pain_reproduced_by_hip_movement",
    "pain on hip internal/external rotation lying down": "hip_pain_on_ir",
    "local knee tenderness": "local_knee_tenderness", "locking or catching": "knee_locking_catching",
    "pain on deep knee flexion": "pain_on_deep_knee_flexion", "imaging of the knee": "knee_imaging_unremarkable",
    "knee treatment gives only temporary relief": "knee_treatment_temporary_relief",
    "pelvis drops in single-leg stance": "trendelenburg_positive", "knee collapses inward": "knee_valgus_single_leg_squat",
    "anterior pelvic rotation": "anterior_pelvic_rotation", "prolonged sitting / crossed legs": "prolonged_sitting_habit",
    "old foot or ankle injury": "previous_foot_ankle_injury",
    "timeline: knee injury before hip pain": "knee_injury_before_hip_pain",
    "favouring the uninjured leg": "favouring_other_leg", "overworked gluteals and hip flexors": "hip_muscles_tired_sore",
    # measurements of movement
    "pelvic drop": "contralateral_pelvic_drop_deg", "femoral internal rotation": "hip_internal_rotation_peak_deg",
    "knee valgus (frontal plane projection angle)": "knee_fppa_deg",
    # warning signs (see a doctor)
    "fever": "fever", "redness or warmth": "joint_red_or_warm", "recent fall or trauma": "recent_fall_or_trauma",
    "numbness or tingling": "numbness_tingling", "loss of daily function": "major_loss_of_function",
    "pain not eased by rest or painkillers": "severe_pain_not_eased",
    "history of hip injury or surgery": "prior_hip_injury_or_surgery",
}

WARNING_RULES = ["flag_fall_or_trauma", "flag_numbness_tingling", "flag_major_loss_of_function", "flag_infection_signs",
                 "flag_severe_pain_not_eased", "flag_knee_swelling", "flag_stiffness_reduced_range",
                 "flag_hip_to_knee_pain_with_limp", "flag_hip_injury_history"]


@pytest.mark.parametrize(("term", "cid"), sorted(CONDITIONS.items()))
def test_condition_exists(kb, term, cid):
    assert cid in kb.conditions, term


@pytest.mark.parametrize(("term", "fid"), sorted(FINDINGS.items()))
def test_finding_exists_and_moves_something(kb, term, fid):
    assert fid in kb.findings, term
    used = any(ev.finding == fid for ev in kb.evidence) or any(
        fid in str(r.model_dump()) for r in kb.rules.values())
    assert used, f"{term}: {fid} is in the vocabulary but no evidence link or rule uses it"


@pytest.mark.parametrize("rid", WARNING_RULES)
def test_see_a_doctor_items_are_rules(kb, rid):
    rule = kb.rules[rid]
    assert rule.triage in ("routine", "urgent", "emergency")


def test_referral_mechanisms_exist(kb):
    mechanisms = {e.mechanism for c in kb.conditions.values() for e in c.explains}
    assert mechanisms == {"local", "referred", "kinetic_chain", "compensation"}
    hip_to_knee = [c.id for c in kb.conditions.values()
                   if any(e.complaint == "knee" and e.source == "hip" and e.mechanism == "referred" for e in c.explains)]
    assert "hip_oa" in hip_to_knee
