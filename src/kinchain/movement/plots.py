"""Plots (PNG and SVG): angle curves per stance phase / repetition, time-normalised to 0-100 %, with
the normative band where the knowledge base has one, and a repetition table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kinchain.knowledge.loader import Knowledge, load_knowledge

if TYPE_CHECKING:
    from kinchain.movement.pipeline import MovementResult

# series plotted -> (unit measure whose norm gives the band, title)
PANELS: tuple[tuple[str, str | None, str], ...] = (
    ("pelvic_obliquity", None, "pelvic obliquity (+ = swing side lower)"),
    ("hip_adduction", "mv_hip_adduction_threshold_deg", "hip adduction"),
    ("hip_rotation", "mv_hip_ir_threshold_deg", "hip internal rotation"),
    ("knee_fppa", "mv_fppa_sls_female_threshold_deg", "knee FPPA (+ = valgus)"),
    ("knee_abduction", None, "knee abduction (+ = valgus)"),
    ("knee_flexion", None, "knee flexion"),
)
BANDS = {"hip_rotation": ("mv_hip_ir_control_mean_deg", "mv_hip_ir_control_sd_deg"),
         "knee_fppa": ("mv_fppa_sls_female_control_mean_deg", "mv_fppa_sls_female_control_sd_deg")}


def _norm_curve(x: np.ndarray, n: int = 101) -> np.ndarray:
    if len(x) < 2:
        return np.full(n, np.nan)
    return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x)


def plot_result(res: MovementResult, folder: str | Path, kb: Knowledge | None = None) -> list[Path]:
    """Write ``<stem>_angles.png/.svg`` and ``<stem>_units.png/.svg``; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kb = kb or load_knowledge()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(res.path).stem
    panels = [p for p in PANELS if p[0] in res.series or f"{p[0]}_r" in res.series]
    fig, axes = plt.subplots(len(panels) or 1, 1, figsize=(7, 2.2 * max(len(panels), 1)), squeeze=False)
    pct = np.linspace(0, 100, 101)
    colours = {"r": "tab:red", "l": "tab:blue"}
    for ax, (name, thr, title) in zip(axes[:, 0], panels, strict=False):
        for u in res.units:
            key = name if name in res.series else f"{name}_{u['side']}"
            if key not in res.series:
                continue
            seg = res.series[key][u["start"]:u["stop"] + 1]
            if name == "pelvic_obliquity" and u["side"] == "l":
                seg = -seg
            ax.plot(pct, _norm_curve(seg), color=colours[u["side"]], lw=1, alpha=0.8)
        squat_only = name == "knee_fppa" and res.task not in ("single_leg_squat", "step_down")
        if name in BANDS and not squat_only:
            mean, sd = (kb.parameter(p) for p in BANDS[name])
            ax.axhspan(mean - sd, mean + sd, color="0.85", zorder=0, label="controls mean +/- SD")
        if thr and not squat_only:
            ax.axhline(kb.parameter(thr), color="k", ls="--", lw=0.8, label="threshold")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("deg")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("% of stance phase / repetition (red right, blue left)")
    fig.suptitle(f"{Path(res.path).name} - {res.task}" + (" (2D, lower confidence)" if res.low_confidence else ""),
                 fontsize=10)
    fig.tight_layout()
    written: list[Path] = []
    for ext in ("png", "svg"):
        p = folder / f"{stem}_angles.{ext}"
        fig.savefig(p, dpi=110)
        written.append(p)
    plt.close(fig)
    # repetition / stance table
    cols = ["unit", "side", "frames", "pelvic drop", "FPPA", "hip add", "hip IR", "knee flex"]
    keys = ["contralateral_pelvic_drop_deg", "knee_fppa_deg", "hip_adduction_peak_deg",
            "hip_internal_rotation_peak_deg", "knee_flexion_peak_deg"]
    rows: list[list[Any]] = [[u["kind"], u["side"], f"{u['start']}-{u['stop']}",
                              *(f"{u[k]:.1f}" if k in u else "-" for k in keys)] for u in res.units] or [["-"] * len(cols)]
    fig2, ax2 = plt.subplots(figsize=(7, 0.35 * len(rows) + 0.8))
    ax2.axis("off")
    ax2.table(cellText=rows, colLabels=cols, loc="center", cellLoc="center").scale(1, 1.2)
    ax2.set_title("per stance phase / repetition (deg)", fontsize=9)
    for ext in ("png", "svg"):
        p = folder / f"{stem}_units.{ext}"
        fig2.savefig(p, dpi=110, bbox_inches="tight")
        written.append(p)
    plt.close(fig2)
    return written
