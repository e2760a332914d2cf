"""A frontal-plane diagram of the chain (viewed from behind) with the model's numbers on it, as SVG.

Hand-built SVG (no images copied from anywhere). The grey dashed figure is the reference person, the
dark figure the modelled one; angles are drawn true to size.
"""

from __future__ import annotations

import math
from html import escape

from kinchain.chain.model import OUTPUT_NAMES, ChainResult

_LABELS = {
    "pelvic_drop_deg": ("pelvic drop", "{:.1f}°"),
    "femoral_adduction_deg": ("hip adduction", "{:.1f}°"),
    "femoral_internal_rotation_deg": ("femoral internal rotation", "{:.1f}°"),
    "knee_valgus_deg": ("knee valgus (FPPA)", "{:.1f}°"),
    "q_angle_change_deg": ("Q-angle change", "{:+.1f}°"),
    "patellofemoral_pressure_change_pct": ("PF lateral-pull proxy*", "{:+.1f} %"),
    "it_band_strain_index": ("IT-band strain index*", "{:.3f}"),
    "hip_contact_force_bw": ("hip contact force", "{:.2f} BW"),
    "knee_frontal_moment_nm_per_kg": ("knee frontal moment", "{:.2f} Nm/kg"),
}


def _figure(result: ChainResult, drop_deg: float, medial_shift_m: float, lean_deg: float,
            style: str, scale: float = 380.0) -> tuple[list[str], dict[str, tuple[float, float]]]:
    d = result.details["hip_centre_width_m"]
    thigh = result.details["thigh_length_m"]
    shank = result.details["shank_length_m"]
    hx, hy = 190.0, 190.0  # stance hip (left of the picture, seen from behind)
    t = math.radians(drop_deg)
    sx, sy = hx + d * scale * math.cos(t), hy + d * scale * math.sin(t)  # swing-side hip
    ux, uy = math.cos(t), math.sin(t)
    ext = 0.07 * scale
    ax = hx + d / 2 * scale  # foot under the body's centre of mass
    leg = (thigh + shank) * scale
    ay = hy + math.sqrt(max(leg**2 - (ax - hx) ** 2, 1.0))
    frac = thigh / (thigh + shank)
    lx, ly = hx + (ax - hx) * frac, hy + (ay - hy) * frac
    nx, ny = (ay - hy), -(ax - hx)  # perpendicular to the hip-ankle line, towards the midline
    norm = math.hypot(nx, ny)
    kx, ky = lx + nx / norm * medial_shift_m * scale, ly + ny / norm * medial_shift_m * scale
    mx, my = (hx + sx) / 2, (hy + sy) / 2
    lean = math.radians(lean_deg)
    tx, ty = mx - math.sin(lean) * 0.22 * scale, my - math.cos(lean) * 0.22 * scale
    swing_knee = (sx + 30, sy + thigh * scale * 0.85)
    swing_foot = (sx + 75, sy + thigh * scale * 0.85 + shank * scale * 0.55)
    points = {"hip": (hx, hy), "swing_hip": (sx, sy), "knee": (kx, ky), "ankle": (ax, ay)}
    return [
        f'<line x1="{hx - ux * ext:.1f}" y1="{hy - uy * ext:.1f}" x2="{sx + ux * ext:.1f}" '
        f'y2="{sy + uy * ext:.1f}" {style} stroke-width="7"/>',
        f'<line x1="{mx:.1f}" y1="{my:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" {style} stroke-width="5"/>',
        f'<circle cx="{tx:.1f}" cy="{ty - 22:.1f}" r="20" fill="none" {style} stroke-width="3"/>',
        f'<polyline points="{hx:.1f},{hy:.1f} {kx:.1f},{ky:.1f} {ax:.1f},{ay:.1f}" fill="none" {style} '
        'stroke-width="5"/>',
        f'<line x1="{ax - 12:.1f}" y1="{ay + 6:.1f}" x2="{ax + 22:.1f}" y2="{ay + 6:.1f}" {style} stroke-width="5"/>',
        f'<polyline points="{sx:.1f},{sy:.1f} {swing_knee[0]:.1f},{swing_knee[1]:.1f} '
        f'{swing_foot[0]:.1f},{swing_foot[1]:.1f}" fill="none" {style} stroke-width="4"/>',
        f'<circle cx="{hx:.1f}" cy="{hy:.1f}" r="6" fill="white" {style} stroke-width="2"/>',
        f'<circle cx="{kx:.1f}" cy="{ky:.1f}" r="6" fill="white" {style} stroke-width="2"/>',
    ], points


def chain_svg(result: ChainResult, title: str | None = None) -> str:
    """SVG text of the chain for one result, numbers next to the segments and in a table."""
    det = result.details
    out = result.outputs
    ref_style = 'stroke="#9aa3ad" stroke-dasharray="6 4"'
    cur_style = 'stroke="#1f3b57"'
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="820" height="600" viewBox="0 0 820 600" '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        '<rect width="820" height="600" fill="white"/>',
    ]
    inp = result.inputs
    heading = title or (f"{inp.task.replace('_', ' ')} - abductor strength {inp.abductor_strength:.2f}, "
                        f"LLD {inp.leg_length_difference_mm:+.0f} mm, pronation {inp.foot_pronation_deg:+.0f}°")
    parts.append(f'<text x="20" y="28" font-size="16" font-weight="bold">{escape(heading)}</text>')
    parts.append('<text x="20" y="48" fill="#555">frontal plane, seen from behind; stance leg on the left; '
                 'grey dashed = reference person (knee drawn by its change from the reference)</text>')
    ref_parts, _ = _figure(result, out["pelvic_drop_deg"].reference, 0.0, 0.0, ref_style)
    cur_parts, pt = _figure(result, out["pelvic_drop_deg"].value, det["knee_medial_shift_m"],
                            inp.trunk_lean_deg, cur_style)
    parts += ref_parts + cur_parts
    # numbers on the figure, next to the segment they belong to
    (hx, hy), (sx, sy), (kx, ky), (ax, ay) = pt["hip"], pt["swing_hip"], pt["knee"], pt["ankle"]
    labels = [
        (sx + 30, sy - 18, f"pelvic drop {out['pelvic_drop_deg'].value:.1f}°"),
        (hx - 175, hy - 6, f"hip force {out['hip_contact_force_bw'].value:.2f} BW"),
        (hx - 175, hy + 14, f"abductors {det['abductor_force_bw']:.2f} BW"),
        (hx - 175, (hy + ky) / 2, f"hip add {out['femoral_adduction_deg'].value:.1f}°"),
        (hx - 175, (hy + ky) / 2 + 18, f"femur IR {out['femoral_internal_rotation_deg'].value:.1f}°"),
        (kx + 26, ky + 4, f"valgus {out['knee_valgus_deg'].value:.1f}°"),
        (kx + 26, ky + 22, f"KAM {out['knee_frontal_moment_nm_per_kg'].value:.2f} Nm/kg"),
        (ax + 30, ay - 4, f"tibia IR {det['tibial_internal_rotation_deg']:.1f}°"),
    ]
    for x, y, text in labels:
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" fill="#b23a48">{escape(text)}</text>')
    # table
    x0, y0 = 460, 100
    parts.append(f'<text x="{x0}" y="{y0}" font-weight="bold">output</text>')
    parts.append(f'<text x="{x0 + 190}" y="{y0}" font-weight="bold">value</text>')
    parts.append(f'<text x="{x0 + 265}" y="{y0}" font-weight="bold">ref</text>')
    for i, name in enumerate(OUTPUT_NAMES):
        label, fmt = _LABELS[name]
        y = y0 + 24 * (i + 1)
        o = out[name]
        parts.append(f'<text x="{x0}" y="{y}">{escape(label)}</text>')
        parts.append(f'<text x="{x0 + 190}" y="{y}">{escape(fmt.format(o.value))}</text>')
        parts.append(f'<text x="{x0 + 265}" y="{y}" fill="#777">{escape(fmt.format(o.reference))}</text>')
    y = y0 + 24 * (len(OUTPUT_NAMES) + 2)
    foot = ["* direction only / proxy: not a measured pressure or strain.",
            "Couplings are judgements (see docs/chain.md);",
            "hip force is the validated output (Bergmann 2001).",
            f"knowledge base {result.kb_version}"]
    for j, line in enumerate(foot):
        parts.append(f'<text x="{x0}" y="{y + 18 * j}" font-size="11" fill="#555">{escape(line)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
