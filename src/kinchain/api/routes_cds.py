"""CDS Hooks (https://cds-hooks.hl7.org): discovery at GET /cds-services, calls at POST /cds-services/{id}.

The card builders live in ``kinchain.outcomes.cds_hooks``; this module only exposes them over HTTP. Calls
carry patient data (the prefetch), so they need a bearer token and are audited like any other read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from kinchain.api import features
from kinchain.api.deps import ActorDep, ServicesDep
from kinchain.api.problems import Problem
from kinchain.store import audit

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "CDS Hooks builders not available"}}


def _service_ids() -> set[str]:
    return {str(s.get("id")) for s in features.cds_module().services().get("services", [])}


@router.get("", responses=UNAVAILABLE)
def discovery() -> dict[str, Any]:
    """The CDS Hooks discovery document."""
    return dict(features.cds_module().services())


@router.post("/{service_id}", responses={400: {"description": "not a valid hook call"},
                                         404: {"description": "no such service"}, **UNAVAILABLE})
def call_service(service_id: str, actor: ActorDep, services: ServicesDep, request: Request,
                 body: dict[str, Any] = Body(..., description="a CDS Hooks request")) -> dict[str, Any]:
    """Run one CDS service on the request's prefetch and return its cards."""
    mod = features.cds_module()
    if service_id not in _service_ids():
        raise Problem(404, "not-found", "Not found", f"no CDS service '{service_id}'; see GET /cds-services")
    kb = features.knowledge()
    try:
        out = mod.patient_view_response(body, knowledge=kb, app_url=str(request.base_url).rstrip("/"))
    except ValueError as exc:
        raise Problem(400, "invalid-hook-call", "Invalid CDS Hooks call", str(exc)) from None
    with services.tx() as s:
        audit.append(s, actor, "read", "cds_call", detail={"service": service_id,
                                                           "hook_instance": str(body.get("hookInstance", ""))[:64],
                                                           "cards": len(out.get("cards", []))})
    return dict(out)


@router.post("/{service_id}/feedback", responses={400: {"description": "not a valid feedback body"},
                                                  404: {"description": "no such service"}, **UNAVAILABLE})
def feedback(service_id: str, actor: ActorDep, services: ServicesDep,
             body: dict[str, Any] = Body(..., description="CDS Hooks feedback")) -> dict[str, Any]:
    """Record whether the clinician accepted or overrode a card."""
    mod = features.cds_module()
    if service_id not in _service_ids():
        raise Problem(404, "not-found", "Not found", f"no CDS service '{service_id}'; see GET /cds-services")
    try:
        items = mod.parse_feedback(body)
    except ValueError as exc:
        raise Problem(400, "invalid-feedback", "Invalid CDS Hooks feedback", str(exc)) from None
    with services.tx() as s:
        for item in items:
            audit.append(s, actor, "feedback", "cds_card", detail={
                "service": service_id, "card": str(item.get("card"))[:64], "outcome": item.get("outcome"),
                "reason": str((item.get("overrideReason") or {}).get("reason", {}).get("code", ""))[:64]})
    return {"recorded": len(items)}
