"""Server-rendered pages through the ASGI app: CSRF, sign-in, self-check consent, clinician workflow."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from kinchain.store.models import AssessmentRecord, AuditEvent, Encounter, SelfCheckRecord

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    m = CSRF.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


@pytest.fixture()
def browser(clinic):
    with TestClient(clinic.app, raise_server_exceptions=False) as c:
        yield c


def test_home_and_login_pages_render(browser):
    r = browser.get("/")
    assert r.status_code == 200 and "Not a diagnosis" in r.text
    assert 'lang="en"' in r.text
    r = browser.get("/login")
    assert r.status_code == 200 and '<label for="email">' in r.text


def test_forms_without_a_valid_csrf_token_are_refused(browser, clinic):
    acct = clinic.account("csrf@example.org", clinic="Web clinic")
    browser.get("/login")
    r = browser.post("/login", data={"email": acct.email, "password": acct.password}, follow_redirects=False)
    assert r.status_code == 403
    r = browser.post("/login", data={"email": acct.email, "password": acct.password, "csrf_token": "forged"},
                     follow_redirects=False)
    assert r.status_code == 403
    token = csrf(browser.get("/login").text)
    r = browser.post("/login", data={"email": acct.email, "password": acct.password, "csrf_token": token},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/clinic"
    # signed in: a form without the token is still refused
    r = browser.post("/clinic/patients", data={"reference": "no-token"}, follow_redirects=False)
    assert r.status_code == 403


def test_clinic_pages_need_sign_in(browser):
    r = browser.get("/clinic", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_wrong_password_on_the_web_form(browser):
    token = csrf(browser.get("/login").text)
    r = browser.post("/login", data={"email": "x@example.org", "password": "nope", "csrf_token": token})
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text


def _count(clinic, model):
    from kinchain.store import repo

    with clinic.services.read_sessions() as s:
        return repo.count(s, model)


def _run_self_check(browser) -> str:
    page = browser.get("/self-check")
    assert page.status_code == 200, page.text[:500]
    r = browser.post("/self-check/start", data={"csrf_token": csrf(page.text), "age": "34", "sex": "female",
                                                "region": "knee", "onset": "gradual", "duration_weeks": "8"})
    assert r.status_code == 200, r.text[:2000]
    for _ in range(40):
        if "Your result" in r.text:
            break
        assert "<progress" in r.text
        finding = re.search(r'name="finding" value="([^"]+)"', r.text).group(1)
        values = re.findall(r'name="answer" value="([^"]+)"', r.text)
        answer = "no" if "no" in values else ("unknown" if "unknown" in values else "")
        r = browser.post("/self-check/answer", data={"csrf_token": csrf(r.text), "finding": finding,
                                                     "answer": answer})
        assert r.status_code == 200, r.text[:2000]
    assert "Your result" in r.text
    return r.text


def test_self_check_stores_nothing_without_consent(browser, clinic, needs_engine):
    before = (_count(clinic, SelfCheckRecord), _count(clinic, AuditEvent), _count(clinic, Encounter),
              _count(clinic, AssessmentRecord))
    html = _run_self_check(browser)
    assert re.search(r'class="triage triage-\w+"', html)
    after = (_count(clinic, SelfCheckRecord), _count(clinic, AuditEvent), _count(clinic, Encounter),
             _count(clinic, AssessmentRecord))
    assert after == before
    r = browser.post("/self-check/consent", data={"csrf_token": csrf(html)})  # box not ticked
    assert _count(clinic, SelfCheckRecord) == before[0]
    r = browser.post("/self-check/consent", data={"csrf_token": csrf(html), "consent": "yes"})
    assert r.status_code == 200 and "anonymous copy was kept" in r.text
    assert _count(clinic, SelfCheckRecord) == before[0] + 1


def test_self_check_header_errors_name_the_field(browser, needs_engine):
    page = browser.get("/self-check")
    r = browser.post("/self-check/start", data={"csrf_token": csrf(page.text), "age": "300", "sex": "female",
                                                "region": "knee"})
    assert r.status_code == 422 and "patient.age" in r.text


def test_clinician_exam_to_results_page(browser, clinic, needs_engine):
    acct = clinic.account("exam@example.org", clinic="Web clinic")
    token = csrf(browser.get("/login").text)
    browser.post("/login", data={"email": acct.email, "password": acct.password, "csrf_token": token})
    page = browser.get("/clinic")
    r = browser.post("/clinic/patients", data={"csrf_token": csrf(page.text), "reference": "W-1",
                                               "birth_year": "1960", "sex": "male"})
    assert r.status_code == 200 and "Patient W-1" in r.text
    exam_url = re.search(r'href="(/clinic/patients/\w+/exam)"', r.text).group(1)
    exam = browser.get(exam_url)
    assert exam.status_code == 200
    assert "Hip and pelvis" in exam.text and "Knee" in exam.text
    r = browser.post(exam_url, data={"csrf_token": csrf(exam.text), "age": "66", "sex": "male", "region": "knee",
                                     "onset": "gradual", "duration_weeks": "10", "setting": "primary_care"})
    assert r.status_code == 200, r.text[:2000]
    assert "Pain source" in r.text and "Next best tests" in r.text and "<svg class=\"bar\"" in r.text
    # another clinic's clinician, guessing this page's ids, gets a plain 404 page
    assessment_url = str(r.url)
    other = clinic.account("exam-other@example.org", clinic="Other web clinic")
    with TestClient(clinic.app, raise_server_exceptions=False) as intruder:
        token = csrf(intruder.get("/login").text)
        intruder.post("/login", data={"email": other.email, "password": other.password, "csrf_token": token})
        for url in (assessment_url, exam_url.rsplit("/", 1)[0]):
            page = intruder.get(url, headers={"accept": "text/html"})
            assert page.status_code == 404 and "<h1>Not found</h1>" in page.text, url
            assert "W-1" not in page.text


def test_security_headers_and_no_third_party_content(browser):
    r = browser.get("/self-check")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text
    cookie = r.headers.get("set-cookie", "")
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()


def test_login_redirect_stays_on_this_site(browser, clinic):
    acct = clinic.account("redirect@example.org", clinic="Web clinic")
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        page = browser.get("/login", params={"next": target})
        assert 'name="next" value="/clinic"' in page.text
        r = browser.post("/login", data={"email": acct.email, "password": acct.password, "next": target,
                                         "csrf_token": csrf(page.text)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/clinic"


def test_oversized_bodies_are_refused(browser):
    r = browser.post("/api/assessments", content=b"x" * 1_100_000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"


def test_self_check_checklist_needs_a_tick_or_none(browser, needs_engine):
    page = browser.get("/self-check")
    r = browser.post("/self-check/start", data={"csrf_token": csrf(page.text), "age": "52", "sex": "male",
                                                "region": "back", "onset": "gradual", "duration_weeks": "3"})
    assert 'type="checkbox" name="sign"' in r.text and "None of these" in r.text
    finding = re.search(r'name="finding" value="([^"]+)"', r.text).group(1)
    assert finding == "signs:emergency"
    token = csrf(r.text)
    r = browser.post("/self-check/answer", data={"csrf_token": token, "finding": finding, "answer": "continue"})
    assert r.status_code == 422 and "None of these" in r.text and 'role="alert"' in r.text
    r = browser.post("/self-check/answer", data={"csrf_token": token, "finding": finding, "answer": "continue",
                                                 "sign": "saddle_anaesthesia", "none": "yes"})
    assert r.status_code == 422 and "untick one" in r.text
    # one sign ticked: a cauda equina sign ends the questions with an emergency result
    r = browser.post("/self-check/answer", data={"csrf_token": token, "finding": finding, "answer": "continue",
                                                 "sign": "bladder_or_bowel_dysfunction"})
    assert r.status_code == 200 and "Your result" in r.text
    assert 'class="triage triage-emergency"' in r.text
