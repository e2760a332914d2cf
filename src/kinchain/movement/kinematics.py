"""Segment frames and joint angles from 3D markers (conventions in docs/movement.md).

- Pelvis (Wu et al. 2002, ISB): Z from left to right ASIS, X anterior in the plane of both ASIS and the
  mid-PSIS, Y = Z x X (up). Origin mid-ASIS.
- Hip joint centre: Harrington et al. 2007 regression on pelvic width (PW, ASIS-ASIS) and depth (PD,
  mid-ASIS to mid-PSIS), in the pelvis frame, mm: x = -0.24 PD - 9.9, y = -0.30 PW - 10.9,
  z = +/-(0.33 PW + 7.3).
- Femur (ISB): Y from knee centre (mid-epicondyles) to hip centre, X = Y x (epicondylar axis pointing
  right), Z = X x Y. Tibia: Y from ankle centre (mid-malleoli) to knee centre, transverse axis from the
  malleoli, same construction.
- Joint angles: Cardan/Euler sequence Z-X-Y (flexion, ab/adduction, axial rotation) of the distal frame
  relative to the proximal one, which for these axes is the Grood & Suntay (1983) joint coordinate
  system recommended by the ISB. Signs are made anatomical per side: + = hip flexion, hip adduction, hip
  internal rotation, knee flexion, knee abduction (valgus), knee internal rotation.
- Pelvis and trunk relative to the laboratory: a level reference frame (vertical from the data, forward =
  mean heading of the pelvis). ``pelvic_obliquity`` + = left hemipelvis lower than right (pelvis drops to
  the left); ``pelvic_tilt`` + = anterior; ``pelvic_rotation`` + = right side forward;
  ``trunk_lean`` + = trunk leaning to the right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from kinchain.errors import MovementDataError
from kinchain.movement.markersets import chord
from kinchain.movement.trial import FloatArray

# Plug-in-Gait defaults when no medial markers exist (mm). Anthropometric defaults, not clinical norms.
PIG_KNEE_OFFSET_MM = 50.0 + 7.0  # half a 100 mm knee width + marker radius
PIG_ANKLE_OFFSET_MM = 35.0 + 7.0  # half a 70 mm ankle width + marker radius


def _norm(v: FloatArray) -> FloatArray:
    """Length along the last axis (size 3), same sums as ``np.linalg.norm`` without a reduction call."""
    return np.asarray(np.sqrt(v[..., 0] * v[..., 0] + v[..., 1] * v[..., 1] + v[..., 2] * v[..., 2]))


def project(v: FloatArray, axes: FloatArray) -> FloatArray:
    """``v @ axes`` for points (n, 3) and one axis (3,) or several (3, k), written out as sums of
    products: a BLAS call on such thin operands gains nothing and was seen to stall for tens of
    milliseconds per call (worker threads) on a shared machine."""
    return np.asarray(v[:, 0, None] * axes[0] + v[:, 1, None] * axes[1] + v[:, 2, None] * axes[2]
                      if axes.ndim == 2 else v[:, 0] * axes[0] + v[:, 1] * axes[1] + v[:, 2] * axes[2])


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """``np.cross`` of (n, 3) arrays (the same products and differences) without its dtype copies."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    np.subtract(a[..., 1] * b[..., 2], a[..., 2] * b[..., 1], out=out[..., 0])
    np.subtract(a[..., 2] * b[..., 0], a[..., 0] * b[..., 2], out=out[..., 1])
    np.subtract(a[..., 0] * b[..., 1], a[..., 1] * b[..., 0], out=out[..., 2])
    return out


def _unit(v: FloatArray) -> FloatArray:
    return v / _norm(v)[..., None]


def frame_yz(y: FloatArray, z_hint: FloatArray) -> FloatArray:
    """Rotation matrices (n, 3, 3), columns X, Y, Z: Y along ``y``, X = Y x z_hint, Z = X x Y."""
    ey = _unit(y)
    ex = _unit(_cross(ey, z_hint))
    ez = _cross(ex, ey)
    return np.stack((ex, ey, ez), axis=-1)


def pelvis_frame(rasi: FloatArray, lasi: FloatArray, rpsi: FloatArray, lpsi: FloatArray) -> tuple[FloatArray, FloatArray]:
    origin = 0.5 * (rasi + lasi)
    ez = _unit(rasi - lasi)
    fwd = origin - 0.5 * (rpsi + lpsi)
    ey = _unit(_cross(ez, fwd))
    ex = _cross(ey, ez)
    return origin, np.stack((ex, ey, ez), axis=-1)


def harrington_hjc(rasi: FloatArray, lasi: FloatArray, rpsi: FloatArray, lpsi: FloatArray,
                   origin: FloatArray, rot: FloatArray) -> tuple[FloatArray, FloatArray, dict[str, float]]:
    """Right and left hip joint centres (Harrington et al. 2007, PW+PD regression), mm."""
    pw = float(np.nanmedian(_norm(rasi - lasi)))
    pd = float(np.nanmedian(_norm(0.5 * (rasi + lasi) - 0.5 * (rpsi + lpsi))))
    x, y, z = -0.24 * pd - 9.9, -0.30 * pw - 10.9, 0.33 * pw + 7.3
    xy = rot[:, :, 0] * x + rot[:, :, 1] * y
    zz = rot[:, :, 2] * z
    r = origin + (xy + zz)
    left = origin + (xy - zz)
    return r, left, {"pelvic_width_mm": pw, "pelvic_depth_mm": pd}


def cardan_zxy(r_prox: FloatArray, r_dist: FloatArray) -> FloatArray:
    """Intrinsic Z-X-Y angles (degrees) of distal relative to proximal; NaN rows stay NaN.

    Closed form of R = Rz(a) Rx(b) Ry(c): b = asin(R21), a = atan2(-R01, R11), c = atan2(-R20, R22).
    Identical to ``scipy.spatial.transform.Rotation.from_matrix(R).as_euler("ZXY")`` for orthonormal R away
    from gimbal lock (|b| < 90 deg; checked by :func:`cardan_zxy_scipy` in the tests), and several times
    faster because it skips scipy's re-orthonormalisation.
    """
    p, d = np.asarray(r_prox), np.asarray(r_dist)

    def rel(i: int, k: int) -> FloatArray:  # element (i, k) of p^T d: only the five the angles need
        return np.asarray(p[..., 0, i] * d[..., 0, k] + p[..., 1, i] * d[..., 1, k] + p[..., 2, i] * d[..., 2, k])

    b = np.arcsin(np.clip(rel(2, 1), -1.0, 1.0))
    a = np.arctan2(-rel(0, 1), rel(1, 1))
    c = np.arctan2(-rel(2, 0), rel(2, 2))
    out = np.degrees(np.stack(np.broadcast_arrays(a, b, c), axis=1))
    ok = np.broadcast_to(_finite_frames(p) & _finite_frames(d), out.shape[:1])
    out[~ok] = np.nan
    return out


def _finite_frames(m: FloatArray) -> np.ndarray:
    """Per frame: every element of the 3x3 matrix is finite (one value for a single matrix)."""
    if m.ndim != 3:
        return np.asarray(np.isfinite(m).all())
    fin = np.isfinite(m).reshape(-1, 9)
    ok = fin[:, 0] & fin[:, 1]  # an AND over the nine columns: faster than .all(axis=1) on rows of 9
    for j in range(2, 9):
        ok &= fin[:, j]
    return ok


def cardan_zxy_scipy(r_prox: FloatArray, r_dist: FloatArray) -> FloatArray:
    """Reference implementation of :func:`cardan_zxy` with scipy ``Rotation`` (NaN-aware)."""
    rel = np.einsum("nji,njk->nik", r_prox, r_dist)
    out = np.full((rel.shape[0], 3), np.nan)
    ok = np.isfinite(rel).all(axis=(1, 2))
    if ok.any():
        out[ok] = Rotation.from_matrix(rel[ok]).as_euler("ZXY", degrees=True)
    return out


def level_reference(pelvis_rot: FloatArray) -> tuple[FloatArray, int]:
    """Lab reference frame (3x3, columns forward, up, right) and the index of the vertical lab axis."""
    up_mean = np.nanmean(pelvis_rot[:, :, 1], axis=0)
    vi = int(np.argmax(np.abs(up_mean)))
    up = np.zeros(3)
    up[vi] = np.sign(up_mean[vi])
    fwd = np.nanmean(pelvis_rot[:, :, 0], axis=0)
    fwd = fwd - up * fwd[vi]
    if np.linalg.norm(fwd) < 1e-6:
        raise MovementDataError("cannot find the walking direction: pelvis markers give no forward axis")
    fwd /= np.linalg.norm(fwd)
    right = _cross(fwd, up)
    return np.stack((fwd, up, right), axis=-1), vi


def sagittal_ankle_forward(thigh_deg: FloatArray, knee_flexion_deg: FloatArray) -> FloatArray:
    """Forward position of the ankle relative to the hip (in thigh lengths) from the thigh's angle to the
    vertical (+ forward) and the knee flexion, by planar forward kinematics with equal thigh and shank
    lengths (adult thigh and shank are close to the same share of height). Only the timing of its peaks
    is used (gait events), so the scale does not matter."""
    thigh = np.radians(thigh_deg)
    return np.asarray(np.sin(thigh) + np.sin(thigh - np.radians(knee_flexion_deg)))


def fppa(hip: FloatArray, knee: FloatArray, ankle: FloatArray, other_hip: FloatArray) -> FloatArray:
    """Frontal-plane projection angle (degrees) from 2D points (n, 2): the angle between thigh
    (hip->knee) and shank (knee->ankle); + when the knee lies medial of the hip-ankle line (valgus),
    medial meaning toward the other hip."""
    thigh = knee - hip
    shank = ankle - knee
    def dot2(u: FloatArray, v: FloatArray) -> FloatArray:  # np.sum(u * v, axis=1) for 2D points
        return np.asarray(u[:, 0] * v[:, 0] + u[:, 1] * v[:, 1])

    cross = thigh[:, 0] * shank[:, 1] - thigh[:, 1] * shank[:, 0]
    dot = dot2(thigh, shank)
    ang = np.degrees(np.abs(np.arctan2(cross, dot)))
    line = ankle - hip
    rel = knee - hip
    off = rel - line * (dot2(rel, line) / dot2(line, line))[:, None]
    side = np.sign(dot2(off, other_hip - hip))
    side[side == 0] = 1.0
    return side * ang


@dataclass
class Kinematics:
    rate: float
    series: dict[str, FloatArray]
    centres: dict[str, FloatArray]
    reference: FloatArray
    vertical_axis: int
    frames: dict[str, FloatArray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict[str, float] = field(default_factory=dict)

    def height(self, name: str) -> FloatArray:
        """Vertical coordinate of a joint centre or landmark (mm, up positive)."""
        return project(self.centres[name], self.reference[:, 1])


def compute(lm: dict[str, FloatArray], rate: float) -> Kinematics:
    """Every joint angle the landmarks allow; missing segments are skipped with a note."""
    notes: list[str] = []
    origin, rp = pelvis_frame(lm["RASI"], lm["LASI"], lm["RPSI"], lm["LPSI"])
    rhjc, lhjc, info = harrington_hjc(lm["RASI"], lm["LASI"], lm["RPSI"], lm["LPSI"], origin, rp)
    if not 150 <= info["pelvic_width_mm"] <= 400:
        raise MovementDataError(
            f"pelvic width (ASIS to ASIS) is {info['pelvic_width_mm']:.3g} mm, expected 150-400 mm: the file's "
            "unit is probably wrong. Fix: set the unit (TRC 'Units', C3D POINT:UNITS) to what the numbers are in")
    ref, vi = level_reference(rp)
    series: dict[str, FloatArray] = {}
    centres: dict[str, FloatArray] = {"RHJC": rhjc, "LHJC": lhjc, "PELVIS": origin}
    frames: dict[str, FloatArray] = {"pelvis": rp}
    pel = cardan_zxy(ref, rp)  # the constant lab frame broadcasts over the frames
    series["pelvic_tilt"] = -pel[:, 0]
    series["pelvic_obliquity"] = -pel[:, 1]
    series["pelvic_rotation"] = pel[:, 2]
    for side, hjc in (("R", rhjc), ("L", lhjc)):
        s = side.lower()
        sign = 1.0 if side == "R" else -1.0
        lat, med = lm.get(f"{side}KNL"), lm.get(f"{side}KNM")
        medial_dir = -sign * rp[:, :, 2]
        if lat is not None and med is None and f"{side}THI" in lm:
            kjc = chord(hjc, lm[f"{side}THI"], lat, PIG_KNEE_OFFSET_MM, medial_dir)
            med = 2 * kjc - lat
            notes.append(f"{side} knee centre from the Plug-in-Gait chord function (default knee width)")
        if lat is None or med is None:
            notes.append(f"{side} knee epicondyle markers missing: no {s} hip/knee angles")
            continue
        kjc = 0.5 * (lat + med)
        z_hint = sign * (lat - med)
        rf = frame_yz(hjc - kjc, z_hint)
        frames[f"femur_{s}"] = rf
        centres[f"{side}KJC"] = kjc
        hip = cardan_zxy(rp, rf)
        series[f"hip_flexion_{s}"] = hip[:, 0]
        series[f"hip_adduction_{s}"] = sign * hip[:, 1]
        series[f"hip_rotation_{s}"] = sign * hip[:, 2]
        alat, amed = lm.get(f"{side}ANL"), lm.get(f"{side}ANM")
        if alat is not None and amed is None and f"{side}TIB" in lm:
            ajc = chord(kjc, lm[f"{side}TIB"], alat, PIG_ANKLE_OFFSET_MM, medial_dir)
            amed = 2 * ajc - alat
            notes.append(f"{side} ankle centre from the Plug-in-Gait chord function (default ankle width)")
        if alat is None or amed is None:
            notes.append(f"{side} malleolus markers missing: no {s} knee angles")
            continue
        ajc = 0.5 * (alat + amed)
        rt = frame_yz(kjc - ajc, sign * (alat - amed))
        frames[f"tibia_{s}"] = rt
        centres[f"{side}AJC"] = ajc
        knee = cardan_zxy(rf, rt)
        series[f"knee_flexion_{s}"] = -knee[:, 0]
        series[f"knee_abduction_{s}"] = -sign * knee[:, 1]
        series[f"knee_rotation_{s}"] = sign * knee[:, 2]
    # frontal-plane projection angle in the lab frontal plane (for comparison with 2D video)
    fr_axes = ref[:, [2, 1]]  # right, up
    for side, other in (("R", "L"), ("L", "R")):
        if f"{side}KJC" in centres and f"{side}AJC" in centres:
            p = {k: project(centres[k], fr_axes) for k in (f"{side}HJC", f"{side}KJC", f"{side}AJC", f"{other}HJC")}
            series[f"knee_fppa_{side.lower()}"] = fppa(p[f"{side}HJC"], p[f"{side}KJC"], p[f"{side}AJC"],
                                                       p[f"{other}HJC"])
    # trunk lean relative to vertical in the lab frontal plane
    top = None
    if "RSHO" in lm and "LSHO" in lm:
        top = 0.5 * (lm["RSHO"] + lm["LSHO"])
    elif "C7" in lm:
        top = lm["C7"]
    if top is not None:
        v = top - 0.5 * (rhjc + lhjc)
        v_up = project(v, ref[:, 1])
        series["trunk_lean"] = np.degrees(np.arctan2(project(v, ref[:, 2]), v_up))
        series["trunk_flexion"] = np.degrees(np.arctan2(project(v, ref[:, 0]), v_up))
    else:
        notes.append("no C7 or shoulder markers: no trunk lean")
    for name in ("RHEE", "LHEE", "RTOE", "LTOE"):
        if name in lm:
            centres[name] = lm[name]
    return Kinematics(rate=rate, series=series, centres=centres, reference=ref, vertical_axis=vi,
                      frames=frames, notes=notes, info=info)


def planar(points: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """2D measures from image keypoints (x right, y down): FPPA per side, pelvic obliquity, trunk lean."""
    out: dict[str, FloatArray] = {}
    lh, rh = points["l_hip"], points["r_hip"]
    out["knee_fppa_r"] = fppa(rh, points["r_knee"], points["r_ankle"], lh)
    out["knee_fppa_l"] = fppa(lh, points["l_knee"], points["l_ankle"], rh)
    d = lh - rh  # subject's right -> left
    facing = np.sign(np.nanmedian(d[:, 0])) or 1.0
    # y grows downward: left hip lower (larger y) -> positive obliquity (pelvis drops to the left)
    obl = np.degrees(np.arctan2(d[:, 1], facing * d[:, 0]))
    # undefined when the hips overlap in the image (side view) or swap sides (the subject turned)
    sep = np.linalg.norm(d, axis=1)
    ref = np.nanpercentile(sep, 90) if np.isfinite(sep).any() else np.nan
    obl[~(sep >= 0.5 * ref) | ~(facing * d[:, 0] > 0)] = np.nan
    out["pelvic_obliquity"] = obl
    if "l_shoulder" in points and "r_shoulder" in points:
        v = 0.5 * (points["l_shoulder"] + points["r_shoulder"]) - 0.5 * (lh + rh)
        # lean to the subject's right = toward image -x when facing the camera (facing = +1)
        out["trunk_lean"] = np.degrees(np.arctan2(-facing * v[:, 0], -v[:, 1]))
    return out
