"""Gap filling and low-pass filtering of trajectories.

Gap policy: interior runs of missing samples no longer than ``max_gap_s`` are filled by a cubic spline
through up to 4 valid samples on each side; longer gaps and missing samples at the start or end stay
NaN and those frames are left out of every measure. Filter: Butterworth low-pass, 2nd order run forward
and backward (zero lag, 4th order overall), applied to each run of valid samples long enough for the
edge padding; shorter runs are left unfiltered.

Internally every channel (one coordinate of one marker) is a contiguous row of a (channels, frames)
array: the gap search only visits channels that have a missing sample, and the filter runs over all
complete channels at once along the fast axis.
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


def _channels(x: FloatArray) -> FloatArray:
    """A (channels, frames) C-ordered copy of ``x`` (frames first, any trailing shape)."""
    x = np.asarray(x, dtype=float)
    return np.array(x.reshape(x.shape[0], -1).T, order="C")


def _unchannel(cols: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Back to ``shape`` (frames first); a view of ``cols``, not a copy."""
    return cols.T.reshape(shape)


def _fill_rows(cols: FloatArray, max_gap: int, bad: np.ndarray | None = None) -> int:
    """Fill, in place, interior NaN runs of length <= max_gap of each row; returns the count filled."""
    if bad is None:
        bad = ~np.isfinite(cols)
    n = cols.shape[1]
    filled = 0
    some = bad.any(axis=1)
    for c in np.flatnonzero(some & ~bad.all(axis=1)):
        col = cols[c]
        for a, b in _runs(bad[c]):
            if a == 0 or b == n or (b - a) > max_gap:
                continue
            left = np.flatnonzero(np.isfinite(col[max(0, a - 8):a])) + max(0, a - 8)
            right = np.flatnonzero(np.isfinite(col[b:b + 8])) + b
            idx = np.concatenate((left[-4:], right[:4]))
            if len(idx) >= 4:
                col[a:b] = CubicSpline(idx, col[idx])(np.arange(a, b))
            else:
                col[a:b] = np.interp(np.arange(a, b), idx, col[idx])
            filled += b - a
    return filled


def _lowpass_rows(cols: FloatArray, rate: float, cutoff: float, order: int = 2) -> FloatArray:
    """Zero-lag Butterworth along the rows (NaN-aware); may filter in place, returns the result."""
    nyq = 0.5 * rate
    wn = min(cutoff / nyq, 0.99)
    b, a = butter(order, wn)
    padlen = 3 * max(len(a), len(b))
    finite = np.isfinite(cols).all(axis=1)
    complete = np.flatnonzero(finite)
    if complete.size and cols.shape[1] > padlen:
        if complete.size == cols.shape[0]:
            cols = filtfilt(b, a, cols, axis=-1)
        else:
            cols[complete] = filtfilt(b, a, cols[complete], axis=-1)
    for c in np.flatnonzero(~finite):
        col = cols[c]
        for s, e in _runs(np.isfinite(col)):
            if e - s > padlen:
                col[s:e] = filtfilt(b, a, col[s:e])
    return cols


def fill_gaps(x: FloatArray, max_gap: int) -> tuple[FloatArray, int]:
    """Fill interior NaN runs of length <= max_gap along axis 0; returns the array and the count filled."""
    x = np.asarray(x, dtype=float)
    cols = _channels(x)
    filled = _fill_rows(cols, max_gap)
    return _unchannel(cols, x.shape), filled


def lowpass(x: FloatArray, rate: float, cutoff: float, order: int = 2) -> FloatArray:
    """Zero-lag Butterworth low-pass along axis 0 (NaN-aware: filters each valid run separately)."""
    x = np.asarray(x, dtype=float)
    return _unchannel(_lowpass_rows(_channels(x), rate, cutoff, order), x.shape)


def clean(x: FloatArray, rate: float, cutoff: float, max_gap_s: float) -> tuple[FloatArray, dict[str, float]]:
    """Gap-fill then low-pass; returns the data and a small report. The result is a view of a
    (channels, frames) array: each channel is contiguous in memory."""
    x = np.asarray(x, dtype=float)
    cols, report = clean_channels(_channels(x), rate, cutoff, max_gap_s)
    return _unchannel(cols, x.shape), report


def clean_channels(cols: FloatArray, rate: float, cutoff: float, max_gap_s: float,
                   ) -> tuple[FloatArray, dict[str, float]]:
    """:func:`clean` on a (channels, frames) float array, which it may overwrite; returns the cleaned
    (channels, frames) array and the report."""
    max_gap = round(max_gap_s * rate)
    bad = ~np.isfinite(cols)
    missing_before = float(np.mean(bad))
    n_filled = _fill_rows(cols, max_gap, bad)
    eff_cutoff = min(cutoff, 0.99 * 0.5 * rate)
    cols = _lowpass_rows(cols, rate, eff_cutoff)
    return cols, {"cutoff_hz": eff_cutoff, "max_gap_frames": float(max_gap), "samples_filled": float(n_filled),
                  "missing_fraction_before": missing_before,
                  "missing_fraction_after": float(np.mean(~np.isfinite(cols)))}
