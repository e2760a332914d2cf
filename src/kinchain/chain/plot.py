"""Plots of parameter sweeps (PNG or SVG via matplotlib, imported lazily)."""

from __future__ import annotations

from pathlib import Path

from kinchain.chain.model import SweepResult
from kinchain.errors import ChainParameterError

PLOTTED = (
    ("pelvic_drop_deg", "pelvic drop (deg)"),
    ("femoral_internal_rotation_deg", "femoral IR (deg)"),
    ("knee_valgus_deg", "knee valgus FPPA (deg)"),
    ("hip_contact_force_bw", "hip contact force (BW)"),
    ("knee_frontal_moment_nm_per_kg", "knee frontal moment (Nm/kg)"),
    ("patellofemoral_pressure_change_pct", "PF lateral-pull proxy (%, direction only)"),
)


def plot_sweep(result: SweepResult, out: str | Path) -> Path:
    """Write a 2x3 panel plot of the main outputs against the swept parameter; returns the path."""
    path = Path(out)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ChainParameterError(f"--out: {path.name!r} must end in .png or .svg")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib ships with the movement/report extras
        raise ChainParameterError("plots need matplotlib: pip install 'kinchain[movement]'") from exc
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5), constrained_layout=True)
    for ax, (key, label) in zip(axes.flat, PLOTTED, strict=True):
        ax.plot(result.values, result.outputs[key], color="#1f3b57", marker="o", markersize=3)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(f"{result.parameter} ({result.unit})", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(f"kinchain chain sweep: {result.parameter} ({result.base.task.replace('_', ' ')})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Date": None} if path.suffix.lower() == ".svg" else None)
    plt.close(fig)
    return path
