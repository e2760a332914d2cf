"""Which region drives the complaint, and through which mechanism.

The complaint gets one explanation: one of the conditions able to produce pain in the complaint
region (each declares ``explains``: complaint region -> source region + mechanism), or a
non-specific local cause. The explanations are mutually exclusive, so

    P(e | findings)  is proportional to  prior(e) * exp(sum of the log-LRs the findings gave e)

using the same (cluster-shrunk) likelihood ratios as the per-condition posteriors. The probability of
a source region is the sum over its explanations; its mechanism is the one carrying most of that sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kinchain.knowledge.loader import Knowledge
from kinchain.reasoning.posterior import ConditionUpdate
from kinchain.reasoning.priors import expit

NONSPECIFIC = "nonspecific"

# Where non-specific pain is attributed: the complaint region itself, read as a source region.
LOCAL_SOURCE = {
    "knee": "knee",
    "hip": "hip",
    "thigh": "hip",
    "lower_leg": "other",
    "foot_ankle": "foot_ankle",
    "back": "lumbar_spine",
}


@dataclass(frozen=True)
class Explanation:
    condition: str  # condition id or NONSPECIFIC
    source: str
    mechanism: str
    weight: float  # prior weight
    log_lr: float  # total log-LR from the findings


def explanations(kb: Knowledge, complaint: str, priors: dict[str, float],
                 updates: dict[str, ConditionUpdate]) -> list[Explanation]:
    out: list[Explanation] = []
    for cid, cond in kb.conditions.items():
        for ex in cond.explains:
            if ex.complaint == complaint:
                upd = updates[cid]
                out.append(Explanation(cid, ex.source, ex.mechanism, priors[cid], upd.logit - upd.prior_logit))
                break
    out.append(Explanation(NONSPECIFIC, LOCAL_SOURCE[complaint], "local",
                           kb.parameter("nonspecific_explanation_weight"), 0.0))
    return out


def normalise(exps: list[Explanation]) -> list[float]:
    logs = [math.log(e.weight) + e.log_lr for e in exps]
    top = max(logs)
    raw = [math.exp(v - top) for v in logs]
    total = sum(raw)
    return [r / total for r in raw]


def region_table(exps: list[Explanation], probs: list[float]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for e, p in zip(exps, probs, strict=True):
        row = table.setdefault(e.source, {})
        row[e.mechanism] = row.get(e.mechanism, 0.0) + p
    return table


def region_logit(exps: list[Explanation], probs: list[float], region: str) -> float:
    p = sum(pr for e, pr in zip(exps, probs, strict=True) if e.source == region)
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def posterior_probability(update: ConditionUpdate) -> float:
    return expit(update.logit)
