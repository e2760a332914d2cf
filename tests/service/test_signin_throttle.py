"""Sign-in throttling: failed sign-ins counted per account and per address in the database (both backends)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from kinchain.store.models import AuditEvent, LoginThrottle, utcnow
from tests.service.conftest import Clinic

LIMITS = {"login_max_failures": 3, "login_max_failures_per_address": 6, "login_window_seconds": 600,
          "login_lockout_seconds": 300}


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def site(backend) -> Iterator[tuple[Clinic, Clock]]:
    clinic = Clinic.__new__(Clinic)
    from fastapi.testclient import TestClient

    from kinchain.api import create_app

    clinic.backend = backend
    clinic.app = create_app(backend.settings(**LIMITS))
    clinic.services = clinic.app.state.services
    clinic.client = TestClient(clinic.app, raise_server_exceptions=False)
    clinic._tokens = {}
    clock = Clock()
    clinic.services.clock = clock
    with clinic.services.tx() as s:  # each test starts with no counters (the database is per module)
        s.query(LoginThrottle).delete()
    yield clinic, clock
    clinic.client.close()
    clinic.services.dispose()


def token(c: Clinic, email: str, password: str) -> Any:
    return c.client.post("/api/auth/token", data={"username": email, "password": password})


def actions(c: Clinic, email: str) -> list[str]:
    with c.services.read_sessions() as s:
        return list(s.execute(select(AuditEvent.action).where(func.lower(AuditEvent.actor) == email)
                              .order_by(AuditEvent.seq)).scalars())


def test_account_locks_after_the_limit_and_refuses_even_the_right_password(site):
    c, clock = site
    acct = c.account("lock-me@example.org", clinic="Throttle clinic")
    for _ in range(LIMITS["login_max_failures"]):
        assert token(c, acct.email, "wrong-password").status_code == 401
    r = token(c, acct.email, acct.password)
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["Retry-After"]) <= LIMITS["login_lockout_seconds"]
    body = r.json()
    assert body["status"] == 429 and body["retry_after_s"] == int(r.headers["Retry-After"])
    assert "try again in" in body["detail"]
    # the e-mail's case does not open a second counter
    assert token(c, acct.email.upper(), acct.password).status_code == 429
    clock.advance(LIMITS["login_lockout_seconds"] + 1)
    assert token(c, acct.email, acct.password).status_code == 200
    assert actions(c, acct.email)[-4:] == ["login_failed", "login_throttled", "login_throttled", "login"]


def test_success_clears_the_account_counter(site):
    c, _ = site
    acct = c.account("forgetful@example.org", clinic="Throttle clinic")
    for _ in range(LIMITS["login_max_failures"] - 1):
        assert token(c, acct.email, "wrong-password").status_code == 401
    assert token(c, acct.email, acct.password).status_code == 200
    for _ in range(LIMITS["login_max_failures"] - 1):  # a fresh allowance, not one left
        assert token(c, acct.email, "wrong-password").status_code == 401
    assert token(c, acct.email, acct.password).status_code == 200


def test_window_expiry_resets_the_count(site):
    c, clock = site
    acct = c.account("slow-typist@example.org", clinic="Throttle clinic")
    for _ in range(LIMITS["login_max_failures"] - 1):
        assert token(c, acct.email, "wrong-password").status_code == 401
    clock.advance(LIMITS["login_window_seconds"] + 1)
    assert token(c, acct.email, "wrong-password").status_code == 401  # counts as the first of a new window
    assert token(c, acct.email, acct.password).status_code == 200


def test_address_locks_across_different_accounts(site):
    c, _ = site
    victim = c.account("spray-target@example.org", clinic="Throttle clinic")
    for i in range(LIMITS["login_max_failures_per_address"]):
        assert token(c, f"guess{i}@example.org", "123456").status_code == 401
    r = token(c, victim.email, victim.password)
    assert r.status_code == 429  # the client address is locked, whatever the account
    with c.services.read_sessions() as s:
        row = s.get(LoginThrottle, "address:testclient")
        assert row is not None and row.failures == LIMITS["login_max_failures_per_address"]
        assert row.locked_until is not None


def test_web_form_is_throttled_too(site):
    c, _ = site
    acct = c.account("web-lock@example.org", clinic="Throttle clinic")
    csrf = re.compile(r'name="csrf_token" value="([^"]+)"')

    def post(password: str) -> Any:
        page = c.client.get("/login")
        m = csrf.search(page.text)
        assert m is not None
        return c.client.post("/login", data={"email": acct.email, "password": password, "csrf_token": m.group(1)},
                             follow_redirects=False)

    for _ in range(LIMITS["login_max_failures"]):
        assert post("wrong-password").status_code == 401
    r = post(acct.password)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in r.text and "try again in" in r.text
    assert "login_throttled" in actions(c, acct.email)


def test_settings_reject_a_non_positive_limit(backend):
    from kinchain.api.settings import SettingsError, settings_from_env

    with pytest.raises(SettingsError, match="KINCHAIN_LOGIN_MAX_FAILURES must be a positive"):
        backend.settings(login_max_failures=0)
    with pytest.raises(SettingsError, match="KINCHAIN_LOGIN_LOCKOUT must be an integer"):
        settings_from_env({"KINCHAIN_DATA_DIR": str(backend.data_dir), "KINCHAIN_SECRET_KEY": "k" * 40,
                           "KINCHAIN_LOGIN_LOCKOUT": "soon"})
    env = settings_from_env({"KINCHAIN_DATA_DIR": str(backend.data_dir), "KINCHAIN_SECRET_KEY": "k" * 40,
                             "KINCHAIN_LOGIN_MAX_FAILURES": "7"})
    assert env.login_max_failures == 7 and env.login_lockout_seconds == 900


def test_stale_counters_are_deleted(site):
    c, clock = site
    for i in range(3):
        assert token(c, f"once{i}@example.org", "123456").status_code == 401
    clock.advance(LIMITS["login_window_seconds"] + LIMITS["login_lockout_seconds"] + 1)
    assert token(c, "later@example.org", "123456").status_code == 401
    with c.services.read_sessions() as s:
        keys = set(s.execute(select(LoginThrottle.key)).scalars())
    assert not any(k.startswith("account:once") for k in keys)
    assert {"account:later@example.org", "address:testclient"} <= keys


def test_a_burst_of_parallel_guesses_gets_no_more_answers_than_the_limit(site):
    # Guesses that all arrive before any is counted must not each get a real answer: the lock check that
    # decides is made again inside the (serialised) write, after the slow password check.
    from concurrent.futures import ThreadPoolExecutor

    from kinchain.api import signin

    c, _ = site
    acct = c.account("burst@example.org", clinic="Throttle clinic")
    n = 4 * LIMITS["login_max_failures"]
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda i: signin.sign_in(c.services, acct.email, f"guess-{i}", "198.51.100.7",
                                                         "api"), range(n)))
    answered = [r for r in results if r.retry_after is None]
    assert len(answered) == LIMITS["login_max_failures"]
    assert all(r.user is None for r in results)
    audited = actions(c, acct.email)
    assert audited.count("login_failed") == LIMITS["login_max_failures"]
    assert audited.count("login_throttled") == n - LIMITS["login_max_failures"]


def test_the_right_password_is_refused_when_a_lock_lands_during_the_check(site, monkeypatch):
    # Another worker locks the account while this request is hashing: the right password must not get in.
    from kinchain.api import signin
    from kinchain.store import repo

    c, clock = site
    acct = c.account("raced@example.org", clinic="Throttle clinic")
    real_verify = signin.verify_password

    def verify_while_another_worker_locks(password_hash: str | None, password: str) -> bool:
        with c.services.tx() as s:
            repo.throttle_failure(s, {"account:raced@example.org": 1}, clock(), window_s=600, lockout_s=300)
        return real_verify(password_hash, password)

    monkeypatch.setattr(signin, "verify_password", verify_while_another_worker_locks)
    result = signin.sign_in(c.services, acct.email, acct.password, "198.51.100.8", "api")
    assert result.user is None and result.retry_after is not None and 1 <= result.retry_after <= 300
    assert actions(c, acct.email)[-1] == "login_throttled"
