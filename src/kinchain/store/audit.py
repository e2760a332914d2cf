"""Append-only, hash-chained audit log.

Each event stores ``hash = sha256(prev_hash + canonical JSON of the event)``; a single ``audit_head`` row
holds the last sequence number and hash and is locked (``SELECT ... FOR UPDATE``) while an event is added,
so appends are serialised and the chain never forks. ``verify`` recomputes the chain and reports every
changed, deleted (a gap, or a missing tail) or re-ordered event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, bindparam, select
from sqlalchemy.orm import Session

from kinchain.store.models import AuditEvent, AuditHead

GENESIS = "0" * 64
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]
# Built once: append() runs on every request, and re-building statements costs more than executing them.
_SELECT_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_EVENT = _EVENTS.insert()
_UPDATE_HEAD = _HEAD.update().where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))


@dataclass(frozen=True)
class Actor:
    """Who does something: a signed-in user, or the anonymous patient self-check, or the CLI."""

    user_id: str
    email: str
    role: str
    clinic_id: str | None


ANONYMOUS_PATIENT = Actor(user_id="-", email="anonymous-patient", role="patient", clinic_id=None)
SYSTEM = Actor(user_id="-", email="system", role="system", clinic_id=None)


def _fields(ev: AuditEvent) -> dict[str, Any]:
    return {"seq": ev.seq, "at": ev.at, "actor": ev.actor, "actor_role": ev.actor_role, "clinic_id": ev.clinic_id,
            "action": ev.action, "entity": ev.entity, "entity_id": ev.entity_id, "patient_id": ev.patient_id,
            "detail": ev.detail}


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def lock_head(session: Session) -> None:
    """Take the chain-head row lock now; it is held to the end of the transaction. Every writer takes it
    before its first event, so what the caller reads after this cannot change under it before the commit
    (sign-in throttling decides and counts under it)."""
    session.connection().execute(_SELECT_HEAD).one()


_BATCHED_HEAD = "kinchain.audit.batched_head"


def begin_batch(session: Session) -> None:
    """From now on in this transaction, keep the chain head in memory and write the ``audit_head`` row
    once, in :func:`end_batch`, instead of after every event. Only for a transaction that commits or rolls
    back as a whole (no savepoints): the group committer's batches. The head row is still locked by the
    first event's ``SELECT ... FOR UPDATE``, so the chain cannot fork."""
    session.info[_BATCHED_HEAD] = {}


def end_batch(session: Session) -> None:
    """Write the head kept by :func:`begin_batch` (call before the commit)."""
    head = session.info.pop(_BATCHED_HEAD, None)
    if head:
        session.connection().execute(_UPDATE_HEAD, {"new_seq": head["seq"], "new_hash": head["hash"]})


def append(session: Session, actor: Actor, action: str, entity: str, *, entity_id: str | None = None,
           patient_id: str | None = None, clinic_id: str | None = None,
           detail: dict[str, Any] | None = None) -> str:
    """Add one event to the chain inside the caller's transaction; returns its hash.

    Uses prebuilt SQL statements rather than ORM objects: this runs on every request, so it is kept lean.
    """
    conn = session.connection()
    batched: dict[str, Any] | None = session.info.get(_BATCHED_HEAD)
    if batched:
        prev_seq, prev_hash = batched["seq"], batched["hash"]
    else:
        head = conn.execute(_SELECT_HEAD).one()
        prev_seq, prev_hash = int(head.seq), str(head.hash)
    fields: dict[str, Any] = {
        "seq": prev_seq + 1, "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor.email, "actor_role": actor.role,
        "clinic_id": clinic_id if clinic_id is not None else actor.clinic_id, "action": action,
        "entity": entity, "entity_id": entity_id, "patient_id": patient_id, "detail": dict(detail or {}),
    }
    digest = event_hash(prev_hash, fields)
    conn.execute(_INSERT_EVENT, {**fields, "prev_hash": prev_hash, "hash": digest})
    if batched is not None:
        batched["seq"], batched["hash"] = fields["seq"], digest
    else:
        conn.execute(_UPDATE_HEAD, {"new_seq": fields["seq"], "new_hash": digest})
    return digest


@dataclass
class VerifyResult:
    ok: bool
    events: int
    head_seq: int
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "head_seq": self.head_seq, "problems": self.problems}


def verify(engine: Engine, *, max_problems: int = 100) -> VerifyResult:
    """Recompute the whole chain; report changed, deleted or inserted events."""
    problems: list[str] = []
    count = 0
    with Session(engine) as session:
        head = session.get(AuditHead, 1)
        prev_seq, prev_hash = 0, GENESIS
        for ev in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(2000).scalars():
            count += 1
            if ev.seq != prev_seq + 1:
                problems.append(f"events {prev_seq + 1}..{ev.seq - 1} are missing (deleted)"
                                if ev.seq > prev_seq + 1 else f"event {ev.seq}: out of order")
            if ev.prev_hash != prev_hash:
                problems.append(f"event {ev.seq}: prev_hash does not match the event before it "
                                "(an earlier event was changed or deleted)")
            if event_hash(ev.prev_hash, _fields(ev)) != ev.hash:
                problems.append(f"event {ev.seq}: contents do not match its hash (the event was changed)")
            prev_seq, prev_hash = ev.seq, ev.hash
            if len(problems) >= max_problems:
                break
        head_seq = head.seq if head is not None else -1
        if head is None:
            problems.append("audit_head row is missing")
        elif len(problems) < max_problems and (head.seq != prev_seq or head.hash != prev_hash):
            problems.append(f"the chain ends at event {prev_seq} but the head records event {head.seq} "
                            "(events were deleted from the end, or the head was changed)")
    return VerifyResult(ok=not problems, events=count, head_seq=head_seq, problems=problems)
