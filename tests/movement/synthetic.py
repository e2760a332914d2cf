"""Synthetic single-leg squats with a known frontal-plane projection angle and pelvic drop.

Lab axes: X forward, Y to the subject's left, Z up (right-handed), millimetres. The right leg stands;
the left foot is held off the floor. At each frame the knee sits halfway between hip and ankle height and
is displaced medially so that the hip-knee-ankle angle in the frontal plane equals ``fppa_max * s(t)``,
where s(t) in [0, 1] is the squat depth fraction (three repetitions by default); the left hemipelvis
drops by ``drop_max * s(t)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kinchain.movement.kinematics import harrington_hjc, pelvis_frame

LABELS = ["RASI", "LASI", "RPSI", "LPSI", "RKNE", "RKNM", "LKNE", "LKNM", "RANK", "RMED", "LANK", "LMED",
          "RHEE", "LHEE", "RTOE", "LTOE", "C7", "RSHO", "LSHO"]


def _rot_x(phi: np.ndarray, v: np.ndarray) -> np.ndarray:
    c, s = np.cos(phi), np.sin(phi)
    out = v.copy()
    out[:, 1] = c * v[:, 1] - s * v[:, 2]
    out[:, 2] = s * v[:, 1] + c * v[:, 2]
    return out


def squat(fppa_max: float = 15.0, drop_max: float = 4.0, reps: int = 3, rate: float = 100.0,
          period: float = 2.0, depth: float = 150.0) -> tuple[dict[str, np.ndarray], float]:
    n = int(reps * period * rate)
    t = np.arange(n) / rate
    s = np.sin(np.pi * t / period) ** 2
    phi = -np.radians(drop_max) * s  # a negative rotation about X (forward) lowers the +Y (left) side
    mid = np.stack((np.zeros(n), np.zeros(n), 950.0 - depth * s), axis=1)
    local = {"RASI": (0, -120, 0), "LASI": (0, 120, 0), "RPSI": (-160, -45, 0), "LPSI": (-160, 45, 0)}
    m = {k: mid + _rot_x(phi, np.tile(np.asarray(v, float), (n, 1))) for k, v in local.items()}
    origin, rot = pelvis_frame(m["RASI"], m["LASI"], m["RPSI"], m["LPSI"])
    rhjc, lhjc, _ = harrington_hjc(m["RASI"], m["LASI"], m["RPSI"], m["LPSI"], origin, rot)
    ankle_r = np.stack((np.zeros(n), np.full(n, rhjc[0, 1]), np.full(n, 90.0)), axis=1)
    h = 0.5 * (rhjc[:, 2] - ankle_r[:, 2])
    theta = np.radians(fppa_max) * s
    knee_r = np.stack((120.0 * s, rhjc[:, 1] + h * np.tan(theta / 2), ankle_r[:, 2] + h), axis=1)
    # keep the hip above the ankle in the frontal plane (Y) so the angle is exactly theta
    knee_r[:, 1] = 0.5 * (rhjc[:, 1] + ankle_r[:, 1]) + h * np.tan(theta / 2)
    ankle_l = np.stack((np.full(n, -100.0), np.full(n, lhjc[0, 1]), np.full(n, 260.0)), axis=1)
    knee_l = np.stack((np.full(n, 150.0), lhjc[:, 1], 0.5 * (lhjc[:, 2] + ankle_l[:, 2])), axis=1)
    y = np.array([0, 1.0, 0])
    m["RKNE"], m["RKNM"] = knee_r - 50 * y, knee_r + 50 * y
    m["LKNE"], m["LKNM"] = knee_l + 50 * y, knee_l - 50 * y
    m["RANK"], m["RMED"] = ankle_r - 35 * y, ankle_r + 35 * y
    m["LANK"], m["LMED"] = ankle_l + 35 * y, ankle_l - 35 * y
    m["RHEE"], m["RTOE"] = ankle_r + np.array((-60, 0, -50)), ankle_r + np.array((140, 0, -60))
    m["LHEE"], m["LTOE"] = ankle_l + np.array((-60, 0, -50)), ankle_l + np.array((140, 0, -60))
    m["C7"] = mid + np.array((-80, 0, 520))
    m["RSHO"], m["LSHO"] = mid + np.array((0, -180, 480)), mid + np.array((0, 180, 480))
    m["_RHJC"], m["_LHJC"], m["_RKJC"], m["_RAJC"], m["_LKJC"], m["_LAJC"] = rhjc, lhjc, knee_r, ankle_r, knee_l, ankle_l
    return m, rate


def write_trc(path: Path, markers: dict[str, np.ndarray], rate: float, unit: str = "mm", scale: float = 1.0) -> Path:
    labels = [k for k in LABELS if k in markers]
    n = markers[labels[0]].shape[0]
    lines = [f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
             "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
             f"{rate:g}\t{rate:g}\t{n}\t{len(labels)}\t{unit}\t{rate:g}\t1\t{n}",
             "Frame#\tTime\t" + "\t\t\t".join(labels) + "\t\t",
             "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(labels) + 1)), ""]
    for f in range(n):
        vals = [f"{v * scale:.5f}" for k in labels for v in markers[k][f]]
        lines.append(f"{f + 1}\t{f / rate:.5f}\t" + "\t".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path


def image_points(markers: dict[str, np.ndarray], scale: float = 0.5, cx: float = 640, cy: float = 700,
                 ) -> dict[str, np.ndarray]:
    """Frontal camera facing the subject: image x = cx + scale*Y (subject's right on the image left),
    image y = cy - scale*Z."""
    def proj(p: np.ndarray) -> np.ndarray:
        return np.stack((cx + scale * p[:, 1], cy - scale * p[:, 2]), axis=1)
    return {"r_hip": proj(markers["_RHJC"]), "l_hip": proj(markers["_LHJC"]), "r_knee": proj(markers["_RKJC"]),
            "l_knee": proj(markers["_LKJC"]), "r_ankle": proj(markers["_RAJC"]), "l_ankle": proj(markers["_LAJC"]),
            "r_shoulder": proj(markers["RSHO"]), "l_shoulder": proj(markers["LSHO"])}


MP_INDEX = {"l_shoulder": 11, "r_shoulder": 12, "l_hip": 23, "r_hip": 24, "l_knee": 25, "r_knee": 26,
            "l_ankle": 27, "r_ankle": 28}
COCO_INDEX = {"l_shoulder": 5, "r_shoulder": 6, "l_hip": 11, "r_hip": 12, "l_knee": 13, "r_knee": 14,
              "l_ankle": 15, "r_ankle": 16}


def write_mediapipe_csv(path: Path, pts: dict[str, np.ndarray], rate: float) -> Path:
    from kinchain.movement.readers import MEDIAPIPE33

    names = {v: k for k, v in MP_INDEX.items()}
    n = next(iter(pts.values())).shape[0]
    header = ["frame", "time"] + [f"{MEDIAPIPE33[i]}_{a}" for i in range(33) for a in ("x", "y", "visibility")]
    rows = [",".join(header)]
    for f in range(n):
        vals = [str(f), f"{f / rate:.5f}"]
        for i in range(33):
            if i in names:
                x, y = pts[names[i]][f]
                vals += [f"{x:.4f}", f"{y:.4f}", "0.99"]
            else:
                vals += ["", "", ""]
        rows.append(",".join(vals))
    path.write_text("\n".join(rows) + "\n")
    return path


def write_openpose_dir(folder: Path, pts: dict[str, np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    n = next(iter(pts.values())).shape[0]
    for f in range(n):
        kp = [0.0] * 51
        for name, i in COCO_INDEX.items():
            kp[3 * i:3 * i + 3] = [float(pts[name][f, 0]), float(pts[name][f, 1]), 0.9]
        # a second, smaller person far away that must be ignored
        other = [v * 0.2 if (j % 3) != 2 else 0.3 for j, v in enumerate(kp)]
        doc = {"version": 1.3, "people": [{"pose_keypoints_2d": other}, {"pose_keypoints_2d": kp}]}
        (folder / f"squat_{f:06d}_keypoints.json").write_text(json.dumps(doc))
    return folder
