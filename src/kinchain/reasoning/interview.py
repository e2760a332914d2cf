"""Adaptive interview: ask the next best question until the answer is clear.

Order and stop rule (see docs/method.md):

1. Safety screen, as two checklist questions: the warning signs of every emergency red-flag rule
   (kind ``flag``) that can still fire for this patient (age, complaint and earlier answers do not
   already exclude it), then those of the urgent ones. Each sign ticked is present, each left unticked
   absent; "don't know" leaves them all unknown. Every sign is a warning on its own, so a no to one
   sign never stands in for another. When a sign is present, the rest of its flag (examination signs,
   values, exclusions) is asked until the flag is settled. A rule that fires with 'emergency' ends the
   interview at once: the answer (go now) is clear.
2. Kinetic-chain screens (rules of kind ``screen``): when their context applies (e.g. knee pain at 50 or
   older, or at 9-16), ask their findings (e.g. does hip movement reproduce the knee pain) - the
   evidence table's advice to always examine the hip in such knee pain.
3. Then the question with the largest expected information gain on the pain source and the
   must-not-miss conditions (``next_test.py``), among the findings the audience can answer.
4. Stop when the answer is clear: after at least ``interview_min_questions`` information-gain
   questions, the leading source region has at least ``interview_stable_source``, no must-not-miss
   condition sits undecided (between a fifth of the urgent threshold and the threshold), and no answer
   to any of the ``interview_lookahead`` most informative remaining questions would change the source
   or the triage level (decision stability). Also stop when no question gains
   ``interview_min_gain_bits``, or after ``interview_max_questions``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kinchain.case import Case, FindingValue, validate_case
from kinchain.knowledge.loader import Knowledge, load_knowledge
from kinchain.knowledge.schema import TRIAGE_ORDER, Rule
from kinchain.reasoning.compiled import compile_knowledge
from kinchain.reasoning.engine import Reasoning, build_assessment
from kinchain.reasoning.expressions import evaluate, excluding_findings, positive_findings, referenced_findings
from kinchain.reasoning.rules import evaluate_rule, triage_floor
from kinchain.reasoning.triage import triage
from kinchain.reasoning.types import Assessment


@dataclass(frozen=True)
class Question:
    finding: str
    text: str
    type: str
    unit: str | None
    values: list[str] | None
    reason: str  # "safety screen" or "information gain"
    gain_bits: float | None = None
    items: tuple[str, ...] = ()  # a checklist: the question of each sign it lists (ids in ``values``)


@dataclass
class Progress:
    asked: list[str] = field(default_factory=list)
    answers: dict[str, FindingValue] = field(default_factory=dict)
    stop_reason: str | None = None


def _flag_rules(kb: Knowledge, levels: tuple[str, ...] = ("urgent", "emergency")) -> list[Rule]:
    rules = [r for r in kb.rules.values() if r.kind == "flag" and r.triage in levels]
    return sorted(rules, key=lambda r: -TRIAGE_ORDER[r.triage or "self_care"])


CHECKLIST = "signs:"  # id prefix of a checklist question: "signs:emergency" and "signs:urgent"
LEVELS = ("emergency", "urgent")


def _flag_expr(rule: Rule) -> Any:
    expr = rule.expr if rule.expr is not None else {"any": [i.expr for i in rule.items]}
    return expr if rule.applies_when is None else {"all": [rule.applies_when, expr]}


@lru_cache(maxsize=16)
def _flags(kb: Knowledge, level: str, patient: bool = True) -> tuple[tuple[Rule, Any, tuple[str, ...]], ...]:
    """The flags of one triage level, each with its expression and its warning signs: the boolean
    findings that count towards it when present (for a patient, those a patient can answer)."""
    out = []
    for rule in _flag_rules(kb, (level,)):
        expr = _flag_expr(rule)
        # where it hurts is asked with the complaint, not as a warning sign (it is still asked after a sign)
        signs = tuple(f for f in dict.fromkeys(positive_findings(expr))
                      if kb.findings[f].type == "boolean" and kb.findings[f].group != "location"
                      and (kb.findings[f].patient_askable or not patient))
        out.append((rule, expr, signs))
    return tuple(out)


def is_checklist(fid: str) -> bool:
    return fid.startswith(CHECKLIST)


def checklist_signs(kb: Knowledge, level: str, findings: Mapping[str, FindingValue], asked: set[str],
                    patient: bool = True) -> list[str]:
    """The unanswered signs of the flags of ``level`` still open, each able to help settle its flag."""
    out: dict[str, None] = {}
    for _, expr, signs in _flags(kb, level, patient):
        if evaluate(expr, findings) is not None:
            continue
        open_ = [s for s in signs if s not in findings and s not in asked]
        out.update((s, None) for s in open_ if _can_settle(kb, expr, findings, s, open_))
    return list(out)


def _screen(kb: Knowledge, findings: Mapping[str, FindingValue], asked: set[str],
            patient: bool) -> Iterator[tuple[str, list[str]]]:
    """One checklist of emergency signs (yielded with the signs it lists), then one of urgent signs; after
    a sign is ticked, the rest of its flag (exam findings, values, exclusions) until the flag is settled."""
    for level in LEVELS:
        group = CHECKLIST + level
        if group not in asked and (listed := checklist_signs(kb, level, findings, asked, patient)):
            yield group, listed
        for _, expr, signs in _flags(kb, level, patient):
            if not any(findings.get(s) is True for s in signs) or evaluate(expr, findings) is not None:
                continue
            open_ = [f for f in dict.fromkeys(referenced_findings(expr))
                     if f not in findings and f not in asked and (kb.findings[f].patient_askable or not patient)]
            for fid in open_:
                if _can_settle(kb, expr, findings, fid, open_):
                    yield fid, []
                    break


def _open_exclusions(kb: Knowledge, expr: Any, findings: Mapping[str, FindingValue], asked: set[str],
                     patient: bool) -> Iterator[str]:
    """Unasked findings under an ``unless`` of a flag that holds now, whose answer could still lift it."""
    for fid in dict.fromkeys(excluding_findings(expr)):
        if fid in findings or fid in asked or not (kb.findings[fid].patient_askable or not patient):
            continue
        if any(evaluate(expr, {**findings, fid: v}) is not True for v in _answers(kb, fid)):
            yield fid


def _can_settle(kb: Knowledge, expr: Any, findings: Mapping[str, FindingValue], fid: str,
                open_: list[str]) -> bool:
    """Whether an answer to ``fid``, alone or with one other open finding, would settle ``expr``."""
    for value in _answers(kb, fid):
        one = {**findings, fid: value}
        if evaluate(expr, one) is not None:
            return True
        for other in open_:
            if other != fid and any(evaluate(expr, {**one, other: v}) is not None for v in _answers(kb, other)):
                return True
    return False


def _chain_screen(kb: Knowledge, findings: Mapping[str, FindingValue], asked: set[str], patient: bool) -> Iterator[str]:
    """Screens (rules of kind 'screen') whose context applies: the evidence table's 'always examine the
    hip in knee pain when...' and 'spine items when...' advice, asked before information gain."""
    for rule in kb.rules.values():
        if rule.kind != "screen" or evaluate(rule.applies_when, findings) is not True:
            continue
        for item in rule.items:
            for fid in referenced_findings(item.expr):
                f = kb.findings[fid]
                if fid not in findings and fid not in asked and (f.patient_askable or not patient):
                    yield fid


def _screen_findings(kb: Knowledge) -> set[str]:
    return {f for level in LEVELS for _, expr, _ in _flags(kb, level) for f in referenced_findings(expr)}


def _chain_screen_findings(kb: Knowledge) -> set[str]:
    return {f for r in kb.rules.values() if r.kind == "screen" for i in r.items for f in referenced_findings(i.expr)}


def _question(kb: Knowledge, fid: str, reason: str, gain: float | None = None,
              signs: list[str] | None = None) -> Question:
    if is_checklist(fid):
        text = ("Do any of these apply to you now? Tick each one that does." if fid == CHECKLIST + "emergency"
                else "And do any of these? Tick each one that does.")
        return Question(fid, text, "checklist", None, signs, reason, items=tuple(kb.findings[s].question
                                                                                 for s in signs or []))
    f = kb.findings[fid]
    return Question(fid, f.question, f.type, f.unit, f.values, reason, gain)


def next_question(case: Case, progress: Progress, kb: Knowledge | None = None,
                  audience: str = "patient") -> Question | None:
    """The next question to ask, or None when the interview should stop (reason in progress.stop_reason)."""
    kb = kb or load_knowledge()
    patient = audience == "patient"
    merged = case.model_copy(update={"findings": {**case.findings, **progress.answers}})
    findings = validate_case(merged, kb)
    asked = set(progress.asked)
    if len(asked) >= kb.parameter("interview_max_questions"):
        progress.stop_reason = "question limit reached"
        return None
    for rule in _flag_rules(kb):
        out = evaluate_rule(rule, findings)
        if triage_floor(out) == "emergency":
            # a flag that fired only because its exclusion was not asked (unless: long-standing claudication
            # for bilateral leg pain) asks it first; one that fires whatever the answer ends the interview now
            for fid in _open_exclusions(kb, _flag_expr(rule), findings, asked, patient):
                return _question(kb, fid, "safety screen")
            progress.stop_reason = f"emergency red flag: {rule.name}"
            return None
    for fid, signs in _screen(kb, findings, asked, patient):
        return _question(kb, fid, "safety screen", signs=signs)
    for fid in _chain_screen(kb, findings, asked, patient):
        return _question(kb, fid, "kinetic-chain screen")
    screened = {f for f in asked if is_checklist(f) or f in _screen_findings(kb) or f in _chain_screen_findings(kb)}
    r = Reasoning(kb, findings)
    gains = [(f, g) for f, g in r.gains(patient_only=patient) if f not in asked]
    if not gains or gains[0][1] < kb.parameter("interview_min_gain_bits"):
        progress.stop_reason = "no remaining question is informative enough"
        return None
    informed = len(asked) - len(screened)
    if informed >= kb.parameter("interview_min_questions"):
        threshold = kb.parameter("must_not_miss_urgent_threshold")
        undecided = [c for c, p in r.posteriors.items()
                     if kb.conditions[c].must_not_miss and threshold / 5 <= p < threshold]
        top = max(sum(m.values()) for m in r.source_table().values())
        lookahead = int(kb.parameter("interview_lookahead"))
        if top >= kb.parameter("interview_stable_source") and not undecided and all(
                _stable(r, kb, f) for f, _ in gains[:lookahead]):
            progress.stop_reason = (f"source clear ({top:.0%}) and no answer to the best remaining questions "
                                    "would change it or the urgency")
            return None
    fid, g = gains[0]
    return _question(kb, fid, "information gain", g)


def _decision(r: Reasoning) -> tuple[str, str]:
    table = r.source_table()
    region = max(table, key=lambda k: sum(table[k].values()))
    level = triage(r.kb, r.outcomes, r.posteriors, r.leading).level
    return region, level


def _answers(kb: Knowledge, fid: str) -> list[FindingValue]:
    """Representative answers: yes/no, each category, or a value either side of each threshold."""
    f = kb.findings[fid]
    if f.type == "boolean":
        return [True, False]
    if f.type == "category":
        return list(f.values or [])
    comp = compile_knowledge(kb)
    assert f.min is not None and f.max is not None
    values: set[float] = set()
    for t in comp.tests_by_finding.get(fid, ()):
        when = comp.tests[t].when
        if when is not None and isinstance(when.value, int | float):
            v = float(when.value)
            values.update({max(f.min, v - 1.0), min(f.max, v + 1.0)})
    return sorted(values) or [f.min, f.max]


def _stable(r: Reasoning, kb: Knowledge, fid: str) -> bool:
    now = _decision(r)
    return all(_decision(Reasoning(kb, {**r.findings, fid: value})) == now for value in _answers(kb, fid))


def answer(progress: Progress, fid: str, value: FindingValue | None) -> None:
    """Record an answer (None = the patient does not know; the question still counts)."""
    progress.asked.append(fid)
    if value is not None:
        progress.answers[fid] = value


def answer_checklist(progress: Progress, question: Question, ticked: list[str] | None) -> None:
    """Record a checklist: each listed sign ticked is present, each left unticked absent (None = the
    patient does not know any of them)."""
    listed = question.values or []
    unknown = sorted(set(ticked or ()) - set(listed))
    if unknown:
        raise ValueError(f"ticked signs that the question does not list: {', '.join(unknown)}")
    progress.asked.append(question.finding)
    if ticked is not None:
        progress.answers.update({s: s in ticked for s in listed})


def current_assessment(case: Case, progress: Progress, kb: Knowledge | None = None) -> Assessment:
    kb = kb or load_knowledge()
    merged = case.model_copy(update={"findings": {**case.findings, **progress.answers}})
    return build_assessment(Reasoning(kb, validate_case(merged, kb)), case.id)


@dataclass(frozen=True)
class Replay:
    questions: int
    asked: list[str]
    stop_reason: str
    assessment: Assessment


def replay(case: Case, kb: Knowledge | None = None, audience: str = "clinician") -> Replay:
    """Run the interview on a recorded case, answering from its findings (unknown when not recorded)."""
    kb = kb or load_knowledge()
    header = case.model_copy(update={"findings": {}})
    progress = Progress()
    while (q := next_question(header, progress, kb, audience)) is not None:
        if q.type == "checklist":  # a recorded case answers only the signs it reports, present or absent
            progress.asked.append(q.finding)
            progress.answers.update({s: case.findings[s] for s in q.values or [] if s in case.findings})
        else:
            answer(progress, q.finding, case.findings.get(q.finding))
    return Replay(len(progress.asked), list(progress.asked), progress.stop_reason or "",
                  current_assessment(header, progress, kb))

