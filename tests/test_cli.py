"""The command line, in-process: outputs, exit codes and error messages (never a traceback)."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

import kinchain
from kinchain.cli import app

runner = CliRunner()


def write_case(tmp_path, findings=None, **over):
    data = {"patient": {"age": 67, "sex": "female"},
            "complaint": {"region": "knee", "location": ["anterior_knee"], "onset": "gradual", "duration": "3 months"},
            "setting": "primary_care", "findings": findings or {}}
    data.update(over)
    p = tmp_path / "case.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_public_api_is_curated():
    for name in kinchain.__all__:
        assert hasattr(kinchain, name), name
    assert {"assess", "load_knowledge", "load_case", "Assessment", "Case"} <= set(kinchain.__all__)


def test_assess_json_has_stable_keys(tmp_path):
    res = runner.invoke(app, ["assess", str(write_case(tmp_path)), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"pain_source", "conditions", "triage", "explanation", "next_tests"} <= set(out)
    assert abs(sum(s["probability"] for s in out["pain_source"]) - 1) < 1e-6
    assert {"region", "mechanism", "probability"} <= set(out["pain_source"][0])
    assert {"id", "name", "probability", "must_not_miss"} <= set(out["conditions"][0])
    assert out["triage"]["level"] in ("emergency", "urgent", "routine", "self_care")
    assert out["next_tests"], "a case with few findings must suggest a next test"


def test_assess_text_shows_banner_and_bars(tmp_path):
    res = runner.invoke(app, ["assess", str(write_case(tmp_path))])
    assert res.exit_code == 0, res.output
    assert "Where the knee pain comes from" in res.output and "█" in res.output


def test_unknown_finding_is_a_usage_error_with_suggestions(tmp_path):
    res = runner.invoke(app, ["assess", str(write_case(tmp_path, {"hip_ir_dgr": 10}))])
    assert res.exit_code == 2
    assert "hip_ir_dgr" in res.output and "hip_ir_deg" in res.output
    assert "Traceback" not in res.output


def test_out_of_range_value_names_field_and_range(tmp_path):
    res = runner.invoke(app, ["assess", str(write_case(tmp_path, {"hip_ir_deg": 400}))])
    assert res.exit_code == 2
    assert "findings.hip_ir_deg" in res.output and "valid range" in res.output


def test_missing_field_is_named(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump({"patient": {"sex": "female"}, "complaint": {"region": "knee"}}))
    res = runner.invoke(app, ["assess", str(p)])
    assert res.exit_code == 2
    assert "patient.age" in res.output and "missing" in res.output


def test_missing_file_and_bad_format(tmp_path):
    res = runner.invoke(app, ["assess", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "does not exist" in res.output
    res = runner.invoke(app, ["assess", str(write_case(tmp_path)), "--format", "xml"])
    assert res.exit_code == 2 and "--format" in res.output


def test_findings_and_conditions_vocabulary():
    res = runner.invoke(app, ["findings", "--format", "json"])
    assert res.exit_code == 0
    rows = json.loads(res.output)
    ids = {r["id"] for r in rows}
    assert {"age_years", "sex", "complaint_region"} <= ids
    num = next(r for r in rows if r["type"] == "number")
    assert num["unit"] and num["range"][0] < num["range"][1]
    res = runner.invoke(app, ["conditions", "--format", "json"])
    conds = json.loads(res.output)
    mnm = {c["id"] for c in conds if c["must_not_miss"]}
    assert {"septic_arthritis_hip", "septic_arthritis_knee", "fracture_hip", "fracture_knee", "scfe", "dvt",
            "bone_tumour", "cauda_equina"} <= mnm


def test_knowledge_check_ok_and_failing(tmp_path):
    res = runner.invoke(app, ["knowledge", "check"])
    assert res.exit_code == 0, res.output
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({
        "references": [{"id": "r1", "authors": "X", "year": 2000, "journal": "J"}],
        "conditions": [{"id": "c1", "name": "C", "region": "hip", "kind": "structural", "icd10": "M16",
                        "care": "routine", "care_reason": "x", "summary": "x", "patient_name": "x",
                        "explains": [{"complaint": "knee", "source": "hip", "mechanism": "referred"}]}],
        "evidence": [{"finding": "nope", "condition": "c1", "lr_pos": 2, "citation": ["missing_ref"],
                      "status": "confirmed"}]}))
    res = runner.invoke(app, ["knowledge", "check", "--path", str(tmp_path)])
    assert res.exit_code == 1
    for problem in ("missing_ref", "unknown finding 'nope'", "no prior probability", "core finding 'age_years'"):
        assert problem in res.output


def test_interview_in_the_terminal_ends_with_an_assessment():
    answers = "\n".join(["unknown"] * 60) + "\n"
    res = runner.invoke(app, ["interview", "--age", "30", "--sex", "male", "--region", "knee",
                              "--format", "json"], input=answers)
    assert res.exit_code == 0, res.output
    assert "Stopped after" in res.output


def test_interview_in_the_terminal_takes_checklist_numbers():
    """The warning-sign checklist is answered with the numbers of the signs that apply."""
    answers = "\n".join(["99", "x", "1"] + ["unknown"] * 40) + "\n"  # out of range, not a number, then sign 1
    res = runner.invoke(app, ["interview", "--age", "50", "--sex", "female", "--region", "back"], input=answers)
    assert res.exit_code == 0, res.output
    assert "1. Is there numbness around your bottom" in res.output
    assert res.output.count("please give numbers from 1 to") == 2
    assert "Stopped after 1 questions: emergency red flag: Cauda equina red flags" in res.output
