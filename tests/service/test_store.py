"""Storage: migrations, model/migration parity, SQLite durability settings, JSON round trips, scoping."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kinchain.store import audit, db, repo
from kinchain.store.audit import Actor
from kinchain.store.models import AssessmentRecord, AuditEvent, Base

EXPECTED_TABLES = {"alembic_version", "assessments", "audit_events", "audit_head", "care_plans", "clinics",
                   "encounters", "login_throttle", "patients", "prom_results", "self_checks", "users"}


@pytest.fixture(scope="module")
def engine(backend):
    eng = backend.engine()
    db.migrate(eng)
    yield eng
    eng.dispose()


def test_migrations_create_every_table_and_are_idempotent(engine):
    assert set(db.table_names(engine)) >= EXPECTED_TABLES
    assert db.current_revision(engine) == "0002_login_throttle"
    db.migrate(engine)  # a second start is a no-op
    assert db.current_revision(engine) == "0002_login_throttle"


def test_models_match_the_migrations(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_sqlite_is_wal_with_full_sync(tmp_path):
    engine = db.create_db_engine(db.sqlite_url(tmp_path))
    try:
        db.migrate(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert db.integrity_check(engine) == "ok"
    finally:
        engine.dispose()


def _actors(session):
    a = repo.get_or_create_clinic(session, "Store clinic A")
    b = repo.get_or_create_clinic(session, "Store clinic B")
    ua = repo.create_user(session, email="store-a@example.org", password_hash="x", role="clinician", clinic_id=a.id)
    ub = repo.create_user(session, email="store-b@example.org", password_hash="x", role="clinician", clinic_id=b.id)
    return (Actor(ua.id, ua.email, ua.role, a.id), Actor(ub.id, ub.email, ub.role, b.id))


def test_assessment_json_round_trips_exactly_and_is_scoped(engine):
    factory = db.make_sessionmaker(engine)
    result = {"format": 1, "assessment": {"knowledge_version": "kb-old-1", "pain_source": [
        {"region": "hip", "mechanism": "referred", "probability": 0.4321098765}],
        "nested": {"unicode": "Grösse ✓", "list": [1, 2.5, None, True]}}, "references": {"x": "Doe 2001"}}
    with db.transaction(factory) as s:
        actor_a, actor_b = _actors(s)
        p = repo.create_patient(s, actor_a, reference="P-1", birth_year=1958, sex="female")
        rec = repo.save_assessment(s, actor_a, case={"patient": {"age": 67, "sex": "female"}}, result=result,
                                   knowledge_version="kb-old-1", software_version="0.1.0",
                                   triage_level="routine", patient_id=p.id)
        rid, pid = rec.id, p.id
    with db.transaction(factory) as s:
        again = repo.get_assessment(s, actor_a, rid)
        assert again.result == result
        assert again.knowledge_version == "kb-old-1"
        assert repo.assessment_case(s, again) == {"patient": {"age": 67, "sex": "female"}}
        for fn, ident in ((repo.get_assessment, rid), (repo.get_patient, pid)):
            with pytest.raises(repo.NotFound):
                fn(s, actor_b, ident)
        assert repo.count(s, AssessmentRecord) >= 1


def test_every_repository_call_appends_an_audit_event(engine):
    factory = db.make_sessionmaker(engine)
    with db.transaction(factory) as s:
        c = repo.get_or_create_clinic(s, "Audit clinic")
        u = repo.create_user(s, email="audit-store@example.org", password_hash="x", role="clinician",
                             clinic_id=c.id)
        actor = Actor(u.id, u.email, u.role, c.id)
        before = repo.count(s, AuditEvent)
        p = repo.create_patient(s, actor, reference="P-audit", birth_year=None, sex=None)
        repo.get_patient(s, actor, p.id)
        repo.list_patients(s, actor)
        repo.timeline(s, actor, p.id)
        after = repo.count(s, AuditEvent)
        rows = s.execute(text("SELECT action, entity FROM audit_events WHERE seq > :b ORDER BY seq"),
                         {"b": before}).all()
    assert after - before == 4
    assert [tuple(r) for r in rows] == [("create", "patient"), ("read", "patient"), ("read", "patient_list"),
                                        ("read", "timeline")]
    assert audit.verify(engine).ok


def test_group_commit_isolates_a_failing_unit_and_acknowledges_the_rest(engine):
    import threading

    from kinchain.store.models import Patient

    factory = db.make_sessionmaker(engine)
    with db.transaction(factory) as s:
        c = repo.get_or_create_clinic(s, "Group clinic")
        u = repo.create_user(s, email="group@example.org", password_hash="x", role="clinician", clinic_id=c.id)
        actor = Actor(u.id, u.email, u.role, c.id)
    committer = db.GroupCommitter(factory)
    results: dict[int, object] = {}

    def unit(i: int):
        def fn(session):
            p = repo.create_patient(session, actor, reference=f"G-{i}", birth_year=None, sex=None)
            if i % 5 == 0:
                raise ValueError(f"unit {i} fails")
            return p.id
        return fn

    def call(i: int) -> None:
        try:
            results[i] = committer.run(unit(i))
        except ValueError as exc:
            results[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committer.close()
    failed = sorted(i for i, r in results.items() if isinstance(r, ValueError))
    assert failed == list(range(0, 40, 5))
    with factory() as s:
        refs = {p.reference for p in s.query(Patient).filter(Patient.clinic_id == c.id)}
    assert refs == {f"G-{i}" for i in range(40) if i % 5}
    assert audit.verify(engine).ok  # the failed units left no audit events behind


def test_async_group_commit_batches_isolates_a_failing_unit_and_keeps_the_chain(engine):
    import asyncio

    from kinchain.store.models import Patient

    factory = db.make_sessionmaker(engine)
    with db.transaction(factory) as s:
        c = repo.get_or_create_clinic(s, "Async group clinic")
        u = repo.create_user(s, email="agroup@example.org", password_hash="x", role="clinician", clinic_id=c.id)
        actor = Actor(u.id, u.email, u.role, c.id)
    committer = db.GroupCommitter(factory)

    def unit(i: int):
        def fn(session):
            p = repo.create_patient(session, actor, reference=f"A-{i}", birth_year=None, sex=None)
            if i % 7 == 3:
                raise ValueError(f"unit {i} fails")
            return p.id
        return fn

    async def main() -> list[object]:
        return await asyncio.gather(*(committer.arun(unit(i)) for i in range(40)), return_exceptions=True)

    results = asyncio.run(main())
    assert sorted(i for i, r in enumerate(results) if isinstance(r, ValueError)) == [3, 10, 17, 24, 31, 38]
    assert committer.stats["batches"] < committer.stats["units"]  # they really were grouped
    with factory() as s:
        refs = {p.reference for p in s.query(Patient).filter(Patient.clinic_id == c.id)}
    assert refs == {f"A-{i}" for i in range(40) if i % 7 != 3}
    assert audit.verify(engine).ok  # one head write per batch still leaves an unbroken chain
    committer.close()


def test_json_columns_use_orjson_and_fall_back_to_the_standard_library():
    import json
    import math

    value = {"a": [1, 2.5, None, True], "é": "ünï", "n": {"x": 1e-7}}
    assert json.loads(db.json_dumps(value)) == value
    big = {"n": 2**70}  # beyond orjson's 64-bit integers
    assert db.json_loads(db.json_dumps(big)) == big
    assert math.isnan(db.json_loads('{"x": NaN}')["x"])  # old rows written by json.dumps still read


def test_upgrade_from_the_first_revision_keeps_the_data(backend, tmp_path):
    """A clinic on 0001 that updates: the throttle table is added and every stored row survives."""
    from kinchain.store import repo
    from kinchain.store.db import sqlite_url

    url = sqlite_url(tmp_path) if backend.name == "sqlite" else backend.url
    eng = db.create_db_engine(url, schema=backend.schema)
    if backend.name == "postgres":  # the module's schema is already at head: start a fresh one
        import uuid

        from sqlalchemy import text

        schema = f"kc_up_{uuid.uuid4().hex[:10]}"
        with eng.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        eng.dispose()
        eng = db.create_db_engine(url, schema=schema)
    try:
        db.migrate(eng, "0001_initial")
        assert "login_throttle" not in db.table_names(eng)
        with db.transaction(db.make_sessionmaker(eng)) as s:
            c = repo.get_or_create_clinic(s, "Upgrade clinic")
            repo.create_user(s, email="keep@example.org", password_hash="x" * 40, role="clinician", clinic_id=c.id)
        db.migrate(eng)
        assert db.current_revision(eng) == "0002_login_throttle" and "login_throttle" in db.table_names(eng)
        with db.make_sessionmaker(eng)() as s:
            assert repo.user_by_email(s, "keep@example.org") is not None
    finally:
        if backend.name == "postgres":
            from sqlalchemy import text

            with eng.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()
