"""Published case reports and series (tests/cases): pain-source accuracy, triage, must-not-miss safety,
and the adaptive interview replayed on the same cases. Figures are printed in the terminal summary."""

from __future__ import annotations

import pytest

from kinchain.knowledge.schema import TRIAGE_ORDER
from tests.validation import CASES, load_dir, run, split_heldout, summary

METRICS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def rows(kb):
    cases = load_dir(CASES)
    assert len(cases) >= 30, "the validation set needs at least 30 published cases"
    result = run(cases, kb, interview=True)
    METRICS["validation"] = summary(result)
    # Cases marked source.heldout were added after the knowledge base was last tuned: figures on them
    # are printed apart so a held-out estimate stays visible (until the knowledge is changed for them).
    for name, part in split_heldout(result).items():
        if part:
            METRICS[f"validation_{name}"] = summary(part)
    METRICS["validation_misses"] = {
        r.case.id: f"source {r.source} (expected {r.expected_source}), triage {r.triage} "
                   f"(expected {r.expected_triage})"
        for r in result if r.source != r.expected_source or r.triage != r.expected_triage}
    return result


def test_every_case_cites_its_source(rows):
    for r in rows:
        src = r.case.source or {}
        assert src.get("pmid") or src.get("doi") or src.get("url"), f"{r.case.id}: source needs a pmid, doi or url"
        assert r.expected_source in ("hip", "knee", "lumbar_spine", "foot_ankle", "other"), r.case.id


# Held-out must-not-miss cases still under-triaged after the December 2026 knowledge changes, each for a
# reason the knowledge cannot fix without over-triaging many benign presentations (tests/cases/README.md).
# Anything outside this list, or any seen case, fails.
KNOWN_HELDOUT_UNDER_TRIAGE = {
    "hip_fracture_isolated_knee_pain_after_tka_guss1997",  # knee-only pain, no fall coded: urgent not emergency
    "lung_cancer_metastasis_distal_femur_knee_pain_woo2025",  # no red flag reported: routine
    # complaint coded as back pain; a fall and a leg that cannot take weight at 33 give a same-day X-ray (urgent),
    # and an emergency floor for every fall with a painful leg would over-triage sprains
    "femoral_neck_fracture_back_leg_pain_after_restraint_hayat2009",
    # a 6-year-old's knee pain after a fall with a normal knee film and no hip examination reported: urgent
    "proximal_femur_fracture_bone_cyst_knee_pain_girl_ukm",
    # thigh and back pain three months after a bicycle fall, walking, nothing else coded: a same-day X-ray
    # (urgent) is what the two findings support; the label's emergency follows the README rule for occult fractures
    "occult_proximal_femur_fracture_sciatica_mimic_bicycle_fall_lee2023",
    # buttock pain with fever three weeks after a fall in a young adult, nothing else coded (abstract only):
    # urgent; an emergency floor for every febrile adult with a sore hip would take in every viral illness
    "iliacus_abscess_posterior_hip_pain_fever_after_fall_young_woman_huang2024",
    # calf swelling, a tense compartment and a deep peroneal deficit from a ruptured Baker cyst, but no onset
    # reported: the compartment flag needs an acute onset (chronic exertional compartment pain is not an
    # emergency), so the new motor deficit gives urgent
    "ruptured_baker_cyst_compartment_syndrome_peroneal_deficit_cellulitis_mimic_proquest",
    # lateral hip pain for two months that NSAIDs did not ease, no cancer history coded (smoking has no id):
    # nothing recorded points to a tumour, so routine
    "bone_metastasis_greater_trochanter_lung_cancer_treated_as_bursitis_puertas2013",
    # a tense, swollen calf after training, coded with a gradual onset and only one of Ulmer's signs (the tense
    # compartment): the compartment flag needs an acute onset and two signs, so DVT's urgent floor is what fires
    "compartment_syndrome_calf_after_football_training_treated_as_dvt_collins2005",
    # non-contact valgus injury with an effusion the next day, no Ottawa item recorded (no tenderness, weight
    # bearing or flexion reported): the knee fracture stays below the must-not-miss threshold, routine
    "tibial_plateau_fracture_noncontact_valgus_indoor_soccer_giulietti1994",
}


def test_no_must_not_miss_case_is_under_triaged(rows):
    parts = split_heldout(rows)
    bad = [(r.case.id, r.triage, r.expected_triage) for r in parts["seen"] if r.must_not_miss and r.under_triaged]
    assert bad == []
    new = {r.case.id for r in parts["heldout"] if r.must_not_miss and r.under_triaged} - KNOWN_HELDOUT_UNDER_TRIAGE
    assert new == set(), f"newly under-triaged held-out must-not-miss cases: {sorted(new)}"
    # a listed case that is now triaged correctly must leave the list, so the list stays a true record
    still = {r.case.id for r in parts["heldout"] if r.must_not_miss and r.under_triaged}
    assert still >= KNOWN_HELDOUT_UNDER_TRIAGE, f"no longer under-triaged: {sorted(KNOWN_HELDOUT_UNDER_TRIAGE - still)}"


def test_pain_source_top1_accuracy(rows):
    """Bound on the original cases; the held-out cases are only guarded against getting worse than their
    first measured figures (13/15 for the first batch, then 4/6, 4/6, 1/6, 5/6, 12/17, 10/11, 12/13,
    10/13 and 19/23: 90/116),
    since tuning to them would make the estimate meaningless."""
    parts = split_heldout(rows)
    assert summary(parts["seen"])["source_top1"] >= 0.90, METRICS["validation_misses"]
    if parts["heldout"]:
        assert summary(parts["heldout"])["source_top1"] >= 90 / 116 - 1e-9, METRICS["validation_misses"]


def test_interview_reaches_an_answer_with_few_questions(rows):
    """Aim: median <= 12 questions at the accuracy of the full record. The replayed interview only
    learns what it asks (unrecorded answers are 'unknown'), so a gap to the full-record accuracy is
    reported in the terminal summary (one case today); the bound here guards against regressions."""
    s = summary(rows)
    assert s["interview_median_questions"] <= 12
    assert s["interview_source_top1"] >= s["source_top1"] - 0.05


# Held-out replays known to end lower than the full record, each with the reason (a true record, as above).
KNOWN_INTERVIEW_LOWER = {
    # toddler with a limp and a knee effusion: the full record's ESR of 58 is what lifts the septic hip to
    # 'emergency'; the replay never asks for blood values (too few bits on average), and completing the
    # Kocher items for every limping child cost five questions in 26 children for this one case
    "septic_knee_toddler_limp_effusion_called_transient_synovitis_brien2017",
}


def test_interview_never_triages_a_must_not_miss_case_lower_than_the_full_record(rows):
    """The interview only learns what it asks, so its warning-sign checklists must reach every red flag the
    record holds: a replay may not end below the full record's own triage for an urgent or emergency case
    (before the checklists, a 'don't know' to one cauda equina sign hid the others, and 29 of 54 such
    replays ended lower)."""
    lower = {r.case.id: f"interview {r.interview_triage}, full record {r.triage}" for r in rows
             if r.must_not_miss and TRIAGE_ORDER[r.interview_triage] < min(TRIAGE_ORDER[r.triage],
                                                                           TRIAGE_ORDER[r.expected_triage])}
    assert set(lower) - KNOWN_INTERVIEW_LOWER == set(), lower
    assert set(lower) >= KNOWN_INTERVIEW_LOWER, f"no longer lower: {sorted(KNOWN_INTERVIEW_LOWER - set(lower))}"


def test_heldout_cases_are_labelled_and_split(rows):
    parts = split_heldout(rows)
    assert sum(len(v) for v in parts.values()) == len(rows)
    for r in parts["heldout"]:
        assert str(r.case.source["heldout"]).count("-") == 1, f"{r.case.id}: heldout is a YYYY-MM label"
