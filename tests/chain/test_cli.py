"""`kinchain chain whatif|sweep`: JSON keys, exit code 2 with a named parameter, files written."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kinchain.chain.cli import app

runner = CliRunner()
KEYS = ("pelvic_drop_deg", "femoral_internal_rotation_deg", "knee_valgus_deg", "hip_contact_force_bw",
        "patellofemoral_pressure_change_pct")


def test_whatif_json_keys(tmp_path: Path) -> None:
    svg = tmp_path / "chain.svg"
    res = runner.invoke(app, ["whatif", "--abductor-strength", "0.6", "--body-mass", "70",
                              "--leg-length-difference-mm", "10", "--format", "json", "--svg", str(svg)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in KEYS:
        assert isinstance(data[key], float | int), key
    assert data["pelvic_drop_deg"] > 3
    assert data["outputs"]["hip_contact_force_bw"]["parameters"]
    assert data["outputs"]["patellofemoral_pressure_change_pct"]["kind"] == "qualitative"
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    assert f"pelvic drop {data['pelvic_drop_deg']:.1f}°" in svg.read_text(encoding="utf-8")


def test_whatif_text() -> None:
    res = runner.invoke(app, ["whatif", "--task", "single_leg_squat", "--foot-pronation", "6"])
    assert res.exit_code == 0
    assert "knee_valgus_deg" in res.stdout and "direction only" in res.stdout


def test_out_of_range_exit_2_no_traceback() -> None:
    for args, name in ((["--abductor-strength", "2.5"], "abductor_strength (--abductor-strength)"),
                       (["--body-mass", "-5"], "body_mass_kg (--body-mass)")):
        res = runner.invoke(app, ["whatif", *args])
        assert res.exit_code == 2
        assert name in res.stderr and "valid range" in res.stderr
        assert "Traceback" not in res.output + res.stderr
        assert res.exception is None or isinstance(res.exception, SystemExit)


def test_sweep_json_and_plots(tmp_path: Path) -> None:
    res = runner.invoke(app, ["sweep", "abductor_strength", "0.4", "1.2", "--steps", "5", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["values"] == [0.4, 0.6, 0.8, 1.0, 1.2]
    drops = data["outputs"]["pelvic_drop_deg"]
    assert drops == sorted(drops, reverse=True) and drops[0] > drops[-1]
    for ext, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml")):
        out = tmp_path / f"sweep{ext}"
        res = runner.invoke(app, ["sweep", "leg-length-difference-mm", "0", "30", "--steps", "4",
                                  "--set", "abductor_strength=0.8", "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert out.read_bytes().startswith(magic)


def test_sweep_bad_input_exit_2() -> None:
    for args in (["sweep", "abductor_strength", "0.4", "3"], ["sweep", "nonsense", "0", "1"],
                 ["sweep", "foot_pronation_deg", "0", "5", "--set", "body_mass_kg=0"],
                 ["sweep", "foot_pronation_deg", "0", "5", "--out", "plot.gif"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, args
        assert "error:" in res.stderr and "Traceback" not in res.stderr


def test_myoleg_without_extra_is_a_clear_error() -> None:
    from kinchain.chain.musculoskeletal import available

    if available():
        pytest.skip("backend installed; covered by test_musculoskeletal")
    res = runner.invoke(app, ["myoleg", "1.0", "0.5"])
    assert res.exit_code == 2
    assert "pip install 'kinchain[musculoskeletal]'" in res.stderr
