"""Event detection.

- Gait and running (Zeni et al. 2008, coordinate method): heel strike = the heel is furthest forward of
  the pelvis along the walking direction; toe off = the toe is furthest behind it. Uses the heel and toe
  markers (ankle centre if missing). Works for marker data and for video keypoints of a side view.
- From a force file (``--grf``): stance while the vertical ground reaction force under a foot exceeds a
  threshold (the reference method the kinematic events are checked against).
- Single-leg squat and step-down: one repetition per descent of the pelvis (its lowest point is the
  deepest point of the repetition); the stance leg is the one whose ankle is lower at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from kinchain.movement.trial import FloatArray


@dataclass(frozen=True)
class Stance:
    side: str  # "r" | "l"
    start: int  # heel strike (frame)
    stop: int  # toe off (frame)


@dataclass(frozen=True)
class Repetition:
    side: str
    start: int
    deepest: int
    stop: int


def _peaks(x: FloatArray, distance: int, prominence: float, guard: int = 3) -> np.ndarray:
    """Peaks of x, ignoring any peak within ``guard`` frames of a missing sample (a gap edge is not an
    event)."""
    ok = np.isfinite(x)
    y = np.where(ok, x, np.nanmin(x) if ok.any() else 0.0)
    idx, _ = find_peaks(y, distance=max(1, distance), prominence=prominence)
    idx = idx[(idx >= guard) & (idx < len(x) - guard)]
    missing = _missing_before(ok)
    keep = idx[missing[idx + guard + 1] == missing[idx - guard]]
    return np.asarray(keep, dtype=int)


def _missing_before(ok: np.ndarray) -> np.ndarray:
    """``out[i]`` = number of missing samples before frame i (length n + 1): frames a..b are all present
    when ``out[b + 1] == out[a]``."""
    return np.concatenate(([0], np.cumsum(~ok)))


def contact_phases(foot_height: dict[str, FloatArray], rate: float, tol: float,
                   min_stance_s: float = 0.08) -> list[Stance]:
    """Stance phases from foot height (lowest of the heel and toe markers, up positive): the foot is on
    the ground while within ``tol`` of the floor level (2nd percentile over both feet). Phases that
    touch the trial edges or a gap are partial and dropped. Used for running, where the forefoot often
    lands first and the coordinate method misplaces toe off."""
    both = np.concatenate([h[np.isfinite(h)] for h in foot_height.values()])
    if both.size == 0:
        return []
    floor = float(np.percentile(both, 2))
    stances: list[Stance] = []
    for side, h in foot_height.items():
        ok = np.isfinite(h)
        contact = ok & (h < floor + tol)
        d = np.diff(np.concatenate(([0], contact.astype(np.int8), [0])))
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
            if a == 0 or b >= len(h) or not ok[a - 1] or not ok[b]:
                continue
            if (b - a) >= min_stance_s * rate:
                stances.append(Stance(side, int(a), int(b - 1)))
    stances.sort(key=lambda st: st.start)
    return stances


def gait_events(rel_heel: dict[str, FloatArray], rel_toe: dict[str, FloatArray], rate: float,
                running: bool = False) -> tuple[dict[str, list[int]], dict[str, list[int]], list[Stance]]:
    """Heel strikes, toe offs and stance phases from heel/toe positions relative to the pelvis along
    the walking direction (mm or pixels, forward positive)."""
    min_step = int((0.25 if running else 0.4) * rate)
    hs: dict[str, list[int]] = {}
    to: dict[str, list[int]] = {}
    stances: list[Stance] = []
    for side in ("r", "l"):
        h, t = rel_heel[side], rel_toe[side]
        span = float(np.nanpercentile(h, 95) - np.nanpercentile(h, 5)) if np.isfinite(h).any() else 0.0
        prom = 0.2 * span
        hs_i, to_i = _peaks(h, min_step, prom), _peaks(-t, min_step, prom)
        hs[side] = hs_i.tolist()
        to[side] = to_i.tolist()
        # each heel strike pairs with the first toe off after it (toe offs are in frame order)
        j = np.searchsorted(to_i, hs_i, side="right")
        has = j < len(to_i)
        s_i, o_i = hs_i[has], to_i[j[has]]
        missing = _missing_before(np.isfinite(h))
        good = ((o_i - s_i) < 1.5 * rate) & (missing[o_i + 1] == missing[s_i])
        stances += [Stance(side, s, o) for s, o in zip(s_i[good].tolist(), o_i[good].tolist(), strict=True)]
    stances.sort(key=lambda st: st.start)
    return hs, to, stances


def repetitions(depth: FloatArray, ankle_height: dict[str, FloatArray], rate: float,
                min_depth: float) -> list[Repetition]:
    """Repetitions of a squat-like task. ``depth`` grows as the pelvis goes down (mm or pixels);
    ``ankle_height`` per side grows upward; ``min_depth`` is the smallest descent that counts."""
    idx = _peaks(depth, int(0.6 * rate), min_depth)
    reps: list[Repetition] = []
    y = np.where(np.isfinite(depth), depth, np.nanmax(depth))
    for k, d in enumerate(idx):
        lo = idx[k - 1] if k else 0
        hi = idx[k + 1] if k + 1 < len(idx) else len(depth) - 1
        start = lo + int(np.argmin(y[lo:d + 1]))
        stop = d + int(np.argmin(y[d:hi + 1]))
        side = "r" if ankle_height["r"][d] <= ankle_height["l"][d] else "l"
        reps.append(Repetition(side, int(start), int(d), int(stop)))
    return reps


@dataclass(frozen=True)
class Contact:
    channel: str  # force channel: a foot ("r" / "l") or a plate
    start: int  # first loaded motion frame
    stop: int  # last loaded motion frame
    first: int  # first loaded force sample
    last: int  # last loaded force sample


def force_contacts(time: FloatArray, vertical: dict[str, FloatArray], threshold: float,
                   frame_rate: float, n_frames: int) -> list[Contact]:
    """Contacts (in motion frames) while each channel's vertical force is above ``threshold``.

    Both files share one clock starting at 0 (how OpenSim and lab exports write a trial). Contacts that
    touch either end of the force recording are incomplete and left out."""
    contacts: list[Contact] = []
    for channel, fz in vertical.items():
        on = np.abs(fz) > threshold
        edges = np.flatnonzero(np.diff(on.astype(np.int8)))
        starts = [int(i) + 1 for i in edges if not on[i]]
        for a in starts:
            later = edges[edges >= a]
            if later.size == 0:
                continue  # still in contact when the recording ends
            b = int(later[0])
            f0, f1 = round(float(time[a]) * frame_rate), round(float(time[b]) * frame_rate)
            if 0 <= f0 < f1 < n_frames:
                contacts.append(Contact(channel, f0, f1, a, b))
    contacts.sort(key=lambda c: c.start)
    return contacts
