"""CDS Hooks routes: discovery, authenticated calls, feedback, errors as problems."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cds(clinic):
    r = clinic.client.get("/cds-services")
    assert r.status_code != 503, r.json()["detail"]  # every plug-in is part of the build
    return r.json()


def test_discovery_lists_services(cds):
    assert cds["services"]
    assert all({"id", "hook"} <= set(s) for s in cds["services"])


def test_calls_need_a_token_and_a_known_service(clinic, cds):
    sid = cds["services"][0]["id"]
    body = {"hook": cds["services"][0]["hook"], "hookInstance": "h-1", "context": {}, "prefetch": {}}
    assert clinic.client.post(f"/cds-services/{sid}", json=body).status_code == 401
    acct = clinic.account("cds@example.org", clinic="CDS clinic")
    h = clinic.auth(acct)
    r = clinic.client.post(f"/cds-services/{sid}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"cards": []}  # nothing kinchain can read in an empty prefetch
    assert clinic.client.post("/cds-services/nope", json=body, headers=h).status_code == 404
    r = clinic.client.post(f"/cds-services/{sid}", json={**body, "hook": "order-sign"}, headers=h)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    fb = {"feedback": [{"card": "abc", "outcome": "accepted", "outcomeTimestamp": "2026-01-01T00:00:00Z"}]}
    assert clinic.client.post(f"/cds-services/{sid}/feedback", json=fb, headers=h).json() == {"recorded": 1}
    assert clinic.client.post(f"/cds-services/{sid}/feedback", json={"feedback": []}, headers=h).status_code == 400
