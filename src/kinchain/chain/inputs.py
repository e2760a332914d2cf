"""Typed, range-checked inputs of the kinetic-chain model.

Every numeric input has a valid range (``RANGES``); a value outside it raises
:class:`~kinchain.errors.ChainParameterError` naming the parameter, the value and the range. ``None``
for a geometry input means "use the knowledge-base default".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from kinchain.errors import ChainParameterError

Task = Literal["single_leg_stance", "single_leg_squat"]
Sex = Literal["female", "male"]
TASKS: tuple[str, ...] = ("single_leg_stance", "single_leg_squat")


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str
    help: str


# One place for every numeric input: valid range, unit and meaning (used by the model, CLI and errors).
RANGES: dict[str, Range] = {
    "body_mass_kg": Range(20, 250, "kg", "body mass"),
    "height_m": Range(1.0, 2.3, "m", "body height"),
    "abductor_strength": Range(0.0, 2.0, "fraction of normal", "hip abductor strength (1.0 = normal)"),
    "abductor_moment_arm_m": Range(0.02, 0.10, "m", "hip abductor moment arm (default from the KB)"),
    "hip_centre_width_m": Range(0.10, 0.30, "m", "distance between the hip joint centres (default from the KB)"),
    "femoral_anteversion_deg": Range(-20, 50, "deg", "femoral anteversion"),
    "hip_ir_range_deg": Range(5, 80, "deg", "passive hip internal-rotation range"),
    "hip_flexor_tightness_deg": Range(0, 40, "deg", "hip extension deficit in the Thomas test (0 = normal length)"),
    "leg_length_difference_mm": Range(-50, 50, "mm", "leg-length difference, + = the modelled (stance) leg is longer"),
    "foot_pronation_deg": Range(-15, 20, "deg", "excess rearfoot eversion (pronation), 0 = neutral"),
    "knee_flexion_deg": Range(0, 100, "deg", "knee flexion in the task (default per task from the KB)"),
    "trunk_lean_deg": Range(-10, 30, "deg", "trunk lean towards the stance side"),
    "cane_force_bw": Range(0.0, 0.3, "body weights", "force through a cane in the opposite hand"),
}
CATEGORIES: dict[str, tuple[str, ...]] = {"task": TASKS, "sex": ("female", "male")}
# Inputs where None means "use the knowledge-base default".
OPTIONAL: frozenset[str] = frozenset(
    {"abductor_moment_arm_m", "hip_centre_width_m", "femoral_anteversion_deg", "knee_flexion_deg"}
)


def check_value(name: str, value: Any) -> float:
    """``value`` as a float inside the range of ``name``; otherwise a ChainParameterError naming both."""
    rng = RANGES[name]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ChainParameterError(
            f"{name}: {value!r} is not a number; valid range {rng.low:g} to {rng.high:g} {rng.unit}"
        ) from None
    if isinstance(value, bool) or math.isnan(number) or not (rng.low <= number <= rng.high):
        raise ChainParameterError(
            f"{name}: {value!r} is outside the valid range {rng.low:g} to {rng.high:g} {rng.unit} ({rng.help})"
        )
    return number


class ChainInputs(BaseModel):
    """One person and task. Units are in the field names; ranges in ``RANGES``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Task = "single_leg_stance"
    sex: Sex = "female"
    body_mass_kg: float = 70.0
    height_m: float = 1.70
    abductor_strength: float = 1.0
    abductor_moment_arm_m: float | None = None
    hip_centre_width_m: float | None = None
    femoral_anteversion_deg: float | None = None
    hip_ir_range_deg: float = 35.0
    hip_flexor_tightness_deg: float = 0.0
    leg_length_difference_mm: float = 0.0
    foot_pronation_deg: float = 0.0
    knee_flexion_deg: float | None = None
    trunk_lean_deg: float = 0.0
    cane_force_bw: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _ranges(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = set(cls.model_fields)
        for key in data:
            if key not in known:
                raise ChainParameterError(
                    f"{key}: unknown chain parameter; valid parameters are {', '.join(sorted(known))}"
                )
        out = dict(data)
        for key, value in data.items():
            if key in CATEGORIES:
                if value not in CATEGORIES[key]:
                    raise ChainParameterError(f"{key}: {value!r} is not one of {', '.join(CATEGORIES[key])}")
            elif value is not None or key not in OPTIONAL:
                out[key] = check_value(key, value)
        return out

    def changed(self, **updates: Any) -> ChainInputs:
        """A copy with some inputs changed (validated like the original)."""
        data = self.model_dump()
        data.update(updates)
        return ChainInputs(**data)


def numeric_parameters() -> list[str]:
    """Names that ``sweep`` accepts."""
    return list(RANGES)
