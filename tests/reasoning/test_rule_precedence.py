"""Two rules answering one question for a condition are not both applied (rule field ``replaces``)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from kinchain.knowledge.validate import validate
from kinchain.reasoning.priors import logit
from tests.reasoning.test_published_rule_tables import count_findings, engine_probability

KNEE_TRAUMA = {"age_years": 60.0, "sex": "female", "complaint_region": "knee", "setting": "emergency",
               "acute_knee_injury": True, "recent_fall_or_trauma": True, "onset": "acute"}


def _without_replaces(kb, rule_id):
    rule = kb.rules[rule_id].model_copy(update={"replaces": []})
    return dataclasses.replace(kb, rules={**kb.rules, rule_id: rule})


def test_ottawa_replaces_pittsburgh_when_both_are_complete(kb):
    """Age 60 after a fall, other items negative: both rules are positive. Applying both would add
    Pittsburgh's log LR+ on top of Ottawa's; with ``replaces`` only Ottawa's counts."""
    findings = count_findings(kb.rules["ottawa_knee_rule"], {"age_55_or_over"}, KNEE_TRAUMA)
    findings = count_findings(kb.rules["pittsburgh_knee_rule"], {"age_over_50"}, findings)
    both = engine_probability(findings, "fracture_knee", _without_replaces(kb, "ottawa_knee_rule"))
    chosen = engine_probability(findings, "fracture_knee", kb)
    assert logit(both) - logit(chosen) == pytest.approx(math.log(kb.rules["pittsburgh_knee_rule"].lr_pos), abs=1e-9)


def test_pittsburgh_still_counts_when_ottawa_is_incomplete(kb):
    # age 40, walks: Pittsburgh is complete (negative); Ottawa, its knee exam missing, is undecided
    findings = dict(KNEE_TRAUMA, age_years=40.0, unable_walk_4_steps=False)
    p = engine_probability(findings, "fracture_knee", kb)
    assert p == pytest.approx(engine_probability(findings, "fracture_knee", _without_replaces(kb, "ottawa_knee_rule")),
                              abs=1e-12)
    no_pittsburgh = dataclasses.replace(kb, rules={k: r for k, r in kb.rules.items() if k != "pittsburgh_knee_rule"})
    assert logit(p) - logit(engine_probability(findings, "fracture_knee", no_pittsburgh)) == pytest.approx(
        math.log(kb.rules["pittsburgh_knee_rule"].lr_neg), abs=1e-9)


def test_replaced_rule_keeps_its_triage_floor(kb):
    """Kocher's emergency floor at 2 of 4 still stands when Caird's table sets the probability."""
    from kinchain.case import case_from_mapping
    from kinchain.reasoning.engine import assess

    caird = kb.rules["caird_criteria"]
    findings = count_findings(caird, {"non_weight_bearing", "esr_40_or_over"},
                              {"age_years": 6.0, "sex": "male", "complaint_region": "hip", "setting": "emergency",
                               "limp": True})
    case = case_from_mapping({"patient": {"age": 6, "sex": "male"}, "complaint": {"region": "hip"},
                              "setting": "emergency",
                              "findings": {k: v for k, v in findings.items()
                                           if k not in ("age_years", "sex", "complaint_region", "setting")}})
    a = assess(case, kb)
    assert a.triage.level == "emergency"
    assert {"kocher_criteria", "caird_criteria"} <= {r.id for r in a.triage.reasons}


@pytest.mark.parametrize(("change", "message"), [
    ({"replaces": ["no_such_rule"]}, "replaces unknown rule 'no_such_rule'"),
    ({"replaces": ["wells_dvt"]}, "must be another rule for condition 'fracture_knee'"),
])
def test_knowledge_check_rejects_a_bad_replaces(kb, change, message):
    rule = kb.rules["ottawa_knee_rule"].model_copy(update=change)
    bad = dataclasses.replace(kb, rules={**kb.rules, rule.id: rule})
    assert any(message in p for p in validate(bad))


def test_knowledge_check_rejects_rules_replacing_each_other(kb):
    pitt = kb.rules["pittsburgh_knee_rule"].model_copy(update={"replaces": ["ottawa_knee_rule"]})
    bad = dataclasses.replace(kb, rules={**kb.rules, pitt.id: pitt})
    assert any("replace each other" in p for p in validate(bad))
