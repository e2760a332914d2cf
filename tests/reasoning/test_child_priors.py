"""Children are not small adults: adult knee diagnoses must not crowd out the hip in a child's knee pain."""

from __future__ import annotations

import pytest

from kinchain.case import case_from_mapping
from kinchain.reasoning.engine import assess
from kinchain.reasoning.priors import priors_for_patient

ADULT_KNEE = ("meniscal_tear", "knee_oa", "itbs", "patellar_tendinopathy")


@pytest.mark.parametrize("condition", ADULT_KNEE)
def test_adult_knee_conditions_start_lower_in_a_young_child_than_in_an_adult(kb, condition):
    child = priors_for_patient(kb, "knee", 7, "male", "primary_care")[condition].probability
    adult = priors_for_patient(kb, "knee", 30, "male", "primary_care")[condition].probability
    assert child < adult / 2


def test_a_limping_young_childs_knee_pain_puts_the_hip_above_adult_knee_diagnoses(kb):
    a = assess(case_from_mapping({"patient": {"age": 7, "sex": "male"}, "complaint": {"region": "knee"},
                                  "findings": {"limp": True}}), kb)
    p = {c.id: c.probability for c in a.conditions}
    hip_child = max(p["transient_synovitis"], p["perthes"])
    assert all(p[c] < hip_child for c in ADULT_KNEE), {c: round(p[c], 3) for c in ADULT_KNEE}
    assert a.triage.level in ("urgent", "emergency")
