"""chain_for_findings: findings ids from knowledge/data/findings.yaml -> model inputs -> now vs corrected."""

from __future__ import annotations

import pytest
import yaml

from kinchain.chain import FINDING_MAP, chain_for_findings, map_findings
from kinchain.knowledge import Knowledge
from kinchain.knowledge.loader import data_dir


def test_mapped_finding_ids_exist_in_vocabulary() -> None:
    path = data_dir() / "findings.yaml"
    if not path.exists():
        pytest.skip("findings.yaml not written yet")
    findings = {f["id"]: f for f in yaml.safe_load(path.read_text(encoding="utf-8"))["findings"]}
    for m in FINDING_MAP:
        assert m.finding in findings, m.finding


def test_no_chain_impairment_returns_none(kb: Knowledge) -> None:
    assert chain_for_findings({}, kb=kb) is None
    assert chain_for_findings({"hip_abductor_weakness": False, "navicular_drop_mm": 5,
                               "leg_length_difference_mm": 0, "knee_effusion": True}, kb=kb) is None


def test_abductor_weakness_and_its_correction(kb: Knowledge) -> None:
    res = chain_for_findings({"hip_abductor_weakness": True, "trendelenburg_positive": True, "sex": "female"},
                             kb=kb)
    assert res is not None and res.corrected is not None
    # the more impaired of the two findings wins
    assert res.inputs.abductor_strength == kb.parameter("chain_findings_strength_trendelenburg")
    assert res.corrections == {"abductor_strength": 1.0}
    change = res.predicted_change()
    assert change["pelvic_drop_deg"] < 0 and change["knee_valgus_deg"] < 0
    assert change["femoral_internal_rotation_deg"] < 0
    assert res.corrected.value("pelvic_drop_deg") == pytest.approx(0.0)
    assert "hip abductor strength back to normal" in res.per_correction
    data = res.to_json()
    assert data["predicted_change"]["pelvic_drop_deg"] < 0
    assert data["mapped_from"] == {"hip_abductor_weakness": True, "trendelenburg_positive": True}


def test_foot_and_leg_length_findings(kb: Knowledge) -> None:
    res = chain_for_findings({"navicular_drop_mm": 14, "foot_overpronation": True,
                              "leg_length_difference_mm": 12, "hip_ir_deg": 25}, kb=kb)
    assert res is not None
    expected = (14 - kb.parameter("chain_findings_navicular_drop_normal_mm")) * kb.parameter(
        "chain_findings_eversion_per_navicular_drop_mm")
    assert res.inputs.foot_pronation_deg == pytest.approx(max(expected, kb.parameter(
        "chain_findings_eversion_overpronation_deg")))
    assert res.inputs.leg_length_difference_mm == 12
    assert res.inputs.hip_ir_range_deg == 25
    assert set(res.per_correction) == {
        "foot pronation back to neutral (e.g. foot orthoses, foot control)",
        "leg-length difference fully compensated (e.g. a shoe lift)",
    }
    assert any("worst case" in n for n in res.notes)
    # correcting everything brings the pelvis back to level
    assert res.corrected is not None and res.corrected.value("pelvic_drop_deg") == pytest.approx(0.0)


def test_squat_task_and_thomas(kb: Knowledge) -> None:
    res = chain_for_findings({"thomas_test_positive": True, "knee_valgus_single_leg_squat": True},
                             task="single_leg_squat", kb=kb)
    assert res is not None
    assert res.inputs.hip_flexor_tightness_deg == kb.parameter("chain_findings_thomas_deficit_deg")
    assert res.details["anterior_pelvic_tilt_change_deg"] > 0
    assert any("knee_valgus_single_leg_squat" in n for n in res.notes)


def test_map_findings_ignores_bad_values(kb: Knowledge) -> None:
    inputs, _used = map_findings({"leg_length_difference_mm": "n/a", "navicular_drop_mm": 400}, kb=kb)
    assert "leg_length_difference_mm" not in inputs
    assert inputs["foot_pronation_deg"] == 20  # clipped to the valid range
