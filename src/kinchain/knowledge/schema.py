"""Typed shape of the knowledge base.

Every YAML file under ``knowledge/data`` is read into these models. Each clinical number carries a
``citation`` (one or more reference ids) and an ``evidence_status``:

- ``confirmed``   the number was seen in the primary source (abstract, table);
- ``secondary``   the number was seen only in a secondary summary;
- ``unconfirmed`` no source gave the number; it is a documented, conservative judgement.

Cross-file checks (ids resolve, citations resolve, ranges are sane) live in ``validate.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EvidenceStatus = Literal["confirmed", "secondary", "unconfirmed"]
Region = Literal["hip", "knee", "lumbar_spine", "foot_ankle", "other"]
ComplaintRegion = Literal["knee", "hip", "thigh", "lower_leg", "foot_ankle", "back"]
Mechanism = Literal["local", "referred", "kinetic_chain", "compensation"]
Setting = Literal["primary_care", "physiotherapy", "sports_medicine", "emergency"]
TriageLevel = Literal["emergency", "urgent", "routine", "self_care"]
FindingGroup = Literal[
    "demographics", "history", "symptom", "location", "red_flag", "exam", "measurement", "movement", "lab"
]

TRIAGE_ORDER: dict[str, int] = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}
SETTINGS: tuple[str, ...] = ("primary_care", "physiotherapy", "sports_medicine", "emergency")
REGIONS: tuple[str, ...] = ("hip", "knee", "lumbar_spine", "foot_ankle", "other")
COMPLAINT_REGIONS: tuple[str, ...] = ("knee", "hip", "thigh", "lower_leg", "foot_ankle", "back")

Citation = Annotated[list[str], Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(Strict):
    id: str
    authors: str
    year: int | str
    title: str | None = None
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    note: str | None = None


class CodeRef(Strict):
    code: str
    status: EvidenceStatus


class ConditionExplains(Strict):
    """How a condition accounts for pain felt in one complaint region."""

    complaint: ComplaintRegion
    source: Region
    mechanism: Mechanism


class Condition(Strict):
    id: str
    name: str
    region: Region
    kind: Literal["structural", "functional", "systemic"]
    must_not_miss: bool = False
    icd10: str
    snomed_ct: CodeRef | None = None
    explains: list[ConditionExplains] = Field(min_length=1)
    care: TriageLevel
    care_reason: str
    summary: str
    patient_name: str


class Finding(Strict):
    id: str
    type: Literal["boolean", "number", "category"]
    group: FindingGroup
    region: Literal["hip", "knee", "lumbar_spine", "foot_ankle", "general"]
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    values: list[str] | None = None
    question: str
    description: str
    instruction: str | None = None
    patient_askable: bool = True
    cost: int = Field(default=1, ge=1, le=3)

    @model_validator(mode="after")
    def _typed(self) -> Finding:
        if self.type == "number" and (self.unit is None or self.min is None or self.max is None):
            raise ValueError(f"finding {self.id}: a number needs unit, min and max")
        if self.type == "number" and self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"finding {self.id}: min must be below max")
        if self.type == "category" and not self.values:
            raise ValueError(f"finding {self.id}: a category needs its values")
        if self.type != "category" and self.values:
            raise ValueError(f"finding {self.id}: only category findings list values")
        return self


class Predicate(Strict):
    """Turns a number or category finding into a positive/negative test result."""

    op: Literal["<", "<=", ">", ">=", "in"]
    value: float | list[str]


class _LinkValues(Strict):
    """What an evidence link says and where it comes from (shared by single links and groups)."""

    lr_pos: float | None = Field(default=None, gt=0)
    lr_neg: float | None = Field(default=None, gt=0)
    citation: Citation
    status: EvidenceStatus
    cluster: str | None = None
    note: str | None = None

    def _owner(self) -> str:
        raise NotImplementedError

    @model_validator(mode="after")
    def _has_lr(self) -> _LinkValues:
        if self.lr_pos is None and self.lr_neg is None:
            raise ValueError(f"{self._owner()}: needs lr_pos and/or lr_neg")
        return self


class Evidence(_LinkValues):
    finding: str
    condition: str
    when: Predicate | None = None

    def _owner(self) -> str:
        return f"evidence {self.finding}->{self.condition}"


class GroupMeasure(Strict):
    """A number finding read as a positive sign of an evidence group when ``when`` holds."""

    finding: str
    when: Predicate


class EvidenceGroup(_LinkValues):
    """One judgement applied to many (finding, condition) pairs: expanded into ordinary links at load.

    For patterns such as "a hip-joint sign argues against every knee-local syndrome", where a row per
    pair would repeat the same value, citation and reasoning dozens of times. A pair that already has
    its own link in ``evidence`` keeps that link (the specific statement wins over the general one).
    """

    id: str
    findings: list[str] = Field(min_length=1)  # boolean findings
    conditions: list[str] = Field(min_length=1)
    # the same signs taken as measurements (hip internal rotation below 20 degrees is a restricted hip), so a
    # clinician who records the number is not worse off than one who ticks the box
    measured: list[GroupMeasure] = Field(default_factory=list)

    def _owner(self) -> str:
        return f"evidence group {self.id}"

    def links(self) -> list[Evidence]:
        signs: list[tuple[str, Predicate | None]] = [(f, None) for f in self.findings]
        signs += [(m.finding, m.when) for m in self.measured]
        return [Evidence(finding=f, condition=c, when=w, lr_pos=self.lr_pos, lr_neg=self.lr_neg,
                         citation=self.citation, status=self.status, cluster=self.cluster, note=f"group {self.id}")
                for c in self.conditions for f, w in signs]


class PriorBase(Strict):
    """Probability that the condition is present in someone presenting with the complaint region."""

    condition: str
    complaint: ComplaintRegion | Literal["any"]
    probability: float = Field(gt=0, lt=1)
    citation: Citation
    status: EvidenceStatus
    note: str | None = None


class PriorModifier(Strict):
    """Multiplies the prior odds for one condition when the patient matches."""

    condition: str
    age_min: float | None = None
    age_max: float | None = None  # exclusive
    sex: Literal["female", "male"] | None = None
    setting: Setting | None = None
    odds_ratio: float = Field(gt=0)
    citation: Citation
    status: EvidenceStatus
    note: str | None = None


Expr = Any  # a boolean expression over findings, see reasoning/expressions.py


class RuleLevel(Strict):
    """One band of a count or score rule."""

    min: float
    label: str
    lr: float | None = Field(default=None, gt=0)
    published_lr: float | None = Field(default=None, gt=0)
    probability: float | None = Field(default=None, ge=0, le=1)
    published_probability: float | None = Field(default=None, ge=0, le=1)
    triage: TriageLevel | None = None


class RuleItem(Strict):
    id: str
    expr: Expr
    points: float = 1.0


class Rule(Strict):
    id: str
    name: str
    kind: Literal["any", "count", "score", "tree", "flag", "screen"]  # screen: findings the interview must ask
    condition: str | None = None
    applies_when: Expr | None = None
    items: list[RuleItem] = Field(default_factory=list)
    expr: Expr | None = None
    levels: list[RuleLevel] = Field(default_factory=list)
    lr_pos: float | None = Field(default=None, gt=0)
    lr_neg: float | None = Field(default=None, gt=0)
    published_pretest: float | None = Field(default=None, gt=0, lt=1)
    # a source's own accuracy when the engine uses shrunk or more conservative values (lr_pos / lr_neg)
    published_lr_pos: float | None = Field(default=None, gt=0)
    published_lr_neg: float | None = Field(default=None, gt=0)
    published_source: str | None = Field(default=None, description=(
        "citation id (one of the rule's) whose figures the published_* fields of the rule and its levels hold"))
    triage: TriageLevel | None = None
    action: str
    supersedes: list[str] = Field(default_factory=list)
    replaces: list[str] = Field(default_factory=list, description=(
        "ids of other rules for the same condition that this rule replaces when it is complete: two rules "
        "answering one question are not both applied (their triage floors still stand)"))
    partial_floor: bool = Field(default=False, description=(
        "count/score rules with probability levels: when some items are unknown, the level reached by the "
        "known items (unknown items counted as absent) sets a floor under the condition's probability"))
    citation: Citation
    status: EvidenceStatus
    note: str | None = None


class Driver(Strict):
    """An upstream impairment that commonly drives a local syndrome (e.g. weak hip abductors -> PFP).

    When the driver is present, the share of the complaint explained by the syndrome is attributed to
    the driver's region (kinetic chain or compensation) in proportion to the driver's probability.
    ``condition: nonspecific_pain`` applies the driver to pain with no specific local cause.
    """

    condition: str
    driver: str
    # How many times higher the odds of the driver are in patients with this syndrome than in the
    # complaint population its prior describes; omitted = no different.
    odds_ratio: float | None = Field(default=None, gt=0)
    citation: Citation
    status: EvidenceStatus
    note: str | None = None


class Parameter(Strict):
    """A named clinical number used by code (thresholds, norms, coefficients)."""

    id: str
    value: float
    unit: str
    description: str
    citation: Citation
    status: EvidenceStatus
    note: str | None = None


class KnowledgeFile(Strict):
    """What one YAML data file may hold; a file holds any subset of these sections."""

    model_config = ConfigDict(extra="allow", frozen=True)

    references: list[Reference] = Field(default_factory=list)
    conditions: list[Condition] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    evidence_groups: list[EvidenceGroup] = Field(default_factory=list)
    priors: list[PriorBase] = Field(default_factory=list)
    prior_modifiers: list[PriorModifier] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    drivers: list[Driver] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
