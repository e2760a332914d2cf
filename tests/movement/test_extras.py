"""Plots, Dask batch on a local cluster, video keypoints (optional extra) and the knowledge file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from kinchain.knowledge.loader import Knowledge
from kinchain.movement import pipeline

from . import synthetic
from .conftest import motion_file


@pytest.fixture(autouse=True)
def _use_kb(kb: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "load_knowledge", lambda: kb)


def test_plots_png_and_svg(tmp_path: Path, kb: Knowledge) -> None:
    from kinchain.movement.plots import plot_result

    m, rate = synthetic.squat(reps=2)
    res = pipeline.analyze(synthetic.write_trc(tmp_path / "sls.trc", m, rate), "single_leg_squat", kb=kb)
    out = plot_result(res, tmp_path / "plots", kb=kb)
    assert {p.suffix for p in out} == {".png", ".svg"} and len(out) == 4
    for p in out:
        assert p.stat().st_size > 1000
    assert "<svg" in (tmp_path / "plots" / "sls_angles.svg").read_text()[:500]


def test_batch_on_local_dask_cluster(tmp_path: Path, kb: Knowledge) -> None:
    pytest.importorskip("dask.distributed")
    pd = pytest.importorskip("pandas")
    from kinchain.movement.batch import run_batch

    data = tmp_path / "trials"
    data.mkdir()
    shutil.copy(motion_file("bmclab/walk1.trc"), data / "walk1.trc")
    m, rate = synthetic.squat(reps=2)
    synthetic.write_trc(data / "sls_synthetic.trc", m, rate)
    (data / "broken.trc").write_text("not a trc")
    out = tmp_path / "results.parquet"
    df = run_batch(data, out, n_workers=1, progress=False, kb=kb)
    back = pd.read_parquet(out)
    assert len(back) == len(df)
    assert set(back["file"].map(lambda s: Path(s).name)) == {"walk1.trc", "sls_synthetic.trc", "broken.trc"}
    broken = back[back["file"].str.endswith("broken.trc")]
    assert broken["error"].str.contains("not a TRC file").all()
    sls = back[back["file"].str.endswith("sls_synthetic.trc")]
    assert len(sls) == 2 and np.allclose(sls["knee_fppa_deg"], 15.0, atol=0.1)
    walk = back[back["file"].str.endswith("walk1.trc")]
    assert (walk["kind"] == "stance").sum() == 3


def test_video_to_keypoints_offline(tmp_path: Path) -> None:
    pytest.importorskip("mediapipe", reason="optional extra 'video' (mediapipe==0.10.14)")
    from kinchain.movement.video import video_to_keypoints

    k = video_to_keypoints(motion_file("sports2d/demo.mp4"), max_frames=12)
    assert k.points.shape == (12, 12, 2) and k.from_video
    ok = np.isfinite(k.points).all(axis=(1, 2))
    assert ok.mean() > 0.5
    # the jumping-jack subject faces the camera: the left hip appears right of the right hip
    f = int(np.flatnonzero(ok)[-1])
    assert k.point("l_hip")[f, 0] > k.point("r_hip")[f, 0]
    assert k.point("l_ankle")[f, 1] > k.point("l_hip")[f, 1]  # ankles below hips (y down)
    res = pipeline.analyze(motion_file("sports2d/demo.mp4"), "single_leg_squat", trial=k)
    assert res.low_confidence and {"knee_fppa_r", "knee_fppa_l"} <= set(res.series)


def test_movement_yaml_is_consistent(kb: Knowledge) -> None:
    ids = ("contralateral_pelvic_drop_deg", "knee_fppa_deg", "hip_adduction_peak_deg",
           "hip_internal_rotation_peak_deg", "trunk_lean_deg", "stance_time_asymmetry_pct")
    for fid in ids:
        f = kb.findings[fid]
        assert (f.type, f.group, f.patient_askable, f.cost) == ("number", "movement", False, 3)
        assert f.unit in ("deg", "%")
    thresholds = {"knee_fppa_deg": "mv_fppa_sls_female_threshold_deg",
                  "hip_adduction_peak_deg": "mv_hip_adduction_threshold_deg",
                  "hip_internal_rotation_peak_deg": "mv_hip_ir_threshold_deg",
                  "contralateral_pelvic_drop_deg": "mv_cpd_threshold_deg",
                  "trunk_lean_deg": "mv_trunk_lean_threshold_deg",
                  "stance_time_asymmetry_pct": "mv_stance_asymmetry_threshold_pct"}
    links = [e for e in kb.evidence if e.finding in ids]
    assert {e.cluster for e in links if e.finding == "contralateral_pelvic_drop_deg"} == {"abductor_insufficiency"}
    assert {e.cluster for e in links if e.finding == "knee_fppa_deg"} == {"dynamic_valgus"}
    for e in links:
        assert e.when is not None and e.when.value == kb.parameter(thresholds[e.finding]), e
        assert e.condition in kb.conditions
        if "judgement_kinchain" in e.citation:
            assert e.status == "unconfirmed"
    # midpoint thresholds follow from the cited means
    mid = (kb.parameter("mv_fppa_sls_female_control_mean_deg") + kb.parameter("mv_fppa_sls_female_pfp_mean_deg")) / 2
    assert kb.parameter("mv_fppa_sls_female_threshold_deg") == pytest.approx(mid)
    mid_ir = (kb.parameter("mv_hip_ir_control_mean_deg") + kb.parameter("mv_hip_ir_pfp_mean_deg")) / 2
    assert kb.parameter("mv_hip_ir_threshold_deg") == pytest.approx(mid_ir)
