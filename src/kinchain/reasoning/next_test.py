"""Which unasked question or untested finding would settle the case fastest.

Score = expected reduction in entropy (bits) of the pain-source explanation, plus the expected
reduction in entropy of each must-not-miss condition (binary). Predictive probabilities come from the
sensitivity and false-positive rate implied by each LR pair; an explanation a test is not linked to
answers positive at the test's mean false-positive rate. Cluster shrinkage is ignored here (a small
optimism for repeated tests of one structure; the update itself does shrink).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from kinchain.reasoning.compiled import Compiled
from kinchain.reasoning.source import NONSPECIFIC, Explanation

_EPS = 1e-12


def _h(p: np.ndarray, axis: int = -1) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0)
    return -(p * np.log2(p)).sum(axis=axis)


def _hb(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


@lru_cache(maxsize=64)
def _base_rates(comp: Compiled) -> np.ndarray:
    with np.errstate(all="ignore"):
        base = np.nanmean(comp.fpr, axis=1)
    return np.where(np.isnan(base), 0.5, base)


def _p_pos(comp: Compiled, conds: tuple[str, ...]) -> np.ndarray:
    """(T, E) probability that each test is positive under each explanation."""
    base = _base_rates(comp)[:, None]
    cols = []
    for c in conds:
        if c == NONSPECIFIC:
            cols.append(np.broadcast_to(base, (len(comp.tests), 1)))
        else:
            s = comp.sens[:, comp.cindex[c]][:, None]
            cols.append(np.where(np.isnan(s), base, s))
    return np.hstack(cols)


def information_gain(
    comp: Compiled,
    exps: list[Explanation],
    probs: list[float],
    posteriors: np.ndarray,
    candidates: np.ndarray,
) -> np.ndarray:
    """Expected bits gained by each test (0 for tests not in ``candidates``, a (T,) bool mask)."""
    conds = tuple(e.condition for e in exps)
    pe = _p_pos_cached(comp, conds)
    pi = np.asarray(probs)
    joint_pos = pe * pi  # (T, E)
    p_pos = joint_pos.sum(axis=1)
    p_neg = 1.0 - p_pos
    with np.errstate(divide="ignore", invalid="ignore"):
        post_pos = joint_pos / p_pos[:, None]
        post_neg = (1 - pe) * pi / p_neg[:, None]
    gain = _h(pi[None, :]) - p_pos * _h(post_pos) - p_neg * _h(post_neg)
    # must-not-miss conditions, each a binary question of its own
    mnm = np.flatnonzero(comp.must_not_miss)
    if mnm.size:
        sens = comp.sens[:, mnm]
        fpr = comp.fpr[:, mnm]
        linked = ~np.isnan(sens)
        p = posteriors[mnm][None, :]
        s = np.where(linked, sens, 0.5)
        f = np.where(linked, fpr, 0.5)
        pp = p * s + (1 - p) * f
        with np.errstate(divide="ignore", invalid="ignore"):
            gp = _hb(p * s / pp)
            gn = _hb(p * (1 - s) / (1 - pp))
        ig = _hb(p) - pp * gp - (1 - pp) * gn
        gain = gain + np.where(linked, ig, 0.0).sum(axis=1)
    gain = np.nan_to_num(gain, nan=0.0)
    return np.where(candidates, np.maximum(gain, 0.0), 0.0)


@lru_cache(maxsize=256)
def _p_pos_cached(comp: Compiled, conds: tuple[str, ...]) -> np.ndarray:
    return _p_pos(comp, conds)


def best_by_finding(comp: Compiled, gain: np.ndarray) -> list[tuple[str, float]]:
    """Findings ranked by the best gain of any of their tests."""
    best: dict[str, float] = {}
    for t in np.flatnonzero(gain > 1e-9):
        f = comp.tests[int(t)].finding
        best[f] = max(best.get(f, 0.0), float(gain[t]))
    return sorted(best.items(), key=lambda kv: -kv[1])
