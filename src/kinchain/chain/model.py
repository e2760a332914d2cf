"""The transparent kinetic-chain model: pelvis -> femur -> knee, from above and from below.

Frontal plane (single-leg stance, Pauwels/Williams-Lissner lever)::

    W_eff = 1 - f_leg                                   body weight above the stance hip (BW)
    b0    = d/2 * (1 + f_leg (1 - c_leg) / (1 - f_leg))  lever of W_eff, foot under the whole-body COM
    b     = b0 - h_hat sin(trunk_lean)
    M_abd = W_eff b - C l_cane                          abductor moment (BW m), C = cane force (BW)
    F_abd = M_abd / a                                   abductor force (BW)
    R     = | (F_abd cos(alpha), W_eff - C + F_abd sin(alpha)) |   hip contact force (BW)

Pelvic drop: the abductors of a person with strength fraction s supply s times the force the reference
person needs; the deficit (D_rel - s, D_rel = F_abd / F_abd_reference) is taken up by passive tissue with
the pelvis dropping ``drop_full_deficit`` degrees per unit deficit. A leg-length difference adds the
geometric obliquity atan(LLD / d) (upper bound) in stance on the longer leg.

Down the chain (degrees): global femoral adduction = k_fa x weakness drop; hip adduction = drop +
femoral adduction; femoral IR = reference + k_ir x hip adduction + anteversion, pelvic-tilt and
pronation terms, softly limited by the hip IR range. Dynamic knee valgus (FPPA) = task reference +
frontal term (1 + L_thigh/L_shank) x femoral adduction + the frontal projection of rotation of the flexed
knee 2 atan(tan(kappa/2) sin(psi)) + a pronation term. Knee frontal moment = reference - g x medial knee
shift. Q-angle, the patellofemoral pressure proxy and the IT-band index follow; see docs/chain.md.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kinchain.chain.inputs import RANGES, ChainInputs, check_value
from kinchain.chain.params import ChainParams, chain_params, ids
from kinchain.errors import ChainParameterError
from kinchain.knowledge import Knowledge

G = 9.81
Kind = Literal["quantitative", "estimate", "qualitative"]
DEFAULT_HIP_IR_RANGE = ChainInputs.model_fields["hip_ir_range_deg"].default

# The headline outputs in the order they are shown (names are stable JSON keys).
OUTPUT_NAMES: tuple[str, ...] = (
    "pelvic_drop_deg",
    "femoral_adduction_deg",
    "femoral_internal_rotation_deg",
    "knee_valgus_deg",
    "q_angle_change_deg",
    "patellofemoral_pressure_change_pct",
    "it_band_strain_index",
    "hip_contact_force_bw",
    "knee_frontal_moment_nm_per_kg",
)


class Output(BaseModel):
    """One model output with its provenance."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float
    unit: str
    reference: float = Field(description="value for a person of the same size with normal inputs")
    change: float = Field(description="value - reference")
    kind: Kind = Field(description="quantitative (validated), estimate (judgement couplings) or qualitative")
    direction: str | None = None
    parameters: list[str] = Field(description="knowledge-base parameter ids used")
    inputs: list[str] = Field(description="model inputs that drive this output")
    note: str


class ChainResult(BaseModel):
    """Outputs of one model run; for ``chain_for_findings`` also the corrected prediction."""

    model_config = ConfigDict(frozen=True)

    inputs: ChainInputs
    outputs: dict[str, Output]
    details: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    kb_version: str = ""
    mapped_from: dict[str, Any] = Field(default_factory=dict, description="finding id -> value used")
    corrections: dict[str, float] = Field(default_factory=dict, description="inputs changed for 'corrected'")
    corrected: ChainResult | None = None
    per_correction: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="impairment -> predicted change of each output if only it is corrected"
    )

    def value(self, name: str) -> float:
        return self.outputs[name].value

    def values(self) -> dict[str, float]:
        return {k: o.value for k, o in self.outputs.items()}

    def predicted_change(self) -> dict[str, float]:
        """corrected - current for every output (empty without a correction)."""
        if self.corrected is None:
            return {}
        return {k: round(self.corrected.value(k) - v, 3) for k, v in self.values().items()}

    def to_json(self) -> dict[str, Any]:
        """Flat headline numbers plus full outputs with provenance (stable keys)."""
        out: dict[str, Any] = {"task": self.inputs.task}
        out.update({k: round(v, 3) for k, v in self.values().items()})
        out["inputs"] = self.inputs.model_dump()
        out["outputs"] = {k: o.model_dump() for k, o in self.outputs.items()}
        out["details"] = {k: round(v, 4) for k, v in self.details.items()}
        out["notes"] = list(self.notes)
        out["kb_version"] = self.kb_version
        if self.mapped_from:
            out["mapped_from"] = self.mapped_from
        if self.corrected is not None:
            out["corrections"] = self.corrections
            out["corrected"] = {k: round(v, 3) for k, v in self.corrected.values().items()}
            out["predicted_change"] = self.predicted_change()
            out["per_correction"] = self.per_correction
        return out


def _clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _projection_deg(knee_flexion_deg: float, rotation_deg: float) -> float:
    """Frontal-plane knee angle produced by rotating a flexed leg about its hip-ankle line."""
    half = math.radians(knee_flexion_deg) / 2
    return math.degrees(2 * math.atan(math.tan(half) * math.sin(math.radians(rotation_deg))))


def _soft_limit(demand: float, limit: float) -> float:
    """Internal rotation cannot exceed the available hip IR range (smooth, monotonic)."""
    return limit * math.tanh(demand / limit) if demand > 0 else demand


def _raw(inp: ChainInputs, p: ChainParams) -> dict[str, float]:
    """Every number of the chain for one input set (degrees, BW, metres)."""
    squat = inp.task == "single_leg_squat"
    d = inp.hip_centre_width_m if inp.hip_centre_width_m is not None else p.hip_width
    a = inp.abductor_moment_arm_m if inp.abductor_moment_arm_m is not None else p.abductor_arm
    av = inp.femoral_anteversion_deg if inp.femoral_anteversion_deg is not None else p.anteversion_reference
    kappa = inp.knee_flexion_deg
    if kappa is None:
        kappa = p.knee_flexion_squat if squat else p.knee_flexion_stance
    height = inp.height_m
    thigh, shank = p.thigh_fraction * height, p.shank_fraction * height
    f, c = p.leg_mass_fraction, p.leg_com_fraction
    alpha = math.radians(p.abductor_angle)

    # --- frontal-plane lever (Pauwels / Williams & Lissner) -----------------------------------
    w_eff = 1.0 - f
    b0 = d / 2 * (1 + f * (1 - c) / (1 - f))
    b = b0 - p.hat_fraction * height * math.sin(math.radians(inp.trunk_lean_deg))
    cane = inp.cane_force_bw
    moment = w_eff * b - cane * p.cane_lever
    f_abd = max(moment, 0.0) / a
    r_vertical = w_eff - cane + f_abd * math.sin(alpha)
    r_horizontal = f_abd * math.cos(alpha)
    hip_force = math.hypot(r_vertical, r_horizontal)
    b_ref = p.hip_width / 2 * (1 + f * (1 - c) / (1 - f))
    f_abd_ref = w_eff * b_ref / p.abductor_arm
    demand_ratio = f_abd / f_abd_ref

    # --- pelvis ----------------------------------------------------------------------------------
    weakness_drop = _clamp(p.drop_full_deficit * (demand_ratio - inp.abductor_strength), 0.0, p.drop_limit)
    lld_obliquity = math.degrees(math.atan(inp.leg_length_difference_mm / 1000 / d))
    lld_drop = 0.0 if squat else p.lld_transfer_stance * lld_obliquity
    drop = p.drop_reference + weakness_drop + lld_drop
    tilt = p.tilt_per_flexor_deficit * inp.hip_flexor_tightness_deg

    # --- femur -----------------------------------------------------------------------------------
    femoral_tilt = p.femoral_adduction_coupling * weakness_drop  # global adduction, knee moves medially
    hip_adduction = weakness_drop + lld_drop + femoral_tilt
    tibial_ir = p.tibial_ir_per_eversion * inp.foot_pronation_deg
    ir_demand = (
        p.ir_reference
        + p.ir_per_adduction * hip_adduction
        + p.ir_per_anteversion * (av - p.anteversion_reference)
        + p.ir_per_tilt * tilt
        + p.femur_follows_tibia * tibial_ir
    )
    femoral_ir = _soft_limit(ir_demand, inp.hip_ir_range_deg)
    ir_reference = _soft_limit(p.ir_reference, DEFAULT_HIP_IR_RANGE)
    knee_rotation = femoral_ir - tibial_ir  # femur on tibia, + = femur internally rotated

    # --- knee ------------------------------------------------------------------------------------
    fppa_squat = p.fppa_squat_male if inp.sex == "male" else p.fppa_squat_female
    fppa_ref = fppa_squat if squat else p.fppa_stance
    frontal = femoral_tilt * (1 + thigh / shank)
    projection = _projection_deg(kappa, femoral_ir) - _projection_deg(kappa, ir_reference)
    valgus = fppa_ref + frontal + projection + p.valgus_per_eversion * inp.foot_pronation_deg
    valgus_change = valgus - fppa_ref
    medial_shift = math.radians(valgus_change) * thigh * shank / (thigh + shank)
    kam = p.kam_reference - G * medial_shift

    rotation_change = knee_rotation - ir_reference
    tendon_turn = math.degrees(
        math.atan(p.tubercle_offset * math.sin(math.radians(rotation_change)) / p.tendon_length)
    )
    q_change = valgus_change + tendon_turn
    q_ref = p.q_reference
    q_new = _clamp(q_ref + q_change, 0.0, 89.0)
    pf_proxy = _clamp((math.sin(math.radians(q_new)) - math.sin(math.radians(q_ref))) * 100, -p.pf_cap, p.pf_cap)
    itb = 1 + p.itb_arm * math.radians(hip_adduction) / (p.itb_length_fraction * height)

    return {
        "pelvic_drop_deg": drop,
        "femoral_adduction_deg": hip_adduction,
        "femoral_internal_rotation_deg": femoral_ir,
        "knee_valgus_deg": valgus,
        "q_angle_change_deg": q_change,
        "patellofemoral_pressure_change_pct": pf_proxy,
        "it_band_strain_index": itb,
        "hip_contact_force_bw": hip_force,
        "knee_frontal_moment_nm_per_kg": kam,
        # details
        "abductor_force_bw": f_abd,
        "abductor_demand_ratio": demand_ratio,
        "weakness_pelvic_drop_deg": weakness_drop,
        "leg_length_obliquity_upper_bound_deg": lld_obliquity,
        "global_femoral_adduction_deg": femoral_tilt,
        "anterior_pelvic_tilt_change_deg": tilt,
        "tibial_internal_rotation_deg": tibial_ir,
        "femoral_ir_demand_deg": ir_demand,
        "knee_rotation_femur_on_tibia_deg": knee_rotation,
        "knee_rotation_change_deg": rotation_change,
        "knee_flexion_deg": kappa,
        "thigh_length_m": thigh,
        "shank_length_m": shank,
        "body_weight_lever_m": b,
        "abductor_moment_arm_m": a,
        "hip_centre_width_m": d,
        "knee_medial_shift_m": medial_shift,
        "hip_contact_force_n": hip_force * inp.body_mass_kg * G,
        "abductor_force_n": f_abd * inp.body_mass_kg * G,
        "knee_frontal_moment_pct_bw_ht": kam / (G * height) * 100,
        "knee_frontal_moment_nm": kam * inp.body_mass_kg,
    }


def _reference_inputs(inp: ChainInputs) -> ChainInputs:
    return ChainInputs(task=inp.task, sex=inp.sex, body_mass_kg=inp.body_mass_kg, height_m=inp.height_m,
                       knee_flexion_deg=inp.knee_flexion_deg)


_LEVER = ("leg_mass_fraction", "leg_com_fraction", "hip_width", "abductor_arm", "abductor_angle")
_DROP = ("drop_reference", "drop_full_deficit", "drop_limit", "lld_transfer_stance", *_LEVER, "hat_fraction",
         "cane_lever")
_IR = ("femoral_adduction_coupling", "ir_per_adduction", "ir_reference", "anteversion_reference",
       "ir_per_anteversion", "tilt_per_flexor_deficit", "ir_per_tilt", "tibial_ir_per_eversion",
       "femur_follows_tibia")
_VALGUS = ("fppa_stance", "fppa_squat_female", "fppa_squat_male", "thigh_fraction", "shank_fraction",
           "knee_flexion_stance", "knee_flexion_squat", "valgus_per_eversion")
_PELVIS_IN = ["abductor_strength", "abductor_moment_arm_m", "hip_centre_width_m", "trunk_lean_deg",
              "cane_force_bw", "leg_length_difference_mm", "height_m"]
_FEMUR_IN = [*_PELVIS_IN, "femoral_anteversion_deg", "hip_ir_range_deg", "hip_flexor_tightness_deg",
             "foot_pronation_deg"]
_KNEE_IN = [*_FEMUR_IN, "knee_flexion_deg", "task", "sex"]

# name -> (unit, kind, parameter attribute names, input names, note)
_SPEC: dict[str, tuple[str, Kind, tuple[str, ...], list[str], str]] = {
    "pelvic_drop_deg": (
        "deg", "estimate", _DROP, _PELVIS_IN,
        "Contralateral pelvic drop from level. Weakness part: judgement slope (direction from Powers 2010). "
        "Leg-length part: geometric atan(LLD/d), an upper bound (people compensate in gait).",
    ),
    "femoral_adduction_deg": (
        "deg", "estimate", (*_DROP, "femoral_adduction_coupling"), _PELVIS_IN,
        "Hip adduction (femur relative to pelvis) above neutral: pelvic drop plus global femoral adduction.",
    ),
    "femoral_internal_rotation_deg": (
        "deg", "estimate", (*_DROP, *_IR), _FEMUR_IN,
        "Peak femoral (hip) internal rotation; couplings are judgements, limited by the hip IR range; the "
        "weakness coupling is half of what the Souza & Powers 2009 association would imply.",
    ),
    "knee_valgus_deg": (
        "deg", "estimate", (*_DROP, *_IR, *_VALGUS), _KNEE_IN,
        "Dynamic knee valgus as a frontal-plane projection angle. Squat reference from pain-free controls "
        "(Herrington 2014 / Ghulam 2021); the change is geometric from femoral adduction and the projection "
        "of rotation of the flexed knee.",
    ),
    "q_angle_change_deg": (
        "deg", "estimate", (*_DROP, *_IR, *_VALGUS, "tubercle_offset", "tendon_length"), _KNEE_IN,
        "Approximate geometric change of the Q-angle: valgus change plus the turn of the patellar tendon "
        "line when the femur rotates on the tibia.",
    ),
    "patellofemoral_pressure_change_pct": (
        "%", "qualitative", (*_DROP, *_IR, *_VALGUS, "tubercle_offset", "tendon_length", "q_reference",
                             "pf_threshold", "pf_cap"), _KNEE_IN,
        "DIRECTION ONLY. Lee, Morris & Csintalan 2003 show femoral internal rotation loads the lateral facet; "
        "no dose-response was verified. The number is a bounded geometric proxy: the change of the lateral "
        "pull on the patella in % of quadriceps force (from the Q-angle, capped), not a contact pressure.",
    ),
    "it_band_strain_index": (
        "ratio (1 = reference)", "qualitative", (*_DROP, "femoral_adduction_coupling", "itb_arm",
                                                 "itb_length_fraction"), _PELVIS_IN,
        "Relative length of the TFL-ITB unit from hip adduction (geometric proxy, 1.02 = 2 % longer). "
        "Direction from the ITBS literature (Noehren 2014); magnitudes are not validated.",
    ),
    "hip_contact_force_bw": (
        "BW", "quantitative", (*_LEVER, "hat_fraction", "cane_lever"),
        ["abductor_moment_arm_m", "hip_centre_width_m", "trunk_lean_deg", "cane_force_bw", "height_m"],
        "Static frontal-plane lever model; about 2.4 BW for normal anthropometry (Bergmann 2001 in vivo: "
        "2.38 BW walking). Weakness does not lower it unless the trunk leans or a cane is used. In the squat "
        "the sagittal muscle forces are not modelled, so it is a lower bound.",
    ),
    "knee_frontal_moment_nm_per_kg": (
        "Nm/kg", "estimate", (*_DROP, *_IR, *_VALGUS, "kam_reference"), _KNEE_IN,
        "External knee adduction (varus) moment; falls as the knee shifts medially (negative = abduction/"
        "valgus moment). Reference is a walking value (0.45 Nm/kg); see details for %BW*ht.",
    ),
}


def _notes(inp: ChainInputs, raw: dict[str, float], p: ChainParams) -> list[str]:
    notes = []
    if inp.task == "single_leg_squat" and inp.leg_length_difference_mm:
        notes.append("leg-length difference is not applied in the single-leg squat (other foot off the ground)")
    if inp.leg_length_difference_mm:
        notes.append(f"leg-length obliquity {raw['leg_length_obliquity_upper_bound_deg']:.1f} deg is the "
                     "uncompensated geometric upper bound")
    if raw["femoral_ir_demand_deg"] > raw["femoral_internal_rotation_deg"] + 1:
        notes.append("hip IR range limits femoral internal rotation; the rest of the rotation demand would "
                     "pass to the knee and foot (not modelled)")
    if raw["weakness_pelvic_drop_deg"] >= p.drop_limit:
        notes.append("pelvic drop reached the model's passive limit")
    if raw["body_weight_lever_m"] <= 0:
        notes.append("trunk lean puts the centre of mass over or beyond the hip: no abductor force needed")
    return notes


def run(inputs: ChainInputs | None = None, *, kb: Knowledge | None = None, **changes: Any) -> ChainResult:
    """Run the chain for ``inputs`` (defaults: a normal 70 kg, 1.70 m person) with optional changes."""
    base = inputs or ChainInputs()
    inp = base.changed(**changes) if changes else base
    p = chain_params(kb)
    raw = _raw(inp, p)
    ref = _raw(_reference_inputs(inp), p)
    outputs: dict[str, Output] = {}
    for name in OUTPUT_NAMES:
        unit, kind, pnames, innames, note = _SPEC[name]
        value, reference = raw[name], ref[name]
        direction = None
        if name == "patellofemoral_pressure_change_pct":
            rot = raw["knee_rotation_change_deg"]
            if rot > p.pf_threshold:
                direction = "lateral facet loading increases (femur internally rotated on the tibia)"
            elif rot < -p.pf_threshold and value > 0:
                direction = ("mixed: the tibia rotates inwards under the femur, which loads the medial facet, "
                             "while the larger Q-angle adds lateral pull; net effect unknown")
            elif rot < -p.pf_threshold:
                direction = "medial facet loading increases, lateral decreases"
            else:
                direction = "no clear change in facet loading (rotation change below threshold)"
        outputs[name] = Output(
            name=name, value=round(value, 4), unit=unit, reference=round(reference, 4),
            change=round(value - reference, 4), kind=kind, direction=direction,
            parameters=ids(*dict.fromkeys(pnames)), inputs=innames, note=note,
        )
    details = {k: v for k, v in raw.items() if k not in OUTPUT_NAMES}
    return ChainResult(inputs=inp, outputs=outputs, details=details, notes=_notes(inp, raw, p),
                       kb_version=p.kb_version)


def whatif(base: ChainInputs | None = None, *, kb: Knowledge | None = None, **changes: Any) -> ChainResult:
    """The model result for ``base`` with ``changes`` applied (each checked against its valid range)."""
    return run(base, kb=kb, **changes)


class SweepResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    parameter: str
    unit: str
    values: list[float]
    outputs: dict[str, list[float]]
    base: ChainInputs

    def to_json(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "unit": self.unit, "values": self.values,
                "outputs": self.outputs, "base": self.base.model_dump()}


def sweep(param: str, start: float, stop: float, n: int = 11, base: ChainInputs | None = None, *,
          kb: Knowledge | None = None) -> SweepResult:
    """Run the model for ``n`` evenly spaced values of ``param`` between ``start`` and ``stop``."""
    if param not in RANGES:
        raise ChainParameterError(f"{param}: cannot sweep; sweepable parameters are {', '.join(RANGES)}")
    lo, hi = check_value(param, start), check_value(param, stop)
    if not 2 <= n <= 500:
        raise ChainParameterError(f"steps: {n} is outside the valid range 2 to 500")
    base = base or ChainInputs()
    p_kb = kb
    xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
    series: dict[str, list[float]] = {name: [] for name in OUTPUT_NAMES}
    for x in xs:
        res = run(base, kb=p_kb, **{param: x})
        for name in OUTPUT_NAMES:
            series[name].append(res.value(name))
    return SweepResult(parameter=param, unit=RANGES[param].unit, values=[round(x, 6) for x in xs],
                       outputs=series, base=base)
