"""The two behaviours the product exists for, on the real knowledge base."""

from __future__ import annotations

from kinchain.case import case_from_mapping
from kinchain.reasoning.engine import assess


def test_knee_pain_reproduced_by_hip_rotation_without_local_signs_is_hip_driven(kb):
    case = case_from_mapping({
        "patient": {"age": 66, "sex": "female"},
        "complaint": {"region": "knee", "location": ["anterior_knee", "anterior_thigh"], "onset": "gradual",
                      "duration": "4 months"},
        "findings": {"knee_pain_reproduced_by_hip_movement": True, "local_knee_tenderness": False,
                     "knee_effusion": False, "knee_swelling": False, "knee_locking_catching": False},
    })
    a = assess(case, kb)
    top = a.pain_source[0]
    assert top.region == "hip" and top.mechanism == "referred", a.pain_source[:2]
    assert a.explanation.sources[0].contributions[0].finding == "knee_pain_reproduced_by_hip_movement"


def test_hip_pain_after_knee_injury_with_compensating_gait_is_knee_driven(kb):
    case = case_from_mapping({
        "patient": {"age": 34, "sex": "male"},
        "complaint": {"region": "hip", "location": ["lateral_hip", "buttock"], "onset": "gradual",
                      "duration": "6 weeks"},
        "setting": "physiotherapy",
        "findings": {"knee_injury_before_hip_pain": True, "limp": True, "favouring_other_leg": True,
                     "hip_muscles_tired_sore": True, "hip_rom_restricted_any_plane": False},
    })
    a = assess(case, kb)
    top = a.pain_source[0]
    assert top.region == "knee" and top.mechanism == "compensation", a.pain_source[:2]


def test_weak_gluteus_medius_moves_patellofemoral_pain_to_the_hip(kb):
    base = {"patient": {"age": 27, "sex": "female"},
            "complaint": {"region": "knee", "location": ["anterior_knee"], "onset": "gradual", "duration": "8 weeks"},
            "setting": "physiotherapy",
            "findings": {"squat_anterior_knee_pain": True, "pain_on_stairs_or_slopes": True}}
    local = assess(case_from_mapping(base), kb)
    weak = assess(case_from_mapping({**base, "findings": {**base["findings"], "hip_abductor_weakness": True,
                                                          "trendelenburg_positive": True,
                                                          "knee_valgus_single_leg_squat": True}}), kb)
    assert local.pain_source[0].region == "knee"
    assert weak.pain_source[0].region == "hip" and weak.pain_source[0].mechanism == "kinetic_chain"
    assert weak.explanation.chain is not None and weak.explanation.chain.current["pelvic_drop_deg"] > 0


def test_a_driver_odds_ratio_credits_the_driver_only_through_its_syndrome(kb):
    """pfp -> hip_abductor_weakness carries an odds ratio: the same positive Trendelenburg moves more of
    the complaint to the hip than the driver's own posterior alone would, and nothing else changes."""
    import dataclasses

    import numpy as np

    from kinchain.reasoning import source as src

    case = case_from_mapping({
        "patient": {"age": 30, "sex": "female"},
        "complaint": {"region": "knee", "location": ["anterior_knee"], "onset": "gradual", "duration": "8 weeks"},
        "setting": "physiotherapy",
        "findings": {"squat_anterior_knee_pain": True, "trendelenburg_positive": True},
    })
    from kinchain.case import validate_case
    from kinchain.reasoning.engine import Reasoning

    r = Reasoning(kb, validate_case(case, kb))
    attr = r.attr
    assert attr.pair_log_or is not None
    plain = dataclasses.replace(attr, pair_log_or=None)
    pi, q = np.asarray(r.probs)[None, :], r.driver_q[None, :]
    hip = src.REGIONS.index("hip")
    with_or, without = attr.region_mass(pi, q)[0], plain.region_mass(pi, q)[0]
    assert with_or[hip] > without[hip]
    assert abs(with_or.sum() - 1) < 1e-9 and abs(without.sum() - 1) < 1e-9
    # the explanations the odds ratio does not touch keep their local share
    i = next(k for k, e in enumerate(r.exps) if e.condition == "hip_oa")
    p_any, _ = attr.moved(pi, q)
    p_any_plain, _ = plain.moved(pi, q)
    assert p_any[0, i] == p_any_plain[0, i]
