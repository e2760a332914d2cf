"""Typed results of reasoning. The JSON keys documented in docs/json-output.md are stable."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kinchain.knowledge.schema import Mechanism, Region, TriageLevel


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SourceProbability(Frozen):
    region: Region
    mechanism: Mechanism
    probability: float
    mechanisms: dict[str, float] = Field(default_factory=dict, description="split of this region by mechanism")


class ConditionProbability(Frozen):
    id: str
    name: str
    probability: float
    prior: float
    must_not_miss: bool
    region: Region
    icd10: str


class TriageReason(Frozen):
    kind: str  # "rule", "finding", "condition", "care"
    id: str
    level: TriageLevel
    text: str
    citation: list[str] = Field(default_factory=list)


class Triage(Frozen):
    level: TriageLevel
    reasons: list[TriageReason]
    threshold: float = Field(description="must-not-miss probability that forces at least 'urgent'")


class Contribution(Frozen):
    finding: str
    value: Any
    log_odds: float = Field(description="natural-log change in odds this finding produced")
    lr: float
    citation: list[str]
    status: str
    via: str | None = Field(default=None, description="rule id when a rule replaced single findings")


class ConditionExplanation(Frozen):
    condition: str
    prior: float
    posterior: float
    contributions: list[Contribution]


class SourceExplanation(Frozen):
    region: Region
    probability: float
    conditions: list[str] = Field(description="conditions that carry this source, most probable first")
    contributions: list[Contribution]


class RuleResult(Frozen):
    id: str
    name: str
    result: bool | None
    value: float | None = None
    label: str | None = None
    probability: float | None = None
    action: str
    citation: list[str]


class ChainNumbers(Frozen):
    """The kinetic chain in numbers for this patient's impairments (see kinchain.chain)."""

    impairments: dict[str, Any] = Field(description="finding id -> value that set a model input")
    current: dict[str, float] = Field(description="model outputs now (degrees, body weights, %)")
    reference: dict[str, float] = Field(description="the same outputs for normal inputs")
    if_corrected: dict[str, float] = Field(default_factory=dict, description="predicted change when corrected")
    notes: list[str] = Field(default_factory=list)


class Explanation(Frozen):
    sources: list[SourceExplanation]
    conditions: list[ConditionExplanation]
    rules: list[RuleResult]
    notes: list[str] = Field(default_factory=list)
    chain: ChainNumbers | None = None


class NextTest(Frozen):
    finding: str
    question: str
    description: str
    group: str
    expected_gain_bits: float
    patient_askable: bool


class Assessment(Frozen):
    case_id: str | None
    knowledge_version: str
    complaint_region: str
    pain_source: list[SourceProbability]
    conditions: list[ConditionProbability]
    triage: Triage
    explanation: Explanation
    next_tests: list[NextTest]
    findings: dict[str, Any] = Field(description="the findings the assessment used")

    @property
    def top_source(self) -> SourceProbability:
        return self.pain_source[0]

    def condition(self, cid: str) -> ConditionProbability:
        for c in self.conditions:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def conditions_by_id(self) -> list[ConditionProbability]:
        """Every condition in a stable order (by id), for comparing assessments."""
        return sorted(self.conditions, key=lambda c: c.id)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
