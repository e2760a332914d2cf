"""Comparison of measured values with published norms held in the knowledge base (movement.yaml).

Every number used here is a knowledge-base parameter with a citation and an evidence status; this module
only knows which parameter applies to which measure, task and sex.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kinchain.knowledge.loader import Knowledge

SQUAT_TASKS = ("single_leg_squat", "step_down")  # single-leg tasks: the FPPA norms were measured in these
BILATERAL_TASKS = ("squat", "drop_jump")  # both feet down: no single-stance norm (pelvic drop, adduction) applies
REPETITION_TASKS = SQUAT_TASKS + BILATERAL_TASKS  # analysed as repetitions, not stance phases
GAIT_TASKS = ("gait", "running")
HIP_IR_TASKS = ("running", "drop_jump", "step_down")  # the tasks the hip internal rotation norm averages over


@dataclass(frozen=True)
class Norm:
    control_mean: str | None
    control_sd: str | None
    patient_mean: str | None
    patient_sd: str | None
    threshold: str
    label: str
    note: str | None = None
    normal_low: str | None = None  # lower end of a published normal range (its upper end is the threshold)


def _norm(measure: str, task: str, sex: str | None) -> Norm | None:
    if measure == "knee_fppa_deg" and task in SQUAT_TASKS:
        note = None if task == "single_leg_squat" else (
            "single-leg-squat norms applied to a step-down; the two tasks differ systematically")
        if sex == "male":
            return Norm("mv_fppa_sls_male_control_mean_deg", None, "mv_fppa_sls_male_pfp_mean_deg", None,
                        "mv_fppa_sls_male_threshold_deg", "FPPA in single-leg squat, men", note)
        return Norm("mv_fppa_sls_female_control_mean_deg", "mv_fppa_sls_female_control_sd_deg",
                    "mv_fppa_sls_female_pfp_mean_deg", "mv_fppa_sls_female_pfp_sd_deg",
                    "mv_fppa_sls_female_threshold_deg",
                    "FPPA in single-leg squat, women" + ("" if sex == "female" else " (sex not given)"), note)
    if measure == "knee_fppa_deg" and task == "drop_jump":
        male = sex == "male"
        who = "men" if male else "women" + ("" if sex == "female" else " (sex not given)")
        return Norm(None, None, None, None, f"mv_fppa_dj_{'male' if male else 'female'}_normal_high_deg",
                    f"FPPA in drop-jump landing, {who}: upper end of the normal range", None,
                    f"mv_fppa_dj_{'male' if male else 'female'}_normal_low_deg")
    if task in BILATERAL_TASKS and measure in ("contralateral_pelvic_drop_deg", "hip_adduction_peak_deg",
                                               "trunk_lean_deg", "stance_time_asymmetry_pct"):
        return None
    if measure == "hip_internal_rotation_peak_deg" and task in (*HIP_IR_TASKS, "single_leg_squat"):
        return Norm("mv_hip_ir_control_mean_deg", "mv_hip_ir_control_sd_deg", "mv_hip_ir_pfp_mean_deg",
                    "mv_hip_ir_pfp_sd_deg", "mv_hip_ir_threshold_deg",
                    "peak hip internal rotation (running, drop jump, step-down; women)",
                    None if task in HIP_IR_TASKS else "step-down norm applied to a single-leg squat")
    if measure == "contralateral_pelvic_drop_deg":
        return Norm(None, None, None, None, "mv_cpd_threshold_deg", "contralateral pelvic drop",
                    None if task == "running" else "running threshold applied to another task")
    if measure == "hip_adduction_peak_deg":
        return Norm(None, None, None, None, "mv_hip_adduction_threshold_deg", "peak hip adduction")
    if measure == "trunk_lean_deg":
        return Norm(None, None, None, None, "mv_trunk_lean_threshold_deg", "lateral trunk lean toward stance")
    if measure == "stance_time_asymmetry_pct":
        return Norm(None, None, None, None, "mv_stance_asymmetry_threshold_pct", "stance-time asymmetry")
    return None


def threshold(measure: str, task: str, sex: str | None, kb: Knowledge) -> float | None:
    """The threshold :func:`compare` would use for ``measure`` (``None`` if no norm applies)."""
    norm = _norm(measure, task, sex)
    return None if norm is None else kb.parameter(norm.threshold)


def compare(measure: str, value: float, task: str, sex: str | None, kb: Knowledge,
            low_confidence: bool = False) -> dict[str, Any] | None:
    """The norm a value is compared with, the z-score against controls and whether it is beyond the
    threshold; ``None`` if no norm applies."""
    norm = _norm(measure, task, sex)
    if norm is None:
        return None
    out: dict[str, Any] = {"norm": norm.label}
    cites: list[str] = []
    for key in ("control_mean", "control_sd", "patient_mean", "patient_sd", "threshold"):
        pid = getattr(norm, key)
        if pid is not None:
            out[key] = kb.parameter(pid)
            cites += kb.parameters[pid].citation
    if norm.normal_low is not None:
        out["normal_range"] = [kb.parameter(norm.normal_low), out["threshold"]]
        cites += kb.parameters[norm.normal_low].citation
    ctl, sd = out.get("control_mean"), out.get("control_sd")
    if ctl is not None and sd:
        out["z_vs_controls"] = round((value - ctl) / sd, 2)
    out["beyond_threshold"] = bool(value > out["threshold"])
    if measure == "contralateral_pelvic_drop_deg":
        out["odds_ratio_per_deg"] = kb.parameter("mv_cpd_odds_ratio_per_deg")
        cites += kb.parameters["mv_cpd_odds_ratio_per_deg"].citation
    if low_confidence and measure in ("knee_fppa_deg", "contralateral_pelvic_drop_deg", "trunk_lean_deg"):
        out["measurement_sem_deg"] = kb.parameter("mv_fppa_2d_sem_deg")
        out["smallest_detectable_difference_deg"] = kb.parameter("mv_fppa_2d_sdd_deg")
        cites += kb.parameters["mv_fppa_2d_sdd_deg"].citation
    if norm.note:
        out["note"] = norm.note
    out["citation"] = sorted(set(cites))
    out["status"] = sorted({kb.parameters[getattr(norm, k)].status for k in
                            ("control_mean", "threshold", "normal_low") if getattr(norm, k)})
    return out
