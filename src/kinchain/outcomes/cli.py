"""`kinchain outcomes ...`: score PROM response files and judge a series of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kinchain.errors import OutcomeError
from kinchain.outcomes.change import SeriesResult, series
from kinchain.outcomes.scoring import PromResult, score_file

app = typer.Typer(help="Patient-reported outcome measures: score, and judge change over time.",
                  no_args_is_help=True, add_completion=False)

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="text or json")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _check_format(fmt: str) -> str:
    if fmt not in ("text", "json"):
        raise OutcomeError(f"--format must be text or json, got '{fmt}'")
    return fmt


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:g}"


def _score_text(r: PromResult) -> str:
    head = f"{r.name} ({r.instrument})" + (f", {r.date}" if r.date else "")
    better = "higher = better" if r.higher_is_better else "lower = better"
    lines = [head, f"scores {r.score_min:g}-{r.score_max:g}, {better}"]
    for s in r.subscales:
        extra = f"  ({s.reason})" if s.reason else (f"  ({s.imputed} missing item(s) imputed)" if s.imputed else "")
        lines.append(f"  {s.name:<36} {_fmt(s.score):>6}{extra}")
    if any(s.imputed for s in r.subscales) and r.missing_rule_status != "confirmed":
        lines.append(f"note: missing-item rule is {r.missing_rule_status}: {r.missing_rule}")
    return "\n".join(lines)


def _series_text(s: SeriesResult) -> str:
    lines = [f"{s.name} ({s.instrument}), {len(s.points)} result(s): "
             + " -> ".join(str(p["date"] or p["label"] or f"#{p['index'] + 1}") for p in s.points)]
    for sid, ch in s.verdicts.items():
        lines.append(f"  {sid:<10} {_fmt(ch.baseline):>6} -> {_fmt(ch.latest):>6}  {ch.verdict.upper():<12} "
                     f"{ch.reason}")
    used: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {}
    for sid, ch in s.verdicts.items():
        for kind, t in (("MIC", ch.mic), ("measurement error", ch.error)):
            if t is not None:
                used.setdefault((kind, t["id"]), (t, []))[1].append(
                    f"{sid} {t['value']:g}" + (f" and {t['percent']:g}%" if "percent" in t else ""))
    for (kind, tid), (t, values) in used.items():
        lines.append(f"  {kind} ({tid}): {', '.join(values)}; population: {t['population']} "
                     f"[{', '.join(t['citation'])}; {t['status']}]")
    for sid, a in s.acceptable_state.items():
        if a["acceptable"] is not None:
            lines.append(f"  {sid} acceptable state (>= {a['value']:g}): {'yes' if a['acceptable'] else 'no'}")
    return "\n".join(lines)


@app.command("score")
def score_cmd(
    file: Annotated[Path, typer.Argument(help='JSON/YAML: {"instrument": "KOOS", "responses": {"P1": 2, ...}}')],
    fmt: FormatOpt = "text",
) -> None:
    """Score one response set (subscale scores; null when too few items were answered)."""
    try:
        _check_format(fmt)
        result = score_file(file)
    except OutcomeError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        typer.echo(json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(_score_text(result))


@app.command("series")
def series_cmd(
    files: Annotated[list[Path], typer.Argument(help="response files of one instrument (ordered by 'date' "
                                                     "when all have one, else as given)")],
    chart: Annotated[Path | None, typer.Option("--chart", help="write a chart: out.png or out.svg")] = None,
    mic: Annotated[str | None, typer.Option("--mic", help="MIC threshold id (default: the instrument's)")] = None,
    fmt: FormatOpt = "text",
) -> None:
    """Verdict per subscale from first to last result: improved / unchanged / worse beyond error."""
    try:
        _check_format(fmt)
        result = series([score_file(f) for f in files], mic=mic)
        if chart is not None:
            from kinchain.outcomes.charts import chart_series

            chart_series(result, chart)
    except OutcomeError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        out = result.to_json_dict()
        out["chart"] = None if chart is None else str(chart)
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        typer.echo(_series_text(result) + (f"\nchart written to {chart}" if chart else ""))


@app.command("instruments")
def instruments_cmd(fmt: FormatOpt = "text") -> None:
    """List the instruments: item codes, ranges, missing-item rules and thresholds (with populations)."""
    from kinchain.outcomes.instruments import load_instruments

    try:
        _check_format(fmt)
        insts = load_instruments()
    except OutcomeError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        typer.echo(json.dumps({k: v.model_dump(mode="json") for k, v in insts.items()}, indent=2,
                              ensure_ascii=False))
        return
    for inst in insts.values():
        better = "higher = better" if inst.scoring.higher_is_better else "lower = better"
        typer.echo(f"{inst.id}  {inst.name} (items {inst.item_min}-{inst.item_max}; scores "
                   f"{inst.scoring.score_min:g}-{inst.scoring.score_max:g}, {better})")
        for s in inst.subscales:
            codes = f"{s.items[0]}-{s.items[-1]}" if len(s.items) > 2 else ", ".join(s.items)
            typer.echo(f"  {s.id:<10} {codes:<8} {len(s.items):>2} items, scored with >= {s.min_answered} answered")
        typer.echo(f"  missing items [{inst.missing_rule.status}]: {inst.missing_rule.text}")
        for t in inst.thresholds:
            vals = ", ".join(f"{k} {v:g}" for k, v in t.values.items())
            pct = f" and {t.percent:g}%" if t.percent else ""
            typer.echo(f"  {t.kind.upper():<4} {t.id}{' (default)' if t.default else ''}: {vals}{pct} - "
                       f"{t.population} [{', '.join(t.citation)}; {t.status}]")
