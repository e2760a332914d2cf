"""From a patient's findings to the chain in numbers, now and with the impairment corrected.

``chain_for_findings(findings)`` is what the reasoning engine (explanation of a hip-driven case) and the
care plan (predicted change when the impairment improves) call. The finding ids are those of
``knowledge/data/findings.yaml``; the whole mapping lives in ``FINDING_MAP`` below, and every number it
uses is a knowledge-base parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kinchain.chain.inputs import RANGES, ChainInputs, Task
from kinchain.chain.model import ChainResult, run
from kinchain.knowledge import Knowledge, load_knowledge


@dataclass(frozen=True)
class FindingMapping:
    """How one finding sets one model input (``to_input`` returns None when the finding is normal)."""

    finding: str
    input: str
    to_input: Callable[[Any, Knowledge], float | None]
    correction: str | None  # impairment name used in per_correction, None = not correctable
    corrected_value: float | None = None


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "yes", "positive"))


def _bool_to(pid: str) -> Callable[[Any, Knowledge], float | None]:
    return lambda v, kb: kb.parameter(pid) if _true(v) else None


def _navicular(value: Any, kb: Knowledge) -> float | None:
    excess = float(value) - kb.parameter("chain_findings_navicular_drop_normal_mm")
    if excess <= 0:
        return None
    return excess * kb.parameter("chain_findings_eversion_per_navicular_drop_mm")


def _number(value: Any, kb: Knowledge) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value)


def _lld(value: Any, kb: Knowledge) -> float | None:
    mm = _number(value, kb)
    return mm if mm else None


# finding id -> mapping. When several findings set one input, the most impaired value wins.
FINDING_MAP: tuple[FindingMapping, ...] = (
    FindingMapping("hip_abductor_weakness", "abductor_strength", _bool_to("chain_findings_strength_weakness"),
             "hip_abductor_strength", 1.0),
    FindingMapping("trendelenburg_positive", "abductor_strength", _bool_to("chain_findings_strength_trendelenburg"),
             "hip_abductor_strength", 1.0),
    FindingMapping("leg_length_difference_mm", "leg_length_difference_mm", _lld, "leg_length_difference", 0.0),
    FindingMapping("hip_ir_deg", "hip_ir_range_deg", _number, None),
    FindingMapping("foot_overpronation", "foot_pronation_deg", _bool_to("chain_findings_eversion_overpronation_deg"),
             "foot_pronation", 0.0),
    FindingMapping("flat_feet", "foot_pronation_deg", _bool_to("chain_findings_eversion_overpronation_deg"),
             "foot_pronation", 0.0),
    FindingMapping("navicular_drop_mm", "foot_pronation_deg", _navicular, "foot_pronation", 0.0),
    FindingMapping("thomas_test_positive", "hip_flexor_tightness_deg", _bool_to("chain_findings_thomas_deficit_deg"),
             "hip_flexor_length", 0.0),
)
# Inputs where a lower value is the impairment (strength); for the others a higher value is.
_LOWER_IS_WORSE = {"abductor_strength", "hip_ir_range_deg"}
# Findings that only make the chain relevant (they do not set an input by themselves).
CHAIN_SIGNS = ("knee_valgus_single_leg_squat", "pelvic_obliquity")
_IMPAIRMENT_TEXT = {
    "hip_abductor_strength": "hip abductor strength back to normal",
    "leg_length_difference": "leg-length difference fully compensated (e.g. a shoe lift)",
    "foot_pronation": "foot pronation back to neutral (e.g. foot orthoses, foot control)",
    "hip_flexor_length": "hip flexor length back to normal",
}


def map_findings(findings: Mapping[str, Any], kb: Knowledge | None = None) -> tuple[dict[str, float], dict[str, Any]]:
    """Model inputs implied by the findings and the findings that were used."""
    kb = kb or load_knowledge()
    inputs: dict[str, float] = {}
    used: dict[str, Any] = {}
    for m in FINDING_MAP:
        if m.finding not in findings or findings[m.finding] is None:
            continue
        try:
            value = m.to_input(findings[m.finding], kb)
        except (TypeError, ValueError):
            continue
        if value is None:
            continue
        rng = RANGES[m.input]
        value = max(rng.low, min(rng.high, value))
        used[m.finding] = findings[m.finding]
        old = inputs.get(m.input)
        if old is None or (value < old if m.input in _LOWER_IS_WORSE else value > old):
            inputs[m.input] = value
    return inputs, used


def chain_for_findings(findings: Mapping[str, Any], *, task: Task = "single_leg_stance",
                       kb: Knowledge | None = None) -> ChainResult | None:
    """The chain for a patient's findings plus the prediction with each correctable impairment corrected.

    Returns None when no finding maps to a chain impairment. ``sex`` and ``body_mass_kg``/``height_m``
    are taken from the findings when present. A leg-length difference is applied with the modelled
    (painful) leg as the longer one, the worst case for that leg; the side is not in the findings.
    """
    kb = kb or load_knowledge()
    inputs, used = map_findings(findings, kb)
    impairments = {m.correction for m in FINDING_MAP if m.finding in used and m.correction}
    if not impairments:  # a hip IR range alone only modifies the chain, it does not drive it
        return None
    base: dict[str, Any] = {"task": task, **inputs}
    if findings.get("sex") in ("female", "male"):
        base["sex"] = findings["sex"]
    for key in ("body_mass_kg", "height_m"):
        val = findings.get(key)
        if isinstance(val, int | float) and not isinstance(val, bool):
            lo, hi = RANGES[key].low, RANGES[key].high
            if lo <= float(val) <= hi:
                base[key] = float(val)
    current = run(ChainInputs(**base), kb=kb)
    corrections: dict[str, float] = {}
    per: dict[str, dict[str, float]] = {}
    for name in sorted(impairments):
        change = {m.input: m.corrected_value for m in FINDING_MAP
                  if m.correction == name and m.corrected_value is not None}
        if all(current.inputs.model_dump()[k] == v for k, v in change.items()):
            continue
        corrections.update({k: v for k, v in change.items() if v is not None})
        alone = run(current.inputs, kb=kb, **change)
        per[_IMPAIRMENT_TEXT[name]] = {k: round(alone.value(k) - current.value(k), 3) for k in current.outputs}
    corrected = run(current.inputs, kb=kb, **corrections) if corrections else None
    notes = list(current.notes)
    if "leg_length_difference_mm" in inputs:
        notes.append("leg-length difference applied with the modelled leg as the longer one (worst case)")
    signs = [s for s in CHAIN_SIGNS if _true(findings.get(s))]
    if signs:
        notes.append(f"observed chain signs consistent with the model: {', '.join(signs)}")
    return current.model_copy(update={
        "mapped_from": used, "corrections": corrections, "corrected": corrected,
        "per_correction": per, "notes": notes,
    })
