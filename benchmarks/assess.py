"""Benchmark of the reasoning engine (not a test).

Prints: single-assessment latency p50/p99 over the bundled example cases; time to score 1,000,000
synthetic cases in one vectorised batch; and the speed ratio against pgmpy's exact inference
(VariableElimination) on the same single-condition model and the same cases, measured in this run.

    python benchmarks/assess.py [--json] [--cases 1000000] [--pgmpy-cases 300] [--stages]

``--stages`` first prints where a full assessment spends its time (median per case, per stage),
including the cost of validating the typed result alone: the floor any pure-Python build of the
result pays.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from kinchain.case import load_case
from kinchain.knowledge import load_knowledge
from kinchain.reasoning.batch import BatchScorer
from kinchain.reasoning.compiled import compile_knowledge, implied_sn_fpr
from kinchain.reasoning.engine import assess
from kinchain.reasoning.priors import logit, prior_for

ROOT = Path(__file__).resolve().parents[1]


def single_latency(kb, repeats: int = 40, quick: bool = False) -> tuple[float, float]:
    """Latency of assess() per example case; quick = no explanation, no next tests."""
    cases = [load_case(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    opts = {"explain": False, "n_next": 0} if quick else {}
    for c in cases:  # warm caches
        assess(c, kb, **opts)
    times = []
    for _ in range(repeats):
        for c in cases:
            t0 = time.perf_counter_ns()
            assess(c, kb, **opts)
            times.append((time.perf_counter_ns() - t0) / 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def stage_times(kb, repeats: int = 20) -> dict[str, float]:
    """Median microseconds per example case for each stage of a full assessment."""
    from kinchain.case import validate_case
    from kinchain.reasoning import engine
    from kinchain.reasoning.posterior import update_conditions
    from kinchain.reasoning.rules import evaluate_all
    from kinchain.reasoning.types import Assessment

    cases = [load_case(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    found = [validate_case(c, kb) for c in cases]
    runs = [engine.Reasoning(kb, f) for f in found]
    dumped = [engine.build_assessment(r, None).model_dump() for r in runs]

    def pri(r):
        return engine._prior_maps(kb, r.complaint, float(r.findings["age_years"]), str(r.findings["sex"]),
                                  str(r.findings["setting"]))[1]

    stages = {
        "validate case": lambda i: validate_case(cases[i], kb),
        "rules": lambda i: evaluate_all(kb.rules, found[i]),
        "condition posteriors": lambda i: update_conditions(runs[i].comp, found[i], pri(runs[i]), runs[i].outcomes),
        "reasoning pass (rules, posteriors, source)": lambda i: engine.Reasoning(kb, found[i]),
        "result, quick (no explanation, no next tests)": lambda i: engine.build_assessment(runs[i], None, n_next=0,
                                                                                         explain=False),
        "source explanation (leave-one-out)": lambda i: engine._source_contributions(runs[i], ["hip", "knee"]),
        "next tests (information gain)": lambda i: runs[i].gains(limit=5),
        "typed result validation alone": lambda i: Assessment.model_validate(dumped[i]),
        "whole assess()": lambda i: assess(cases[i], kb),
    }
    out = {}
    for name, fn in stages.items():
        times = []
        for _ in range(repeats):
            for i in range(len(cases)):
                t0 = time.perf_counter_ns()
                fn(i)
                times.append((time.perf_counter_ns() - t0) / 1000)
        out[name] = statistics.median(times)
    return out


def batch_time(kb, n: int, rng: np.random.Generator) -> float:
    scorer = BatchScorer(kb, "knee")
    T = len(scorer.comp.tests)
    X = rng.choice(np.array([0, 1, -1], dtype=np.int8), size=(n, T), p=[0.9, 0.05, 0.05])
    ages = rng.integers(5, 90, size=n).astype(float)
    sexes = rng.integers(0, 2, size=n)  # codes into BatchScorer SEXES / SETTINGS, as a cohort would store them
    settings = rng.integers(0, 4, size=n)
    t0 = time.perf_counter()
    chunk = 250_000
    for s in range(0, n, chunk):
        pri = scorer.prior_logits(ages[s:s + chunk], sexes[s:s + chunk], settings[s:s + chunk])
        scorer.score(X[s:s + chunk], pri)
    return time.perf_counter() - t0


def pgmpy_ratio(kb, n: int, rng: np.random.Generator, condition: str = "hip_oa") -> tuple[float, float, float]:
    """Per-case time of pgmpy VariableElimination vs our batch on a single-condition model."""
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination

    try:
        from pgmpy.models import DiscreteBayesianNetwork as Network
    except ImportError:
        from pgmpy.models import BayesianNetwork as Network

    comp = compile_knowledge(kb)
    c = comp.cindex[condition]
    def two_sided(t: int) -> bool:  # a proper binary test: LR+ and LR- on opposite sides of 1
        p, n = np.exp(comp.log_pos[t, c]), np.exp(comp.log_neg[t, c])
        return bool((p > 1 > n) or (p < 1 < n))

    tests = [t for t in range(len(comp.tests)) if two_sided(t)][:12]
    prior = prior_for(kb, condition, "knee", 65, "female", "primary_care").probability
    model = Network([("D", f"t{t}") for t in tests])
    cpds = [TabularCPD("D", 2, [[1 - prior], [prior]])]
    for t in tests:
        sens, fpr = implied_sn_fpr(float(np.exp(comp.log_pos[t, c])), float(np.exp(comp.log_neg[t, c])))
        cpds.append(TabularCPD(f"t{t}", 2, [[1 - fpr, 1 - sens], [fpr, sens]], evidence=["D"], evidence_card=[2]))
    model.add_cpds(*cpds)
    infer = VariableElimination(model)
    X = rng.choice(np.array([1, -1], dtype=np.int8), size=(n, len(tests)))
    t0 = time.perf_counter()
    theirs = []
    for row in X:
        ev = {f"t{t}": int(v == 1) for t, v in zip(tests, row, strict=True)}
        theirs.append(float(infer.query(["D"], evidence=ev, show_progress=False).values[1]))
    t_pgmpy = (time.perf_counter() - t0) / n
    # ours: the same model (same tests, same prior) through the vectorised engine
    lp = comp.log_pos[tests, c]
    ln = comp.log_neg[tests, c]
    reps = max(1, 200_000 // n)
    t0 = time.perf_counter()
    for _ in range(reps):
        delta = (X == 1) @ lp + (X == -1) @ ln
        ours = 1 / (1 + np.exp(-(logit(prior) + delta)))
    t_ours = (time.perf_counter() - t0) / (n * reps)
    err = float(np.max(np.abs(np.array(theirs) - ours)))
    return t_pgmpy / t_ours, t_pgmpy * 1e6, err


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--pgmpy-cases", type=int, default=300)
    ap.add_argument("--stages", action="store_true", help="print the time per stage of a full assessment first")
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    kb = load_knowledge()
    if args.stages:
        for name, us in stage_times(kb).items():
            print(f"  stage {name:<48} {us:8.1f} us")
    p50, p99 = single_latency(kb)
    print(f"single assessment, full (explanation + next tests): p50 {p50:.0f} us, p99 {p99:.0f} us "
          "(target p50 <= 200 us)")
    q50, q99 = single_latency(kb, quick=True)
    print(f"single assessment, quick (probabilities, source, triage): p50 {q50:.0f} us, p99 {q99:.0f} us")
    b = batch_time(kb, args.cases, rng)
    print(f"batch: {args.cases:,} synthetic cases scored in {b:.2f} s (target <= 5 s for 1M)")
    ratio, pg_us, err = pgmpy_ratio(kb, args.pgmpy_cases, rng)
    print(f"pgmpy VariableElimination: {pg_us:.0f} us per case; ours is {ratio:,.0f}x faster "
          f"(max |difference| {err:.1e}; target >= 100x)")
    if args.json:
        print(json.dumps({"p50_us": round(p50, 1), "p99_us": round(p99, 1), "quick_p50_us": round(q50, 1),
                          "quick_p99_us": round(q99, 1), "batch_1m_s": round(b, 3),
                          "ratio_vs_pgmpy": round(ratio, 1)}))


if __name__ == "__main__":
    main()
