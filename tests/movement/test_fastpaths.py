"""The vectorised paths kept for speed (issue 5) give the same results as the plain definitions they
replace: TRC body parsers, gap filling and filtering on the channel layout, per-unit measures, gait
event pairing and the closed-form Cardan angles with a broadcast lab frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.interpolate import CubicSpline
from scipy.signal import butter, filtfilt
from scipy.spatial.transform import Rotation

from kinchain.errors import MovementDataError
from kinchain.movement import events as ev
from kinchain.movement.filtering import clean, clean_channels, fill_gaps, lowpass
from kinchain.movement.kinematics import cardan_zxy, cardan_zxy_scipy, project
from kinchain.movement.pipeline import _units_measures
from kinchain.movement.readers import _trc_body_checked, read_trc

from .conftest import motion_file


# ------------------------------------------------------------------------------------------ reader
def _write_trc(path: Path, body_rows: list[str], n_markers: int = 2, units: str = "mm", eol: str = "\n") -> Path:
    labels = [f"M{i}" for i in range(n_markers)]
    head = [f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
            "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
            f"100\t100\t{len(body_rows)}\t{n_markers}\t{units}\t100\t1\t{len(body_rows)}",
            "Frame#\tTime\t" + "\t\t\t".join(labels),
            "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, n_markers + 1)), ""]
    path.write_bytes(eol.join(head + body_rows).encode() + eol.encode())
    return path


def _rows(n: int = 40, n_markers: int = 2) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(3)
    vals = np.round(rng.normal(500, 200, size=(n, 3 * n_markers)), 4)
    rows = ["\t".join([str(i + 1), f"{i / 100:.5f}", *(f"{v:.4f}" for v in r)]) for i, r in enumerate(vals)]
    return rows, vals


def _reference(rows: list[str], width: int) -> np.ndarray:
    return _trc_body_checked(Path("ref.trc"), rows, width)[:, 2:]


@pytest.mark.parametrize("variant", ["plain", "crlf", "trailing_tab", "empty_cells", "short_rows",
                                     "blank_and_space_lines", "metres"])
def test_trc_fast_parse_equals_line_parser(tmp_path: Path, variant: str) -> None:
    rows, _ = _rows()
    kw: dict[str, str] = {}
    if variant == "crlf":
        kw["eol"] = "\r\n"
    elif variant == "trailing_tab":
        rows = [r + "\t" for r in rows]
    elif variant == "empty_cells":
        rows = [r if i % 7 else "\t".join([*r.split("\t")[:5], "", "", ""]) for i, r in enumerate(rows)]
    elif variant == "short_rows":  # the last marker missing at the end of some rows (pandas fallback)
        rows = [r if i % 5 else "\t".join(r.split("\t")[:5]) for i, r in enumerate(rows)]
    elif variant == "blank_and_space_lines":
        rows = [*rows[:10], "", "   ", *rows[10:]]
    elif variant == "metres":
        kw["units"] = "m"
    t = read_trc(_write_trc(tmp_path / f"{variant}.trc", rows, **kw))  # type: ignore[arg-type]
    ref = _reference([r for r in rows if r.strip()], 8)
    if variant == "metres":
        ref = ref * 1000.0
    assert t.points.shape == (ref.shape[0], 2, 3)
    np.testing.assert_array_equal(t.points.reshape(len(ref), -1), ref)


def test_trc_points_are_contiguous_per_coordinate() -> None:
    t = read_trc(motion_file("bmclab/walk1.trc"))
    assert t.points[:, 0, 0].flags.c_contiguous  # one coordinate of one marker over the frames


def test_trc_bad_cell_still_names_line(tmp_path: Path) -> None:
    rows, _ = _rows()
    fields = rows[3].split("\t")
    fields[4] = "1.2.3"
    rows[3] = "\t".join(fields)
    with pytest.raises(MovementDataError, match=r"line 10 holds a non-number"):
        read_trc(_write_trc(tmp_path / "bad.trc", rows))


def test_trc_too_many_cells_named(tmp_path: Path) -> None:
    rows, _ = _rows()
    rows[2] = rows[2] + "\t1.0"
    with pytest.raises(MovementDataError, match=r"line 9 has 9 columns, expected 8"):
        read_trc(_write_trc(tmp_path / "wide.trc", rows))


# --------------------------------------------------------------------------------------- filtering
def _fill_gaps_plain(x: np.ndarray, max_gap: int) -> tuple[np.ndarray, int]:
    """The column-by-column definition (as before the channel layout)."""
    x = np.array(x, dtype=float, copy=True)
    flat = x.reshape(x.shape[0], -1)
    filled = 0
    for c in range(flat.shape[1]):
        col = flat[:, c]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        d = np.diff(np.concatenate(([0], bad.astype(np.int8), [0])))
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
            if a == 0 or b == len(col) or (b - a) > max_gap:
                continue
            left = np.flatnonzero(np.isfinite(col[max(0, a - 8):a])) + max(0, a - 8)
            right = np.flatnonzero(np.isfinite(col[b:b + 8])) + b
            idx = np.concatenate((left[-4:], right[:4]))
            col[a:b] = (CubicSpline(idx, col[idx])(np.arange(a, b)) if len(idx) >= 4
                        else np.interp(np.arange(a, b), idx, col[idx]))
            filled += b - a
    return flat.reshape(x.shape), filled


def _lowpass_plain(x: np.ndarray, rate: float, cutoff: float) -> np.ndarray:
    b, a = butter(2, min(cutoff / (0.5 * rate), 0.99))
    flat = x.reshape(x.shape[0], -1)
    out = flat.copy()
    for c in range(flat.shape[1]):
        ok = np.isfinite(flat[:, c])
        d = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
        for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
            if e - s > 9:
                out[s:e, c] = filtfilt(b, a, flat[s:e, c])
    return out.reshape(x.shape)


def test_channel_layout_filter_equals_plain_definition() -> None:
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=(600, 4, 3)), axis=0)
    x[50:53, 1, 0] = np.nan  # short interior gap: filled
    x[200:260, 2] = np.nan  # long gap: two stretches filtered separately
    x[:4, 3, 2] = np.nan  # leading gap: stays missing
    x[590:, 0, 1] = np.nan  # 10 samples at the end
    filled, n = fill_gaps(x, 20)
    ref_filled, ref_n = _fill_gaps_plain(x, 20)
    assert n == ref_n == 3
    np.testing.assert_array_equal(filled, ref_filled)
    np.testing.assert_array_equal(lowpass(filled, 100.0, 6.0), _lowpass_plain(ref_filled, 100.0, 6.0))
    out, report = clean(x, 100.0, 6.0, 0.2)
    np.testing.assert_array_equal(out, _lowpass_plain(ref_filled, 100.0, 6.0))
    cols, report2 = clean_channels(np.array(x.reshape(600, -1).T, order="C"), 100.0, 6.0, 0.2)
    np.testing.assert_array_equal(cols.T.reshape(x.shape), out)
    assert report == report2
    assert np.isfinite(x[50:53, 1, 0]).sum() == 0  # the input is not modified


# ---------------------------------------------------------------------------------------- measures
def _unit_plain(series: dict[str, np.ndarray], side: str, a: int, b: int, deepest: int | None) -> dict[str, float]:
    """The per-unit definition of the measures (as before vectorising)."""
    def peak(x: np.ndarray) -> float:
        seg = x[a:b + 1]
        return float(np.nanmax(seg)) if np.isfinite(seg).any() else float("nan")

    m: dict[str, float] = {}
    sign = 1.0 if side == "r" else -1.0
    obl = series.get("pelvic_obliquity")
    if obl is not None and np.isfinite(obl[a]):
        m["contralateral_pelvic_drop_deg"] = peak(sign * (obl - obl[a]))
    for key, name in (("hip_adduction", "hip_adduction_peak_deg"), ("hip_rotation", "hip_internal_rotation_peak_deg"),
                      ("knee_abduction", "knee_abduction_peak_deg"), ("knee_flexion", "knee_flexion_peak_deg")):
        s = series.get(f"{key}_{side}")
        if s is not None:
            m[name] = peak(s)
    f = series.get(f"knee_fppa_{side}")
    if f is not None:
        m["knee_fppa_deg"] = float(f[deepest]) if deepest is not None else peak(f)
    tl = series.get("trunk_lean")
    if tl is not None:
        m["trunk_lean_deg"] = peak(sign * tl)
    return {k: round(v, 2) for k, v in m.items() if np.isfinite(v)}


@pytest.mark.parametrize("with_deepest", [False, True])
def test_vectorised_unit_measures_equal_per_unit_definition(with_deepest: bool) -> None:
    rng = np.random.default_rng(7)
    n = 2000
    names = ["pelvic_obliquity", "trunk_lean", "hip_adduction_r", "hip_adduction_l", "hip_rotation_r",
             "knee_flexion_r", "knee_flexion_l", "knee_abduction_l", "knee_fppa_r", "knee_fppa_l"]
    series = {k: np.cumsum(rng.normal(size=n)) for k in names}
    series["pelvic_obliquity"][300:340] = np.nan  # some units start in a gap, some contain one
    series["knee_flexion_l"][900:1200] = np.nan  # a unit entirely inside a gap: no value
    series["trunk_lean"][50:60] = np.nan
    starts = [*sorted(rng.integers(0, n - 200, size=120).tolist()), 310, 950, 0]
    stops = [s + int(rng.integers(0, 150)) for s in starts[:-3]] + [360, 1100, n - 1]
    sides = [("r", "l")[int(rng.integers(0, 2))] for _ in starts]
    deepest = [(s + e) // 2 for s, e in zip(starts, stops, strict=True)] if with_deepest else None
    got = _units_measures(series, sides, starts, stops, deepest)
    for i, (side, a, b) in enumerate(zip(sides, starts, stops, strict=True)):
        want = _unit_plain(series, side, a, b, deepest[i] if deepest else None)
        assert got[i] == want and list(got[i]) == list(want), i
    assert _units_measures(series, [], [], [], None) == []


def test_gait_event_pairing_equals_first_toe_off_after_heel_strike() -> None:
    rate = 100.0
    t = np.arange(3000) / rate
    rng = np.random.default_rng(5)
    heel = {s: 300 * np.sin(2 * np.pi * t + ph) + rng.normal(0, 2, t.size) for s, ph in (("r", 0.0), ("l", np.pi))}
    toe = {s: 300 * np.sin(2 * np.pi * t + ph - 2.2) for s, ph in (("r", 0.0), ("l", np.pi))}
    heel["r"][1000:1010] = np.nan  # a gap: stances over it are dropped
    hs, to, stances = ev.gait_events(heel, toe, rate)
    want = []
    for side in ("r", "l"):
        for s in hs[side]:
            nxt = [o for o in to[side] if o > s]
            if nxt and (nxt[0] - s) < 1.5 * rate and np.isfinite(heel[side][s:nxt[0] + 1]).all():
                want.append(ev.Stance(side, s, nxt[0]))
    want.sort(key=lambda st: st.start)
    assert stances == want and len(stances) > 40


# -------------------------------------------------------------------------------------- kinematics
def test_cardan_with_broadcast_lab_frame_and_project() -> None:
    rd = np.asarray(Rotation.random(500, random_state=2).as_matrix())
    ref = np.asarray(Rotation.random(1, random_state=3).as_matrix())[0]
    full = np.broadcast_to(ref, rd.shape).copy()
    np.testing.assert_array_equal(cardan_zxy(ref, rd), cardan_zxy(full, rd))
    np.testing.assert_allclose(cardan_zxy(ref, rd), cardan_zxy_scipy(full, rd), atol=1e-9)
    bad = rd.copy()
    bad[7, 2, 1] = np.nan
    assert np.isnan(cardan_zxy(ref, bad)[7]).all() and np.isfinite(cardan_zxy(ref, bad)[8]).all()
    v = np.random.default_rng(0).normal(size=(50, 3))
    np.testing.assert_allclose(project(v, ref), v @ ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(project(v, ref[:, 0]), v @ ref[:, 0], rtol=0, atol=1e-12)
