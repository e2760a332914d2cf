from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kinchain.plan.builder import build_plan
from kinchain.report.handout import handout_text, reading_grade, render_html, write_report
from tests.plan.helpers import driver_assessments, make_assessment

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "anterior_pelvic_rotation_knee_ache.yaml"


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def _pages(path: Path) -> int:
    if shutil.which("pdftotext"):  # pdftotext ends every page with a form feed
        return max(1, _pdf_text(path).count("\f"))
    return len(pytest.importorskip("pypdf").PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def hip_plan(kb):
    a = make_assessment(kb, {"hip_abductor_weakness": 0.6, "pfp": 0.4}, sources=[("hip", "kinetic_chain", 0.6)],
                        findings={"anterior_pelvic_rotation": True})
    return {aud: build_plan(a, None, aud, kb) for aud in ("patient", "clinician")}


def test_patient_handout_reading_level_is_grade_8_or_below(kb):
    for pid, a in driver_assessments(kb).items():
        grade = reading_grade(build_plan(a, None, "patient", kb))
        assert grade <= 8, f"{pid}: grade {grade}"


def test_patient_pdf_renders_with_the_plan_content(hip_plan, tmp_path):
    pdf = write_report(hip_plan["patient"], tmp_path / "new" / "folder" / "handout.pdf")
    text = " ".join(_pdf_text(pdf).split())
    for needle in ("Your care plan", "Inner hip bone muscle release", "hold 90 seconds", "Your week", "Mon",
                   "How to move up a level", "Stop and get help if", "How long it takes"):
        assert needle in text, needle
    assert "ibuprofen" not in text.lower() and "injection" not in text.lower()


def test_clinician_summary_is_one_page(hip_plan, kb, tmp_path):
    pdf = write_report(hip_plan["clinician"], tmp_path / "summary.pdf")
    assert _pages(pdf) == 1
    text = " ".join(_pdf_text(pdf).split())
    assert "Differential" in text and "Hip-driven knee pain" in text and "Re-assess" in text
    oa = build_plan(driver_assessments(kb)["hip_oa"], None, "clinician", kb)
    pdf2 = write_report(oa, tmp_path / "oa.pdf")
    assert _pages(pdf2) == 1
    assert "Clinician-only options" in _pdf_text(pdf2)


def test_html_handout_has_illustrations_and_schedule(hip_plan, tmp_path):
    html = render_html(hip_plan["patient"])
    assert html.count("data:image/svg+xml;base64,") == len(hip_plan["patient"].exercises)
    assert "&#9744;" in html or "☐" in html
    out = write_report(hip_plan["patient"], tmp_path / "a" / "b.html")
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "Tick a box" in handout_text(hip_plan["patient"])


def test_safety_handout_says_see_a_doctor(kb, tmp_path):
    a = make_assessment(kb, {"dvt": 0.5}, triage="emergency")
    pdf = write_report(build_plan(a, None, "patient", kb), tmp_path / "stop.pdf")
    text = " ".join(_pdf_text(pdf).split())
    assert "Go to emergency care now" in text and "Your exercises" not in text


# ----------------------------------------------------------------------------------------------- CLI


def _app():
    from kinchain.cli import app

    return app


def _engine_ok() -> bool:
    try:
        import kinchain
        from kinchain.case import load_case

        kinchain.assess(load_case(EXAMPLE))
        return True
    except Exception:
        return False


needs_engine = pytest.mark.skipif(not EXAMPLE.exists() or not _engine_ok(), reason="assessment engine unavailable")


@needs_engine
def test_cli_plan_json_and_text(tmp_path):
    r = CliRunner().invoke(_app(), ["plan", str(EXAMPLE), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["audience"] == "clinician" and data["exercises"]
    r = CliRunner().invoke(_app(), ["plan", str(EXAMPLE), "--audience", "patient"])
    assert r.exit_code == 0 and "Stop and get help if" in r.output


@needs_engine
def test_cli_writes_pdf_into_a_missing_folder(tmp_path):
    out = tmp_path / "does" / "not" / "exist" / "plan.pdf"
    r = CliRunner().invoke(_app(), ["plan", str(EXAMPLE), "--audience", "patient", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.exists() and out.read_bytes()[:4] == b"%PDF"


def test_cli_bad_input_exits_2_without_traceback(tmp_path):
    runner = CliRunner()
    r = runner.invoke(_app(), ["plan", str(tmp_path / "missing.yaml")])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("patient: {age: 30}\ncomplaint: {region: knee}\n")
    r = runner.invoke(_app(), ["plan", str(bad)])
    assert r.exit_code == 2 and "patient.sex" in r.output
    r = runner.invoke(_app(), ["plan", str(bad), "--out", str(tmp_path / "x.docx")])
    assert r.exit_code == 2 and ".pdf or .html" in r.output
    r = runner.invoke(_app(), ["plan", str(bad), "--audience", "family"])
    assert r.exit_code == 2 and "--audience" in r.output


def test_grade_measure_separates_plain_from_technical_text():
    from kinchain.report.handout import grade_of

    plain = "Lie on your back. Bend your knees. Lift your hips. Hold for two seconds. Lower slowly."
    technical = ("Isometric quadriceps contraction facilitates neuromuscular activation, attenuating "
                 "arthrogenic muscle inhibition following intra-articular pathology.")
    assert grade_of(plain) < 4 < 12 < grade_of(technical)


@needs_engine
def test_every_bundled_example_gets_a_safe_plan():
    import kinchain
    from kinchain.case import load_case
    from kinchain.plan.safety import forbidden_terms, visible_strings

    for path in sorted((ROOT / "examples").glob("*.yaml")):
        case = load_case(path)
        a = kinchain.assess(case)
        for audience in ("clinician", "patient"):
            plan = build_plan(a, case, audience)
            if a.triage.level in ("emergency", "urgent"):
                assert plan.safety is not None and not plan.exercises, path.name
            else:
                assert plan.exercises and plan.timeline is not None, path.name
            if audience == "patient":
                assert not [s for s in visible_strings(plan.to_json_dict()) if forbidden_terms(s)], path.name
