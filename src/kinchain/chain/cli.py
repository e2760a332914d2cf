"""`kinchain chain ...`: play with the kinetic-chain model from the command line.

    kinchain chain whatif --abductor-strength 0.6 --leg-length-difference-mm 10 --format json --svg chain.svg
    kinchain chain sweep abductor_strength 0.4 1.2 --steps 9 --out sweep.png

Out-of-range values print one line naming the parameter and its valid range and exit with code 2.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from kinchain.chain.diagram import chain_svg
from kinchain.chain.inputs import RANGES, ChainInputs
from kinchain.chain.model import OUTPUT_NAMES, ChainResult, SweepResult, run, sweep
from kinchain.errors import ChainParameterError, KinchainError

app = typer.Typer(help="Kinetic-chain what-if model (hip -> pelvis -> femur -> knee).", no_args_is_help=True)


class Fmt(StrEnum):
    text = "text"
    json = "json"


class TaskOpt(StrEnum):
    single_leg_stance = "single_leg_stance"
    single_leg_squat = "single_leg_squat"


class SexOpt(StrEnum):
    female = "female"
    male = "male"


# model parameter -> the whatif option that sets it (for error messages)
FLAGS = {
    "body_mass_kg": "--body-mass", "height_m": "--height", "abductor_strength": "--abductor-strength",
    "abductor_moment_arm_m": "--abductor-moment-arm", "hip_centre_width_m": "--hip-centre-width",
    "femoral_anteversion_deg": "--femoral-anteversion", "hip_ir_range_deg": "--hip-ir-range",
    "hip_flexor_tightness_deg": "--hip-flexor-tightness", "leg_length_difference_mm": "--leg-length-difference-mm",
    "foot_pronation_deg": "--foot-pronation", "knee_flexion_deg": "--knee-flexion", "trunk_lean_deg": "--trunk-lean",
    "cane_force_bw": "--cane-force",
}


def _fail(exc: Exception, *, flags: bool = True) -> typer.Exit:
    msg = str(exc)
    name = msg.split(":", 1)[0]
    if flags and name in FLAGS:
        msg = f"{name} ({FLAGS[name]}){msg[len(name):]}"
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(2)


def _opt(name: str) -> str:
    r = RANGES[name]
    return f"{r.help} [{r.low:g} to {r.high:g} {r.unit}]"


def _text(result: ChainResult) -> str:
    lines = [f"kinetic chain - {result.inputs.task.replace('_', ' ')}", ""]
    lines.append(f"{'output':38s} {'value':>9s} {'reference':>10s} {'change':>8s}  kind")
    for name in OUTPUT_NAMES:
        o = result.outputs[name]
        lines.append(f"{name:38s} {o.value:9.2f} {o.reference:10.2f} {o.change:+8.2f}  {o.kind}")
    pf = result.outputs["patellofemoral_pressure_change_pct"]
    lines += ["", f"patellofemoral: {pf.direction} (direction only; the % is a bounded proxy)"]
    d = result.details
    lines.append(f"abductor force {d['abductor_force_bw']:.2f} BW ({d['abductor_force_n']:.0f} N), "
                 f"demand ratio {d['abductor_demand_ratio']:.2f}; tibial IR {d['tibial_internal_rotation_deg']:.1f} deg; "
                 f"knee frontal moment {d['knee_frontal_moment_pct_bw_ht']:.2f} %BW*ht")
    lines += [f"note: {n}" for n in result.notes]
    lines.append("Coefficients and citations: `kinchain chain whatif --format json` (outputs.*.parameters).")
    return "\n".join(lines)


@app.command()
def whatif(
    task: Annotated[TaskOpt, typer.Option(help="task")] = TaskOpt.single_leg_stance,
    sex: Annotated[SexOpt, typer.Option(help="sex (selects the squat FPPA reference)")] = SexOpt.female,
    body_mass: Annotated[float, typer.Option("--body-mass", help=_opt("body_mass_kg"))] = 70.0,
    height: Annotated[float, typer.Option("--height", help=_opt("height_m"))] = 1.70,
    abductor_strength: Annotated[float, typer.Option(help=_opt("abductor_strength"))] = 1.0,
    abductor_moment_arm: Annotated[float | None, typer.Option("--abductor-moment-arm",
                                                              help=_opt("abductor_moment_arm_m"))] = None,
    hip_centre_width: Annotated[float | None, typer.Option("--hip-centre-width",
                                                           help=_opt("hip_centre_width_m"))] = None,
    femoral_anteversion: Annotated[float | None, typer.Option("--femoral-anteversion",
                                                              help=_opt("femoral_anteversion_deg"))] = None,
    hip_ir_range: Annotated[float, typer.Option("--hip-ir-range", help=_opt("hip_ir_range_deg"))] = 35.0,
    hip_flexor_tightness: Annotated[float, typer.Option("--hip-flexor-tightness",
                                                        help=_opt("hip_flexor_tightness_deg"))] = 0.0,
    leg_length_difference_mm: Annotated[float, typer.Option(help=_opt("leg_length_difference_mm"))] = 0.0,
    foot_pronation: Annotated[float, typer.Option("--foot-pronation", help=_opt("foot_pronation_deg"))] = 0.0,
    knee_flexion: Annotated[float | None, typer.Option("--knee-flexion", help=_opt("knee_flexion_deg"))] = None,
    trunk_lean: Annotated[float, typer.Option("--trunk-lean", help=_opt("trunk_lean_deg"))] = 0.0,
    cane_force: Annotated[float, typer.Option("--cane-force", help=_opt("cane_force_bw"))] = 0.0,
    fmt: Annotated[Fmt, typer.Option("--format", help="text or json")] = Fmt.text,
    svg: Annotated[Path | None, typer.Option("--svg", help="also write the chain diagram (SVG) here")] = None,
) -> None:
    """Run the model once and show every output with its reference value."""
    values: dict[str, Any] = {
        "task": task.value, "sex": sex.value, "body_mass_kg": body_mass, "height_m": height,
        "abductor_strength": abductor_strength, "abductor_moment_arm_m": abductor_moment_arm,
        "hip_centre_width_m": hip_centre_width, "femoral_anteversion_deg": femoral_anteversion,
        "hip_ir_range_deg": hip_ir_range, "hip_flexor_tightness_deg": hip_flexor_tightness,
        "leg_length_difference_mm": leg_length_difference_mm, "foot_pronation_deg": foot_pronation,
        "knee_flexion_deg": knee_flexion, "trunk_lean_deg": trunk_lean, "cane_force_bw": cane_force,
    }
    try:
        result = run(ChainInputs(**values))
    except KinchainError as exc:
        raise _fail(exc) from None
    if svg is not None:
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(chain_svg(result), encoding="utf-8")
    if fmt is Fmt.json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        typer.echo(_text(result))
        if svg is not None:
            typer.echo(f"diagram written to {svg}")


def _parse_set(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise ChainParameterError(f"--set: {item!r} must look like name=value")
        out[key] = value.strip()
    return out


@app.command("sweep")
def sweep_cmd(
    param: Annotated[str, typer.Argument(help=f"input to sweep: {', '.join(RANGES)}")],
    start: Annotated[float, typer.Argument(help="first value")],
    stop: Annotated[float, typer.Argument(help="last value")],
    steps: Annotated[int, typer.Option("--steps", help="number of values (2-500)")] = 11,
    task: Annotated[TaskOpt, typer.Option(help="task")] = TaskOpt.single_leg_stance,
    set_: Annotated[list[str] | None, typer.Option("--set", help="other inputs, e.g. --set foot_pronation_deg=5")]
    = None,
    out: Annotated[Path | None, typer.Option("--out", help="plot file (.png or .svg)")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="text or json")] = Fmt.text,
) -> None:
    """Run the model over a range of one input; print a table or JSON and optionally plot it."""
    try:
        base = ChainInputs(task=task.value, **_parse_set(set_ or []))
        result: SweepResult = sweep(param.replace("-", "_"), start, stop, steps, base)
        if out is not None:
            from kinchain.chain.plot import plot_sweep

            plot_sweep(result, out)
    except KinchainError as exc:
        raise _fail(exc, flags=False) from None
    if fmt is Fmt.json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    cols = ("pelvic_drop_deg", "femoral_internal_rotation_deg", "knee_valgus_deg", "hip_contact_force_bw",
            "knee_frontal_moment_nm_per_kg")
    typer.echo(f"{result.parameter:>26s} " + " ".join(f"{c[:14]:>14s}" for c in cols))
    for i, x in enumerate(result.values):
        typer.echo(f"{x:26.3f} " + " ".join(f"{result.outputs[c][i]:14.2f}" for c in cols))
    if out is not None:
        typer.echo(f"plot written to {out}")


@app.command("myoleg")
def myoleg_cmd(
    strengths: Annotated[list[float], typer.Argument(help="abductor strengths to simulate (0-2)")],
    fmt: Annotated[Fmt, typer.Option("--format", help="text or json")] = Fmt.text,
) -> None:
    """Optional MyoLeg (MuJoCo) cross-check: pelvic drop vs abductor strength (needs the extra)."""
    from kinchain.chain.musculoskeletal import abductor_strength_sweep

    try:
        results = abductor_strength_sweep(strengths)
    except KinchainError as exc:
        raise _fail(exc, flags=False) from None
    rows = [{"strength": r.strength, "pelvic_drop_deg": round(r.pelvic_drop_deg, 3),
             "hip_adduction_deg": round(r.hip_adduction_deg, 3),
             "abductor_activation": round(r.abductor_activation, 3)} for r in results]
    if fmt is Fmt.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'strength':>9s} {'pelvic drop':>12s} {'hip add':>9s} {'activation':>11s}")
    for r in rows:
        typer.echo(f"{r['strength']:9.2f} {r['pelvic_drop_deg']:12.2f} {r['hip_adduction_deg']:9.2f} "
                   f"{r['abductor_activation']:11.2f}")
