"""Movement analysis: motion data and video -> joint angles -> measures -> norms -> engine findings.

Entry points:

- :func:`analyze` (``kinchain movement analyze FILE``): the whole pipeline for one file.
- :func:`findings_from_file`: the findings in the engine's vocabulary plus short notes, used by
  ``kinchain assess CASE --movement FILE``.

Conventions, filtering, gap policy and norms: docs/movement.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kinchain.movement.pipeline import TASKS, MovementResult, analyze


def __getattr__(name: str) -> Any:
    # the pipeline pulls in scipy; load it on first use so `import kinchain.movement` (and the CLI) stays light
    if name in ("TASKS", "MovementResult", "analyze"):
        from kinchain.movement import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'kinchain.movement' has no attribute '{name}'")

__all__ = ["TASKS", "MovementFindings", "MovementResult", "analyze", "findings_from_file"]


@dataclass(frozen=True)
class MovementFindings:
    """Findings (engine finding id -> value) measured from one motion file, with short notes."""

    findings: dict[str, float]
    notes: list[str] = field(default_factory=list)
    task: str = ""
    source: str = ""
    low_confidence: bool = False


def findings_from_file(path: str | Path, task: str | None = None, *, side: str | None = None,
                       sex: str | None = None, static: str | Path | None = None) -> MovementFindings:
    """Analyse a motion file and return its findings for the engine.

    ``side`` ("r"/"l" or "right"/"left") picks the limb to report; by default the worse side is used.
    """
    from kinchain.movement.pipeline import analyze

    side_key = {"right": "r", "left": "l"}.get(side or "", side)
    res = analyze(path, task, side=side_key, sex=sex, static=static)
    notes = [f"{res.kind} {res.task} analysis of {Path(path).name}"]
    if res.low_confidence:
        notes.append("video/2D measures: lower confidence (2D frontal-plane error is several degrees)")
    notes += [n for n in res.notes if "side (the larger" in n or "no stance" in n or "inferred" in n]
    return MovementFindings(findings=dict(res.findings), notes=notes, task=res.task, source=str(path),
                            low_confidence=res.low_confidence)
