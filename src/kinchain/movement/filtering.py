"""Gap filling and low-pass filtering of trajectories.

Gap policy: interior runs of missing samples no longer than ``max_gap_s`` are filled by a cubic spline
through up to 4 valid samples on each side; longer gaps and missing samples at the start or end stay
NaN and those frames are left out of every measure. Filter: Butterworth low-pass, 2nd order run forward
and backward (zero lag, 4th order overall), applied to each run of valid samples long enough for the
edge padding; shorter runs are left unfiltered.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import butter, filtfilt

from kinchain.movement.trial import FloatArray


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def fill_gaps(x: FloatArray, max_gap: int) -> tuple[FloatArray, int]:
    """Fill interior NaN runs of length <= max_gap along axis 0; returns the array and the count filled."""
    x = np.array(x, dtype=float, copy=True)
    flat = x.reshape(x.shape[0], -1)
    filled = 0
    for c in range(flat.shape[1]):
        col = flat[:, c]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        for a, b in _runs(bad):
            if a == 0 or b == len(col) or (b - a) > max_gap:
                continue
            left = np.flatnonzero(np.isfinite(col[max(0, a - 8):a])) + max(0, a - 8)
            right = np.flatnonzero(np.isfinite(col[b:b + 8])) + b
            idx = np.concatenate((left[-4:], right[:4]))
            if len(idx) >= 4:
                col[a:b] = CubicSpline(idx, col[idx])(np.arange(a, b))
            else:
                col[a:b] = np.interp(np.arange(a, b), idx, col[idx])
            filled += b - a
        flat[:, c] = col
    return flat.reshape(x.shape), filled


def lowpass(x: FloatArray, rate: float, cutoff: float, order: int = 2) -> FloatArray:
    """Zero-lag Butterworth low-pass along axis 0 (NaN-aware: filters each valid run separately)."""
    x = np.asarray(x, dtype=float)
    nyq = 0.5 * rate
    wn = min(cutoff / nyq, 0.99)
    b, a = butter(order, wn)
    padlen = 3 * max(len(a), len(b))
    flat = x.reshape(x.shape[0], -1)
    finite_cols = np.isfinite(flat).all(axis=0)
    out = flat.copy()
    if finite_cols.any() and flat.shape[0] > padlen:
        out[:, finite_cols] = filtfilt(b, a, flat[:, finite_cols], axis=0)
    for c in np.flatnonzero(~finite_cols):
        col = flat[:, c]
        for s, e in _runs(np.isfinite(col)):
            if e - s > padlen:
                out[s:e, c] = filtfilt(b, a, col[s:e])
    return out.reshape(x.shape)


def clean(x: FloatArray, rate: float, cutoff: float, max_gap_s: float) -> tuple[FloatArray, dict[str, float]]:
    """Gap-fill then low-pass; returns the data and a small report."""
    max_gap = round(max_gap_s * rate)
    missing_before = float(np.mean(~np.isfinite(x)))
    filled, n_filled = fill_gaps(x, max_gap)
    eff_cutoff = min(cutoff, 0.99 * 0.5 * rate)
    out = lowpass(filled, rate, eff_cutoff)
    return out, {"cutoff_hz": eff_cutoff, "max_gap_frames": float(max_gap), "samples_filled": float(n_filled),
                 "missing_fraction_before": missing_before, "missing_fraction_after": float(np.mean(~np.isfinite(out)))}
