"""SIGKILL the server during a burst of writes; after a restart every acknowledged write is present."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest

from tests.service.conftest import KNEE_CASE, engine_ready
from tests.service.server import Server

pytestmark = pytest.mark.slow


def _make_account(data_dir) -> tuple[str, str]:
    from kinchain.api.security import hash_password
    from kinchain.store import db, repo

    engine = db.create_db_engine(db.sqlite_url(data_dir))
    db.migrate(engine)
    with db.transaction(db.make_sessionmaker(engine)) as s:
        c = repo.get_or_create_clinic(s, "Durable clinic")
        repo.create_user(s, email="durable@example.org", password_hash=hash_password("durable-pass"),
                         role="clinician", clinic_id=c.id)
    engine.dispose()
    return "durable@example.org", "durable-pass"


def test_acknowledged_writes_survive_sigkill(tmp_path):
    email, password = _make_account(tmp_path)
    server = Server(tmp_path).start()
    with_assessments = engine_ready() is None
    acked: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        token = httpx.post(server.url + "/api/auth/token", data={"username": email, "password": password}
                           ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def writer(n: int) -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as c:
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        if with_assessments and i % 2 == 0:
                            r = c.post("/api/assessments", json=KNEE_CASE)
                            kind = "assessments"
                        else:
                            r = c.post("/api/patients", json={"reference": f"D-{n}-{i}"})
                            kind = "patients"
                    except httpx.HTTPError:
                        continue  # the server is gone: this write was never acknowledged
                    if r.status_code == 201:
                        with lock:
                            acked.append((kind, r.json()["id"]))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(acked) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # mid-burst: the writers are still sending
        stop.set()
        for t in threads:
            t.join(15)
    finally:
        stop.set()
        server.kill()
    assert len(acked) >= 100, "the burst was too small to mean anything"

    db_file = tmp_path / "kinchain.sqlite3"
    con = sqlite3.connect(db_file)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()

    restarted = Server(tmp_path).start()
    try:
        token = httpx.post(restarted.url + "/api/auth/token", data={"username": email, "password": password}
                           ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=restarted.url, headers=headers, timeout=10) as c:
            missing = [(k, i) for k, i in acked if c.get(f"/api/{k}/{i}").status_code != 200]
    finally:
        restarted.stop()
    assert missing == []

    from kinchain.store import audit, db

    engine = db.create_db_engine(db.sqlite_url(tmp_path))
    try:
        assert db.integrity_check(engine) == "ok"
        assert audit.verify(engine).ok
    finally:
        engine.dispose()
