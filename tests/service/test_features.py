"""Pure helpers of the service: plan edits, stored-assessment formats, problem bodies."""

from __future__ import annotations

from pathlib import Path

from kinchain.api import features
from kinchain.api.problems import problem_body

PLAN = {"headline": "Your knee", "progression_rules": ["Add load slowly."], "exercises": [
    {"id": "squat", "sets": 3, "reps": 10, "hold_s": None, "days_per_week": 3, "dose": "3 rounds of 10, 3 days a week"},
    {"id": "plank", "sets": 3, "reps": None, "hold_s": 20, "days_per_week": 7, "dose": "3 rounds, hold 20 s"},
    {"id": "walk", "sets": 1, "reps": None, "hold_s": None, "days_per_week": 5, "dose": "30 minutes, 5 days a week"},
]}


def test_effective_plan_applies_edits_and_keeps_the_original():
    edits = {"removed_exercises": ["plank"], "exercise_overrides": {"squat": {"sets": 2, "reps": 8},
                                                                   "walk": {"sets": 2}},
             "note": "Walk daily."}
    eff = features.effective_plan(PLAN, edits)
    assert [e["id"] for e in eff["exercises"]] == ["squat", "walk"]
    squat, walk = eff["exercises"]
    assert (squat["sets"], squat["reps"], squat["dose"]) == (2, 8, "2 rounds of 8, 3 days a week")
    assert walk["dose"] == "30 minutes, 5 days a week"  # a timed activity keeps its wording
    assert eff["progression_rules"][-1] == "Note from your clinician: Walk daily."
    assert PLAN["exercises"][0]["sets"] == 3 and len(PLAN["exercises"]) == 3  # original untouched
    assert features.effective_plan(PLAN, {}) == PLAN


def test_stored_assessment_reads_both_formats():
    wrapped = {"format": 1, "assessment": {"triage": {"level": "routine"}}, "references": {"a": "Doe 2001"}}
    assert features.stored_assessment(wrapped) == ({"triage": {"level": "routine"}}, {"a": "Doe 2001"})
    bare = {"triage": {"level": "urgent"}, "pain_source": []}
    assert features.stored_assessment(bare) == (bare, {})


def test_references_are_collected_from_nested_citations(kb):
    data = {"a": [{"citation": [next(iter(kb.references))]}], "b": {"c": {"citation": []}}}
    refs = features.references_for(data, kb)
    assert list(refs) == [next(iter(kb.references))]
    assert refs[next(iter(kb.references))]


def test_references_give_the_full_source_for_the_short_citations_the_engine_shows(kb):
    from kinchain.case import load_case

    examples = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.yaml"))
    for path in examples:  # only the explanation and triage are walked: nothing cited elsewhere is missed
        out = features.assess(load_case(path))
        assert out.result["references"] == features.references_for(out.result["assessment"], kb), path.name
    refs = features.assess(load_case(examples[0])).result["references"]
    assert refs
    for short, full in refs.items():
        rids = [rid for rid in kb.references if kb.cite([rid]) == [short]]
        assert rids, short
        ref = kb.references[rids[0]]
        assert str(ref.year) in full and ref.authors.split(",")[0] in full
        assert (ref.title or "") in full and full != short


def test_problem_body_shape():
    body = problem_body(422, "invalid-case", "Invalid case", "patient.age: too old", "/api/assessments",
                        [{"field": "patient.age", "fix": "use 0 to 120"}])
    assert body == {"type": "urn:kinchain:problem:invalid-case", "title": "Invalid case", "status": 422,
                    "detail": "patient.age: too old", "instance": "/api/assessments",
                    "errors": [{"field": "patient.age", "fix": "use 0 to 120"}]}


def test_healthz_is_a_503_problem_when_the_database_is_down(tmp_path):
    from fastapi.testclient import TestClient

    from kinchain.api import create_app
    from kinchain.api.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                        secret_key="k" * 40)
    app = create_app(settings, migrate=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Database unavailable"
    assert "Traceback" not in r.text


def test_tokens_are_signed_expire_and_cache_only_valid_ones():
    import time

    from kinchain.api.security import TokenClaims, TokenCodec

    codec = TokenCodec("k" * 40, ttl_seconds=60)
    claims = TokenClaims("u1", "a@example.org", "clinician", "c1")
    token = codec.issue(claims)
    assert codec.read(token) == claims
    assert codec.read(token) == claims  # from the cache
    i = len(token) - 10  # inside the signature (the last character can carry unused base64 bits)
    assert codec.read(token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]) is None
    assert TokenCodec("other-key-" + "x" * 30, 60).read(token) is None
    expired = TokenCodec("k" * 40, ttl_seconds=60)
    expired._cache[token] = (claims, time.time() - 120)  # issued two minutes ago
    assert expired.read(token) is None
