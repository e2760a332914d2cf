"""Request and response bodies of the REST API (one family per entity)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["clinician", "admin"]
Audience = Literal["clinician", "patient"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class Me(BaseModel):
    id: str
    email: str
    role: Role
    clinic_id: str


class UserCreate(Strict):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role = "clinician"


class UserPublic(BaseModel):
    id: str
    email: str
    role: str
    clinic_id: str


class PatientCreate(Strict):
    reference: str = Field(min_length=1, max_length=100, description="the clinic's own pseudonymous label")
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    sex: Literal["female", "male"] | None = None


class PatientPublic(BaseModel):
    id: str
    reference: str
    birth_year: int | None
    sex: str | None
    created_at: datetime


class PatientList(BaseModel):
    items: list[PatientPublic]
    count: int


class EncounterCreate(Strict):
    case: dict[str, Any] = Field(description="a case, as in a case file")


class EncounterPublic(BaseModel):
    id: str
    patient_id: str | None
    clinician_id: str
    case: dict[str, Any]
    created_at: datetime


class AssessmentPublic(BaseModel):
    id: str
    encounter_id: str
    patient_id: str | None
    created_at: datetime
    knowledge_version: str
    software_version: str
    triage_level: str
    assessment: dict[str, Any] = Field(description="the engine's result exactly as it was when made")
    references: dict[str, str] = Field(description="reference id -> short citation, as it was")
    case: dict[str, Any]


class PlanCreate(Strict):
    audience: Audience = "patient"


class ExerciseOverride(Strict):
    sets: int | None = Field(default=None, ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=100)
    hold_s: int | None = Field(default=None, ge=1, le=600)
    days_per_week: int | None = Field(default=None, ge=1, le=7)


class PlanEdit(Strict):
    removed_exercises: list[str] = Field(default_factory=list, max_length=100)
    exercise_overrides: dict[str, ExerciseOverride] = Field(default_factory=dict, max_length=100)
    note: str = Field(default="", max_length=2000)


class PlanPublic(BaseModel):
    id: str
    assessment_id: str
    patient_id: str | None
    audience: str
    revision: int
    knowledge_version: str
    created_at: datetime
    updated_at: datetime
    plan: dict[str, Any] = Field(description="the generated plan, as it was")
    edits: dict[str, Any]
    effective_plan: dict[str, Any] = Field(description="the plan with the clinician's edits applied")


class PromCreate(Strict):
    instrument: str = Field(min_length=1, max_length=40)
    responses: dict[str, int | str | None] = Field(max_length=200)
    date: str | None = Field(default=None, max_length=40)


class PromPublic(BaseModel):
    id: str
    patient_id: str
    instrument: str
    recorded_at: datetime
    score: dict[str, Any]


class Timeline(BaseModel):
    patient: PatientPublic
    encounters: list[EncounterPublic]
    assessments: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    proms: list[PromPublic]


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    schema_revision: str | None
    knowledge_version: str | None


class AuditVerify(BaseModel):
    ok: bool
    events: int
    head_seq: int
    problems: list[str]
