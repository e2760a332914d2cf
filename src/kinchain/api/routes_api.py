"""REST API under /api: auth, patients, encounters, assessments, plans, handouts, PROMs, audit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from kinchain.api import features, signin
from kinchain.api.deps import ActorDep, AdminDep, ServicesDep
from kinchain.api.problems import Problem, unauthorized
from kinchain.api.schemas import (
    AssessmentPublic,
    AuditVerify,
    EncounterCreate,
    EncounterPublic,
    Me,
    PatientCreate,
    PatientList,
    PatientPublic,
    PlanCreate,
    PlanEdit,
    PlanPublic,
    PromCreate,
    PromPublic,
    Timeline,
    Token,
    UserCreate,
    UserPublic,
)
from kinchain.api.security import TokenClaims, hash_password
from kinchain.case import Case, case_from_mapping
from kinchain.store import audit, repo
from kinchain.store.models import AssessmentRecord, CarePlanRecord, Encounter, Patient, PromRecord

router = APIRouter(prefix="/api")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "not found in your clinic"}}


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialise a response model once, directly (large engine JSON need not be re-validated)."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json", headers=headers)


def patient_public(p: Patient) -> PatientPublic:
    return PatientPublic(id=p.id, reference=p.reference, birth_year=p.birth_year, sex=p.sex,
                         created_at=p.created_at)


def encounter_public(e: Encounter) -> EncounterPublic:
    return EncounterPublic(id=e.id, patient_id=e.patient_id, clinician_id=e.clinician_id, case=e.case,
                           created_at=e.created_at)


def assessment_public(rec: AssessmentRecord, case: dict[str, Any]) -> AssessmentPublic:
    data, refs = features.stored_assessment(rec.result)
    return AssessmentPublic(id=rec.id, encounter_id=rec.encounter_id, patient_id=rec.patient_id,
                            created_at=rec.created_at, knowledge_version=rec.knowledge_version,
                            software_version=rec.software_version, triage_level=rec.triage_level,
                            assessment=data, references=refs, case=case)


def assessment_json(rec: AssessmentRecord, case: dict[str, Any]) -> bytes:
    """An :class:`AssessmentPublic` body serialised directly with orjson: the same fields, order and JSON as
    ``assessment_public(rec, case).model_dump_json()`` without validating the large engine JSON again."""
    data, refs = features.stored_assessment(rec.result)
    body = {"id": rec.id, "encounter_id": rec.encounter_id, "patient_id": rec.patient_id,
            "created_at": rec.created_at, "knowledge_version": rec.knowledge_version,
            "software_version": rec.software_version, "triage_level": rec.triage_level,
            "assessment": data, "references": refs, "case": case}
    try:
        return orjson.dumps(body, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # something orjson does not take: let pydantic do it
        return assessment_public(rec, case).model_dump_json().encode()


def plan_public(rec: CarePlanRecord) -> PlanPublic:
    return PlanPublic(id=rec.id, assessment_id=rec.assessment_id, patient_id=rec.patient_id,
                      audience=rec.audience, revision=rec.revision, knowledge_version=rec.knowledge_version,
                      created_at=rec.created_at, updated_at=rec.updated_at, plan=rec.plan, edits=rec.edits,
                      effective_plan=features.effective_plan(rec.plan, rec.edits))


def prom_public(rec: PromRecord) -> PromPublic:
    return PromPublic(id=rec.id, patient_id=rec.patient_id, instrument=rec.instrument,
                      recorded_at=rec.recorded_at, score=rec.score)


# --- auth ---------------------------------------------------------------------------------------------------

@router.post("/auth/token", response_model=Token, tags=["auth"],
             responses={401: {"description": "wrong e-mail or password"},
                        429: {"description": "too many failed sign-ins for this account or address; see Retry-After"}})
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, services: ServicesDep) -> Token:
    """OAuth2 password flow: form fields ``username`` (the e-mail) and ``password``."""
    result = signin.sign_in(services, form.username, form.password,
                            request.client.host if request.client else None, "api")
    if result.retry_after is not None:
        raise Problem(429, "too-many-sign-in-attempts", "Too many sign-in attempts",
                      f"too many failed sign-ins for this account or from this address; try again in "
                      f"{signin.wait_text(result.retry_after)}", headers={"Retry-After": str(result.retry_after)},
                      extra={"retry_after_s": result.retry_after})
    user = result.user
    if user is None:
        raise unauthorized("wrong e-mail or password")
    token = services.tokens.issue(TokenClaims(user.id, user.email, user.role, user.clinic_id))
    return Token(access_token=token, expires_in=services.settings.token_ttl_seconds)


@router.get("/me", response_model=Me, tags=["auth"])
def me(actor: ActorDep) -> Me:
    assert actor.clinic_id is not None
    return Me(id=actor.user_id, email=actor.email, role=actor.role,  # type: ignore[arg-type]
              clinic_id=actor.clinic_id)


@router.post("/users", response_model=UserPublic, status_code=201, tags=["auth"],
             responses={403: {"description": "needs an admin"}, 409: {"description": "e-mail taken"}})
def create_user(body: UserCreate, actor: AdminDep, services: ServicesDep) -> UserPublic:
    """An admin adds an account to their own clinic."""
    assert actor.clinic_id is not None
    pw_hash = hash_password(body.password)
    with services.tx() as s:
        if repo.user_by_email(s, body.email) is not None:
            raise Problem(409, "conflict", "Conflict", f"an account for '{body.email}' already exists")
        u = repo.create_user(s, email=body.email, password_hash=pw_hash, role=body.role,
                             clinic_id=actor.clinic_id, actor=actor)
        return UserPublic(id=u.id, email=u.email, role=u.role, clinic_id=u.clinic_id)


# --- patients and encounters --------------------------------------------------------------------------------

@router.post("/patients", response_model=PatientPublic, status_code=201, tags=["patients"])
async def create_patient(body: PatientCreate, actor: ActorDep, services: ServicesDep, response: Response
                         ) -> PatientPublic:
    out = await services.awrite(lambda s: patient_public(
        repo.create_patient(s, actor, reference=body.reference, birth_year=body.birth_year, sex=body.sex)))
    response.headers["Location"] = f"/api/patients/{out.id}"
    return out


@router.get("/patients", response_model=PatientList, tags=["patients"])
def list_patients(actor: ActorDep, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> PatientList:
    with services.tx() as s:
        rows = repo.list_patients(s, actor, limit=limit, offset=offset)
        return PatientList(items=[patient_public(p) for p in rows], count=len(rows))


@router.get("/patients/{patient_id}", response_model=PatientPublic, tags=["patients"], responses=NOT_FOUND)
def get_patient(patient_id: str, actor: ActorDep, services: ServicesDep) -> PatientPublic:
    with services.tx() as s:
        return patient_public(repo.get_patient(s, actor, patient_id))


@router.get("/patients/{patient_id}/timeline", response_model=Timeline, tags=["patients"], responses=NOT_FOUND)
def get_timeline(patient_id: str, actor: ActorDep, services: ServicesDep) -> Timeline:
    with services.tx() as s:
        t = repo.timeline(s, actor, patient_id)
        return Timeline(
            patient=patient_public(t["patient"]),
            encounters=[encounter_public(e) for e in t["encounters"]],
            assessments=[{"id": a.id, "created_at": a.created_at.isoformat(), "triage_level": a.triage_level,
                          "knowledge_version": a.knowledge_version,
                          "top_source": (features.stored_assessment(a.result)[0].get("pain_source") or [{}])[0]}
                         for a in t["assessments"]],
            plans=[{"id": p.id, "assessment_id": p.assessment_id, "audience": p.audience,
                    "revision": p.revision, "created_at": p.created_at.isoformat()} for p in t["plans"]],
            proms=[prom_public(r) for r in t["proms"]],
        )


@router.post("/patients/{patient_id}/encounters", response_model=EncounterPublic, status_code=201,
             tags=["encounters"], responses=NOT_FOUND)
def create_encounter(patient_id: str, body: EncounterCreate, actor: ActorDep, services: ServicesDep
                     ) -> EncounterPublic:
    case = case_from_mapping(body.case)
    with services.tx() as s:
        e = repo.create_encounter(s, actor, case=case.model_dump(mode="json", exclude_none=True),
                                  patient_id=patient_id)
        return encounter_public(e)


@router.get("/patients/{patient_id}/encounters", response_model=list[EncounterPublic], tags=["encounters"],
            responses=NOT_FOUND)
def list_encounters(patient_id: str, actor: ActorDep, services: ServicesDep) -> list[EncounterPublic]:
    with services.tx() as s:
        return [encounter_public(e) for e in repo.timeline(s, actor, patient_id)["encounters"]]


@router.get("/encounters/{encounter_id}", response_model=EncounterPublic, tags=["encounters"],
            responses=NOT_FOUND)
def get_encounter(encounter_id: str, actor: ActorDep, services: ServicesDep) -> EncounterPublic:
    with services.tx() as s:
        return encounter_public(repo.get_encounter(s, actor, encounter_id))


# --- assessments --------------------------------------------------------------------------------------------

def store_assessment(services: Any, actor: audit.Actor, case: Case, patient_id: str | None
                     ) -> tuple[AssessmentRecord, dict[str, Any]]:
    """Assess (outside any transaction) and persist encounter + assessment + audit in one transaction."""
    out = features.assess(case)
    case_json = case.model_dump(mode="json", exclude_none=True)
    version = features.software_version()
    rec = services.write(lambda s: repo.save_assessment(
        s, actor, case=case_json, result=out.result, knowledge_version=out.knowledge_version,
        software_version=version, triage_level=out.triage_level, patient_id=patient_id))
    return rec, case_json


@router.post("/assessments", response_model=AssessmentPublic, status_code=201, tags=["assessments"],
             responses={404: {"description": "patient not found in your clinic"},
                        503: {"description": "the engine or knowledge base is not available"}})
async def create_assessment(case: Case, actor: ActorDep, services: ServicesDep,
                            patient_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """Assess a case (the body is a case, as in a case file) and store it; optionally for a patient.

    The engine runs on the event loop (about 2 ms, no I/O); the write waits for the group commit without
    tying up a worker thread.
    """
    out = features.assess(case)
    case_json = case.model_dump(mode="json", exclude_none=True)
    version = features.software_version()
    rec = await services.awrite(lambda s: repo.save_assessment(
        s, actor, case=case_json, result=out.result, knowledge_version=out.knowledge_version,
        software_version=version, triage_level=out.triage_level, patient_id=patient_id))
    return Response(assessment_json(rec, case_json), status_code=201, media_type="application/json",
                    headers={"Location": f"/api/assessments/{rec.id}"})


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic, tags=["assessments"],
            responses=NOT_FOUND)
def get_assessment(assessment_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    with services.tx() as s:
        rec = repo.get_assessment(s, actor, assessment_id)
        return Response(assessment_json(rec, repo.assessment_case(s, rec)), media_type="application/json")


# --- care plans and handouts --------------------------------------------------------------------------------

@router.post("/assessments/{assessment_id}/plans", response_model=PlanPublic, status_code=201, tags=["plans"],
             responses={**NOT_FOUND, 503: {"description": "the plan builder is not available"}})
def create_plan(assessment_id: str, body: PlanCreate, actor: ActorDep, services: ServicesDep) -> PlanPublic:
    with services.tx() as s:
        rec = repo.get_assessment(s, actor, assessment_id)
        case_json = repo.assessment_case(s, rec)
    plan = features.build_plan(features.rebuild_assessment(rec.result), case_from_mapping(case_json),
                               body.audience)
    with services.tx() as s:
        rec2 = s.get(AssessmentRecord, assessment_id)
        assert rec2 is not None
        p = repo.save_plan(s, actor, assessment=rec2, audience=body.audience, plan=plan,
                           knowledge_version=rec2.knowledge_version)
        return plan_public(p)


@router.get("/plans/{plan_id}", response_model=PlanPublic, tags=["plans"], responses=NOT_FOUND)
def get_plan(plan_id: str, actor: ActorDep, services: ServicesDep) -> PlanPublic:
    with services.tx() as s:
        return plan_public(repo.get_plan(s, actor, plan_id))


@router.patch("/plans/{plan_id}", response_model=PlanPublic, tags=["plans"], responses=NOT_FOUND)
def edit_plan(plan_id: str, body: PlanEdit, actor: ActorDep, services: ServicesDep) -> PlanPublic:
    """Record the clinician's edits; the generated plan is kept unchanged next to them."""
    with services.tx() as s:
        return plan_public(repo.edit_plan(s, actor, plan_id, body.model_dump(mode="json")))


@router.get("/plans/{plan_id}/handout", tags=["plans"],
            responses={**NOT_FOUND, 200: {"content": {"text/html": {}, "application/pdf": {}}},
                       503: {"description": "the handout renderer is not available"}})
def get_handout(plan_id: str, actor: ActorDep, services: ServicesDep,
                format: Literal["html", "pdf"] = "html") -> Response:
    """The patient handout for a plan, with the clinician's edits applied, as a download."""
    with services.tx() as s:
        rec = repo.get_plan(s, actor, plan_id, purpose=f"handout-{format}")
        eff = features.effective_plan(rec.plan, rec.edits)
    h = features.render_handout(eff, format)
    return Response(h.content, media_type=h.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{h.filename}"'})


# --- PROMs --------------------------------------------------------------------------------------------------

@router.post("/patients/{patient_id}/proms", response_model=PromPublic, status_code=201, tags=["proms"],
             responses=NOT_FOUND)
def create_prom(patient_id: str, body: PromCreate, actor: ActorDep, services: ServicesDep) -> PromPublic:
    with services.tx() as s:  # check scope before scoring
        repo.get_patient(s, actor, patient_id)
    scored = features.score_prom(body.instrument, dict(body.responses), body.date)
    with services.tx() as s:
        rec = repo.save_prom(s, actor, patient_id=patient_id, instrument=scored.get("instrument", body.instrument),
                             responses=dict(body.responses), score=scored)
        return prom_public(rec)


@router.get("/patients/{patient_id}/proms", response_model=list[PromPublic], tags=["proms"],
            responses=NOT_FOUND)
def list_proms(patient_id: str, actor: ActorDep, services: ServicesDep) -> list[PromPublic]:
    with services.tx() as s:
        return [prom_public(r) for r in repo.timeline(s, actor, patient_id)["proms"]]


# --- audit --------------------------------------------------------------------------------------------------

@router.get("/audit/verify", response_model=AuditVerify, tags=["audit"],
            responses={403: {"description": "needs an admin"}})
def audit_verify(actor: AdminDep, services: ServicesDep) -> AuditVerify:
    """Recompute the audit hash chain (admins only)."""
    result = audit.verify(services.engine)
    with services.tx() as s:
        audit.append(s, actor, "verify", "audit_log", detail={"ok": result.ok, "events": result.events})
    return AuditVerify(**result.to_dict())
