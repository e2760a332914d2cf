"""Text rendering of an assessment for a clinician's glance (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kinchain.reasoning.types import Assessment

TRIAGE_STYLE = {
    "emergency": ("white on red", "EMERGENCY - go to an emergency department now"),
    "urgent": ("black on yellow", "URGENT - see a clinician today or within 48 hours"),
    "routine": ("white on blue", "ROUTINE - book an appointment"),
    "self_care": ("black on green", "SELF-CARE - manage at home, review if not improving"),
}


def bar(p: float, width: int = 24) -> str:
    n = round(p * width)
    return "█" * n + "·" * (width - n)


def render_assessment(a: Assessment, console: Console) -> None:
    style, banner = TRIAGE_STYLE[a.triage.level]
    console.print(Panel(Text(banner, style="bold"), style=style, expand=True))

    src = Table(title=f"Where the {a.complaint_region} pain comes from", title_justify="left", box=None)
    src.add_column("source")
    src.add_column("mechanism")
    src.add_column("probability", justify="right")
    src.add_column("")
    for s in a.pain_source:
        if s.probability < 0.005:
            continue
        src.add_row(s.region, s.mechanism, f"{s.probability:6.1%}", bar(s.probability))
    cond = Table(title="Conditions", title_justify="left", box=None)
    cond.add_column("condition")
    cond.add_column("prior", justify="right")
    cond.add_column("now", justify="right")
    cond.add_column("")
    shown = [c for c in a.conditions[:6]] + [c for c in a.conditions[6:]
                                              if c.must_not_miss and c.probability >= a.triage.threshold]
    for c in shown:
        name = c.name + ("  [must not miss]" if c.must_not_miss else "")
        cond.add_row(name, f"{c.prior:.1%}", f"{c.probability:.1%}", bar(c.probability))
    console.print(Group(src, Text(""), cond))

    console.print(Text("\nWhy", style="bold"))
    for r in a.triage.reasons[:4]:
        console.print(f"  [{r.level}] {r.text}" + (f"  ({'; '.join(r.citation)})" if r.citation else ""))
    for se in a.explanation.sources[:1]:
        for k in se.contributions[:5]:
            sign = "+" if k.log_odds > 0 else "-"
            console.print(f"  {sign} {k.finding} = {k.value}: x{k.lr:.2f} toward {se.region}"
                          f"  ({'; '.join(k.citation)}; {k.status})")
    for rr in a.explanation.rules:
        label = f" [{rr.label}]" if rr.label else ""
        console.print(f"  rule {rr.name}{label}: {rr.action}")
    ch = a.explanation.chain
    if ch is not None:
        console.print(Text("\nThe chain in numbers (kinetic-chain model)", style="bold"))
        for name, v in ch.current.items():
            change = ch.if_corrected.get(name)
            extra = f"; if corrected: {change:+.2f}" if change else ""
            console.print(f"  {name}: {v:.2f} (normal {ch.reference.get(name, 0):.2f}{extra})")
    for note in a.explanation.notes:
        console.print(f"  note: {note}")
    if a.next_tests:
        console.print(Text("\nNext best tests / questions", style="bold"))
        for t in a.next_tests:
            console.print(f"  {t.finding} ({t.group}, {t.expected_gain_bits:.2f} bits): {t.question}")
