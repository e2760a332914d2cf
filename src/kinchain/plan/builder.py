"""Build a care plan from an assessment: treat the driver, not only the place that hurts.

``build_plan(assessment, case, audience)`` is pure: it reads the assessment, the case header and the
knowledge base and returns a :class:`~kinchain.plan.models.CarePlan`. Rules, in order:

1. Red-flag triage (emergency or urgent) replaces the exercise plan with "see a doctor first" and why.
2. Otherwise every driver and condition pathway whose conditions or pain source reach
   ``plan_pathway_min_probability`` joins the plan, strongest first; components that need a measured
   finding (heel lift, orthoses, pelvic reset) join only when that measurement is in the findings.
3. Exercises are merged across pathways in order of phase and pathway strength, capped at
   ``plan_max_home_exercises``; each keeps its cited dosage and is scheduled across the week.
4. The timeline starts from the cited ranges (or the pathway's own) and moves within them by age,
   chronicity and structural disease, saying why.
5. Patient plans carry no medicine, injection or surgery content at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kinchain.knowledge import Knowledge, load_knowledge
from kinchain.plan.library import exercise_library
from kinchain.plan.models import (
    CLINICIAN_ONLY_CATEGORIES,
    Adjunct,
    Audience,
    CarePlan,
    Component,
    DifferentialLine,
    Driver,
    Exercise,
    Pathway,
    Phase,
    PlanItem,
    PrescribedExercise,
    Reassessment,
    ReferralLine,
    SafetyNotice,
    TimelinePlan,
    WarningSign,
)
from kinchain.plan.pathways import Selected, measurement_met, pathway_index, select_pathways
from kinchain.plan.safety import forbidden_terms

if TYPE_CHECKING:
    from kinchain.case import Case
    from kinchain.reasoning.types import Assessment

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_SETS = {
    7: DAYS, 6: DAYS[:6], 5: DAYS[:5], 4: ("Mon", "Tue", "Thu", "Fri"), 3: ("Mon", "Wed", "Fri"),
    2: ("Tue", "Sat"), 1: ("Wed",),
}
WEEKS_PER_MONTH = 52 / 12
EVIDENCE_WORDS = {
    "high": "strong evidence", "moderate": "moderate evidence", "low": "limited evidence",
    "very_low": "very little evidence", "expert_opinion": "expert opinion only",
    "guideline_against": "guidelines advise against",
}


def _p(kb: Knowledge, pid: str) -> float:
    return kb.parameter(pid)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _patient_ok(text: str | None) -> bool:
    return text is not None and not forbidden_terms(text)


def _component_item(pw: Pathway, c: Component, audience: Audience, findings: Mapping[str, Any]) -> PlanItem:
    justification = None
    met = [m for m in c.requires if measurement_met(m, findings)]
    if met:
        m = met[0]
        justification = (f"{m.text} ({m.finding} = {findings[m.finding]})" if audience == "clinician"
                         else "Your physio found this when checking you")
    text = c.text if audience == "clinician" else (c.patient_text or "")
    return PlanItem(pathway=pw.id, component=c.id, category=c.category, text=text, phase=c.phase,
                    evidence=c.evidence, contraindications=list(c.contraindications) if audience == "clinician"
                    else [], justification=justification, treats=list(c.treats), citation=list(c.citation))


def _prescribe(ex: Exercise, phase: int, why: str, audience: Audience, side: str | None) -> PrescribedExercise:
    plain = audience == "patient"
    side_text = {"affected": f"{side} side" if side else "painful side", "both": "both sides",
                 "anterior_rotated": "only the side that is tipped forward"}[ex.side]
    return PrescribedExercise(
        id=ex.id, name=ex.plain_name if plain else ex.name, category=ex.category,
        targets=ex.plain_targets if plain else ", ".join(ex.targets), instructions=list(ex.instructions),
        dose=ex.dosage.text(plain=plain), sets=ex.dosage.sets, reps=ex.dosage.reps, hold_s=ex.dosage.hold_s,
        days_per_week=ex.dosage.days_per_week, days=list(_DAY_SETS[ex.dosage.days_per_week]), phase=phase,
        progression=ex.progression, regression=ex.regression, contraindications=list(ex.contraindications),
        illustration=ex.illustration, side=side_text, why=why, citation=list(ex.dosage.citation),
    )


def _differential(assessment: Assessment, n: int = 6) -> list[DifferentialLine]:
    return [DifferentialLine(condition=c.id, name=c.name, probability=round(c.probability, 4),
                             must_not_miss=c.must_not_miss)
            for c in assessment.conditions[:n] if c.probability >= 0.01]


def _safety(assessment: Assessment, kb: Knowledge, audience: Audience) -> SafetyNotice:
    level = assessment.triage.level
    notice = next(p for p in pathway_index(kb).values() if p.kind == "safety" and p.level == level)
    why: list[str] = []
    for r in assessment.triage.reasons:
        if r.level in ("emergency", "urgent"):
            if audience == "patient":
                cond = kb.conditions.get(r.id)
                if cond is not None:
                    name = cond.patient_name[:1].lower() + cond.patient_name[1:]
                    why.append(f"Your answers fit {name}, which needs a doctor's check first.")
                elif r.kind in ("finding", "rule"):
                    fnd = kb.findings.get(r.id)
                    why.append(f"You reported a warning sign: {fnd.description.split(';')[0].rstrip('.')}."
                               if fnd is not None else "You reported a warning sign that needs a doctor's check.")
            else:
                why.append(r.text)
    if not why:
        why.append("The assessment found signs that need a medical check before any exercise."
                   if audience == "patient" else f"Triage level {level}.")
    deduped = list(dict.fromkeys(w for w in why if audience == "clinician" or _patient_ok(w)))
    if not deduped:
        deduped = ["The assessment found signs that need a medical check before any exercise."]
    return SafetyNotice(level=level, headline=notice.name,
                        what_to_do=(notice.patient_text if audience == "patient" else notice.text) or "",
                        why=deduped)


def _timeline(selected: list[Selected], assessment: Assessment, case: Case | None, kb: Knowledge,
              audience: Audience) -> TimelinePlan:
    lo_w, hi_w = _p(kb, "plan_initial_phase_weeks_min"), _p(kb, "plan_initial_phase_weeks_max")
    lo_m, hi_m = _p(kb, "plan_full_recovery_months_min"), _p(kb, "plan_full_recovery_months_max")
    citation = ["seed_hip_issues_knee_pain"]
    adjustments: list[str] = []
    patient = audience == "patient"
    own = next((s.pathway for s in selected if s.pathway.timeline is not None), None)
    if own is not None and own.timeline is not None:
        lo_w, hi_w = own.timeline.initial_weeks
        lo_m, hi_m = own.timeline.full_months
        citation = list(own.timeline.citation)
        if patient:
            adjustments.append(f"{own.patient_name or own.name} usually takes {_fmt(lo_w)} to {_fmt(hi_w)} weeks "
                               f"to settle and {_fmt(lo_m)} to {_fmt(hi_m)} months to fully recover.")
        else:
            adjustments.append(f"Ranges from the {own.name} pathway ({_fmt(lo_w)}-{_fmt(hi_w)} weeks initial, "
                               f"{_fmt(lo_m)}-{_fmt(hi_m)} months full)" + (f": {own.timeline.note}"
                                                                              if own.timeline.note else "."))
    findings = assessment.findings
    age = float(case.patient.age) if case is not None else findings.get("age_years")
    weeks = findings.get("duration_weeks")
    if case is not None and case.complaint.duration_weeks is not None:
        weeks = case.complaint.duration_weeks
    structural = [s.pathway for s in selected if any(
        kb.conditions[c].kind == "structural" for c in s.pathway.conditions if c in kb.conditions)]
    upper = 0
    if isinstance(age, int | float) and age >= _p(kb, "plan_older_adult_age"):
        upper += 1
        adjustments.append(f"At age {age:g}, muscles and tissues take longer to recover, so we plan for the "
                           "longer end." if patient else
                           f"Age {age:g} (at least {_fmt(_p(kb, 'plan_older_adult_age'))}): strength and tissue "
                           "recovery are slower, so the upper end of each range is used.")
    if isinstance(weeks, int | float) and weeks > _p(kb, "plan_chronic_pain_weeks"):
        upper += 1
        adjustments.append(f"You have had the pain for {weeks:.0f} weeks. Long-lasting pain settles more slowly, "
                           "so we plan for the longer end." if patient else
                           f"Pain for {weeks:.0f} weeks (over {_fmt(_p(kb, 'plan_chronic_pain_weeks'))} weeks, i.e. "
                           "chronic): sensitised tissues settle more slowly - upper end of the range.")
    if structural:
        upper += 1
        adjustments.append("A change in the joint itself takes longer to settle, so we plan for the longer end."
                           if patient else
                           f"Structural condition in the plan ({', '.join(p.name for p in structural[:2])}): "
                           "upper end of the range.")
    onset = findings.get("onset")
    young = isinstance(age, int | float) and age < _p(kb, "plan_young_adult_age")
    if upper == 0 and young and onset == "acute":
        adjustments.append("You are young and the pain is recent, so you may recover at the quicker end."
                           if patient else
                           f"Age {age:g} with a recent, acute onset and no structural condition: lower end of "
                           "the range.")
        chosen_w, chosen_m = lo_w, lo_m
    elif upper == 0:
        adjustments.append("Nothing in your check-up points to a slower or quicker recovery, so we plan for the "
                           "middle of the usual time." if patient else
                           "No factor that slows or speeds recovery: middle of the range.")
        chosen_w, chosen_m = (lo_w + hi_w) / 2, (lo_m + hi_m) / 2
    else:
        chosen_w, chosen_m = hi_w, hi_m
    settle = min(_p(kb, "plan_settle_phase_weeks"), chosen_w / 2)
    full_w = float(round(chosen_m * WEEKS_PER_MONTH))
    pain = _fmt(_p(kb, "plan_pain_monitor_max"))
    bridge = _fmt(_p(kb, "plan_milestone_single_leg_bridge_reps"))
    plank = _fmt(_p(kb, "plan_milestone_side_plank_s"))
    stance = _fmt(_p(kb, "plan_milestone_single_leg_stance_s"))
    if audience == "patient":
        phases = [
            Phase(number=1, name="Calm and release", start_week=0, end_week=settle,
                  goals=["Calm the pain", "Learn the release and the first exercises"],
                  milestones=["You can do every exercise on the list with good form",
                              f"Pain during exercise stays at {pain} out of 10 or less and is back to normal "
                              "by the next morning"],
                  progress_when=["Both milestones are met for a whole week"]),
            Phase(number=2, name="Build strength and control", start_week=settle, end_week=chosen_w,
                  goals=["Make the hip and leg muscles stronger", "Walk and move with good control"],
                  milestones=[f"{bridge} one-leg bridges on each side with a level pelvis",
                              f"Side plank for {plank} seconds on each side",
                              f"Stand on one leg for {stance} seconds without the pelvis dropping"],
                  progress_when=["You reach the milestones and daily activities feel easier"]),
            Phase(number=3, name="Back to full activity", start_week=chosen_w, end_week=full_w,
                  goals=["Return to sport, work and hobbies step by step", "Keep the gains for good"],
                  milestones=["Your usual activities cause no more than mild pain that settles overnight",
                              "Your physio's re-check shows the cause has improved"],
                  progress_when=["Add one harder activity at a time, once the last step felt fine for a week"]),
        ]
    else:
        phases = [
            Phase(number=1, name="Settle, release and activate", start_week=0, end_week=settle,
                  goals=["Reduce irritability; release and realign where indicated", "Motor activation"],
                  milestones=["All phase-1 exercises with correct technique",
                              f"Exercise pain <= {pain}/10, settling by next morning (pain-monitoring model)"],
                  progress_when=["Milestones held for 1 week"]),
            Phase(number=2, name="Strength and movement control", start_week=settle, end_week=chosen_w,
                  goals=["Progressive loading of the driver", "Movement retraining (gait, step-down)"],
                  milestones=[f"Single-leg bridge {bridge} reps each side, level pelvis",
                              f"Side plank {plank} s each side",
                              f"Single-leg stance {stance} s without pelvic drop"],
                  progress_when=["Milestones met and pain-monitoring rule respected"]),
            Phase(number=3, name="Return to activity and maintenance", start_week=chosen_w, end_week=full_w,
                  goals=["Graded return to sport/work", "Maintenance programme"],
                  milestones=["Target activities at pre-injury level with pain <= 2/10 settling overnight",
                              "Driver impairment corrected on re-assessment"],
                  progress_when=["Graded exposure, one variable at a time"]),
        ]
    citation += ["plan_silbernagel2007", "judgement_kinchain"]
    return TimelinePlan(initial_weeks=(lo_w, hi_w), full_months=(lo_m, hi_m), chosen_initial_weeks=chosen_w,
                        chosen_full_months=chosen_m, adjustments=adjustments, phases=phases,
                        citation=list(dict.fromkeys(citation)))


def _predicted_change(findings: Mapping[str, Any], kb: Knowledge, audience: Audience) -> str | None:
    """What the kinetic-chain model predicts when the impairment is corrected (None if unavailable)."""
    try:
        from kinchain.chain import chain_for_findings
    except ImportError:
        return None
    try:
        result = chain_for_findings(dict(findings), kb=kb)
    except Exception:  # the model is optional: a plan never fails because of it
        return None
    if result is None or not getattr(result, "per_correction", None):
        return None
    names = {"pelvic_drop_deg": ("pelvic drop", "deg"), "femoral_internal_rotation_deg": ("femoral IR", "deg"),
             "knee_valgus_deg": ("knee valgus", "deg")}
    parts = []
    for impairment, changes in result.per_correction.items():
        bits = [f"{label} {changes[k]:+.1f} {unit}" for k, (label, unit) in names.items()
                if k in changes and abs(changes[k]) >= 0.5]
        if bits:
            parts.append(f"with {impairment}: " + ", ".join(bits))
    if not parts:
        return None
    if audience == "patient":
        return ("Our model of how the leg moves predicts that as the cause improves, your thigh will turn in "
                "less and your knee will stay better lined up.")
    return "Kinetic-chain model estimate (see docs/chain.md) - " + "; ".join(parts) + "."


def _reassessments(selected: list[Selected], timeline: TimelinePlan, kb: Knowledge,
                   audience: Audience) -> list[Reassessment]:
    fids = list(dict.fromkeys(f for s in selected for f in s.pathway.reassess if f in kb.findings))
    if audience == "patient":
        what = ["How much it hurts and what you can do", "The strength and control of your hip and leg",
                "How you walk and squat"]
    else:
        what = ["Pain (NRS) and function", *[f.replace("_", " ") for f in fids[:8]]]
    weeks = [timeline.phases[0].end_week, timeline.chosen_initial_weeks, timeline.phases[-1].end_week]
    out: list[Reassessment] = []
    for i, w in enumerate(dict.fromkeys(round(x, 1) for x in weeks)):
        items = list(what)
        if i == len(weeks) - 1 or w == weeks[-1]:
            items.append("Decide on discharge with a maintenance plan" if audience == "clinician"
                         else "Plan how to keep it going on your own")
        out.append(Reassessment(week=w, what=items))
    return out


def _progression_rules(kb: Knowledge, audience: Audience) -> list[str]:
    pain = _fmt(_p(kb, "plan_pain_monitor_max"))
    step = _fmt(_p(kb, "plan_load_increase_pct_max"))
    if audience == "patient":
        return [
            f"Some discomfort is fine. Keep pain during exercise at {pain} out of 10 or less.",
            "The pain should be back to normal by the next morning. If it is, you can keep going.",
            "When the last round feels easy for two sessions in a row, move to the harder version.",
            "If pain goes above the limit, or is worse the next morning, go back to the easier version "
            "for a few days.",
            "Do the release before the exercises. Do the stretches after them.",
            "Stop and get help if you notice any of the warning signs below.",
        ]
    return [
        f"Pain-monitoring model: exercise pain <= {pain}/10 and back to baseline by next morning (Silbernagel "
        "2007).",
        f"Strength: when 1-2 reps above target are possible with good form, progress the exercise or add "
        f"2-{step} % load (ACSM 2009).",
        "Regress for 2-3 sessions if pain exceeds the limit or morning pain/stiffness increases.",
        "Release (about 90 s) precedes activation work; stretching after loading.",
        "Stop the programme and review on any warning sign listed.",
    ]


def _headline(assessment: Assessment, drivers: list[Driver], kb: Knowledge, audience: Audience) -> str:
    region = assessment.complaint_region.replace("_", " ")
    top = assessment.pain_source[0] if assessment.pain_source else None
    if audience == "patient":
        if drivers and top is not None and top.mechanism == "local":
            # the complaint itself is the most likely source: name the driver as a contributor, not the cause
            return (f"Your {region} pain: a plan to settle it, including work on "
                    f"{drivers[0].name.lower()}, which may be adding to it.")
        if drivers:
            return f"Your {region} pain: the plan treats the cause - {drivers[0].name.lower()}."
        return f"Your {region} pain: a plan to calm it and get you moving."
    src = f"{top.region.replace('_', ' ')} ({top.mechanism.replace('_', ' ')}, {top.probability:.0%})" if top else "?"
    drv = f"; plan led by: {drivers[0].name}" if drivers else ""
    return f"{region.capitalize()} complaint - most probable source: {src}{drv}."


def build_plan(assessment: Assessment, case: Case | None = None, audience: Audience = "clinician",
               kb: Knowledge | None = None) -> CarePlan:
    """The care plan for one assessment, for a clinician or a patient."""
    if audience not in ("clinician", "patient"):
        raise ValueError(f"audience must be 'clinician' or 'patient', got {audience!r}")
    kb = kb or load_knowledge()
    findings = dict(assessment.findings)
    lib = exercise_library(kb)
    index = pathway_index(kb)
    level = assessment.triage.level
    probs = {c.id: c.probability for c in assessment.conditions}
    threshold = _p(kb, "plan_pathway_min_probability")
    warning = [WarningSign(id=p.id, text=(p.text if audience == "clinician" else p.patient_text) or "",
                           action={"emergency": "Go to emergency care now", "urgent": "See a doctor within a day",
                                   "routine": "Stop and contact your physio"}.get(p.level or "routine", ""),
                           level=p.level or "routine")
               for p in index.values() if p.kind == "warning_sign"]
    warning.sort(key=lambda w: {"emergency": 0, "urgent": 1, "routine": 2}.get(w.level, 3))
    referrals: list[ReferralLine] = []
    for pw in index.values():  # must-not-miss referral pathways and the referrals of probable conditions
        if pw.kind == "condition" and pw.referrals and any(probs.get(c, 0) >= threshold for c in pw.conditions):
            referrals += [ReferralLine(to=r.to, when=r.when, urgency=r.urgency, citation=list(r.citation))
                          for r in pw.referrals]
    differential = _differential(assessment) if audience == "clinician" else []
    used_refs: list[str] = []

    if level in ("emergency", "urgent"):
        safety = _safety(assessment, kb, audience)
        if audience == "patient":
            referrals = []
        plan = CarePlan(audience=audience, case_id=assessment.case_id, knowledge_version=kb.version,
                        triage_level=level, headline=safety.headline + ("." if audience == "patient" else
                                                                         ": " + safety.what_to_do), safety=safety,
                        differential=differential, warning_signs=warning, referrals=referrals,
                        references=_refs(kb, [*(c for r in referrals for c in r.citation), "judgement_kinchain"])
                        if audience == "clinician" else {})
        return plan

    selected = select_pathways(assessment, kb, threshold)
    if not selected:  # nothing reaches the threshold: follow the most probable condition that has a pathway
        for c in assessment.conditions:
            best = next((p for p in index.values() if p.kind in ("driver", "condition") and c.id in p.conditions
                         and p.components), None)
            if best is not None:
                selected = [Selected(best, c.probability, (f"{c.name} {c.probability:.0%} (most probable; low "
                                                         "certainty)",))]
                break
    drivers = [Driver(pathway=s.pathway.id, name=(s.pathway.patient_name or s.pathway.name) if audience == "patient"
                      else s.pathway.name, probability=round(s.score, 4),
                      because=[] if audience == "patient" else list(s.because))
               for s in selected if s.pathway.components]
    items: list[PlanItem] = []
    clinician_only: list[PlanItem] = []
    queues: list[tuple[int, str, list[str]]] = []  # (phase, why, exercise ids) per component, in plan order
    for s in selected:
        pw = s.pathway
        for comp in pw.components:
            if comp.requires and not any(measurement_met(m, findings) for m in comp.requires):
                continue
            if comp.category in CLINICIAN_ONLY_CATEGORIES:
                if audience == "clinician":
                    clinician_only.append(_component_item(pw, comp, audience, findings))
                    used_refs += comp.citation
                continue
            if audience == "patient" and not _patient_ok(comp.patient_text):
                continue
            item = _component_item(pw, comp, audience, findings)
            if any(i.text == item.text for i in items):  # two pathways asking for the same thing
                continue
            items.append(item)
            used_refs += comp.citation
            why = (pw.patient_name or pw.name) if audience == "patient" else f"{pw.name}: {comp.id}"
            queues.append((comp.phase, why, [e for e in comp.exercises if e in lib]))
        for ref in pw.referrals:
            line = ReferralLine(to=ref.to, when=ref.when, urgency=ref.urgency, citation=list(ref.citation))
            if line not in referrals:
                referrals.append(line)
    knee_paths = [s for s in selected if s.pathway.kind == "condition" and any(
        c in kb.conditions and kb.conditions[c].region == "knee" for c in s.pathway.conditions)]
    if any(s.pathway.id == "knee_driven_hip_compensation" for s in selected) and not knee_paths:
        items.insert(1, PlanItem(
            pathway="knee_driven_hip_compensation", component="assess_knee", category="education", phase=1,
            text=("The knee problem behind the compensation is not identified by this assessment: examine the "
                  "knee (assess it as a knee complaint) and add its pathway - the hip settles only when the knee "
                  "is treated." if audience == "clinician" else
                  "Your physio will also check your knee, so the knee problem can be treated too."),
            treats=["treat_knee_problem"], citation=["seed_knee_injury_hip_pain"]))
    side = case.complaint.side if case is not None else None
    exercises = [_prescribe(lib[eid], ph, why, audience, side)
                 for eid, ph, why in _allocate(queues, int(_p(kb, "plan_max_home_exercises")))]
    used_refs += [c for e in exercises for c in e.citation]

    conds = {c for s in selected for c in s.pathway.conditions}
    adjuncts = []
    for p in index.values():
        if p.kind != "adjunct" or (p.conditions and not conds & set(p.conditions)):
            continue
        text = (p.text if audience == "clinician" else p.patient_text) or ""
        if audience == "patient" and not _patient_ok(text):
            continue
        adjuncts.append(Adjunct(id=p.id, name=p.name, text=text,
                                evidence=EVIDENCE_WORDS.get(p.evidence or "", p.evidence or ""),
                                citation=list(p.citation)))
        used_refs += p.citation
    timeline = _timeline(selected, assessment, case, kb, audience)
    used_refs += timeline.citation + [c for r in referrals for c in r.citation]
    if audience == "patient":
        referrals = [r for r in referrals if _patient_ok(r.to + " " + r.when)]
    return CarePlan(
        audience=audience, case_id=assessment.case_id, knowledge_version=kb.version, triage_level=level,
        headline=_headline(assessment, drivers, kb, audience), drivers=drivers, differential=differential,
        items=items, clinician_only=clinician_only, exercises=exercises, timeline=timeline,
        reassessments=_reassessments(selected, timeline, kb, audience),
        progression_rules=_progression_rules(kb, audience), warning_signs=warning, adjuncts=adjuncts,
        referrals=referrals, predicted_change=_predicted_change(findings, kb, audience),
        references=_refs(kb, used_refs) if audience == "clinician" else {},
    )


def _allocate(queues: list[tuple[int, str, list[str]]], cap: int) -> list[tuple[str, int, str]]:
    """Pick exercises phase by phase, taking one from each component in turn (round-robin) so every
    component of the leading pathways is represented; at most ``cap`` in phase 1 and half as many new
    ones in each later phase (the programme grows, it does not restart)."""
    chosen: dict[str, tuple[int, str]] = {}
    for phase in (1, 2, 3):
        limit = cap if phase == 1 else max(2, cap // 2)
        pending = [(why, [e for e in ids]) for ph, why, ids in queues if ph == phase]
        added = 0
        while added < limit and any(ids for _, ids in pending):
            for why, ids in pending:
                while ids and ids[0] in chosen:
                    ids.pop(0)
                if ids and added < limit:
                    chosen[ids.pop(0)] = (phase, why)
                    added += 1
    return [(eid, ph, why) for eid, (ph, why) in chosen.items()]


def _refs(kb: Knowledge, ids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for rid in dict.fromkeys(ids):
        ref = kb.references.get(rid)
        if ref is not None:
            out[rid] = f"{ref.authors}. {ref.title or ''} ({ref.year})".replace(" ()", "")
    return out
