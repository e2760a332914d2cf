"""Shared runner for the published validation cases and the examples (used by tests and the CLI report)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from kinchain.case import Case, load_case
from kinchain.knowledge.schema import TRIAGE_ORDER
from kinchain.reasoning.engine import assess
from kinchain.reasoning.interview import replay

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
EXAMPLES = ROOT / "examples"


def load_dir(folder: Path) -> list[Case]:
    return [load_case(p) for p in sorted(folder.glob("*.yaml"))]


@dataclass
class Row:
    case: Case
    source: str
    mechanism: str
    triage: str
    condition_rank: int | None = None  # rank (0 = first) of the best-placed expected condition
    questions: int | None = None
    interview_source: str | None = None
    interview_triage: str | None = None

    @property
    def expected_source(self) -> str:
        return str((self.case.expected or {}).get("source"))

    @property
    def expected_triage(self) -> str:
        return str((self.case.expected or {}).get("triage"))

    @property
    def must_not_miss(self) -> bool:
        return TRIAGE_ORDER.get(self.expected_triage, 0) >= TRIAGE_ORDER["urgent"]

    @property
    def under_triaged(self) -> bool:
        return TRIAGE_ORDER[self.triage] < TRIAGE_ORDER.get(self.expected_triage, 0)


def run(cases: list[Case], kb, interview: bool = False) -> list[Row]:
    rows = []
    for c in cases:
        a = assess(c, kb)
        ranked = [x.id for x in a.conditions]
        expected = [e for e in (c.expected or {}).get("conditions") or [] if e in ranked]
        row = Row(c, a.pain_source[0].region, a.pain_source[0].mechanism, a.triage.level,
                  min(ranked.index(e) for e in expected) if expected else None)
        if interview:
            r = replay(c, kb, audience="clinician")
            row.questions = r.questions
            row.interview_source = r.assessment.pain_source[0].region
            row.interview_triage = r.assessment.triage.level
        rows.append(row)
    return rows


def split_heldout(rows: list[Row]) -> dict[str, list[Row]]:
    """Cases whose source carries a `heldout` label (YYYY-MM it was added) versus the rest."""
    out: dict[str, list[Row]] = {"seen": [], "heldout": []}
    for r in rows:
        out["heldout" if (r.case.source or {}).get("heldout") else "seen"].append(r)
    return out


def summary(rows: list[Row]) -> dict[str, float]:
    n = len(rows)
    mnm = [r for r in rows if r.must_not_miss]
    out = {
        "cases": n,
        "source_top1": sum(r.source == r.expected_source for r in rows) / n,
        "triage_agreement": sum(r.triage == r.expected_triage for r in rows) / n,
        "must_not_miss_cases": len(mnm),
        "must_not_miss_under_triage": sum(r.under_triaged for r in mnm),
        "under_triage_all": sum(r.under_triaged for r in rows),
    }
    ranks = [r.condition_rank for r in rows if r.condition_rank is not None]
    if ranks:  # the named diagnosis among the most probable conditions (reported, no target)
        out["condition_top1"] = sum(k == 0 for k in ranks) / len(ranks)
        out["condition_top3"] = sum(k < 3 for k in ranks) / len(ranks)
    qs = [r.questions for r in rows if r.questions is not None]
    if qs:
        out["interview_median_questions"] = statistics.median(qs)
        out["interview_source_top1"] = sum(r.interview_source == r.expected_source for r in rows) / n
    return out
