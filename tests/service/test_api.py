"""REST API: health, auth, clinic scoping, problem+json errors, assessments, plans."""

from __future__ import annotations

import pytest

from tests.service.conftest import KNEE_CASE

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def accounts(clinic):
    return {"north": clinic.account("north@example.org", clinic="North clinic"),
            "south": clinic.account("south@example.org", clinic="South clinic"),
            "admin": clinic.account("admin@example.org", clinic="North clinic", role="admin")}


def test_healthz_reports_the_database(clinic, backend):
    r = clinic.client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"] == ("sqlite" if backend.name == "sqlite" else "postgresql")
    assert body["schema_revision"] == "0002_login_throttle"


def test_openapi_lists_the_api(clinic):
    spec = clinic.client.get("/openapi.json").json()
    for path in ("/api/auth/token", "/api/assessments", "/api/assessments/{assessment_id}", "/api/patients",
                 "/api/patients/{patient_id}", "/api/plans/{plan_id}", "/api/plans/{plan_id}/handout",
                 "/api/encounters/{encounter_id}", "/healthz"):
        assert path in spec["paths"], path
    assert "/clinic" not in spec["paths"]


def test_every_api_route_refuses_anonymous_calls_with_401_problem(clinic):
    spec = clinic.client.get("/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/") or path == "/api/auth/token":
            continue
        url = path.replace("{", "").replace("}", "")
        for method in ops:
            r = clinic.client.request(method.upper(), url, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["content-type"].startswith(PROBLEM)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["status"] == 401
            checked += 1
    assert checked >= 15


def test_wrong_password_and_bad_tokens_are_401(clinic, accounts):
    r = clinic.client.post("/api/auth/token", data={"username": "north@example.org", "password": "nope-nope"})
    assert r.status_code == 401 and r.headers["content-type"].startswith(PROBLEM)
    r = clinic.client.post("/api/auth/token", data={"username": "nobody@example.org", "password": "whatever1"})
    assert r.status_code == 401
    r = clinic.client.get("/api/me", headers={"Authorization": "Bearer forged.token.value"})
    assert r.status_code == 401
    good = clinic.token(accounts["north"])
    i = len(good) - 10  # inside the signature
    tampered = good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1:]
    assert clinic.client.get("/api/me", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_token_identifies_the_user(clinic, accounts):
    r = clinic.client.get("/api/me", headers=clinic.auth(accounts["north"]))
    assert r.status_code == 200
    assert r.json()["email"] == "north@example.org"
    assert r.json()["role"] == "clinician"


def test_create_and_read_patients(clinic, accounts):
    h = clinic.auth(accounts["north"])
    r = clinic.client.post("/api/patients", json={"reference": "N-001", "birth_year": 1958, "sex": "female"},
                           headers=h)
    assert r.status_code == 201
    pid = r.json()["id"]
    assert r.headers["location"] == f"/api/patients/{pid}"
    got = clinic.client.get(f"/api/patients/{pid}", headers=h).json()
    assert (got["reference"], got["birth_year"], got["sex"]) == ("N-001", 1958, "female")
    listed = clinic.client.get("/api/patients", headers=h).json()
    assert pid in [p["id"] for p in listed["items"]]


def test_a_clinician_cannot_read_another_clinics_patient_by_guessing_ids(clinic, accounts):
    north, south = clinic.auth(accounts["north"]), clinic.auth(accounts["south"])
    pid = clinic.client.post("/api/patients", json={"reference": "N-secret"}, headers=north).json()["id"]
    # the exact id, guessed by the other clinic: 404, same answer as an id that does not exist
    for url in (f"/api/patients/{pid}", f"/api/patients/{pid}/timeline", f"/api/patients/{pid}/encounters",
                f"/api/patients/{pid}/proms"):
        r = clinic.client.get(url, headers=south)
        assert r.status_code == 404, url
        assert r.headers["content-type"].startswith(PROBLEM)
        assert "N-secret" not in r.text
    missing = clinic.client.get("/api/patients/" + "0" * 32, headers=south)
    assert missing.status_code == 404
    assert missing.json()["title"] == clinic.client.get(f"/api/patients/{pid}", headers=south).json()["title"]
    assert pid not in [p["id"] for p in clinic.client.get("/api/patients", headers=south).json()["items"]]
    r = clinic.client.post(f"/api/patients/{pid}/encounters", json={"case": KNEE_CASE}, headers=south)
    assert r.status_code == 404


def test_validation_errors_are_422_problems_naming_field_and_fix(clinic, accounts):
    h = clinic.auth(accounts["north"])
    r = clinic.client.post("/api/patients", json={"reference": "", "birth_year": 1200}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"reference", "birth_year"} <= fields
    assert all(e["fix"] for e in body["errors"])
    assert "Traceback" not in r.text

    bad_case = {**KNEE_CASE, "patient": {"age": 300, "sex": "female"}}
    r = clinic.client.post("/api/assessments", json=bad_case, headers=h)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "patient.age"
    assert err["fix"]

    r = clinic.client.post("/api/assessments", json={**KNEE_CASE, "colour": "blue"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "colour"
    assert "remove" in r.json()["errors"][0]["fix"]

    r = clinic.client.post("/api/assessments", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)


def test_unknown_finding_names_the_field_and_suggests(clinic, accounts, needs_engine):
    h = clinic.auth(accounts["north"])
    r = clinic.client.post("/api/assessments", json={**KNEE_CASE, "findings": {"knee_efusion": True}}, headers=h)
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["field"] == "findings.knee_efusion"
    assert "kinchain findings" in body["detail"] or "Did you mean" in body["detail"]


def test_assessment_is_stored_and_reads_back_as_it_was(clinic, accounts, needs_engine):
    import kinchain

    h = clinic.auth(accounts["north"])
    pid = clinic.client.post("/api/patients", json={"reference": "N-knee"}, headers=h).json()["id"]
    r = clinic.client.post(f"/api/assessments?patient_id={pid}", json=KNEE_CASE, headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    aid = created["id"]
    expected = kinchain.assess(kinchain.Case.model_validate(KNEE_CASE)).to_json_dict()
    assert created["assessment"] == expected
    assert created["knowledge_version"] == kinchain.load_knowledge().version
    got = clinic.client.get(f"/api/assessments/{aid}", headers=h).json()
    assert got == created
    assert got["patient_id"] == pid
    enc = clinic.client.get(f"/api/encounters/{got['encounter_id']}", headers=h).json()
    assert enc["case"]["patient"] == KNEE_CASE["patient"]
    timeline = clinic.client.get(f"/api/patients/{pid}/timeline", headers=h).json()
    assert [a["id"] for a in timeline["assessments"]] == [aid]
    # the other clinic cannot see it
    south = clinic.auth(accounts["south"])
    assert clinic.client.get(f"/api/assessments/{aid}", headers=south).status_code == 404
    assert clinic.client.get(f"/api/encounters/{got['encounter_id']}", headers=south).status_code == 404


def test_old_assessment_rereads_unchanged_after_the_knowledge_base_changes(clinic, accounts, needs_engine):
    from sqlalchemy import update

    from kinchain.store.models import AssessmentRecord

    h = clinic.auth(accounts["north"])
    aid = clinic.client.post("/api/assessments", json=KNEE_CASE, headers=h).json()["id"]
    with clinic.services.tx() as s:  # simulate a record made by an older knowledge base
        s.execute(update(AssessmentRecord).where(AssessmentRecord.id == aid)
                  .values(knowledge_version="kb-2025-01", result={"format": 1, "references": {},
                          "assessment": {"knowledge_version": "kb-2025-01", "pain_source": []}}))
    got = clinic.client.get(f"/api/assessments/{aid}", headers=h).json()
    assert got["knowledge_version"] == "kb-2025-01"
    assert got["assessment"] == {"knowledge_version": "kb-2025-01", "pain_source": []}


def test_plan_edit_and_handout(clinic, accounts, needs_engine):
    h = clinic.auth(accounts["north"])
    aid = clinic.client.post("/api/assessments", json=KNEE_CASE, headers=h).json()["id"]
    r = clinic.client.post(f"/api/assessments/{aid}/plans", json={"audience": "patient"}, headers=h)
    assert r.status_code != 503, r.json()["detail"]  # every plug-in is part of the build
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["revision"] == 1
    exercises = plan["plan"].get("exercises", [])
    edit = {"note": "Walk daily.", "removed_exercises": [exercises[0]["id"]] if exercises else []}
    r = clinic.client.patch(f"/api/plans/{plan['id']}", json=edit, headers=h)
    assert r.status_code == 200
    edited = r.json()
    assert edited["revision"] == 2
    assert edited["plan"] == plan["plan"]  # the generated plan is kept as it was
    if exercises:
        assert exercises[0]["id"] not in [e["id"] for e in edited["effective_plan"]["exercises"]]
    south = clinic.auth(accounts["south"])
    assert clinic.client.get(f"/api/plans/{plan['id']}", headers=south).status_code == 404
    r = clinic.client.get(f"/api/plans/{plan['id']}/handout?format=html", headers=h)
    assert r.status_code != 503, r.json()["detail"]  # every plug-in is part of the build
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert "Walk daily." in r.text
    r = clinic.client.get(f"/api/plans/{plan['id']}/handout?format=pdf", headers=h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"  # the dev install has weasyprint
    assert r.content.startswith(b"%PDF")
    assert clinic.client.get(f"/api/plans/{plan['id']}/handout", headers=south).status_code == 404


def test_admin_only_routes(clinic, accounts):
    r = clinic.client.get("/api/audit/verify", headers=clinic.auth(accounts["north"]))
    assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    r = clinic.client.get("/api/audit/verify", headers=clinic.auth(accounts["admin"]))
    assert r.status_code == 200 and r.json()["ok"] is True
    r = clinic.client.post("/api/users", json={"email": "new@example.org", "password": "long-enough-pw",
                                               "role": "clinician"}, headers=clinic.auth(accounts["admin"]))
    assert r.status_code == 201
    assert r.json()["clinic_id"] == accounts["admin"].clinic_id
    r = clinic.client.post("/api/users", json={"email": "new@example.org", "password": "long-enough-pw"},
                           headers=clinic.auth(accounts["admin"]))
    assert r.status_code == 409


def test_unknown_route_is_a_problem_not_a_trace(clinic):
    r = clinic.client.get("/api/nope")
    assert r.status_code in (401, 404)
    assert r.headers["content-type"].startswith(PROBLEM)


def test_prom_results_are_scored_stored_and_scoped(clinic, accounts):
    h = clinic.auth(accounts["north"])
    pid = clinic.client.post("/api/patients", json={"reference": "N-prom"}, headers=h).json()["id"]
    r = clinic.client.post(f"/api/patients/{pid}/proms", json={"instrument": "NPRS", "responses": {"NPRS": 7},
                                                              "date": "2026-01-05"}, headers=h)
    assert r.status_code != 503, r.json()["detail"]  # every plug-in is part of the build
    assert r.status_code == 201, r.text
    assert r.json()["score"]["scores"] == {"pain": 7.0}
    r = clinic.client.post(f"/api/patients/{pid}/proms", json={"instrument": "NOPE", "responses": {"x": 1}},
                           headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    r = clinic.client.post(f"/api/patients/{pid}/proms", json={"instrument": "NPRS", "responses": {"NPRS": 42}},
                           headers=h)
    assert r.status_code == 422
    listed = clinic.client.get(f"/api/patients/{pid}/proms", headers=h).json()
    assert [p["instrument"] for p in listed] == ["NPRS"]
    south = clinic.auth(accounts["south"])
    r = clinic.client.post(f"/api/patients/{pid}/proms", json={"instrument": "NPRS", "responses": {"NPRS": 1}},
                           headers=south)
    assert r.status_code == 404


def test_assessment_body_is_byte_identical_to_the_response_model():
    from datetime import UTC, datetime

    from kinchain.api.routes_api import assessment_json, assessment_public
    from kinchain.store.models import AssessmentRecord

    result = {"format": 1, "assessment": {"p": [0.1, 1 / 3, 2.0, 1e-9, None], "t": "ünïcode", "n": {"k": [True]}},
              "references": {"r1": "Smith 2020"}}
    case = {"patient": {"age": 40, "sex": "female"}, "complaint": {"region": "knee"}}
    for created in (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)):
        rec = AssessmentRecord(id="a" * 32, encounter_id="e" * 32, patient_id=None, created_at=created,
                               knowledge_version="kb-1", software_version="0.1", triage_level="routine",
                               result=result, clinic_id="c" * 32, created_by="u" * 32)
        assert assessment_json(rec, case) == assessment_public(rec, case).model_dump_json().encode()
