"""The knowledge-base coefficients the chain model reads (ids in knowledge/data/chain.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from kinchain.knowledge import Knowledge, load_knowledge

# attribute name -> parameter id. Every coefficient of the model is listed here and nowhere else.
PARAMETER_IDS: dict[str, str] = {
    "leg_mass_fraction": "chain_leg_mass_fraction",
    "leg_com_fraction": "chain_leg_com_fraction_from_hip",
    "thigh_fraction": "chain_thigh_length_fraction_height",
    "shank_fraction": "chain_shank_length_fraction_height",
    "hat_fraction": "chain_hat_com_above_hip_fraction_height",
    "hip_width": "chain_hip_centre_width_m",
    "abductor_arm": "chain_abductor_moment_arm_m",
    "abductor_angle": "chain_abductor_line_of_action_deg",
    "cane_lever": "chain_cane_lever_m",
    "knee_flexion_stance": "chain_knee_flexion_stance_deg",
    "knee_flexion_squat": "chain_knee_flexion_squat_deg",
    "drop_reference": "chain_pelvic_drop_reference_deg",
    "drop_full_deficit": "chain_pelvic_drop_full_deficit_deg",
    "drop_limit": "chain_pelvic_drop_limit_deg",
    "lld_transfer_stance": "chain_lld_obliquity_transfer_stance",
    "femoral_adduction_coupling": "chain_femoral_adduction_coupling",
    "ir_per_adduction": "chain_ir_per_hip_adduction",
    "ir_reference": "chain_hip_ir_reference_deg",
    "anteversion_reference": "chain_anteversion_reference_deg",
    "ir_per_anteversion": "chain_ir_per_anteversion",
    "tilt_per_flexor_deficit": "chain_tilt_per_hip_flexor_deficit",
    "ir_per_tilt": "chain_ir_per_anterior_tilt",
    "tibial_ir_per_eversion": "chain_tibial_ir_per_eversion",
    "femur_follows_tibia": "chain_femur_follows_tibia",
    "valgus_per_eversion": "chain_valgus_per_eversion",
    "fppa_stance": "chain_fppa_reference_stance_deg",
    "fppa_squat_female": "chain_fppa_reference_squat_female_deg",
    "fppa_squat_male": "chain_fppa_reference_squat_male_deg",
    "kam_reference": "chain_kam_reference_nm_per_kg",
    "q_reference": "chain_q_angle_reference_deg",
    "tubercle_offset": "chain_tubercle_offset_m",
    "tendon_length": "chain_patellar_tendon_length_m",
    "pf_threshold": "chain_pf_rotation_threshold_deg",
    "pf_cap": "chain_pf_proxy_cap_pct",
    "itb_arm": "chain_itb_hip_moment_arm_m",
    "itb_length_fraction": "chain_itb_length_fraction_height",
}


@dataclass(frozen=True)
class ChainParams:
    """Coefficient values by attribute name (see ``PARAMETER_IDS``) plus the KB version."""

    values: dict[str, float]
    kb_version: str

    def __getattr__(self, name: str) -> float:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def chain_params(kb: Knowledge | None = None) -> ChainParams:
    """Read every chain coefficient from the knowledge base (bundled one by default)."""
    kb = kb or load_knowledge()
    return ChainParams({k: kb.parameter(pid) for k, pid in PARAMETER_IDS.items()}, kb.version)


def ids(*names: str) -> list[str]:
    """Parameter ids for attribute names (provenance lists)."""
    return [PARAMETER_IDS[n] for n in names]
