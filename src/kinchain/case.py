"""A patient's case: who, where it hurts, in which setting, and what was observed.

A case file (YAML or JSON) looks like::

    patient: {age: 67, sex: female}
    complaint: {region: knee, side: right, location: [anterior_knee, groin], onset: gradual, duration: 12 weeks}
    setting: primary_care
    findings: {hip_ir_deg: 12, knee_effusion: false}

``Case.observed()`` turns the header into findings too (``age_years``, ``sex``, ``complaint_region``,
``setting``, ``onset``, ``duration_weeks`` and ``loc_<location>``), so the engine sees one vocabulary.
A finding that was asked and answered "no" is ``false`` and counts; one not asked is simply absent.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kinchain.errors import CaseError, UnknownFindingError
from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import ComplaintRegion, Setting

FindingValue = bool | float | str

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(day|days|d|week|weeks|wk|wks|w|month|months|mo|year|years|y)\s*$")
_WEEKS_PER = {"d": 1 / 7, "w": 1.0, "m": 52 / 12, "y": 52.0}


def parse_duration_weeks(value: float | int | str | None) -> float | None:
    """'3 weeks', '10 days', '2 months', '1 year' or a number of weeks -> weeks."""
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    m = _DURATION.match(value.lower())
    if not m:
        raise ValueError(f"'{value}' is not a duration; write e.g. '10 days', '6 weeks', '3 months' or a number of weeks")
    unit = m.group(2)
    key = "m" if unit.startswith("mo") else unit[0]
    return round(float(m.group(1)) * _WEEKS_PER[key], 3)


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    age: float = Field(ge=0, le=120, description="age in years")
    sex: Literal["female", "male"]


class Complaint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: ComplaintRegion
    side: Literal["left", "right", "bilateral"] | None = None
    location: list[str] = Field(default_factory=list)
    onset: Literal["acute", "gradual"] | None = None
    duration: float | str | None = None

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: float | str | None) -> float | str | None:
        parse_duration_weeks(v)
        return v

    @property
    def duration_weeks(self) -> float | None:
        return parse_duration_weeks(self.duration)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    title: str | None = None
    patient: Patient
    complaint: Complaint
    setting: Setting = "primary_care"
    findings: dict[str, FindingValue] = Field(default_factory=dict)
    source: dict[str, Any] | None = Field(default=None, description="where a validation case comes from")
    expected: dict[str, Any] | None = Field(default=None, description="reference answer for validation cases")

    def observed(self) -> dict[str, FindingValue]:
        """Header and findings as one mapping of finding id -> value."""
        out: dict[str, FindingValue] = {
            "age_years": float(self.patient.age),
            "sex": self.patient.sex,
            "complaint_region": self.complaint.region,
            "setting": self.setting,
        }
        if self.complaint.onset is not None:
            out["onset"] = self.complaint.onset
        weeks = self.complaint.duration_weeks
        if weeks is not None:
            out["duration_weeks"] = weeks
        for loc in self.complaint.location:
            out[f"loc_{loc}"] = True
        out.update(self.findings)
        return out


def _closest(word: str, options: list[str]) -> list[str]:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.5)
    if not close:
        close = [o for o in options if word.split("_")[0] in o][:3]
    return close


def _check_value(fid: str, value: Any, kb: Knowledge) -> FindingValue:
    f = kb.findings[fid]
    where = f"findings.{fid}"
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
            return value.lower() in ("yes", "true")
        raise CaseError(f"{where}: expected true or false (a yes/no finding), got {value!r}", field=where)
    if f.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CaseError(f"{where}: expected a number in {f.unit} between {f.min:g} and {f.max:g}, "
                            f"got {value!r}", field=where)
        assert f.min is not None and f.max is not None
        if not f.min <= value <= f.max:
            raise CaseError(f"{where}: {value!r} {f.unit} is outside the valid range {f.min:g} to {f.max:g} "
                            f"{f.unit}", field=where)
        return float(value)
    values = f.values or []
    if value not in values:
        raise CaseError(f"{where}: {value!r} is not one of {values}", field=where)
    return str(value)


def validate_case(case: Case, kb: Knowledge) -> dict[str, FindingValue]:
    """Check every finding against the vocabulary; return the observed findings, typed."""
    for loc in case.complaint.location:
        if f"loc_{loc}" not in kb.findings:
            locations = sorted(f[4:] for f in kb.findings if f.startswith("loc_"))
            hint = _closest(loc, locations)
            raise CaseError(
                f"complaint.location: unknown location '{loc}'."
                + (f" Did you mean: {', '.join(hint)}?" if hint else "")
                + f" Valid locations: {', '.join(locations)}",
                field="complaint.location",
            )
    out: dict[str, FindingValue] = {}
    for fid, value in case.observed().items():
        if fid not in kb.findings:
            raise UnknownFindingError(fid, _closest(fid, sorted(kb.findings)))
        out[fid] = _check_value(fid, value, kb)
    return out


def _format_validation(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(case)"
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "is required but missing"
        elif err["type"] == "extra_forbidden":
            msg = "is not a recognised field (findings go under 'findings:')"
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def case_from_mapping(data: Mapping[str, Any]) -> Case:
    """Build a Case from parsed YAML/JSON, with errors that name the field and the fix."""
    if not isinstance(data, Mapping):
        raise CaseError("a case must be a mapping with patient, complaint, setting and findings", field="(case)")
    try:
        return Case.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        raise CaseError(f"invalid case: {_format_validation(exc)}", field=field) from None


def load_case(path: str | Path) -> Case:
    """Read a case from a .yaml/.yml/.json file."""
    p = Path(path)
    if not p.is_file():
        raise CaseError(f"case file '{p}' does not exist", field="CASE")
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CaseError(f"case file '{p}' is not valid {p.suffix.lstrip('.').upper() or 'YAML'}: {exc}",
                        field="CASE") from None
    return case_from_mapping(data)
