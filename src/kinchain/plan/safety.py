"""Patient-facing wording rules: a patient plan never suggests medicines, injections or surgery."""

from __future__ import annotations

import re
from collections.abc import Iterable

FORBIDDEN_PATIENT_TERMS: tuple[str, ...] = (
    r"medicines?", r"medications?", r"\bdrugs?\b", r"nsaids?", r"ibuprofen", r"naproxen", r"paracetamol",
    r"acetaminophen", r"painkillers?", r"pain ?relief (?:pills?|tablets?)", r"\bpills?\b", r"tablets?",
    r"injections?", r"\binject", r"steroids?", r"cortisone", r"corticosteroid", r"surgery", r"surgical",
    r"surgeon", r"\boperations?\b", r"\boperate", r"arthroscop", r"arthroplast", r"replacement", r"\breplaced\b",
    r"meniscectomy", r"reconstruction", r"anti-inflammator(?:y|ies) (?:drug|medicine|tablet|pill)s?",
    r"prescri", r"opioid", r"gabapentin", r"duloxetine", r"tramadol",
)
_PATTERN = re.compile("|".join(f"(?:{t})" for t in FORBIDDEN_PATIENT_TERMS), re.IGNORECASE)


def forbidden_terms(text: str) -> list[str]:
    """Every forbidden word found in ``text`` (empty list = safe for a patient)."""
    return sorted({m.group(0).lower() for m in _PATTERN.finditer(text)})


def first_forbidden(texts: Iterable[str]) -> str | None:
    for t in texts:
        found = forbidden_terms(t)
        if found:
            return f"{found[0]!r} in: {t[:80]}"
    return None


_NOT_SHOWN = {"case_id", "knowledge_version", "id", "pathway", "component", "illustration", "citation", "treats",
              "references", "category", "days", "condition", "level", "audience", "triage_level"}


def visible_strings(data: object) -> list[str]:
    """Every string a reader sees in a plan's JSON (ids, codes and citation keys left out)."""
    out: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k not in _NOT_SHOWN:
                out += visible_strings(v)
    elif isinstance(data, list | tuple):
        for v in data:
            out += visible_strings(v)
    elif isinstance(data, str):
        out.append(data)
    return out
