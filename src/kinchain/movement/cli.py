"""`kinchain movement analyze|batch` (mounted by kinchain/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kinchain.errors import KinchainError

app = typer.Typer(help="Movement analysis: motion files and video -> angles, measures, norms, findings.",
                  no_args_is_help=True)
out = Console()
err = Console(stderr=True)

TaskOpt = Annotated[str | None, typer.Option(help="gait, running, single_leg_squat, step_down, squat or drop_jump (default: "
                                                  "from the file name or the data)")]


def _fail(exc: Exception) -> None:
    err.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code=2)


def _text(res: Any) -> None:
    out.print(f"[bold]{res.path}[/bold]  task={res.task}  data={res.kind}  rate={res.rate:g} Hz"
              + ("  [yellow](lower confidence: 2D)[/yellow]" if res.low_confidence else ""))
    table = Table("unit", "side", "frames", "pelvic drop", "FPPA", "hip add", "hip IR", "knee abd",
                  "knee flex", "trunk lean", title="per stance phase / repetition (deg)")

    def f(u: dict[str, Any], k: str) -> str:
        return f"{u[k]:.1f}" if k in u else "-"
    for u in res.units:
        table.add_row(u["kind"], u["side"], f"{u['start']}-{u['stop']}", f(u, "contralateral_pelvic_drop_deg"),
                      f(u, "knee_fppa_deg"), f(u, "hip_adduction_peak_deg"),
                      f(u, "hip_internal_rotation_peak_deg"), f(u, "knee_abduction_peak_deg"),
                      f(u, "knee_flexion_peak_deg"), f(u, "trunk_lean_deg"))
    out.print(table)
    norms = Table("side", "measure", "mean", "norm", "threshold", "beyond", title="comparison with norms")
    for side in ("r", "l"):
        for m, e in res.summary.get(side, {}).items():
            if isinstance(e, dict) and "comparison" in e:
                c = e["comparison"]
                norms.add_row(side, m, f"{e['mean']:.1f}", c["norm"], f"{c['threshold']:g}",
                              "yes" if c["beyond_threshold"] else "no")
    asym = res.summary.get("stance_time_asymmetry_pct")
    if asym:
        norms.add_row("-", "stance_time_asymmetry_pct", f"{asym['value']:.1f}", "limp",
                      f"{asym['comparison']['threshold']:g}", "yes" if asym["comparison"]["beyond_threshold"] else "no")
    out.print(norms)
    out.print("[bold]findings[/bold]: " + (", ".join(f"{k}={v}" for k, v in res.findings.items()) or "none"))
    for n in res.notes:
        out.print(f"  - {n}")


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="C3D, TRC, MOT, keypoint JSON/CSV (or folder), or video")],
    task: TaskOpt = None,
    format: Annotated[str, typer.Option(help="text or json")] = "text",
    plot: Annotated[Path | None, typer.Option(help="write PNG and SVG plots into this folder")] = None,
    static: Annotated[Path | None, typer.Option(help="static calibration trial (rebuilds missing landmarks)")] = None,
    sex: Annotated[str | None, typer.Option(help="female or male (picks the norms)")] = None,
    side: Annotated[str | None, typer.Option(help="r or l: limb reported as findings (default: worse side)")] = None,
    fps: Annotated[float | None, typer.Option(help="frame rate of keypoint files that do not state it")] = None,
    grf: Annotated[Path | None, typer.Option(help="force file of the same trial (OpenSim .mot or Cortex .forces): "
                                                  "stance from the vertical ground reaction force instead of "
                                                  "kinematic events")] = None,
    events: Annotated[str, typer.Option(help="stance timing for gait and running: auto (force when there is "
                                             "force data: --grf, or the plates of a C3D with a footfall of each "
                                             "foot), force (require it) or kinematic (ignore plates)")] = "auto",
) -> None:
    """Analyse one motion file: angles, events, measures, comparison with norms, engine findings."""
    from kinchain.movement.pipeline import analyze as run

    if format not in ("text", "json"):
        _fail(ValueError("--format must be text or json"))
    try:
        res = run(file, task, static=static, sex=sex, side=side, fps=fps, grf=grf, events=events)
        written: list[str] = []
        if plot is not None:
            from kinchain.movement.plots import plot_result

            written = [str(p) for p in plot_result(res, plot)]
    except KinchainError as exc:
        _fail(exc)
        return
    if format == "json":
        doc = res.to_json()
        if written:
            doc["plots"] = written
        out.print_json(json.dumps(doc))
    else:
        _text(res)
        for w in written:
            out.print(f"plot: {w}")


app.command("analyse", hidden=True, help="British spelling of `analyze`.")(analyze)


@app.command()
def batch(
    directory: Annotated[Path, typer.Argument(help="folder of motion files (searched recursively)")],
    out_path: Annotated[Path, typer.Option("--out", help="results parquet file")] = Path("results.parquet"),
    scheduler: Annotated[str | None, typer.Option(help="address of an existing Dask scheduler")] = None,
    task: TaskOpt = None,
    workers: Annotated[int, typer.Option(help="local cluster workers")] = 2,
    pair: Annotated[bool, typer.Option(help="give each trial the force file (.forces, force .mot) and static "
                                            "trial of the same name found beside it")] = True,
) -> None:
    """Analyse every motion file in a folder on Dask and write one row per stance/repetition."""
    from kinchain.movement.batch import run_batch

    try:
        df = run_batch(directory, out_path, scheduler=scheduler, task=task, n_workers=workers, progress=True,
                       pair=pair)
    except KinchainError as exc:
        _fail(exc)
        return
    n_err = int((df["error"].notna()).sum()) if "error" in df else 0
    out.print(f"wrote {out_path}: {len(df)} rows from {df['file'].nunique()} files ({n_err} rows with errors)")
