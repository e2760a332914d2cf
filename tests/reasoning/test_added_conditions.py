"""The four added conditions (sacroiliac joint pain, meralgia paresthetica, pes anserine bursitis,
iliopsoas abscess): each is reached by its own findings and rules, and loses ground when the findings
that argue against it are present."""

from __future__ import annotations

import pytest

from kinchain.case import case_from_mapping
from kinchain.knowledge import load_knowledge
from kinchain.reasoning.engine import assess
from kinchain.reasoning.rules import evaluate_rule

KB = load_knowledge()

SIJ_TESTS = ("sij_distraction_positive", "sij_thigh_thrust_positive", "sij_compression_positive",
             "sacral_thrust_positive", "gaenslen_positive")


def _assess(age: int, sex: str, region: str, findings: dict, setting: str = "primary_care", onset: str = "gradual"):
    case = case_from_mapping({"patient": {"age": age, "sex": sex},
                              "complaint": {"region": region, "onset": onset},
                              "setting": setting, "findings": findings})
    return assess(case, KB, explain=True, n_next=0)


def _sij(positives: int) -> dict:
    return {t: i < positives for i, t in enumerate(SIJ_TESTS)}


def _prob(a, cid: str) -> float:
    return a.condition(cid).probability


def _rank(a, cid: str) -> int:
    return [c.id for c in a.conditions].index(cid)


# ---------------------------------------------------------------- sacroiliac joint pain (Laslett cluster)
@pytest.mark.parametrize(("positives", "label"), [(2, "0-2 of 5"), (3, "3-5 of 5"), (5, "3-5 of 5")])
def test_laslett_cluster_levels_at_the_edge(positives, label):
    rule = KB.rules["laslett_sij_cluster"]
    out = evaluate_rule(rule, {"complaint_region": "back", **_sij(positives)})
    assert out.complete and out.level is not None and out.level.label == label
    assert out.result is (positives >= 3)


def test_laslett_cluster_published_figures():
    rule = KB.rules["laslett_sij_cluster"]
    low, high = rule.levels
    # Sn 0.91 / Sp 0.78 for 3 or more of 5 (published_source): LR+ = Sn / (1 - Sp), LR- = (1 - Sn) / Sp
    assert high.published_lr == pytest.approx(0.91 / (1 - 0.78), abs=0.05)
    assert low.published_lr == pytest.approx((1 - 0.91) / 0.78, abs=0.01)
    # the engine uses shrunk values, never stronger than the published ones
    assert 1 < high.lr <= high.published_lr and low.published_lr <= low.lr < 1


def test_three_of_five_sij_tests_make_the_joint_the_leading_back_pain_explanation():
    a = _assess(45, "female", "back", {**_sij(3), "loc_buttock": True})
    assert a.conditions[0].id == "sacroiliac_joint_pain"
    assert any(r.id == "laslett_sij_cluster" and r.label == "3-5 of 5" for r in a.explanation.rules)
    assert a.top_source.region == "hip"  # the joint belongs to the pelvis
    expl = next(c for c in a.explanation.conditions if c.condition == "sacroiliac_joint_pain")
    assert any(c.via == "laslett_sij_cluster" for c in expl.contributions)  # the rule, not the five tests


def test_sij_cluster_counts_once_not_five_times():
    three = _assess(45, "female", "back", {**_sij(3), "loc_buttock": True})
    five = _assess(45, "female", "back", {**_sij(5), "loc_buttock": True})
    assert _prob(five, "sacroiliac_joint_pain") == pytest.approx(_prob(three, "sacroiliac_joint_pain"), abs=1e-9)


def test_negative_sij_cluster_lowers_the_joint_below_its_prior():
    a = _assess(45, "female", "back", {**_sij(1), "loc_buttock": True})
    c = a.condition("sacroiliac_joint_pain")
    assert c.probability < c.prior
    assert a.top_source.region == "lumbar_spine"


# ---------------------------------------------------------------- meralgia paresthetica
BURNING_LATERAL_THIGH = {"loc_lateral_thigh": True, "neuropathic_pain_quality": True, "numbness_tingling": True,
                         "quadriceps_weakness": False, "patellar_reflex_reduced": False,
                         "pain_radiates_below_knee": False, "back_pain": False}


def test_burning_lateral_thigh_without_deficit_puts_meralgia_above_an_upper_lumbar_root():
    a = _assess(48, "male", "thigh", BURNING_LATERAL_THIGH)
    assert _rank(a, "meralgia_paresthetica") <= 1
    assert _prob(a, "meralgia_paresthetica") > 2 * _prob(a, "lumbar_radiculopathy_l2_l4")
    assert a.top_source.region == "hip" and a.top_source.mechanism == "referred"


def test_positive_pelvic_compression_test_makes_meralgia_the_leading_explanation():
    a = _assess(48, "male", "thigh", {**BURNING_LATERAL_THIGH, "pelvic_compression_test_positive": True})
    assert a.conditions[0].id == "meralgia_paresthetica"


def test_weakness_and_a_lost_knee_jerk_turn_the_thigh_pain_to_the_spine():
    a = _assess(48, "male", "thigh", {**BURNING_LATERAL_THIGH, "quadriceps_weakness": True,
                                      "patellar_reflex_reduced": True, "back_pain": True})
    assert _prob(a, "lumbar_radiculopathy_l2_l4") > _prob(a, "meralgia_paresthetica")
    assert a.top_source.region == "lumbar_spine"
    assert a.triage.level in ("urgent", "emergency")  # numbness and objective weakness keep their flags


# ---------------------------------------------------------------- pes anserine bursitis
def test_tender_pes_anserinus_below_the_joint_line_names_the_bursitis():
    a = _assess(62, "female", "knee", {"loc_medial_knee": True, "pes_anserine_tenderness": True,
                                       "knee_oa_known": True, "loc_joint_line": False})
    assert _rank(a, "pes_anserine_bursitis") <= 1
    assert _prob(a, "pes_anserine_bursitis") > 5 * a.condition("pes_anserine_bursitis").prior
    assert a.top_source.region == "knee" and a.top_source.mechanism == "local"


def test_non_tender_pes_anserinus_argues_against_it():
    a = _assess(62, "female", "knee", {"loc_medial_knee": True, "pes_anserine_tenderness": False,
                                       "knee_oa_known": True})
    c = a.condition("pes_anserine_bursitis")
    assert c.probability < c.prior


# ---------------------------------------------------------------- iliopsoas abscess (must-not-miss)
def test_fever_with_hip_pain_and_a_positive_psoas_sign_is_an_emergency_naming_the_abscess():
    a = _assess(54, "male", "hip", {"fever": True, "psoas_sign_positive": True})
    assert a.triage.level == "emergency"
    assert any(r.kind == "rule" and r.id == "flag_fever_with_psoas_signs" for r in a.triage.reasons)
    assert KB.rules["flag_fever_with_psoas_signs"].condition == "iliopsoas_abscess"
    assert any(r.id == "flag_infection_signs" for r in a.triage.reasons)  # the general fever flag still fires


def test_febrile_diabetic_with_psoas_sign_and_raised_crp_shows_the_abscess_above_the_threshold():
    a = _assess(54, "male", "hip", {"fever": True, "psoas_sign_positive": True, "crp_mg_l": 120, "diabetes": True},
                setting="emergency")
    ipa = a.condition("iliopsoas_abscess")
    assert ipa.must_not_miss and ipa.probability >= a.triage.threshold
    assert any(r.kind == "condition" and r.id == "iliopsoas_abscess" for r in a.triage.reasons)
    assert a.triage.level == "emergency"


def test_afebrile_hip_held_flexed_with_raised_crp_reaches_the_septic_joint_emergency_flag():
    a = _assess(54, "male", "hip", {"fever": False, "hip_held_flexed": True, "crp_mg_l": 90})
    assert any(r.id == "flag_irritable_joint_raised_markers" for r in a.triage.reasons)
    assert a.triage.level == "emergency"


def test_psoas_sign_without_fever_does_not_fire_the_fever_flag():
    a = _assess(30, "female", "hip", {"fever": False, "psoas_sign_positive": True})
    assert not any(r.id == "flag_fever_with_psoas_signs" for r in a.triage.reasons)


def test_afebrile_normal_crp_lowers_the_abscess():
    a = _assess(54, "male", "hip", {"fever": False, "crp_mg_l": 3, "psoas_sign_positive": True})
    c = a.condition("iliopsoas_abscess")
    assert c.probability < c.prior


def test_a_painless_foot_drop_after_leg_crossing_is_the_peroneal_nerve_not_the_spine(kb):
    from kinchain.case import case_from_mapping
    from kinchain.reasoning.engine import assess

    base = {"patient": {"age": 45, "sex": "male"},
            "complaint": {"region": "foot_ankle", "onset": "gradual", "duration": "3 weeks"}}
    nerve = assess(case_from_mapping({**base, "findings": {
        "foot_drop": True, "dorsal_foot_sensory_loss": True, "habitual_leg_crossing_or_kneeling": True,
        "foot_inversion_weak": False, "back_pain": False, "ankle_reflex_reduced": False}}), kb)
    root = assess(case_from_mapping({**base, "findings": {
        "foot_drop": True, "foot_inversion_weak": True, "back_pain": True, "slr_positive": True,
        "pain_radiates_below_knee": True}}), kb)
    assert nerve.conditions[0].id == "peroneal_neuropathy", [(c.id, round(c.probability, 3)) for c in nerve.conditions[:4]]
    assert nerve.pain_source[0].region == "knee"
    assert root.pain_source[0].region == "lumbar_spine"
    p = {c.id: c.probability for c in root.conditions}
    assert p["lumbar_radiculopathy_l5_s1"] > p["peroneal_neuropathy"]
