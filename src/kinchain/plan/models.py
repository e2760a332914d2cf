"""Typed shapes of the plan knowledge (exercise library, pathways) and of a built care plan.

Library and pathway entries are read from ``knowledge/data/exercises.yaml`` and ``pathways.yaml``
(raw dicts in ``kb.extra``) and validated here; every dosage or timeline number carries a citation and
an evidence status like every other clinical number in kinchain.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kinchain.knowledge.schema import EvidenceStatus, TriageLevel

Audience = Literal["clinician", "patient"]
ExerciseCategory = Literal[
    "release", "realign", "strength", "stretch", "motor_control", "balance", "gait", "aerobic", "mobility"
]
ComponentCategory = Literal[
    "education", "release", "realign", "strengthen", "stretch", "gait", "orthotic", "load_management",
    "symptom_relief", "exercise_therapy", "weight_management", "medication", "injection", "surgery",
    "referral", "adjunct",
]
#: categories that are never shown to a patient (they belong to a clinician conversation)
CLINICIAN_ONLY_CATEGORIES = frozenset({"medication", "injection", "surgery"})
EvidenceLevel = Literal["high", "moderate", "low", "very_low", "expert_opinion", "guideline_against"]
PathwayKind = Literal["driver", "condition", "adjunct", "warning_sign", "safety"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dosage(_Strict):
    """Sets x (reps or hold) on a number of days per week; the numbers carry their source."""

    sets: int = Field(ge=1, le=10)
    reps: int | None = Field(default=None, ge=1, le=50)
    hold_s: int | None = Field(default=None, ge=1, le=600)
    minutes: int | None = Field(default=None, ge=1, le=120)
    rest_s: int | None = Field(default=None, ge=0, le=600)
    days_per_week: int = Field(ge=1, le=7)
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus
    note: str | None = None

    @model_validator(mode="after")
    def _reps_or_hold(self) -> Dosage:
        if sum(x is not None for x in (self.reps, self.hold_s, self.minutes)) != 1:
            raise ValueError("a dosage gives exactly one of reps, hold_s or minutes")
        return self

    def text(self, plain: bool = False) -> str:
        days = "every day" if self.days_per_week == 7 else f"{self.days_per_week} days a week"
        if plain:
            if self.minutes is not None:
                return f"{self.minutes} minutes, {days}"
            if self.reps is not None:
                each = f"{self.reps} times" if self.sets == 1 else f"{self.sets} rounds of {self.reps}"
            else:
                each = (f"hold {self.hold_s} seconds" if self.sets == 1
                        else f"{self.sets} rounds, hold {self.hold_s} seconds each")
            return f"{each}, {days}"
        if self.minutes is not None:
            each = f"{self.minutes} min"
        elif self.reps is not None:
            each = f"{self.sets} x {self.reps} reps"
        else:
            each = f"{self.sets} x {self.hold_s} s hold"
        rest = f", rest {self.rest_s} s" if self.rest_s else ""
        return f"{each}{rest}, {self.days_per_week} d/wk"


class Exercise(_Strict):
    id: str
    name: str
    plain_name: str
    category: ExerciseCategory
    targets: list[str] = Field(min_length=1, description="muscles or impairments (clinical words)")
    plain_targets: str = Field(description="what it works on, in plain words")
    instructions: list[str] = Field(min_length=2, description="our own words, plain language")
    dosage: Dosage
    progression: str
    progression_to: str | None = None
    regression: str
    regression_to: str | None = None
    contraindications: list[str] = Field(min_length=1)
    illustration: str
    equipment: list[str] = Field(default_factory=list)
    side: Literal["affected", "both", "anterior_rotated"] = "both"
    treats: list[str] = Field(default_factory=list, description="seed treatment ids this delivers")


class Measurement(_Strict):
    """The measured finding that justifies a component (e.g. a heel lift needs a measured difference)."""

    finding: str
    op: Literal["<", "<=", ">", ">=", "==", "in"]
    value: float | bool | list[str]
    text: str
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus


class Component(_Strict):
    id: str
    category: ComponentCategory
    text: str = Field(description="clinician wording")
    patient_text: str | None = Field(default=None, description="plain wording; absent = not for patients")
    exercises: list[str] = Field(default_factory=list)
    phase: int = Field(default=1, ge=1, le=3)
    treats: list[str] = Field(default_factory=list)
    evidence: EvidenceLevel | None = None
    contraindications: list[str] = Field(default_factory=list)
    requires: list[Measurement] = Field(default_factory=list, description="any one met justifies it")
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus

    @model_validator(mode="after")
    def _clinician_only(self) -> Component:
        if self.category in CLINICIAN_ONLY_CATEGORIES and self.patient_text is not None:
            raise ValueError(f"component {self.id}: a {self.category} component is clinician-only "
                             "(no patient_text)")
        return self


class Timeline(_Strict):
    initial_weeks: tuple[float, float]
    full_months: tuple[float, float]
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus
    note: str | None = None


class Referral(_Strict):
    to: str
    when: str
    urgency: TriageLevel
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus


class Pathway(_Strict):
    id: str
    kind: PathwayKind
    name: str = ""
    patient_name: str | None = None
    conditions: list[str] = Field(default_factory=list, description="conditions that select this pathway")
    sources: list[str] = Field(default_factory=list, description="'region/mechanism' pain sources that select it")
    goal: str | None = None
    patient_goal: str | None = None
    components: list[Component] = Field(default_factory=list)
    referrals: list[Referral] = Field(default_factory=list)
    timeline: Timeline | None = None
    reassess: list[str] = Field(default_factory=list, description="finding ids to re-measure")
    # adjunct / warning-sign entries
    text: str | None = None
    patient_text: str | None = None
    evidence: EvidenceLevel | None = None
    treats: list[str] = Field(default_factory=list)
    level: TriageLevel | None = None
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus


# ----------------------------------------------------------------------------------------- the plan


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SafetyNotice(Frozen):
    level: TriageLevel
    headline: str
    what_to_do: str
    why: list[str]


class Driver(Frozen):
    pathway: str
    name: str
    probability: float
    because: list[str] = Field(default_factory=list)


class DifferentialLine(Frozen):
    condition: str
    name: str
    probability: float
    must_not_miss: bool


class PlanItem(Frozen):
    pathway: str
    component: str
    category: str
    text: str
    phase: int
    evidence: str | None = None
    contraindications: list[str] = Field(default_factory=list)
    justification: str | None = None
    treats: list[str] = Field(default_factory=list)
    citation: list[str] = Field(default_factory=list)


class PrescribedExercise(Frozen):
    id: str
    name: str
    category: str
    targets: str
    instructions: list[str]
    dose: str
    sets: int
    reps: int | None
    hold_s: int | None
    days_per_week: int
    days: list[str]
    phase: int
    progression: str
    regression: str
    contraindications: list[str]
    illustration: str
    side: str
    why: str
    citation: list[str]


class Phase(Frozen):
    number: int
    name: str
    start_week: float
    end_week: float
    goals: list[str]
    milestones: list[str]
    progress_when: list[str]


class TimelinePlan(Frozen):
    initial_weeks: tuple[float, float]
    full_months: tuple[float, float]
    chosen_initial_weeks: float
    chosen_full_months: float
    adjustments: list[str]
    phases: list[Phase]
    citation: list[str]


class Reassessment(Frozen):
    week: float
    what: list[str]


class WarningSign(Frozen):
    id: str
    text: str
    action: str
    level: str


class Adjunct(Frozen):
    id: str
    name: str
    text: str
    evidence: str
    citation: list[str]


class ReferralLine(Frozen):
    to: str
    when: str
    urgency: str
    citation: list[str]


class CarePlan(Frozen):
    audience: Audience
    case_id: str | None
    knowledge_version: str
    triage_level: TriageLevel
    headline: str
    safety: SafetyNotice | None = None
    drivers: list[Driver] = Field(default_factory=list)
    differential: list[DifferentialLine] = Field(default_factory=list)
    items: list[PlanItem] = Field(default_factory=list)
    clinician_only: list[PlanItem] = Field(default_factory=list)
    exercises: list[PrescribedExercise] = Field(default_factory=list)
    timeline: TimelinePlan | None = None
    reassessments: list[Reassessment] = Field(default_factory=list)
    progression_rules: list[str] = Field(default_factory=list)
    warning_signs: list[WarningSign] = Field(default_factory=list)
    adjuncts: list[Adjunct] = Field(default_factory=list)
    referrals: list[ReferralLine] = Field(default_factory=list)
    predicted_change: str | None = None
    references: dict[str, str] = Field(default_factory=dict, description="reference id -> short citation")

    @property
    def exercises_replaced(self) -> bool:
        return self.safety is not None

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json")
