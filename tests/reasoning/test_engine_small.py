"""Engine behaviour on a tiny knowledge base whose numbers are easy to check by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinchain.case import case_from_mapping
from kinchain.errors import CaseError, UnknownFindingError
from kinchain.reasoning.engine import assess
from kinchain.reasoning.posterior import combine_cluster


def make(findings=None, age=67, region="knee", location=None, setting="primary_care"):
    return case_from_mapping({"patient": {"age": age, "sex": "female"},
                              "complaint": {"region": region, "location": location or []},
                              "setting": setting, "findings": findings or {}})


def odds(p):
    return p / (1 - p)


def test_prior_only_when_nothing_observed(small_kb):
    a = assess(make(), small_kb)
    assert a.condition("hipdz").probability == pytest.approx(0.05, abs=1e-6)
    assert a.condition("kneedz").probability == pytest.approx(0.3, abs=1e-6)


def test_age_modifier_multiplies_prior_odds(small_kb):
    a = assess(make(age=45), small_kb)
    assert odds(a.condition("hipdz").probability) == pytest.approx(odds(0.05) * 0.11, rel=1e-6)


def test_negative_answer_counts_and_unasked_does_not(small_kb):
    neg = assess(make({"f3": False}), small_kb).condition("kneedz").probability
    assert odds(neg) == pytest.approx(odds(0.3) * 0.4, rel=1e-6)
    unasked = assess(make({}), small_kb).condition("kneedz").probability
    assert unasked == pytest.approx(0.3, abs=1e-6)


def test_number_finding_uses_its_threshold(small_kb):
    low = assess(make({"ir_deg": 10}), small_kb).condition("hipdz").probability
    high = assess(make({"ir_deg": 30}), small_kb).condition("hipdz").probability
    assert odds(low) == pytest.approx(odds(0.05) * 3.2, rel=1e-6)
    assert odds(high) == pytest.approx(odds(0.05) * 0.45, rel=1e-6)


def test_cluster_members_are_shrunk_not_multiplied(small_kb):
    both = assess(make({"f1": True, "f2": True}), small_kb).condition("hipdz").probability
    expected = odds(0.05) * 4.0 * 3.0**0.5
    assert odds(both) == pytest.approx(expected, rel=1e-6)
    assert odds(both) < odds(0.05) * 4.0 * 3.0


def test_combine_cluster_weights_largest_first():
    out = combine_cluster([math.log(2), math.log(8), -math.log(4)])
    assert out[1] == pytest.approx(math.log(8))
    assert out[2] == pytest.approx(-math.log(4) / 2)
    assert out[0] == pytest.approx(math.log(2) / 4)


def test_hip_findings_make_knee_pain_hip_driven(small_kb):
    a = assess(make({"f1": True, "ir_deg": 10, "f3": False}, location=["groin"]), small_kb)
    assert a.pain_source[0].region == "hip"
    assert a.pain_source[0].mechanism == "referred"
    assert sum(s.probability for s in a.pain_source) == pytest.approx(1.0, abs=1e-6)
    top = a.explanation.sources[0].contributions
    assert {c.finding for c in top} >= {"f1", "ir_deg"}


def test_red_flag_rule_sets_emergency(small_kb):
    a = assess(make({"redflag": True}), small_kb)
    assert a.triage.level == "emergency"
    assert a.triage.reasons[0].id == "flag_red"


def test_must_not_miss_above_threshold_forces_urgent(small_kb):
    a = assess(make({"swollen": True}), small_kb)
    p = a.condition("badnews").probability
    assert p < 0.05 or a.triage.level in ("urgent", "emergency")
    a2 = assess(make({"swollen": True}, setting="primary_care"), small_kb)
    assert a2.condition("badnews").probability == pytest.approx(odds(0.01) * 3 / (1 + odds(0.01) * 3), rel=1e-6)


def test_unknown_finding_names_closest(small_kb):
    with pytest.raises(UnknownFindingError) as exc:
        assess(make({"f_1": True}), small_kb)
    assert "f1" in str(exc.value) and "findings.f_1" in str(exc.value)


def test_out_of_range_number_names_range(small_kb):
    with pytest.raises(CaseError) as exc:
        assess(make({"ir_deg": 95}), small_kb)
    assert "findings.ir_deg" in str(exc.value) and "0 to 70" in str(exc.value)


def test_wrong_type_is_named(small_kb):
    with pytest.raises(CaseError, match=r"findings\.f1: expected true or false"):
        assess(make({"f1": 3}), small_kb)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["f1", "f2", "f3", "swollen", "loc_groin"]), st.booleans()),
       st.integers(min_value=0, max_value=70), st.permutations(range(5)))
def test_properties(small_kb, obs, ir, order):
    findings = dict(obs)
    findings["ir_deg"] = ir
    a = assess(make(findings), small_kb)
    assert sum(s.probability for s in a.pain_source) == pytest.approx(1.0, abs=1e-6)
    assert all(0 <= c.probability <= 1 for c in a.conditions)
    keys = list(findings)
    shuffled = {keys[i]: findings[keys[i]] for i in order if i < len(keys)}
    shuffled.update({k: v for k, v in findings.items() if k not in shuffled})
    b = assess(make(shuffled), small_kb)
    for c1, c2 in zip(a.conditions, b.conditions, strict=True):
        assert c1.probability == pytest.approx(c2.probability, abs=1e-12)


def test_batch_matches_single_assessment(small_kb):
    import numpy as np

    from kinchain.reasoning.batch import BatchScorer

    cases = [{"f1": True, "f2": True, "ir_deg": 10}, {"f3": True, "swollen": False}, {}, {"f1": False, "loc_groin": True}]
    scorer = BatchScorer(small_kb, "knee")
    X = scorer.encode(cases)
    ages = np.array([67.0, 45.0, 30.0, 80.0])
    priors = scorer.prior_logits(ages, np.array(["female"] * 4), np.array(["primary_care"] * 4))
    post, regions = scorer.score(X, priors)
    from kinchain.knowledge.schema import REGIONS

    for i, f in enumerate(cases):
        a = assess(make(f, age=float(ages[i])), small_kb)
        for c in a.conditions:
            assert post[i, scorer.comp.cindex[c.id]] == pytest.approx(c.probability, rel=1e-4, abs=1e-6)
        for s in a.pain_source:
            assert regions[i, REGIONS.index(s.region)] == pytest.approx(s.probability, abs=1e-5)


def test_batch_matches_single_assessment_on_the_real_knowledge_base(kb):
    import numpy as np

    from kinchain.knowledge.schema import REGIONS
    from kinchain.reasoning.batch import BatchScorer
    from tests.validation import EXAMPLES, load_dir

    cases = [c for c in load_dir(EXAMPLES) if c.complaint.region == "knee"][:8]
    scorer = BatchScorer(kb, "knee")
    X = scorer.encode([{k: v for k, v in c.observed().items()} for c in cases])
    priors = scorer.prior_logits(np.array([c.patient.age for c in cases]), np.array([c.patient.sex for c in cases]),
                                 np.array([c.setting for c in cases]))
    post, regions = scorer.score(X, priors)
    compared = 0
    for i, c in enumerate(cases):
        a = assess(c, kb)
        ruled = {kb.rules[r.id].condition for r in a.explanation.rules} - {None}
        for cond in a.conditions:
            if cond.id not in ruled:
                assert post[i, scorer.comp.cindex[cond.id]] == pytest.approx(cond.probability, rel=1e-3, abs=1e-5)
                compared += 1
        if not ruled:
            for s in a.pain_source:
                assert regions[i, REGIONS.index(s.region)] == pytest.approx(s.probability, abs=1e-4)
    assert compared > 100


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.booleans()), st.integers(0, 40))
def test_compiled_expressions_agree_with_the_interpreter(values, age):
    from kinchain.reasoning.expressions import compiled, evaluate

    findings = {**values, "age_years": float(age)}
    adult = {"finding": "age_years", "op": ">=", "value": 18}
    child = {"finding": "age_years", "op": "<", "value": 12}
    exprs = ["a", {"not": "b"}, {"all": ["a", {"not": "c"}]}, {"any": ["a", "b", adult]},
             {"at_least": 2, "of": ["a", "b", "c"]}, {"all": [{"any": ["a", "b"]}, child]},
             {"unless": "b"}, {"all": ["a", {"unless": {"all": ["b", adult]}}]},
             {"any": [{"not": {"at_least": 2, "of": ["a", "b", {"unless": "c"}]}},
                      {"finding": "age_years", "op": "in", "value": [3.0, 7.0]}]},
             {"all": []}, {"any": []}, {"all": ["a"]}, {"finding": "age_years", "op": "==", "value": 5.0}]
    for e in exprs:
        assert compiled(e)(findings) == evaluate(e, findings)


def test_unless_treats_an_unasked_exclusion_as_absent():
    """``not`` leaves a rule unknown when its exclusion was not asked; ``unless`` lets the rule fire."""
    from kinchain.reasoning.expressions import evaluate

    rule = {"all": ["a", {"unless": "b"}]}
    assert evaluate(rule, {"a": True}) is True  # b not asked: the exclusion does not block
    assert evaluate(rule, {"a": True, "b": False}) is True
    assert evaluate(rule, {"a": True, "b": True}) is False
    assert evaluate({"all": ["a", {"not": "b"}]}, {"a": True}) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_scores_evidence_group_clusters_like_the_single_assessment(kb, seed):
    """The large one-value clusters of evidence groups take a counting shortcut in the batch scorer;
    it must agree with the sorted, shrunk sum of the single assessment for any mix of answers."""
    import numpy as np

    from kinchain.case import case_from_mapping
    from kinchain.reasoning.batch import BatchScorer

    rng = np.random.default_rng(seed)
    signs = sorted({f for g in kb.evidence_groups for f in g.findings})
    scorer = BatchScorer(kb, "knee")
    assert scorer.u_to_condition.shape[0] > 0  # the shortcut is exercised
    for _ in range(4):
        answers = {f: bool(v) for f, v in zip(signs, rng.integers(0, 3, len(signs)), strict=True) if v < 2}
        case = case_from_mapping({"patient": {"age": 40, "sex": "female"}, "complaint": {"region": "knee"},
                                  "findings": answers})
        a = assess(case, kb, explain=False, n_next=0)
        X = scorer.encode([case.observed()])
        post, _ = scorer.score(X, scorer.prior_logits(np.array([40.0]), np.array(["female"]),
                                                      np.array(["primary_care"])))
        ruled = {kb.rules[r.id].condition for r in a.explanation.rules} - {None}
        for cond in a.conditions:
            if cond.id not in ruled:
                assert post[0, scorer.comp.cindex[cond.id]] == pytest.approx(cond.probability, rel=1e-3, abs=1e-5), cond.id
