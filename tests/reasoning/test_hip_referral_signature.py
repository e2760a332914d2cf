"""Knee pain referred from the hip: a normal knee (normal imaging, no local tenderness, no effusion) points
to every hip source that refers pain to the knee, not to hip OA alone; and a knee sign never lowers a
must-not-miss hip condition."""

from __future__ import annotations

import pytest

from kinchain.case import case_from_mapping
from kinchain.reasoning.engine import assess

HIP_REFERRERS = {"scfe": 13, "perthes": 7, "fai_labral": 30, "fracture_hip": 75, "transient_synovitis": 6,
                 "septic_arthritis_hip": 40, "onfh": 45, "hip_oa": 65}  # condition: an age it occurs at


def _p(kb, cid: str, age: int, findings: dict) -> float:
    case = case_from_mapping({"patient": {"age": age, "sex": "male"}, "complaint": {"region": "knee"},
                              "setting": "primary_care", "findings": findings})
    return assess(case, kb, explain=False, n_next=0).condition(cid).probability


@pytest.mark.parametrize("cid", sorted(HIP_REFERRERS))
def test_a_normal_knee_raises_each_hip_source_of_knee_pain(kb, cid):
    age = HIP_REFERRERS[cid]
    normal = {"knee_imaging_unremarkable": True, "local_knee_tenderness": False, "knee_effusion": False}
    assert _p(kb, cid, age, normal) > 1.3 * _p(kb, cid, age, {})


@pytest.mark.parametrize("cid", sorted(c for c in HIP_REFERRERS if c != "hip_oa"))
def test_knee_signs_lower_a_hip_source_only_when_it_is_not_must_not_miss(kb, cid):
    age = HIP_REFERRERS[cid]
    local = {"local_knee_tenderness": True, "knee_effusion": True}
    if kb.conditions[cid].must_not_miss:
        assert _p(kb, cid, age, local) >= _p(kb, cid, age, {}) - 1e-12
    else:
        assert _p(kb, cid, age, local) < 0.5 * _p(kb, cid, age, {})
