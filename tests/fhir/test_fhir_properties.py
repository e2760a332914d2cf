"""Property: any valid case survives export -> import with the same assessment (small test knowledge base)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinchain.case import case_from_mapping
from kinchain.reasoning.engine import assess
from kinchain.report.fhir import export_bundle, validate_bundle
from kinchain.report.fhir_import import import_bundle

from .conftest import NOW

FINDINGS = {
    "f1": st.booleans(), "f2": st.booleans(), "f3": st.booleans(), "swollen": st.booleans(),
    "redflag": st.booleans(), "ir_deg": st.integers(0, 70) | st.floats(0, 70, allow_nan=False),
}


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(sorted(FINDINGS)), unique=True))
    complaint: dict[str, Any] = {"region": draw(st.sampled_from(["knee", "hip", "thigh"]))}
    if draw(st.booleans()):
        complaint["side"] = draw(st.sampled_from(["left", "right", "bilateral"]))
    if draw(st.booleans()):
        complaint["location"] = ["groin"]
    if draw(st.booleans()):
        complaint["onset"] = draw(st.sampled_from(["acute", "gradual"]))
    if draw(st.booleans()):
        complaint["duration"] = draw(st.integers(0, 500))
    return {
        "id": draw(st.none() | st.text("abcdef-0123", min_size=1, max_size=12)),
        "patient": {"age": draw(st.integers(1, 100)), "sex": draw(st.sampled_from(["female", "male"]))},
        "complaint": complaint,
        "setting": draw(st.sampled_from(["primary_care", "physiotherapy", "sports_medicine", "emergency"])),
        "findings": {k: draw(FINDINGS[k]) for k in keys},
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases())
def test_round_trip_property(small_kb: Any, data: dict[str, Any]) -> None:
    case = case_from_mapping(data)
    a = assess(case, small_kb)
    bundle = json.loads(json.dumps(export_bundle(case, a, knowledge=small_kb, now=NOW, build_plan=False)))
    assert validate_bundle(bundle) == []
    back = import_bundle(bundle).case
    assert back.observed() == case.observed()
    assert back.complaint.side == case.complaint.side and back.id == case.id
    assert assess(back, small_kb).to_json_dict() == a.to_json_dict()
