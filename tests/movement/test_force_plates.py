"""Force plates stored in C3D files time the stance phases; a batch finds each trial's force file and
static trial beside it. Real lab files (bmclab, ezc3d's Qualisys sample)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kinchain.errors import MovementDataError
from kinchain.movement.batch import find_jobs, trial_key
from kinchain.movement.pipeline import analyze
from kinchain.movement.readers import load_trial

from .conftest import motion_file


def _stances(res) -> list[tuple[str, int, int]]:
    return [(u["side"], u["start"], u["stop"]) for u in res.units if u["kind"] == "stance"]


def test_c3d_plates_time_the_gait_trial() -> None:
    """Gait.c3d (100 Hz markers, 1000 Hz analog): plate 2 is loaded over samples 2084-2656 and plate 1 over
    2567-3149 (vertical force above 10 N after removing plate 2's -15.6 N offset). Under the right and
    left foot respectively, that is frames 208-266 and 257-315. Zeni's events on the same steps
    start 5 frames earlier, the same lead seen against walk1's Cortex plates."""
    res = analyze(motion_file("bmclab/Gait.c3d"))
    assert res.task == "gait"
    got = _stances(res)
    assert [g[0] for g in got] == ["r", "l"]
    for (_, a, b), (wa, wb) in zip(got, [(208, 266), (257, 315)], strict=True):
        assert abs(a - wa) <= 1 and abs(b - wb) <= 1
    assert any("stance from the force file" in n for n in res.notes)
    zeni = _stances(analyze(motion_file("bmclab/Gait.c3d"), events="kinematic"))
    assert len(zeni) == 3  # the markers also see a left step off the plates
    same = [z for z in zeni if any(z[0] == g[0] and abs(z[2] - g[2]) <= 6 for g in got)]
    assert len(same) == 2 and all(0 < g[1] - z[1] <= 10 for z, g in zip(same, got, strict=True))


def test_c3d_plates_find_the_stance_the_markers_miss() -> None:
    """Qualisys_gait_2fp.c3d: the coordinate method finds one complete right stance; the two plates
    hold a left (samples 148-1263 at 2000 Hz) and a right footfall (1073-2245), frames 15-126 and 107-224."""
    kinematic = _stances(analyze(motion_file("ezc3d/Qualisys_gait_2fp.c3d"), events="kinematic"))
    assert [k[0] for k in kinematic] == ["r"]
    res = analyze(motion_file("ezc3d/Qualisys_gait_2fp.c3d"))
    got = _stances(res)
    assert [g[0] for g in got] == ["l", "r"]
    for (_, a, b), (wa, wb) in zip(got, [(15, 126), (107, 224)], strict=True):
        assert abs(a - wa) <= 1 and abs(b - wb) <= 1
    assert "stance_time_asymmetry_pct" in res.findings  # both feet timed by the same method


def test_plates_with_one_foot_only_fall_back_to_the_markers() -> None:
    """A right stance from a plate and a left one from the markers would fake an asymmetry: with only
    one foot on a plate, auto mode times every stance from the markers; 'force' insists."""
    trial = load_trial(motion_file("bmclab/Gait.c3d"))
    assert trial.forces is not None
    one = replace(trial.forces, vertical={"plate1": trial.forces.vertical["plate1"]},
                  side={"plate1": None}, cop={"plate1": trial.forces.cop["plate1"]})
    trial = replace(trial, forces=one)
    auto = analyze(trial.path, trial=trial)
    assert _stances(auto) == _stances(analyze(trial.path, events="kinematic"))
    assert any("not one of each foot: stance from the markers" in n for n in auto.notes)
    forced = analyze(trial.path, trial=trial, events="force")
    assert [g[0] for g in _stances(forced)] == ["l"]


def test_event_options_are_checked() -> None:
    with pytest.raises(MovementDataError, match=r"events 'force'.*no force plate.*Fix: pass the force file"):
        analyze(motion_file("opencap/walk_markers.trc"), events="force")
    with pytest.raises(MovementDataError, match=r"events 'kinematic'.*Fix: leave out one"):
        analyze(motion_file("bmclab/walk1.trc"), "gait", grf=motion_file("bmclab/walk1.forces"), events="kinematic")
    with pytest.raises(MovementDataError, match=r"unknown events 'plates'.*auto, force, kinematic"):
        analyze(motion_file("bmclab/walk1.trc"), events="plates")


def test_trial_key_drops_role_words() -> None:
    assert trial_key(Path("run_markers.trc")) == trial_key(Path("run_grf.mot")) == trial_key(Path("Run-Static.trc"))
    assert trial_key(Path("walk1.forces")) == "walk1" != trial_key(Path("walk2.trc"))
    assert trial_key(Path("Static.c3d")) == ""


def test_batch_pairs_force_files_and_static_trials(tmp_path: Path) -> None:
    for rel in ("bmclab/run_markers.trc", "bmclab/run_grf.mot", "bmclab/run_static.trc", "bmclab/walk1.trc",
                "bmclab/walk1.forces", "opencap/walk_ik.mot"):
        shutil.copy(motion_file(rel), tmp_path / Path(rel).name)
    other = tmp_path / "session2"
    other.mkdir()
    shutil.copy(motion_file("bmclab/walk1.trc"), other / "trial3.trc")
    shutil.copy(motion_file("bmclab/run_static.trc"), other / "Static.trc")
    jobs = {(j.motion.parent.name, j.motion.name): (j.grf and j.grf.name, j.static and j.static.name)
            for j in find_jobs(tmp_path)}
    assert jobs == {
        (tmp_path.name, "run_markers.trc"): ("run_grf.mot", "run_static.trc"),
        (tmp_path.name, "walk1.trc"): ("walk1.forces", None),  # another trial's static is not borrowed
        (tmp_path.name, "walk_ik.mot"): (None, None),  # a coordinate .mot is a trial, not a force file
        ("session2", "trial3.trc"): (None, "Static.trc"),  # a session-wide static trial
    }
    assert {j.motion.name for j in find_jobs(tmp_path, pair=False)} == {"run_markers.trc", "walk1.trc", "walk_ik.mot",
                                                                        "trial3.trc"}


def test_batch_rows_use_the_paired_files(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    from kinchain.movement.batch import run_batch

    for rel in ("bmclab/run_markers.trc", "bmclab/run_grf.mot", "bmclab/run_static.trc"):
        shutil.copy(motion_file(rel), tmp_path / Path(rel).name)
    df = run_batch(tmp_path, tmp_path / "out.parquet", task="running", n_workers=1, progress=False)
    assert df["error"].isna().all()
    assert set(df["grf_file"].map(lambda s: Path(s).name)) == {"run_grf.mot"}
    st = {r["side"]: (r["start"], r["stop"]) for _, r in df.iterrows()}
    # the force file's stances (see test_force_file_gives_the_stance_phases), joint centres from the static
    assert abs(st["r"][0] - 0.0533 * 150) <= 1 and abs(st["l"][1] - 0.6667 * 150) <= 1
    assert np.isfinite(df["knee_fppa_deg"]).all()


def test_cli_events_option() -> None:
    import json

    from typer.testing import CliRunner

    from kinchain.movement.cli import app

    path = str(motion_file("ezc3d/Qualisys_gait_2fp.c3d"))
    plates = json.loads(CliRunner().invoke(app, ["analyze", path, "--format", "json"]).stdout)
    markers = json.loads(CliRunner().invoke(app, ["analyze", path, "--events", "kinematic", "--format", "json"]).stdout)
    assert [u["side"] for u in plates["units"]] == ["l", "r"] and [u["side"] for u in markers["units"]] == ["r"]
    bad = CliRunner().invoke(app, ["analyze", path, "--events", "plates"])
    assert bad.exit_code == 2 and "unknown events 'plates'" in bad.output and "Traceback" not in bad.output
