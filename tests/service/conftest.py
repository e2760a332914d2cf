"""Fixtures for the clinic-service tests: one app per storage backend (SQLite file, real PostgreSQL).

PostgreSQL comes from KINCHAIN_TEST_POSTGRES_URL (CI exports it; default: the local server). Each test module
gets its own schema, dropped afterwards. When CI=true and the server cannot be reached, the tests fail
instead of skipping.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "test-secret-" + "x" * 40
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_url() -> str:
    return os.environ.get("KINCHAIN_TEST_POSTGRES_URL") or PG_DEFAULT


def postgres_available() -> str | None:
    """None if reachable, else why not."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_reachable() -> None:
    why = postgres_available()
    if why is None:
        return
    msg = f"PostgreSQL at {postgres_url()} is not reachable ({why})"
    if in_ci():
        pytest.fail("CI=true but " + msg + "; .ci/run must start it and export KINCHAIN_TEST_POSTGRES_URL",
                    pytrace=False)
    pytest.skip(msg)


@dataclass
class Backend:
    name: str
    url: str
    schema: str | None
    data_dir: Path

    def settings(self, **overrides: Any) -> Any:
        from kinchain.api.settings import Settings

        kw: dict[str, Any] = {"data_dir": self.data_dir, "database_url": self.url, "secret_key": SECRET,
                              "db_schema": self.schema}
        kw.update(overrides)
        return Settings(**kw)

    def engine(self) -> Any:
        from kinchain.store import db

        return db.create_db_engine(self.url, schema=self.schema)


def _pg_schema(create: bool, schema: str) -> None:
    from sqlalchemy import create_engine, text

    eng = create_engine(postgres_url())
    with eng.begin() as conn:
        if create:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        else:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="module")
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    data_dir = tmp_path_factory.mktemp(f"kc-{request.param}")
    if request.param == "sqlite":
        from kinchain.store.db import sqlite_url

        yield Backend("sqlite", sqlite_url(data_dir), None, data_dir)
        return
    request.getfixturevalue("pg_reachable")
    schema = f"kc_test_{uuid.uuid4().hex[:12]}"
    _pg_schema(True, schema)
    try:
        yield Backend("postgres", postgres_url(), schema, data_dir)
    finally:
        _pg_schema(False, schema)


@dataclass
class Account:
    email: str
    password: str
    id: str
    clinic_id: str
    role: str


class Clinic:
    """An app on one backend with two clinics and their accounts."""

    def __init__(self, backend: Backend) -> None:
        from fastapi.testclient import TestClient

        from kinchain.api import create_app

        self.backend = backend
        self.app = create_app(backend.settings())
        self.services = self.app.state.services
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self._tokens: dict[str, str] = {}

    def account(self, email: str, *, clinic: str = "North clinic", role: str = "clinician") -> Account:
        from kinchain.api.security import hash_password
        from kinchain.store import repo

        password = secrets.token_urlsafe(12)
        with self.services.tx() as s:
            c = repo.get_or_create_clinic(s, clinic)
            u = repo.create_user(s, email=email, password_hash=hash_password(password), role=role, clinic_id=c.id)
            return Account(u.email, password, u.id, c.id, role)

    def token(self, acct: Account) -> str:
        if acct.email not in self._tokens:
            r = self.client.post("/api/auth/token", data={"username": acct.email, "password": acct.password})
            assert r.status_code == 200, r.text
            self._tokens[acct.email] = r.json()["access_token"]
        return self._tokens[acct.email]

    def auth(self, acct: Account) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(acct)}"}


@pytest.fixture(scope="module")
def clinic(backend: Backend) -> Iterator[Clinic]:
    c = Clinic(backend)
    yield c
    c.client.close()
    c.services.dispose()


def engine_ready() -> str | None:
    """None when the reasoning engine and its knowledge base work, else why not."""
    try:
        import kinchain

        kinchain.load_knowledge()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def needs_engine() -> None:
    why = engine_ready()
    if why is not None:
        if in_ci():
            pytest.fail(f"CI=true but the reasoning engine / knowledge base is not usable: {why}", pytrace=False)
        pytest.skip(f"the reasoning engine / knowledge base is not ready: {why}")


KNEE_CASE = {
    "patient": {"age": 67, "sex": "female"},
    "complaint": {"region": "knee", "side": "right", "onset": "gradual", "duration": "12 weeks"},
    "setting": "primary_care",
    "findings": {},
}
