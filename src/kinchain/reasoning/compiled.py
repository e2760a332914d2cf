"""The knowledge base compiled into arrays, built once per Knowledge and reused for every case.

A *test* is one way of reading a finding as positive or negative (a boolean finding, or a number or
category finding with a predicate). Each test has, per condition, the natural log of LR+ (when
positive) and LR- (when negative); 0 where no evidence links them. Links carry a dependence cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import Evidence, Predicate
from kinchain.reasoning.expressions import Value, compare


@dataclass(frozen=True)
class Test:
    index: int
    finding: str
    when: Predicate | None

    def result(self, value: Value) -> bool:
        if self.when is None:
            return bool(value)
        return compare(value, self.when.op, self.when.value)

    @property
    def label(self) -> str:
        if self.when is None:
            return self.finding
        return f"{self.finding} {self.when.op} {self.when.value}"


@dataclass(frozen=True)
class Link:
    test: int
    condition: int
    log_pos: float
    log_neg: float
    cluster: str | None
    evidence: Evidence


@dataclass(frozen=True, eq=False)
class Compiled:
    kb: Knowledge
    conditions: tuple[str, ...]
    cindex: dict[str, int]
    tests: tuple[Test, ...]
    tests_by_finding: dict[str, tuple[int, ...]]
    links_by_test: dict[int, tuple[Link, ...]]
    log_pos: np.ndarray  # (T, C)
    log_neg: np.ndarray  # (T, C)
    sens: np.ndarray  # (T, C) sensitivity implied by the LR pair, nan where unlinked
    fpr: np.ndarray  # (T, C) 1 - specificity implied by the LR pair, nan where unlinked
    must_not_miss: np.ndarray  # (C,) bool


ONE_SIDED_FPR = 0.2  # assumed false-positive rate when only one side of the LR pair is published


def implied_sn_fpr(lr_pos: float, lr_neg: float) -> tuple[float, float]:
    """Sensitivity and false-positive rate consistent with an LR pair (LR+ = Sn/FPR, LR- = (1-Sn)/(1-FPR)).

    Only a pair on opposite sides of 1 describes a binary test. A one-sided link (only LR+ or only LR-
    published, the other side neutral) is read, for predicting answers only, as a test with false-positive
    rate ``ONE_SIDED_FPR`` and the sensitivity that reproduces the published side.
    """
    if not ((lr_pos > 1 > lr_neg) or (lr_pos < 1 < lr_neg)):
        if lr_pos != 1.0:
            return min(max(lr_pos * ONE_SIDED_FPR, 1e-4), 1 - 1e-4), ONE_SIDED_FPR
        if lr_neg != 1.0:  # 1 - sens = lr_neg * (1 - fpr)
            return min(max(1 - lr_neg * (1 - ONE_SIDED_FPR), 1e-4), 1 - 1e-4), ONE_SIDED_FPR
        return 0.5, 0.5
    spec = (lr_pos - 1.0) / (lr_pos - lr_neg)
    sens = lr_pos * (1.0 - spec)
    return min(max(sens, 1e-4), 1 - 1e-4), min(max(1.0 - spec, 1e-4), 1 - 1e-4)


def _lr_pair(ev: Evidence) -> tuple[float, float]:
    """Fill a missing side of the LR pair as neutral (1.0): only what was published moves the odds."""
    return (ev.lr_pos if ev.lr_pos is not None else 1.0, ev.lr_neg if ev.lr_neg is not None else 1.0)


@lru_cache(maxsize=8)
def compile_knowledge(kb: Knowledge) -> Compiled:
    conditions = tuple(kb.conditions)
    cindex = {c: i for i, c in enumerate(conditions)}
    test_keys: dict[tuple[str, str], int] = {}
    tests: list[Test] = []
    links: dict[int, list[Link]] = {}
    for ev in kb.evidence:
        key = (ev.finding, repr(ev.when))
        if key not in test_keys:
            test_keys[key] = len(tests)
            tests.append(Test(len(tests), ev.finding, ev.when))
        t = test_keys[key]
        pos, neg = _lr_pair(ev)
        links.setdefault(t, []).append(
            Link(t, cindex[ev.condition], math.log(pos), math.log(neg), ev.cluster, ev)
        )
    T, C = len(tests), len(conditions)
    log_pos = np.zeros((T, C))
    log_neg = np.zeros((T, C))
    sens = np.full((T, C), np.nan)
    fpr = np.full((T, C), np.nan)
    for t, ls in links.items():
        for link in ls:
            log_pos[t, link.condition] = link.log_pos
            log_neg[t, link.condition] = link.log_neg
            if link.log_pos != 0.0 or link.log_neg != 0.0:
                sens[t, link.condition], fpr[t, link.condition] = implied_sn_fpr(
                    math.exp(link.log_pos), math.exp(link.log_neg)
                )
    by_finding: dict[str, list[int]] = {}
    for test in tests:
        by_finding.setdefault(test.finding, []).append(test.index)
    return Compiled(
        kb=kb,
        conditions=conditions,
        cindex=cindex,
        tests=tuple(tests),
        tests_by_finding={k: tuple(v) for k, v in by_finding.items()},
        links_by_test={k: tuple(v) for k, v in links.items()},
        log_pos=log_pos,
        log_neg=log_neg,
        sens=sens,
        fpr=fpr,
        must_not_miss=np.array([kb.conditions[c].must_not_miss for c in conditions]),
    )
