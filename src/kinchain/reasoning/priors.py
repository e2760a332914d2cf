"""Pre-test probabilities: a base probability per condition and complaint region, then odds modifiers
for age band, sex and setting (each cited in the knowledge base)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import PriorBase, PriorModifier


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def expit(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Prior:
    condition: str
    probability: float
    base: PriorBase
    modifiers: tuple[PriorModifier, ...]


@lru_cache(maxsize=8)
def _base_index(kb: Knowledge) -> dict[tuple[str, str], PriorBase]:
    return {(p.condition, p.complaint): p for p in kb.priors}


@lru_cache(maxsize=8)
def _modifier_index(kb: Knowledge) -> dict[str, tuple[PriorModifier, ...]]:
    out: dict[str, list[PriorModifier]] = {}
    for m in kb.prior_modifiers:
        out.setdefault(m.condition, []).append(m)
    return {k: tuple(v) for k, v in out.items()}


def _matches(m: PriorModifier, age: float, sex: str, setting: str) -> bool:
    if m.age_min is not None and age < m.age_min:
        return False
    if m.age_max is not None and age >= m.age_max:
        return False
    if m.sex is not None and sex != m.sex:
        return False
    return not (m.setting is not None and setting != m.setting)


def prior_for(kb: Knowledge, condition: str, complaint: str, age: float, sex: str, setting: str) -> Prior:
    index = _base_index(kb)
    base = index.get((condition, complaint)) or index.get((condition, "any"))
    if base is None:
        # validation guarantees a row for every complaint the condition explains; other complaints
        # fall back to the smallest base row for the condition.
        rows = [p for p in kb.priors if p.condition == condition]
        base = min(rows, key=lambda p: p.probability)
    mods = tuple(m for m in _modifier_index(kb).get(condition, ()) if _matches(m, age, sex, setting))
    lo = logit(base.probability) + sum(math.log(m.odds_ratio) for m in mods)
    return Prior(condition, expit(lo), base, mods)


@lru_cache(maxsize=4096)
def priors_for_patient(kb: Knowledge, complaint: str, age: float, sex: str, setting: str) -> dict[str, Prior]:
    """Every condition's prior for one patient header (cached: headers repeat across cases)."""
    return {c: prior_for(kb, c, complaint, age, sex, setting) for c in kb.conditions}
