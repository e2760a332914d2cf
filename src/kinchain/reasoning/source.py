"""Which region drives the complaint, and through which mechanism.

The complaint gets one explanation: one of the conditions able to produce pain in the complaint
region (each declares ``explains``: complaint region -> source region + mechanism), including
``nonspecific_pain`` (no structural cause; objective abnormal signs argue against it). The
explanations are mutually exclusive, so

    P(e | findings)  is proportional to  prior(e) * exp(sum of the log-LRs the findings gave e)

using the same (cluster-shrunk) likelihood ratios as the per-condition posteriors.

Kinetic-chain attribution. A local syndrome is often itself driven from elsewhere in the chain
(weak hip abductors -> patellofemoral pain; knee injury -> overloaded gluteals). ``drivers.yaml``
lists, per syndrome, the upstream impairments that drive it. The share of the complaint explained by
syndrome e moves to its drivers with probability P(at least one driver present) = 1 - prod(1 - q_d),
split between drivers in proportion to q_d, where q_d is the driver's own posterior probability.
The probability of a source region is the sum of what lands there; its mechanism is the one
carrying most of that sum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import REGIONS
from kinchain.reasoning.posterior import ConditionUpdate


@dataclass(frozen=True)
class Explanation:
    condition: str
    source: str
    mechanism: str
    weight: float  # prior weight
    log_lr: float  # total log-LR from the findings


@lru_cache(maxsize=64)
def _explaining(kb: Knowledge, complaint: str) -> tuple[tuple[str, str, str], ...]:
    """(condition, source, mechanism) for every condition that can explain the complaint region."""
    out = []
    for cid, cond in kb.conditions.items():
        for ex in cond.explains:
            if ex.complaint == complaint:
                out.append((cid, ex.source, ex.mechanism))
                break
    return tuple(out)


def explanations(kb: Knowledge, complaint: str, priors: dict[str, float],
                 updates: dict[str, ConditionUpdate], logits: Mapping[str, float] | None = None) -> list[Explanation]:
    """``logits``: each update's ``logit`` when the caller has already computed them."""
    out: list[Explanation] = []
    for cid, source, mechanism in _explaining(kb, complaint):
        upd = updates[cid]
        lo = logits[cid] if logits is not None else upd.logit
        out.append(Explanation(cid, source, mechanism, priors[cid], lo - upd.prior_logit))
    return out


MECHANISMS = ("local", "referred", "kinetic_chain", "compensation")


class Drive(NamedTuple):
    """The drivers' side of the attribution for given driver probabilities (see ``Attribution.drive``)."""

    p_any: np.ndarray  # (..., E) probability that the explanation is driven at all
    share: np.ndarray  # (..., E) p_any / sum of its pairs' driver probabilities: the mass moved per unit
    qp: np.ndarray  # (..., P) driver probability of each (explanation, driver) pair


@dataclass(frozen=True)
class Attribution:
    """Matrices that turn explanation probabilities and driver probabilities into (region, mechanism) mass.

    Each (explanation, driver) link is one *pair*. A pair may carry an odds ratio: how much more likely
    the driver is in patients with that syndrome than in the complaint population its prior describes
    (weak hip abductors are commoner in patellofemoral pain than in knee pain at large). The pair's
    driver probability is then expit(logit(q_d) + log(odds ratio)); without one it is q_d itself.
    """

    drivers: tuple[str, ...]  # driver condition ids (D)
    onehot_e: np.ndarray  # (E, K) explanation -> (region, mechanism) cell
    onehot_d: np.ndarray  # (D, K) driver -> (region, mechanism) cell
    # Derived once per (knowledge base, complaint): float64 copies (no cast per call) and the
    # region-only one-hots (mechanisms summed) that the information gain works with.
    onehot_e64: np.ndarray  # (E, K)
    onehot_d64: np.ndarray  # (D, K)
    region_e: np.ndarray  # (E, R) explanation -> source region
    region_d: np.ndarray  # (D, R) driver -> source region
    no_drivers: np.ndarray  # (E,) 1.0 where the explanation has no driver, else 0.0
    no_drivers32: np.ndarray  # the same in float32
    pair_e: np.ndarray  # (P,) explanation of each pair
    pair_d: np.ndarray  # (P,) driver of each pair
    pair_log_or: np.ndarray | None  # (P,) log odds ratio of each pair; None when no pair has one
    pair_with_or: np.ndarray  # indices of the pairs whose log odds ratio is not 0
    pair_to_e: np.ndarray  # (P, E) one-hot pair -> explanation, float64
    pair_to_d: np.ndarray  # (P, D) one-hot pair -> driver, float64
    pair_to_e32: np.ndarray  # the same in float32 (the batch scorer)
    pair_to_d32: np.ndarray

    def pair_q(self, q: np.ndarray) -> np.ndarray:
        """(..., P) driver probability per pair from the drivers' own probabilities q (..., D), already clipped."""
        qp = q[..., self.pair_d]
        if self.pair_log_or is None:
            return qp
        # only the few pairs with an odds ratio are transformed (the batch scorer calls this on 32k rows)
        k = self.pair_with_or
        sub = qp[..., k]
        z = np.log(sub) - np.log1p(-sub) + self.pair_log_or[k].astype(q.dtype)
        qp[..., k] = 1 / (1 + np.exp(-z))
        return qp

    def drive(self, q: np.ndarray) -> Drive:
        """What the drivers' probabilities q (..., D) imply, independent of the explanation probabilities."""
        q = np.minimum(np.maximum(q, 1e-7), 1 - 1e-7)  # np.clip's values, without its Python wrapper
        qp = self.pair_q(q)
        f32 = q.dtype == np.float32
        to_e = self.pair_to_e32 if f32 else self.pair_to_e
        # an explanation without drivers has no pairs: its log_none is 0, so p_any = 0 and pi * p_any = 0
        # exactly; adding 1 to its qsum (0) avoids the division by zero
        p_any = 1 - np.exp(np.log1p(-qp) @ to_e)
        return Drive(p_any, p_any / (qp @ to_e + (self.no_drivers32 if f32 else self.no_drivers)), qp)

    def moved(self, pi: np.ndarray, q: np.ndarray | Drive) -> tuple[np.ndarray, np.ndarray]:
        """For explanation probabilities pi (..., E) and drivers q (..., D), or their ``drive``: the
        probability that each explanation is driven at all (..., E), and the mass each pair moves to its
        driver (..., P)."""
        d = q if isinstance(q, Drive) else self.drive(q)
        return d.p_any, (pi * d.share)[..., self.pair_e] * d.qp

    def mass(self, pi: np.ndarray, q: np.ndarray | Drive) -> np.ndarray:
        """(N, K) mass per (region, mechanism) cell for explanation probabilities pi (N, E), drivers q (N, D)
        (or their ``drive``).

        float32 input (the batch scorer) stays float32; anything else is computed in float64."""
        if pi.dtype == np.float32:
            q32 = q if isinstance(q, Drive) else q.astype(np.float32)
            return self._split(pi, q32, self.onehot_e, self.onehot_d)
        return self._split(pi, q, self.onehot_e64, self.onehot_d64)

    def region_mass(self, pi: np.ndarray, q: np.ndarray | Drive) -> np.ndarray:
        """(N, regions) mass per source region: ``mass`` with the mechanisms summed."""
        return self._split(pi, q, self.region_e, self.region_d)

    def _split(self, pi: np.ndarray, q: np.ndarray | Drive, to_e: np.ndarray, to_d: np.ndarray) -> np.ndarray:
        if not self.drivers:
            return pi @ to_e
        p_any, moved = self.moved(pi, q)
        pair_to_d = self.pair_to_d32 if pi.dtype == np.float32 else self.pair_to_d
        return (pi * (1 - p_any)) @ to_e + (moved @ pair_to_d) @ to_d


def cell(region: str, mechanism: str) -> int:
    return REGIONS.index(region) * len(MECHANISMS) + MECHANISMS.index(mechanism)


@lru_cache(maxsize=64)
def attribution(kb: Knowledge, complaint: str, conditions: tuple[str, ...]) -> Attribution:
    """The attribution matrices for one complaint region and its explanation list (conditions)."""
    by_condition: dict[str, list[tuple[str, float | None]]] = {}
    for d in kb.drivers:
        by_condition.setdefault(d.condition, []).append((d.driver, d.odds_ratio))
    driver_source: dict[str, tuple[str, str]] = {}
    for cid in {d.driver for d in kb.drivers}:
        for ex in kb.conditions[cid].explains:
            if ex.complaint == complaint:
                driver_source[cid] = (ex.source, ex.mechanism)
    drivers = tuple(sorted(driver_source))
    E, D, K = len(conditions), len(drivers), len(REGIONS) * len(MECHANISMS)
    onehot_e = np.zeros((E, K), dtype=np.float32)
    onehot_d = np.zeros((D, K), dtype=np.float32)
    pairs: list[tuple[int, int, float]] = []
    for j, (src_region, mech) in enumerate(driver_source[d] for d in drivers):
        onehot_d[j, cell(src_region, mech)] = 1.0
    for i, cid in enumerate(conditions):
        ex = next(x for x in kb.conditions[cid].explains if x.complaint == complaint)
        onehot_e[i, cell(ex.source, ex.mechanism)] = 1.0
        for drv, odds_ratio in by_condition.get(cid, []):
            if drv in driver_source and drv != cid:
                pairs.append((i, drivers.index(drv), math.log(odds_ratio) if odds_ratio else 0.0))
    n_reg, n_mech = len(REGIONS), len(MECHANISMS)
    region_e = onehot_e.astype(np.float64).reshape(E, n_reg, n_mech).sum(axis=2)
    region_d = onehot_d.astype(np.float64).reshape(D, n_reg, n_mech).sum(axis=2)
    pair_e = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_d = np.array([p[1] for p in pairs], dtype=np.int64)
    log_or = np.array([p[2] for p in pairs], dtype=np.float64)
    pair_to_e = np.zeros((len(pairs), E))
    pair_to_e[np.arange(len(pairs)), pair_e] = 1.0
    pair_to_d = np.zeros((len(pairs), D))
    pair_to_d[np.arange(len(pairs)), pair_d] = 1.0
    no_drivers = pair_to_e.sum(axis=0) == 0
    return Attribution(drivers, onehot_e, onehot_d,
                       onehot_e.astype(np.float64), onehot_d.astype(np.float64),
                       region_e, region_d, no_drivers.astype(np.float64), no_drivers.astype(np.float32),
                       pair_e, pair_d, log_or if log_or.any() else None, np.flatnonzero(log_or),
                       pair_to_e, pair_to_d, pair_to_e.astype(np.float32), pair_to_d.astype(np.float32))


def table_from_mass(mass: np.ndarray) -> dict[str, dict[str, float]]:
    """One row of (K,) mass -> {region: {mechanism: probability}} (cells with mass only)."""
    out: dict[str, dict[str, float]] = {}
    cells = mass.tolist()  # plain floats: indexing numpy scalars one by one is slow
    for r, region in enumerate(REGIONS):
        for m, mech in enumerate(MECHANISMS):
            v = cells[r * len(MECHANISMS) + m]
            if v > 0:
                out.setdefault(region, {})[mech] = v
    return out


def normalise(exps: list[Explanation]) -> list[float]:
    logs = [math.log(e.weight) + e.log_lr for e in exps]
    top = max(logs)
    raw = [math.exp(v - top) for v in logs]
    total = sum(raw)
    return [r / total for r in raw]
