"""The movement pipeline: file -> clean trajectories -> angles -> events -> measures -> norms -> findings."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from kinchain.errors import MovementDataError
from kinchain.knowledge.loader import Knowledge, load_knowledge
from kinchain.movement import events as ev
from kinchain.movement import kinematics as kin
from kinchain.movement.filtering import clean, clean_channels
from kinchain.movement.markersets import ALIASES, find, landmarks
from kinchain.movement.norms import BILATERAL_TASKS, GAIT_TASKS, REPETITION_TASKS, SQUAT_TASKS, compare, threshold
from kinchain.movement.readers import is_force_mot, load_trial, read_forces
from kinchain.movement.trial import CoordinateTrial, FloatArray, ForceRecord, KeypointTrial, MarkerTrial, Trial

Task = Literal["gait", "running", "single_leg_squat", "step_down", "squat", "drop_jump"]
TASKS: tuple[str, ...] = ("gait", "running", "single_leg_squat", "step_down", "squat", "drop_jump")

# finding ids in the engine vocabulary (knowledge/data/movement.yaml)
FINDING_IDS = ("contralateral_pelvic_drop_deg", "knee_fppa_deg", "hip_adduction_peak_deg",
               "hip_internal_rotation_peak_deg", "trunk_lean_deg", "stance_time_asymmetry_pct")
UNIT_MEASURES = ("contralateral_pelvic_drop_deg", "knee_fppa_deg", "hip_adduction_peak_deg",
                 "hip_internal_rotation_peak_deg", "knee_abduction_peak_deg", "knee_flexion_peak_deg",
                 "trunk_lean_deg")

CUTOFF_PARAM = {"gait": "mv_filter_cutoff_walking_hz", "running": "mv_filter_cutoff_running_hz",
                "single_leg_squat": "mv_filter_cutoff_squat_hz", "step_down": "mv_filter_cutoff_squat_hz",
                "squat": "mv_filter_cutoff_squat_hz",
                "drop_jump": "mv_filter_cutoff_running_hz"}  # a landing is an impact, like a running foot strike


@dataclass
class MovementResult:
    path: str
    task: str
    kind: str  # "markers-3d" | "keypoints-2d" | "model-coordinates"
    rate: float
    series: dict[str, FloatArray]
    units: list[dict[str, Any]]  # one per stance phase or repetition
    summary: dict[str, Any]
    findings: dict[str, float]
    low_confidence: bool
    notes: list[str] = field(default_factory=list)
    processing: dict[str, Any] = field(default_factory=dict)

    def to_json(self, include_series: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.path, "task": self.task, "kind": self.kind, "rate_hz": self.rate,
            "low_confidence": self.low_confidence, "processing": self.processing,
            "summary": self.summary, "units": self.units, "findings": self.findings, "notes": self.notes,
        }
        if include_series:
            out["series"] = {k: [None if not np.isfinite(v) else round(float(v), 4) for v in arr]
                             for k, arr in self.series.items()}
        return out


# ------------------------------------------------------------------------------------------ helpers
def _guess_task(path: Path) -> str | None:
    name = path.name.lower()
    for pat, task in ((r"sls|single[_-]?leg|one[_-]?leg", "single_leg_squat"), (r"squat", "squat"),
                      (r"step[_-]?down|stepdown", "step_down"), (r"jump|land|hop", "drop_jump"),
                      (r"run|jog", "running"), (r"walk|gait", "gait")):
        if re.search(pat, name):
            return task
    return None


def _seg_extreme(x: FloatArray, a: np.ndarray, b: np.ndarray, ufunc: np.ufunc) -> FloatArray:
    """``ufunc`` (np.fmax / np.fmin: NaN ignored, NaN when all are) over each frame span [a, b] at once
    (spans may overlap); the same values as ``np.nanmax`` / ``np.nanmin`` span by span."""
    padded = np.append(x, np.nan)
    idx = np.empty(2 * len(a), dtype=np.intp)
    idx[0::2], idx[1::2] = a, b + 1
    return np.asarray(ufunc.reduceat(padded, idx)[0::2])


def _stance_units(series: Any, stances: list[Any], rate: float) -> list[dict[str, Any]]:
    """One unit per stance phase: side, frames, duration and the per-stance measures."""
    measures = _units_measures(series, [st.side for st in stances], [st.start for st in stances],
                               [st.stop for st in stances], None)
    units = []
    for st, m in zip(stances, measures, strict=True):
        u: dict[str, Any] = {"kind": "stance", "side": st.side, "start": st.start, "stop": st.stop,
                             "duration_s": round((st.stop - st.start) / rate, 4)}
        u.update(m)
        units.append(u)
    return units


def _units_measures(series: dict[str, FloatArray], sides: list[str], starts: list[int], stops: list[int],
                    deepest: list[int] | None) -> list[dict[str, float]]:
    """Measures of every stance phase [start, stop] or repetition (``deepest`` frames given) on the
    given sides, computed for all units together (one reduction per series, no loop over frames)."""
    n = len(sides)
    if n == 0:
        return []
    a, b = np.asarray(starts, dtype=np.intp), np.asarray(stops, dtype=np.intp)
    # + obliquity = left side lower = drop during right stance; peaks of sign * x with sign = +1 (right)
    # or -1 (left) are taken as +max(x) or -min(x), the same numbers
    right = np.asarray([s == "r" for s in sides])
    cols: dict[str, list[float]] = {}
    obl = series.get("pelvic_obliquity")
    if obl is not None:
        base = obl[a]
        # peak of sign * (obl - obl[a]) over the span, computed as sign * (extreme - obl[a])
        hi, lo = _seg_extreme(obl, a, b, np.fmax), _seg_extreme(obl, a, b, np.fmin)
        drop = np.where(right, 1.0 * (hi - base), -1.0 * (lo - base))
        drop[~np.isfinite(base)] = np.nan
        cols["contralateral_pelvic_drop_deg"] = drop.tolist()
    per_side = {"r": right, "l": ~right}
    for key, name in (("hip_adduction", "hip_adduction_peak_deg"),
                      ("hip_rotation", "hip_internal_rotation_peak_deg"),
                      ("knee_abduction", "knee_abduction_peak_deg"), ("knee_flexion", "knee_flexion_peak_deg"),
                      ("knee_fppa", "knee_fppa_deg")):
        vals = np.full(n, np.inf)  # inf marks "series absent on this side": left out below
        for side, sel in per_side.items():
            x = series.get(f"{key}_{side}")
            if x is None or not sel.any():
                continue
            if key == "knee_fppa" and deepest is not None:
                vals[sel] = x[np.asarray(deepest, dtype=np.intp)[sel]]
            else:
                vals[sel] = _seg_extreme(x, a[sel], b[sel], np.fmax)
        cols[name] = vals.tolist()
    tl = series.get("trunk_lean")
    if tl is not None:
        hi, lo = _seg_extreme(tl, a, b, np.fmax), _seg_extreme(tl, a, b, np.fmin)
        cols["trunk_lean_deg"] = np.where(right, 1.0 * hi, -1.0 * lo).tolist()
    order = ("contralateral_pelvic_drop_deg", "hip_adduction_peak_deg", "hip_internal_rotation_peak_deg",
             "knee_abduction_peak_deg", "knee_flexion_peak_deg", "knee_fppa_deg", "trunk_lean_deg")
    present = [(k, cols[k]) for k in order if k in cols]
    out: list[dict[str, float]] = []
    for i in range(n):
        out.append({k: round(v[i], 2) for k, v in present if math.isfinite(v[i])})
    return out


def _unit_measures(series: dict[str, FloatArray], side: str, a: int, b: int, deepest: int | None) -> dict[str, float]:
    """Measures for one stance phase [a, b] or repetition (``deepest`` frame given)."""
    return _units_measures(series, [side], [a], [b], None if deepest is None else [deepest])[0]


def _landings(task: str, reps: list[ev.Repetition], height: FloatArray | None, min_drop: float, unit: str,
              ) -> tuple[list[ev.Repetition], list[str]]:
    """For a drop jump, the repetitions that are landings: the pelvis starts the descent higher than
    where it comes back up (a fall from a box or a flight), unlike a countermovement or a squat."""
    if task != "drop_jump" or not reps:
        return reps, []
    if height is None:
        return [], ["drop_jump: no pelvis height in the file, so landings cannot be told from take-offs or "
                    "squats: no repetition analysed"]
    keep = [r for r in reps if height[r.start] - height[r.stop] > min_drop]
    return keep, [f"drop_jump: {len(keep)} of {len(reps)} knee-bend repetitions start with the pelvis at least "
                  f"{min_drop:.3g} {unit} higher than they end (landings) and are analysed; the others (countermovements, "
                  "squats, a leg lifted) are not"]


def _repetition_units(series: dict[str, FloatArray], reps: list[ev.Repetition], task: str,
                      ) -> list[dict[str, Any]]:
    if task in BILATERAL_TASKS:  # both legs bear the load: one unit per leg
        reps = [ev.Repetition(side, r.start, r.deepest, r.stop) for r in reps for side in ("r", "l")]
    measures = _units_measures(series, [r.side for r in reps], [r.start for r in reps], [r.stop for r in reps],
                               [r.deepest for r in reps])
    units: list[dict[str, Any]] = []
    for r, m in zip(reps, measures, strict=True):
        u: dict[str, Any] = {"kind": "repetition", "side": r.side, "start": r.start, "deepest": r.deepest,
                             "stop": r.stop}
        u.update(m)
        units.append(u)
    return units


def _smooth(x: FloatArray, rate: float, cutoff: float, max_gap_s: float) -> FloatArray:
    return clean(x, rate, cutoff, max_gap_s)[0]


# --------------------------------------------------------------------------------------- per format
def _static_hint(path: Path) -> str:
    """What to pass when the joint-centre markers are empty: a static trial found beside the file, if any."""
    near = sorted(p.name for p in path.parent.glob("*") if p != path and "static" in p.name.lower()
                  and p.suffix.lower() in (".trc", ".c3d"))
    what = "FPPA, hip and knee angles need the knee and ankle centres, which are empty in this trial"
    if near:
        return f"{what}: rerun with --static {near[0]} (the static calibration trial found beside it)"
    return f"{what}: rerun with --static STATIC.trc, the static calibration trial of the same session"


def _markers(trial: MarkerTrial, task: str | None, kb: Knowledge, static: MarkerTrial | None,
             forced: _Forces | None = None, strict: bool = True,
             ) -> tuple[str, dict[str, FloatArray], list[dict[str, Any]], list[str], dict[str, Any]]:
    """``forced``: force contacts that time the stance phases; unless ``strict`` (a --grf file, or
    events='force'), they are used only when they hold a complete footfall of each foot."""
    lm, notes = landmarks(trial, static)
    # infer the task from the pelvis speed when neither the caller nor the filename said
    mid = 0.5 * (lm["RASI"] + lm["LASI"])
    if task is None:
        disp = np.nanpercentile(mid, 95, axis=0) - np.nanpercentile(mid, 5, axis=0)
        horiz = np.sort(disp)[-1]
        dur = trial.n_frames / trial.rate
        speed = horiz / 1000.0 / max(dur * 0.9, 1e-6)
        task = "running" if speed > 2.0 else "gait" if speed > 0.3 else "single_leg_squat"
        notes.append(f"task not given: inferred '{task}' from the pelvis speed ({speed:.2f} m/s)")
    cutoff = kb.parameter(CUTOFF_PARAM[task])
    max_gap = kb.parameter("mv_gap_fill_max_s")
    names = list(lm)
    # one contiguous row per coordinate of each landmark (the layout the filter runs fastest on)
    channels = np.empty((3 * len(names), trial.n_frames))
    for i, n in enumerate(names):
        channels[3 * i:3 * i + 3] = lm[n].T
    channels, report = clean_channels(channels, trial.rate, cutoff, max_gap)
    lm = {n: np.ascontiguousarray(channels[3 * i:3 * i + 3].T) for i, n in enumerate(names)}
    k = kin.compute(lm, trial.rate)
    notes += k.notes
    if static is None and not {"RKJC", "LKJC"} <= set(k.centres):  # a knee centre could not be built
        notes.append(_static_hint(trial.path))
    units: list[dict[str, Any]] = []
    if task in GAIT_TASKS:
        fwd = k.reference[:, 0]
        pel = kin.project(k.centres["PELVIS"], fwd)
        rel_h, rel_t = {}, {}
        for side in ("r", "l"):
            S = side.upper()
            heel = k.centres.get(f"{S}HEE", k.centres.get(f"{S}AJC"))
            toe = k.centres.get(f"{S}TOE", k.centres.get(f"{S}AJC"))
            if heel is None or toe is None:
                raise MovementDataError(f"{trial.path}: no heel, toe or ankle markers on side {S}: gait events "
                                        "cannot be found. Fix: add heel/toe markers (e.g. RHEE, RTOE)")
            rel_h[side] = kin.project(heel, fwd) - pel
            rel_t[side] = kin.project(toe, fwd) - pel
        stances: list[ev.Stance] | None = None
        if forced is not None:
            # foot markers as recorded (before any axis flip or filtering): the force file's lab frame
            feet = {}
            for s in ("r", "l"):
                parts = [xyz for n in ("HEE", "TOE", "ANL")
                         if (xyz := find(trial, ALIASES[f"{s.upper()}{n}"])) is not None]
                if parts:
                    with warnings.catch_warnings():  # frames where every foot marker is missing stay NaN
                        warnings.simplefilter("ignore", RuntimeWarning)
                        feet[s] = np.nanmean(np.stack(parts), axis=0)
            plated, fnotes = _sided_stances(forced, feet)
            if strict or {st.side for st in plated} == {"r", "l"}:
                stances = plated
                notes.append(_GRF_NOTE.format(kb.parameter("mv_grf_contact_threshold_n")))
                notes += fnotes
            else:  # one foot's stance from a plate and the other's from the markers would fake an asymmetry
                notes.append(f"force plates in the file hold {len(plated)} complete footfall(s) "
                             f"({', '.join(st.side for st in plated) or 'none'}), not one of each foot: "
                             "stance from the markers instead")
        if stances is None and task == "running":
            foot = {s: np.fmin(k.height(f"{s.upper()}HEE") if f"{s.upper()}HEE" in k.centres else np.inf,
                               k.height(f"{s.upper()}TOE") if f"{s.upper()}TOE" in k.centres else np.inf)
                    for s in ("r", "l")}
            stances = ev.contact_phases(foot, trial.rate, kb.parameter("mv_contact_height_tol_mm"))
            notes.append("running: stance from foot height (heel/toe within a set height of the floor)")
        elif stances is None:
            _, _, stances = ev.gait_events(rel_h, rel_t, trial.rate)
            notes.append("walking: heel strike and toe off by the coordinate method (Zeni 2008)")
        units.extend(_stance_units(k.series, stances, trial.rate))
    else:
        depth = -k.height("PELVIS")
        ankle = {s: kin.project(k.centres.get(f"{s.upper()}AJC", k.centres[f"{s.upper()}HJC"]), k.reference[:, 1])
                 for s in ("r", "l")}
        reps = ev.repetitions(depth, ankle, trial.rate, min_depth=kb.parameter("mv_rep_min_descent_mm"))
        reps, lnotes = _landings(task, reps, -depth, kb.parameter("mv_landing_min_drop_mm"), "mm")
        notes += lnotes
        units += _repetition_units(k.series, reps, task)
    proc: dict[str, Any] = dict(report)
    proc["hip_joint_centre"] = "Harrington 2007"
    proc.update({k2: round(v, 1) for k2, v in k.info.items()})
    return task, k.series, units, notes, proc


def _keypoints(trial: KeypointTrial, task: str | None, kb: Knowledge,
               ) -> tuple[str, dict[str, FloatArray], list[dict[str, Any]], list[str], dict[str, Any]]:
    notes = list(trial.notes)
    pts = trial.points.copy()
    pts[trial.confidence < kb.parameter("mv_keypoint_min_confidence")] = np.nan
    hip_mid = 0.5 * (pts[:, trial.names.index("l_hip")] + pts[:, trial.names.index("r_hip")])
    leg = float(np.nanmedian(np.linalg.norm(pts[:, trial.names.index("r_hip")] -
                                            pts[:, trial.names.index("r_ankle")], axis=1)))
    if task is None:
        travel = float(np.nanpercentile(hip_mid[:, 0], 95) - np.nanpercentile(hip_mid[:, 0], 5))
        task = "gait" if travel > 1.5 * leg else "single_leg_squat"
        notes.append(f"task not given: inferred '{task}' from the horizontal travel of the hips")
    cutoff = min(kb.parameter("mv_filter_cutoff_keypoints_hz"), 0.4 * trial.rate)
    filt, report = clean(pts, trial.rate, cutoff, kb.parameter("mv_gap_fill_max_s"))
    p = {n: filt[:, i] for i, n in enumerate(trial.names)}
    series = kin.planar(p)
    hip_width = np.linalg.norm(p["l_hip"] - p["r_hip"], axis=1)
    side_on = ~(hip_width >= kb.parameter("mv_frontal_view_min_hip_ratio") * leg)
    if side_on.any():
        for key in ("knee_fppa_r", "knee_fppa_l", "pelvic_obliquity", "trunk_lean"):
            if key in series:
                series[key] = np.where(side_on, np.nan, series[key])
        notes.append(f"{side_on.mean():.0%} of frames do not look like a frontal view (hips closer than "
                     f"{kb.parameter('mv_frontal_view_min_hip_ratio'):.0%} of the hip-ankle distance): no "
                     "frontal-plane measures (FPPA, pelvic drop, trunk lean) there")
    units: list[dict[str, Any]] = []
    if task in REPETITION_TASKS:
        depth = 0.5 * (p["l_hip"][:, 1] + p["r_hip"][:, 1])  # image y grows downward
        ankle = {"r": -p["r_ankle"][:, 1], "l": -p["l_ankle"][:, 1]}
        reps = ev.repetitions(depth, ankle, trial.rate, kb.parameter("mv_rep_min_descent_leg_fraction") * leg)
        reps, lnotes = _landings(task, reps, -depth, kb.parameter("mv_landing_min_drop_leg_fraction") * leg, "px")
        notes += lnotes
        units += _repetition_units(series, reps, task)
    else:
        # side view: forward = direction of travel along image x
        direction = float(np.sign(np.nanmean(np.diff(hip_mid[:, 0])))) or 1.0
        rel_h = {s: direction * ((p.get(f"{s}_heel", p[f"{s}_ankle"]))[:, 0] - hip_mid[:, 0]) for s in ("r", "l")}
        rel_t = {s: direction * ((p.get(f"{s}_toe", p[f"{s}_ankle"]))[:, 0] - hip_mid[:, 0]) for s in ("r", "l")}
        for s in ("r", "l"):
            if not np.isfinite(p[f"{s}_heel"]).any():
                rel_h[s] = direction * (p[f"{s}_ankle"][:, 0] - hip_mid[:, 0])
                rel_t[s] = rel_h[s]
        _, _, stances = ev.gait_events(rel_h, rel_t, trial.rate, running=task == "running")
        units.extend(_stance_units(series, stances, trial.rate))
        notes.append("2D gait: pelvic obliquity and FPPA need a frontal view, stance times a side view")
    return task, series, units, notes, report


def _coordinates(trial: CoordinateTrial, task: str | None, kb: Knowledge, forced: _Forces | None = None,
                 ) -> tuple[str, dict[str, FloatArray], list[dict[str, Any]], list[str], dict[str, Any]]:
    notes = ["OpenSim coordinates used as computed by the model (no re-filtering); its joint definitions can "
             "put frontal and transverse angles several degrees from marker-based ones, so a value near a "
             "threshold is not conclusive"]
    c = trial.columns
    need = ("hip_adduction_r", "hip_adduction_l", "knee_angle_r", "knee_angle_l")
    missing = [n for n in need if n not in c]
    if missing:
        forces = is_force_mot(trial)
        if forces:
            raise MovementDataError(f"{trial.path}: this .mot holds ground reaction forces ({', '.join(forces[:3])} "
                                    "...), not motion. Fix: analyse the marker (.trc/.c3d) or OpenSim coordinate "
                                    f"file of the same trial and pass this one as --grf {trial.path.name} "
                                    "(stance phases from the vertical force)")
        raise MovementDataError(f"{trial.path}: coordinates {missing} missing. Fix: export the OpenSim "
                                "coordinates of a gait model (hip_adduction_r, knee_angle_r, pelvis_list ...)")
    conv = 1.0 if trial.in_degrees else 180.0 / np.pi
    series: dict[str, FloatArray] = {}
    if "pelvis_list" in c:
        series["pelvic_obliquity"] = -conv * c["pelvis_list"]  # OpenSim + list = right side down
    if "pelvis_tilt" in c:
        series["pelvic_tilt"] = -conv * c["pelvis_tilt"]
    for s in ("r", "l"):
        series[f"hip_flexion_{s}"] = conv * c.get(f"hip_flexion_{s}", np.full(trial.n_frames, np.nan))
        series[f"hip_adduction_{s}"] = conv * c[f"hip_adduction_{s}"]
        if f"hip_rotation_{s}" in c:
            series[f"hip_rotation_{s}"] = conv * c[f"hip_rotation_{s}"]
        series[f"knee_flexion_{s}"] = conv * c[f"knee_angle_{s}"]
    notes.append("a one-degree-of-freedom model knee gives no knee abduction or FPPA")
    if task is None:
        task = "single_leg_squat"
        notes.append("task not given for model coordinates: treated as a squat-like task")
    units: list[dict[str, Any]] = []
    if task in REPETITION_TASKS:
        # a bilateral task bends both knees: the less bent one, so that lifting one leg is no repetition
        depth = (np.fmin(series["knee_flexion_r"], series["knee_flexion_l"]) if task in BILATERAL_TASKS
                 else 0.5 * (series["knee_flexion_r"] + series["knee_flexion_l"]))
        flat = {"r": -series["knee_flexion_r"], "l": -series["knee_flexion_l"]}
        reps = ev.repetitions(depth, flat, trial.rate, kb.parameter("mv_rep_min_knee_flexion_deg"))
        ty = c.get("pelvis_ty")  # OpenSim translations are in metres
        height = None if ty is None else 1000.0 * ty
        reps, lnotes = _landings(task, reps, height, kb.parameter("mv_landing_min_drop_mm"), "mm")
        notes += lnotes
        units += _repetition_units(series, reps, task)
    elif forced is not None:
        units.extend(_stance_units(series, _sided_stances(forced, None)[0], trial.rate))
        notes.append(_GRF_NOTE.format(kb.parameter("mv_grf_contact_threshold_n")))
    elif "pelvis_tilt" in c and all(f"hip_flexion_{s}" in c for s in ("r", "l")):
        # Zeni's events need the foot's forward position relative to the pelvis: rebuilt here from the
        # sagittal angles (thigh angle = pelvis tilt + hip flexion; shank = thigh - knee flexion)
        rel = {s: kin.sagittal_ankle_forward(conv * c["pelvis_tilt"] + series[f"hip_flexion_{s}"],
                                             series[f"knee_flexion_{s}"]) for s in ("r", "l")}
        _, _, stances = ev.gait_events(rel, rel, trial.rate, running=task == "running")
        units.extend(_stance_units(series, stances, trial.rate))
        notes.append("gait events from the model's sagittal angles: ankle position relative to the hip by planar "
                     "forward kinematics, heel strike and toe off as in Zeni 2008")
    else:
        notes.append("no gait events from these coordinates (pelvis_tilt and hip_flexion are needed): whole-trial "
                     "peaks are shown for information only, not compared with stance-phase norms and not "
                     "turned into findings. Fix: export pelvis_tilt and hip_flexion_r/_l, pass the force file "
                     "of the trial with --grf, or analyse its marker file")
        for s in ("r", "l"):
            u = {"kind": "trial", "side": s, "start": 0, "stop": trial.n_frames - 1}
            u.update(_unit_measures(series, s, 0, trial.n_frames - 1, None))
            u.pop("contralateral_pelvic_drop_deg", None)
            units.append(u)
    return task, series, units, notes, {"rate_hz": trial.rate}


EVENTS = ("auto", "force", "kinematic")
_GRF_NOTE = "stance from the force file: vertical ground reaction force above {:g} N"
# a sanity bound, not a clinical number: a pressure centre further than about a foot length from every
# foot means the force and motion files do not share a lab frame
MAX_COP_TO_FOOT_MM = 300.0


@dataclass
class _Forces:
    record: ForceRecord
    contacts: list[ev.Contact]


def contacts(rec: ForceRecord, rate: float, n_frames: int, kb: Knowledge) -> _Forces:
    """Loaded intervals of every channel of a force record, in motion frames."""
    return _Forces(rec, ev.force_contacts(rec.time, rec.vertical, kb.parameter("mv_grf_contact_threshold_n"),
                                          rate, n_frames))


def _sided_stances(forces: _Forces, feet: dict[str, FloatArray] | None) -> tuple[list[ev.Stance], list[str]]:
    """Stance phases from force contacts. A plate (no side in the file) is given to the foot whose
    position over the contact is nearest its mean centre of pressure (``feet``: side -> (frames, 3) mm)."""
    rec, stances, notes = forces.record, [], []
    for c in forces.contacts:
        side = rec.side[c.channel]
        if side is None:
            if not feet:
                raise MovementDataError(
                    f"{rec.path}: force plates carry no left/right label, and the trial has no foot positions "
                    "(heel, toe or ankle markers) to match them with. Fix: analyse the marker file (.trc/.c3d) "
                    "of the trial, with its foot markers, and this --grf file")
            horiz = [ax for ax in range(3) if ax != rec.vertical_axis]
            cop = np.nanmean(rec.cop[c.channel][c.first:c.last + 1][:, horiz], axis=0)
            dist = {s: float(np.linalg.norm(np.nanmean(f[c.start:c.stop + 1][:, horiz], axis=0) - cop))
                    for s, f in feet.items()}
            side = min(dist, key=lambda s: dist[s])
            if not dist[side] < MAX_COP_TO_FOOT_MM:
                notes.append(f"{c.channel} contact at frames {c.start}-{c.stop}: centre of pressure "
                             f"{dist[side]:.0f} mm from the nearest foot, not used")
                continue
        stances.append(ev.Stance(side, c.start, c.stop))
    stances.sort(key=lambda st: st.start)
    if any(rec.side[c.channel] is None for c in forces.contacts):
        notes.append("force plates assigned to the foot nearest the centre of pressure")
    return stances, notes


# -------------------------------------------------------------------------------------------- main
def summarise(units: list[dict[str, Any]], task: str, sex: str | None, kb: Knowledge,
              low_confidence: bool) -> dict[str, Any]:
    """Per side: mean, SD and values of each measure with the comparison to norms; each unit also gets
    ``beyond_threshold`` (measure -> bool) for its own values."""
    summary: dict[str, Any] = {}
    descriptive = bool(units) and all(u["kind"] == "trial" for u in units)  # whole-trial peaks: no norm fits
    limits = {} if descriptive else {m: t for m in UNIT_MEASURES if (t := threshold(m, task, sex, kb)) is not None}
    for u in units:
        flags = {m: bool(u[m] > t) for m, t in limits.items() if m in u}
        if flags:
            u["beyond_threshold"] = flags
    for side in ("r", "l"):
        mine = [u for u in units if u["side"] == side]
        if not mine:
            continue
        side_sum: dict[str, Any] = {"n": len(mine)}
        for m in (*UNIT_MEASURES, "duration_s"):
            vals = [u[m] for u in mine if m in u]
            if not vals:
                continue
            entry: dict[str, Any] = {"mean": round(float(np.mean(vals)), 2), "values": vals}
            if len(vals) > 1:
                entry["sd"] = round(float(np.std(vals, ddof=1)), 2)
            cmp = None if descriptive else compare(m, entry["mean"], task, sex, kb, low_confidence)
            if cmp is not None:
                entry["comparison"] = cmp
            side_sum[m] = entry
        summary[side] = side_sum
    r, left = summary.get("r", {}).get("duration_s"), summary.get("l", {}).get("duration_s")
    if r and left:
        asym = abs(r["mean"] - left["mean"]) / (0.5 * (r["mean"] + left["mean"])) * 100.0
        summary["stance_time_asymmetry_pct"] = {
            "value": round(asym, 2), "comparison": compare("stance_time_asymmetry_pct", asym, task, sex, kb)}
    return summary


def to_findings(summary: dict[str, Any], task: str, kb: Knowledge, side: str | None = None,
                ) -> tuple[dict[str, float], list[str]]:
    """Engine findings: for each measure the value of the requested side, else the worse side."""
    out: dict[str, float] = {}
    notes: list[str] = []
    wanted = ["contralateral_pelvic_drop_deg", "hip_adduction_peak_deg", "hip_internal_rotation_peak_deg",
              "trunk_lean_deg"]
    if task in SQUAT_TASKS:
        wanted.insert(0, "knee_fppa_deg")
    elif any("comparison" in summary.get(s, {}).get("knee_fppa_deg", {}) for s in ("r", "l")):
        notes.append(f"knee_fppa_deg in {task}: compared with that task's normal range only, not passed to the "
                     "engine (the finding and its evidence links are defined on single-leg squats and step-downs)")
    sides = [side] if side in ("r", "l") else ["r", "l"]
    for m in wanted:  # a measure becomes a finding only where a norm for this task judged it
        vals = {s: summary[s][m]["mean"] for s in sides
                if s in summary and m in summary[s] and "comparison" in summary[s][m]}
        if not vals:
            continue
        worst = max(vals, key=lambda s: vals[s])
        out[m] = vals[worst]
        if len(vals) > 1:
            notes.append(f"{m}: {'right' if worst == 'r' else 'left'} side (the larger of the two) reported")
    if task in GAIT_TASKS and "stance_time_asymmetry_pct" in summary:
        out["stance_time_asymmetry_pct"] = summary["stance_time_asymmetry_pct"]["value"]
    for fid in list(out):
        f = kb.findings.get(fid)
        if f is None:
            notes.append(f"{fid}: not in the knowledge base vocabulary, left out")
            out.pop(fid)
            continue
        lo, hi = f.min if f.min is not None else -np.inf, f.max if f.max is not None else np.inf
        if not lo <= out[fid] <= hi:
            notes.append(f"{fid}: {out[fid]} clipped to the plausible range {lo}..{hi}")
            out[fid] = float(np.clip(out[fid], lo, hi))
    return out, notes


def analyze(path: str | Path, task: str | None = None, *, sex: str | None = None, side: str | None = None,
            static: str | Path | None = None, fps: float | None = None, kb: Knowledge | None = None,
            grf: str | Path | None = None, events: str = "auto",
            trial: Trial | None = None) -> MovementResult:
    """Analyse one motion file end to end.

    ``events`` (gait and running): 'auto' times stance phases from force (a ``grf`` file, else the
    force plates of a C3D file when they hold a complete footfall of each foot) and otherwise from the
    movement; 'force' requires force data; 'kinematic' ignores plates."""
    path = Path(path)
    kb = kb or load_knowledge()
    if task is not None and task not in TASKS:
        raise MovementDataError(f"unknown task '{task}'. Fix: use one of {', '.join(TASKS)}")
    task = task or _guess_task(path)
    trial = trial if trial is not None else load_trial(path, fps=fps)
    if grf is not None and isinstance(trial, KeypointTrial):
        raise MovementDataError(f"{grf}: a force file can time marker or OpenSim coordinate trials, not 2D "
                                "keypoints (their frame clock is the video's). Fix: leave out --grf")
    if events not in EVENTS:
        raise MovementDataError(f"unknown events '{events}'. Fix: use one of {', '.join(EVENTS)}")
    if grf is not None and events == "kinematic":
        raise MovementDataError(f"{grf}: a force file was given with events 'kinematic'. Fix: leave out one of the two")
    record = read_forces(grf) if grf is not None else None
    if record is None and events != "kinematic" and isinstance(trial, MarkerTrial):
        record = trial.forces  # the plates stored in the C3D file, if any
    forced = contacts(record, trial.rate, trial.n_frames, kb) if record is not None else None
    strict = grf is not None or events == "force"
    if events == "force" and (forced is None or not forced.contacts):
        raise MovementDataError(f"{path}: events 'force' asked for, but the trial has no force plate with a complete "
                                "footfall. Fix: pass the force file with --grf, or use events 'auto'")
    low_conf = False
    if isinstance(trial, MarkerTrial):
        st = load_trial(static) if static is not None else None
        if st is not None and not isinstance(st, MarkerTrial):
            raise MovementDataError(f"{static}: a static calibration trial must hold markers (.c3d or .trc)")
        task, series, units, notes, proc = _markers(trial, task, kb, st, forced, strict)
        kind = "markers-3d"
    elif isinstance(trial, KeypointTrial):
        task, series, units, notes, proc = _keypoints(trial, task, kb)
        kind = "keypoints-2d"
        low_conf = True
        notes.append(
            "2D keypoints: frontal-plane angles are lower confidence (published 2D error is several degrees; "
            f"between-session changes under {kb.parameter('mv_fppa_2d_sdd_deg'):g} deg are within noise)")
    else:
        task, series, units, notes, proc = _coordinates(trial, task, kb, forced)
        kind = "model-coordinates"
    notes = [*getattr(trial, "notes", []), *notes] if kind != "keypoints-2d" else notes
    if grf is not None and task in REPETITION_TASKS:
        notes.append(f"--grf not used: {task} repetitions are found from the movement itself, force files "
                     "time stance phases of gait and running only")
    if not units:
        notes.append("no stance phase or repetition was found: no summary or findings")
    summary = summarise(units, task, sex, kb, low_conf)
    findings, fnotes = to_findings(summary, task, kb, side)
    proc["rate_hz"] = trial.rate
    return MovementResult(path=str(path), task=task, kind=kind, rate=float(trial.rate), series=series,
                          units=units, summary=summary, findings=findings, low_confidence=low_conf,
                          notes=notes + fnotes, processing=proc)
