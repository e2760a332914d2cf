"""The `outcomes` sub-command: JSON shape, exit codes, charts."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kinchain.outcomes.cli import app

runner = CliRunner()


def _write(tmp: Path, name: str, data: object) -> Path:
    p = tmp / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_score_json(tmp_path: Path) -> None:
    f = _write(tmp_path, "k.json", {"instrument": "KOOS", "responses": {"P1": 2, "P2": 2, "P3": 2, "P4": 2,
                                                                          "P5": 2, "Q1": 1, "Q2": 3}})
    res = runner.invoke(app, ["score", str(f), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["scores"] == {"pain": 50.0, "symptoms": None, "adl": None, "sport_rec": None, "qol": 50.0}


def test_score_text(tmp_path: Path) -> None:
    f = _write(tmp_path, "n.json", {"instrument": "NPRS", "responses": {"NPRS": 6}})
    res = runner.invoke(app, ["score", str(f)])
    assert res.exit_code == 0 and "Pain intensity" in res.stdout and "6" in res.stdout


def test_bad_inputs_exit_2_without_traceback(tmp_path: Path) -> None:
    cases = {
        "inst.json": ({"instrument": "WOMAC", "responses": {}}, "unknown instrument 'WOMAC'"),
        "code.json": ({"instrument": "KOOS", "responses": {"P99": 1}}, "unknown item code 'P99'"),
        "range.json": ({"instrument": "LEFS", "responses": {"3": 9}}, "value 9 is outside"),
        "shape.json": ({"responses": {}}, "'instrument' is missing"),
    }
    for name, (data, needle) in cases.items():
        res = runner.invoke(app, ["score", str(_write(tmp_path, name, data))])
        assert res.exit_code == 2, name
        assert needle in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["score", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "does not exist" in res.stderr
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    res = runner.invoke(app, ["score", str(tmp_path / "broken.json")])
    assert res.exit_code == 2 and "not valid JSON" in res.stderr


def _oks(tmp: Path, name: str, date: str, value: int) -> Path:
    return _write(tmp, name, {"instrument": "OKS", "date": date,
                              "responses": {str(i): value for i in range(1, 13)}})


def test_series_json_and_charts(tmp_path: Path) -> None:
    files = [str(_oks(tmp_path, "a.json", "2026-01-01", 1)), str(_oks(tmp_path, "b.json", "2026-03-01", 2))]
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    res = runner.invoke(app, ["series", *files, "--chart", str(png), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["verdicts"]["total"]["verdict"] == "improved"     # 12 -> 24
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = runner.invoke(app, ["series", *files, "--chart", str(svg)])
    assert res.exit_code == 0 and "IMPROVED" in res.stdout
    assert b"<svg" in svg.read_bytes()[:2000]
    res = runner.invoke(app, ["series", *files, "--chart", str(tmp_path / "c.gif")])
    assert res.exit_code == 2 and ".png or .svg" in res.stderr
    mixed = _write(tmp_path, "n.json", {"instrument": "NPRS", "responses": {"NPRS": 3}})
    res = runner.invoke(app, ["series", files[0], str(mixed)])
    assert res.exit_code == 2 and "one instrument" in res.stderr


def test_instruments_listing() -> None:
    res = runner.invoke(app, ["instruments"])
    assert res.exit_code == 0
    assert "KOOS" in res.stdout and "P1-P9" in res.stdout and "koos_mic_knee_oa_physio (default)" in res.stdout
    out = json.loads(runner.invoke(app, ["instruments", "--format", "json"]).stdout)
    assert out["OKS"]["subscales"][0]["min_answered"] == 10
