"""HTTP load benchmark for the clinic service (a benchmark, not a test).

Starts the real server (`kinchain serve`, two workers by default) on loopback for each storage backend, signs in, then drives
``POST /api/assessments`` from N concurrent keep-alive clients for a fixed time and prints persisted
assessments per second and p50/p99 latency. "Persisted" is checked afterwards by counting the rows in the
database, so every 201 counted was really stored (and audited).

    .venv/bin/python benchmarks/http_load.py                       # SQLite and PostgreSQL, 64 clients, 10 s
    .venv/bin/python benchmarks/http_load.py --backend sqlite --seconds 5

PostgreSQL comes from KINCHAIN_BENCH_POSTGRES_URL or KINCHAIN_TEST_POSTGRES_URL (default: the local server);
the run uses its own schema and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def cases() -> list[dict[str, Any]]:
    """Sixteen different presentations (ages, sexes, regions, onsets), cycled by the clients."""
    out = []
    for i, (region, onset) in enumerate([(r, o) for r in ("knee", "hip", "thigh", "back")
                                         for o in ("gradual", "acute")] * 2):
        out.append({"patient": {"age": 25 + 6 * i, "sex": "female" if i % 2 else "male"},
                    "complaint": {"region": region, "onset": onset, "duration": f"{2 + i} weeks"},
                    "setting": "primary_care", "findings": {}})
    return out


PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EMAIL, PASSWORD = "bench@example.org", "bench-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, schema: str | None) -> None:
    from kinchain.api.security import hash_password
    from kinchain.store import db, repo

    engine = db.create_db_engine(url, schema=schema)
    db.migrate(engine)
    with db.transaction(db.make_sessionmaker(engine)) as s:
        c = repo.get_or_create_clinic(s, "Bench clinic")
        repo.create_user(s, email=EMAIL, password_hash=hash_password(PASSWORD), role="clinician", clinic_id=c.id)
    engine.dispose()


def count_assessments(url: str, schema: str | None) -> int:
    from kinchain.store import db, repo
    from kinchain.store.models import AssessmentRecord

    engine = db.create_db_engine(url, schema=schema)
    with db.make_sessionmaker(engine)() as s:
        n = repo.count(s, AssessmentRecord)
    engine.dispose()
    return n


def audit_check(url: str, schema: str | None) -> tuple[bool, int]:
    """(the audit chain verifies, number of 'create assessment' events) after the run."""
    from sqlalchemy import func, select

    from kinchain.store import audit, db
    from kinchain.store.models import AuditEvent

    engine = db.create_db_engine(url, schema=schema)
    ok = audit.verify(engine).ok
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.entity == "assessment")).scalar_one()
    engine.dispose()
    return ok, int(n)


class Client:
    """A minimal HTTP/1.1 keep-alive client (so the load generator costs little CPU)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def http(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def drive(port: int, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    c = Client(port)
    await c.connect()
    form = f"username={EMAIL}&password={PASSWORD}".encode()
    status, body = await c.request(http("POST", "/api/auth/token", form,
                                        {"Content-Type": "application/x-www-form-urlencoded"}))
    assert status == 200, body
    token = json.loads(body)["access_token"]
    c.close()
    bodies = [http("POST", "/api/assessments", json.dumps(c).encode(),
                   {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}) for c in cases()]
    latencies: list[float] = []
    counts = {"created": 0, "errors": 0, "warmup_created": 0}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    measure_from, stop_at = t0 + warmup, t0 + warmup + seconds

    async def worker(n: int) -> None:
        cl = Client(port)
        await cl.connect()
        i = n
        try:
            while True:
                start = time.perf_counter()
                if start >= stop_at:
                    return
                i += 1
                status, _ = await cl.request(bodies[i % len(bodies)])
                end = time.perf_counter()
                if start < measure_from:
                    counts["warmup_created"] += status == 201
                    continue
                if status == 201:
                    counts["created"] += 1
                    latencies.append(end - start)
                else:
                    counts["errors"] += 1
        finally:
            cl.close()

    await asyncio.gather(*(worker(n) for n in range(clients)))
    client_cpu = time.process_time() - cpu0  # what the load generator itself cost (it shares the CPUs)
    return {"latencies": latencies, "client_cpu_s": client_cpu, **counts}


def run_load_generator(port: int, clients: int, seconds: float, warmup: float) -> dict[str, Any]:
    """Drive the server from a separate, lightweight process: only the standard library is imported there
    (not kinchain or SQLAlchemy), so the load generator neither competes for this process's GIL nor pauses
    in garbage collection over a large heap while it is timing requests."""
    out = subprocess.run([sys.executable, __file__, "--drive", str(port), "--clients", str(clients),
                          "--seconds", str(seconds), "--warmup", str(warmup)],
                         check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def drive_main(port: int, clients: int, seconds: float, warmup: float) -> None:
    gc.collect()
    gc.freeze()  # the few long-lived objects of the client are never scanned again
    print(json.dumps(asyncio.run(drive(port, clients, seconds, warmup))))


def run_backend(name: str, clients: int, seconds: float, warmup: float, workers: int,
                launcher: str = "kinchain") -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"kinchain-bench-{name}-"))
    env = {**os.environ, "KINCHAIN_DATA_DIR": str(data_dir),
           "KINCHAIN_SECRET_KEY": "bench-secret-" + uuid.uuid4().hex + uuid.uuid4().hex}
    schema = None
    if name == "sqlite":
        from kinchain.store.db import sqlite_url

        url = sqlite_url(data_dir)
    else:
        url = os.environ.get("KINCHAIN_BENCH_POSTGRES_URL") or os.environ.get("KINCHAIN_TEST_POSTGRES_URL") \
            or PG_DEFAULT
        schema = f"kc_bench_{uuid.uuid4().hex[:10]}"
        from sqlalchemy import create_engine, text

        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        env["KINCHAIN_DATABASE_URL"] = url
        env["PGOPTIONS"] = f"-csearch_path={schema}"
    prepare(url, schema)
    port = free_port()
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115
    if launcher == "kinchain":  # how a clinic runs it: `kinchain serve` (a listening socket per worker)
        cmd = [sys.executable, "-c", "from kinchain.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]
    else:  # uvicorn's own multi-process mode (one shared listening socket), for comparison
        cmd = [sys.executable, "-m", "uvicorn", "kinchain.api.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    try:
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{name}: server did not start; see {data_dir / 'server.log'}")
        before = count_assessments(url, schema)
        result = run_load_generator(port, clients, seconds, warmup)
        after = count_assessments(url, schema)
        audit_ok, audited = audit_check(url, schema)
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(data_dir, ignore_errors=True)
    lat = sorted(result["latencies"])
    persisted = after - before - result["warmup_created"]
    total_requests = result["created"] + result["warmup_created"] + result["errors"]
    return {
        "backend": name, "launcher": launcher, "clients": clients, "seconds": seconds, "workers": workers,
        "created_201": result["created"], "persisted": persisted, "errors": result["errors"],
        "assessments_per_s": round(persisted / seconds, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 1) if lat else None,
        "audit_ok": audit_ok and audited == after,  # chain verifies and every stored assessment is audited
        "client_cpu_ms_per_req": round(result["client_cpu_s"] * 1000 / max(total_requests, 1), 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=2, help="worker processes (2 on this 2-core machine)")
    ap.add_argument("--launcher", choices=["kinchain", "uvicorn", "both"], default="kinchain",
                    help="start the server with `kinchain serve` or with uvicorn's --workers (both: compare)")
    ap.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    ap.add_argument("--drive", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the load generator process
    args = ap.parse_args()
    if args.drive:
        drive_main(args.drive, args.clients, args.seconds, args.warmup)
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    launchers = ["kinchain", "uvicorn"] if args.launcher == "both" else [args.launcher]
    rows = [run_backend(b, args.clients, args.seconds, args.warmup, args.workers, lz) for b in backends
            for lz in launchers]
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return
    print(f"{'backend':<10}{'launcher':>10}{'clients':>8}{'workers':>8}{'persisted/s':>13}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'persisted':>11}{'errors':>8}{'audit ok':>10}{'client ms/req':>15}")
    for r in rows:
        print(f"{r['backend']:<10}{r['launcher']:>10}{r['clients']:>8}{r['workers']:>8}{r['assessments_per_s']:>13}"
              f"{r['p50_ms']!s:>9}{r['p99_ms']!s:>9}{r['persisted']:>11}{r['errors']:>8}{r['audit_ok']!s:>10}"
              f"{r['client_cpu_ms_per_req']:>15}")


if __name__ == "__main__":
    main()
