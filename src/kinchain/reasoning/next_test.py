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

from kinchain.reasoning.compiled import Compiled
from kinchain.reasoning.source import Attribution, Drive, Explanation

_EPS = 1e-12
# Weight of the explanation (which condition) next to the source region (where from) in the score:
# the region is the question the product answers; the condition still decides triage and the plan.
EXPLANATION_WEIGHT = 0.25


def _h(p: np.ndarray) -> np.ndarray:
    """Entropy (bits) of each distribution along the last axis."""
    p = np.minimum(np.maximum(p, _EPS), 1.0)  # np.clip's values, without its Python wrapper
    # a product with ones sums many short rows several times faster than .sum(axis=-1)
    return -((p * np.log2(p)) @ np.ones(p.shape[-1]))


def _hb(p: np.ndarray) -> np.ndarray:
    p = np.minimum(np.maximum(p, _EPS), 1 - _EPS)
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


@dataclass(frozen=True)
class _Static:
    """Per (knowledge base, explanation list, drivers): everything information gain needs that does
    not depend on the findings. Arrays over "answers" stack both answers of the R relevant tests:
    rows [0, R) are "positive", rows [R, 2R) "negative"."""

    rows: np.ndarray  # (R,) tests linked to an explanation, a driver or a must-not-miss condition
    answer: np.ndarray  # (2R, E) P(answer | explanation)
    answer_log: np.ndarray  # (2R, E) answer * log2(answer), for the closed-form entropy
    min_answer: float
    didx: np.ndarray  # (D,) driver condition columns
    chain: np.ndarray  # (L,) positions in [0, R) of the tests linked to a driver
    chain_answers: np.ndarray  # (2L,) their positions in [0, 2R)
    chain_answer: np.ndarray  # (2L, E) answer[chain_answers]
    s_d: np.ndarray  # (2L, D) P(answer | driver present), 0.5 where unlinked
    f_d: np.ndarray  # (2L, D) P(answer | driver absent), 0.5 where unlinked
    mnm: np.ndarray  # (M,) must-not-miss condition columns
    pair_row: np.ndarray  # (K,) position in [0, R) of each linked (test, must-not-miss) pair
    pair_cond: np.ndarray  # (K,) its must-not-miss condition column
    s_m: np.ndarray  # (K,) sensitivity of the pair
    miss_m: np.ndarray  # (K,) 1 - sensitivity
    f_m: np.ndarray  # (K,) false-positive rate of the pair


def _both(x: np.ndarray) -> np.ndarray:
    """(R, n) P(positive | ...) -> (2R, n) P(answer | ...) for both answers."""
    return np.vstack([x, 1 - x])


@lru_cache(maxsize=256)
def _static(comp: Compiled, conds: tuple[str, ...], drivers: tuple[str, ...]) -> _Static:
    cidx = np.array([comp.cindex[c] for c in conds], dtype=np.int64)
    didx = np.array([comp.cindex[d] for d in drivers], dtype=np.int64)
    mnm = np.flatnonzero(comp.must_not_miss)
    linked_d = ~np.isnan(comp.sens[:, didx])
    linked_m = ~np.isnan(comp.sens[:, mnm])
    relevant = (~np.isnan(comp.sens[:, cidx])).any(axis=1) | linked_d.any(axis=1) | linked_m.any(axis=1)
    rows = np.flatnonzero(relevant)
    answer = _both(_p_pos(comp, conds)[rows])
    chain = np.flatnonzero(linked_d[rows].any(axis=1))
    s_d = np.where(linked_d, comp.sens[:, didx], 0.5)[rows][chain]
    f_d = np.where(linked_d, comp.fpr[:, didx], 0.5)[rows][chain]
    chain_answers = np.concatenate([chain, chain + len(rows)])
    pair_row, pair_m = np.nonzero(linked_m[rows])  # row-major: pairs of one test are adjacent
    sens_m, fpr_m = comp.sens[:, mnm][rows], comp.fpr[:, mnm][rows]
    return _Static(rows, answer, answer * np.log2(answer), float(answer.min()) if answer.size else 1.0,
                   didx, chain, chain_answers, answer[chain_answers], _both(s_d), _both(f_d),
                   mnm, pair_row, mnm[pair_m], sens_m[pair_row, pair_m], 1 - sens_m[pair_row, pair_m],
                   fpr_m[pair_row, pair_m])


def _explanation_term(st: _Static, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(2R,) probability of each answer, and that probability times the explanation entropy after it.

    Closed form: with joint = answer * pi, sum(joint * log2(joint / marg)) =
    answer_log @ pi + answer @ (pi * log2(pi)) - marg * log2(marg): two matrix-vector products
    instead of a logarithm per (answer, explanation). The entropy clips probabilities at _EPS; when
    a posterior could fall below that, take the direct route so the clip applies exactly as before.
    """
    marg = st.answer @ pi
    if pi.min() * st.min_answer >= _EPS:
        plogp = st.answer_log @ pi + st.answer @ (pi * np.log2(pi))
        return marg, marg * np.log2(marg) - plogp
    return marg, marg * _h(st.answer * pi / marg[:, None])


def _region_term(st: _Static, attr: Attribution, pi: np.ndarray, q: np.ndarray,
                 marg: np.ndarray, drive: Drive | None = None) -> tuple[float, np.ndarray]:
    """Entropy of the source region now, and (2R,) answer probability times the entropy after it.

    A test not linked to any driver leaves every q_d unchanged, so its post-answer region mass is
    linear in the explanation posterior: regions = (answer * pi) @ W / marg, with W (E, regions)
    fixed for this case. Only tests linked to a driver need the full attribution per answer.
    """
    # what each (explanation, driver) pair moves per unit of its explanation's probability: W is then
    # fixed for this case
    d = drive if drive is not None else attr.drive(q)
    per_unit = d.share[attr.pair_e] * d.qp
    W = (1 - d.p_any)[:, None] * attr.region_e + attr.pair_to_e.T @ (per_unit[:, None] * attr.region_d[attr.pair_d])
    now = float(_h(pi @ W))
    regions = (st.answer @ (pi[:, None] * W)) / marg[:, None]
    if st.chain.size:
        ca = st.chain_answers
        post = st.chain_answer * pi / marg[ca, None]
        num = st.s_d * q
        q_after = num / (num + st.f_d * (1 - q))  # > 0: s_d and f_d lie in [1e-4, 1 - 1e-4]
        regions[ca] = attr.region_mass(post, q_after)
    return now, marg * _h(regions)


def _must_not_miss_term(st: _Static, posteriors: np.ndarray) -> np.ndarray:
    """(R,) expected bits on each must-not-miss condition (a binary question each), summed per test.

    Computed over the linked (test, condition) pairs only: an unlinked pair gains nothing.
    """
    R = len(st.rows)
    if st.pair_row.size == 0:
        return np.zeros(R)
    p = posteriors[st.pair_cond]
    pos = p * st.s_m
    pp = pos + (1 - p) * st.f_m  # P(positive)
    pn = 1 - pp
    h = _hb(np.concatenate([p, pos / pp, p * st.miss_m / pn])).reshape(3, -1)
    ig = h[0] - pp * h[1] - pn * h[2]
    return np.bincount(st.pair_row, weights=ig, minlength=R)


def information_gain(
    comp: Compiled,
    exps: list[Explanation],
    probs: list[float],
    posteriors: np.ndarray,
    candidates: np.ndarray,
    attr: Attribution | None = None,
    drive: Drive | None = None,
) -> np.ndarray:
    """Expected bits gained by each test (0 for tests not in ``candidates``, a (T,) bool mask).

    With ``attr`` the score is the gain on the source *region* after kinetic-chain attribution (a test
    that reveals an upstream driver moves the region even when it leaves the syndrome unchanged) plus
    ``EXPLANATION_WEIGHT`` times the gain on the explanation itself; without it, the latter alone. Only tests linked to an
    explanation, a driver or a must-not-miss condition can gain anything, so only those are computed
    (all of them, whether asked or not: one pass over fixed arrays is cheaper than selecting rows).
    ``drive``: ``attr.drive`` of the drivers' posteriors, when the caller already has it.
    """
    st = _static(comp, tuple(e.condition for e in exps), attr.drivers if attr is not None else ())
    out = np.zeros(len(candidates))
    R = len(st.rows)
    if R == 0 or not candidates.any():
        return out
    pi = np.asarray(probs, dtype=np.float64)
    marg, weighted_h = _explanation_term(st, pi)
    gain = _h(pi) - (weighted_h[:R] + weighted_h[R:])  # which explanation
    if attr is not None and attr.drivers:
        now, weighted_region_h = _region_term(st, attr, pi, posteriors[st.didx], marg, drive)
        gain = EXPLANATION_WEIGHT * gain + now - (weighted_region_h[:R] + weighted_region_h[R:])
    if st.mnm.size:
        gain = gain + _must_not_miss_term(st, posteriors)
    out[st.rows] = np.fmax(gain, 0.0)  # fmax: a NaN gain (0 * log 0 corner) counts as 0
    out[~candidates] = 0.0
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
    values = best.tolist()  # plain floats: indexing numpy scalars one by one is slow
    return [(names[i], values[i]) for i in ranked.tolist() if values[i] > 1e-9]


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
