"""Command line: `kinchain assess|interview|findings|conditions|knowledge check|demo` plus the
sub-commands of the other subpackages (plan, movement, chain, outcomes, export, serve, users, audit).

Exit codes: 0 success, 1 knowledge base invalid, 2 bad input or usage. Never a traceback for bad input.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kinchain.case import Case, load_case
from kinchain.errors import KinchainError, KnowledgeError
from kinchain.knowledge import build_knowledge, load_knowledge

app = typer.Typer(help="kinchain: where lower-limb pain really comes from, how urgent it is, what treats it.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
knowledge_app = typer.Typer(help="Inspect and validate the knowledge base.", no_args_is_help=True)
app.add_typer(knowledge_app, name="knowledge")

out = Console()
err = Console(stderr=True)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _format(fmt: str) -> str:
    if fmt not in ("text", "json"):
        fail(f"--format must be 'text' or 'json', got '{fmt}'")
    return fmt


def guarded(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except KnowledgeError as exc:
        fail(str(exc), code=1)
    except KinchainError as exc:
        fail(str(exc))


@app.command()
def assess(
    case: Annotated[Path, typer.Argument(help="case file (.yaml or .json)")],
    format: FormatOpt = "text",
    movement: Annotated[Path | None, typer.Option(help="motion file whose measures become findings")] = None,
    task: Annotated[str | None, typer.Option(help="movement task (gait, running, single_leg_squat, step_down)")] = None,
) -> None:
    """Assess one case: pain source, conditions, triage, reasons, next best tests."""
    from kinchain.reasoning.engine import assess as run

    fmt = _format(format)

    def go() -> Any:
        c = load_case(case)
        extra: dict[str, Any] = {}
        notes: list[str] = []
        if movement is not None:
            movement_mod: Any = importlib.import_module("kinchain.movement")
            mf = movement_mod.findings_from_file(movement, task=task)
            extra, notes = dict(mf.findings), list(mf.notes)
            notes.insert(0, f"Movement findings from {movement.name}: "
                            + ", ".join(f"{k}={v}" for k, v in extra.items()))
        return run(c, load_knowledge(), extra_findings=extra, notes=notes)

    result = guarded(go)
    if fmt == "json":
        out.print_json(json.dumps(result.to_json_dict()))
    else:
        from kinchain.render import render_assessment

        render_assessment(result, out)


@app.command()
def interview(
    age: Annotated[float | None, typer.Option(help="patient age in years")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male")] = None,
    region: Annotated[str | None, typer.Option(help="where it hurts: knee, hip, thigh, lower_leg, foot_ankle, back")] = None,
    audience: Annotated[str, typer.Option(help="patient (history only) or clinician (history and exam)")] = "patient",
    format: FormatOpt = "text",
) -> None:
    """Adaptive interview in the terminal: asks the next best question until the answer is clear."""
    from kinchain.reasoning.interview import Progress, answer, answer_checklist, current_assessment, next_question
    from kinchain.render import render_assessment

    fmt = _format(format)
    if audience not in ("patient", "clinician"):
        fail("--audience must be 'patient' or 'clinician'")
    if not sys.stdin.isatty() and (age is None or sex is None or region is None):
        fail("no terminal to ask on: pass --age, --sex and --region, and answer on standard input")
    age = age if age is not None else typer.prompt("Age in years", type=float)
    sex = sex or typer.prompt("Sex (female/male)")
    region = region or typer.prompt("Where does it hurt (knee, hip, thigh, lower_leg, foot_ankle, back)")
    kb = load_knowledge()
    case = guarded(lambda: Case.model_validate({"patient": {"age": age, "sex": sex},
                                                "complaint": {"region": region}}))
    progress = Progress()
    while (q := guarded(lambda: next_question(case, progress, kb, audience))) is not None:
        if q.type == "checklist":
            answer_checklist(progress, q, _ask_checklist(q, len(progress.asked) + 1))
            continue
        hint = {"boolean": "yes/no/unknown", "number": f"{q.unit}, or unknown",
                "category": "/".join(q.values or []) + "/unknown"}[q.type]
        while True:
            raw = typer.prompt(f"[{len(progress.asked) + 1}] {q.text} ({hint})").strip().lower()
            if raw in ("unknown", "?", "dk", ""):
                answer(progress, q.finding, None)
                break
            try:
                value = _parse_answer(q.type, raw, q.values)
            except (KeyError, ValueError):
                err.print(f"please answer {hint}")
                continue
            answer(progress, q.finding, value)
            break
    result = guarded(lambda: current_assessment(case, progress, kb))
    out.print(f"\nStopped after {len(progress.asked)} questions: {progress.stop_reason}")
    if fmt == "json":
        out.print_json(json.dumps(result.to_json_dict()))
    else:
        render_assessment(result, out)


def _ask_checklist(q: Any, number: int) -> list[str] | None:
    """The signs the user says apply (numbers from the list), [] for none, None for unknown."""
    signs = list(q.values or [])
    out.print(f"[{number}] {q.text}")
    for i, item in enumerate(q.items, 1):
        out.print(f"    {i}. {item}")
    while True:
        raw = typer.prompt("Numbers that apply, separated by commas (none/unknown)").strip().lower()
        if raw in ("unknown", "?", "dk", ""):
            return None
        if raw in ("none", "no", "0"):
            return []
        try:
            picked = sorted({int(x) for x in raw.replace(" ", "").split(",") if x})
        except ValueError:
            picked = []
        if picked and all(1 <= n <= len(signs) for n in picked):
            return [signs[n - 1] for n in picked]
        err.print(f"please give numbers from 1 to {len(signs)}, 'none' or 'unknown'")


def _parse_answer(kind: str, raw: str, values: list[str] | None) -> Any:
    if kind == "boolean":
        return {"yes": True, "y": True, "no": False, "n": False}[raw]
    if kind == "number":
        return float(raw)
    if raw not in (values or []):
        raise ValueError(raw)
    return raw


@app.command()
def findings(format: FormatOpt = "text") -> None:
    """The finding vocabulary: id, type, unit, range, question."""
    fmt = _format(format)
    kb = guarded(load_knowledge)
    rows = [{"id": f.id, "type": f.type, "group": f.group, "region": f.region, "unit": f.unit,
             "range": [f.min, f.max] if f.type == "number" else None, "values": f.values,
             "question": f.question, "description": f.description, "patient_askable": f.patient_askable}
            for f in kb.findings.values()]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    from rich.table import Table

    t = Table("id", "type", "unit / values", "question", box=None)
    for r in rows:
        detail = (f"{r['unit']} {r['range'][0]:g}-{r['range'][1]:g}" if r["type"] == "number"
                  else "/".join(r["values"]) if r["values"] else "")
        t.add_row(r["id"], r["type"], detail, r["question"])
    out.print(t)


@app.command()
def conditions(format: FormatOpt = "text") -> None:
    """The conditions the knowledge base knows, with must-not-miss flags and codes."""
    fmt = _format(format)
    kb = guarded(load_knowledge)
    rows = [{"id": c.id, "name": c.name, "region": c.region, "kind": c.kind, "must_not_miss": c.must_not_miss,
             "icd10": c.icd10, "snomed_ct": c.snomed_ct.code if c.snomed_ct else None, "care": c.care}
            for c in kb.conditions.values()]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    from rich.table import Table

    t = Table("id", "name", "region", "must not miss", "ICD-10", box=None)
    for r in rows:
        t.add_row(r["id"], r["name"], r["region"], "yes" if r["must_not_miss"] else "", r["icd10"])
    out.print(t)


@knowledge_app.command("check")
def knowledge_check(path: Annotated[Path | None, typer.Option(help="a folder of knowledge YAML files")] = None) -> None:
    """Validate the knowledge base; exit 1 listing every problem."""
    try:
        kb = build_knowledge(path)
    except KnowledgeError as exc:
        err.print(f"[bold red]knowledge base invalid[/]\n{exc}")
        raise typer.Exit(1) from None
    out.print(f"knowledge base {kb.version}: OK - {len(kb.conditions)} conditions, {len(kb.findings)} findings, "
              f"{len(kb.evidence)} evidence links, {len(kb.rules)} rules, {len(kb.references)} references, "
              f"{len(kb.parameters)} parameters")


@app.command()
def demo(
    examples: Annotated[Path, typer.Option(help="folder of example cases")] = Path("examples"),
    database: Annotated[str | None, typer.Option(help="database URL (default: SQLite in KINCHAIN_DATA_DIR)")] = None,
) -> None:
    """The main job on the embedded default: assess every bundled example case, store it, print a summary."""
    from kinchain.demo import run_demo

    guarded(lambda: run_demo(examples, database, out))


def _mount() -> None:
    """Attach the sub-command groups of the other subpackages (each optional, by extra)."""
    groups = [
        ("plan", "kinchain.plan.cli", None),
        ("movement", "kinchain.movement.cli", "movement"),
        ("chain", "kinchain.chain.cli", None),
        ("outcomes", "kinchain.outcomes.cli", None),
        ("export", "kinchain.report.fhir_cli", "fhir"),
        ("users", "kinchain.api.cli", "service"),
        ("audit", "kinchain.api.cli:audit_app", "service"),
    ]
    for name, target, extra in groups:
        module, _, attr = target.partition(":")
        try:
            sub = getattr(importlib.import_module(module), attr or "app")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("kinchain"):
                continue  # that subpackage is not part of this build
            missing = exc.name
            hint = f"pip install 'kinchain[{extra}]'" if extra else "pip install kinchain"

            def _missing(missing: str = str(missing), hint: str = hint) -> None:
                fail(f"this command needs the optional dependency '{missing}': {hint}")

            app.command(name, help=f"(needs: {hint})")(_missing)
            continue
        if name == "plan":
            app.registered_commands.extend(sub.registered_commands)
        else:
            app.add_typer(sub, name=name)
    try:
        serve = importlib.import_module("kinchain.api.cli").serve_command
        app.command("serve")(serve)
    except (ModuleNotFoundError, AttributeError):
        pass


_mount()


def main() -> None:
    app()
