"""Batch analysis on Dask: one task per file, a local cluster by default (or an existing scheduler),
a progress bar, and one parquet row per stance phase or repetition (errors are rows too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kinchain.errors import MovementDataError

SUFFIXES = {".c3d", ".trc", ".mot", ".csv", ".json"}


def find_files(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise MovementDataError(f"{directory}: not a folder. Fix: pass a folder of motion files")
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                  and "static" not in p.stem.lower())


def rows_for_file(path: str, task: str | None = None, kb: Any = None) -> list[dict[str, Any]]:
    """Analyse one file (runs on a worker); never raises, errors become a row."""
    from kinchain.errors import KinchainError
    from kinchain.movement.pipeline import analyze

    try:
        res = analyze(path, task, kb=kb)
    except KinchainError as exc:
        return [{"file": path, "error": str(exc)}]
    base = {"file": path, "task": res.task, "kind": res.kind, "rate_hz": res.rate, "error": None}
    rows = [{**base, **{k: v for k, v in u.items()}} for u in res.units]
    if not rows:
        rows = [{**base, "kind": res.kind}]
    for r in rows:
        for fid, v in res.findings.items():
            r[f"finding_{fid}"] = v
    return rows


def run_batch(directory: str | Path, out: str | Path, scheduler: str | None = None, task: str | None = None,
              n_workers: int = 2, progress: bool = True, kb: Any = None) -> Any:
    """Analyse every motion file under ``directory`` and write ``out`` (parquet); returns the DataFrame."""
    import pandas as pd
    from dask.distributed import Client, LocalCluster, as_completed

    files = find_files(directory)
    if not files:
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
        futures = [client.submit(rows_for_file, str(f), task, kb_ref, pure=False) for f in files]
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
