"""Pure PROM scoring: item responses keyed by official item codes -> subscale scores.

``score(instrument, responses)`` applies the instrument's rule from the knowledge base:

- ``transformed_mean`` (KOOS, HOOS): score = 100 - (mean item - item_min) * 100 / (item_max - item_min);
- ``sum`` (LEFS, Oxford knee/hip, NPRS): the sum of the items;

and the missing-item rule: a subscale is scored only when at least ``min_answered`` of its items are
answered; the missing items then take the mean of the answered items of that subscale. Otherwise the
subscale score is ``None`` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kinchain.errors import OutcomeError
from kinchain.outcomes.instruments import Instrument, Subscale, get_instrument, load_instruments

DECIMALS = 2


class SubscaleScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    subscale: str
    name: str
    score: float | None
    answered: int
    items: int
    imputed: int = Field(description="missing items that took the mean of the answered ones")
    reason: str | None = Field(default=None, description="why the subscale was not scored")


class PromResult(BaseModel):
    """One administration of one instrument, scored."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    name: str
    date: str | None = None
    label: str | None = None
    responses: dict[str, int | None]
    scores: dict[str, float | None]
    subscales: list[SubscaleScore]
    score_min: float
    score_max: float
    higher_is_better: bool
    missing_rule: str
    missing_rule_status: str

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _item_value(inst: Instrument, code: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OutcomeError(f"{inst.id} item {code}: expected a whole number from {inst.item_min} to "
                           f"{inst.item_max} (or null when unanswered), got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise OutcomeError(f"{inst.id} item {code}: {value!r} is not a whole number; responses are boxes "
                           f"{inst.item_min}-{inst.item_max} (a mark between boxes takes the nearest box)")
    if not inst.item_min <= value <= inst.item_max:
        raise OutcomeError(f"{inst.id} item {code}: value {value!r} is outside the instrument's range "
                           f"{inst.item_min}-{inst.item_max}")
    return int(value)


def normalise_responses(inst: Instrument, responses: Mapping[Any, Any]) -> dict[str, int | None]:
    """Check codes and values; return {official item code: value or None} for every item given."""
    if not isinstance(responses, Mapping):
        raise OutcomeError(f"{inst.id}: responses must be a mapping of item code -> value, got "
                           f"{type(responses).__name__}")
    by_upper = {c.upper(): c for c in inst.item_codes}
    out: dict[str, int | None] = {}
    for raw_code, value in responses.items():
        code = by_upper.get(str(raw_code).strip().upper())
        if code is None:
            raise OutcomeError(f"{inst.id}: unknown item code '{raw_code}' (valid codes: "
                               f"{', '.join(inst.item_codes)})")
        if code in out:
            raise OutcomeError(f"{inst.id}: item {code} is given twice")
        out[code] = _item_value(inst, code, value)
    return out


def _subscale_score(inst: Instrument, sub: Subscale, values: Mapping[str, int | None]) -> SubscaleScore:
    answered = [v for c in sub.items if (v := values.get(c)) is not None]
    n_items = len(sub.items)
    if len(answered) < sub.min_answered:
        return SubscaleScore(subscale=sub.id, name=sub.name, score=None, answered=len(answered), items=n_items,
                             imputed=0, reason=f"only {len(answered)} of {n_items} items answered; at least "
                                           f"{sub.min_answered} needed")
    mean = sum(answered) / len(answered)
    span = inst.item_max - inst.item_min
    # transformed_mean: 100 = no problems; sum: the missing items take the mean of the answered ones
    transformed = inst.scoring.method == "transformed_mean"
    value = 100.0 - (mean - inst.item_min) * 100.0 / span if transformed else mean * n_items
    lo, hi = inst.scoring.score_min, inst.scoring.score_max
    value = min(max(round(value, DECIMALS), lo), hi)
    return SubscaleScore(subscale=sub.id, name=sub.name, score=value + 0.0, answered=len(answered),
                         items=n_items, imputed=n_items - len(answered))


def _check_date(date: Any) -> str | None:
    """ISO 8601 date or date-time (what FHIR accepts), else OutcomeError."""
    if date is None:
        return None
    import datetime as dt

    text = date.isoformat() if isinstance(date, dt.date) else str(date)
    try:
        if len(text) == 10:
            dt.date.fromisoformat(text)
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                raise ValueError("a date-time needs a time zone")
    except ValueError as exc:
        raise OutcomeError(f"date {text!r} is not an ISO 8601 date (YYYY-MM-DD) or date-time with time zone: "
                           f"{exc}") from None
    return text


def score(instrument: str | Instrument, responses: Mapping[Any, Any], *, date: Any = None,
          label: str | None = None) -> PromResult:
    """Score one response set. Raises OutcomeError naming an unknown instrument, item code or value."""
    inst = instrument if isinstance(instrument, Instrument) else get_instrument(instrument)
    values = normalise_responses(inst, responses)
    subs = [_subscale_score(inst, s, values) for s in inst.subscales]
    return PromResult(
        instrument=inst.id,
        name=inst.name,
        date=_check_date(date),
        label=label,
        responses=values,
        scores={s.subscale: s.score for s in subs},
        subscales=subs,
        score_min=inst.scoring.score_min,
        score_max=inst.scoring.score_max,
        higher_is_better=inst.scoring.higher_is_better,
        missing_rule=inst.missing_rule.text,
        missing_rule_status=inst.missing_rule.status,
    )


def score_mapping(data: Any, *, where: str = "input") -> PromResult:
    """Score {"instrument": ..., "responses": {...}, "date"?: ..., "label"?: ...}."""
    if not isinstance(data, Mapping):
        raise OutcomeError(f"{where}: expected an object with 'instrument' and 'responses'")
    for key in ("instrument", "responses"):
        if key not in data:
            raise OutcomeError(f"{where}: '{key}' is missing (expected {{\"instrument\": \"KOOS\", "
                               f"\"responses\": {{\"P1\": 2, ...}}}})")
    date = data.get("date")
    label = data.get("label")
    try:
        return score(data["instrument"], data["responses"], date=date, label=None if label is None else str(label))
    except OutcomeError as exc:
        raise OutcomeError(f"{where}: {exc}") from None


def read_response_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise OutcomeError(f"response file '{p}' does not exist")
    try:
        text = p.read_text(encoding="utf-8")
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise OutcomeError(f"response file '{p}' is not valid JSON/YAML: {exc}") from None
    if not isinstance(data, dict):
        raise OutcomeError(f"{p}: expected an object with 'instrument' and 'responses'")
    return data


def score_file(path: str | Path) -> PromResult:
    return score_mapping(read_response_file(path), where=str(path))


__all__ = ["PromResult", "SubscaleScore", "load_instruments", "normalise_responses", "score", "score_file",
           "score_mapping"]
