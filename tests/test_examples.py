"""The bundled example cases: each one's expected top source and triage level."""

from __future__ import annotations

import pytest

from kinchain.case import load_case
from kinchain.reasoning.engine import assess
from kinchain.reasoning.types import Assessment
from tests.validation import EXAMPLES

FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_examples_cover_every_region_and_triage_level():
    cases = [load_case(p) for p in FILES]
    assert len(cases) >= 20
    assert {c.expected["source"] for c in cases} >= {"hip", "knee", "lumbar_spine", "foot_ankle", "other"}
    assert {c.expected["triage"] for c in cases} == {"emergency", "urgent", "routine", "self_care"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example(kb, path):
    case = load_case(path)
    a = assess(case, kb)
    assert a.pain_source[0].region == case.expected["source"], [(s.region, round(s.probability, 3)) for s in a.pain_source]
    assert a.triage.level == case.expected["triage"], [r.text for r in a.triage.reasons]


@pytest.mark.filterwarnings("error")  # a serialisation warning means a field holds the wrong type
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_stored_result_reads_back_as_the_same_assessment(kb, path):
    """The service stores the JSON dump and re-reads old assessments from it: the round trip is exact."""
    case = load_case(path)
    for opts in ({}, {"explain": False, "n_next": 0}):
        a = assess(case, kb, **opts)
        again = Assessment.model_validate_json(a.model_dump_json())
        assert again == a
        assert again.model_dump_json() == a.model_dump_json()
