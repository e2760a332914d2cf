"""Export a case, its assessment, care plan and PROM results as a FHIR R4 Bundle (type ``collection``).

Resources: Patient, Encounter, Observation (every finding the assessment used, including ROM and
movement measures; PROM scores), QuestionnaireResponse (PROM items, by official item code), Condition
(ICD-10; SNOMED CT only where the knowledge base marks the code ``confirmed``), RiskAssessment (the
differential and the pain source with probabilities), ClinicalImpression, CarePlan with activities and
Provenance (engine and knowledge-base version).

The bundle is validated with the ``fhir.resources`` R4B models (R4-compatible for every resource used
here) and every ``urn:uuid:`` reference must resolve inside the bundle; otherwise ``ExportError`` is
raised and nothing is written. Ids are UUIDv5 derived from the case, so the same input gives the same
bundle (apart from ``now``).
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kinchain.case import Case, validate_case
from kinchain.errors import ExportError
from kinchain.knowledge.loader import Knowledge, load_knowledge
from kinchain.reasoning.types import Assessment

if TYPE_CHECKING:
    from kinchain.outcomes.scoring import PromResult
    from kinchain.plan.models import CarePlan as KinchainCarePlan

BASE = "https://kinchain.org/fhir"
FINDING_SYSTEM = f"{BASE}/CodeSystem/finding"
FINDING_VALUE_SYSTEM = f"{BASE}/CodeSystem/finding-value"
FINDING_GROUP_SYSTEM = f"{BASE}/CodeSystem/finding-group"
CONDITION_SYSTEM = f"{BASE}/CodeSystem/condition"
SOURCE_SYSTEM = f"{BASE}/CodeSystem/pain-source"
SIDE_SYSTEM = f"{BASE}/CodeSystem/side"
PROM_SYSTEM = f"{BASE}/CodeSystem/prom-score"
PLAN_SYSTEM = f"{BASE}/CodeSystem/plan-component"
EXERCISE_SYSTEM = f"{BASE}/CodeSystem/exercise"
TRIAGE_SYSTEM = f"{BASE}/CodeSystem/triage-level"
ASSESSMENT_SYSTEM = f"{BASE}/CodeSystem/assessment"
QUESTIONNAIRE_BASE = f"{BASE}/Questionnaire"
CASE_ID_SYSTEM = f"{BASE}/identifier/case"
KB_VERSION_SYSTEM = f"{BASE}/identifier/knowledge-version"

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
COND_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
COND_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PROV_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"

# Header findings that come from (and go back to) the case header rather than ``findings:``.
HEADER_FINDINGS = ("age_years", "sex", "complaint_region", "setting", "onset", "duration_weeks")
UCUM_UNITS = {"years": "a", "weeks": "wk", "deg": "deg", "mm": "mm", "m": "m", "minutes": "min",
              "degC": "Cel", "mg/L": "mg/L", "mm/h": "mm/h", "10^9/L": "10*9/L", "%": "%", "Nm/kg": "N.m/kg",
              "cm": "cm", "kg": "kg", "s": "s"}
GROUP_CATEGORY = {"exam": "exam", "measurement": "exam", "movement": "exam", "lab": "laboratory",
                  "demographics": "social-history"}
CONDITIONS_EXPORTED = 3  # the leading conditions exported as Condition resources (plus must-not-miss ones)
_NS = uuid.UUID("6b0d1f3e-7c0a-5b8e-9a55-6b696e636861")


class _Ids:
    """Deterministic urn:uuid ids, one per (kind, key) within one export."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    def __call__(self, kind: str, key: str = "") -> str:
        return str(uuid.uuid5(_NS, f"{self.seed}|{kind}|{key}"))


def _ref(rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}"}


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _quantity(value: float, unit: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit:
        q["unit"] = unit
        code = UCUM_UNITS.get(unit)
        if code is not None:
            q["system"] = UCUM
            q["code"] = code
    return q


def _finding_value(value: Any, unit: str | None) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int | float):
        return {"valueQuantity": _quantity(float(value), unit)}
    return {"valueCodeableConcept": {"coding": [_coding(FINDING_VALUE_SYSTEM, str(value))], "text": str(value)}}


class _Builder:
    def __init__(self, case: Case, assessment: Assessment, kb: Knowledge, now: datetime) -> None:
        self.case, self.a, self.kb = case, assessment, kb
        self.now = _iso(now)
        self.ids = _Ids(case.id or json.dumps(case.model_dump(mode="json"), sort_keys=True))
        self.entries: list[dict[str, Any]] = []
        self.patient = self.ids("Patient")
        self.encounter = self.ids("Encounter")
        self.finding_obs: dict[str, str] = {}
        self.conditions: dict[str, str] = {}

    def add(self, resource: dict[str, Any], rid: str) -> str:
        resource = {"resourceType": resource.pop("resourceType"), "id": rid, **resource}
        self.entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": resource})
        return rid

    # -- who and when -----------------------------------------------------------------------------
    def patient_and_encounter(self) -> None:
        self.add({"resourceType": "Patient", "gender": self.case.patient.sex}, self.patient)
        setting = self.case.setting
        enc: dict[str, Any] = {
            "resourceType": "Encounter",
            "status": "finished",
            "class": _coding(ACT_CODE, "EMER" if setting == "emergency" else "AMB",
                             "emergency" if setting == "emergency" else "ambulatory"),
            "serviceType": {"coding": [_coding(f"{BASE}/CodeSystem/setting", setting)], "text": setting},
            "subject": _ref(self.patient),
            "period": {"start": self.now},
            "reasonCode": [{"coding": [_coding(f"{BASE}/CodeSystem/complaint-region", self.case.complaint.region)],
                            "text": f"{self.case.complaint.region} pain"}],
        }
        if self.case.id:
            enc["identifier"] = [{"system": CASE_ID_SYSTEM, "value": self.case.id}]
        self.add(enc, self.encounter)

    # -- findings ---------------------------------------------------------------------------------
    def findings(self) -> None:
        observed = dict(validate_case(self.case, self.kb))
        for fid, value in self.a.findings.items():
            observed.setdefault(fid, value)
        for fid, value in observed.items():
            f = self.kb.findings.get(fid)
            if f is None:
                raise ExportError(f"finding '{fid}' is not in knowledge base {self.kb.version}; export with the "
                                  "knowledge base the assessment was made with")
            category = GROUP_CATEGORY.get(f.group, "survey")
            obs: dict[str, Any] = {
                "resourceType": "Observation",
                "status": "final",
                "category": [
                    {"coding": [_coding(OBS_CATEGORY, category)]},
                    {"coding": [_coding(FINDING_GROUP_SYSTEM, f.group)]},
                ],
                "code": {"coding": [_coding(FINDING_SYSTEM, fid)], "text": f.description},
                "subject": _ref(self.patient),
                "encounter": _ref(self.encounter),
                "effectiveDateTime": self.now,
                **_finding_value(value, f.unit),
            }
            if fid == "complaint_region" and self.case.complaint.side:
                obs["bodySite"] = {"coding": [_coding(SIDE_SYSTEM, self.case.complaint.side)],
                                   "text": f"{self.case.complaint.side} {value}"}
            if f.group == "movement":
                obs["method"] = {"text": "movement analysis (kinchain.movement)"}
            elif f.group == "measurement":
                obs["method"] = {"text": f.instruction or "clinician measurement"}
            self.finding_obs[fid] = self.add(obs, self.ids("Observation", fid))

    # -- PROMs ------------------------------------------------------------------------------------
    def proms(self, outcomes: Sequence[PromResult]) -> None:
        from kinchain.outcomes.instruments import get_instrument

        for n, r in enumerate(outcomes):
            inst = get_instrument(r.instrument)
            key = f"{r.instrument}|{r.date}|{n}"
            when = r.date or self.now
            qr_items = [{"linkId": code, "answer": [{"valueInteger": v}]}
                        for code, v in r.responses.items() if v is not None]
            qr: dict[str, Any] = {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{QUESTIONNAIRE_BASE}/{inst.id.lower()}",
                "status": "completed",
                "subject": _ref(self.patient),
                "encounter": _ref(self.encounter),
                "authored": when,
            }
            if qr_items:
                qr["item"] = qr_items
            qr_id = self.add(qr, self.ids("QuestionnaireResponse", key))
            members = []
            for sub in inst.subscales:
                value = r.scores.get(sub.id)
                if value is None:
                    continue
                coding = [_coding(PROM_SYSTEM, f"{inst.id}.{sub.id}", f"{inst.id} {sub.name} score")]
                if sub.loinc is not None and sub.loinc.status != "unconfirmed":
                    coding.insert(0, _coding(LOINC, sub.loinc.code))
                elif len(inst.subscales) == 1 and inst.loinc is not None and inst.loinc.status != "unconfirmed":
                    coding.insert(0, _coding(LOINC, inst.loinc.code))
                obs = {
                    "resourceType": "Observation",
                    "status": "final",
                    "category": [{"coding": [_coding(OBS_CATEGORY, "survey")]}],
                    "code": {"coding": coding, "text": f"{inst.name}: {sub.name}"},
                    "subject": _ref(self.patient),
                    "encounter": _ref(self.encounter),
                    "effectiveDateTime": when,
                    "valueQuantity": {"value": value, "unit": "score", "system": UCUM, "code": "{score}"},
                    "derivedFrom": [_ref(qr_id)],
                }
                members.append(self.add(obs, self.ids("Observation", f"{key}|{sub.id}")))
            if len(inst.subscales) > 1 and members:
                panel_coding = [_coding(PROM_SYSTEM, inst.id, inst.name)]
                if inst.loinc is not None and inst.loinc.status != "unconfirmed":
                    panel_coding.insert(0, _coding(LOINC, inst.loinc.code))
                self.add({"resourceType": "Observation", "status": "final",
                          "category": [{"coding": [_coding(OBS_CATEGORY, "survey")]}],
                          "code": {"coding": panel_coding, "text": inst.name},
                          "subject": _ref(self.patient), "encounter": _ref(self.encounter),
                          "effectiveDateTime": when, "hasMember": [_ref(m) for m in members],
                          "derivedFrom": [_ref(qr_id)]}, self.ids("Observation", f"{key}|panel"))

    # -- reasoning --------------------------------------------------------------------------------
    def _evidence_refs(self, cid: str) -> list[dict[str, str]]:
        for ce in self.a.explanation.conditions:
            if ce.condition == cid:
                return [_ref(self.finding_obs[c.finding]) for c in ce.contributions if c.finding in self.finding_obs]
        return []

    def _condition_code(self, cid: str, name: str, icd10: str) -> dict[str, Any]:
        coding = [_coding(ICD10, icd10, name)]
        cond = self.kb.conditions.get(cid)
        if cond is not None and cond.snomed_ct is not None and cond.snomed_ct.status == "confirmed":
            coding.append(_coding(SNOMED, cond.snomed_ct.code))
        coding.append(_coding(CONDITION_SYSTEM, cid, name))
        return {"coding": coding, "text": name}

    def conditions_(self) -> None:
        chosen = [c for i, c in enumerate(self.a.conditions)
                  if i < CONDITIONS_EXPORTED or (c.must_not_miss and c.probability >= self.a.triage.threshold)]
        for rank, c in enumerate(chosen):
            res: dict[str, Any] = {
                "resourceType": "Condition",
                "clinicalStatus": {"coding": [_coding(COND_CLINICAL, "active")]},
                "verificationStatus": {"coding": [_coding(COND_VERIFICATION,
                                                          "provisional" if rank == 0 else "differential")]},
                "category": [{"coding": [_coding(COND_CATEGORY, "encounter-diagnosis")]}],
                "code": self._condition_code(c.id, c.name, c.icd10),
                "subject": _ref(self.patient),
                "encounter": _ref(self.encounter),
                "recordedDate": self.now,
                "note": [{"text": f"kinchain probability {c.probability:.3f} (prior {c.prior:.3f})"
                                  + ("; must not miss" if c.must_not_miss else "")}],
            }
            if self.case.complaint.side:
                res["bodySite"] = [{"coding": [_coding(SIDE_SYSTEM, self.case.complaint.side)],
                                    "text": f"{self.case.complaint.side} {c.region}"}]
            evidence = self._evidence_refs(c.id)
            if evidence:
                res["evidence"] = [{"detail": evidence}]
            self.conditions[c.id] = self.add(res, self.ids("Condition", c.id))

    def risk_assessments(self) -> list[str]:
        basis = [_ref(r) for r in self.finding_obs.values()]
        common = {"resourceType": "RiskAssessment", "status": "final", "subject": _ref(self.patient),
                  "encounter": _ref(self.encounter), "occurrenceDateTime": self.now,
                  "method": {"text": f"kinchain Bayesian engine, knowledge base {self.a.knowledge_version}"}}
        differential = {
            **common,
            "code": {"coding": [_coding(ASSESSMENT_SYSTEM, "differential", "Differential diagnosis")]},
            "prediction": [{
                "outcome": self._condition_code(c.id, c.name, c.icd10),
                "probabilityDecimal": round(c.probability, 6),
                "rationale": f"prior {c.prior:.3f}" + ("; must not miss" if c.must_not_miss else ""),
            } for c in self.a.conditions],
        }
        source = {
            **common,
            "code": {"coding": [_coding(ASSESSMENT_SYSTEM, "pain-source", "Source of the pain")]},
            "prediction": [{
                "outcome": {"coding": [_coding(SOURCE_SYSTEM, f"{s.region}/{s.mechanism}")],
                            "text": f"{s.region} ({s.mechanism})"},
                "probabilityDecimal": round(s.probability, 6),
            } for s in self.a.pain_source],
        }
        if basis:
            differential["basis"] = basis
            source["basis"] = basis
        return [self.add(differential, self.ids("RiskAssessment", "differential")),
                self.add(source, self.ids("RiskAssessment", "pain-source"))]

    def clinical_impression(self, risk_ids: list[str]) -> None:
        top = self.a.top_source
        lead = self.a.conditions[0] if self.a.conditions else None
        summary = (f"Most likely source: {top.region} ({top.mechanism}), p={top.probability:.2f}. "
                   + (f"Leading condition: {lead.name}, p={lead.probability:.2f}. " if lead else "")
                   + f"Triage: {self.a.triage.level}.")
        res: dict[str, Any] = {
            "resourceType": "ClinicalImpression",
            "status": "completed",
            "code": {"coding": [_coding(ASSESSMENT_SYSTEM, "kinetic-chain-assessment")],
                     "text": "Kinetic-chain assessment of lower-limb pain"},
            "subject": _ref(self.patient),
            "encounter": _ref(self.encounter),
            "effectiveDateTime": self.now,
            "date": self.now,
            "summary": summary,
            "prognosisCodeableConcept": [{"coding": [_coding(TRIAGE_SYSTEM, self.a.triage.level)],
                                          "text": f"triage: {self.a.triage.level}"}],
            "supportingInfo": [_ref(r) for r in risk_ids],
        }
        if self.conditions:
            res["problem"] = [_ref(r) for r in self.conditions.values()]
        if self.finding_obs:
            res["investigation"] = [{"code": {"text": "findings used by the assessment"},
                                     "item": [_ref(r) for r in self.finding_obs.values()]}]
        findings = []
        for se in self.a.explanation.sources[:1]:
            for c in se.contributions:
                if c.finding in self.finding_obs:
                    findings.append({"itemReference": _ref(self.finding_obs[c.finding]),
                                     "basis": f"log-odds {c.log_odds:+.2f} (LR {c.lr:.2f})"})
        if findings:
            res["finding"] = findings
        notes = [f"{r.level}: {r.text}" for r in self.a.triage.reasons]
        notes += [f"next test: {t.finding} ({t.expected_gain_bits:.2f} bits)" for t in self.a.next_tests]
        if notes:
            res["note"] = [{"text": n} for n in notes]
        self.add(res, self.ids("ClinicalImpression"))

    # -- plan -------------------------------------------------------------------------------------
    def care_plan(self, plan: KinchainCarePlan | None, why_none: str | None = None) -> None:
        addresses = [_ref(r) for r in self.conditions.values()]
        res: dict[str, Any] = {
            "resourceType": "CarePlan",
            "status": "active" if plan is not None else "draft",
            "intent": "plan",
            "subject": _ref(self.patient),
            "encounter": _ref(self.encounter),
            "created": self.now,
        }
        if addresses:
            res["addresses"] = addresses
        activities: list[dict[str, Any]] = []
        if plan is None:
            res["title"] = f"Care level: {self.a.triage.level}"
            res["description"] = (f"No care plan ({why_none or 'none supplied'}); the activities are the triage "
                                  "reasons. kinchain.plan.build_plan gives exercises and referrals.")
            for r in self.a.triage.reasons:
                activities.append(_activity(TRIAGE_SYSTEM, r.level, r.text, kind="ServiceRequest"))
        else:
            res["title"] = plan.headline
            if plan.safety is not None:
                res["description"] = f"{plan.safety.headline} {plan.safety.what_to_do}"
            for item in [*plan.items, *plan.clinician_only]:
                activities.append(_activity(PLAN_SYSTEM, f"{item.pathway}.{item.component}", item.text,
                                            extra=f"phase {item.phase}" + (f"; evidence {item.evidence}"
                                                                           if item.evidence else "")))
            for ex in plan.exercises:
                act = _activity(EXERCISE_SYSTEM, ex.id, f"{ex.name}: {ex.dose}", extra=ex.why)
                act["detail"]["scheduledString"] = ex.dose
                activities.append(act)
            for ref in plan.referrals:
                activities.append(_activity(f"{BASE}/CodeSystem/referral", ref.to,
                                            f"Refer to {ref.to} ({ref.urgency}) when {ref.when}",
                                            kind="ServiceRequest"))
            notes = [f"reassess at week {r.week:g}: {', '.join(r.what)}" for r in plan.reassessments]
            notes += [f"warning sign: {w.text} -> {w.action}" for w in plan.warning_signs]
            if notes:
                res["note"] = [{"text": n} for n in notes]
        if activities:
            res["activity"] = activities
        self.add(res, self.ids("CarePlan"))

    def provenance(self) -> None:
        targets = [_ref(e["resource"]["id"]) for e in self.entries]
        from kinchain import __version__

        self.add({
            "resourceType": "Provenance",
            "target": targets,
            "recorded": self.now,
            "activity": {"text": "automated kinetic-chain assessment"},
            "agent": [{"type": {"coding": [_coding(PROV_PARTICIPANT, "assembler")]},
                       "who": {"display": f"kinchain {__version__}"}}],
            "entity": [{"role": "source",
                        "what": {"identifier": {"system": KB_VERSION_SYSTEM, "value": self.a.knowledge_version},
                                 "display": f"kinchain knowledge base {self.a.knowledge_version}"}}],
        }, self.ids("Provenance"))


def _activity(system: str, code: str, text: str, *, extra: str | None = None,
              kind: str | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": {"coding": [_coding(system, code)], "text": text},
                              "status": "not-started", "description": text if not extra else f"{text} ({extra})"}
    if kind:
        detail["kind"] = kind
    return {"detail": detail}


def validate_bundle(bundle: Mapping[str, Any]) -> list[str]:
    """Problems with a bundle: R4B model validation of the bundle and of each resource, and every
    ``urn:uuid`` reference resolving to an entry."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    problems: list[str] = []
    try:
        Bundle.model_validate(dict(bundle))
    except ValidationError as exc:
        problems += [f"Bundle.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                     if not (len(e["loc"]) > 2 and e["loc"][0] == "entry" and e["loc"][2] == "resource")]
    except Exception as exc:  # fhir.resources raises its own errors for unknown resource types
        problems.append(f"Bundle: {exc}")
    full_urls = set()
    for i, entry in enumerate(bundle.get("entry") or []):
        res = entry.get("resource") or {}
        rtype = res.get("resourceType", "?")
        full_urls.add(entry.get("fullUrl"))
        try:
            get_fhir_model_class(rtype).model_validate(res)
        except ValidationError as exc:
            problems += [f"entry[{i}] {rtype}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        except Exception as exc:
            problems.append(f"entry[{i}] {rtype}: {exc}")
        problems += [f"entry[{i}] {p}" for p in _required_codes(rtype, res)]
    if bundle.get("type") not in BUNDLE_TYPES:
        problems.append(f"Bundle.type: '{bundle.get('type')}' is not a Bundle type")
    for ref in _references(bundle):
        if ref.startswith("urn:uuid:") and ref not in full_urls:
            problems.append(f"reference {ref} does not resolve inside the bundle")
    return problems


# Required bindings (FHIR R4) of the coded fields kinchain writes; the pydantic models check types only.
BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                "history", "searchset", "collection"}
REQUIRED_CODES: dict[str, dict[str, set[str]]] = {
    "Observation": {"status": {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                               "entered-in-error", "unknown"}},
    "Encounter": {"status": {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                             "entered-in-error", "unknown"}},
    "Patient": {"gender": {"male", "female", "other", "unknown"}},
    "QuestionnaireResponse": {"status": {"in-progress", "completed", "amended", "entered-in-error", "stopped"}},
    "RiskAssessment": {"status": {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                  "entered-in-error", "unknown"}},
    "ClinicalImpression": {"status": {"in-progress", "completed", "entered-in-error"}},
    "CarePlan": {"status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
                 "intent": {"proposal", "plan", "order", "option"}},
}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped",
                   "unknown", "entered-in-error"}


def _required_codes(rtype: str, res: Mapping[str, Any]) -> list[str]:
    out = []
    for field, allowed in REQUIRED_CODES.get(rtype, {}).items():
        value = res.get(field)
        if value is not None and value not in allowed:
            out.append(f"{rtype}.{field}: '{value}' is not in the required value set")
    if rtype == "CarePlan":
        for j, act in enumerate(res.get("activity") or []):
            status = (act.get("detail") or {}).get("status")
            if status is not None and status not in ACTIVITY_STATUS:
                out.append(f"CarePlan.activity[{j}].detail.status: '{status}' is not in the required value set")
    if rtype == "Condition":
        for field, system in (("clinicalStatus", COND_CLINICAL), ("verificationStatus", COND_VERIFICATION)):
            for c in (res.get(field) or {}).get("coding") or []:
                if c.get("system") != system:
                    out.append(f"Condition.{field}: coding system must be {system}")
    return out


def _references(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(node, list):
        for v in node:
            yield from _references(v)


def _plan_or_none(plan: Any, assessment: Assessment, case: Case, kb: Knowledge) -> tuple[Any, str | None]:
    """The plan to export and, when none could be built, why."""
    if plan is not None:
        return plan, None
    try:
        import kinchain.plan as plan_mod
    except ImportError:
        plan_mod = None  # type: ignore[assignment]
    build = getattr(plan_mod, "build_plan", None)
    if build is None:
        return None, "kinchain.plan.build_plan is not available"
    try:
        return build(assessment, case, audience="clinician", kb=kb), None
    except Exception as exc:  # a plan that cannot be built must not block the export; the CarePlan says why
        return None, f"the care plan could not be built ({type(exc).__name__}: {exc})"


def export_bundle(case: Case, assessment: Assessment, plan: KinchainCarePlan | None = None,
                  outcomes: Sequence[PromResult] | None = None, *, knowledge: Knowledge | None = None,
                  now: datetime | None = None, build_plan: bool = True) -> dict[str, Any]:
    """A validated FHIR R4 Bundle (as a JSON-ready dict). Raises ExportError when it would be invalid.

    ``plan`` defaults to ``kinchain.plan.build_plan(assessment, case, audience="clinician")`` when that is
    available (``build_plan=False`` skips it); without a plan the CarePlan is a draft listing the triage
    reasons. ``outcomes`` are scored PROM results (``kinchain.outcomes.score``).
    """
    kb = knowledge or load_knowledge()
    now = now or datetime.now(UTC)
    b = _Builder(case, assessment, kb, now)
    b.patient_and_encounter()
    b.findings()
    b.proms(list(outcomes or []))
    b.conditions_()
    risks = b.risk_assessments()
    b.clinical_impression(risks)
    if build_plan:
        b.care_plan(*_plan_or_none(plan, assessment, case, kb))
    else:
        b.care_plan(plan)
    b.provenance()
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": b.ids("Bundle"),
        "meta": {"lastUpdated": b.now},
        "identifier": {"system": f"{BASE}/identifier/bundle", "value": b.ids("Bundle")},
        "type": "collection",
        "timestamp": b.now,
        "entry": b.entries,
    }
    problems = validate_bundle(bundle)
    if problems:
        raise ExportError("FHIR bundle failed validation (nothing written):\n"
                          + "\n".join(f"  - {p}" for p in problems[:50]))
    return bundle


def write_bundle(bundle: Mapping[str, Any], path: str | Path) -> Path:
    """Validate, then write atomically. An invalid bundle raises ExportError and leaves no file."""
    problems = validate_bundle(bundle)
    if problems:
        raise ExportError("FHIR bundle failed validation (nothing written):\n"
                          + "\n".join(f"  - {p}" for p in problems[:50]))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(bundle, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
