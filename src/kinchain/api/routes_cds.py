"""CDS Hooks (https://cds-hooks.hl7.org): discovery at GET /cds-services, calls at POST /cds-services/{id}.

The card builders live in ``kinchain.outcomes.cds_hooks``; this module only exposes them over HTTP.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from kinchain.api import features
from kinchain.api.deps import ActorDep
from kinchain.api.problems import FeatureUnavailable, Problem

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])


@router.get("", responses={503: {"description": "CDS Hooks builders not available"}})
def discovery() -> dict[str, Any]:
    """The CDS Hooks discovery document."""
    mod = features.cds_module()
    found = mod.services()
    return found if isinstance(found, dict) and "services" in found else {"services": list(found)}


@router.post("/{service_id}", responses={404: {"description": "no such service"},
                                         503: {"description": "CDS Hooks builders not available"}})
def call_service(service_id: str, actor: ActorDep,
                 body: dict[str, Any] = Body(..., description="a CDS Hooks request")) -> dict[str, Any]:
    """Run one CDS service and return its cards."""
    mod = features.cds_module()
    handler = getattr(mod, "handle", None) or getattr(mod, "respond", None)
    if handler is None:
        raise FeatureUnavailable("kinchain.outcomes.cds_hooks.handle (the CDS Hooks request handler)")
    ids = {s.get("id") for s in discovery()["services"]}
    if service_id not in ids:
        raise Problem(404, "not-found", "Not found", f"no CDS service '{service_id}'; see GET /cds-services")
    out = handler(service_id, body)
    return out if isinstance(out, dict) else {"cards": list(out)}
