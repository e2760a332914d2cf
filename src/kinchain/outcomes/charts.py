"""Charts of a PROM series (matplotlib, PNG or SVG). One line per subscale, the score range on the y axis,
and the baseline +/- MIC drawn as a dashed band for single-subscale instruments."""

from __future__ import annotations

from pathlib import Path

from kinchain.errors import OutcomeError
from kinchain.outcomes.change import SeriesResult
from kinchain.outcomes.instruments import get_instrument

FORMATS = {".png": "png", ".svg": "svg"}
# Okabe-Ito palette: distinguishable with common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def chart_series(result: SeriesResult, out: str | Path) -> Path:
    """Write the series chart to ``out`` (.png or .svg); return the path."""
    path = Path(out)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutcomeError(f"chart '{path}': use a .png or .svg file name")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is in the report/movement extras
        raise OutcomeError(f"charts need matplotlib (pip install 'kinchain[report]'): {exc}") from None
    inst = get_instrument(result.instrument)
    xs = list(range(len(result.points)))
    labels = [str(p["date"] or p["label"] or f"#{p['index'] + 1}") for p in result.points]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=120)
    try:
        for i, sub in enumerate(inst.subscales):
            ys = [p["scores"].get(sub.id) for p in result.points]
            if all(y is None for y in ys):
                continue
            verdict = result.verdicts[sub.id].verdict
            ax.plot(xs, [float("nan") if y is None else y for y in ys], marker=MARKERS[i % len(MARKERS)],
                    color=PALETTE[i % len(PALETTE)], linewidth=2, label=f"{sub.name}: {verdict.replace('_', ' ')}")
        if len(inst.subscales) == 1:
            ch = result.verdicts[inst.subscales[0].id]
            if ch.baseline is not None and ch.mic is not None:
                sign = 1 if inst.scoring.higher_is_better else -1
                target = ch.baseline + sign * ch.mic["value"]
                ax.axhline(target, color="#555555", linestyle="--", linewidth=1,
                           label=f"baseline {'+' if sign > 0 else '-'} MIC ({ch.mic['value']:g})")
        lo, hi = inst.scoring.score_min, inst.scoring.score_max
        pad = (hi - lo) * 0.03
        ax.set_ylim(lo - pad, hi + pad)  # markers at the ends of the scale stay visible
        ax.set_xticks(xs, labels, rotation=20 if len(xs) > 4 else 0)
        better = "higher = better" if inst.scoring.higher_is_better else "lower = better"
        ax.set_ylabel(f"{inst.id} score ({better})")
        ax.set_title(f"{inst.name}")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    finally:
        plt.close(fig)
    return path
