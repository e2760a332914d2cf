"""Several uvicorn worker processes, each listening on its own socket bound with SO_REUSEPORT.

Why not uvicorn's own ``--workers``: there all workers share one listening socket, and the worker whose
event loop wakes first accepts a whole burst of new connections at once (asyncio accepts up to the backlog
per wake-up). Keep-alive clients then stay piled on that worker (seen: 41 of 64 connections on one of two
workers) and its queue sets the tail latency. With one socket per worker the kernel spreads new
connections across the workers by a hash of the address pair.

The supervisor keeps the port bound (without listening, so it is never handed a connection), restarts a
worker that dies, and passes SIGINT / SIGTERM on to the workers for a graceful shutdown.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess
from types import FrameType

APP = "kinchain.api.app:create_app"
BACKLOG = 2048
RESTART_PAUSE_S = 1.0  # between restarts of a worker that keeps dying, so a broken start cannot spin


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT; raises OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _stop_with_parent(parent: int) -> None:
    """A supervisor killed with SIGKILL cannot stop its workers, which would keep serving the port:
    each worker watches its parent and shuts itself down gracefully when the parent is gone."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker(host: str, port: int, log_level: str, parent: int) -> None:
    import uvicorn

    _stop_with_parent(parent)
    sock = bind(host, port)
    sock.listen(BACKLOG)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Serve with ``workers`` processes until SIGINT / SIGTERM; returns after they have all stopped."""
    holder = bind(host, port)  # fails here, before any worker starts, when the port is taken
    port = holder.getsockname()[1]  # port 0: the one the kernel picked, shared by every worker
    ctx = mp.get_context("spawn")  # a clean interpreter per worker: no state copied from this process
    stopping = False

    def start() -> BaseProcess:
        proc = ctx.Process(target=_worker, args=(host, port, log_level, os.getpid()), daemon=False)
        proc.start()
        return proc

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    procs = [start() for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                if not stopping and proc.exitcode is not None:
                    print(f"kinchain: worker {proc.pid} exited with {proc.exitcode}; restarting it", file=sys.stderr)
                    time.sleep(RESTART_PAUSE_S)
                    procs[i] = start()
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        for s, handler in previous.items():
            signal.signal(s, handler)
        holder.close()
