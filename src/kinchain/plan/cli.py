"""`kinchain plan CASE [--audience patient|clinician] [--format text|json] [--out FILE.pdf|FILE.html]`.

The lead mounts this module's single command at top level. Bad input exits 2 with the same clear
message as ``kinchain assess`` (CaseError text), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from kinchain.errors import KinchainError, KnowledgeError

app = typer.Typer(help="Care plans that treat the source of the pain.", add_completion=False,
                  pretty_exceptions_enable=False)


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def plan_command(case: Path, audience: str = "clinician", format: str = "text", out: Path | None = None) -> None:
    """Assess CASE and print (or write) the care plan for a clinician or a patient."""
    if audience not in ("patient", "clinician"):
        _fail(f"--audience must be 'patient' or 'clinician', got '{audience}'")
    if format not in ("text", "json"):
        _fail(f"--format must be 'text' or 'json', got '{format}'")
    if out is not None and out.suffix.lower() not in (".pdf", ".html", ".htm"):
        _fail(f"--out must end in .pdf or .html, got '{out.name}'")
    try:
        import kinchain
        from kinchain.case import load_case
        from kinchain.plan.builder import build_plan

        c = load_case(case)
        assessment = kinchain.assess(c)
        plan = build_plan(assessment, c, audience)  # type: ignore[arg-type]
        if out is not None:
            from kinchain.report.handout import write_report

            written = write_report(plan, out)
            typer.echo(f"wrote {written}")
            return
    except KnowledgeError as exc:
        _fail(str(exc), code=1)
        return
    except KinchainError as exc:
        _fail(str(exc))
        return
    if format == "json":
        typer.echo(json.dumps(plan.to_json_dict(), indent=2))
    else:
        from kinchain.plan.render import plan_text

        typer.echo(plan_text(plan), nl=False)


@app.command("plan")
def plan(
    case: Annotated[Path, typer.Argument(help="case file (.yaml or .json)")],
    audience: Annotated[str, typer.Option(help="patient or clinician")] = "clinician",
    format: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    out: Annotated[Path | None, typer.Option(help="write a handout/summary: FILE.pdf or FILE.html")] = None,
) -> None:
    """Care plan for a case: pathways that treat the driver, exercises, timeline, warning signs."""
    plan_command(case, audience, format, out)
