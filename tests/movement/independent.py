"""An independent implementation of the same joint angles with kineticstoolkit (used to cross-check)."""

from __future__ import annotations

import numpy as np


def ktk_angles(lm: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    import kineticstoolkit as ktk

    def pt(a: np.ndarray) -> np.ndarray:
        return np.hstack((a, np.ones((len(a), 1))))

    def vec(a: np.ndarray) -> np.ndarray:
        return np.hstack((a, np.zeros((len(a), 1))))

    mid_asis = 0.5 * (lm["RASI"] + lm["LASI"])
    mid_psis = 0.5 * (lm["RPSI"] + lm["LPSI"])
    pelvis = ktk.geometry.create_frames(pt(mid_asis), z=vec(lm["RASI"] - lm["LASI"]), xz=vec(mid_asis - mid_psis))
    pw = np.nanmedian(np.linalg.norm(lm["RASI"] - lm["LASI"], axis=1))
    pd = np.nanmedian(np.linalg.norm(mid_asis - mid_psis, axis=1))
    out: dict[str, np.ndarray] = {}
    for side, sign in (("R", 1.0), ("L", -1.0)):
        local = np.array([[-0.24 * pd - 9.9, -0.30 * pw - 10.9, sign * (0.33 * pw + 7.3), 1.0]])
        hjc = ktk.geometry.get_global_coordinates(np.repeat(local, len(mid_asis), axis=0), pelvis)[:, :3]
        kjc = 0.5 * (lm[f"{side}KNL"] + lm[f"{side}KNM"])
        ajc = 0.5 * (lm[f"{side}ANL"] + lm[f"{side}ANM"])
        femur = ktk.geometry.create_frames(pt(hjc), y=vec(hjc - kjc), yz=vec(sign * (lm[f"{side}KNL"] - lm[f"{side}KNM"])))
        tibia = ktk.geometry.create_frames(pt(ajc), y=vec(kjc - ajc), yz=vec(sign * (lm[f"{side}ANL"] - lm[f"{side}ANM"])))
        hip = ktk.geometry.get_angles(ktk.geometry.get_local_coordinates(femur, pelvis), "ZXY", degrees=True)
        knee = ktk.geometry.get_angles(ktk.geometry.get_local_coordinates(tibia, femur), "ZXY", degrees=True)
        s = side.lower()
        out[f"hip_flexion_{s}"] = hip[:, 0]
        out[f"hip_adduction_{s}"] = sign * hip[:, 1]
        out[f"hip_rotation_{s}"] = sign * hip[:, 2]
        out[f"knee_flexion_{s}"] = -knee[:, 0]
        out[f"knee_abduction_{s}"] = -sign * knee[:, 1]
        out[f"knee_rotation_{s}"] = sign * knee[:, 2]
    return out
