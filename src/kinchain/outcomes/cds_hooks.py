"""Pure builders for a CDS Hooks (1.0/2.0) ``patient-view`` service; the web service mounts the routes.

- ``services()``: the discovery document for ``GET {base}/cds-services``;
- ``patient_view_cards(assessment)``: the ``{"cards": [...]}`` response for an assessment;
- ``patient_view_response(request)``: a whole hook call: reads kinchain-coded Observations and PROM
  QuestionnaireResponses from ``prefetch``, assesses, returns cards (an empty list when there is nothing
  useful to say: no kinchain findings, or nothing beyond a routine/self-care result when ``quiet``);
- ``parse_feedback(payload)``: checks a ``/feedback`` body (accepted / overridden + reason).

Cards: summary < 140 characters, indicator ``info | warning | critical`` (emergency -> critical,
urgent -> warning, else info), ``source.label`` naming kinchain and the knowledge-base version, Markdown
``detail`` with the differential and the citations, optional ``smart`` link to open the app.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kinchain.reasoning.types import Assessment

if TYPE_CHECKING:
    from kinchain.case import Case
    from kinchain.knowledge.loader import Knowledge
    from kinchain.outcomes.change import SeriesResult

SERVICE_ID = "kinchain-patient-view"
HOOK = "patient-view"
SUMMARY_MAX = 139  # the spec requires fewer than 140 characters
INDICATOR = {"emergency": "critical", "urgent": "warning", "routine": "info", "self_care": "info"}
FINDING_SYSTEM = "https://kinchain.org/fhir/CodeSystem/finding"
QUESTIONNAIRE_BASE = "https://kinchain.org/fhir/Questionnaire"
_NS = uuid.UUID("0e7c6a52-4f7e-5d0b-8b8c-6364732d686b")
MAX_CARDS = 4


def services() -> dict[str, Any]:
    """Discovery document (``GET /cds-services``)."""
    return {"services": [{
        "hook": HOOK,
        "id": SERVICE_ID,
        "title": "kinchain: where the lower-limb pain comes from",
        "description": ("Ranks the likely source of knee, hip, thigh or leg pain along the kinetic chain "
                        "(local, referred from hip or lumbar spine, chain or compensation), flags must-not-miss "
                        "conditions and reports PROM change, from findings recorded with kinchain codes."),
        "prefetch": {
            "patient": "Patient/{{context.patientId}}",
            "findings": f"Observation?patient={{{{context.patientId}}}}&code={FINDING_SYSTEM}|",
            "proms": "QuestionnaireResponse?patient={{context.patientId}}&status=completed",
        },
        "usageRequirements": "Findings must be Observations coded in " + FINDING_SYSTEM
                             + " (kinchain export fhir writes them).",
    }]}


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _source(assessment: Assessment, url: str | None, topic: str | None = None) -> dict[str, Any]:
    from kinchain import __version__

    src: dict[str, Any] = {"label": f"kinchain {__version__} (knowledge base {assessment.knowledge_version})"}
    if url:
        src["url"] = url
    if topic:
        src["topic"] = {"system": "https://kinchain.org/fhir/CodeSystem/card-topic", "code": topic,
                        "display": topic.replace("-", " ")}
    return src


def _uuid(assessment: Assessment, kind: str, key: str = "") -> str:
    probs = ",".join(f"{c.id}:{c.probability:.6f}" for c in assessment.conditions)
    return str(uuid.uuid5(_NS, f"{assessment.case_id}|{assessment.knowledge_version}|{probs}|{kind}|{key}"))


def _cite(ids: Iterable[str], kb: Knowledge | None) -> str:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return ""
    return "; ".join(kb.cite(ids)) if kb is not None else "; ".join(ids)


def _links(assessment: Assessment, app_url: str | None) -> list[dict[str, Any]]:
    if not app_url:
        return []
    link: dict[str, Any] = {"label": "Open the assessment in kinchain", "url": app_url, "type": "smart"}
    if assessment.case_id:
        link["appContext"] = assessment.case_id
    return [link]


def _detail(assessment: Assessment, kb: Knowledge | None) -> str:
    lines = ["**Pain source**", ""]
    for s in assessment.pain_source[:4]:
        lines.append(f"- {s.region.replace('_', ' ')} ({s.mechanism.replace('_', ' ')}): {s.probability:.0%}")
    lines += ["", "**Differential**", ""]
    for c in assessment.conditions[:5]:
        flag = " — must not miss" if c.must_not_miss else ""
        lines.append(f"- {c.name} ({c.icd10}): {c.probability:.0%}{flag}")
    if assessment.triage.reasons:
        lines += ["", f"**Triage: {assessment.triage.level.replace('_', ' ')}**", ""]
        for r in assessment.triage.reasons[:4]:
            cite = _cite(r.citation, kb)
            lines.append(f"- {r.text}" + (f" ({cite})" if cite else ""))
    if assessment.next_tests:
        lines += ["", "**Most informative next tests**", ""]
        lines += [f"- {t.question}" for t in assessment.next_tests[:3]]
    lines += ["", "_Decision support only; the clinician decides._"]
    return "\n".join(lines)


def patient_view_cards(assessment: Assessment, *, knowledge: Knowledge | None = None, app_url: str | None = None,
                       source_url: str | None = None, outcomes: Sequence[SeriesResult] = (),
                       quiet: bool = False) -> dict[str, Any]:
    """Cards for one assessment (and optional PROM series). ``quiet`` returns only cards that need
    attention (urgent/emergency triage, must-not-miss conditions, PROM worse beyond error)."""
    cards: list[dict[str, Any]] = []
    level = assessment.triage.level
    indicator = INDICATOR.get(level, "info")
    top = assessment.top_source
    lead = assessment.conditions[0] if assessment.conditions else None
    if not quiet or indicator != "info":
        head = {"emergency": "Emergency", "urgent": "Urgent"}.get(level)
        if head and assessment.triage.reasons:
            summary = f"{head}: {assessment.triage.reasons[0].text}"
        else:
            summary = (f"Likely {top.region.replace('_', ' ')} source ({top.mechanism.replace('_', ' ')}, "
                       f"{top.probability:.0%})" + (f"; leading: {lead.name} {lead.probability:.0%}" if lead else ""))
        card: dict[str, Any] = {
            "uuid": _uuid(assessment, "main"),
            "summary": _summary(summary),
            "indicator": indicator,
            "source": _source(assessment, source_url, "triage" if head else "pain-source"),
            "detail": _detail(assessment, knowledge),
        }
        links = _links(assessment, app_url)
        if links:
            card["links"] = links
        cards.append(card)
    for c in assessment.conditions:
        if not (c.must_not_miss and c.probability >= assessment.triage.threshold):
            continue
        if lead is not None and c.id == lead.id and indicator != "info" and cards:
            continue  # already the main card's subject
        cards.append({
            "uuid": _uuid(assessment, "must-not-miss", c.id),
            "summary": _summary(f"Rule out {c.name}: probability {c.probability:.0%} (threshold "
                                f"{assessment.triage.threshold:.0%})"),
            "indicator": "critical" if level == "emergency" else "warning",
            "source": _source(assessment, source_url, "must-not-miss"),
            "detail": (f"{c.name} ({c.icd10}) is a must-not-miss condition; its probability "
                       f"{c.probability:.1%} is above the {assessment.triage.threshold:.0%} threshold that "
                       "forces at least urgent care.\n\n_Decision support only; the clinician decides._"),
        })
    for s in outcomes:
        worse = [sid for sid, ch in s.verdicts.items() if ch.verdict == "worse"]
        if worse:
            ch0 = s.verdicts[worse[0]]
            cards.append({
                "uuid": _uuid(assessment, "prom", s.instrument),
                "summary": _summary(f"{s.instrument} worse beyond measurement error: {', '.join(worse)} "
                                    f"({ch0.baseline:g} -> {ch0.latest:g})"),
                "indicator": "warning",
                "source": _source(assessment, source_url, "outcomes"),
                "detail": "\n".join(f"- {sid}: {ch.reason}" for sid, ch in s.verdicts.items()),
            })
    return {"cards": cards[:MAX_CARDS]}


def _entries(prefetch_item: Any) -> list[Mapping[str, Any]]:
    if not isinstance(prefetch_item, Mapping):
        return []
    if prefetch_item.get("resourceType") == "Bundle":
        return [e["resource"] for e in prefetch_item.get("entry") or []
                if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)]
    return [prefetch_item] if "resourceType" in prefetch_item else []


def case_from_prefetch(prefetch: Mapping[str, Any]) -> tuple[Case, list[Any]] | None:
    """The case and PROM results in a hook's prefetch, or None when it holds no kinchain findings."""
    from kinchain.errors import CaseError
    from kinchain.report.fhir_import import import_bundle

    resources: list[Mapping[str, Any]] = []
    for item in (prefetch or {}).values():
        resources += _entries(item)
    if not any(r.get("resourceType") == "Observation" for r in resources):
        return None
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in resources]}
    try:
        imported = import_bundle(bundle, validate=False)
    except CaseError:
        return None
    return imported.case, imported.outcomes


def patient_view_response(request: Mapping[str, Any], *, assess: Callable[[Case], Assessment] | None = None,
                          knowledge: Knowledge | None = None, app_url: str | None = None,
                          quiet: bool = False) -> dict[str, Any]:
    """Answer a ``patient-view`` call from its prefetch. Unknown hook -> ValueError (HTTP 400)."""
    if request.get("hook") not in (HOOK, None):
        raise ValueError(f"this service handles '{HOOK}', not '{request.get('hook')}'")
    found = case_from_prefetch(request.get("prefetch") or {})
    if found is None:
        return {"cards": []}
    case, proms = found
    if assess is None:
        from kinchain import assess as _assess

        assess = _assess
    assessment = assess(case)
    series_list = []
    if proms:
        from kinchain.outcomes.change import series

        by_inst: dict[str, list[Any]] = {}
        for r in proms:
            by_inst.setdefault(r.instrument, []).append(r)
        series_list = [series(rs) for rs in by_inst.values() if len(rs) > 1]
    return patient_view_cards(assessment, knowledge=knowledge, app_url=app_url, outcomes=series_list, quiet=quiet)


def parse_feedback(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Validate a CDS Hooks feedback body; returns the feedback items (ValueError naming the problem)."""
    items = payload.get("feedback") if isinstance(payload, Mapping) else None
    if not isinstance(items, list) or not items:
        raise ValueError("feedback body needs a non-empty 'feedback' list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not item.get("card"):
            raise ValueError(f"feedback[{i}]: 'card' (the card uuid) is required")
        outcome = item.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise ValueError(f"feedback[{i}]: outcome must be 'accepted' or 'overridden', got {outcome!r}")
        if not item.get("outcomeTimestamp"):
            raise ValueError(f"feedback[{i}]: 'outcomeTimestamp' is required")
        out.append(dict(item))
    return out
