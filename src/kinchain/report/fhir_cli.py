"""`kinchain export fhir CASE --out bundle.json`: assess a case and write a validated FHIR R4 Bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinchain.errors import KinchainError

app = typer.Typer(help="Export to other systems (FHIR R4).", no_args_is_help=True, add_completion=False)


@app.callback()
def _main() -> None:
    """Export to other systems (FHIR R4)."""


@app.command("fhir")
def fhir_cmd(
    case_file: Annotated[Path, typer.Argument(metavar="CASE", help="case file (.yaml/.yml/.json)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="where to write the bundle (JSON)")],
    prom: Annotated[list[Path] | None, typer.Option(
        "--prom", help='PROM response file {"instrument": ..., "responses": {...}}; repeatable')] = None,
    plan: Annotated[bool, typer.Option("--plan/--no-plan", help="include the care plan (kinchain.plan)")] = True,
) -> None:
    """Assess CASE and write a FHIR R4 Bundle; an invalid bundle is never written."""
    try:
        import kinchain
        from kinchain.case import load_case
        from kinchain.outcomes.scoring import score_file
        from kinchain.report.fhir import export_bundle, write_bundle

        case = load_case(case_file)
        outcomes = [score_file(p) for p in prom or []]
        assessment = kinchain.assess(case)
        bundle = export_bundle(case, assessment, outcomes=outcomes, build_plan=plan)
        write_bundle(bundle, out)
    except KinchainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except ImportError as exc:
        typer.echo(f"error: FHIR export needs the 'fhir' extra (pip install 'kinchain[fhir]'): {exc}", err=True)
        raise typer.Exit(2) from None
    kinds: dict[str, int] = {}
    for e in bundle["entry"]:
        rt = e["resource"]["resourceType"]
        kinds[rt] = kinds.get(rt, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in kinds.items())
    typer.echo(f"wrote {out} (FHIR R4 Bundle, {len(bundle['entry'])} resources: {summary})")
    if plan:
        care = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
        if care["status"] == "draft":
            typer.echo(f"note: CarePlan is a draft: {care.get('description', '')}", err=True)
