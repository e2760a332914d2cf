"""Vectorised scoring of many cases at once (research cohorts, simulation, benchmarks).

Cases are encoded as an int8 matrix over the compiled tests: +1 positive, -1 negative, 0 not observed.
The batch applies exactly the same priors, likelihood ratios and cluster shrinkage as ``assess``;
decision rules and red-flag triage are not applied here (use ``assess`` per case for those).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kinchain.knowledge.loader import Knowledge
from kinchain.knowledge.schema import REGIONS, SETTINGS
from kinchain.reasoning import source as src
from kinchain.reasoning.compiled import compile_knowledge
from kinchain.reasoning.expressions import Value
from kinchain.reasoning.posterior import CLUSTER_DECAY, combine_cluster
from kinchain.reasoning.priors import logit, prior_for

SEXES = ("female", "male")
TABLE_MAX = 7  # clusters up to this size are scored from a 3**k lookup table; larger ones by sorting


class BatchScorer:
    def __init__(self, kb: Knowledge, complaint: str) -> None:
        self.kb = kb
        self.comp = comp = compile_knowledge(kb)
        self.complaint = complaint
        T, C = comp.log_pos.shape
        lp = np.zeros((T, C), dtype=np.float32)
        ln = np.zeros((T, C), dtype=np.float32)
        groups: dict[tuple[str, int], list[int]] = {}
        for t, links in comp.links_by_test.items():
            for link in links:
                if link.cluster is None:
                    lp[t, link.condition] = link.log_pos
                    ln[t, link.condition] = link.log_neg
                else:
                    groups.setdefault((link.cluster, link.condition), []).append(t)
        tabled: list[tuple[int, list[int], np.ndarray]] = []  # (condition, member tests, shrunk sums)
        uniform: list[tuple[int, list[int], float, float]] = []  # large clusters whose members share one LR pair
        self.large: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []  # (condition, tests, log LR+, log LR-)
        for (_, c), ts in groups.items():
            if len(ts) == 1:  # a cluster of one is an ordinary independent link
                lp[ts[0], c] += comp.log_pos[ts[0], c]
                ln[ts[0], c] += comp.log_neg[ts[0], c]
            elif len(ts) <= TABLE_MAX:
                tabled.append((c, ts, _cluster_table(comp.log_pos[ts, c], comp.log_neg[ts, c])))
            elif len(set(comp.log_pos[ts, c].tolist())) == 1 and len(set(comp.log_neg[ts, c].tolist())) == 1:
                uniform.append((c, ts, float(comp.log_pos[ts[0], c]), float(comp.log_neg[ts[0], c])))
            else:
                self.large.append((c, np.array(ts), comp.log_pos[ts, c].astype(np.float32),
                                    comp.log_neg[ts, c].astype(np.float32)))
        self._uniform_clusters(uniform, T, C)
        # all tabled clusters at once: codes = x @ digits + offsets (exact in float32: 3**7 < 2**24) index
        # one flat table, and a 0/1 matrix adds each cluster's value to its condition
        G = len(tabled)
        self.digits = np.zeros((T, G), dtype=np.float32)
        self.to_condition = np.zeros((G, C), dtype=np.float32)
        starts = np.cumsum([0, *[len(table) for _, _, table in tabled[:-1]]])
        for g, (c, members, _) in enumerate(tabled):
            self.digits[members, g] = 3.0 ** np.arange(len(members))
            self.to_condition[g, c] = 1.0
        # code = sum_j (x_j + 1) 3**j = x @ digits + sum of digits; plus where the cluster's table starts
        self.code_offset = (starts + self.digits.sum(axis=0)).astype(np.float32)
        self.flat_table = np.concatenate([table for _, _, table in tabled]) if G else np.zeros(0, np.float32)
        self._prior_rows: dict[int, np.ndarray] = {}  # prior log-odds row per (age, sex, setting) key
        self.lp, self.ln = lp, ln
        self.half_sum = (lp + ln) / 2
        self.half_diff = (lp - ln) / 2
        self.exps = self._explanations()
        names = tuple(comp.conditions[e.condition] for e in self.exps)
        self.attr = src.attribution(kb, complaint, names)
        self.driver_idx = np.array([comp.cindex[d] for d in self.attr.drivers], dtype=np.int64)

    def _uniform_clusters(self, uniform: list[tuple[int, list[int], float, float]], T: int, C: int) -> None:
        """A large cluster whose members all carry the same LR pair (an evidence group) needs no sort: its
        shrunk sum depends only on how many members were positive and how many negative, so it is looked up
        in a (k+1) x (k+1) table built with ``combine_cluster`` itself."""
        U = len(uniform)
        self.u_pos = np.zeros((T, U), dtype=np.float32)  # member tests of each cluster
        self.u_to_condition = np.zeros((U, C), dtype=np.float32)
        self.u_width = np.zeros(U, dtype=np.float32)  # k + 1: the table row length (counts 0..k)
        self.u_offset = np.zeros(U, dtype=np.float32)  # where the cluster's table starts in u_table
        tables: list[np.ndarray] = []
        for u, (c, ts, lp, ln) in enumerate(uniform):
            k = len(ts)
            self.u_pos[ts, u] = 1.0
            self.u_to_condition[u, c] = 1.0
            self.u_width[u] = k + 1
            self.u_offset[u] = sum(map(len, tables))
            tables.append(np.array([sum(combine_cluster([lp] * i + [ln] * j)) for i in range(k + 1)
                                    for j in range(k + 1)], dtype=np.float32))
        self.u_table = np.concatenate(tables) if tables else np.zeros(0, np.float32)

    def _uniform_delta(self, xf: np.ndarray, ax: np.ndarray) -> np.ndarray:
        """(N, C) shrunk log-LR sums of the uniform clusters for answers xf in {-1, 0, 1} (ax = |xf|)."""
        answered, balance = ax @ self.u_pos, xf @ self.u_pos  # (N, U): products of the small matrices only
        n_pos = (answered + balance) * 0.5
        n_neg = (answered - balance) * 0.5
        codes = (n_pos * self.u_width + n_neg + self.u_offset).astype(np.int64)  # small integers: exact in float32
        return self.u_table[codes] @ self.u_to_condition

    def _explanations(self) -> list[_Exp]:
        out: list[_Exp] = []
        for cid, cond in self.kb.conditions.items():
            for ex in cond.explains:
                if ex.complaint == self.complaint:
                    out.append(_Exp(self.comp.cindex[cid], ex.source))
                    break
        return out

    def encode(self, cases: Sequence[Mapping[str, Value]]) -> np.ndarray:
        """Finding dicts -> the int8 test matrix."""
        X = np.zeros((len(cases), len(self.comp.tests)), dtype=np.int8)
        for i, findings in enumerate(cases):
            for fid, v in findings.items():
                for t in self.comp.tests_by_finding.get(fid, ()):
                    X[i, t] = 1 if self.comp.tests[t].result(v) else -1
        return X

    def prior_logits(self, ages: np.ndarray, sexes: np.ndarray, settings: np.ndarray) -> np.ndarray:
        """(N, C) prior log-odds; computed once per distinct (whole-year age, sex, setting).

        ``sexes`` and ``settings`` are strings, or integer codes into SEXES and SETTINGS (faster for
        large cohorts: no string sorting)."""
        sex_idx = self._codes(sexes, SEXES, "sexes")
        set_idx = self._codes(settings, SETTINGS, "settings")
        key = np.floor(ages).astype(np.int64) * 16 + sex_idx * 4 + set_idx
        uniq, inverse = np.unique(key, return_inverse=True)
        rows = self._prior_rows  # kept across calls: a cohort scored in chunks repeats the same few hundred keys
        for k in uniq.tolist():
            if k not in rows:
                rows[k] = np.array([logit(prior_for(self.kb, c, self.complaint, float(k // 16), SEXES[(k % 16) // 4],
                                                    SETTINGS[k % 4]).probability) for c in self.comp.conditions],
                                   dtype=np.float32)
        table = np.array([rows[k] for k in uniq.tolist()], dtype=np.float32).reshape(len(uniq), -1)
        return table[inverse.ravel()]

    @staticmethod
    def _codes(values: np.ndarray, vocabulary: tuple[str, ...], name: str) -> np.ndarray:
        if values.dtype.kind in "iu":
            codes = values.astype(np.int64)
        else:
            labels, inverse = np.unique(values, return_inverse=True)
            unknown = [str(v) for v in labels if v not in vocabulary]
            if unknown:
                raise ValueError(f"{name}: unknown value(s) {unknown}; use one of {list(vocabulary)}")
            codes = np.array([vocabulary.index(str(v)) for v in labels])[inverse.ravel()]
        if codes.size and (codes.min() < 0 or codes.max() >= len(vocabulary)):
            raise ValueError(f"{name}: codes must be 0..{len(vocabulary) - 1} for {list(vocabulary)}")
        return codes

    CHUNK = 32768  # rows per block: keeps the working set in cache

    def score(self, X: np.ndarray, prior_logit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior probabilities (N, C) and source-region probabilities (N, len(REGIONS))."""
        parts = [self._score(X[i:i + self.CHUNK], prior_logit[i:i + self.CHUNK]) for i in range(0, len(X), self.CHUNK)]
        if not parts:
            return np.zeros((0, len(self.comp.conditions))), np.zeros((0, len(REGIONS)))
        return np.vstack([p for p, _ in parts]), np.vstack([r for _, r in parts])

    def _score(self, X: np.ndarray, prior_logit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # x in {-1, 0, 1}: positive = (x^2 + x)/2, negative = (x^2 - x)/2, so two products suffice
        xf = X.astype(np.float32)
        ax = np.abs(xf)
        delta = ax @ self.half_sum + xf @ self.half_diff
        if self.flat_table.size:  # each member is -1/0/+1, so a cluster's answers form a base-3 number into its table
            codes = (xf @ self.digits + self.code_offset).astype(np.int64)
            delta += self.flat_table[codes] @ self.to_condition
        if self.u_to_condition.size:
            delta += self._uniform_delta(xf, ax)
        for c, ts, lp, ln in self.large:  # other large clusters: sort each row, largest effect first
            x = X[:, ts]
            contrib = np.where(x == 1, lp, np.where(x == -1, ln, np.float32(0.0))).astype(np.float32)
            # largest magnitude first, the positive of an equal-magnitude pair first (as combine_cluster);
            # distinct log-LRs in the knowledge base differ by far more than the 1e-6 tie-break
            order = np.argsort(-(np.abs(contrib.astype(np.float64)) + 1e-6 * (contrib > 0)), axis=1, kind="stable")
            weights = (CLUSTER_DECAY ** np.arange(len(ts))).astype(np.float32)
            delta[:, c] += np.take_along_axis(contrib, order, axis=1) @ weights
        post_logit = prior_logit + delta
        posterior = 1.0 / (1.0 + np.exp(-post_logit))
        idx = np.array([e.condition for e in self.exps])
        logits = -np.log1p(np.exp(-prior_logit[:, idx])) + delta[:, idx]  # log prior probability + log LR
        logits -= logits.max(axis=1, keepdims=True)
        w = np.exp(logits)
        w /= w.sum(axis=1, keepdims=True)
        mass = self.attr.mass(w, posterior[:, self.driver_idx])
        return posterior, mass.reshape(len(X), len(REGIONS), len(src.MECHANISMS)).sum(axis=2)


def _cluster_table(log_pos: np.ndarray, log_neg: np.ndarray) -> np.ndarray:
    """Shrunk log-LR sum of one cluster for every combination of its members' answers (3**k entries).

    Entry sum_j (x_j + 1) * 3**j holds what ``combine_cluster`` gives for the answers x (-1 negative,
    0 not observed, +1 positive), so scoring a cohort is one lookup per row instead of a sort."""
    k = len(log_pos)
    answers = (np.arange(3**k)[:, None] // 3 ** np.arange(k) % 3 - 1).tolist()  # row = code, column j = member j
    return np.array([sum(combine_cluster([float(log_pos[j] if v == 1 else log_neg[j])
                                          for j, v in enumerate(x) if v != 0])) for x in answers], dtype=np.float32)


class _Exp:
    __slots__ = ("condition", "source")

    def __init__(self, condition: int, source: str) -> None:
        self.condition = condition
        self.source = source
