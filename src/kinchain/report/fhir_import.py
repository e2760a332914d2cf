"""Import a FHIR R4 Bundle back into a kinchain Case (+ PROM results).

Reads the Observations coded in the kinchain finding CodeSystem (header findings go back to the case
header: age, sex, complaint region and side, setting, onset, duration), the Encounter's case identifier,
the Patient's gender (when no ``sex`` Observation is present), and QuestionnaireResponses of the PROM
instruments (re-scored from their items). Exporting a case and importing the bundle gives a case with the
same observed findings, hence the same assessment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from kinchain.case import Case, case_from_mapping
from kinchain.errors import CaseError, OutcomeError
from kinchain.outcomes.scoring import PromResult
from kinchain.report.fhir import (
    CASE_ID_SYSTEM,
    FINDING_SYSTEM,
    FINDING_VALUE_SYSTEM,
    HEADER_FINDINGS,
    QUESTIONNAIRE_BASE,
    SIDE_SYSTEM,
    validate_bundle,
)


class ImportedBundle(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    case: Case
    outcomes: list[PromResult]


def _code(concept: Mapping[str, Any] | None, system: str) -> str | None:
    for c in (concept or {}).get("coding") or []:
        if c.get("system") == system and c.get("code") is not None:
            return str(c["code"])
    return None


def _obs_value(obs: Mapping[str, Any], fid: str) -> Any:
    if "valueBoolean" in obs:
        return bool(obs["valueBoolean"])
    if "valueQuantity" in obs:
        value = (obs["valueQuantity"] or {}).get("value")
        if value is None:
            raise CaseError(f"Observation {fid}: valueQuantity has no value", field=f"findings.{fid}")
        return float(value)
    if "valueInteger" in obs:
        return float(obs["valueInteger"])
    if "valueCodeableConcept" in obs:
        cc = obs["valueCodeableConcept"] or {}
        code = _code(cc, FINDING_VALUE_SYSTEM)
        if code is None:
            codings = cc.get("coding") or []
            code = codings[0].get("code") if codings else cc.get("text")
        return code
    if "valueString" in obs:
        return obs["valueString"]
    raise CaseError(f"Observation {fid}: no value (expected valueBoolean, valueQuantity or valueCodeableConcept)",
                    field=f"findings.{fid}")


def _resources(bundle: Mapping[str, Any], rtype: str) -> list[Mapping[str, Any]]:
    return [e["resource"] for e in bundle.get("entry") or []
            if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)
            and e["resource"].get("resourceType") == rtype]


def _outcomes(bundle: Mapping[str, Any]) -> list[PromResult]:
    from kinchain.outcomes.scoring import score

    out = []
    for qr in _resources(bundle, "QuestionnaireResponse"):
        canonical = str(qr.get("questionnaire") or "")
        if not canonical.startswith(QUESTIONNAIRE_BASE + "/"):
            continue  # not one of ours
        name = canonical.rsplit("/", 1)[-1].split("|")[0]
        responses: dict[str, int | None] = {}
        for item in qr.get("item") or []:
            answers = item.get("answer") or []
            value = answers[0].get("valueInteger") if answers else None
            responses[str(item.get("linkId"))] = value
        try:
            out.append(score(name, responses, date=qr.get("authored")))
        except OutcomeError as exc:
            raise CaseError(f"QuestionnaireResponse {qr.get('id')}: {exc}", field="bundle") from None
    return out


def import_bundle(bundle: Mapping[str, Any], *, validate: bool = True) -> ImportedBundle:
    """Case and PROM results from a kinchain (or compatible) FHIR bundle. Raises CaseError when the bundle
    is invalid or lacks what a case needs (age, sex, complaint region)."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise CaseError("expected a FHIR Bundle (resourceType 'Bundle')", field="bundle")
    if validate:
        problems = validate_bundle(bundle)
        if problems:
            raise CaseError("FHIR bundle is invalid: " + "; ".join(problems[:10]), field="bundle")
    header: dict[str, Any] = {}
    findings: dict[str, Any] = {}
    side: str | None = None
    for obs in _resources(bundle, "Observation"):
        fid = _code(obs.get("code"), FINDING_SYSTEM)
        if fid is None or obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        value = _obs_value(obs, fid)
        if fid in HEADER_FINDINGS:
            header[fid] = value
        else:
            findings[fid] = value
        if fid == "complaint_region":
            side = _code(obs.get("bodySite"), SIDE_SYSTEM) or side
    if "sex" not in header:
        for pat in _resources(bundle, "Patient"):
            if pat.get("gender") in ("female", "male"):
                header["sex"] = pat["gender"]
    case_id = None
    for enc in _resources(bundle, "Encounter"):
        for ident in enc.get("identifier") or []:
            if ident.get("system") == CASE_ID_SYSTEM:
                case_id = ident.get("value")
    missing = [k for k in ("age_years", "sex", "complaint_region") if k not in header]
    if missing:
        raise CaseError(f"bundle lacks the Observation(s) {', '.join(missing)} (kinchain finding codes) a case "
                        "needs", field="bundle")
    locations = [f[4:] for f, v in findings.items() if f.startswith("loc_") and v is True]  # order kept
    for loc in locations:
        del findings[f"loc_{loc}"]
    complaint: dict[str, Any] = {"region": header["complaint_region"], "location": locations}
    if side is not None:
        complaint["side"] = side
    if "onset" in header:
        complaint["onset"] = header["onset"]
    if "duration_weeks" in header:
        complaint["duration"] = header["duration_weeks"]
    data: dict[str, Any] = {"patient": {"age": header["age_years"], "sex": header["sex"]},
                            "complaint": complaint, "findings": findings}
    if case_id is not None:
        data["id"] = case_id
    if "setting" in header:
        data["setting"] = header["setting"]
    return ImportedBundle(case=case_from_mapping(data), outcomes=_outcomes(bundle))


def case_from_bundle(bundle: Mapping[str, Any], *, validate: bool = True) -> Case:
    return import_bundle(bundle, validate=validate).case
