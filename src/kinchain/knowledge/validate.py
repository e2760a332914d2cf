"""Cross-reference checks for a loaded knowledge base. Returns every problem, never stops early."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from kinchain.knowledge.schema import COMPLAINT_REGIONS
from kinchain.reasoning import expressions

if TYPE_CHECKING:
    from kinchain.knowledge.loader import Knowledge

# Sections owned by other subpackages: "section": "module:function(kb) -> list[str]".
EXTRA_VALIDATORS: dict[str, str] = {
    "exercises": "kinchain.plan.library:validate_section",
    "pathways": "kinchain.plan.pathways:validate_section",
    "instruments": "kinchain.outcomes.instruments:validate_section",
}

# Findings every case derives from its header (patient, complaint, setting); see case.py.
CORE_FINDINGS = ("age_years", "sex", "complaint_region", "setting", "onset", "duration_weeks")


def _citations(owner: str, ids: Iterable[str], kb: Knowledge) -> list[str]:
    return [f"{owner}: citation '{c}' does not resolve to a reference" for c in ids if c not in kb.references]


def _expr(owner: str, expr: Any, kb: Knowledge) -> list[str]:
    if expr is None:
        return []
    problems = [f"{owner}: {p}" for p in expressions.check(expr)]
    if problems:
        return problems
    return [f"{owner}: expression names unknown finding '{f}'"
            for f in expressions.referenced_findings(expr) if f not in kb.findings]


def _evidence(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for ev in kb.evidence:
        owner = f"evidence {ev.finding}->{ev.condition}"
        problems += _citations(owner, ev.citation, kb)
        finding = kb.findings.get(ev.finding)
        if finding is None:
            problems.append(f"{owner}: unknown finding '{ev.finding}'")
        if ev.condition not in kb.conditions:
            problems.append(f"{owner}: unknown condition '{ev.condition}'")
        if finding is not None:
            if finding.type != "boolean" and ev.when is None:
                problems.append(f"{owner}: a {finding.type} finding needs 'when' to define a positive result")
            if finding.type == "boolean" and ev.when is not None:
                problems.append(f"{owner}: a boolean finding takes no 'when'")
            if finding.type == "category" and ev.when is not None:
                vals = ev.when.value if isinstance(ev.when.value, list) else [ev.when.value]
                bad = [v for v in vals if v not in (finding.values or [])]
                if bad or ev.when.op != "in":
                    problems.append(f"{owner}: category predicate must be 'in' over {finding.values}, got {bad}")
            if finding.type == "number" and ev.when is not None and isinstance(ev.when.value, list):
                problems.append(f"{owner}: a number predicate compares with one number")
        key = (ev.finding, ev.condition, repr(ev.when))
        if key in seen:
            problems.append(f"{owner}: duplicate link")
        seen.add(key)
        for lr in (ev.lr_pos, ev.lr_neg):
            if lr is not None and not (0.01 <= lr <= 100):
                problems.append(f"{owner}: likelihood ratio {lr} outside 0.01-100 (probably a typo)")
    return problems


def _groups(kb: Knowledge) -> list[str]:
    """A general pattern never talks a must-not-miss condition down (their links are written one by one)."""
    problems: list[str] = []
    ids = [g.id for g in kb.evidence_groups]
    problems += [f"evidence group '{i}': duplicate id" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for g in kb.evidence_groups:
        lowers = (g.lr_pos is not None and g.lr_pos < 1) or (g.lr_neg is not None and g.lr_neg < 1)
        for cid in g.conditions:
            cond = kb.conditions.get(cid)
            if cond is not None and cond.must_not_miss and lowers:
                problems.append(f"evidence group '{g.id}': lowers must-not-miss condition '{cid}'; "
                                "write that link on its own in evidence.yaml if it is really meant")
    return problems


def _rules(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    for rule in kb.rules.values():
        owner = f"rule {rule.id}"
        problems += _citations(owner, rule.citation, kb)
        if rule.condition is not None and rule.condition not in kb.conditions:
            problems.append(f"{owner}: unknown condition '{rule.condition}'")
        problems += _expr(owner + " applies_when", rule.applies_when, kb)
        problems += _expr(owner, rule.expr, kb)
        for item in rule.items:
            problems += _expr(f"{owner} item {item.id}", item.expr, kb)
        for f in rule.supersedes:
            if f not in kb.findings:
                problems.append(f"{owner}: supersedes unknown finding '{f}'")
        for rid in rule.replaces:
            other = kb.rules.get(rid)
            if other is None:
                problems.append(f"{owner}: replaces unknown rule '{rid}'")
            elif rid == rule.id or other.condition is None or other.condition != rule.condition:
                problems.append(f"{owner}: replaces '{rid}', which must be another rule for condition "
                                f"'{rule.condition}'")
            elif rule.id in other.replaces:
                problems.append(f"{owner}: '{rid}' and this rule replace each other; choose one direction")
        if rule.kind in ("count", "score") and not rule.levels:
            problems.append(f"{owner}: a {rule.kind} rule needs levels")
        if rule.kind == "screen" and (not rule.items or rule.applies_when is None):
            problems.append(f"{owner}: a screen needs applies_when and the items (findings) to ask")
        if rule.kind in ("any", "tree", "flag") and rule.expr is None and not rule.items:
            problems.append(f"{owner}: needs an expr or items")
        mins = [lv.min for lv in rule.levels]
        if mins != sorted(mins):
            problems.append(f"{owner}: levels must be in ascending order of min")
        if rule.kind == "flag" and rule.triage is None:
            problems.append(f"{owner}: a flag rule needs a triage level")
        if rule.published_source is not None and rule.published_source not in rule.citation:
            problems.append(f"{owner}: published_source '{rule.published_source}' is not one of its citations")
    return problems


def _priors(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    for p in kb.priors:
        owner = f"prior {p.condition}/{p.complaint}"
        problems += _citations(owner, p.citation, kb)
        if p.condition not in kb.conditions:
            problems.append(f"{owner}: unknown condition")
    for m in kb.prior_modifiers:
        owner = f"prior modifier {m.condition}"
        problems += _citations(owner, m.citation, kb)
        if m.condition not in kb.conditions:
            problems.append(f"{owner}: unknown condition")
        if m.age_min is not None and m.age_max is not None and m.age_min >= m.age_max:
            problems.append(f"{owner}: age_min must be below age_max")
    for cid, cond in kb.conditions.items():
        complaints = {e.complaint for e in cond.explains}
        have = {p.complaint for p in kb.priors if p.condition == cid}
        if not have:
            problems.append(f"condition {cid}: no prior probability")
        elif "any" not in have and not complaints <= have:
            problems.append(f"condition {cid}: no prior for complaint region(s) {sorted(complaints - have)}")
    return problems


def _drivers(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    for d in kb.drivers:
        owner = f"driver {d.driver}->{d.condition}"
        problems += _citations(owner, d.citation, kb)
        if d.condition not in kb.conditions:
            problems.append(f"{owner}: unknown condition '{d.condition}'")
        drv = kb.conditions.get(d.driver)
        if drv is None:
            problems.append(f"{owner}: unknown driver '{d.driver}'")
        elif not any(e.mechanism in ("kinetic_chain", "compensation") for e in drv.explains):
            problems.append(f"{owner}: a driver must explain pain through the kinetic chain or compensation")
    return problems


def _vocabulary(kb: Knowledge) -> list[str]:
    problems = [f"findings: core finding '{f}' is missing" for f in CORE_FINDINGS if f not in kb.findings]
    explained = {e.complaint for c in kb.conditions.values() for e in c.explains}
    problems += [f"conditions: no condition explains complaint region '{r}' (add it to a condition's explains, "
                 "e.g. the non-specific pain condition)" for r in COMPLAINT_REGIONS if r not in explained]
    for cid in kb.conditions:
        if not any(ev.condition == cid for ev in kb.evidence) and not any(
            r.condition == cid for r in kb.rules.values()
        ):
            problems.append(f"condition {cid}: no evidence link or rule points at it")
    for p in kb.parameters.values():
        problems += _citations(f"parameter {p.id}", p.citation, kb)
    return problems


def _extra(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    for section in kb.extra:
        target = EXTRA_VALIDATORS.get(section)
        if target is None:
            problems.append(f"unknown knowledge section '{section}' (known: core sections and "
                            f"{sorted(EXTRA_VALIDATORS)})")
            continue
        module, func = target.split(":")
        try:
            check: Callable[[Knowledge], list[str]] = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError) as exc:
            problems.append(f"section '{section}': validator {target} unavailable ({exc})")
            continue
        try:
            problems += check(kb)
        except Exception as exc:  # a broken validator must be reported, not crash the whole check
            problems.append(f"section '{section}': validator {target} failed: {exc!r}")
    return problems


def _references(kb: Knowledge) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for ref in kb.references.values():
        if not (ref.doi or ref.pmid or ref.url or ref.journal or ref.note):
            problems.append(f"reference {ref.id}: needs a journal, doi, pmid, url or note to be findable")
        for key in (f"pmid:{ref.pmid.strip()}" if ref.pmid else None,
                    f"doi:{ref.doi.split()[0].lower()}" if ref.doi else None):
            if key is None:
                continue
            if key in seen:
                problems.append(f"references {seen[key]} and {ref.id} are the same source ({key}): keep one id")
            seen[key] = ref.id
    return problems


def validate(kb: Knowledge) -> list[str]:
    """Every cross-reference problem in the knowledge base."""
    problems = _references(kb)
    problems += _evidence(kb)
    problems += _groups(kb)
    problems += _rules(kb)
    problems += _priors(kb)
    problems += _drivers(kb)
    problems += _vocabulary(kb)
    problems += _extra(kb)
    return problems


def citation_problems(owner: str, ids: Iterable[str], kb: Knowledge) -> list[str]:
    """For section validators of other subpackages."""
    return _citations(owner, ids, kb)
