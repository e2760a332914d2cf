"""Optional MyoLeg backend (runs only when mujoco and myosuite are installed; skipped otherwise).

Direction check against Powers 2010 / the closed-form model: weaker hip abductors -> more pelvic drop,
with the pelvis held level at normal strength."""

from __future__ import annotations

import pytest

pytest.importorskip("mujoco")
pytest.importorskip("myo_sim")

from kinchain.chain.musculoskeletal import abductor_strength_sweep


def test_weaker_abductors_drop_the_pelvis_in_myoleg() -> None:
    res = abductor_strength_sweep([1.0, 0.6, 0.2])
    normal, mid, weak = res
    assert abs(normal.pelvic_drop_deg) < 1.5
    assert weak.pelvic_drop_deg > mid.pelvic_drop_deg >= normal.pelvic_drop_deg - 0.05
    assert weak.pelvic_drop_deg > normal.pelvic_drop_deg + 0.5
    # with the femur fixed, hip adduction is the pelvic list
    for r in res:
        assert r.hip_adduction_deg == pytest.approx(r.pelvic_drop_deg, abs=0.5)
