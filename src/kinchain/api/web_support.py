"""Helpers for the server-rendered pages: templates, CSRF, the signed-in clinician, plain-language text."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from kinchain.api.problems import Problem
from kinchain.api.security import csrf_matches, new_csrf_token
from kinchain.store.audit import Actor

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

TRIAGE_TEXT = {
    "emergency": ("Get help now",
                  "Call your local emergency number or go to an emergency department now. Do not wait."),
    "urgent": ("See a doctor within a day",
               "Book an urgent appointment with a doctor today or tomorrow. If things get worse, get help now."),
    "routine": ("Book a routine appointment",
                "This does not look urgent. Book an appointment with a GP or physiotherapist in the next weeks."),
    "self_care": ("You can start with self-care",
                  "This looks safe to manage at home for now. Follow the home programme and see someone if it "
                  "does not improve or you notice a warning sign."),
}
REGION_TEXT = {"hip": "the hip", "knee": "the knee", "lumbar_spine": "the lower back",
               "foot_ankle": "the foot or ankle", "other": "somewhere else", "general": "general"}
MECHANISM_TEXT = {"local": "pain from where it hurts", "referred": "pain referred from elsewhere",
                  "kinetic_chain": "strain passed along the leg (kinetic chain)",
                  "compensation": "compensation for another problem"}


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    form = await request.form()
    if not csrf_matches(request.session.get("csrf"), str(form.get("csrf_token") or "")):
        raise Problem(403, "csrf", "Form expired",
                      "the form's security token is missing or out of date; go back, reload the page and "
                      "submit again")


def web_actor(request: Request) -> Actor | None:
    u = request.session.get("user")
    if not isinstance(u, dict):
        return None
    return Actor(str(u["id"]), str(u["email"]), str(u["role"]), str(u["clinic_id"]))


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Any:
    context.setdefault("user", web_actor(request))
    context["csrf_token"] = csrf_token(request)
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def pct(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    if p < 0.01:
        return "<1%"
    return f"{round(p * 100):d}%"


def age_from_birth_year(year: int | None) -> int | None:
    return None if year is None else max(0, datetime.now(UTC).year - year)


def line_chart(series: dict[str, list[tuple[str, float]]], y_min: float, y_max: float, *,
               width: int = 560, height: int = 220) -> dict[str, Any]:
    """Geometry for a small server-rendered SVG line chart (one line per series)."""
    pad_l, pad_r, pad_t, pad_b = 44, 40, 12, 28
    dates = sorted({d for pts in series.values() for d, _ in pts})
    n = max(len(dates), 1)
    xs = {d: pad_l + (i * (width - pad_l - pad_r) / (n - 1) if n > 1 else (width - pad_l - pad_r) / 2)
          for i, d in enumerate(dates)}
    span = (y_max - y_min) or 1.0

    def y(v: float) -> float:
        return pad_t + (1 - (v - y_min) / span) * (height - pad_t - pad_b)

    lines = []
    for i, (name, pts) in enumerate(series.items()):
        coords = [(round(xs[d], 1), round(y(v), 1)) for d, v in pts]
        lines.append({"name": name, "cls": f"s{i % 6}", "points": " ".join(f"{a},{b}" for a, b in coords),
                      "dots": coords})
    ticks = [{"v": v, "y": round(y(v), 1)} for v in (y_min, y_min + span / 2, y_max)]
    labels = [{"text": d[:10], "x": round(xs[d], 1)} for d in dates]
    return {"width": width, "height": height, "lines": lines, "ticks": ticks, "labels": labels,
            "x0": pad_l, "x1": width - pad_r, "y_base": height - pad_b}


def clinician_text(question: str) -> str:
    """'Clinician test - the knee is swollen.' -> 'The knee is swollen.' (the form says it is a test)."""
    for prefix in ("Clinician test - ", "Clinician test: ", "Clinician - "):
        if question.startswith(prefix):
            rest = question[len(prefix):]
            return rest[:1].upper() + rest[1:]
    return question


TEMPLATES.env.filters["pct"] = pct
TEMPLATES.env.filters["clinician_text"] = clinician_text
TEMPLATES.env.globals["TRIAGE_TEXT"] = TRIAGE_TEXT
TEMPLATES.env.globals["REGION_TEXT"] = REGION_TEXT
TEMPLATES.env.globals["MECHANISM_TEXT"] = MECHANISM_TEXT
