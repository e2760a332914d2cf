"""Four more findings for facts that case writers could not code: a leg lying shortened and externally
rotated, drenching night sweats, isolated foot drop, and lateral hip pain on the adduction (ADD / ADD-R)
test. Coding each one true moves the intended condition the intended way against the same case without
it; no new link can lower a must-not-miss condition; a finding that measures the same thing as an older
one shares its cluster, so the two are not multiplied; and the flags that key on an equivalent older sign
also fire on the new one, so coding the more precise fact never lowers triage."""

from __future__ import annotations

import pytest

from kinchain.case import case_from_mapping
from kinchain.knowledge import load_knowledge
from kinchain.knowledge.schema import TRIAGE_ORDER
from kinchain.reasoning.engine import assess

KB = load_knowledge()

NEW_FINDINGS = ("leg_shortened_externally_rotated", "night_sweats", "foot_drop", "adduction_lateral_hip_pain")
MUST_NOT_MISS = sorted(cid for cid, c in KB.conditions.items() if c.must_not_miss)


def _assess(age: int, sex: str, region: str, findings: dict, onset: str = "gradual",
            setting: str = "primary_care"):
    case = case_from_mapping({"patient": {"age": age, "sex": sex},
                              "complaint": {"region": region, "onset": onset},
                              "setting": setting, "findings": findings})
    return assess(case, KB, explain=True, n_next=0)


def _prob(a, cid: str) -> float:
    return a.condition(cid).probability


def _flags(a) -> set[str]:
    return {r.id for r in a.triage.reasons if r.kind == "rule"}


def _odds(p: float) -> float:
    return p / (1 - p)


# (age, sex, region, onset, base findings, new finding, condition, direction: +1 raises, -1 lowers)
SHIFTS = [
    # shortened, externally rotated leg: displaced hip fracture; acute / unstable slipped epiphysis
    (80, "female", "hip", "acute", {"recent_fall_or_trauma": True},
     "leg_shortened_externally_rotated", "fracture_hip", +1),
    (45, "male", "hip", "acute", {},
     "leg_shortened_externally_rotated", "fracture_hip", +1),
    (13, "male", "knee", "gradual", {"limp": True},
     "leg_shortened_externally_rotated", "scfe", +1),
    (80, "female", "hip", "acute", {"recent_fall_or_trauma": True},
     "leg_shortened_externally_rotated", "nonspecific_pain", -1),
    # night sweats with bone pain: tumour or infection
    (15, "male", "knee", "gradual", {"night_pain": True},
     "night_sweats", "bone_tumour", +1),
    (60, "male", "hip", "gradual", {"loc_groin": True},
     "night_sweats", "iliopsoas_abscess", +1),
    (60, "male", "hip", "acute", {"loc_groin": True, "cannot_bear_weight": True},
     "night_sweats", "septic_arthritis_hip", +1),
    (60, "male", "knee", "acute", {"knee_swelling": True},
     "night_sweats", "septic_arthritis_knee", +1),
    # isolated foot drop: L5 root, peroneal nerve at a dislocated knee, anterior compartment
    (45, "male", "back", "gradual", {"back_pain": True, "pain_radiates_below_knee": True},
     "foot_drop", "lumbar_radiculopathy_l5_s1", +1),
    (30, "male", "knee", "acute", {"acute_knee_injury": True},
     "foot_drop", "knee_dislocation_vascular", +1),
    (30, "male", "lower_leg", "acute", {"severe_pain_not_eased": True},
     "foot_drop", "compartment_syndrome", +1),
    (40, "male", "thigh", "gradual", {"loc_lateral_thigh": True, "numbness_tingling": True},
     "foot_drop", "meralgia_paresthetica", -1),
    # lateral hip pain on the adduction test: gluteal tendinopathy
    (55, "female", "hip", "gradual", {"loc_lateral_hip": True},
     "adduction_lateral_hip_pain", "gtps", +1),
]


def test_every_new_finding_is_in_the_vocabulary_and_used():
    for fid in NEW_FINDINGS:
        assert fid in KB.findings, fid
        assert KB.findings[fid].type == "boolean", fid
        assert any(ev.finding == fid for ev in KB.evidence), fid


@pytest.mark.parametrize(("age", "sex", "region", "onset", "base", "finding", "condition", "direction"), SHIFTS,
                         ids=[f"{s[5]}->{s[6]}" for s in SHIFTS])
def test_coding_the_new_finding_moves_its_condition_the_intended_way(
        age, sex, region, onset, base, finding, condition, direction):
    without = _prob(_assess(age, sex, region, base, onset), condition)
    with_it = _prob(_assess(age, sex, region, {**base, finding: True}, onset), condition)
    if direction > 0:
        assert with_it > without * 1.05, (finding, condition, without, with_it)
    else:
        assert with_it < without / 1.05, (finding, condition, without, with_it)


def test_new_links_are_conservative_cited_judgements():
    for ev in KB.evidence:
        if ev.finding not in NEW_FINDINGS:
            continue
        assert ev.status == "unconfirmed" and "judgement_kinchain" in ev.citation, (ev.finding, ev.condition)
        assert ev.note, (ev.finding, ev.condition)
        for lr in (ev.lr_pos, ev.lr_neg):
            assert lr is None or 0.3 <= lr <= 5.0, (ev.finding, ev.condition, lr)


def test_no_new_link_can_lower_a_must_not_miss_condition():
    for ev in KB.evidence:
        if ev.finding in NEW_FINDINGS and ev.condition in MUST_NOT_MISS:
            assert ev.lr_pos is not None and ev.lr_pos >= 1.0, (ev.finding, ev.condition)
            assert ev.lr_neg is None, (ev.finding, ev.condition)


@pytest.mark.parametrize(("age", "sex", "region", "onset", "base"), [
    (80, "female", "hip", "acute", {"recent_fall_or_trauma": True}),
    (13, "male", "knee", "gradual", {}),
    (45, "male", "back", "gradual", {"back_pain": True}),
    (30, "male", "knee", "acute", {"acute_knee_injury": True}),
])
def test_a_new_sign_recorded_absent_never_lowers_a_must_not_miss_condition(age, sex, region, onset, base):
    before = _assess(age, sex, region, base, onset)
    for fid in NEW_FINDINGS:
        after = _assess(age, sex, region, {**base, fid: False}, onset)
        for cid in MUST_NOT_MISS:
            assert _prob(after, cid) >= _prob(before, cid) * (1 - 1e-9), (fid, cid)
        assert after.triage.level == before.triage.level, fid


# ---------------------------------------------------------------- clusters: the same structure is not counted twice
def test_foot_drop_and_big_toe_weakness_are_one_motor_deficit():
    base = {"back_pain": True, "pain_radiates_below_knee": True, "great_toe_extension_weakness": True}
    toe = _prob(_assess(45, "male", "back", base), "lumbar_radiculopathy_l5_s1")
    both = _prob(_assess(45, "male", "back", {**base, "foot_drop": True}), "lumbar_radiculopathy_l5_s1")
    lr = {ev.finding: ev.lr_pos for ev in KB.evidence if ev.condition == "lumbar_radiculopathy_l5_s1"
          and ev.finding in ("foot_drop", "great_toe_extension_weakness")}
    assert lr["foot_drop"] < lr["great_toe_extension_weakness"]
    # one cluster: the weaker link counts at half weight (log scale) on top of the stronger one
    assert _odds(both) / _odds(toe) == pytest.approx(lr["foot_drop"] ** 0.5, rel=1e-6)


def test_the_adduction_test_and_resisted_abduction_load_the_same_tendons():
    base = {"loc_lateral_hip": True, "resisted_abduction_pain": True}
    resisted = _prob(_assess(55, "female", "hip", base), "gtps")
    both = _prob(_assess(55, "female", "hip", {**base, "adduction_lateral_hip_pain": True}), "gtps")
    lr = {ev.finding: ev.lr_pos for ev in KB.evidence if ev.condition == "gtps"
          and ev.finding in ("adduction_lateral_hip_pain", "resisted_abduction_pain")}
    assert _odds(both) / _odds(resisted) == pytest.approx(lr["adduction_lateral_hip_pain"] ** 0.5, rel=1e-6)


def test_night_sweats_and_fever_are_one_febrile_illness_for_a_septic_joint():
    base = {"knee_swelling": True, "fever": True}
    fever = _prob(_assess(60, "male", "knee", base, "acute"), "septic_arthritis_knee")
    both = _prob(_assess(60, "male", "knee", {**base, "night_sweats": True}, "acute"), "septic_arthritis_knee")
    lr = {ev.finding: ev.lr_pos for ev in KB.evidence if ev.condition == "septic_arthritis_knee"
          and ev.finding in ("night_sweats", "fever")}
    assert _odds(both) / _odds(fever) == pytest.approx(lr["night_sweats"] ** 0.5, rel=1e-6)


# ---------------------------------------------------------------- flags that key on an equivalent older sign
def test_an_older_adult_with_a_shortened_rotated_leg_after_a_fall_is_an_emergency():
    base = {"recent_fall_or_trauma": True}
    plain = _assess(80, "female", "hip", base, "acute")
    assert "flag_older_fall_cannot_bear_weight" not in _flags(plain)
    a = _assess(80, "female", "hip", {**base, "leg_shortened_externally_rotated": True}, "acute")
    assert "flag_older_fall_cannot_bear_weight" in _flags(a)
    assert a.triage.level == "emergency"


def test_a_shortened_rotated_leg_keeps_the_fracture_suspected_after_a_normal_film():
    base = {"hip_imaging_unremarkable": True}
    plain = _assess(70, "female", "hip", base, "acute")
    assert "flag_occult_hip_fracture" not in _flags(plain)
    a = _assess(70, "female", "hip", {**base, "leg_shortened_externally_rotated": True}, "acute")
    assert "flag_occult_hip_fracture" in _flags(a)
    assert a.triage.level in ("urgent", "emergency")


def test_an_adolescent_with_a_shortened_rotated_leg_raises_the_scfe_and_child_flags():
    plain = _assess(13, "male", "knee", {})
    assert not {"flag_scfe_adolescent", "flag_child_fever_or_non_weight_bearing"} & _flags(plain)
    a = _assess(13, "male", "knee", {"leg_shortened_externally_rotated": True})
    assert {"flag_scfe_adolescent", "flag_child_fever_or_non_weight_bearing"} <= _flags(a)
    assert a.triage.level == "emergency"


def test_night_sweats_with_bone_pain_raise_the_tumour_flag():
    plain = _assess(60, "male", "hip", {"loc_groin": True})
    assert "flag_tumour" not in _flags(plain)
    a = _assess(60, "male", "hip", {"loc_groin": True, "night_sweats": True})
    assert "flag_tumour" in _flags(a)
    assert a.triage.level in ("urgent", "emergency")


def test_foot_drop_with_a_radicular_sign_is_a_motor_deficit_flag():
    base = {"back_pain": True, "pain_radiates_below_knee": True}
    plain = _assess(45, "male", "back", base)
    assert "flag_radicular_motor_deficit" not in _flags(plain)
    a = _assess(45, "male", "back", {**base, "foot_drop": True})
    assert "flag_radicular_motor_deficit" in _flags(a)
    assert a.triage.level in ("urgent", "emergency")


def test_foot_drop_after_a_knee_injury_is_a_neurovascular_emergency():
    plain = _assess(30, "male", "knee", {"acute_knee_injury": True}, "acute")
    assert "flag_knee_injury_with_nerve_symptoms" not in _flags(plain)
    a = _assess(30, "male", "knee", {"acute_knee_injury": True, "foot_drop": True}, "acute")
    assert "flag_knee_injury_with_nerve_symptoms" in _flags(a)
    assert a.triage.level == "emergency"


def test_foot_drop_counts_as_paresis_for_the_compartment_flag():
    base = {"severe_pain_not_eased": True}
    plain = _assess(30, "male", "lower_leg", base, "acute")
    assert "flag_possible_compartment_syndrome" not in _flags(plain)
    a = _assess(30, "male", "lower_leg", {**base, "foot_drop": True}, "acute")
    assert "flag_possible_compartment_syndrome" in _flags(a)
    assert a.triage.level == "emergency"


@pytest.mark.parametrize(("age", "sex", "region", "onset", "base", "older", "newer"), [
    (80, "female", "hip", "acute", {"recent_fall_or_trauma": True}, "cannot_bear_weight",
     "leg_shortened_externally_rotated"),
    (13, "male", "knee", "gradual", {}, "cannot_bear_weight", "leg_shortened_externally_rotated"),
    (60, "male", "hip", "gradual", {"loc_groin": True}, "weight_loss", "night_sweats"),
    (45, "male", "back", "gradual", {"back_pain": True}, "great_toe_extension_weakness", "foot_drop"),
    (30, "male", "knee", "acute", {"acute_knee_injury": True}, "foot_ankle_weakness", "foot_drop"),
])
def test_coding_the_more_precise_sign_instead_of_the_older_one_never_lowers_triage(
        age, sex, region, onset, base, older, newer):
    old = _assess(age, sex, region, {**base, older: True}, onset).triage.level
    new = _assess(age, sex, region, {**base, newer: True}, onset).triage.level
    assert TRIAGE_ORDER[new] >= TRIAGE_ORDER[old], (older, old, newer, new)


@pytest.mark.parametrize("age", [13, 45, 80])
def test_a_shortened_externally_rotated_leg_is_an_emergency_at_any_age(age):
    case = case_from_mapping({"patient": {"age": age, "sex": "female"}, "complaint": {"region": "hip"},
                              "findings": {"leg_shortened_externally_rotated": True}})
    assert assess(case, KB).triage.level == "emergency"
