"""`export fhir CASE --out bundle.json` (the engine and knowledge base are the small test ones)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import kinchain
import kinchain.report.fhir as fhir_mod
from kinchain.reasoning.engine import assess
from kinchain.report.fhir_cli import app
from kinchain.report.fhir_import import import_bundle

runner = CliRunner()


@pytest.fixture
def small_engine(monkeypatch: pytest.MonkeyPatch, small_kb: Any) -> Any:
    monkeypatch.setattr(kinchain, "assess", lambda case: assess(case, small_kb), raising=False)
    monkeypatch.setattr(fhir_mod, "load_knowledge", lambda: small_kb)
    return small_kb


def _case_file(tmp: Path, **findings: Any) -> Path:
    p = tmp / "case.yaml"
    p.write_text(yaml.safe_dump({"id": "cli-1", "patient": {"age": 70, "sex": "male"},
                                 "complaint": {"region": "knee", "side": "left"},
                                 "findings": {"f1": True, **findings}}), encoding="utf-8")
    return p


def test_export_writes_valid_bundle(tmp_path: Path, small_engine: Any) -> None:
    prom = tmp_path / "oks.json"
    prom.write_text(json.dumps({"instrument": "OKS", "date": "2026-10-01",
                                "responses": {str(i): 2 for i in range(1, 13)}}), encoding="utf-8")
    out = tmp_path / "bundle.json"
    res = runner.invoke(app, ["fhir", str(_case_file(tmp_path)), "--out", str(out), "--prom", str(prom),
                              "--no-plan"])
    assert res.exit_code == 0, res.output
    assert "FHIR R4 Bundle" in res.stdout
    bundle = json.loads(out.read_text(encoding="utf-8"))
    imported = import_bundle(bundle)
    assert imported.case.id == "cli-1" and imported.case.complaint.side == "left"
    assert imported.outcomes[0].scores == {"total": 24.0}


def test_bad_case_exits_2_and_writes_nothing(tmp_path: Path, small_engine: Any) -> None:
    out = tmp_path / "bundle.json"
    res = runner.invoke(app, ["fhir", str(_case_file(tmp_path, nonsense=True)), "--out", str(out), "--no-plan"])
    assert res.exit_code == 2 and "nonsense" in res.stderr and "Traceback" not in res.output
    assert not out.exists()
    res = runner.invoke(app, ["fhir", str(tmp_path / "nope.yaml"), "--out", str(out)])
    assert res.exit_code == 2 and "does not exist" in res.stderr
    bad_prom = tmp_path / "p.json"
    bad_prom.write_text(json.dumps({"instrument": "KOOS", "responses": {"Z9": 1}}), encoding="utf-8")
    res = runner.invoke(app, ["fhir", str(_case_file(tmp_path)), "--out", str(out), "--prom", str(bad_prom)])
    assert res.exit_code == 2 and "Z9" in res.stderr
    assert not out.exists()
