"""Safety invariants on the real knowledge base, over random combinations of findings."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinchain.case import case_from_mapping
from kinchain.knowledge import load_knowledge
from kinchain.knowledge.schema import TRIAGE_ORDER
from kinchain.reasoning.engine import assess
from kinchain.reasoning.rules import evaluate_rule, triage_floor

KB = load_knowledge()
BOOLEANS = sorted(f.id for f in KB.findings.values() if f.type == "boolean" and not f.id.startswith("loc_"))

cases = st.fixed_dictionaries({
    "patient": st.fixed_dictionaries({"age": st.integers(2, 95), "sex": st.sampled_from(["female", "male"])}),
    "complaint": st.fixed_dictionaries({
        "region": st.sampled_from(["knee", "hip", "thigh", "lower_leg", "foot_ankle", "back"]),
        "onset": st.sampled_from(["acute", "gradual"])}),
    "setting": st.sampled_from(["primary_care", "physiotherapy", "sports_medicine", "emergency"]),
    "findings": st.dictionaries(st.sampled_from(BOOLEANS), st.booleans(), max_size=12),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_triage_never_below_a_red_flag_or_a_probable_must_not_miss(data):
    case = case_from_mapping(data)
    a = assess(case, KB, explain=False, n_next=0)
    level = TRIAGE_ORDER[a.triage.level]
    findings = a.findings
    for rule in KB.rules.values():
        floor = triage_floor(evaluate_rule(rule, findings))
        if floor is not None:
            assert level >= TRIAGE_ORDER[floor], (rule.id, a.triage.level)
    for c in a.conditions:
        if c.must_not_miss and c.probability >= a.triage.threshold:
            assert level >= TRIAGE_ORDER["urgent"], (c.id, c.probability, a.triage.level)
    assert abs(sum(s.probability for s in a.pain_source) - 1) < 1e-9


@settings(max_examples=60, deadline=None)
@given(cases, st.sampled_from(BOOLEANS))
def test_adding_an_unrelated_negative_never_raises_a_must_not_miss_above_its_positive(data, extra):
    """A finding's yes and no answers move each condition in opposite directions (or not at all)."""
    base = case_from_mapping(data)
    if extra in base.findings:
        return
    yes = assess(base.model_copy(update={"findings": {**base.findings, extra: True}}), KB, explain=False, n_next=0)
    no = assess(base.model_copy(update={"findings": {**base.findings, extra: False}}), KB, explain=False, n_next=0)
    now = assess(base, KB, explain=False, n_next=0)
    for cy, cn, c0 in zip(yes.conditions_by_id(), no.conditions_by_id(), now.conditions_by_id(), strict=True):
        lo, hi = min(cy.probability, cn.probability), max(cy.probability, cn.probability)
        assert lo - 1e-9 <= c0.probability <= hi + 1e-9 or cy.probability == cn.probability or c0.id in _ruled(now)


def _ruled(a):
    return {KB.rules[r.id].condition for r in a.explanation.rules} | {
        KB.rules[r.id].condition for r in KB.rules.values() if r.partial_floor}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases, st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_order_findings_were_entered(data, rnd):
    items = list(data["findings"].items())
    rnd.shuffle(items)
    a = assess(case_from_mapping(data), KB, explain=False, n_next=0)
    b = assess(case_from_mapping({**data, "findings": dict(items)}), KB, explain=False, n_next=0)
    for x, y in zip(a.conditions_by_id(), b.conditions_by_id(), strict=True):  # equal up to summation order
        assert x.id == y.id and math.isclose(x.probability, y.probability, rel_tol=1e-12, abs_tol=1e-15)
    assert a.triage.level == b.triage.level


def test_equal_and_opposite_evidence_in_one_cluster_counts_the_positive_first():
    from kinchain.reasoning.posterior import CLUSTER_DECAY, combine_cluster

    for values in ([0.7, -0.7], [-0.7, 0.7]):
        assert sum(combine_cluster(values)) == 0.7 - CLUSTER_DECAY * 0.7
