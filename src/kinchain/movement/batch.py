"""Batch analysis on Dask: one task per trial, a local cluster by default (or an existing scheduler),
a progress bar, and one parquet row per stance phase or repetition (errors are rows too). A trial's
force file and static calibration trial are found beside it by name (``find_jobs``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinchain.errors import MovementDataError
from kinchain.movement.readers import FORCE_COLUMN

SUFFIXES = {".c3d", ".trc", ".mot", ".csv", ".json"}
MARKER_SUFFIXES = {".c3d", ".trc"}
# words that name a file's role rather than its trial ("run_markers.trc", "run_grf.mot", "run_static.trc")
_ROLE_WORDS = {"markers", "marker", "mocap", "grf", "grfs", "forces", "force", "static", "ik"}


@dataclass(frozen=True)
class Job:
    """One motion file and the files of the same trial found beside it."""

    motion: Path
    grf: Path | None = None
    static: Path | None = None


def trial_key(path: Path) -> str:
    """The trial a file belongs to: its name without the words that name its role."""
    words = [w for w in re.split(r"[_\-.\s]+", path.stem.lower()) if w]
    return "_".join(w for w in words if w not in _ROLE_WORDS)


def _is_force_mot(path: Path) -> bool:
    """An OpenSim .mot/.sto whose column header (the line after 'endheader') names force columns; only
    the header is read (``readers.is_force_mot`` asks the same of a loaded trial)."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip().lower() == "endheader":
                header = next((ln for ln in fh if ln.strip()), "")  # the column names (blank lines skipped)
                return bool(FORCE_COLUMN.search(header))
    return False


def find_jobs(directory: str | Path, pair: bool = True) -> list[Job]:
    """Every motion file under ``directory``. With ``pair``, each marker or OpenSim coordinate file gets
    the force file of its trial in the same folder (Cortex .forces, or a force .mot/.sto; matched by
    ``trial_key``), and each marker file its static calibration trial (the one with its key, else a
    session-wide one named only "static"). Force files and static trials are never analysed as trials of their own."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MovementDataError(f"{directory}: not a folder. Fix: pass a folder of motion files")
    files = sorted(p for p in directory.rglob("*") if p.is_file()
                   and p.suffix.lower() in SUFFIXES | {".forces", ".sto"})
    forces = [p for p in files if p.suffix.lower() == ".forces"
              or (p.suffix.lower() in (".mot", ".sto") and _is_force_mot(p))]
    statics = [p for p in files if "static" in p.stem.lower() and p.suffix.lower() in MARKER_SUFFIXES]
    taken = set(forces) | set(statics)
    jobs = []
    for p in files:
        if p in taken or p.suffix.lower() not in SUFFIXES or "static" in p.stem.lower():
            continue
        grf = static = None
        if pair and p.suffix.lower() in MARKER_SUFFIXES | {".mot"}:
            grf = _match(p, forces)
            if p.suffix.lower() in MARKER_SUFFIXES:
                static = _match(p, statics) or _match(p, statics, key="")
        jobs.append(Job(p, grf, static))
    return jobs


def _match(motion: Path, pool: list[Path], key: str | None = None) -> Path | None:
    """The one file of ``pool`` in the motion file's folder whose trial key is ``key`` (default: the
    motion file's own); None when there is none or more than one."""
    key = trial_key(motion) if key is None else key
    same = [q for q in pool if q.parent == motion.parent and trial_key(q) == key]
    return same[0] if len(same) == 1 else None


def rows_for_file(path: str, task: str | None = None, kb: Any = None, grf: str | None = None,
                  static: str | None = None) -> list[dict[str, Any]]:
    """Analyse one file (runs on a worker); never raises, errors become a row."""
    from kinchain.errors import KinchainError
    from kinchain.movement.pipeline import analyze

    paired = {"grf_file": grf, "static_file": static}
    try:
        res = analyze(path, task, kb=kb, grf=grf, static=static)
    except KinchainError as exc:
        return [{"file": path, **paired, "error": str(exc)}]
    base = {"file": path, **paired, "task": res.task, "kind": res.kind, "rate_hz": res.rate, "error": None}
    rows = [{**base, **{k: v for k, v in u.items()}} for u in res.units]
    if not rows:
        rows = [{**base, "kind": res.kind}]
    for r in rows:
        for fid, v in res.findings.items():
            r[f"finding_{fid}"] = v
    return rows


def run_batch(directory: str | Path, out: str | Path, scheduler: str | None = None, task: str | None = None,
              n_workers: int = 2, progress: bool = True, kb: Any = None, pair: bool = True) -> Any:
    """Analyse every motion file under ``directory`` and write ``out`` (parquet); returns the DataFrame."""
    import pandas as pd
    from dask.distributed import Client, LocalCluster, as_completed

    jobs = find_jobs(directory, pair)
    if not jobs:
        raise MovementDataError(f"{directory}: no motion files ({', '.join(sorted(SUFFIXES))}) found")
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    rows: list[dict[str, Any]] = []
    try:
        kb_ref = client.scatter(kb, broadcast=True) if kb is not None else None
        futures = [client.submit(rows_for_file, str(j.motion), task, kb_ref,
                                 str(j.grf) if j.grf else None, str(j.static) if j.static else None, pure=False)
                   for j in jobs]
        from rich.progress import Progress

        with Progress(disable=not progress, transient=False) as bar:
            job = bar.add_task("movement batch", total=len(futures))
            for fut in as_completed(futures):
                rows.extend(fut.result())
                bar.advance(job)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    df = pd.DataFrame(rows)
    if "error" not in df:
        df["error"] = None
    df = df.sort_values(["file"] + (["start"] if "start" in df else [])).reset_index(drop=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out, index=False)
    return df
