"""Plain-text rendering of a care plan (the CLI's --format text)."""

from __future__ import annotations

from kinchain.plan.models import CarePlan


def plan_text(plan: CarePlan) -> str:
    out: list[str] = []
    add = out.append
    add(("CARE PLAN (patient)" if plan.audience == "patient" else "CARE PLAN (clinician)")
        + (f" - {plan.case_id}" if plan.case_id and plan.audience == "clinician" else ""))
    add(plan.headline)
    if plan.safety is not None:
        add("")
        add(f"!! {plan.safety.headline.upper()} ({plan.safety.level})")
        add(f"   {plan.safety.what_to_do}")
        add("   Why:")
        out.extend(f"   - {w}" for w in plan.safety.why)
    if plan.differential:
        add("")
        add("Differential:")
        out.extend(f"  {d.probability:5.0%}  {d.name}{'  [must not miss]' if d.must_not_miss else ''}"
                   for d in plan.differential)
    if plan.drivers:
        add("")
        add("Treating the source:")
        for d in plan.drivers:
            add(f"  - {d.name}" + (f" ({d.probability:.0%}): {'; '.join(d.because)}" if d.because else ""))
    if plan.items:
        add("")
        add("Plan:")
        for it in plan.items:
            tag = f"[phase {it.phase}{', ' + it.evidence.replace('_', ' ') if it.evidence else ''}] "
            add(f"  - {tag if plan.audience == 'clinician' else ''}{it.text}"
                + (f" (justified by: {it.justification})" if it.justification else ""))
    if plan.clinician_only:
        add("")
        add("Clinician-only options:")
        for it in plan.clinician_only:
            add(f"  - {it.text}")
            if it.contraindications:
                add(f"      contraindications: {'; '.join(it.contraindications)}")
    if plan.exercises:
        add("")
        add("Home exercises:")
        for ex in plan.exercises:
            add(f"  [{ex.phase}] {ex.name} - {ex.dose} ({ex.side}; {', '.join(ex.days)})")
            if plan.audience == "patient":
                out.extend(f"        {i}. {s}" for i, s in enumerate(ex.instructions, 1))
            add(f"        harder: {ex.progression}")
            add(f"        easier: {ex.regression}")
    if plan.timeline is not None:
        t = plan.timeline
        add("")
        add(f"Timeline: initial {t.initial_weeks[0]:g}-{t.initial_weeks[1]:g} weeks (planned {t.chosen_initial_weeks:g}), "
            f"full recovery {t.full_months[0]:g}-{t.full_months[1]:g} months (planned {t.chosen_full_months:g})")
        out.extend(f"  * {a}" for a in t.adjustments)
        for ph in t.phases:
            add(f"  Phase {ph.number} {ph.name} (weeks {ph.start_week:g}-{ph.end_week:g})")
            add(f"      milestones: {'; '.join(ph.milestones)}")
    if plan.reassessments:
        add("Re-assess: " + "; ".join(f"week {r.week:g}" for r in plan.reassessments)
            + f" - {', '.join(plan.reassessments[0].what)}")
    if plan.predicted_change:
        add(f"Predicted change: {plan.predicted_change}")
    if plan.progression_rules:
        add("")
        add("Progression rules:")
        out.extend(f"  - {r}" for r in plan.progression_rules)
    if plan.referrals:
        add("")
        add("Referral:")
        out.extend(f"  - {r.to} [{r.urgency}]: {r.when}" for r in plan.referrals)
    if plan.adjuncts:
        add("")
        add("Optional extras (never the main treatment):")
        out.extend(f"  - {a.name} ({a.evidence}): {a.text}" for a in plan.adjuncts)
    add("")
    add("Stop and get help if:")
    out.extend(f"  - [{w.level}] {w.text}" for w in plan.warning_signs)
    return "\n".join(out) + "\n"
