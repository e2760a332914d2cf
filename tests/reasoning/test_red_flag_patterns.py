"""Red flags added for the published-case validation: each fires on its clinical pattern and stays
silent when the decisive item is missing, so over-triage stays specific."""

from __future__ import annotations

import pytest

from kinchain.case import case_from_mapping
from kinchain.knowledge import load_knowledge
from kinchain.reasoning.engine import assess

KB = load_knowledge()


def _assess(age: int, region: str, findings: dict, onset: str = "gradual"):
    case = case_from_mapping({"patient": {"age": age, "sex": "female"},
                              "complaint": {"region": region, "onset": onset},
                              "setting": "primary_care", "findings": findings})
    return assess(case, KB, explain=False, n_next=0)


def _fired(a, rule_id: str) -> bool:
    return any(r.kind == "rule" and r.id == rule_id for r in a.triage.reasons)


AFEBRILE_HIP = {"fever": False, "hip_rom_restricted_any_plane": True, "limp": True}


@pytest.mark.parametrize("labs", [{"esr_mm_h": 59}, {"crp_mg_l": 45}])
def test_afebrile_adult_irritable_hip_with_raised_markers_is_an_emergency(labs):
    a = _assess(37, "hip", {**AFEBRILE_HIP, **labs})
    assert _fired(a, "flag_irritable_joint_raised_markers")
    assert a.triage.level == "emergency"


def test_afebrile_adult_swollen_knee_with_raised_crp_is_an_emergency():
    a = _assess(55, "knee", {"fever": False, "knee_effusion": True, "crp_mg_l": 60}, onset="acute")
    assert a.triage.level == "emergency"


@pytest.mark.parametrize("findings", [
    {**AFEBRILE_HIP, "esr_mm_h": 30, "crp_mg_l": 8},   # markers normal: a stiff hip alone is not an emergency
    {"fever": False, "esr_mm_h": 59},                  # raised ESR without an irritable hip stays urgent
])
def test_adult_septic_flag_needs_both_the_joint_and_the_markers(findings):
    a = _assess(37, "hip", findings)
    assert not _fired(a, "flag_irritable_joint_raised_markers")
    assert a.triage.level != "emergency"


def test_children_are_left_to_the_kocher_criteria():
    a = _assess(8, "hip", {**AFEBRILE_HIP, "esr_mm_h": 59})
    assert not _fired(a, "flag_irritable_joint_raised_markers")


@pytest.mark.parametrize("sign", ["hip_pain_on_ir", "knee_pain_reproduced_by_hip_movement"])
def test_older_adult_after_a_fall_with_painful_hip_movement_is_an_emergency_even_at_the_knee(sign):
    a = _assess(80, "knee", {"recent_fall_or_trauma": True, sign: True}, onset="acute")
    assert _fired(a, "flag_older_fall_cannot_bear_weight")
    assert a.triage.level == "emergency"


def test_painful_hip_movement_without_a_fall_does_not_fire_the_fracture_flag():
    a = _assess(80, "knee", {"recent_fall_or_trauma": False, "hip_pain_on_ir": True})
    assert not _fired(a, "flag_older_fall_cannot_bear_weight")


def test_fall_that_stops_weight_bearing_puts_a_hip_fracture_above_the_chronic_hip_syndromes():
    """The flag sets the urgency; the condition list must agree: after a fall with inability to bear weight
    a fracture heads the list, not lateral hip pain or osteoarthritis at their priors."""
    a = _assess(82, "hip", {"recent_fall_or_trauma": True, "cannot_bear_weight": True}, onset="acute")
    assert a.triage.level == "emergency"
    assert a.conditions[0].id == "fracture_hip"
    p = {c.id: c.probability for c in a.conditions}
    assert p["gtps"] < p["fracture_hip"] and p["hip_oa"] < p["fracture_hip"]


def _assess_with(age: int, region: str, findings: dict, onset: str, duration: str, sex: str = "male"):
    case = case_from_mapping({"patient": {"age": age, "sex": sex},
                              "complaint": {"region": region, "onset": onset, "duration": duration},
                              "setting": "primary_care", "findings": findings})
    return assess(case, KB, explain=False, n_next=0)


BILATERAL_BACK = {"back_pain": True, "bilateral_leg_symptoms": True}


@pytest.mark.parametrize("extra", [{}, {"neurogenic_claudication": False}, {"neurogenic_claudication": True}])
def test_new_bilateral_leg_symptoms_with_back_pain_stay_a_cauda_equina_emergency(extra):
    a = _assess_with(66, "back", {**BILATERAL_BACK, **extra}, "acute", "5 days")
    assert _fired(a, "cauda_equina_flags") and a.triage.level == "emergency"


def test_long_standing_neurogenic_claudication_in_both_legs_is_stenosis_not_an_emergency():
    stenosis = {**BILATERAL_BACK, "neurogenic_claudication": True, "symptoms_improve_bending_forward": True}
    a = _assess_with(72, "back", stenosis, "gradual", "8 months")
    assert not _fired(a, "cauda_equina_flags")
    assert a.triage.level == "routine" and a.conditions[0].id == "lumbar_spinal_stenosis"
    # the other cauda equina items still count on top of stenosis
    b = _assess_with(72, "back", {**stenosis, "saddle_anaesthesia": True}, "gradual", "8 months")
    assert _fired(b, "cauda_equina_flags") and b.triage.level == "emergency"


def test_a_knee_that_swelled_within_days_and_cannot_take_weight_goes_to_the_emergency_department():
    swollen = {"knee_swelling": True, "fever": False}
    a = _assess_with(78, "knee", {**swollen, "cannot_bear_weight": True}, "acute", "1 day")
    assert _fired(a, "flag_acute_swollen_knee_cannot_bear_weight") and a.triage.level == "emergency"
    b = _assess_with(78, "knee", {**swollen, "cannot_bear_weight": False}, "acute", "1 day")
    assert not _fired(b, "flag_acute_swollen_knee_cannot_bear_weight")
    c = _assess_with(78, "knee", {**swollen, "cannot_bear_weight": True}, "gradual", "3 months")
    assert not _fired(c, "flag_acute_swollen_knee_cannot_bear_weight")


@pytest.mark.parametrize("signs", [
    {"severe_pain_not_eased": True, "pain_on_passive_stretch": True},
    {"numbness_tingling": True, "leg_weakness": True},
    {"neuropathic_pain_quality": True, "tense_leg_compartment": True},
])
def test_two_compartment_signs_in_an_acute_leg_are_an_emergency_with_or_without_injury(signs):
    a = _assess_with(30, "lower_leg", signs, "acute", "1 day")
    assert _fired(a, "flag_possible_compartment_syndrome") and a.triage.level == "emergency"


@pytest.mark.parametrize("case", [
    ({"numbness_tingling": True}, "acute"),                                    # one sign only
    ({"numbness_tingling": True, "leg_weakness": True, "back_pain": True}, "acute"),  # a nerve root from the back
    ({"numbness_tingling": True, "leg_weakness": True}, "gradual"),           # not an acute leg
])
def test_the_compartment_flag_stays_silent_without_its_pattern(case):
    findings, onset = case
    a = _assess_with(30, "lower_leg", findings, onset, "3 days")
    assert not _fired(a, "flag_possible_compartment_syndrome")



def test_a_kneecap_still_out_of_place_is_an_emergency_and_a_reduced_one_with_swelling_is_urgent():
    out = _assess_with(15, "knee", {"kneecap_slipped_out": True, "kneecap_still_out_of_place": True}, "acute", "1 day",
                       sex="female")
    assert _fired(out, "flag_patella_still_dislocated") and out.triage.level == "emergency"
    back = _assess_with(15, "knee", {"kneecap_slipped_out": True, "swelling_within_hours": True}, "acute", "1 day",
                        sex="female")
    assert _fired(back, "flag_kneecap_dislocated") and back.triage.level == "urgent"
    assert back.conditions[0].id == "patellar_instability"


def _prob(a, condition: str) -> float:
    return next(c.probability for c in a.conditions if c.id == condition)


@pytest.mark.parametrize("region, suspected, cleared, imaging, condition, flag", [
    ("knee", {"acute_knee_injury": True, "unable_walk_4_steps": True},
     {"acute_knee_injury": True, "unable_walk_4_steps": False}, "knee_imaging_unremarkable", "fracture_knee",
     "flag_occult_knee_fracture"),
    ("hip", {"recent_fall_or_trauma": True, "cannot_bear_weight": True},
     {"recent_fall_or_trauma": True, "cannot_bear_weight": False, "hip_pain_on_ir": False},
     "hip_imaging_unremarkable", "fracture_hip", "flag_occult_hip_fracture"),
])
def test_normal_imaging_lowers_a_fracture_but_a_persisting_suspicion_keeps_the_floor(region, suspected, cleared,
                                                                                     imaging, condition, flag):
    before = _assess(45, region, suspected, onset="acute")
    after = _assess(45, region, {**suspected, imaging: True}, onset="acute")
    assert _prob(after, condition) < _prob(before, condition)
    assert _fired(after, flag)
    assert after.triage.level in ("urgent", "emergency")
    assert not _fired(_assess(45, region, {**cleared, imaging: True}, onset="acute"), flag)


def test_a_normal_hip_film_does_not_lower_the_older_adult_fall_emergency():
    older = _assess(80, "hip", {"recent_fall_or_trauma": True, "cannot_bear_weight": True,
                                "hip_imaging_unremarkable": True}, onset="acute")
    assert older.triage.level == "emergency"


@pytest.mark.parametrize("age, fires", [(78, True), (45, False)])
def test_older_adult_with_acute_knee_pain_and_normal_knee_imaging_gets_the_hip_checked(age, fires):
    a = _assess(age, "knee", {"knee_imaging_unremarkable": True, "knee_swelling": False}, onset="acute")
    assert _fired(a, "flag_older_acute_knee_pain_normal_knee_imaging") is fires
    if fires:
        assert a.triage.level in ("urgent", "emergency")


NORMAL_KNEE = {"local_knee_tenderness": False, "knee_effusion": False}


@pytest.mark.parametrize("age, extra, fires", [
    (12, {}, True),  # knee explains nothing, hip not examined: examine and image the hip
    (12, {"knee_imaging_unremarkable": True, "local_knee_tenderness": True}, True),  # a normal image is enough
    (12, {"hip_pain_on_ir": False, "hip_rom_restricted_any_plane": False}, False),  # the hip was cleared
    (12, {"local_knee_tenderness": True}, False),  # a tender spot: the knee may explain it
    (25, {}, False),  # outside the age of a slipped epiphysis
])
def test_adolescent_knee_pain_with_a_normal_knee_gets_the_hip_examined(age, extra, fires):
    a = _assess_with(age, "knee", {**NORMAL_KNEE, **extra}, "gradual", "8 weeks", sex="male")
    assert _fired(a, "flag_adolescent_knee_pain_normal_knee") is fires
    if fires:
        assert a.triage.level in ("urgent", "emergency")


@pytest.mark.parametrize("findings, duration, fires", [
    ({"knee_swelling": True, "knee_warmth": True, "fever": False}, "3 days", True),
    ({"hot_swollen_joint": True}, "1 week", True),
    ({"knee_effusion": True, "joint_red_or_warm": True}, "6 weeks", False),  # not acute
    ({"knee_swelling": True, "knee_warmth": False}, "3 days", False),  # swollen but not hot
    ({"hot_swollen_joint": True, "previous_similar_joint_attack": True}, "2 days", False),  # the known gout pattern
])
def test_an_acutely_hot_swollen_adult_knee_is_an_emergency(findings, duration, fires):
    a = _assess_with(66, "knee", findings, "gradual", duration, sex="male")
    assert _fired(a, "flag_acute_hot_swollen_knee") is fires
    if fires:
        assert a.triage.level == "emergency"


@pytest.mark.parametrize("age, region, findings, fires", [
    (7, "knee", {"limp": True}, True),  # a limping child feels hip trouble at the knee
    (4, "foot_ankle", {"limp": True}, True),
    (15, "hip", {"limp": True, "recent_fall_or_trauma": True}, True),  # injury does not make a limp safe
    (7, "knee", {"limp": False}, False),
    (30, "knee", {"limp": True}, False),  # adults: left to the other flags
])
def test_a_limping_child_is_seen_within_48_hours(age, region, findings, fires):
    a = _assess(age, region, findings)
    assert _fired(a, "flag_child_limp") is fires
    if fires:
        assert a.triage.level in ("urgent", "emergency")


@pytest.mark.parametrize("age, region, findings, fires", [
    (14, "lower_leg", {"severe_pain_not_eased": True}, True),  # NG12: X-ray within 48 h
    (22, "knee", {"severe_pain_not_eased": True, "recent_fall_or_trauma": True}, True),  # an injury can mislead
    (14, "lower_leg", {"severe_pain_not_eased": False}, False),
    (40, "knee", {"severe_pain_not_eased": True}, False),  # adults: routine review (seed article)
    (14, "back", {"severe_pain_not_eased": True}, False),  # limb bone pain only
])
def test_a_young_persons_unrelieved_limb_pain_gets_an_x_ray_within_48_hours(age, region, findings, fires):
    a = _assess(age, region, findings)
    assert _fired(a, "flag_young_person_unexplained_bone_pain") is fires
    assert a.triage.level in (("urgent", "emergency") if fires else ("routine", "self_care", "urgent"))


@pytest.mark.parametrize("findings, fires", [
    ({"foot_drop": True}, True),  # whatever nerve it is, an examination must find it within days
    ({"great_toe_extension_weakness": True}, True),
    ({"foot_ankle_weakness": True, "back_pain": False}, True),
    ({"quadriceps_weakness": True}, False),  # painful knees inhibit the quadriceps: not a nerve sign alone
    ({"foot_drop": False}, False),
])
def test_measured_foot_weakness_is_never_left_to_self_care(findings, fires):
    a = _assess(50, "foot_ankle", findings)
    assert _fired(a, "flag_motor_deficit") is fires
    if fires:
        assert a.triage.level in ("urgent", "emergency")
