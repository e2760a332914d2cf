"""The exercise library: typed access to ``kb.extra["exercises"]`` and its knowledge-base validator."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from kinchain.plan.models import Exercise
from kinchain.plan.treatments import TREATMENTS

if TYPE_CHECKING:
    from kinchain.knowledge.loader import Knowledge



def _errors(owner: str, exc: ValidationError) -> list[str]:
    return [f"{owner}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


def parse_exercises(raw: Iterable[Any]) -> tuple[dict[str, Exercise], list[str]]:
    """Typed exercises by id, plus every schema problem found (one bad entry does not hide the others)."""
    out: dict[str, Exercise] = {}
    problems: list[str] = []
    for entry in raw:
        ident = entry.get("id") if isinstance(entry, dict) else None
        try:
            ex = Exercise.model_validate(entry)
        except ValidationError as exc:
            problems += _errors(f"exercises.yaml: exercise '{ident}'", exc)
            continue
        if ex.id in out:
            problems.append(f"exercises.yaml: duplicate exercise id '{ex.id}'")
        out[ex.id] = ex
    return out, problems


def validate_section(kb: Knowledge) -> list[str]:
    """Knowledge-base validator for the ``exercises`` section (registered in knowledge/validate.py)."""
    from kinchain.knowledge.validate import citation_problems
    from kinchain.plan.illustrations import ILLUSTRATIONS

    exercises, problems = parse_exercises(kb.extra.get("exercises", ()))
    for ex in exercises.values():
        owner = f"exercise {ex.id}"
        problems += citation_problems(f"{owner} dosage", ex.dosage.citation, kb)
        if ex.illustration not in ILLUSTRATIONS:
            problems.append(f"{owner}: illustration '{ex.illustration}' is not drawn in plan/illustrations.py")
        for ref in (ex.progression_to, ex.regression_to):
            if ref is not None and ref not in exercises:
                problems.append(f"{owner}: progression/regression names unknown exercise '{ref}'")
        for tag in ex.treats:
            if tag not in TREATMENTS:
                problems.append(f"{owner}: unknown treatment tag '{tag}'")
    if exercises and len(exercises) < 30:
        problems.append(f"exercises: the library needs at least 30 exercises, has {len(exercises)}")
    return problems


@lru_cache(maxsize=8)
def exercise_library(kb: Knowledge) -> dict[str, Exercise]:
    """Every exercise in the knowledge base, by id (parsed once per loaded knowledge base)."""
    parsed, _ = parse_exercises(kb.extra.get("exercises", ()))
    return parsed
