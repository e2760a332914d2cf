"""Marker-set recognition: map the labels of a trial to the anatomical landmarks the model needs.

Supported out of the box: the ISB-style anatomical set of the Qualisys example (R_IAS, R_FLE, R_FAL ...),
Plug-in-Gait (RASI, RKNE, RTHI, RANK, RTIB/RSHA ...), the Cortex/BMClab set (R.ASIS, R.Knee,
R.Knee.Medial ...), the Rajagopal 2015 set (RASI, RLFC, RMFC, RLMAL ...) and OpenCap's augmented
markers (r.ASIS_study, r_knee_study ...). Labels are matched case-insensitively, also with a subject
prefix ("Sub01:RASI").
"""

from __future__ import annotations

import warnings

import numpy as np

from kinchain.errors import MovementDataError
from kinchain.movement.trial import FloatArray, MarkerTrial

ALIASES: dict[str, tuple[str, ...]] = {
    "RASI": ("R_IAS", "RASI", "R.ASIS", "r.ASIS_study", "RASIS", "R_ASIS"),
    "LASI": ("L_IAS", "LASI", "L.ASIS", "L.ASIS_study", "LASIS", "L_ASIS"),
    "RPSI": ("R_IPS", "RPSI", "R.PSIS", "r.PSIS_study", "RPSIS", "R_PSIS"),
    "LPSI": ("L_IPS", "LPSI", "L.PSIS", "L.PSIS_study", "LPSIS", "L_PSIS"),
    "SACR": ("SACR", "VSAC", "SACRUM", "S1"),
    "RKNL": ("R_FLE", "RLFC", "R.Knee", "r_knee_study", "RKNE", "RLEP", "RKNL", "R_LFE"),
    "RKNM": ("R_FME", "RMFC", "R.Knee.Medial", "r_mknee_study", "RMEP", "RKNM", "RMKN", "R_MFE"),
    "LKNL": ("L_FLE", "LLFC", "L.Knee", "L_knee_study", "LKNE", "LLEP", "LKNL", "L_LFE"),
    "LKNM": ("L_FME", "LMFC", "L.Knee.Medial", "L_mknee_study", "LMEP", "LKNM", "LMKN", "L_MFE"),
    "RANL": ("R_FAL", "RLMAL", "R.Ankle", "r_ankle_study", "RANK", "RLMA", "RANL"),
    "RANM": ("R_TAM", "RMMAL", "R.Ankle.Medial", "r_mankle_study", "RMMA", "RANM", "RMED"),
    "LANL": ("L_FAL", "LLMAL", "L.Ankle", "L_ankle_study", "LANK", "LLMA", "LANL"),
    "LANM": ("L_TAM", "LMMAL", "L.Ankle.Medial", "L_mankle_study", "LMMA", "LANM", "LMED"),
    "RHEE": ("R_FCC", "RCAL", "R.Heel", "r_calc_study", "RHEE", "RHEEL"),
    "LHEE": ("L_FCC", "LCAL", "L.Heel", "L_calc_study", "LHEE", "LHEEL"),
    "RTOE": ("RTOE", "R.MT2", "r_toe_study", "R_FM2", "R_FM1", "R.MT1", "RMT1", "RMT2"),
    "LTOE": ("LTOE", "L.MT2", "L_toe_study", "L_FM2", "L_FM1", "L.MT1", "LMT1", "LMT2"),
    "RTHI": ("RTHI",),
    "LTHI": ("LTHI",),
    "RTIB": ("RTIB", "RSHA"),
    "LTIB": ("LTIB", "LSHA"),
    "C7": ("CV7", "C7", "C7_study", "Neck"),
    "RSHO": ("RSHO", "R_SAJ", "RACR", "r_shoulder_study", "RShoulder", "R.Shoulder"),
    "LSHO": ("LSHO", "L_SAJ", "LACR", "L_shoulder_study", "LShoulder", "L.Shoulder"),
}

# technical clusters for calibration from a static trial (CAST): segment -> cluster markers, landmarks
CLUSTERS: dict[str, tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]] = {
    "r_thigh": ((("RTH1", "r_thigh1_study"), ("RTH2", "r_thigh2_study"), ("RTH3", "r_thigh3_study")),
                ("RKNL", "RKNM")),
    "l_thigh": ((("LTH1", "L_thigh1_study"), ("LTH2", "L_thigh2_study"), ("LTH3", "L_thigh3_study")),
                ("LKNL", "LKNM")),
    "r_shank": ((("RTB1", "r_sh1_study"), ("RTB2", "r_sh2_study"), ("RTB3", "r_sh3_study")),
                ("RANL", "RANM")),
    "l_shank": ((("LTB1", "L_sh1_study"), ("LTB2", "L_sh2_study"), ("LTB3", "L_sh3_study")),
                ("LANL", "LANM")),
}

PELVIS = ("RASI", "LASI")


def _index(trial: MarkerTrial) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, lab in enumerate(trial.labels):
        key = lab.split(":")[-1].lower()
        out.setdefault(key, i)
    return out


def _valid_fractions(trial: MarkerTrial) -> FloatArray:
    """Per marker: the fraction of frames in which all three coordinates are present."""
    fin = np.isfinite(trial.points)
    seen = fin[:, :, 0] & fin[:, :, 1] & fin[:, :, 2]
    return np.asarray(np.count_nonzero(seen, axis=0) / trial.n_frames)


def find(trial: MarkerTrial, aliases: tuple[str, ...], min_valid: float = 0.2,
         lookup: tuple[dict[str, int], FloatArray] | None = None) -> FloatArray | None:
    """The first alias present in at least ``min_valid`` of the frames; ``lookup`` = (:func:`_index`,
    :func:`_valid_fractions`) of the trial when the caller looks up many markers."""
    idx, valid = lookup if lookup is not None else (_index(trial), _valid_fractions(trial))
    for a in aliases:
        i = idx.get(a.lower())
        if i is not None and valid[i] >= min_valid:
            return trial.points[:, i, :]
    return None


def landmarks(trial: MarkerTrial, static: MarkerTrial | None = None) -> tuple[dict[str, FloatArray], list[str]]:
    """Canonical landmark name -> (frames, 3) array, plus notes on what was reconstructed."""
    notes: list[str] = []
    out: dict[str, FloatArray] = {}
    lookup = (_index(trial), _valid_fractions(trial))
    for canon, aliases in ALIASES.items():
        xyz = find(trial, aliases, lookup=lookup)
        if xyz is not None:
            out[canon] = xyz
    if ("RPSI" not in out or "LPSI" not in out) and "SACR" in out:
        out["RPSI"] = out["LPSI"] = out["SACR"]
        notes.append("pelvis built from a single sacral marker (mid-PSIS)")
    if static is not None:
        notes += _cast(trial, static, out)
    missing = [m for m in (*PELVIS, "RPSI", "LPSI") if m not in out]
    if not missing:
        notes += _unmirror(out)
    if missing:
        labels = ", ".join(trial.labels[:12]) + (" ..." if len(trial.labels) > 12 else "")
        raise MovementDataError(
            f"{trial.path}: pelvis markers missing: {missing} (looked for "
            f"{[ALIASES[m] for m in missing]}; file has {labels}). Fix: label both ASIS and both PSIS (or a "
            "sacral marker) with one of these names, or rename them in the capture software.")
    return out, notes


def _tech_frame(p1: FloatArray, p2: FloatArray, p3: FloatArray) -> FloatArray:
    e1 = p2 - p1
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e3 = np.cross(e1, p3 - p1)
    e3 /= np.linalg.norm(e3, axis=-1, keepdims=True)
    e2 = np.cross(e3, e1)
    return np.stack((e1, e2, e3), axis=-1)


def _cast(trial: MarkerTrial, static: MarkerTrial, out: dict[str, FloatArray]) -> list[str]:
    """Rebuild landmarks missing in the dynamic trial from a static trial via technical clusters."""
    notes = []
    dyn_lookup = (_index(trial), _valid_fractions(trial))
    sta_lookup = (_index(static), _valid_fractions(static))
    for seg, (cluster, targets) in CLUSTERS.items():
        need = [t for t in targets if t not in out]
        if not need:
            continue
        dyn_o = [find(trial, c, 0.5, dyn_lookup) for c in cluster]
        sta_o = [find(static, c, 0.5, sta_lookup) for c in cluster]
        tgt_o = [find(static, ALIASES[t], 0.5, sta_lookup) for t in need]
        dyn = [a for a in dyn_o if a is not None]
        sta = [a for a in sta_o if a is not None]
        tgt = [a for a in tgt_o if a is not None]
        if len(dyn) < 3 or len(sta) < 3 or len(tgt) < len(need):
            continue
        s1, s2, s3 = (np.nanmedian(a, axis=0) for a in sta)
        rs = _tech_frame(s1, s2, s3)
        rd = _tech_frame(dyn[0], dyn[1], dyn[2])
        for name, t in zip(need, tgt, strict=True):
            local = np.asarray(rs.T @ (np.nanmedian(t, axis=0) - s1))
            out[name] = dyn[0] + np.einsum("nij,j->ni", rd, local)
        notes.append(f"{seg}: {', '.join(need)} rebuilt from the static trial via the marker cluster (CAST)")
    return notes


def chord(far: FloatArray, wand: FloatArray, marker: FloatArray, offset: float, medial: FloatArray) -> FloatArray:
    """Plug-in-Gait chord function: the joint centre J lies in the plane (far, wand, marker), at
    ``offset`` mm from ``marker``, with (far - J) perpendicular to (marker - J); ``medial`` picks the side."""
    am = far - marker
    dist = np.linalg.norm(am, axis=-1, keepdims=True)
    u = am / dist
    n = np.cross(wand - marker, am)
    v = np.cross(n, u)
    v /= np.linalg.norm(v, axis=-1, keepdims=True)
    v *= np.sign(np.sum(v * medial, axis=-1, keepdims=True))
    cos_phi = np.clip(offset / dist, -1.0, 1.0)
    return marker + offset * (cos_phi * u + np.sqrt(1.0 - cos_phi**2) * v)


def _unmirror(out: dict[str, FloatArray]) -> list[str]:
    """Left-handed laboratory axes (or a mirrored export) make the pelvis point downward. Detect it by
    comparing the pelvis' superior axis with the direction from the legs to the pelvis, and flip the
    mediolateral lab axis so that markers labelled right stay on the right."""
    legs = [out[k] for k in ("RKNL", "LKNL", "RANL", "LANL", "RHEE", "LHEE") if k in out]
    if not legs:
        return []
    mid_asis = 0.5 * (out["RASI"] + out["LASI"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where every leg marker is missing
        # mean of the leg markers present in each frame (np.nanmean over them without stacking a copy)
        total, count = np.zeros_like(legs[0]), np.zeros(legs[0].shape)
        for leg in legs:
            seen = ~np.isnan(leg)
            total += np.where(seen, leg, 0.0)
            count += seen
        up = np.nanmean(mid_asis - total / count, axis=0)
    z = np.nanmean(out["RASI"] - out["LASI"], axis=0)
    x = np.nanmean(mid_asis - 0.5 * (out["RPSI"] + out["LPSI"]), axis=0)
    if float(np.dot(np.cross(z, x), up)) >= 0:
        return []
    axis = int(np.argmax(np.abs(z)))
    for key, arr in out.items():
        arr = arr.copy()
        arr[:, axis] *= -1.0
        out[key] = arr
    return [f"left-handed (mirrored) lab axes detected; lab axis {'XYZ'[axis]} was flipped so that the "
            "markers labelled right stay on the right"]
