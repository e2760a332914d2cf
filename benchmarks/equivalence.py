"""Freeze the engine's JSON output and check a change leaves it byte-identical (a tool, not a test).

An optimisation of the reasoning pass must not change any answer. This writes one JSON line per case
for the bundled examples, the validation cases and seeded synthetic cases (random findings drawn
from the whole vocabulary, so paths the curated cases never take are covered too), or compares a
fresh run with such a file and prints the first differences.

    python benchmarks/equivalence.py freeze OUT.jsonl [--synthetic 400]
    python benchmarks/equivalence.py check OUT.jsonl

Freeze right before an optimisation and check right after it: a knowledge change alters every output's
``knowledge_version`` (and usually more), so it needs a new freeze.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kinchain.case import Case, load_case
from kinchain.knowledge import load_knowledge
from kinchain.knowledge.loader import Knowledge
from kinchain.reasoning.engine import assess

ROOT = Path(__file__).resolve().parents[1]
HEADER = {"age_years", "sex", "complaint_region", "setting", "onset", "duration_weeks"}
SETTINGS = ("primary_care", "physiotherapy", "sports_medicine", "emergency")


def synthetic_cases(kb: Knowledge, n: int, seed: int = 11) -> Iterator[Case]:
    """Random but valid cases: each observes 3 to 25 findings with values inside their declared type and range."""
    rng = np.random.default_rng(seed)
    vocab = [f for f in kb.findings.values() if f.id not in HEADER and not f.id.startswith("loc_")]
    for i in range(n):
        findings: dict[str, Any] = {}
        for j in rng.choice(len(vocab), size=int(rng.integers(3, 26)), replace=False).tolist():
            f = vocab[j]
            if f.type == "boolean":
                findings[f.id] = bool(rng.integers(0, 2))
            elif f.type == "category":
                findings[f.id] = str(rng.choice(f.values or []))
            else:
                lo, hi = float(f.min or 0.0), float(f.max or 1.0)
                findings[f.id] = round(float(rng.uniform(lo, hi)), 1)
        yield Case.model_validate({
            "id": f"synthetic-{i}",
            "patient": {"age": int(rng.integers(2, 95)), "sex": str(rng.choice(["female", "male"]))},
            "complaint": {"region": str(rng.choice(["knee", "hip"])),
                          "onset": str(rng.choice(["acute", "gradual"])), "duration": f"{int(rng.integers(1, 60))} weeks"},
            "setting": str(rng.choice(SETTINGS)),
            "findings": findings,
        })


def all_cases(kb: Knowledge, synthetic: int) -> Iterator[tuple[str, Case]]:
    for folder in ("examples", "tests/cases"):
        for p in sorted((ROOT / folder).glob("*.yaml")):
            yield f"{folder}/{p.name}", load_case(p)
    for c in synthetic_cases(kb, synthetic):
        yield str(c.id), c


def outputs(synthetic: int) -> Iterator[tuple[str, str]]:
    kb = load_knowledge()
    for name, case in all_cases(kb, synthetic):
        for label, opts in (("full", {}), ("quick", {"explain": False, "n_next": 0})):
            a = assess(case, kb, **opts)  # type: ignore[arg-type]
            yield f"{name}#{label}", json.dumps(a.to_json_dict(), sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["freeze", "check"])
    ap.add_argument("file", type=Path)
    ap.add_argument("--synthetic", type=int, default=400)
    args = ap.parse_args()
    if args.mode == "freeze":
        with args.file.open("w") as fh:
            n = 0
            for name, js in outputs(args.synthetic):
                fh.write(json.dumps({"case": name, "out": js}) + "\n")
                n += 1
        print(f"froze {n} outputs to {args.file}")
        return
    frozen = [json.loads(line) for line in args.file.open()]
    synthetic = sum(1 for r in frozen if r["case"].startswith("synthetic-")) // 2
    fresh = dict(outputs(synthetic))
    diffs = [r["case"] for r in frozen if fresh.get(r["case"]) != r["out"]]
    print(f"{len(frozen)} outputs compared, {len(diffs)} differ")
    for name in diffs[:10]:
        old, new = json.loads(next(r["out"] for r in frozen if r["case"] == name)), json.loads(fresh.get(name, "{}"))
        keys = [k for k in old if old.get(k) != new.get(k)]
        print(f"  {name}: keys {keys}")
        for k in keys[:2]:
            print(f"    old {json.dumps(old.get(k))[:300]}\n    new {json.dumps(new.get(k))[:300]}")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
