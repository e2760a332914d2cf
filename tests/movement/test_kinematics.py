"""Joint angles: sign conventions on constructed poses, agreement with kineticstoolkit on real trials,
and plausible ranges on the real walking and running trials."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from kinchain.movement.filtering import clean, fill_gaps, lowpass
from kinchain.movement.kinematics import cardan_zxy, cardan_zxy_scipy, compute, fppa
from kinchain.movement.markersets import landmarks
from kinchain.movement.readers import load_trial

from .conftest import motion_file
from .independent import ktk_angles

TRIALS = [("ezc3d/Qualisys_gait_2fp.c3d", None), ("bmclab/walk1.trc", None),
          ("opencap/walk_markers.trc", None), ("bmclab/run_markers.trc", "bmclab/run_static.trc")]


def _landmarks(rel: str, static: str | None) -> tuple[dict[str, np.ndarray], float]:
    t = load_trial(motion_file(rel))
    st = load_trial(motion_file(static)) if static else None
    lm, _ = landmarks(t, st)  # type: ignore[arg-type]
    names = list(lm)
    filt, _ = clean(np.stack([lm[n] for n in names], axis=1), t.rate, 6.0, 0.1)
    return {n: filt[:, i] for i, n in enumerate(names)}, t.rate


@pytest.mark.parametrize("rel, static", TRIALS)
def test_angles_match_kineticstoolkit(rel: str, static: str | None) -> None:
    pytest.importorskip("kineticstoolkit")
    lm, rate = _landmarks(rel, static)
    ours = compute(lm, rate).series
    ref = ktk_angles(lm)
    for key, val in ref.items():
        ok = np.isfinite(val) & np.isfinite(ours[key])
        assert ok.mean() > 0.5, key
        diff = np.abs(((ours[key][ok] - val[ok]) + 180) % 360 - 180)
        assert diff.max() < 0.1, (rel, key, diff.max())


def test_hip_joint_centres_on_qualisys() -> None:
    lm, rate = _landmarks("ezc3d/Qualisys_gait_2fp.c3d", None)
    k = compute(lm, rate)
    sep = np.nanmedian(np.linalg.norm(k.centres["RHJC"] - k.centres["LHJC"], axis=1))
    assert sep == pytest.approx(173.4, abs=1.0)  # 0.66*PW + 14.6 with PW = 240.6 mm
    assert k.info["pelvic_width_mm"] == pytest.approx(240.6, abs=0.5)


def _pose(hip_rot: Rotation) -> dict[str, np.ndarray]:
    """Upright pose (X forward, Y up, Z right) with the right femur rotated by ``hip_rot`` about the HJC."""
    pts = {"RASI": [0, 0, 120], "LASI": [0, 0, -120], "RPSI": [-160, 0, 45], "LPSI": [-160, 0, -45]}
    lm = {k: np.array([v], float) for k, v in pts.items()}
    from kinchain.movement.kinematics import harrington_hjc, pelvis_frame

    o, r = pelvis_frame(lm["RASI"], lm["LASI"], lm["RPSI"], lm["LPSI"])
    rh, lh, _ = harrington_hjc(lm["RASI"], lm["LASI"], lm["RPSI"], lm["LPSI"], o, r)
    for side, h, s in (("R", rh, 1.0), ("L", lh, -1.0)):
        rot = hip_rot if side == "R" else Rotation.identity()
        lm[f"{side}KNL"] = h + rot.apply([0, -400, s * 50])
        lm[f"{side}KNM"] = h + rot.apply([0, -400, -s * 50])
        lm[f"{side}ANL"] = h + rot.apply([0, -800, s * 35])
        lm[f"{side}ANM"] = h + rot.apply([0, -800, -s * 35])
    return lm


@pytest.mark.parametrize("axis, deg, key", [("z", 20, "hip_flexion_r"), ("x", 10, "hip_adduction_r"),
                                            ("y", 15, "hip_rotation_r")])
def test_sign_conventions(axis: str, deg: float, key: str) -> None:
    k = compute(_pose(Rotation.from_euler(axis, deg, degrees=True)), 100.0)
    assert k.series[key][0] == pytest.approx(deg, abs=1e-6)
    others = {"hip_flexion_r", "hip_adduction_r", "hip_rotation_r"} - {key}
    for o in others:
        assert k.series[o][0] == pytest.approx(0.0, abs=1e-6)
    # the knee moves with the femur: no knee angle
    assert k.series["knee_flexion_r"][0] == pytest.approx(0.0, abs=1e-6)


def test_cardan_zxy_matches_scipy_euler() -> None:
    rng = np.random.default_rng(1)
    ang = rng.uniform(-170, 170, size=(2000, 3))
    ang[:, 1] = rng.uniform(-85, 85, size=2000)
    rd = Rotation.from_euler("ZXY", ang, degrees=True).as_matrix()
    rp = Rotation.from_euler("ZXY", rng.uniform(-60, 60, size=(2000, 3)), degrees=True).as_matrix()
    np.testing.assert_allclose(cardan_zxy(np.broadcast_to(np.eye(3), rd.shape).copy(), rd), ang, atol=1e-9)
    np.testing.assert_allclose(cardan_zxy(rp, rd), cardan_zxy_scipy(rp, rd), atol=1e-9)
    nan = rd.copy()
    nan[0, 0, 0] = np.nan
    assert np.isnan(cardan_zxy(rp, nan)[0]).all() and np.isnan(cardan_zxy_scipy(rp, nan)[0]).all()


def test_fppa_sign_and_value() -> None:
    # right leg seen from the front: other hip at larger x; knee displaced toward it -> valgus (+)
    hip, ankle, other = np.array([[0.0, 0.0]]), np.array([[0.0, 400.0]]), np.array([[200.0, 0.0]])
    knee_in = np.array([[200 * np.tan(np.radians(10)), 200.0]])
    assert fppa(hip, knee_in, ankle, other)[0] == pytest.approx(20.0, abs=1e-9)
    assert fppa(hip, -knee_in * [1, -1], ankle, other)[0] == pytest.approx(-20.0, abs=1e-9)


def test_gap_policy_and_filter() -> None:
    x = np.sin(np.linspace(0, 6, 300))[:, None]
    x[100:105] = np.nan  # short gap: filled
    x[200:260] = np.nan  # long gap: stays missing
    filled, n = fill_gaps(x, 10)
    assert n == 5 and np.isfinite(filled[100:105]).all() and np.isnan(filled[200:260]).all()
    assert np.abs(filled[100:105, 0] - np.sin(np.linspace(0, 6, 300))[100:105]).max() < 1e-3
    y = lowpass(filled, 100.0, 6.0)
    assert np.isnan(y[200:260]).all() and np.isfinite(y[:200]).all()


@pytest.mark.parametrize("rel, static", TRIALS)
def test_real_trial_ranges(rel: str, static: str | None) -> None:
    lm, rate = _landmarks(rel, static)
    s = compute(lm, rate).series
    assert np.nanmax(np.abs(s["pelvic_obliquity"])) < 12  # OpenCap trial starts while turning
    for side in ("r", "l"):
        assert 50 < np.nanmax(s[f"knee_flexion_{side}"]) < 100  # swing knee flexion
        assert np.nanmin(s[f"knee_flexion_{side}"]) > -15  # OpenCap augmented markers overextend a little
        assert np.nanmax(np.abs(s[f"hip_adduction_{side}"])) < 25
