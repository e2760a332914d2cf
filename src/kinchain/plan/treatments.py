"""The vocabulary of treatments a plan can deliver (``treats:`` tags in exercises.yaml / pathways.yaml).

``SEED_TREATMENTS`` are the treatments named in the product's seed articles; the test-suite checks that every
one of them is reachable from some assessment. ``EXTRA_TREATMENTS`` are further tags kinchain uses.
"""

from __future__ import annotations

SEED_TREATMENTS: dict[str, str] = {
    # hip-driven knee pain (seed 000, 003, 004)
    "strengthen_gluteus_medius": "strengthen gluteus medius",
    "strengthen_gluteus_maximus": "strengthen gluteus maximus",
    "strengthen_core": "strengthen core / abdominals",
    "correct_femoral_internal_rotation": "correct excessive femoral internal rotation",
    "gait_retraining": "gait retraining (including removing a compensatory limp)",
    "movement_reassessment": "movement analysis and re-assessment",
    "release_iliacus": "sustained-pressure release of iliacus (about 90 s)",
    "release_psoas": "sustained-pressure release of psoas",
    "release_tfl": "sustained-pressure release of TFL",
    "release_piriformis": "sustained-pressure release of piriformis",
    "release_deep_rotators": "sustained-pressure release of the deep hip rotators",
    "pelvic_realignment": "pelvic realignment on the anteriorly rotated side",
    "bridges": "glute bridges",
    "clamshells": "clamshells",
    "planks": "planks",
    "band_progressions": "loop-band progressions",
    "hip_flexor_strength": "hip-flexor strengthening",
    "stretch_hip_flexors": "stretching of the hip flexors",
    "stretch_hamstrings": "stretching of the hamstrings",
    # alignment devices (seed 002, 003)
    "orthotics": "custom orthotics / shoe inserts",
    "heel_lift": "heel lift for a leg-length difference",
    # compensation after knee injury (seed 001)
    "treat_knee_problem": "treat the underlying knee problem",
    "rice": "rest, ice, compression, elevation for overworked hip muscles",
    "gentle_stretching": "gentle stretching",
    # osteoarthritis and medical care (seed 000, 002)
    "exercise_therapy": "exercise therapy / physical therapy programme",
    "education": "education",
    "weight_management": "weight management",
    "nsaids": "non-steroidal anti-inflammatory drugs (clinician decision)",
    "simple_analgesia": "over-the-counter pain relief such as paracetamol (clinician decision)",
    "ia_corticosteroid": "intra-articular corticosteroid injection (clinician decision)",
    "hip_replacement": "total hip replacement after failed conservative care",
    "hip_arthroscopy": "hip arthroscopy when conservative care fails",
    "knee_arthroplasty": "knee arthroplasty when conservative care fails",
    "orthopaedic_referral": "orthopaedic specialist consultation",
    # adjuncts (seed 002)
    "massage": "massage therapy",
    "acupuncture": "acupuncture",
    "chiropractic": "chiropractic care",
    "supplement_glucosamine_chondroitin": "glucosamine and chondroitin supplements",
    "supplement_omega3": "omega-3 supplements",
    "supplement_turmeric": "turmeric supplements",
    "heat": "heat",
    "ice": "ice",
    "low_impact_swimming": "swimming",
    "low_impact_cycling": "cycling",
    "low_impact_walking": "walking",
    "anti_inflammatory_diet": "balanced diet rich in anti-inflammatory foods",
    # recovery (seed 002)
    "gradual_return": "gradual return to activity, low impact first",
    "balance_training": "balance training",
}

EXTRA_TREATMENTS: dict[str, str] = {
    "release_tight_hip_muscles": "release of tight hip muscles (any)",
    "foot_control": "foot and arch control exercise",
    "lumbar_self_management": "lumbar self-management and nerve mobility",
    "urgent_medical_review": "urgent medical review",
    "load_management": "load management",
}

TREATMENTS: dict[str, str] = {**SEED_TREATMENTS, **EXTRA_TREATMENTS}
