"""FHIR R4 export: validation with the fhir.resources R4B models, codes, round trip, refusal to write."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from kinchain.case import Case
from kinchain.errors import CaseError, ExportError
from kinchain.knowledge.schema import CodeRef
from kinchain.outcomes import score
from kinchain.reasoning.engine import assess
from kinchain.report.fhir import (
    FINDING_SYSTEM,
    ICD10,
    KB_VERSION_SYSTEM,
    LOINC,
    PROM_SYSTEM,
    SNOMED,
    export_bundle,
    validate_bundle,
    write_bundle,
)
from kinchain.report.fhir_import import import_bundle

from .conftest import NOW, make_case


def _export(case: Case, kb: Any, **kw: Any) -> dict[str, Any]:
    return export_bundle(case, assess(case, kb), knowledge=kb, now=NOW, build_plan=False, **kw)


def _of(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _codes(resource: dict[str, Any], field: str = "code") -> dict[str, str]:
    return {c["system"]: c["code"] for c in resource[field]["coding"]}


PROMS = [score("KOOS", {"P1": 2, "P2": 1, "P3": 1, "P4": 1, "P5": 1, "S1": 1, "S2": 1, "S3": 0, "S4": 2},
               date="2026-11-01"),
         score("NPRS", {"NPRS": 6}, date="2026-11-01")]


def test_bundle_has_every_resource_and_validates(case: Case, small_kb: Any) -> None:
    b = _export(case, small_kb, outcomes=PROMS)
    kinds = {e["resource"]["resourceType"] for e in b["entry"]}
    assert kinds == {"Patient", "Encounter", "Observation", "QuestionnaireResponse", "Condition",
                     "RiskAssessment", "ClinicalImpression", "CarePlan", "Provenance"}
    assert validate_bundle(b) == []
    parsed = Bundle.model_validate(b)
    assert parsed.type == "collection" and len(parsed.entry or []) == len(b["entry"])
    for e in b["entry"]:       # each resource against its own R4B model
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])
    json.dumps(b)              # JSON-ready


def test_findings_become_coded_observations(case: Case, small_kb: Any) -> None:
    b = _export(case, small_kb)
    a = assess(case, small_kb)
    obs = {_codes(o)[FINDING_SYSTEM]: o for o in _of(b, "Observation") if FINDING_SYSTEM in _codes(o)}
    assert set(obs) == set(a.findings)
    assert obs["f1"]["valueBoolean"] is True and obs["f3"]["valueBoolean"] is False
    ir = obs["ir_deg"]
    assert ir["valueQuantity"] == {"value": 12.0, "unit": "deg", "system": "http://unitsofmeasure.org",
                                   "code": "deg"}
    assert ir["category"][0]["coding"][0]["code"] == "exam"          # ROM measure
    assert obs["sex"]["valueCodeableConcept"]["text"] == "female"
    assert obs["complaint_region"]["bodySite"]["coding"][0]["code"] == "right"


def test_prom_scores_questionnaire_responses_and_loinc(case: Case, small_kb: Any) -> None:
    b = _export(case, small_kb, outcomes=PROMS)
    qrs = _of(b, "QuestionnaireResponse")
    assert [q["questionnaire"].rsplit("/", 1)[-1] for q in qrs] == ["koos", "nprs"]
    assert {i["linkId"] for i in qrs[0]["item"]} == {"P1", "P2", "P3", "P4", "P5", "S1", "S2", "S3", "S4"}
    scores = {_codes(o).get(PROM_SYSTEM): o for o in _of(b, "Observation") if PROM_SYSTEM in _codes(o)}
    assert scores["KOOS.pain"]["valueQuantity"]["value"] == 70.0
    assert LOINC not in _codes(scores["KOOS.pain"])                    # no LOINC code known
    assert _codes(scores["KOOS.symptoms"])[LOINC] == "72101-9"
    assert scores["KOOS.symptoms"]["valueQuantity"]["value"] == 75.0
    assert _codes(scores["KOOS"])[LOINC] == "72091-2"                   # the panel
    assert len(scores["KOOS"]["hasMember"]) == 2                        # only scored subscales
    assert _codes(scores["NPRS.pain"])[LOINC] == "72514-3"
    qr_urls = {f"urn:uuid:{q['id']}" for q in qrs}
    assert scores["KOOS.pain"]["derivedFrom"][0]["reference"] in qr_urls


def test_conditions_risk_and_provenance(case: Case, small_kb: Any) -> None:
    a = assess(case, small_kb)
    b = _export(case, small_kb)
    conds = _of(b, "Condition")
    assert _codes(conds[0])[ICD10] == a.conditions[0].icd10
    assert conds[0]["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert all(c["verificationStatus"]["coding"][0]["code"] == "differential" for c in conds[1:])
    assert all(SNOMED not in _codes(c) for c in conds)
    diff, source = _of(b, "RiskAssessment")
    assert [p["probabilityDecimal"] for p in diff["prediction"]] == [round(c.probability, 6) for c in a.conditions]
    assert [p["probabilityDecimal"] for p in source["prediction"]] == [round(s.probability, 6)
                                                                      for s in a.pain_source]
    prov = _of(b, "Provenance")[0]
    assert prov["entity"][0]["what"]["identifier"] == {"system": KB_VERSION_SYSTEM, "value": a.knowledge_version}
    assert len(prov["target"]) == len(b["entry"]) - 1
    ci = _of(b, "ClinicalImpression")[0]
    assert ci["prognosisCodeableConcept"][0]["coding"][0]["code"] == a.triage.level


def test_snomed_only_when_confirmed(case: Case, small_kb: Any) -> None:
    conditions = dict(small_kb.conditions)
    conditions["kneedz"] = conditions["kneedz"].model_copy(
        update={"snomed_ct": CodeRef(code="239873007", status="secondary")})
    conditions["hipdz"] = conditions["hipdz"].model_copy(
        update={"snomed_ct": CodeRef(code="239872002", status="confirmed")})
    kb = dataclasses.replace(small_kb, conditions=conditions)
    b = _export(case, kb)
    by_id = {_codes(c)["https://kinchain.org/fhir/CodeSystem/condition"]: c for c in _of(b, "Condition")}
    assert _codes(by_id["hipdz"])[SNOMED] == "239872002"
    assert SNOMED not in _codes(by_id["kneedz"])


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"findings": {"f1": False, "f2": True, "ir_deg": 30, "swollen": True}},
        {"patient": {"age": 45, "sex": "male"}, "complaint": {"region": "hip"}, "setting": "emergency",
         "findings": {"redflag": True}},
        {"id": None, "complaint": {"region": "knee", "side": "bilateral", "duration": 3}},
    ],
)
def test_round_trip_gives_same_assessment(small_kb: Any, over: dict[str, Any]) -> None:
    case = make_case(**over)
    a = assess(case, small_kb)
    b = export_bundle(case, a, outcomes=PROMS, knowledge=small_kb, now=NOW, build_plan=False)
    imported = import_bundle(json.loads(json.dumps(b)))
    assert imported.case.complaint.side == case.complaint.side
    assert imported.case.id == case.id
    assert assess(imported.case, small_kb).to_json_dict() == a.to_json_dict()
    assert [r.scores for r in imported.outcomes] == [r.scores for r in PROMS]
    assert [r.date for r in imported.outcomes] == ["2026-11-01", "2026-11-01"]


def test_export_is_deterministic(case: Case, small_kb: Any) -> None:
    assert _export(case, small_kb, outcomes=PROMS) == _export(case, small_kb, outcomes=PROMS)


def test_invalid_bundle_is_never_written(case: Case, small_kb: Any, tmp_path: Path) -> None:
    b = _export(case, small_kb)
    good = tmp_path / "ok.json"
    write_bundle(b, good)
    assert json.loads(good.read_text(encoding="utf-8")) == b
    broken = copy.deepcopy(b)
    broken["entry"][2]["resource"]["status"] = "bogus"
    out = tmp_path / "bad.json"
    with pytest.raises(ExportError, match=r"Observation\.status: 'bogus'"):
        write_bundle(broken, out)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["ok.json"]
    dangling = copy.deepcopy(b)
    dangling["entry"][3]["resource"]["subject"] = {"reference": "urn:uuid:0000"}
    with pytest.raises(ExportError, match="does not resolve"):
        write_bundle(dangling, out)
    assert not out.exists()


def test_export_refuses_invalid_content(case: Case, small_kb: Any) -> None:
    bad_date = score("NPRS", {"NPRS": 3}).model_copy(update={"date": "last tuesday"})
    with pytest.raises(ExportError, match="failed validation"):
        _export(case, small_kb, outcomes=[bad_date])


def test_care_plan_from_plan_object_and_fallback(case: Case, small_kb: Any) -> None:
    from kinchain.plan.models import CarePlan, PlanItem, ReferralLine

    a = assess(case, small_kb)
    draft = _of(_export(case, small_kb), "CarePlan")[0]
    assert draft["status"] == "draft" and draft["intent"] == "plan"
    plan = CarePlan(audience="clinician", case_id=case.id, knowledge_version=a.knowledge_version,
                    triage_level=a.triage.level, headline="Treat the hip first",
                    items=[PlanItem(pathway="hip_oa", component="education", category="education",
                                    text="Explain load and pacing", phase=1)],
                    referrals=[ReferralLine(to="orthopaedics", when="no better at 12 weeks", urgency="routine",
                                            citation=["test_ref"])])
    b = export_bundle(case, a, plan, knowledge=small_kb, now=NOW)
    cp = _of(b, "CarePlan")[0]
    assert cp["status"] == "active" and cp["title"] == "Treat the hip first"
    assert [act["detail"]["code"]["coding"][0]["code"] for act in cp["activity"]] == ["hip_oa.education",
                                                                                    "orthopaedics"]
    assert validate_bundle(b) == []


def test_import_errors_name_the_problem(case: Case, small_kb: Any) -> None:
    with pytest.raises(CaseError, match="expected a FHIR Bundle"):
        import_bundle({"resourceType": "Patient"})
    b = _export(case, small_kb)
    no_age = copy.deepcopy(b)
    no_age["entry"] = [e for e in no_age["entry"]
                       if not (e["resource"]["resourceType"] == "Observation"
                               and FINDING_SYSTEM in _codes(e["resource"])
                               and _codes(e["resource"])[FINDING_SYSTEM] == "age_years")]
    with pytest.raises(CaseError, match="age_years"):
        import_bundle(no_age, validate=False)


def test_round_trip_with_the_bundled_knowledge_base(kb: Any) -> None:
    """Integration: the shipped knowledge base, a measurement (ROM), a yes/no exam finding and a category."""
    from kinchain.case import case_from_mapping
    from kinchain.reasoning.engine import assess as real_assess

    measure = next(f for f in kb.findings.values() if f.group == "measurement" and f.type == "number")
    exam = next(f for f in kb.findings.values() if f.group == "exam" and f.type == "boolean")
    locations = sorted(f[4:] for f in kb.findings if f.startswith("loc_"))[:1]
    assert measure.min is not None and measure.max is not None
    case = case_from_mapping({
        "id": "kb-round-trip", "patient": {"age": 58, "sex": "male"},
        "complaint": {"region": "knee", "side": "left", "location": locations, "onset": "acute",
                      "duration": "10 days"},
        "setting": "physiotherapy",
        "findings": {measure.id: (measure.min + measure.max) / 2, exam.id: True},
    })
    a = real_assess(case, kb)
    b = export_bundle(case, a, outcomes=PROMS, knowledge=kb, now=NOW, build_plan=False)
    assert validate_bundle(b) == []
    again = real_assess(import_bundle(json.loads(json.dumps(b))).case, kb)
    assert again.to_json_dict() == a.to_json_dict()
    conds = {c.id: c for c in kb.conditions.values()}
    for res in _of(b, "Condition"):
        cid = _codes(res)["https://kinchain.org/fhir/CodeSystem/condition"]
        snomed = conds[cid].snomed_ct
        assert (SNOMED in _codes(res)) == (snomed is not None and snomed.status == "confirmed")


def test_care_plan_from_the_plan_builder(kb: Any) -> None:
    """Integration with kinchain.plan.build_plan: plan items, exercises (with dose) and referrals."""
    from kinchain.case import case_from_mapping
    from kinchain.plan import build_plan
    from kinchain.reasoning.engine import assess as real_assess

    case = case_from_mapping({"id": "plan-1", "patient": {"age": 66, "sex": "female"},
                              "complaint": {"region": "knee", "side": "right", "onset": "gradual",
                                            "duration": "6 months"}})
    a = real_assess(case, kb)
    plan = build_plan(a, case, audience="clinician", kb=kb)
    b = export_bundle(case, a, plan, knowledge=kb, now=NOW)
    cp = _of(b, "CarePlan")[0]
    assert cp["status"] == "active" and cp["title"] == plan.headline
    systems = [act["detail"]["code"]["coding"][0]["system"].rsplit("/", 1)[-1] for act in cp["activity"]]
    assert systems.count("plan-component") == len(plan.items) + len(plan.clinician_only)
    assert systems.count("exercise") == len(plan.exercises)
    doses = [act["detail"].get("scheduledString") for act in cp["activity"]
             if act["detail"]["code"]["coding"][0]["system"].endswith("/exercise")]
    assert doses == [ex.dose for ex in plan.exercises]
    assert validate_bundle(b) == []
    # the default (no plan passed) builds the same plan
    assert _of(export_bundle(case, a, knowledge=kb, now=NOW), "CarePlan")[0] == cp


CASES = sorted((Path(__file__).resolve().parents[1] / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES[::5], ids=lambda p: p.stem)
def test_round_trip_on_validation_cases(kb: Any, path: Path) -> None:
    """Published validation cases: export (with the care plan), import, same case and same assessment."""
    from kinchain.case import load_case
    from kinchain.reasoning.engine import assess as real_assess

    case = load_case(path)
    a = real_assess(case, kb)
    b = json.loads(json.dumps(export_bundle(case, a, knowledge=kb, now=NOW)))
    back = import_bundle(b).case
    assert list(back.observed().items()) == list(case.observed().items())
    assert real_assess(back, kb).to_json_dict() == a.to_json_dict()
