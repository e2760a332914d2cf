"""PROM instruments as data: item codes, scoring method, missing-item rule and change thresholds.

The definitions live in ``knowledge/data/instruments.yaml`` (section ``instruments:``). Only official item
codes are stored, never item texts. ``validate_section`` is the knowledge-base validator for the section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kinchain.errors import OutcomeError
from kinchain.knowledge.schema import EvidenceStatus

if TYPE_CHECKING:
    from kinchain.knowledge.loader import Knowledge

INSTRUMENTS_FILE = "instruments.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeStatus(_Strict):
    """A terminology code (LOINC) with how sure we are of it."""

    code: str
    status: EvidenceStatus
    citation: list[str] = Field(min_length=1)


class Scoring(_Strict):
    method: Literal["transformed_mean", "sum"]
    score_min: float
    score_max: float
    higher_is_better: bool


class Subscale(_Strict):
    id: str
    name: str
    items: list[str] = Field(min_length=1)
    min_answered: int = Field(ge=1)
    loinc: CodeStatus | None = None

    @model_validator(mode="after")
    def _min(self) -> Subscale:
        if self.min_answered > len(self.items):
            raise ValueError(f"subscale {self.id}: min_answered {self.min_answered} exceeds its "
                             f"{len(self.items)} items")
        if len(set(self.items)) != len(self.items):
            raise ValueError(f"subscale {self.id}: duplicate item codes")
        return self


class MissingRule(_Strict):
    text: str
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus


class Threshold(_Strict):
    """A change threshold (MIC / measurement error) or acceptable state, with its population."""

    id: str
    kind: Literal["mic", "mdc", "pass"]
    default: bool = False
    values: dict[str, float] = Field(min_length=1)
    percent: float | None = Field(default=None, gt=0, le=100)
    population: str
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus
    note: str | None = None

    def as_dict(self, subscale: str) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "value": self.values[subscale], "population": self.population,
                               "citation": list(self.citation), "status": self.status}
        if self.percent is not None:
            out["percent"] = self.percent
        return out


class Instrument(_Strict):
    id: str
    name: str
    region: str
    recall: str | None = None
    aliases: list[str] = Field(default_factory=list)
    item_min: int
    item_max: int
    scoring: Scoring
    loinc: CodeStatus | None = None
    subscales: list[Subscale] = Field(min_length=1)
    missing_rule: MissingRule
    thresholds: list[Threshold] = Field(default_factory=list)
    citation: list[str] = Field(min_length=1)
    status: EvidenceStatus

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        if self.item_min >= self.item_max:
            raise ValueError("item_min must be below item_max")
        if self.scoring.score_min >= self.scoring.score_max:
            raise ValueError("scoring.score_min must be below score_max")
        codes = [c for s in self.subscales for c in s.items]
        if len(set(codes)) != len(codes):
            raise ValueError("an item code appears in more than one subscale")
        ids = [s.id for s in self.subscales]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate subscale ids")
        if self.scoring.method == "sum":
            for s in self.subscales:
                lo, hi = len(s.items) * self.item_min, len(s.items) * self.item_max
                if (lo, hi) != (self.scoring.score_min, self.scoring.score_max):
                    raise ValueError(f"subscale {s.id}: a sum of {len(s.items)} items spans {lo}-{hi}, "
                                     f"not the declared {self.scoring.score_min:g}-{self.scoring.score_max:g}")
        elif (self.scoring.score_min, self.scoring.score_max) != (0, 100):
            raise ValueError("transformed_mean scores span 0-100")
        for t in self.thresholds:
            unknown = sorted(set(t.values) - set(ids))
            if unknown:
                raise ValueError(f"threshold {t.id}: unknown subscale(s) {unknown}")
        for kind in ("mic", "mdc", "pass"):
            defaults = [t.id for t in self.thresholds if t.kind == kind and t.default]
            if len(defaults) > 1:
                raise ValueError(f"more than one default {kind} threshold: {defaults}")
        tids = [t.id for t in self.thresholds]
        if len(set(tids)) != len(tids):
            raise ValueError("duplicate threshold ids")
        return self

    # -- lookups ---------------------------------------------------------------------------------

    @property
    def item_codes(self) -> list[str]:
        return [c for s in self.subscales for c in s.items]

    def subscale(self, sid: str) -> Subscale:
        for s in self.subscales:
            if s.id == sid:
                return s
        raise OutcomeError(f"{self.id}: unknown subscale '{sid}' (valid: {', '.join(s.id for s in self.subscales)})")

    def threshold(self, kind: str, tid: str | None = None) -> Threshold | None:
        """The threshold with id ``tid`` (must be of ``kind``), else the default one of that kind."""
        if tid is not None:
            for t in self.thresholds:
                if t.id == tid:
                    if t.kind != kind:
                        raise OutcomeError(f"{self.id}: threshold '{tid}' is a {t.kind}, not a {kind}")
                    return t
            valid = [t.id for t in self.thresholds if t.kind == kind]
            raise OutcomeError(f"{self.id}: unknown {kind} threshold '{tid}' (valid: {', '.join(valid) or 'none'})")
        for t in self.thresholds:
            if t.kind == kind and t.default:
                return t
        return None

    def thresholds_of(self, kind: str) -> list[Threshold]:
        return [t for t in self.thresholds if t.kind == kind]

    def citations(self) -> set[str]:
        ids = set(self.citation) | set(self.missing_rule.citation)
        for t in self.thresholds:
            ids |= set(t.citation)
        for code in [self.loinc, *(s.loinc for s in self.subscales)]:
            if code is not None:
                ids |= set(code.citation)
        return ids


def _parse(entries: Iterable[Any]) -> tuple[dict[str, Instrument], list[str]]:
    out: dict[str, Instrument] = {}
    problems: list[str] = []
    for entry in entries:
        ident = entry.get("id") if isinstance(entry, dict) else repr(entry)
        try:
            inst = Instrument.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(f"instruments '{ident}': {loc + ': ' if loc else ''}{err['msg']}")
            continue
        if inst.id in out:
            problems.append(f"instruments: duplicate instrument id '{inst.id}'")
        out[inst.id] = inst
    names: dict[str, str] = {}
    for inst in out.values():
        for name in {inst.id.lower(), *(a.lower() for a in inst.aliases)}:
            if name in names and names[name] != inst.id:
                problems.append(f"instruments: alias '{name}' used by both {names[name]} and {inst.id}")
            names[name] = inst.id
    return out, problems


def validate_section(kb: Knowledge) -> list[str]:
    """Knowledge-base validator for the ``instruments`` section (registered in knowledge/validate.py)."""
    from kinchain.knowledge.validate import citation_problems

    instruments, problems = _parse(kb.extra.get("instruments", ()))
    for inst in instruments.values():
        problems += citation_problems(f"instrument {inst.id}", sorted(inst.citations()), kb)
    return problems


def _file_entries(path: Path) -> list[Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OutcomeError(f"cannot read instrument definitions {path}: {exc}") from None
    entries = raw.get("instruments", []) if isinstance(raw, dict) else []
    return list(entries) if isinstance(entries, list) else []


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Instrument]:
    instruments, problems = _parse(_file_entries(Path(path)))
    if problems:
        raise OutcomeError("instrument definitions are invalid: " + "; ".join(problems))
    return instruments


def load_instruments(source: Knowledge | Path | None = None) -> dict[str, Instrument]:
    """All instruments by id: from a loaded Knowledge, a YAML file, or the bundled instruments.yaml.

    The bundled file is read on its own (not through the whole knowledge base) so scoring does not depend
    on unrelated knowledge files; ``build_knowledge()`` validates the same section with citations.
    """
    from kinchain.knowledge.loader import Knowledge, data_dir

    if isinstance(source, Knowledge):
        instruments, problems = _parse(source.extra.get("instruments", ()))
        if problems:
            raise OutcomeError("instrument definitions are invalid: " + "; ".join(problems))
        return instruments
    return _load(str(source or data_dir() / INSTRUMENTS_FILE))


def get_instrument(name: str, instruments: Mapping[str, Instrument] | None = None) -> Instrument:
    """Look an instrument up by id or alias (case-insensitive); OutcomeError names it if unknown."""
    pool = instruments if instruments is not None else load_instruments()
    if not isinstance(name, str) or not name.strip():
        raise OutcomeError(f"instrument must be a name such as {', '.join(sorted(pool))}; got {name!r}")
    key = name.strip().lower()
    for inst in pool.values():
        if key == inst.id.lower() or key in (a.lower() for a in inst.aliases):
            return inst
    raise OutcomeError(f"unknown instrument '{name}' (known: {', '.join(sorted(pool))})")
