"""Published case reports and series (tests/cases): pain-source accuracy, triage, must-not-miss safety,
and the adaptive interview replayed on the same cases. Figures are printed in the terminal summary."""

from __future__ import annotations

import pytest

from tests.validation import CASES, load_dir, run, split_heldout, summary

METRICS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def rows(kb):
    cases = load_dir(CASES)
    assert len(cases) >= 30, "the validation set needs at least 30 published cases"
    result = run(cases, kb, interview=True)
    METRICS["validation"] = summary(result)
    # Cases marked source.heldout were added after the knowledge base was last tuned: figures on them
    # are printed apart so a held-out estimate stays visible (until the knowledge is changed for them).
    for name, part in split_heldout(result).items():
        if part:
            METRICS[f"validation_{name}"] = summary(part)
    METRICS["validation_misses"] = {
        r.case.id: f"source {r.source} (expected {r.expected_source}), triage {r.triage} "
                   f"(expected {r.expected_triage})"
        for r in result if r.source != r.expected_source or r.triage != r.expected_triage}
    return result


def test_every_case_cites_its_source(rows):
    for r in rows:
        src = r.case.source or {}
        assert src.get("pmid") or src.get("doi") or src.get("url"), f"{r.case.id}: source needs a pmid, doi or url"
        assert r.expected_source in ("hip", "knee", "lumbar_spine", "foot_ankle", "other"), r.case.id


def test_no_must_not_miss_case_is_under_triaged(rows):
    bad = [(r.case.id, r.triage, r.expected_triage) for r in rows if r.must_not_miss and r.under_triaged]
    assert bad == []


def test_pain_source_top1_accuracy(rows):
    s = summary(rows)
    assert s["source_top1"] >= 0.90, METRICS["validation_misses"]


def test_interview_reaches_an_answer_with_few_questions(rows):
    """Aim: median <= 12 questions at the accuracy of the full record. The replayed interview only
    learns what it asks (unrecorded answers are 'unknown'), so a gap to the full-record accuracy is
    reported in the terminal summary (one case today); the bound here guards against regressions."""
    s = summary(rows)
    assert s["interview_median_questions"] <= 12
    assert s["interview_source_top1"] >= s["source_top1"] - 0.05


def test_heldout_cases_are_labelled_and_split(rows):
    parts = split_heldout(rows)
    assert sum(len(v) for v in parts.values()) == len(rows)
    for r in parts["heldout"]:
        assert str(r.case.source["heldout"]).count("-") == 1, f"{r.case.id}: heldout is a YYYY-MM label"
