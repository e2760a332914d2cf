"""OpenSim coordinate files and task handling on real data: gait events from the model's angles, no findings
from numbers no norm fits, clear errors for force files."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinchain.errors import MovementDataError
from kinchain.knowledge.loader import Knowledge
from kinchain.movement.norms import threshold
from kinchain.movement.pipeline import _guess_task, analyze

from .conftest import motion_file


def _events(units: list[dict]) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {"r": [], "l": []}
    for u in units:
        if u["kind"] == "stance":
            out[u["side"]].append((u["start"], u["stop"]))
    return out


def test_ik_coordinates_give_the_same_gait_events_as_the_markers() -> None:
    """walk_ik.mot is OpenCap's own inverse kinematics of walk_markers.trc (same trial, 60 Hz): the events
    rebuilt from the model's sagittal angles fall within 2 frames (33 ms) of the marker-based ones."""
    markers = _events(analyze(motion_file("opencap/walk_markers.trc")).units)
    model = analyze(motion_file("opencap/walk_ik.mot"), "gait")
    coords = _events(model.units)
    assert sum(len(v) for v in coords.values()) == sum(len(v) for v in markers.values()) == 5
    for side in ("r", "l"):
        for (a, b), (c, d) in zip(markers[side], coords[side], strict=True):
            assert abs(a - c) <= 2 and abs(b - d) <= 2
    assert all(0.5 < u["duration_s"] < 0.85 for u in model.units)
    assert "stance_time_asymmetry_pct" in model.findings


def test_whole_trial_peaks_are_not_findings(tmp_path: Path) -> None:
    """Without pelvis tilt and hip flexion there are no events: peaks over the whole trial (swing included)
    are shown, but not compared with stance-phase norms and not turned into findings."""
    src = motion_file("opencap/walk_ik.mot").read_text().splitlines()
    head_end = next(i for i, line in enumerate(src) if line.strip().lower() == "endheader")
    cols = src[head_end + 1].split("\t")
    keep = [i for i, c in enumerate(cols) if c not in ("pelvis_tilt", "hip_flexion_r", "hip_flexion_l")]
    rows = [src[head_end + 1], *src[head_end + 2:]]
    body = ["\t".join(line.split("\t")[i] for i in keep) for line in rows if line.strip()]
    path = tmp_path / "walk_no_sagittal.mot"
    path.write_text("\n".join(src[:head_end + 1] + body) + "\n")
    res = analyze(path, "gait")
    assert res.units and all(u["kind"] == "trial" for u in res.units)
    assert res.findings == {}
    assert all("comparison" not in v for side in ("r", "l") for v in res.summary[side].values()
               if isinstance(v, dict))
    assert any("not turned into findings" in n for n in res.notes)


def test_a_force_file_is_named_as_such() -> None:
    with pytest.raises(MovementDataError, match=r"ground reaction forces.*Fix: analyse the marker.*--grf run_grf\.mot"):
        analyze(motion_file("bmclab/run_grf.mot"))
    with pytest.raises(MovementDataError, match=r"force-plate file \(Cortex \.forces\).*--grf"):
        analyze(motion_file("bmclab/walk1.forces"))


@pytest.mark.parametrize(("name", "task"), [
    ("squats1_videoAndMocap.mot", "squat"), ("jump2.mot", "drop_jump"), ("subject_sls_left.trc", "single_leg_squat"),
    ("single-leg-squat.c3d", "single_leg_squat"), ("stepdown_r.trc", "step_down"), ("walk1.trc", "gait"),
    ("run_markers.trc", "running"), ("trial07.c3d", None)])
def test_task_from_file_name(name: str, task: str | None) -> None:
    assert _guess_task(Path(name)) == task


def test_bilateral_tasks_get_no_single_stance_norms(kb: Knowledge) -> None:
    for task in ("squat", "drop_jump"):
        for m in ("contralateral_pelvic_drop_deg", "hip_adduction_peak_deg", "trunk_lean_deg"):
            assert threshold(m, task, "female", kb) is None, (task, m)
    assert threshold("knee_fppa_deg", "squat", "female", kb) is None  # no published double-leg squat norm
    assert threshold("hip_internal_rotation_peak_deg", "drop_jump", "female", kb) is not None
    assert threshold("hip_internal_rotation_peak_deg", "gait", "female", kb) is None  # norm is not from walking
    squat = analyze(motion_file("opencap/squats1_videoAndMocap.mot"))
    # five squats, each measured on both legs
    assert squat.task == "squat" and len(squat.units) == 10 and squat.findings == {}
    assert [u["side"] for u in squat.units[:2]] == ["r", "l"] and squat.units[0]["start"] == squat.units[1]["start"]


def test_jump_trial_measures_the_landing_only() -> None:
    """jump2.mot: leg lifts before and after, a countermovement, a flight (pelvis up to 1.73 m) and one
    landing. Only the landing (knees bent together after the pelvis came down from the flight) is
    measured; a lifted leg's hip rotation in the air (up to 40 deg) must not become a finding."""
    jump = analyze(motion_file("opencap/jump2.mot"))
    assert jump.task == "drop_jump" and len(jump.units) == 2 and {u["side"] for u in jump.units} == {"r", "l"}
    u = jump.units[0]
    t0, t1 = u["start"] / jump.rate, u["deepest"] / jump.rate
    assert 2.8 < t0 < 3.5 and 3.6 < t1 < 4.0  # from the flight to the deepest point of the landing
    assert set(jump.findings) <= {"hip_internal_rotation_peak_deg"}
    assert jump.findings.get("hip_internal_rotation_peak_deg", 0.0) < 15
    assert any("1 of 2 knee-bend repetitions" in n for n in jump.notes)


def test_force_file_gives_the_stance_phases() -> None:
    """run_grf.mot: right foot loaded (vGRF above 10 N) from 0.0533 to 0.3033 s, left from 0.4000 to
    0.6667 s; at 150 Hz the stances from --grf fall on those frames (within one frame of rounding)."""
    res = analyze(motion_file("bmclab/run_markers.trc"), "running", static=motion_file("bmclab/run_static.trc"),
                  grf=motion_file("bmclab/run_grf.mot"))
    st = {u["side"]: (u["start"], u["stop"]) for u in res.units}
    assert abs(st["r"][0] - 0.0533 * 150) <= 1 and abs(st["r"][1] - 0.3033 * 150) <= 1
    assert abs(st["l"][0] - 0.4000 * 150) <= 1 and abs(st["l"][1] - 0.6667 * 150) <= 1
    assert any("stance from the force file" in n for n in res.notes)


def test_force_file_without_sides_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "plates.mot"
    rows = "\n".join(f"{i / 100:.2f}\t{0.0 if i % 50 < 10 else 700.0}" for i in range(200))
    bad.write_text(f"name plates\nendheader\ntime\tground_force_vy\n{rows}\n")
    with pytest.raises(MovementDataError, match=r"no left/right vertical force columns.*Fix: name them"):
        analyze(motion_file("opencap/walk_ik.mot"), "gait", grf=bad)


def test_cortex_force_plates_time_the_walk() -> None:
    """walk1.forces (Cortex, 7 plates, 450 Hz, no sides): plates 6, 5 and 3 hold complete footfalls (plate 4
    is still loaded when the recording ends). Each goes to the foot over its centre of pressure, which
    alternates left, right, left, and the loaded samples map to frames at 150 Hz (3 samples per frame)."""
    res = analyze(motion_file("bmclab/walk1.trc"), "gait", grf=motion_file("bmclab/walk1.forces"))
    got = [(u["side"], u["start"], u["stop"]) for u in res.units]
    # plate 6 loaded over samples 96-387 (0-based), plate 5 over 343-631, plate 3 over 592-879
    want = [("l", 96 / 3, 387 / 3), ("r", 343 / 3, 631 / 3), ("l", 592 / 3, 879 / 3)]
    assert len(got) == 3
    for (side, a, b), (ws, wa, wb) in zip(got, want, strict=True):
        assert side == ws and abs(a - wa) <= 1 and abs(b - wb) <= 1
    assert any("nearest the centre of pressure" in n for n in res.notes)
    # Zeni's marker events on the same walk: heel strike 7-9 frames (47-60 ms) before the plates say,
    # toe off 2-5 frames after; sides and order agree
    zeni = [(u["side"], u["start"], u["stop"]) for u in analyze(motion_file("bmclab/walk1.trc"), "gait").units]
    assert [z[0] for z in zeni] == [g[0] for g in got]
    assert all(0 < g[1] - z[1] <= 10 and 0 <= z[2] - g[2] <= 6 for z, g in zip(zeni, got, strict=True))


def test_force_plates_need_marker_feet() -> None:
    with pytest.raises(MovementDataError, match=r"no left/right label.*Fix: analyse the marker file"):
        analyze(motion_file("opencap/walk_ik.mot"), "gait", grf=motion_file("bmclab/walk1.forces"))


def test_empty_joint_centres_name_the_static_trial() -> None:
    res = analyze(motion_file("bmclab/run_markers.trc"), "running")
    assert any("--static run_static.trc" in n for n in res.notes)
    assert not any("hip_adduction" in k for k in res.series)
