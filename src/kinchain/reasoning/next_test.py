"""Which unasked question or untested finding would settle the case fastest.

Score = expected reduction in entropy (bits) of the pain-source explanation, plus the expected
reduction in entropy of each must-not-miss condition (binary). Predictive probabilities come from the
sensitivity and false-positive rate implied by each LR pair; an explanation a test is not linked to
answers positive at the test's mean false-positive rate. Cluster shrinkage is ignored here (a small
optimism for repeated tests of one structure; the update itself does shrink).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kinchain.knowledge.schema import REGIONS
from kinchain.reasoning.compiled import Compiled
from kinchain.reasoning.source import MECHANISMS, Attribution, Explanation

_EPS = 1e-12
# Weight of the explanation (which condition) next to the source region (where from) in the score:
# the region is the question the product answers; the condition still decides triage and the plan.
EXPLANATION_WEIGHT = 0.25


def _h(p: np.ndarray, axis: int = -1) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0)
    return -(p * np.log2(p)).sum(axis=axis)


def _hb(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


@lru_cache(maxsize=64)
def _base_rates(comp: Compiled) -> np.ndarray:
    linked = ~np.isnan(comp.fpr)
    total = np.where(linked, comp.fpr, 0.0).sum(axis=1)
    n = linked.sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), 0.5)


def _p_pos(comp: Compiled, conds: tuple[str, ...]) -> np.ndarray:
    """(T, E) probability that each test is positive under each explanation."""
    base = _base_rates(comp)[:, None]
    cols = []
    for c in conds:
        s = comp.sens[:, comp.cindex[c]][:, None]
        cols.append(np.where(np.isnan(s), base, s))
    return np.hstack(cols)


def _region_entropy(attr: Attribution, pi: np.ndarray, q: np.ndarray) -> np.ndarray:
    mass = attr.mass(pi, q)
    regions = mass.reshape(len(mass), len(REGIONS), len(MECHANISMS)).sum(axis=2)
    return _h(regions)


@dataclass(frozen=True)
class _Static:
    """Per (knowledge base, explanation list, drivers): the slices information gain reuses."""

    relevant: np.ndarray  # (T,) tests linked to an explanation, a driver or a must-not-miss condition
    pe: np.ndarray  # (T, E) P(test positive | explanation)
    didx: np.ndarray
    s_d: np.ndarray  # (T, D) driver sensitivity (0.5 where unlinked)
    f_d: np.ndarray
    mnm: np.ndarray
    s_m: np.ndarray  # (T, M) must-not-miss sensitivity (0.5 where unlinked)
    f_m: np.ndarray
    linked_m: np.ndarray


@lru_cache(maxsize=256)
def _static(comp: Compiled, conds: tuple[str, ...], drivers: tuple[str, ...]) -> _Static:
    cidx = np.array([comp.cindex[c] for c in conds])
    didx = np.array([comp.cindex[d] for d in drivers], dtype=np.int64)
    mnm = np.flatnonzero(comp.must_not_miss)
    linked_d = ~np.isnan(comp.sens[:, didx])
    linked_m = ~np.isnan(comp.sens[:, mnm])
    relevant = (~np.isnan(comp.sens[:, cidx])).any(axis=1) | linked_d.any(axis=1) | linked_m.any(axis=1)
    return _Static(relevant, _p_pos(comp, conds), didx,
                   np.where(linked_d, comp.sens[:, didx], 0.5), np.where(linked_d, comp.fpr[:, didx], 0.5),
                   mnm, np.where(linked_m, comp.sens[:, mnm], 0.5), np.where(linked_m, comp.fpr[:, mnm], 0.5),
                   linked_m)


def information_gain(
    comp: Compiled,
    exps: list[Explanation],
    probs: list[float],
    posteriors: np.ndarray,
    candidates: np.ndarray,
    attr: Attribution | None = None,
) -> np.ndarray:
    """Expected bits gained by each test (0 for tests not in ``candidates``, a (T,) bool mask).

    With ``attr`` the score is the gain on the source *region* after kinetic-chain attribution (a test
    that reveals an upstream driver moves the region even when it leaves the syndrome unchanged) plus
    ``EXPLANATION_WEIGHT`` times the gain on the explanation itself; without it, the latter alone. Only tests linked to an
    explanation, a driver or a must-not-miss condition can gain anything, so only those are computed.
    """
    st = _static(comp, tuple(e.condition for e in exps), attr.drivers if attr is not None else ())
    rows = np.flatnonzero(candidates & st.relevant)
    out = np.zeros(len(candidates))
    if rows.size == 0:
        return out
    pe = st.pe[rows]
    pi = np.asarray(probs)
    # both answers at once: rows [0, R) are "positive", rows [R, 2R) "negative"
    joint = np.vstack([pe * pi, (1 - pe) * pi])  # (2R, E)
    marg = joint.sum(axis=1)
    post = np.divide(joint, marg[:, None], out=np.zeros_like(joint), where=marg[:, None] > 0)
    R = len(rows)
    p_pos, p_neg = marg[:R], marg[R:]

    def expected(h_after: np.ndarray) -> np.ndarray:
        return p_pos * h_after[:R] + p_neg * h_after[R:]

    gain = _h(pi[None, :])[0] - expected(_h(post))  # which explanation
    if attr is not None and attr.drivers:
        q = posteriors[st.didx]
        s_d, f_d = st.s_d[rows], st.f_d[rows]
        num = np.vstack([q * s_d, q * (1 - s_d)])
        den = num + np.vstack([(1 - q) * f_d, (1 - q) * (1 - f_d)])
        q_after = np.divide(num, den, out=np.broadcast_to(q, num.shape).copy(), where=den > 0)
        now = _region_entropy(attr, pi[None, :], q[None, :])[0]
        gain = EXPLANATION_WEIGHT * gain + now - expected(_region_entropy(attr, post, q_after))
    if st.mnm.size:  # must-not-miss conditions, each a binary question of its own
        p = posteriors[st.mnm][None, :]
        s_m, f_m = st.s_m[rows], st.f_m[rows]
        pp = p * s_m + (1 - p) * f_m
        after = np.vstack([p * s_m / pp, p * (1 - s_m) / (1 - pp)])
        ig = _hb(p) - pp * _hb(after[:R]) - (1 - pp) * _hb(after[R:])
        gain = gain + (ig * st.linked_m[rows]).sum(axis=1)
    out[rows] = np.maximum(np.nan_to_num(gain, nan=0.0), 0.0)
    return out


@lru_cache(maxsize=256)
def _p_pos_cached(comp: Compiled, conds: tuple[str, ...]) -> np.ndarray:
    return _p_pos(comp, conds)


@lru_cache(maxsize=8)
def _finding_groups(comp: Compiled) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = tuple(comp.tests_by_finding)
    order = np.concatenate([np.array(comp.tests_by_finding[f]) for f in names])
    starts = np.cumsum([0] + [len(comp.tests_by_finding[f]) for f in names[:-1]])
    return order, starts, names


def best_by_finding(comp: Compiled, gain: np.ndarray, limit: int | None = None) -> list[tuple[str, float]]:
    """Findings ranked by the best gain of any of their tests."""
    order, starts, names = _finding_groups(comp)
    best = np.maximum.reduceat(gain[order], starts)
    ranked = np.argsort(-best, kind="stable")
    if limit is not None:
        ranked = ranked[:limit]
    return [(names[i], float(best[i])) for i in ranked if best[i] > 1e-9]


@lru_cache(maxsize=8)
def _test_meta(comp: Compiled) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    index = {f: i for i, f in enumerate(comp.tests_by_finding)}
    finding_of_test = np.array([index[t.finding] for t in comp.tests], dtype=np.int64)
    askable = np.array([comp.kb.findings[t.finding].patient_askable for t in comp.tests])
    return index, finding_of_test, askable


def candidate_tests(comp: Compiled, observed: Iterable[str], patient_only: bool) -> np.ndarray:
    """(T,) mask of tests whose finding is not yet observed (and, for patients, can be asked of them)."""
    index, finding_of_test, askable = _test_meta(comp)
    seen = np.zeros(len(index), dtype=bool)
    for f in observed:
        i = index.get(f)
        if i is not None:
            seen[i] = True
    mask = ~seen[finding_of_test]
    return mask & askable if patient_only else mask
