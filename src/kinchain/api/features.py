"""The one place the service calls the rest of kinchain.

Each function imports its part of kinchain lazily; when a part is missing (not installed, or not built yet)
it raises :class:`FeatureUnavailable`, which the API turns into a 503 problem naming what is missing.
"""

from __future__ import annotations

import copy
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinchain.api.problems import FeatureUnavailable
from kinchain.case import Case
from kinchain.errors import KnowledgeError
from kinchain.knowledge.loader import Knowledge

_KB_LOCK = threading.Lock()


def knowledge() -> Knowledge:
    """The bundled knowledge base; built once per process (one thread builds, the others wait)."""
    from kinchain.knowledge.loader import load_knowledge

    try:
        with _KB_LOCK:
            return load_knowledge()
    except KnowledgeError as exc:
        raise FeatureUnavailable(f"a valid knowledge base ({len(exc.problems)} problem(s): "
                                 f"{exc.problems[0]})") from None


def software_version() -> str:
    import kinchain

    return str(getattr(kinchain, "__version__", "0"))


_CONTAINERS = (dict, list)


def references_for(data: dict[str, Any], kb: Knowledge) -> dict[str, str]:
    """The full reference for every citation anywhere in ``data`` (short 'Author Year' forms and reference
    ids alike), stored with it so an old result still names its sources after the knowledge base moves on."""
    ids: set[str] = set()
    stack: list[Any] = [data]
    pop, extend = stack.pop, stack.extend  # runs on every assessment: kept tight (half the time of a genexpr)
    while stack:
        node = pop()
        if isinstance(node, dict):
            cited = node.get("citation")
            if isinstance(cited, list):
                ids.update(map(str, cited))
            extend([v for v in node.values() if isinstance(v, _CONTAINERS)])
        else:
            extend([v for v in node if isinstance(v, _CONTAINERS)])
    return {key: kb.reference_text(key) for key in sorted(ids)}


@dataclass(frozen=True)
class AssessOutcome:
    assessment: Any  # kinchain.reasoning.types.Assessment
    result: dict[str, Any]  # what is stored: {"format", "assessment", "references"}
    knowledge_version: str
    triage_level: str


def assess(case: Case) -> AssessOutcome:
    try:
        from kinchain import assess as engine_assess
    except ImportError:
        raise FeatureUnavailable("kinchain.assess (the reasoning engine)") from None
    kb = knowledge()
    a = engine_assess(case, kb)
    data = a.to_json_dict()
    # the engine cites only in its explanation and triage reasons: walk those, not the whole result
    cited = {"explanation": data["explanation"], "triage": data["triage"]}
    result = {"format": 1, "assessment": data, "references": references_for(cited, kb)}
    return AssessOutcome(a, result, a.knowledge_version, a.triage.level)


# --- adaptive interview (patient self-check) ----------------------------------------------------------------

def interview() -> Any:
    try:
        from kinchain.reasoning import interview as mod
    except ImportError:
        raise FeatureUnavailable("kinchain.reasoning.interview (the adaptive interview)") from None
    return mod


def max_questions() -> int:
    try:
        return int(knowledge().parameter("interview_max_questions"))
    except KeyError:
        return 15


# --- care plan and handouts ---------------------------------------------------------------------------------

def _plan_module() -> Any:
    try:
        import kinchain.plan as mod
    except ImportError:
        raise FeatureUnavailable("kinchain.plan.build_plan (the care-plan builder)") from None
    if not hasattr(mod, "build_plan"):
        raise FeatureUnavailable("kinchain.plan.build_plan (the care-plan builder)")
    return mod


def build_plan(assessment: Any, case: Case, audience: str) -> dict[str, Any]:
    plan = _plan_module().build_plan(assessment, case, audience)
    out = plan.to_json_dict() if hasattr(plan, "to_json_dict") else plan.model_dump(mode="json")
    return dict(out)


def stored_assessment(result: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(assessment JSON, short citations) from a stored result.

    The service stores ``{"format": 1, "assessment": ..., "references": ...}``; other writers (``kinchain
    demo``) may store the bare assessment JSON, which is read as it is.
    """
    if "format" in result and "assessment" in result:
        return dict(result["assessment"]), dict(result.get("references") or {})
    return dict(result), {}


def rebuild_assessment(stored: dict[str, Any]) -> Any:
    """The typed Assessment from its stored JSON (as it was when made)."""
    from kinchain.reasoning.types import Assessment

    return Assessment.model_validate(stored_assessment(stored)[0])


def effective_plan(plan: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """The generated plan with the clinician's edits applied (removed exercises, doses, a note)."""
    out = copy.deepcopy(plan)
    removed = set(edits.get("removed_exercises") or [])
    overrides: dict[str, dict[str, Any]] = edits.get("exercise_overrides") or {}
    exercises = []
    for ex in out.get("exercises", []):
        if ex.get("id") in removed:
            continue
        ov = overrides.get(str(ex.get("id")), {})
        for key in ("sets", "reps", "hold_s", "days_per_week"):
            if ov.get(key) is not None:
                ex[key] = ov[key]
        if ov and (ex.get("reps") or ex.get("hold_s")):
            dose = (f"{ex['sets']} rounds of {ex['reps']}" if ex.get("reps")
                    else f"{ex['sets']} rounds, hold {ex['hold_s']} seconds each")
            days = ex.get("days_per_week")
            ex["dose"] = dose + (", every day" if days == 7 else f", {days} days a week" if days else "")
        exercises.append(ex)
    out["exercises"] = exercises
    note = (edits.get("note") or "").strip()
    if note:
        out["headline"] = f"{out.get('headline', '')}".strip()
        out.setdefault("progression_rules", [])
        out["progression_rules"] = [*out["progression_rules"], f"Note from your clinician: {note}"]
    return out


@dataclass(frozen=True)
class Handout:
    content: bytes
    media_type: str
    filename: str


def render_handout(plan: dict[str, Any], fmt: str) -> Handout:
    """Render a plan (edits already applied) as a handout: 'html' or 'pdf'."""
    try:
        from kinchain.report import handout
    except ImportError:
        raise FeatureUnavailable("kinchain.report.handout (the handout renderers)") from None
    from kinchain.plan.models import CarePlan

    typed = CarePlan.model_validate(plan)
    name = f"kinchain-{'handout' if typed.audience == 'patient' else 'summary'}"
    if fmt == "pdf":
        try:
            import weasyprint  # noqa: F401
        except ImportError:
            raise FeatureUnavailable("weasyprint (PDF output; install kinchain[report])") from None
        with tempfile.TemporaryDirectory() as tmp:
            path = handout.write_pdf(typed, Path(tmp) / "handout.pdf")
            return Handout(path.read_bytes(), "application/pdf", f"{name}.pdf")
    return Handout(handout.render_html(typed).encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")


# --- PROMs and CDS Hooks ------------------------------------------------------------------------------------

def score_prom(instrument: str, responses: dict[str, Any], date: str | None) -> dict[str, Any]:
    try:
        from kinchain.outcomes import score
    except ImportError:
        raise FeatureUnavailable("kinchain.outcomes.score (PROM scoring)") from None
    return dict(score(instrument, responses, date=date).to_json_dict())


def prom_instruments() -> list[str]:
    try:
        from kinchain.outcomes import load_instruments
    except ImportError:
        return []
    try:
        return sorted(load_instruments())
    except Exception:
        return []


def cds_module() -> Any:
    try:
        from kinchain.outcomes import cds_hooks
    except ImportError:
        raise FeatureUnavailable("kinchain.outcomes.cds_hooks (CDS Hooks card builders)") from None
    return cds_hooks
