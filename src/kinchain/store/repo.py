"""Repository functions: every read and write of patient data goes through here and is audited.

All functions take the caller's session (one transaction) and an :class:`Actor`. Reads are scoped to the
actor's clinic: a record from another clinic is reported as not found, exactly like an id that does not
exist, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as _pg_insert
from sqlalchemy.dialects.sqlite import insert as _sqlite_insert
from sqlalchemy.orm import Session

from kinchain.store import audit
from kinchain.store.audit import Actor
from kinchain.store.models import (
    AssessmentRecord,
    CarePlanRecord,
    Clinic,
    Encounter,
    LoginThrottle,
    Patient,
    PromRecord,
    SelfCheckRecord,
    User,
    new_id,
)

_INSERT_ENCOUNTER = insert(Encounter.__table__)  # type: ignore[arg-type]
_INSERT_ASSESSMENT = insert(AssessmentRecord.__table__)  # type: ignore[arg-type]


class NotFound(LookupError):
    """No such record in the caller's clinic."""

    def __init__(self, entity: str, ident: str) -> None:
        self.entity = entity
        self.ident = ident
        super().__init__(f"no {entity} with id '{ident}' in your clinic")


# --- clinics and accounts ---------------------------------------------------------------------------------

def get_or_create_clinic(session: Session, name: str) -> Clinic:
    clinic = session.execute(select(Clinic).where(Clinic.name == name)).scalar_one_or_none()
    if clinic is None:
        clinic = Clinic(name=name)
        session.add(clinic)
        session.flush()
    return clinic


def create_user(session: Session, *, email: str, password_hash: str, role: str, clinic_id: str,
                actor: Actor = audit.SYSTEM) -> User:
    user = User(email=email.strip().lower(), password_hash=password_hash, role=role, clinic_id=clinic_id)
    session.add(user)
    session.flush()
    audit.append(session, actor, "create", "user", entity_id=user.id, clinic_id=clinic_id,
                 detail={"email": user.email, "role": role})
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def record_login(session: Session, email: str, *, ok: bool, user: User | None, channel: str,
                 retry_after: int | None = None) -> None:
    """Audit a sign-in: ``login``, ``login_failed``, or ``login_throttled`` when ``retry_after`` is given
    (refused unchecked because the account or the address is locked)."""
    actor = (Actor(user.id, user.email, user.role, user.clinic_id) if user is not None
             else Actor("-", email[:320], "unknown", None))
    detail: dict[str, Any] = {"channel": channel}
    action = "login" if ok else "login_failed"
    if retry_after is not None:
        action, detail["retry_after_s"] = "login_throttled", retry_after
    audit.append(session, actor, action, "session", detail=detail)


# --- sign-in throttling -------------------------------------------------------------------------------------

def throttle_locked_until(session: Session, keys: list[str], now: datetime) -> datetime | None:
    """The latest lock-out end among ``keys`` that is still in the future, or None."""
    rows = session.execute(select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys))).scalars()
    ends = [t for t in rows if t is not None and t > now]
    return max(ends) if ends else None


def throttle_failure(session: Session, limits: dict[str, int], now: datetime, *, window_s: int,
                     lockout_s: int) -> None:
    """Count one failed sign-in against each key (fixed window of ``window_s`` from the first failure);
    a key that reaches its limit is locked for ``lockout_s``, and a further failure in the same window
    after the lock ends locks it again at once. Rows are locked while updated, so two workers counting at
    once do not lose a failure. Rows whose window and lock have both run out are deleted on the way, so
    guesses spread over many e-mails do not grow the table without bound."""
    stale = now - timedelta(seconds=window_s)
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.window_start < stale, LoginThrottle.key.not_in(list(limits)),
        (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now)))
    insert_for = _pg_insert if session.get_bind().dialect.name == "postgresql" else _sqlite_insert
    session.execute(insert_for(LoginThrottle).values([{"key": k, "window_start": now, "failures": 0} for k in limits])
                    .on_conflict_do_nothing(index_elements=["key"]))
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(list(limits)))
                           .with_for_update()).scalars()
    for row in rows:
        if (now - row.window_start).total_seconds() >= window_s:
            row.window_start, row.failures = now, 0
        row.failures += 1
        if row.failures >= limits[row.key]:
            row.locked_until = now + timedelta(seconds=lockout_s)


def throttle_clear(session: Session, key: str) -> None:
    """Forget the failures counted against ``key`` (after a successful sign-in to that account)."""
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)


# --- patients ---------------------------------------------------------------------------------------------

def create_patient(session: Session, actor: Actor, *, reference: str, birth_year: int | None,
                   sex: str | None) -> Patient:
    assert actor.clinic_id is not None
    p = Patient(clinic_id=actor.clinic_id, reference=reference, birth_year=birth_year, sex=sex,
                created_by=actor.user_id)
    session.add(p)
    session.flush()
    audit.append(session, actor, "create", "patient", entity_id=p.id, patient_id=p.id)
    return p


def _patient(session: Session, actor: Actor, patient_id: str) -> Patient:
    p = session.get(Patient, patient_id)
    if p is None or p.clinic_id != actor.clinic_id:
        raise NotFound("patient", patient_id)
    return p


def get_patient(session: Session, actor: Actor, patient_id: str) -> Patient:
    p = _patient(session, actor, patient_id)
    audit.append(session, actor, "read", "patient", entity_id=p.id, patient_id=p.id)
    return p


def list_patients(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> list[Patient]:
    rows = list(session.execute(
        select(Patient).where(Patient.clinic_id == actor.clinic_id)
        .order_by(Patient.created_at.desc(), Patient.id).limit(limit).offset(offset)).scalars())
    audit.append(session, actor, "read", "patient_list", detail={"count": len(rows), "offset": offset})
    return rows


# --- encounters and assessments ---------------------------------------------------------------------------

def create_encounter(session: Session, actor: Actor, *, case: dict[str, Any],
                     patient_id: str | None) -> Encounter:
    assert actor.clinic_id is not None
    if patient_id is not None:
        _patient(session, actor, patient_id)
    enc = Encounter(clinic_id=actor.clinic_id, patient_id=patient_id, clinician_id=actor.user_id, case=case)
    session.add(enc)
    session.flush()
    audit.append(session, actor, "create", "encounter", entity_id=enc.id, patient_id=patient_id)
    return enc


def get_encounter(session: Session, actor: Actor, encounter_id: str) -> Encounter:
    enc = session.get(Encounter, encounter_id)
    if enc is None or enc.clinic_id != actor.clinic_id:
        raise NotFound("encounter", encounter_id)
    audit.append(session, actor, "read", "encounter", entity_id=enc.id, patient_id=enc.patient_id)
    return enc


def save_assessment(session: Session, actor: Actor, *, case: dict[str, Any], result: dict[str, Any],
                    knowledge_version: str, software_version: str, triage_level: str,
                    patient_id: str | None = None) -> AssessmentRecord:
    """Store an assessment and the encounter holding its case: two rows and one audit event.

    This is the hot path of the service, so it writes with SQL expressions; the returned record is a
    detached object carrying the stored values.
    """
    assert actor.clinic_id is not None
    if patient_id is not None:
        _patient(session, actor, patient_id)
    now = datetime.now(UTC)
    enc_id, rec_id = new_id(), new_id()
    enc: dict[str, Any] = {"id": enc_id, "clinic_id": actor.clinic_id, "patient_id": patient_id,
                           "clinician_id": actor.user_id, "case": case, "created_at": now}
    rec: dict[str, Any] = {"id": rec_id, "clinic_id": actor.clinic_id, "encounter_id": enc_id,
                           "patient_id": patient_id, "knowledge_version": knowledge_version,
                           "software_version": software_version, "triage_level": triage_level, "result": result,
                           "created_at": now, "created_by": actor.user_id}
    conn = session.connection()
    conn.execute(_INSERT_ENCOUNTER, enc)
    conn.execute(_INSERT_ASSESSMENT, rec)
    audit.append(session, actor, "create", "assessment", entity_id=rec_id, patient_id=patient_id,
                 detail={"encounter_id": enc_id, "knowledge_version": knowledge_version})
    return AssessmentRecord(**rec)


def get_assessment(session: Session, actor: Actor, assessment_id: str) -> AssessmentRecord:
    rec = session.get(AssessmentRecord, assessment_id)
    if rec is None or rec.clinic_id != actor.clinic_id:
        raise NotFound("assessment", assessment_id)
    audit.append(session, actor, "read", "assessment", entity_id=rec.id, patient_id=rec.patient_id)
    return rec


def assessment_case(session: Session, rec: AssessmentRecord) -> dict[str, Any]:
    enc = session.get(Encounter, rec.encounter_id)
    return dict(enc.case) if enc is not None else {}


# --- care plans -------------------------------------------------------------------------------------------

def save_plan(session: Session, actor: Actor, *, assessment: AssessmentRecord, audience: str,
              plan: dict[str, Any], knowledge_version: str) -> CarePlanRecord:
    assert actor.clinic_id is not None
    rec = CarePlanRecord(clinic_id=actor.clinic_id, assessment_id=assessment.id, patient_id=assessment.patient_id,
                         audience=audience, plan=plan, edits={}, knowledge_version=knowledge_version,
                         created_by=actor.user_id)
    session.add(rec)
    session.flush()
    audit.append(session, actor, "create", "care_plan", entity_id=rec.id, patient_id=rec.patient_id,
                 detail={"assessment_id": assessment.id, "audience": audience})
    return rec


def _plan(session: Session, actor: Actor, plan_id: str) -> CarePlanRecord:
    rec = session.get(CarePlanRecord, plan_id)
    if rec is None or rec.clinic_id != actor.clinic_id:
        raise NotFound("care plan", plan_id)
    return rec


def get_plan(session: Session, actor: Actor, plan_id: str, *, purpose: str = "read") -> CarePlanRecord:
    rec = _plan(session, actor, plan_id)
    audit.append(session, actor, "read", "care_plan", entity_id=rec.id, patient_id=rec.patient_id,
                 detail={"purpose": purpose} if purpose != "read" else None)
    return rec


def edit_plan(session: Session, actor: Actor, plan_id: str, edits: dict[str, Any]) -> CarePlanRecord:
    """Record the clinician's edits (kept separately from the generated plan); bumps the revision."""
    rec = _plan(session, actor, plan_id)
    rec.edits = dict(edits)
    rec.revision = rec.revision + 1
    rec.updated_at = datetime.now(UTC)
    audit.append(session, actor, "update", "care_plan", entity_id=rec.id, patient_id=rec.patient_id,
                 detail={"revision": rec.revision, "fields": sorted(edits)})
    return rec


def plans_for_assessment(session: Session, actor: Actor, assessment_id: str) -> list[CarePlanRecord]:
    return list(session.execute(
        select(CarePlanRecord).where(CarePlanRecord.assessment_id == assessment_id,
                                     CarePlanRecord.clinic_id == actor.clinic_id)
        .order_by(CarePlanRecord.created_at)).scalars())


# --- PROMs ------------------------------------------------------------------------------------------------

def save_prom(session: Session, actor: Actor, *, patient_id: str, instrument: str, responses: dict[str, Any],
              score: dict[str, Any]) -> PromRecord:
    assert actor.clinic_id is not None
    _patient(session, actor, patient_id)
    rec = PromRecord(clinic_id=actor.clinic_id, patient_id=patient_id, instrument=instrument,
                     responses=responses, score=score, created_by=actor.user_id)
    session.add(rec)
    session.flush()
    audit.append(session, actor, "create", "prom_result", entity_id=rec.id, patient_id=patient_id,
                 detail={"instrument": instrument})
    return rec


# --- timeline ---------------------------------------------------------------------------------------------

def timeline(session: Session, actor: Actor, patient_id: str) -> dict[str, Any]:
    """A patient with their encounters, assessments, plans and PROM results, oldest first."""
    p = _patient(session, actor, patient_id)
    encs = list(session.execute(select(Encounter).where(Encounter.patient_id == p.id)
                                .order_by(Encounter.created_at)).scalars())
    assessments = list(session.execute(select(AssessmentRecord).where(AssessmentRecord.patient_id == p.id)
                                       .order_by(AssessmentRecord.created_at)).scalars())
    plans = list(session.execute(select(CarePlanRecord).where(CarePlanRecord.patient_id == p.id)
                                 .order_by(CarePlanRecord.created_at)).scalars())
    proms = list(session.execute(select(PromRecord).where(PromRecord.patient_id == p.id)
                                 .order_by(PromRecord.recorded_at)).scalars())
    audit.append(session, actor, "read", "timeline", entity_id=p.id, patient_id=p.id)
    return {"patient": p, "encounters": encs, "assessments": assessments, "plans": plans, "proms": proms}


# --- anonymous self-checks (consent only) -----------------------------------------------------------------

def save_self_check(session: Session, *, consent_text: str, case: dict[str, Any], result: dict[str, Any],
                    knowledge_version: str) -> SelfCheckRecord:
    rec = SelfCheckRecord(consent_text=consent_text, case=case, result=result,
                          knowledge_version=knowledge_version)
    session.add(rec)
    session.flush()
    audit.append(session, audit.ANONYMOUS_PATIENT, "create", "self_check", entity_id=rec.id,
                 detail={"consent": True})
    return rec


def count(session: Session, model: type[Any]) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())
