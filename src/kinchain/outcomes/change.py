"""Change between administrations, judged against the MIC and the measurement error.

For each subscale, ``improvement`` is the change in the better direction (positive = better, whatever the
instrument's orientation). The verdict:

- ``improved``  improvement reaches the minimal important change (and its percentage, when the threshold
                has one, e.g. NPRS 2 points and 30%) and the measurement error (MDC) when one is known.
                Without a MIC for the subscale, reaching the measurement error counts.
- ``worse``     the score got worse by at least the measurement error (or the MIC when no error is known).
- ``unchanged`` anything smaller.
- ``not_scored`` a subscale without a score at either end; ``undetermined`` no threshold is known.

Every threshold is reported with its value, population, citation and status.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kinchain.errors import OutcomeError
from kinchain.outcomes.instruments import Instrument, Threshold, get_instrument
from kinchain.outcomes.scoring import PromResult

Verdict = Literal["improved", "unchanged", "worse", "not_scored", "undetermined"]


class SubscaleChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    subscale: str
    baseline: float | None
    latest: float | None
    change: float | None
    improvement: float | None
    percent: float | None
    mic: dict[str, Any] | None
    error: dict[str, Any] | None
    important: bool | None
    beyond_error: bool | None
    verdict: Verdict
    reason: str


def _percent(baseline: float, improvement: float) -> float | None:
    """Improvement as a percentage of the baseline score (e.g. NPRS 6 -> 3 is 50%)."""
    return None if baseline == 0 else round(improvement * 100.0 / abs(baseline), 1)


def subscale_change(inst: Instrument, subscale: str, baseline: float | None, latest: float | None, *,
                    mic: Threshold | None = None, error: Threshold | None = None) -> SubscaleChange:
    """Judge one subscale's change. ``mic``/``error`` default to the instrument's default thresholds."""
    inst.subscale(subscale)
    mic = mic if mic is not None else inst.threshold("mic")
    error = error if error is not None else inst.threshold("mdc")
    mic_d = mic.as_dict(subscale) if mic is not None and subscale in mic.values else None
    err_d = error.as_dict(subscale) if error is not None and subscale in error.values else None
    if baseline is None or latest is None:
        return SubscaleChange(subscale=subscale, baseline=baseline, latest=latest, change=None, improvement=None,
                              percent=None, mic=mic_d, error=err_d, important=None, beyond_error=None,
                              verdict="not_scored", reason="the subscale was not scored at both time points")
    change = round(latest - baseline, 2)
    improvement = change if inst.scoring.higher_is_better else -change
    improvement = improvement + 0.0
    percent = _percent(baseline, improvement)
    err_v = err_d["value"] if err_d else None
    beyond_error = None if err_v is None else abs(improvement) >= err_v
    important: bool | None = None
    if mic_d is not None:
        important = improvement >= mic_d["value"]
        if important and "percent" in mic_d:
            important = percent is not None and percent >= mic_d["percent"]
    if mic_d is None and err_d is None:
        return SubscaleChange(subscale=subscale, baseline=baseline, latest=latest, change=change,
                              improvement=improvement, percent=percent, mic=None, error=None, important=None,
                              beyond_error=None, verdict="undetermined",
                              reason="no minimal important change or measurement error is known for this subscale")
    worse_limit = err_v if err_v is not None else (mic_d["value"] if mic_d is not None else None)
    verdict: Verdict
    if improvement > 0 and (important if important is not None else bool(beyond_error)) \
            and beyond_error is not False:
        verdict = "improved"
        reason = _why_improved(improvement, mic_d, err_d, percent)
    elif improvement < 0 and worse_limit is not None and -improvement >= worse_limit:
        verdict = "worse"
        limit = f"measurement error {worse_limit:g}" if err_v is not None else \
            f"MIC {worse_limit:g} (no measurement error known)"
        reason = f"worse by {-improvement:g}, at least the {limit}"
    else:
        verdict = "unchanged"
        reason = _why_unchanged(improvement, mic_d, err_d, percent)
    return SubscaleChange(subscale=subscale, baseline=baseline, latest=latest, change=change,
                          improvement=improvement, percent=percent, mic=mic_d, error=err_d, important=important,
                          beyond_error=beyond_error, verdict=verdict, reason=reason)


def _why_improved(imp: float, mic: dict[str, Any] | None, err: dict[str, Any] | None,
                  percent: float | None) -> str:
    parts = [f"better by {imp:g}"]
    if mic is not None:
        parts.append(f"reaches the MIC {mic['value']:g}" + (f" and {mic['percent']:g}% (got {percent:g}%)"
                                                            if "percent" in mic and percent is not None else ""))
    else:
        parts.append("no MIC known for this subscale")
    if err is not None:
        parts.append(f"beyond the measurement error {err['value']:g}")
    else:
        parts.append("measurement error not known")
    return "; ".join(parts)


def _why_unchanged(imp: float, mic: dict[str, Any] | None, err: dict[str, Any] | None,
                   percent: float | None) -> str:
    direction = "better" if imp > 0 else "worse" if imp < 0 else "no change"
    head = f"{direction} by {abs(imp):g}" if imp else direction
    limits = []
    if mic is not None:
        limits.append(f"MIC {mic['value']:g}" + (f" and {mic['percent']:g}%" if "percent" in mic else ""))
    if err is not None:
        limits.append(f"measurement error {err['value']:g}")
    pct = f" ({percent:g}%)" if percent is not None and mic is not None and "percent" in mic else ""
    return f"{head}{pct}, within " + " / ".join(limits)


def compare(baseline: PromResult, latest: PromResult, *, mic: str | None = None,
            error: str | None = None) -> dict[str, SubscaleChange]:
    """Per-subscale change from ``baseline`` to ``latest`` (same instrument)."""
    if baseline.instrument != latest.instrument:
        raise OutcomeError(f"cannot compare {baseline.instrument} with {latest.instrument}: a series must use "
                           "one instrument")
    inst = get_instrument(baseline.instrument)
    mic_t = inst.threshold("mic", mic)
    err_t = inst.threshold("mdc", error)
    return {s.id: subscale_change(inst, s.id, baseline.scores.get(s.id), latest.scores.get(s.id),
                                  mic=mic_t, error=err_t) for s in inst.subscales}


class SeriesResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    instrument: str
    name: str
    points: list[dict[str, Any]]
    verdicts: dict[str, SubscaleChange]
    steps: list[dict[str, Any]]
    acceptable_state: dict[str, dict[str, Any]]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _order(results: Sequence[PromResult]) -> list[PromResult]:
    if all(r.date for r in results):
        return sorted(results, key=lambda r: str(r.date))
    return list(results)


def series(results: Sequence[PromResult], *, mic: str | None = None, error: str | None = None) -> SeriesResult:
    """Verdict per subscale from the first to the last result (ordered by date when every result has one)."""
    if not results:
        raise OutcomeError("a series needs at least one scored result")
    ordered = _order(results)
    names = sorted({r.instrument for r in ordered})
    if len(names) > 1:
        raise OutcomeError(f"a series must use one instrument, got {', '.join(names)}")
    inst = get_instrument(names[0])
    points = [{"index": i, "date": r.date, "label": r.label, "scores": dict(r.scores)}
              for i, r in enumerate(ordered)]
    verdicts = compare(ordered[0], ordered[-1], mic=mic, error=error)
    steps = []
    for a, b in itertools.pairwise(ordered):
        ch = compare(a, b, mic=mic, error=error)
        steps.append({"from": a.date or a.label, "to": b.date or b.label,
                      "verdicts": {k: v.verdict for k, v in ch.items()},
                      "change": {k: v.change for k, v in ch.items()}})
    acceptable: dict[str, dict[str, Any]] = {}
    pass_t = inst.threshold("pass")
    if pass_t is not None:
        for sid, value in pass_t.values.items():
            last = ordered[-1].scores.get(sid)
            ok = None if last is None else (last >= value if inst.scoring.higher_is_better else last <= value)
            acceptable[sid] = {**pass_t.as_dict(sid), "latest": last, "acceptable": ok}
    return SeriesResult(instrument=inst.id, name=inst.name, points=points, verdicts=verdicts, steps=steps,
                        acceptable_state=acceptable)
