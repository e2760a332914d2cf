"""Stick-figure exercise illustrations, drawn in code (never copied images).

A figure is posed by segment angles (degrees, 0 = pointing right, 90 = up) from the pelvis; forward
kinematics gives the joints and the drawing is emitted as a small standalone SVG. A dashed orange "ghost"
shows where the movement starts or ends, an arrow shows the direction, and simple props (floor, ball, band,
step, chair, wall, strap, water, bike) set the scene. ``svg(illustration_id)`` returns the SVG text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

W, H, GROUND = 220, 146, 138
TRUNK, NECK, HEAD_R, THIGH, SHIN, FOOT, UPPER, FORE = 44.0, 5.0, 8.0, 32.0, 30.0, 9.0, 20.0, 19.0
INK, FAR_INK, GHOST, PROP, BAND, BALL, ACCENT = "#1f3b57", "#8da2b8", "#e08a2c", "#6b7280", "#2f9e44", "#e8590c", "#c92a2a"

Point = tuple[float, float]


def _at(p: Point, angle: float, length: float) -> Point:
    a = math.radians(angle)
    return p[0] + length * math.cos(a), p[1] + length * math.sin(a)


def _xy(p: Point) -> str:
    return f"{p[0]:.1f},{GROUND - p[1]:.1f}"


@dataclass(frozen=True)
class Pose:
    """Side view. Near limbs are drawn dark, far limbs light."""

    pelvis: Point
    trunk: float = 90
    thigh_n: float = -90
    shin_n: float = -90
    thigh_f: float = -90
    shin_f: float = -90
    arm_n: float = -95
    fore_n: float = -95
    arm_f: float = -85
    fore_f: float = -85
    foot_n: float | None = None
    foot_f: float | None = None
    head_tilt: float = 0
    shin_n_len: float = SHIN
    thigh_n_len: float = THIGH

    def joints(self) -> dict[str, Point]:
        j: dict[str, Point] = {"pelvis": self.pelvis}
        j["neck"] = _at(self.pelvis, self.trunk, TRUNK)
        j["head"] = _at(j["neck"], self.trunk + self.head_tilt, NECK + HEAD_R)
        for side, thigh, shin, foot, tl, sl in (
            ("n", self.thigh_n, self.shin_n, self.foot_n, self.thigh_n_len, self.shin_n_len),
            ("f", self.thigh_f, self.shin_f, self.foot_f, THIGH, SHIN),
        ):
            j[f"knee_{side}"] = _at(self.pelvis, thigh, tl)
            j[f"ankle_{side}"] = _at(j[f"knee_{side}"], shin, sl)
            j[f"toe_{side}"] = _at(j[f"ankle_{side}"], shin + 90 if foot is None else foot, FOOT)
        for side, arm, fore in (("n", self.arm_n, self.fore_n), ("f", self.arm_f, self.fore_f)):
            j[f"elbow_{side}"] = _at(j["neck"], arm, UPPER)
            j[f"hand_{side}"] = _at(j[f"elbow_{side}"], fore, FORE)
        return j


@dataclass(frozen=True)
class Front:
    """Front view (for side-to-side movements). Left/right as seen by the viewer."""

    pelvis: Point
    tilt: float = 0
    trunk: float = 90
    thigh_l: float = -92
    shin_l: float = -90
    thigh_r: float = -88
    shin_r: float = -90
    arm_l: float = -100
    fore_l: float = -95
    arm_r: float = -80
    fore_r: float = -85

    def joints(self) -> dict[str, Point]:
        j: dict[str, Point] = {"pelvis": self.pelvis}
        j["hip_l"] = _at(self.pelvis, 180 + self.tilt, 9)
        j["hip_r"] = _at(self.pelvis, self.tilt, 9)
        j["neck"] = _at(self.pelvis, self.trunk, TRUNK)
        j["head"] = _at(j["neck"], self.trunk, NECK + HEAD_R)
        j["sh_l"] = _at(j["neck"], 180, 12)
        j["sh_r"] = _at(j["neck"], 0, 12)
        for s, thigh, shin in (("l", self.thigh_l, self.shin_l), ("r", self.thigh_r, self.shin_r)):
            j[f"knee_{s}"] = _at(j[f"hip_{s}"], thigh, THIGH)
            j[f"ankle_{s}"] = _at(j[f"knee_{s}"], shin, SHIN)
            j[f"toe_{s}"] = _at(j[f"ankle_{s}"], 180 if s == "l" else 0, 6)
        for s, arm, fore in (("l", self.arm_l, self.fore_l), ("r", self.arm_r, self.fore_r)):
            j[f"elbow_{s}"] = _at(j[f"sh_{s}"], arm, UPPER)
            j[f"hand_{s}"] = _at(j[f"elbow_{s}"], fore, FORE)
        return j


Figure = Pose | Front
Prop = Callable[[dict[str, Point]], str]


def _line(a: Point, b: Point, color: str, width: float, extra: str = "") -> str:
    return (f'<line x1="{a[0]:.1f}" y1="{GROUND - a[1]:.1f}" x2="{b[0]:.1f}" y2="{GROUND - b[1]:.1f}" '
            f'stroke="{color}" stroke-width="{width}" stroke-linecap="round"{extra}/>')


def _figure(fig: Figure, ghost: bool = False) -> str:
    j = fig.joints()
    dash = ' stroke-dasharray="4 3"' if ghost else ""
    near = GHOST if ghost else INK
    far = GHOST if ghost else FAR_INK
    w = 3.0 if ghost else 4.2
    parts: list[str] = []
    if isinstance(fig, Pose):
        chains = [
            (far, ["pelvis", "knee_f", "ankle_f", "toe_f"]),
            (far, ["neck", "elbow_f", "hand_f"]),
            (near, ["pelvis", "neck"]),
            (near, ["pelvis", "knee_n", "ankle_n", "toe_n"]),
            (near, ["neck", "elbow_n", "hand_n"]),
        ]
    else:
        chains = [
            (near, ["hip_l", "hip_r"]), (near, ["sh_l", "sh_r"]), (near, ["pelvis", "neck"]),
            (near, ["hip_l", "knee_l", "ankle_l", "toe_l"]), (near, ["hip_r", "knee_r", "ankle_r", "toe_r"]),
            (far, ["sh_l", "elbow_l", "hand_l"]), (far, ["sh_r", "elbow_r", "hand_r"]),
        ]
    for color, names in chains:
        pts = " ".join(_xy(j[n]) for n in names)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{w}" '
                     f'stroke-linecap="round" stroke-linejoin="round"{dash}/>')
    hx, hy = j["head"]
    fill = "none" if ghost else "#ffffff"
    parts.append(f'<circle cx="{hx:.1f}" cy="{GROUND - hy:.1f}" r="{HEAD_R}" fill="{fill}" stroke="{near}" '
                 f'stroke-width="{w - 1:.1f}"{dash}/>')
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------- props


def floor(_: dict[str, Point]) -> str:
    return _line((4, 0), (W - 4, 0), PROP, 2)


def mat(x1: float, x2: float) -> Prop:
    return lambda _: (f'<rect x="{x1}" y="{GROUND}" width="{x2 - x1}" height="4" rx="2" fill="#d0ebff" '
                      f'stroke="none"/>')


def ball(x: float, y: float, r: float = 5) -> Prop:
    return lambda _: f'<circle cx="{x}" cy="{GROUND - y}" r="{r}" fill="{BALL}" stroke="#a33c00" stroke-width="1"/>'


def spot(joint: str, dx: float = 0, dy: float = 0) -> Prop:
    def draw(j: dict[str, Point]) -> str:
        x, y = j[joint]
        return (f'<circle cx="{x + dx:.1f}" cy="{GROUND - y - dy:.1f}" r="4.5" fill="none" stroke="{ACCENT}" '
                f'stroke-width="2"/><circle cx="{x + dx:.1f}" cy="{GROUND - y - dy:.1f}" r="1.6" fill="{ACCENT}"/>')
    return draw


def band(a: str, b: str) -> Prop:
    return lambda j: _line(j[a], j[b], BAND, 3)


def band_loop(joint: str) -> Prop:
    def draw(j: dict[str, Point]) -> str:
        x, y = j[joint]
        return (f'<ellipse cx="{x:.1f}" cy="{GROUND - y:.1f}" rx="4" ry="8" fill="none" stroke="{BAND}" '
                f'stroke-width="3"/>')
    return draw


def band_to(joint: str, anchor: Point) -> Prop:
    return lambda j: _line(j[joint], anchor, BAND, 3) + _line((anchor[0], 0), (anchor[0], anchor[1] + 10), PROP, 4)


def strap(a: str, b: str) -> Prop:
    return lambda j: _line(j[a], j[b], "#9c6644", 2.2)


def step(x: float, w: float, h: float) -> Prop:
    return lambda _: (f'<rect x="{x}" y="{GROUND - h}" width="{w}" height="{h}" fill="#e9ecef" stroke="{PROP}" '
                      f'stroke-width="1.5"/>')


def chair(x: float, seat: float = 31, back: bool = True) -> Prop:
    def draw(_: dict[str, Point]) -> str:
        s = _line((x - 4, seat), (x + 28, seat), PROP, 3) + _line((x, seat), (x, 0), PROP, 2.5)
        s += _line((x + 26, seat), (x + 26, 0), PROP, 2.5)
        if back:
            s += _line((x - 4, seat), (x - 6, seat + 38), PROP, 3)
        return s
    return draw


def wall(x: float) -> Prop:
    def draw(_: dict[str, Point]) -> str:
        s = _line((x, 0), (x, 128), PROP, 3)
        return s + "".join(_line((x, y), (x + 5, y + 5), PROP, 1) for y in range(4, 126, 10))
    return draw


def counter(x: float, h: float = 78) -> Prop:
    return lambda _: _line((x - 12, h), (x + 22, h), PROP, 4) + _line((x + 18, h), (x + 18, 0), PROP, 2.5)


def cushion(x: float, w: float = 16) -> Prop:
    return lambda _: f'<rect x="{x}" y="{GROUND - 4}" width="{w}" height="4" rx="2" fill="#ffd8a8"/>'


def roll(x: float, y: float = 3.5) -> Prop:
    return lambda _: f'<circle cx="{x}" cy="{GROUND - y}" r="3.5" fill="#ffd8a8" stroke="{PROP}"/>'


def water(y: float) -> Prop:
    def draw(_: dict[str, Point]) -> str:
        d = " ".join(f"q 7 {'-4' if i % 2 else '4'} 14 0" for i in range(15))
        return (f'<rect x="0" y="{GROUND - y}" width="{W}" height="{y}" fill="#d0ebff" opacity="0.6"/>'
                f'<path d="M 2 {GROUND - y:.1f} {d}" fill="none" stroke="#1c7ed6" stroke-width="1.5"/>')
    return draw


def bike(x: float) -> Prop:
    def draw(_: dict[str, Point]) -> str:
        s = "".join(f'<circle cx="{cx}" cy="{GROUND - 15}" r="15" fill="none" stroke="{PROP}" stroke-width="2"/>'
                    for cx in (x - 30, x + 62))
        s += _line((x - 30, 15), (x + 22, 18), PROP, 2.5) + _line((x + 22, 18), (x + 2, 44), PROP, 2.5)
        s += _line((x + 22, 18), (x + 48, 58), PROP, 2.5) + _line((x + 48, 58), (x + 62, 15), PROP, 2.5)
        s += _line((x - 6, 44), (x + 8, 44), PROP, 4) + _line((x + 44, 62), (x + 52, 62), PROP, 4)
        return s
    return draw


def mirror(x: float) -> Prop:
    return lambda _: (f'<rect x="{x}" y="{GROUND - 100}" width="8" height="96" fill="#e7f5ff" stroke="{PROP}" '
                      f'stroke-width="1.5"/>')


def footprints(xs: list[float]) -> Prop:
    return lambda _: "".join(f'<ellipse cx="{x}" cy="{GROUND + 5}" rx="5" ry="2" fill="{FAR_INK}"/>' for x in xs)


def foot_closeup(x: float, y: float) -> Prop:
    def draw(_: dict[str, Point]) -> str:
        top = GROUND - y
        return (f'<path d="M {x} {top} q 4 -22 16 -26 l 6 0 q 2 14 8 18 q 18 2 34 6 q 6 2 4 6 z" fill="#fff4e6" '
                f'stroke="{INK}" stroke-width="2"/>'
                f'<path d="M {x + 8} {top} q 16 -10 34 0" fill="none" stroke="{ACCENT}" stroke-width="2.5" '
                f'stroke-dasharray="3 2"/>'
                f'<line x1="{x - 6}" y1="{top}" x2="{x + 74}" y2="{top}" stroke="{PROP}" stroke-width="2"/>')
    return draw


def weights(joint: str) -> Prop:
    def draw(j: dict[str, Point]) -> str:
        x, y = j[joint]
        return f'<rect x="{x - 6:.1f}" y="{GROUND - y - 3:.1f}" width="12" height="6" rx="2" fill="{PROP}"/>'
    return draw


@dataclass(frozen=True)
class Arrow:
    start: Point
    end: Point
    bend: float = 0  # sideways bulge of the curve
    both: bool = False

    def svg(self) -> str:
        (x1, y1), (x2, y2) = self.start, self.end
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        dx, dy = x2 - x1, y2 - y1
        n = math.hypot(dx, dy) or 1
        cx, cy = mx - dy / n * self.bend, my + dx / n * self.bend
        start = ' marker-start="url(#tail)"' if self.both else ""
        return (f'<path d="M {x1:.1f} {GROUND - y1:.1f} Q {cx:.1f} {GROUND - cy:.1f} {x2:.1f} {GROUND - y2:.1f}" '
                f'fill="none" stroke="{ACCENT}" stroke-width="2" marker-end="url(#head)"{start}/>')


@dataclass(frozen=True)
class Illustration:
    id: str
    title: str
    figure: Figure
    ghost: Figure | None = None
    props: tuple[Prop, ...] = (floor,)
    arrows: tuple[Arrow, ...] = ()
    extra: tuple[Figure, ...] = field(default_factory=tuple)

    def svg(self) -> str:
        j = self.figure.joints()
        body = [p(j) for p in self.props]
        if self.ghost is not None:
            body.append(_figure(self.ghost, ghost=True))
        body += [_figure(f, ghost=True) for f in self.extra]
        body.append(_figure(self.figure))
        body += [a.svg() for a in self.arrows]
        marker = 'markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" refY="4" orient="auto"'
        defs = (f'<defs><marker id="head" {marker} refX="6"><path d="M0,0 L8,4 L0,8 z" fill="{ACCENT}"/></marker>'
                f'<marker id="tail" {marker} refX="2"><path d="M8,0 L0,4 L8,8 z" fill="{ACCENT}"/></marker></defs>')
        title = self.title.replace("&", "and").replace("<", "")
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
                f'role="img" aria-label="{title}"><title>{title}</title>{defs}'
                f'<rect width="{W}" height="{H}" fill="#ffffff"/>' + "\n".join(body) + "</svg>")


# ------------------------------------------------------------------------------------------ base poses


def standing(x: float, **kw: Any) -> Pose:
    return replace(Pose(pelvis=(x, 62)), **kw)


def supine(x: float, **kw: Any) -> Pose:
    base = Pose(pelvis=(x, 5), trunk=180, thigh_n=55, shin_n=-62, thigh_f=55, shin_f=-62,
                arm_n=-3, fore_n=0, arm_f=-3, fore_f=0, foot_n=0, foot_f=0)
    return replace(base, **kw)


def bridge(x: float, **kw: Any) -> Pose:
    base = Pose(pelvis=(x, 24), trunk=205.6, thigh_n=20, shin_n=-80, thigh_f=20, shin_f=-80,
                arm_n=-8, fore_n=0, arm_f=-8, fore_f=0, foot_n=0, foot_f=0)
    return replace(base, **kw)


def side_lying(x: float, **kw: Any) -> Pose:
    base = Pose(pelvis=(x, 12), trunk=180, thigh_n=-10, shin_n=195, thigh_f=-20, shin_f=180,
                arm_n=-28, fore_n=0, arm_f=180, fore_f=180, foot_n=180, foot_f=180, head_tilt=-15)
    return replace(base, **kw)


def seated(x: float, **kw: Any) -> Pose:
    base = Pose(pelvis=(x, 34), trunk=90, thigh_n=0, shin_n=-90, thigh_f=0, shin_f=-90,
                arm_n=-80, fore_n=-10, arm_f=-80, fore_f=-10)
    return replace(base, **kw)


def walking(x: float, **kw: Any) -> Pose:
    base = Pose(pelvis=(x, 59), trunk=88, thigh_n=-70, shin_n=-92, thigh_f=-112, shin_f=-118,
                arm_n=-110, fore_n=-80, arm_f=-70, fore_f=-60, foot_f=-30)
    return replace(base, **kw)


def _ill(iid: str, title: str, figure: Figure, ghost: Figure | None = None, props: tuple[Prop, ...] = (floor,),
         arrows: tuple[Arrow, ...] = (), extra: tuple[Figure, ...] = ()) -> Illustration:
    return Illustration(iid, title, figure, ghost, props, arrows, extra)


def _catalogue() -> dict[str, Illustration]:
    s, sb, b = supine(110), supine(110, thigh_n=60), bridge(110)
    items = [
        _ill("ill_release_iliacus", "Fingers pressing just inside the front hip bone",
             supine(110, arm_n=22, fore_n=2), props=(floor, mat(40, 170), spot("pelvis", 2, 7))),
        _ill("ill_release_psoas", "Fingers pressing into the lower belly beside the hip",
             supine(110, arm_n=25, fore_n=8), props=(floor, mat(40, 170), spot("pelvis", -10, 9))),
        _ill("ill_release_tfl", "Lying face down on a ball at the front and side of the hip",
             Pose(pelvis=(110, 13), trunk=8, thigh_n=185, shin_n=182, thigh_f=186, shin_f=183, arm_n=-90, fore_n=0,
                  arm_f=-90, fore_f=0, foot_n=-100, foot_f=-100),
             props=(floor, mat(30, 190), ball(112, 5))),
        _ill("ill_release_piriformis", "Sitting on a ball under one buttock",
             Pose(pelvis=(95, 13), trunk=100, thigh_n=22, shin_n=-62, thigh_f=15, shin_f=-70, arm_n=-115,
                  fore_n=-100, arm_f=-120, fore_f=-100, foot_n=0, foot_f=0),
             props=(floor, ball(95, 5)), arrows=(Arrow((70, 60), (86, 40), 6),)),
        _ill("ill_release_deep_rotators", "Ball under the lower outer buttock, knee falls out",
             supine(110, pelvis=(110, 10), thigh_n=45, shin_n=-70), supine(110, pelvis=(110, 10)),
             props=(floor, ball(112, 5)), arrows=(Arrow((122, 48), (138, 34), -6),)),
        _ill("ill_pelvic_realign", "Knee to chest, pushing the knee into the hands",
             supine(120, thigh_n=130, shin_n=10, arm_n=60, fore_n=20, thigh_f=0, shin_f=0, foot_f=80),
             props=(floor, mat(40, 200)), arrows=(Arrow((98, 48), (112, 40), 0),)),
        _ill("ill_glute_bridge", "Bridge: hips lift to a straight line", b, sb, props=(floor, mat(40, 170)),
             arrows=(Arrow((100, 12), (100, 32)),)),
        _ill("ill_banded_bridge", "Bridge with a band above the knees", b, sb,
             props=(floor, mat(40, 170), band_loop("knee_n")), arrows=(Arrow((100, 12), (100, 32)),)),
        _ill("ill_single_leg_bridge", "One-leg bridge with the other leg straight",
             bridge(110, thigh_n=20, shin_n=20, foot_n=110), sb, props=(floor, mat(40, 190)),
             arrows=(Arrow((96, 12), (96, 32)),)),
        _ill("ill_clamshell", "Side lying: the top knee opens, feet stay together",
             side_lying(110, thigh_n=25, shin_n=213), side_lying(110), props=(floor, mat(30, 170)),
             arrows=(Arrow((146, 10), (144, 30), -8),)),
        _ill("ill_clamshell_band", "Clamshell with a band around the thighs",
             side_lying(110, thigh_n=25, shin_n=213), side_lying(110),
             props=(floor, mat(30, 170), band("knee_n", "knee_f")), arrows=(Arrow((150, 10), (148, 30), -8),)),
        _ill("ill_side_lying_abduction", "Side lying: the straight top leg lifts",
             side_lying(100, thigh_n=16, shin_n=16, foot_n=100, thigh_f=-25, shin_f=185),
             side_lying(100, thigh_n=-4, shin_n=-4, foot_n=86), props=(floor, mat(25, 175)),
             arrows=(Arrow((160, 10), (158, 30), -8),)),
        _ill("ill_isometric_abduction", "Standing side-on to a wall, pushing the knee out into it",
             Front(pelvis=(120, 62), thigh_r=-70, shin_r=-100),
             props=(floor, wall(150), ball(143, 33, 4)), arrows=(Arrow((120, 40), (138, 40)),)),
        _ill("ill_banded_lateral_walk", "Side steps with a band above the knees",
             Front(pelvis=(110, 56), thigh_l=-108, shin_l=-86, thigh_r=-72, shin_r=-94, arm_l=-110, arm_r=-70),
             props=(floor, band("knee_l", "knee_r")), arrows=(Arrow((140, 90), (180, 90), 8),)),
        _ill("ill_hip_hike", "On a step: the free side drops, then lifts level",
             Front(pelvis=(110, 72), tilt=8, thigh_l=-92, shin_l=-90, thigh_r=-86, shin_r=-90),
             Front(pelvis=(110, 72), tilt=-8, thigh_l=-92, shin_l=-90, thigh_r=-86, shin_r=-93),
             props=(floor, step(72, 38, 10)), arrows=(Arrow((132, 56), (132, 74)),)),
        _ill("ill_front_plank", "Forearm plank in a straight line",
             Pose(pelvis=(100, 13), trunk=15, thigh_n=191, shin_n=191, thigh_f=191, shin_f=191, arm_n=-90, fore_n=0,
                  arm_f=-90, fore_f=0, foot_n=-100, foot_f=-100), props=(floor, mat(25, 190))),
        _ill("ill_side_plank", "Side plank on the forearm, top arm up",
             Pose(pelvis=(100, 12), trunk=12, thigh_n=192, shin_n=192, thigh_f=192, shin_f=192, arm_n=-90, fore_n=0,
                  arm_f=95, fore_f=95, foot_n=-100, foot_f=-100), props=(floor, mat(25, 190))),
        _ill("ill_dead_bug", "Lying on the back, arms up, one heel lowers to tap the floor",
             supine(120, thigh_n=90, shin_n=0, thigh_f=40, shin_f=-30, arm_n=90, fore_n=90, arm_f=80, fore_f=80),
             props=(floor, mat(40, 190)), arrows=(Arrow((156, 34), (160, 12), -5),)),
        _ill("ill_bird_dog", "Hands and knees: one arm and the opposite leg reach out",
             Pose(pelvis=(90, 39), trunk=0, thigh_n=-90, shin_n=180, thigh_f=180, shin_f=180, arm_n=-90, fore_n=-90,
                  arm_f=0, fore_f=0, foot_n=-90, foot_f=-90), props=(floor, mat(20, 200))),
        _ill("ill_seated_march", "Sitting tall, one knee lifts", seated(100, thigh_n=25), seated(100),
             props=(floor, chair(92)), arrows=(Arrow((140, 40), (140, 56)),)),
        _ill("ill_standing_hip_flexion", "Standing knee lift against a band",
             standing(100, thigh_n=0, shin_n=-90, arm_n=-40, fore_n=-30), standing(100),
             props=(floor, counter(142, 80), band("ankle_n", "ankle_f")), arrows=(Arrow((140, 30), (140, 50)),)),
        _ill("ill_sit_to_stand", "From sitting to standing without the hands",
             Pose(pelvis=(106, 50), trunk=62, thigh_n=-38, shin_n=-96, thigh_f=-38, shin_f=-96, arm_n=5, fore_n=5,
                  arm_f=5, fore_f=5), seated(92), props=(floor, chair(84)), arrows=(Arrow((80, 70), (96, 100), -6),)),
        _ill("ill_step_down", "Slow step down from a low step, knee over the toes",
             Pose(pelvis=(100, 62), trunk=80, thigh_n=-60, shin_n=-115, thigh_f=-70, shin_f=-72, arm_n=-60, fore_n=-40,
                  arm_f=-100, fore_f=-95), props=(floor, step(80, 32, 7)), arrows=(Arrow((140, 30), (134, 8), 4),)),
        _ill("ill_single_leg_stance", "Standing on one leg, lightly touching a counter",
             standing(100, thigh_f=-80, shin_f=-150, foot_f=-70, arm_n=-40, fore_n=-40),
             props=(floor, counter(136))),
        _ill("ill_quad_set", "Long sitting, pressing the knee down onto a towel roll",
             Pose(pelvis=(90, 6), trunk=100, thigh_n=0, shin_n=0, thigh_f=0, shin_f=0, arm_n=-118, fore_n=-112,
                  arm_f=-118, fore_f=-112, foot_n=90, foot_f=90), props=(floor, roll(122)),
             arrows=(Arrow((122, 22), (122, 12)),)),
        _ill("ill_straight_leg_raise", "Lying on the back, the straight leg lifts",
             supine(100, thigh_n=22, shin_n=22, foot_n=110), supine(100, thigh_n=0, shin_n=0, foot_n=90),
             props=(floor, mat(30, 190)), arrows=(Arrow((168, 10), (164, 34), -6),)),
        _ill("ill_terminal_knee_extension", "Standing, straightening the knee against a band behind it",
             standing(100), standing(100, thigh_n=-80, shin_n=-102), props=(floor, band_to("knee_n", (60, 32))),
             arrows=(Arrow((114, 32), (106, 32)),)),
        _ill("ill_heel_slide", "Lying on the back, one heel slides toward the buttock",
             supine(100, thigh_n=50, shin_n=-52, thigh_f=0, shin_f=0, foot_f=90),
             supine(100, thigh_n=0, shin_n=0, foot_n=90), props=(floor, mat(30, 190)),
             arrows=(Arrow((170, 8), (140, 8), 6),)),
        _ill("ill_wall_sit", "Back against a wall, knees bent, holding still",
             Pose(pelvis=(60, 31), trunk=90, thigh_n=0, shin_n=-90, thigh_f=0, shin_f=-90, arm_n=0, fore_n=0,
                  arm_f=0, fore_f=0), props=(floor, wall(50))),
        _ill("ill_heavy_slow_squat", "Slow squat holding weights",
             Pose(pelvis=(96, 38), trunk=62, thigh_n=-18, shin_n=-112, thigh_f=-18, shin_f=-112, arm_n=-92, fore_n=-92,
                  arm_f=-88, fore_f=-88), standing(50), props=(floor, weights("hand_n")),
             arrows=(Arrow((150, 40), (150, 70)), Arrow((158, 70), (158, 40)))),
        _ill("ill_kneeling_hip_flexor_stretch", "Half kneeling, hips shift forward",
             Pose(pelvis=(100, 32), trunk=95, thigh_n=-5, shin_n=-92, thigh_f=-110, shin_f=180, arm_n=-80,
                  fore_n=-60, arm_f=-100, fore_f=-90, foot_f=180), props=(floor, cushion(80)),
             arrows=(Arrow((86, 36), (104, 36)),)),
        _ill("ill_hamstring_strap_stretch", "Lying on the back, a strap around the raised foot",
             supine(110, thigh_n=75, shin_n=75, foot_n=160, thigh_f=0, shin_f=0, foot_f=90, arm_n=62, fore_n=50),
             props=(floor, mat(40, 190), strap("hand_n", "toe_n"))),
        _ill("ill_figure_four_stretch", "Lying on the back, ankle crossed over the other knee",
             supine(110, thigh_n=82, shin_n=-22, shin_n_len=14, foot_n=60, arm_n=40, fore_n=30),
             props=(floor, mat(40, 170))),
        _ill("ill_standing_itb_stretch", "Legs crossed, hip leans toward the wall",
             Front(pelvis=(118, 60), trunk=104, thigh_l=-82, shin_l=-92, thigh_r=-104, shin_r=-98, arm_l=-60,
                   fore_l=-30, arm_r=-80, fore_r=-80),
             props=(floor, wall(150)), arrows=(Arrow((118, 84), (140, 84)),)),
        _ill("ill_calf_stretch", "Facing a wall, back leg straight with the heel down",
             Pose(pelvis=(100, 57), trunk=72, thigh_n=-72, shin_n=-100, thigh_f=-116, shin_f=-116, arm_n=12, fore_n=8,
                  arm_f=14, fore_f=10, foot_f=-12), props=(floor, wall(160))),
        _ill("ill_short_foot", "Close-up: the arch lifts while the toes stay long",
             seated(40, arm_n=-70, fore_n=-20), props=(floor, chair(32), foot_closeup(110, 0)),
             arrows=(Arrow((140, 6), (140, 20)),)),
        _ill("ill_calf_raise", "Rising onto the balls of the feet",
             standing(100, pelvis=(100, 68), foot_n=-35, foot_f=-35, arm_n=-40, fore_n=-40), standing(100),
             props=(floor, counter(136)), arrows=(Arrow((80, 40), (80, 60)),)),
        _ill("ill_gait_retraining", "Walking with even steps in front of a mirror",
             walking(100), props=(floor, mirror(190), footprints([60, 100, 140])),
             arrows=(Arrow((120, 105), (160, 105), 6),)),
        _ill("ill_cadence_run", "Running with quicker, shorter steps",
             Pose(pelvis=(100, 56), trunk=80, thigh_n=-45, shin_n=-100, thigh_f=-125, shin_f=175, arm_n=-60,
                  fore_n=30, arm_f=-120, fore_f=-40), props=(floor, footprints([70, 90, 110, 130])),
             arrows=(Arrow((60, 100), (150, 100), 6),)),
        _ill("ill_walking", "Brisk walking on flat ground", walking(100, trunk=86),
             props=(floor, footprints([40, 70, 130, 160])), arrows=(Arrow((130, 105), (170, 105), 6),)),
        _ill("ill_cycling", "Easy pedalling on an exercise bike",
             Pose(pelvis=(110, 46), trunk=68, thigh_n=-12, shin_n=-100, thigh_f=-40, shin_f=-70, arm_n=-45,
                  fore_n=-15, arm_f=-45, fore_f=-15), props=(floor, bike(108))),
        _ill("ill_pool", "Swimming and walking in water",
             Pose(pelvis=(90, 42), trunk=0, thigh_n=185, shin_n=190, thigh_f=175, shin_f=172, arm_n=10, fore_n=0,
                  arm_f=200, fore_f=230, head_tilt=10),
             props=(water(48),)),
        _ill("ill_prone_press_up", "Face down, arms press the chest up, hips stay down",
             Pose(pelvis=(100, 5), trunk=30, thigh_n=180, shin_n=180, thigh_f=180, shin_f=180, arm_n=-105,
                  fore_n=-70, arm_f=-105, fore_f=-70, foot_n=-90, foot_f=-90),
             Pose(pelvis=(100, 5), trunk=2, thigh_n=180, shin_n=180, thigh_f=180, shin_f=180, arm_n=-10,
                  fore_n=0, arm_f=-10, fore_f=0, foot_n=-90, foot_f=-90),
             props=(floor, mat(25, 190))),
        _ill("ill_nerve_slider", "Sitting: straighten the knee and look up, then bend and look down",
             seated(90, shin_n=-12, head_tilt=25, foot_n=80), seated(90, head_tilt=-25),
             props=(floor, chair(82)), arrows=(Arrow((128, 6), (150, 22), 6),)),
        _ill("ill_hip_rotation", "Lying on the back, knees tip from side to side",
             s, props=(floor, mat(40, 170)), arrows=(Arrow((116, 44), (140, 44), 8, both=True),)),
    ]
    return {i.id: i for i in items}


ILLUSTRATIONS: dict[str, Illustration] = _catalogue()


@cache
def svg(illustration_id: str) -> str:
    """The SVG text of one illustration (KeyError naming the id if it is not drawn)."""
    try:
        return ILLUSTRATIONS[illustration_id].svg()
    except KeyError:
        raise KeyError(f"no illustration '{illustration_id}'") from None


def data_uri(illustration_id: str) -> str:
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg(illustration_id).encode()).decode()
