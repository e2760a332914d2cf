"""Audit log: every patient-data read and write is an event; verify detects changed or deleted events."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from kinchain.store import audit
from kinchain.store.models import AuditEvent, AuditHead


@pytest.fixture(scope="module")
def populated(clinic):
    acct = clinic.account("auditor@example.org", clinic="Audit clinic")
    h = clinic.auth(acct)
    pid = clinic.client.post("/api/patients", json={"reference": "A-1"}, headers=h).json()["id"]
    for _ in range(3):
        assert clinic.client.get(f"/api/patients/{pid}", headers=h).status_code == 200
    return acct, pid


def _events(clinic, **where):
    with clinic.services.read_sessions() as s:
        q = select(AuditEvent).order_by(AuditEvent.seq)
        for k, v in where.items():
            q = q.where(getattr(AuditEvent, k) == v)
        return list(s.execute(q).scalars())


def test_reads_and_writes_of_patient_data_are_recorded(clinic, populated):
    acct, pid = populated
    evs = _events(clinic, patient_id=pid)
    assert [(e.action, e.entity) for e in evs] == [("create", "patient")] + [("read", "patient")] * 3
    assert {e.actor for e in evs} == {acct.email}
    assert all(e.at and e.clinic_id == acct.clinic_id for e in evs)
    logins = _events(clinic, actor=acct.email, action="login")
    assert len(logins) == 1


def test_failed_login_is_recorded(clinic, populated):
    clinic.client.post("/api/auth/token", data={"username": "auditor@example.org", "password": "wrong-pass"})
    assert _events(clinic, action="login_failed", actor="auditor@example.org")


def test_chain_verifies_when_untouched(clinic, populated):
    result = audit.verify(clinic.services.engine)
    assert result.ok, result.problems
    assert result.events == result.head_seq > 5


def _tamper(clinic, stmt):
    with clinic.services.tx() as s:
        s.execute(stmt)


def _restore(clinic, events):
    with clinic.services.tx() as s:
        for ev in events:
            s.merge(ev)


def test_verify_detects_a_changed_event(clinic, populated):
    _, pid = populated
    target = _events(clinic, patient_id=pid)[1]
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq).values(actor="someone-else"))
    result = audit.verify(clinic.services.engine)
    assert not result.ok
    assert any(f"event {target.seq}:" in p and "changed" in p for p in result.problems)
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq).values(actor=target.actor))
    assert audit.verify(clinic.services.engine).ok


def test_verify_detects_a_deleted_event(clinic, populated):
    _, pid = populated
    target = _events(clinic, patient_id=pid)[2]
    _tamper(clinic, delete(AuditEvent).where(AuditEvent.seq == target.seq))
    result = audit.verify(clinic.services.engine)
    assert not result.ok
    assert any(f"events {target.seq}..{target.seq}" in p and "deleted" in p for p in result.problems)
    _restore(clinic, [target])
    assert audit.verify(clinic.services.engine).ok


def test_verify_detects_events_deleted_from_the_end(clinic, populated):
    with clinic.services.read_sessions() as s:
        last_seq = s.execute(select(func.max(AuditEvent.seq))).scalar_one()
    last = _events(clinic, seq=last_seq)
    _tamper(clinic, delete(AuditEvent).where(AuditEvent.seq == last_seq))
    result = audit.verify(clinic.services.engine)
    assert not result.ok and "deleted from the end" in result.problems[-1]
    _restore(clinic, last)
    assert audit.verify(clinic.services.engine).ok


def test_verify_detects_a_rewritten_hash(clinic, populated):
    """Recomputing one event's hash to hide a change still breaks the link to the next event."""
    _, pid = populated
    target = _events(clinic, patient_id=pid)[1]
    fields = {"seq": target.seq, "at": target.at, "actor": "forger", "actor_role": target.actor_role,
              "clinic_id": target.clinic_id, "action": target.action, "entity": target.entity,
              "entity_id": target.entity_id, "patient_id": target.patient_id, "detail": target.detail}
    forged = audit.event_hash(target.prev_hash, fields)
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq).values(actor="forger", hash=forged))
    result = audit.verify(clinic.services.engine)
    assert not result.ok
    assert any(f"event {target.seq + 1}: prev_hash" in p for p in result.problems)
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq)
            .values(actor=target.actor, hash=target.hash))
    assert audit.verify(clinic.services.engine).ok


def test_cli_audit_verify_exit_codes(clinic, populated, monkeypatch):
    from kinchain.api import cli
    from kinchain.api.settings import get_settings

    monkeypatch.setattr(cli, "_engine", lambda: clinic.backend.engine())
    runner = CliRunner()
    ok = runner.invoke(cli.audit_app, ["verify"])
    assert ok.exit_code == 0, ok.output
    assert "chain intact" in ok.output
    _, pid = populated
    target = _events(clinic, patient_id=pid)[1]
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq).values(action="delete"))
    bad = runner.invoke(cli.audit_app, ["verify", "--json"])
    assert bad.exit_code == 1
    assert '"ok": false' in bad.output
    _tamper(clinic, update(AuditEvent).where(AuditEvent.seq == target.seq).values(action=target.action))
    get_settings.cache_clear()


def test_head_row_is_single(clinic):
    with clinic.services.read_sessions() as s:
        assert s.execute(select(func.count()).select_from(AuditHead)).scalar_one() == 1
