"""Benchmark of the movement pipeline (not a test).

Builds a long walking trial (10 minutes at 200 Hz = 120,000 frames) from the real Qualisys C3D
(shared/data/motion/ezc3d/Qualisys_gait_2fp.c3d, pyomeca/ezc3d, MIT): one gait cycle is found in the
trial and repeated, shifted forward by one stride per copy, and written as an OpenSim TRC with the 19
markers the model uses (a C3D cannot hold more than 65,535 frames in its standard fields). Then it times,
in the same run:

- our whole pipeline (read TRC -> gap fill + Butterworth -> frames + joint angles -> gait events ->
  per-stance measures -> norms -> findings), frames per second; the TRC body is parsed by pyarrow's
  CSV reader, which uses every core, so the whole pipeline is timed a second time with pyarrow held to
  one thread (kineticstoolkit's angle step runs on one);
- our joint-angle step alone (pelvis/femur/tibia frames, Harrington HJC, Cardan ZXY);
- kineticstoolkit doing the same angle computation on the same filtered landmarks
  (create_frames / get_local_coordinates / get_angles);

and prints the speed ratio and the largest angle difference between the two.

    python benchmarks/movement.py [--minutes 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = (ROOT / ".." / "shared" / "data" / "motion" / "ezc3d" / "Qualisys_gait_2fp.c3d").resolve()
sys.path.insert(0, str(ROOT))


def build_long_trial(minutes: float, out: Path) -> tuple[int, int]:
    """Repeat one gait cycle of the real trial to ``minutes`` of data; returns (frames, cycle length)."""
    from kinchain.movement.readers import read_c3d

    t = read_c3d(SOURCE)
    pts = t.points
    pelvis = np.nanmean(pts[:, [t.labels.index(n) for n in ("L_IAS", "R_IAS", "L_IPS", "R_IPS")]], axis=1)
    rel = pts - pelvis[:, None, :]
    best, best_err = 0, np.inf
    a = 40
    for period in range(150, min(260, t.n_frames - a)):
        err = np.nanmean(np.linalg.norm(rel[a] - rel[a + period], axis=1))
        if err < best_err:
            best, best_err = period, err
    cycle = pts[a:a + best]
    stride = pelvis[a + best] - pelvis[a]
    n_total = int(minutes * 60 * t.rate)
    copies = int(np.ceil(n_total / best))
    tiled = np.concatenate([cycle + k * stride for k in range(copies)], axis=0)[:n_total]
    from kinchain.movement.markersets import ALIASES

    keep = [i for i, lab in enumerate(t.labels) if any(lab in a for a in ALIASES.values())]
    labels = [t.labels[i] for i in keep]
    body = np.column_stack((np.arange(1, n_total + 1), np.arange(n_total) / t.rate,
                            tiled[:, keep, :].reshape(n_total, -1)))
    header = (f"PathFileType\t4\t(X/Y/Z)\t{out.name}\n"
              "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"
              f"{t.rate:g}\t{t.rate:g}\t{n_total}\t{len(labels)}\tmm\t{t.rate:g}\t1\t{n_total}\n"
              "Frame#\tTime\t" + "\t\t\t".join(labels) + "\n"
              "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(labels) + 1)) + "\n")
    with out.open("w") as fh:
        fh.write(header + "\n")
        np.savetxt(fh, body, fmt=["%d", "%.5f"] + ["%.4f"] * (body.shape[1] - 2), delimiter="\t")
    return n_total, best


def best_of(repeats: int, fn: Any) -> tuple[float, Any]:
    """Shortest wall time of ``repeats`` runs (the machine is shared) and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def ktk_angles(lm: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from tests.movement.independent import ktk_angles as f

    return f(lm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    ap.add_argument("--repeats", type=int, default=3, help="runs per timing; the shortest is kept")
    args = ap.parse_args()

    from tests.movement.kbutil import load_kb_lenient

    from kinchain.movement.filtering import clean
    from kinchain.movement.kinematics import compute
    from kinchain.movement.markersets import landmarks
    from kinchain.movement.pipeline import analyze
    from kinchain.movement.readers import read_trc

    kb = load_kb_lenient()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long_walk.trc"
        t0 = time.perf_counter()
        n, cycle = build_long_trial(args.minutes, path)
        build_s = time.perf_counter() - t0

        pipeline_s, res = best_of(args.repeats, lambda: analyze(path, "gait", kb=kb))
        import pyarrow as pa

        threads = pa.cpu_count()
        pa.set_cpu_count(1)
        try:
            one_thread_s, _ = best_of(args.repeats, lambda: analyze(path, "gait", kb=kb))
        finally:
            pa.set_cpu_count(threads)

        t0 = time.perf_counter()
        trial = read_trc(path)
        read_s = time.perf_counter() - t0
        in_memory_s, _ = best_of(args.repeats, lambda: analyze(path, "gait", kb=kb, trial=trial))
        lm, _ = landmarks(trial)
        names = list(lm)
        filt, _ = clean(np.stack([lm[k] for k in names], axis=1), trial.rate, 6.0, 0.1)
        lmf = {k: filt[:, i] for i, k in enumerate(names)}
        ours_s, ours = best_of(args.repeats, lambda: compute(lmf, trial.rate).series)
        ktk_s, ref = best_of(args.repeats, lambda: ktk_angles(lmf))

    diffs = {}
    for key, val in ref.items():
        ok = np.isfinite(val) & np.isfinite(ours[key])
        diffs[key] = float(np.max(np.abs(((ours[key][ok] - val[ok]) + 180) % 360 - 180)))
    max_diff = max(diffs.values())
    stances = sum(1 for u in res.units if u["kind"] == "stance")
    summary = {
        "frames": n, "rate_hz": trial.rate, "minutes": args.minutes, "gait_cycle_frames": cycle,
        "build_s": round(build_s, 2), "pipeline_s": round(pipeline_s, 3),
        "pipeline_frames_per_s": round(n / pipeline_s), "angles_s": round(ours_s, 3),
        "angles_frames_per_s": round(n / ours_s), "ktk_angles_s": round(ktk_s, 3),
        "ktk_angles_frames_per_s": round(n / ktk_s), "ratio_angles_vs_ktk": round(ktk_s / ours_s, 2),
        "ratio_pipeline_vs_ktk_angles": round(ktk_s / pipeline_s, 2), "trc_read_s": round(read_s, 3),
        "pipeline_one_thread_s": round(one_thread_s, 3),
        "ratio_pipeline_one_thread_vs_ktk_angles": round(ktk_s / one_thread_s, 2),
        "pipeline_in_memory_s": round(in_memory_s, 3),
        "ratio_pipeline_in_memory_vs_ktk_angles": round(ktk_s / in_memory_s, 2), "max_angle_diff_deg": max_diff,
        "stances_found": stances, "repeats": args.repeats, "frames_analysed": int(trial.n_frames),
    }
    print(f"long trial: {n} frames ({args.minutes:g} min at {trial.rate:g} Hz, cycle {cycle} frames), "
          f"built in {build_s:.1f} s")
    print(f"whole pipeline (read, filter, angles, events, measures, findings): {pipeline_s:.2f} s = "
          f"{n / pipeline_s:,.0f} frames/s, {stances} stance phases")
    print(f"  the same with pyarrow held to one thread: {one_thread_s:.2f} s = {n / one_thread_s:,.0f} frames/s")
    print(f"  of which reading the TRC: {read_s:.2f} s; pipeline on the trial in memory: "
          f"{in_memory_s:.2f} s = {n / in_memory_s:,.0f} frames/s")
    print(f"joint angles, ours: {ours_s:.3f} s = {n / ours_s:,.0f} frames/s")
    print(f"joint angles, kineticstoolkit: {ktk_s:.3f} s = {n / ktk_s:,.0f} frames/s")
    print(f"speed ratio (angles): {ktk_s / ours_s:.1f}x; whole pipeline (with TRC read) vs kineticstoolkit "
          f"angles only: {ktk_s / pipeline_s:.2f}x (pyarrow on one thread: {ktk_s / one_thread_s:.2f}x); "
          f"in-memory pipeline vs kineticstoolkit angles: {ktk_s / in_memory_s:.2f}x")
    print(f"max angle difference: {max_diff:.2e} deg")
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
