"""End to end: events, per-stance / per-repetition measures, norms, findings, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kinchain.knowledge.loader import Knowledge
from kinchain.movement import pipeline
from kinchain.movement.pipeline import analyze

from . import synthetic
from .conftest import motion_file


@pytest.fixture(autouse=True)
def _use_kb(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "load_knowledge", lambda: kb)


@pytest.fixture(scope="module")
def sls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sls")
    m, rate = synthetic.squat(fppa_max=15.0, drop_max=4.0, reps=3)
    pts = synthetic.image_points(m)
    return {"trc": synthetic.write_trc(d / "sls_synthetic.trc", m, rate),
            "trc_m": synthetic.write_trc(d / "sls_metres.trc", m, rate, unit="m", scale=0.001),
            "csv": synthetic.write_mediapipe_csv(d / "sls_mediapipe.csv", pts, rate),
            "openpose": synthetic.write_openpose_dir(d / "sls_openpose", pts)}


@pytest.mark.parametrize("key", ["trc", "trc_m", "csv", "openpose"])
def test_synthetic_single_leg_squat_known_fppa(sls: dict[str, Path], key: str) -> None:
    res = analyze(sls[key], "single_leg_squat", fps=100.0 if key == "openpose" else None, sex="female")
    reps = [u for u in res.units if u["kind"] == "repetition"]
    assert len(reps) == 3 and all(u["side"] == "r" for u in reps)
    for u in reps:
        assert u["knee_fppa_deg"] == pytest.approx(15.0, abs=0.1)
        assert u["contralateral_pelvic_drop_deg"] == pytest.approx(4.0, abs=0.1)
    assert res.findings["knee_fppa_deg"] == pytest.approx(15.0, abs=0.1)
    cmp = res.summary["r"]["knee_fppa_deg"]["comparison"]
    assert cmp["beyond_threshold"] is True and cmp["threshold"] == 12.6
    assert cmp["z_vs_controls"] == pytest.approx((15.0 - 8.4) / 5.1, abs=0.05)
    assert res.low_confidence is (key in ("csv", "openpose"))
    if res.low_confidence:
        assert cmp["smallest_detectable_difference_deg"] == 8.93


def test_synthetic_male_norms(sls: dict[str, Path]) -> None:
    res = analyze(sls["trc"], "single_leg_squat", sex="male")
    cmp = res.summary["r"]["knee_fppa_deg"]["comparison"]
    assert cmp["threshold"] == 11.0 and cmp["control_mean"] == 6.96


def test_running_stances_match_force_plates() -> None:
    res = analyze(motion_file("bmclab/run_markers.trc"), "running", static=motion_file("bmclab/run_static.trc"))
    st = {u["side"]: u for u in res.units}
    # run_grf.mot: right vGRF > 20 N from 0.057 to 0.297 s, left from 0.403 to 0.663 s (150 Hz markers)
    assert abs(st["r"]["start"] - 0.057 * 150) <= 5 and abs(st["r"]["stop"] - 0.297 * 150) <= 5
    assert abs(st["l"]["start"] - 0.403 * 150) <= 5 and abs(st["l"]["stop"] - 0.663 * 150) <= 5
    assert 0 <= res.findings["contralateral_pelvic_drop_deg"] < 10
    assert 0 <= res.findings["stance_time_asymmetry_pct"] < 10


@pytest.mark.parametrize("rel", ["ezc3d/Qualisys_gait_2fp.c3d", "bmclab/walk1.trc", "opencap/walk_markers.trc",
                                 "bmclab/Gait.c3d"])
def test_walking_trials(rel: str) -> None:
    res = analyze(motion_file(rel))
    assert res.task == "gait"
    stances = [u for u in res.units if u["kind"] == "stance"]
    assert stances
    for u in stances:
        assert 0.5 < u["duration_s"] < 0.85  # normal walking stance
        assert 25 < u["knee_flexion_peak_deg"] < 50
        assert -1 <= u["contralateral_pelvic_drop_deg"] < 10
    # healthy walkers: no limp
    if "stance_time_asymmetry_pct" in res.findings:
        assert res.findings["stance_time_asymmetry_pct"] < 8


def test_walk1_findings_are_engine_vocabulary(kb: Knowledge) -> None:
    from kinchain.movement import findings_from_file

    mf = findings_from_file(motion_file("bmclab/walk1.trc"))
    assert set(mf.findings) <= set(kb.findings)
    assert {"contralateral_pelvic_drop_deg", "hip_adduction_peak_deg", "stance_time_asymmetry_pct"} <= set(mf.findings)
    assert "knee_fppa_deg" not in mf.findings  # FPPA norms are for single-leg tasks
    assert mf.task == "gait" and not mf.low_confidence


def test_model_coordinates_squat() -> None:
    res = analyze(motion_file("opencap/squats1_videoAndMocap.mot"), "single_leg_squat")
    reps = res.units
    assert len(reps) == 5
    assert all(70 < u["knee_flexion_peak_deg"] < 95 for u in reps)
    assert "knee_abduction_r" not in res.series


def test_cli_analyze_json(sls: dict[str, Path], tmp_path: Path) -> None:
    from kinchain.movement.cli import app

    r = CliRunner().invoke(app, ["analyze", str(motion_file("ezc3d/Qualisys_gait_2fp.c3d")), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    for key in ("pelvic_obliquity", "hip_adduction_l", "hip_adduction_r", "hip_rotation_l", "hip_rotation_r",
                "knee_flexion_l", "knee_flexion_r", "knee_abduction_l", "knee_abduction_r"):
        assert len(doc["series"][key]) == 340
    assert doc["task"] == "gait" and "findings" in doc and "summary" in doc
    r2 = CliRunner().invoke(app, ["analyze", str(sls["csv"]), "--task", "single_leg_squat", "--format", "json"])
    doc2 = json.loads(r2.output)
    assert {"knee_fppa_l", "knee_fppa_r"} <= set(doc2["series"])
    assert doc2["findings"]["knee_fppa_deg"] == pytest.approx(15.0, abs=0.1)
    r3 = CliRunner().invoke(app, ["analyze", str(sls["trc"]), "--task", "single_leg_squat"])
    assert r3.exit_code == 0 and "knee_fppa_deg=15" in r3.output
    r4 = CliRunner().invoke(app, ["analyse", str(sls["trc"]), "--task", "single_leg_squat"])  # British spelling
    assert r4.exit_code == 0 and r4.output == r3.output


def test_cli_error_is_clear(tmp_path: Path) -> None:
    from kinchain.movement.cli import app

    bad = tmp_path / "empty.trc"
    bad.write_text("nothing")
    r = CliRunner().invoke(app, ["analyze", str(bad)])
    assert r.exit_code == 2
    assert "empty.trc" in r.output and "Fix" in r.output


def test_json_series_are_degrees_and_finite_or_null(sls: dict[str, Path]) -> None:
    doc = analyze(sls["trc"], "single_leg_squat").to_json()
    assert max(v for v in doc["series"]["knee_fppa_r"] if v is not None) == pytest.approx(15.0, abs=0.1)
    assert np.isfinite([v for v in doc["series"]["knee_flexion_r"] if v is not None]).all()


def test_2d_side_view_gait_from_real_trial(tmp_path: Path) -> None:
    """Side-view keypoints projected from the Qualisys walk (MediaPipe JSON) give the stance found in 3D."""
    from kinchain.movement.filtering import clean
    from kinchain.movement.kinematics import compute
    from kinchain.movement.markersets import landmarks
    from kinchain.movement.readers import MEDIAPIPE33, read_c3d

    trial = read_c3d(motion_file("ezc3d/Qualisys_gait_2fp.c3d"))
    lm, _ = landmarks(trial)
    names = list(lm)
    filt, _ = clean(np.stack([lm[n] for n in names], axis=1), trial.rate, 6.0, 0.1)
    k = compute({n: filt[:, i] for i, n in enumerate(names)}, trial.rate)
    fwd, up = k.reference[:, 0], k.reference[:, 1]
    src = {"left_hip": "LHJC", "right_hip": "RHJC", "left_knee": "LKJC", "right_knee": "RKJC",
           "left_ankle": "LAJC", "right_ankle": "RAJC", "left_heel": "LHEE", "right_heel": "RHEE",
           "left_foot_index": "LTOE", "right_foot_index": "RTOE"}
    frames = []
    for f in range(trial.n_frames):
        lms = []
        for name in MEDIAPIPE33:
            if name in src:
                p = k.centres[src[name]][f]
                lms.append({"x": 200 + 0.4 * float(p @ fwd), "y": 800 - 0.4 * float(p @ up), "visibility": 0.99})
            else:
                lms.append({"x": None, "y": None, "visibility": 0.0})
        frames.append(lms)
    path = tmp_path / "walk_side.json"
    path.write_text(json.dumps({"fps": trial.rate, "frames": frames}))
    res2d = analyze(path, "gait")
    res3d = analyze(motion_file("ezc3d/Qualisys_gait_2fp.c3d"), "gait", events="kinematic")  # same method
    s2 = [(u["side"], u["start"], u["stop"]) for u in res2d.units]
    s3 = [(u["side"], u["start"], u["stop"]) for u in res3d.units]
    assert len(s2) == len(s3) >= 1
    for (a, b, c), (d, e, f) in zip(s2, s3, strict=True):
        assert a == d and abs(b - e) <= 2 and abs(c - f) <= 2
    assert res2d.low_confidence and res2d.kind == "keypoints-2d"


def _drop_landing(tmp_path: Path) -> Path:
    """One synthetic landing: the squat above with every marker 300 mm higher at the start, coming down to
    the floor by the deepest point (a drop from a box), right knee FPPA 15 deg at the deepest point."""
    m, rate = synthetic.squat(fppa_max=15.0, drop_max=4.0, reps=1)
    n = len(m["RASI"])
    t = np.arange(n) / n
    lift = np.where(t < 0.5, 300.0 * np.cos(np.pi * t) ** 2, 0.0)
    up = {k: v + lift[:, None] * np.array([0.0, 0.0, 1.0]) for k, v in m.items()}
    return synthetic.write_trc(tmp_path / "landing.trc", up, rate)


def test_synthetic_drop_jump_fppa_against_the_normal_range(tmp_path: Path) -> None:
    path = _drop_landing(tmp_path)
    res = analyze(path, "drop_jump", sex="female")
    assert [u["side"] for u in res.units] == ["r", "l"]  # one landing, both legs
    assert res.units[0]["knee_fppa_deg"] == pytest.approx(15.0, abs=0.2)
    cmp = res.summary["r"]["knee_fppa_deg"]["comparison"]
    assert cmp["normal_range"] == [7, 13] and cmp["beyond_threshold"] is True
    assert "mv_herrington_munro2010" in cmp["citation"]
    assert res.summary["l"]["knee_fppa_deg"]["comparison"]["beyond_threshold"] is False
    assert "knee_fppa_deg" not in res.findings  # the finding is defined on single-leg tasks
    assert any("knee_fppa_deg in drop_jump" in n for n in res.notes)
    male = analyze(path, "drop_jump", sex="male").summary["r"]["knee_fppa_deg"]["comparison"]
    assert male["normal_range"] == [3, 8]
    # the same movement called a double-leg squat: no published norm, so no comparison
    squat = analyze(path, "squat", sex="female")
    assert "comparison" not in squat.summary["r"]["knee_fppa_deg"] and squat.findings == {}


def test_squat_without_a_fall_is_no_landing(sls: dict[str, Path]) -> None:
    res = analyze(sls["trc"], "drop_jump")
    assert res.units == [] and any("0 of 3 knee-bend repetitions" in n for n in res.notes)
