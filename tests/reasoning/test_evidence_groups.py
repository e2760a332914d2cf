"""Evidence groups: one judgement over many pairs, expanded at load; the hip-sign pattern on the real base."""

from __future__ import annotations

import shutil

import pytest
import yaml

from kinchain.case import case_from_mapping
from kinchain.knowledge import build_knowledge
from kinchain.knowledge.loader import KnowledgeError, data_dir
from kinchain.reasoning.engine import assess


def _kb_with(tmp_path, groups):
    for p in data_dir().glob("*.yaml"):
        shutil.copy(p, tmp_path)
    (tmp_path / "zz_groups.yaml").write_text(yaml.safe_dump({"evidence_groups": groups}))
    return build_knowledge(tmp_path)


def _probs(a):
    return {c.id: c.probability for c in a.conditions}


def test_a_group_expands_into_links_and_an_explicit_link_keeps_its_own_value(tmp_path):
    kb = _kb_with(tmp_path, [{"id": "g", "findings": ["night_sweats", "loc_groin"], "conditions": ["knee_oa", "hip_oa"],
                              "lr_pos": 0.8, "citation": ["judgement_kinchain"], "status": "unconfirmed"}])
    links = {(e.finding, e.condition): e for e in kb.evidence}
    assert links[("night_sweats", "knee_oa")].lr_pos == 0.8
    assert links[("night_sweats", "hip_oa")].lr_pos == 0.8
    assert links[("loc_groin", "hip_oa")].lr_pos == 2.5  # the explicit hip-OA link wins
    assert sum(1 for e in kb.evidence if (e.finding, e.condition) == ("loc_groin", "hip_oa")) == 1


def test_a_group_may_not_lower_a_must_not_miss_condition(tmp_path):
    with pytest.raises(KnowledgeError) as err:
        _kb_with(tmp_path, [{"id": "bad", "findings": ["limp"], "conditions": ["pfp", "fracture_knee"], "lr_pos": 0.5,
                             "citation": ["judgement_kinchain"], "status": "unconfirmed"}])
    assert "lowers must-not-miss condition 'fracture_knee'" in str(err.value)


def test_hip_signs_count_against_knee_syndromes_but_never_against_a_knee_emergency(kb):
    group = next(g for g in kb.evidence_groups if g.id == "hip_signs_against_knee_syndromes")
    assert not any(kb.conditions[c].must_not_miss for c in group.conditions)
    base = {"patient": {"age": 13, "sex": "male"}, "complaint": {"region": "knee", "onset": "gradual",
                                                                  "duration": "3 weeks"}}
    plain = assess(case_from_mapping({**base, "findings": {"limp": True}}), kb)
    hip = assess(case_from_mapping({**base, "findings": {"limp": True, "hip_rom_restricted_any_plane": True,
                                                         "hip_pain_on_ir": True}}), kb)
    p0 = _probs(plain)
    p1 = _probs(hip)
    assert p1["pfp"] < p0["pfp"] and p1["osgood_schlatter"] < p0["osgood_schlatter"]
    assert p1["fracture_knee"] >= p0["fracture_knee"] and p1["scfe"] > p0["scfe"]
    assert hip.pain_source[0].region == "hip"


def test_a_nerve_root_sign_counts_against_joint_syndromes_not_against_the_root(kb):
    base = {"patient": {"age": 45, "sex": "female"},
            "complaint": {"region": "thigh", "location": ["groin", "anterior_thigh"], "onset": "gradual",
                          "duration": "6 weeks"},
            "findings": {"pain_radiates_hip_to_knee": True}}
    plain = assess(case_from_mapping(base), kb)
    nerve = assess(case_from_mapping({**base, "findings": {**base["findings"], "femoral_nerve_stretch_positive": True,
                                                           "numbness_tingling": True}}), kb)
    p0 = _probs(plain)
    p1 = _probs(nerve)
    assert p1["fai_labral"] < p0["fai_labral"] and p1["hip_oa"] < p0["hip_oa"]
    assert p1["lumbar_radiculopathy_l2_l4"] > p0["lumbar_radiculopathy_l2_l4"]
    assert p1["meralgia_paresthetica"] >= p0["meralgia_paresthetica"]  # a nerve condition is not a joint syndrome
    assert nerve.pain_source[0].region == "lumbar_spine"


def test_back_pain_from_a_stiff_painful_hip_comes_out_hip(kb):
    """Hip-spine syndrome: hip OA can be what hurts in the back, and the hip examination tells them apart."""
    base = {"patient": {"age": 70, "sex": "female"},
            "complaint": {"region": "back", "location": ["low_back", "buttock"], "onset": "gradual",
                          "duration": "4 months"}}
    plain = assess(case_from_mapping({**base, "findings": {"back_pain": True}}), kb)
    hip = assess(case_from_mapping({**base, "findings": {"back_pain": True, "hip_pain_on_ir": True,
                                                         "hip_rom_restricted_three_planes": True,
                                                         "hip_or_groin_pain": True}}), kb)
    assert plain.pain_source[0].region == "lumbar_spine"
    assert hip.pain_source[0].region == "hip", [(s.region, round(s.probability, 2)) for s in hip.pain_source]
    assert "hip_oa" in {c.id for c in hip.conditions[:3]}


def test_not_bearing_weight_counts_against_soft_tissue_syndromes_never_against_a_fracture(kb):
    group = next(g for g in kb.evidence_groups if g.id == "non_weight_bearing_against_soft_tissue_syndromes")
    assert not any(kb.conditions[c].must_not_miss for c in group.conditions)
    base = {"patient": {"age": 33, "sex": "male"}, "setting": "emergency",
            "complaint": {"region": "back", "onset": "acute", "duration": "1 day"}}
    plain = assess(case_from_mapping({**base, "findings": {"recent_fall_or_trauma": True}}), kb)
    stuck = assess(case_from_mapping({**base, "findings": {"recent_fall_or_trauma": True, "cannot_bear_weight": True}}),
                   kb)
    p0 = _probs(plain)
    p1 = _probs(stuck)
    assert p1["lumbar_radiculopathy_l5_s1"] < p0["lumbar_radiculopathy_l5_s1"]
    assert p1["fracture_hip"] > p0["fracture_hip"]


def test_a_replaced_knee_has_no_acl_or_meniscus_to_tear_and_points_to_the_hip(kb):
    base = {"patient": {"age": 74, "sex": "female"},
            "complaint": {"region": "knee", "onset": "gradual", "duration": "10 weeks"}}
    native = assess(case_from_mapping({**base, "findings": {"knee_giving_way": True}}), kb)
    replaced = assess(case_from_mapping({**base, "findings": {"knee_giving_way": True, "knee_replacement": True}}), kb)
    p0 = _probs(native)
    p1 = _probs(replaced)
    for cid in ("acl_tear", "meniscal_tear", "knee_oa"):
        assert p1[cid] < p0[cid] / 3, cid
    assert p1["hip_oa"] > p0["hip_oa"]
    src0 = {s.region: s.probability for s in native.pain_source}
    src1 = {s.region: s.probability for s in replaced.pain_source}
    assert src1["hip"] > src0["hip"]


def test_a_measured_restricted_hip_counts_like_the_ticked_sign(kb):
    base = {"patient": {"age": 70, "sex": "female"},
            "complaint": {"region": "knee", "onset": "gradual", "duration": "12 weeks"}}
    plain = assess(case_from_mapping({**base, "findings": {}}), kb)
    measured = assess(case_from_mapping({**base, "findings": {"hip_ir_deg": 10}}), kb)
    normal = assess(case_from_mapping({**base, "findings": {"hip_ir_deg": 40}}), kb)
    p0, p1, p2 = (_probs(a) for a in (plain, measured, normal))
    assert p1["knee_oa"] < p0["knee_oa"] and p1["pfp"] < p0["pfp"]
    assert p2["knee_oa"] == pytest.approx(p0["knee_oa"])  # a normal hip gives the knee no weight
    group = next(g for g in kb.evidence_groups if g.id == "hip_signs_against_knee_syndromes")
    links = {(e.finding, e.condition): e for e in kb.evidence}
    assert links[("hip_ir_deg", "knee_oa")].when is not None and "hip_ir_deg" in {m.finding for m in group.measured}
