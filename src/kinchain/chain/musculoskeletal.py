"""Optional musculoskeletal cross-check of the abductor-weakness link (MuJoCo + MyoLeg, offline).

Install with ``pip install 'kinchain[musculoskeletal]'`` (mujoco, myosuite; MyoLeg ships in the
``myo_sim`` package, nothing is downloaded). The closed-form model in ``kinchain.chain.model`` stays
the default; this backend is for researchers who want to see the same direction come out of an
80-muscle model.

Set-up ("static-ish" single-leg stance on the right leg):

- MyoLeg (``myo_sim.load_spec("myolegs")``), gravity on, the right femur welded to the world so that
  the pelvis (with the rigid trunk and the locked, flexed left leg) can only turn on the right
  femoral head; right hip flexion and rotation are locked, so hip adduction is the free motion and
  equals the pelvic list;
- the right hip abductors (gluteus medius 1-3, gluteus minimus 1-3, TFL) get their peak isometric
  force scaled by ``strength`` (active and passive alike, i.e. a smaller muscle);
- a simple postural controller drives only those abductors: activation = feed-forward + kp x drop +
  kd x drop rate (clipped to 0-1). The feed-forward is calibrated once at strength 1.0 so that the
  pelvis is held level, mirroring the closed-form model's "normal effort" assumption;
- after ``duration_s`` of simulation the pelvic drop and hip adduction are averaged over the last
  0.5 s.

The controller gains and durations are simulation settings, not clinical coefficients; the result is a
direction/shape check, not a validated prediction (MyoLeg's passive hip structures limit the drop).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kinchain.errors import ChainParameterError

ABDUCTORS_R = ("glmed1_r", "glmed2_r", "glmed3_r", "glmin1_r", "glmin2_r", "glmin3_r", "tfl_r")
# joint -> locked angle (rad): stance-side flexion/rotation neutral, swing leg lifted
LOCKED = {
    "hip_flexion_r": 0.0, "hip_rotation_r": 0.0,
    "hip_flexion_l": 0.5, "hip_adduction_l": 0.0, "hip_rotation_l": 0.0, "knee_angle_l": 1.0,
    "ankle_angle_l": 0.0, "subtalar_angle_l": 0.0, "mtp_angle_l": 0.0,
}


def available() -> bool:
    """True when mujoco and myo_sim (from myosuite) can be imported."""
    try:
        import mujoco  # noqa: F401
        import myo_sim  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class MyoLegResult:
    strength: float
    pelvic_drop_deg: float
    hip_adduction_deg: float
    abductor_activation: float


class MyoLegStance:
    """The MyoLeg single-leg-stance set-up, compiled once and re-run for each strength."""

    def __init__(self, *, kp: float = 0.05, kd: float = 0.004, duration_s: float = 3.0) -> None:
        if not available():
            raise ChainParameterError(
                "musculoskeletal backend: needs mujoco and myosuite; pip install 'kinchain[musculoskeletal]'"
            )
        import warnings

        import mujoco
        import myo_sim

        self._mj: Any = mujoco
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec = myo_sim.load_spec("myolegs")
            for name, angle in LOCKED.items():
                joint = spec.joint(name)
                joint.range = [angle - 1e-3, angle + 1e-3]
                joint.limited = mujoco.mjtLimited.mjLIMITED_TRUE
                joint.solref_limit = [0.005, 1.0]
            weld = spec.add_equality()
            weld.type = mujoco.mjtEq.mjEQ_WELD
            weld.objtype = mujoco.mjtObj.mjOBJ_BODY
            weld.name1 = "femur_r"
            weld.name2 = "world"
            weld.solref = [0.005, 1.0]
            self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        obj = mujoco.mjtObj
        self._pelvis = mujoco.mj_name2id(self.model, obj.mjOBJ_BODY, "pelvis")
        self._hip_add = self.model.jnt_qposadr[mujoco.mj_name2id(self.model, obj.mjOBJ_JOINT, "hip_adduction_r")]
        self._abd = [mujoco.mj_name2id(self.model, obj.mjOBJ_ACTUATOR, n) for n in ABDUCTORS_R]
        self._locked = {self.model.jnt_qposadr[mujoco.mj_name2id(self.model, obj.mjOBJ_JOINT, n)]: a
                        for n, a in LOCKED.items()}
        self._f0_gain = self.model.actuator_gainprm[self._abd, 2].copy()
        self._f0_bias = self.model.actuator_biasprm[self._abd, 2].copy()
        self.kp, self.kd, self.duration_s = kp, kd, duration_s
        self.feedforward = 0.0
        for _ in range(3):  # calibrate: hold the pelvis level at normal strength
            self.feedforward = min(1.0, max(0.0, self.feedforward + self.kp * self._run(1.0).pelvic_drop_deg))

    def _drop_deg(self) -> float:
        # pelvis z axis points to the right; its vertical component > 0 = left (swing) side lower
        rz = float(self.data.xmat[self._pelvis][8])
        return math.degrees(math.asin(max(-1.0, min(1.0, rz))))

    def _run(self, strength: float) -> MyoLegResult:
        mj, m, d = self._mj, self.model, self.data
        mj.mj_resetData(m, d)
        for adr, angle in self._locked.items():
            d.qpos[adr] = angle
        m.actuator_gainprm[self._abd, 2] = self._f0_gain * strength
        m.actuator_biasprm[self._abd, 2] = self._f0_bias * strength
        d.ctrl[:] = 0.0
        steps = int(self.duration_s / m.opt.timestep)
        tail = int(0.5 / m.opt.timestep)
        previous: float | None = None
        drops: list[float] = []
        adds: list[float] = []
        acts: list[float] = []
        for i in range(steps):
            drop = self._drop_deg()
            rate = 0.0 if previous is None else (drop - previous) / m.opt.timestep
            previous = drop
            act = min(1.0, max(0.0, self.feedforward + self.kp * drop + self.kd * rate))
            d.ctrl[self._abd] = act
            mj.mj_step(m, d)
            if i >= steps - tail:
                drops.append(self._drop_deg())
                adds.append(math.degrees(float(d.qpos[self._hip_add])))
                acts.append(act)
        m.actuator_gainprm[self._abd, 2] = self._f0_gain
        m.actuator_biasprm[self._abd, 2] = self._f0_bias
        n = len(drops)
        return MyoLegResult(strength, sum(drops) / n, sum(adds) / n, sum(acts) / n)

    def simulate(self, strength: float) -> MyoLegResult:
        """Pelvic drop and hip adduction with the right abductors at ``strength`` x normal (0-2)."""
        if not 0.0 <= strength <= 2.0:
            raise ChainParameterError(f"abductor_strength: {strength!r} is outside the valid range 0 to 2")
        return self._run(strength)


def abductor_strength_sweep(strengths: Sequence[float], **settings: float) -> list[MyoLegResult]:
    """Run the MyoLeg stance for each strength (one compiled model)."""
    sim = MyoLegStance(**settings)
    return [sim.simulate(s) for s in strengths]
