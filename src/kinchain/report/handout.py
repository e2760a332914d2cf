"""Patient handout and one-page clinician summary as HTML and PDF (Jinja2 templates + WeasyPrint).

``render_html(plan)`` picks the template by ``plan.audience``; ``write_report(plan, path)`` writes .html or
.pdf (creating the folder). ``handout_text(plan)`` is the plain text a reader sees, used for the
reading-level check (``reading_grade``).
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path
from typing import Any

from kinchain.errors import ExportError
from kinchain.plan.models import CarePlan

TEMPLATES = Path(__file__).parent / "templates"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{x:.0%}"
    env.filters["num"] = lambda x: f"{x:g}"
    return env


def _context(plan: CarePlan) -> dict[str, Any]:
    from kinchain.plan.illustrations import data_uri

    phases = {1: "Phase 1", 2: "Phase 2", 3: "Phase 3"}
    if plan.timeline is not None:
        phases = {p.number: f"{p.name} (weeks {p.start_week:g}-{p.end_week:g})" for p in plan.timeline.phases}
    by_phase: dict[int, list[Any]] = {}
    for ex in plan.exercises:
        by_phase.setdefault(ex.phase, []).append(ex)
    return {
        "plan": plan,
        "days": DAYS,
        "pics": {ex.id: data_uri(ex.illustration) for ex in plan.exercises},
        "phase_names": phases,
        "by_phase": sorted(by_phase.items()),
        "css": (TEMPLATES / "plan.css").read_text(encoding="utf-8"),
    }


def render_html(plan: CarePlan) -> str:
    """The handout (patient) or the one-page summary (clinician) as a standalone HTML document."""
    name = "plan_patient.html" if plan.audience == "patient" else "plan_clinician.html"
    return str(_env().get_template(name).render(**_context(plan)))


def write_pdf(plan: CarePlan, path: Path) -> Path:
    from weasyprint import HTML

    HTML(string=render_html(plan), base_url=str(TEMPLATES)).write_pdf(str(path))
    return path


def write_report(plan: CarePlan, path: Path) -> Path:
    """Write ``path`` (.html or .pdf), creating missing folders; ExportError for another suffix."""
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ExportError(f"--out must end in .pdf or .html, got '{path.name}'")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the output folder '{path.parent}': {exc.strerror}") from None
    try:
        if suffix == ".pdf":
            return write_pdf(plan, path)
        path.write_text(render_html(plan), encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write '{path}': {exc.strerror}") from None
    return path


def handout_text(plan: CarePlan) -> str:
    """The reader-visible prose of the rendered handout (tables of ticks and headings dropped)."""
    doc = render_html(plan)
    doc = re.sub(r"<(style|title|svg)[^>]*>.*?</\1>", " ", doc, flags=re.S)
    doc = re.sub(r"<(td|th)[^>]*class=\"tick\"[^>]*>.*?</\1>", " ", doc, flags=re.S)
    doc = re.sub(r"</(p|li|h1|h2|h3|td|th|div)>", ".\n", doc)
    text = _html.unescape(re.sub(r"<[^>]+>", " ", doc))
    text = re.sub(r"\s*\.(\s*\.)+", ".", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _vowel_groups(word: str) -> int:
    w = word.lower()
    n = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(1, n)


def grade_of(text: str) -> float:
    """Flesch-Kincaid grade: textstat's word and sentence counts, syllables from pyphen's en_US hyphenation
    dictionary (textstat's own fallback). textstat's default syllable source, the CMU dictionary, is
    downloaded at run time by nltk; pyphen ships with textstat, so the result is offline and reproducible."""
    import pyphen
    import textstat

    words = textstat.lexicon_count(text, removepunct=True)
    sentences = max(1, textstat.sentence_count(text))
    if words == 0:
        return 0.0
    dic = pyphen.Pyphen(lang="en_US")
    tokens = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", text)
    # hyphenation points undercount syllables (pyphen leaves short words and word ends whole), so each
    # word counts the larger of pyphen's and a vowel-group estimate: the grade errs on the high side
    syllables = sum(max(len(dic.positions(w.lower())) + 1, _vowel_groups(w)) for w in tokens)
    return round(0.39 * words / sentences + 11.8 * syllables / max(1, len(tokens)) - 15.59, 2)


def reading_grade(plan: CarePlan) -> float:
    """Flesch-Kincaid grade of the handout prose (needs textstat, in the 'report' extra)."""
    return grade_of(handout_text(plan))
