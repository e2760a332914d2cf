"""Bad input: clear ChainParameterError naming the parameter, the value and the valid range."""

from __future__ import annotations

import math

import pytest

from kinchain.chain import ChainInputs, run, sweep
from kinchain.errors import ChainParameterError
from kinchain.knowledge import Knowledge


@pytest.mark.parametrize("name,value,fragment", [
    ("body_mass_kg", -70, "20 to 250"),
    ("abductor_strength", 2.5, "0 to 2"),
    ("abductor_strength", -0.1, "0 to 2"),
    ("leg_length_difference_mm", 80, "-50 to 50"),
    ("height_m", 0.5, "1 to 2.3"),
    ("hip_ir_range_deg", 0, "5 to 80"),
    ("cane_force_bw", 1.0, "0 to 0.3"),
])
def test_out_of_range_names_parameter_and_range(name: str, value: float, fragment: str) -> None:
    with pytest.raises(ChainParameterError) as err:
        ChainInputs(**{name: value})
    msg = str(err.value)
    assert msg.startswith(f"{name}:") and repr(value) in msg and fragment in msg


@pytest.mark.parametrize("value", [math.nan, "heavy", True, None])
def test_not_a_number(value: object) -> None:
    with pytest.raises(ChainParameterError, match="body_mass_kg"):
        ChainInputs(body_mass_kg=value)


def test_none_means_default_only_for_geometry() -> None:
    assert ChainInputs(abductor_moment_arm_m=None).abductor_moment_arm_m is None


def test_unknown_parameter_and_category() -> None:
    with pytest.raises(ChainParameterError, match="abductor_strenght: unknown chain parameter"):
        ChainInputs(abductor_strenght=0.5)
    with pytest.raises(ChainParameterError, match="task: 'running' is not one of"):
        ChainInputs(task="running")


def test_whatif_changes_are_checked(kb: Knowledge) -> None:
    with pytest.raises(ChainParameterError, match="foot_pronation_deg"):
        run(kb=kb, foot_pronation_deg=45)


def test_sweep_errors(kb: Knowledge) -> None:
    with pytest.raises(ChainParameterError, match="cannot sweep"):
        sweep("shoe_size", 1, 2, kb=kb)
    with pytest.raises(ChainParameterError, match=r"abductor_strength: 3\.0 is outside"):
        sweep("abductor_strength", 0.5, 3.0, kb=kb)
    with pytest.raises(ChainParameterError, match="steps"):
        sweep("abductor_strength", 0.5, 1.0, n=1, kb=kb)
