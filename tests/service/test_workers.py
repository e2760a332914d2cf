"""`kinchain serve --workers N`: one listening socket per worker (SO_REUSEPORT), restart, clean shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from kinchain.api import workers
from tests.service.server import free_port

pytestmark = pytest.mark.skipif(not workers.reuse_port_supported(), reason="SO_REUSEPORT is Linux-only here")


def _children(pid: int) -> list[int]:
    """The worker processes (multiprocessing also starts a resource tracker, which is not one)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    def is_worker(c: int) -> bool:
        try:
            return b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        except OSError:  # exited meanwhile
            return False

    return [c for c in out if is_worker(c)]


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone
        return False


def _listeners(pid: int) -> int:
    """Listening TCP sockets the process holds (inode match against /proc/net/tcp, state 0A = LISTEN)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed between the listing and the read (a starting worker opens and shuts files)
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[3] == "0A" and r.split()[9] in inodes)


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KINCHAIN_DATA_DIR": str(tmp_path), "KINCHAIN_SECRET_KEY": "workers-test-" + "k" * 40}
    return subprocess.Popen([sys.executable, "-c", "from kinchain.cli import main; main()", "serve", "--port",
                             str(port), "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def _until(cond: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.2)
    return cond()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = _serve(tmp_path, port)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield proc, port
    finally:  # workers left behind stop themselves once the supervisor is gone (tested below)
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_two_workers_each_listen_restart_and_stop(server) -> None:
    proc, port = server
    kids = _children(proc.pid)
    assert len(kids) == 2 and _until(lambda: all(_listeners(k) == 1 for k in kids))
    assert _listeners(proc.pid) == 0  # the supervisor holds the port but is never handed a connection
    # many fresh connections are all served (none lands on a socket nobody accepts from)
    for _ in range(40):
        with httpx.Client() as c:
            assert c.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    os.kill(kids[0], signal.SIGKILL)  # a dead worker is replaced
    assert _until(lambda: len(_children(proc.pid)) == 2 and kids[0] not in _children(proc.pid))
    _wait_healthy(f"http://127.0.0.1:{port}", proc)
    remaining = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(40) == 0
    assert not any(_alive(k) for k in remaining)


def test_workers_stop_when_the_supervisor_is_killed(server) -> None:
    proc, _ = server
    kids = _children(proc.pid)
    assert len(kids) == 2
    proc.kill()  # SIGKILL: the supervisor cannot pass anything on
    proc.wait(10)
    assert _until(lambda: not any(_alive(k) for k in kids)), "orphaned workers kept running"


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = _serve(tmp_path, port)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in out.decode()
