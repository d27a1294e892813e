"""Throwaway Redis and PostgreSQL instances for fault tests (stopped, killed and restarted at
will without touching the shared services other tests use), plus small process helpers.

Ports are per pytest-xdist worker (PYTEST_XDIST_WORKER), so ``pytest -n 2`` runs do not collide.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zlib
from pathlib import Path


def worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if name.startswith("gw") and name[2:].isdigit():
        return int(name[2:])
    return 20 + zlib.crc32(name.encode()) % 20


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(base: int) -> int:
    port = base + worker_index() * 3
    for candidate in range(port, port + 3):
        if port_free(candidate):
            return candidate
    raise RuntimeError(f"no free port near {port}")


def wait_port(port: int, up: bool, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            is_up = s.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} not {'up' if up else 'down'} after {timeout} s")


class RedisInstance:
    """``redis-server`` on its own port, in the foreground of a child process we own."""

    def __init__(self, base_port: int = 6390):
        self.port = pick_port(base_port)
        self.dir = Path(tempfile.mkdtemp(prefix="skm-fault-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisInstance":
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--daemonize", "no", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port, up=True)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        wait_port(self.port, up=False)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(name)
    return found[-1]


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class PgInstance:
    """A temporary PostgreSQL cluster (initdb, trust auth) on its own port."""

    def __init__(self, base_port: int = 5440):
        self.port = pick_port(base_port)
        self.dir = Path(tempfile.mkdtemp(prefix="skm-fault-pg-"))
        self.data = self.dir / "data"
        self.sock = self.dir / "sock"
        self.sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.sock, "postgres", "postgres")
        _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "--no-sync", "-E", "UTF8"], timeout=120)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def _ctl(self, *args: str) -> None:
        _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"),
                      "-o", f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 "
                            f"-c fsync=off -c full_page_writes=off",
                      *args], timeout=120)

    def start(self) -> "PgInstance":
        self._ctl("-w", "start")
        wait_port(self.port, up=True)
        return self

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "stop")
        wait_port(self.port, up=False)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "restart")
        wait_port(self.port, up=True)

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
            conn.execute(text(f'create database "{name}"'))
        engine.dispose()
        return self.url(name)

    def close(self) -> None:
        try:
            self._ctl("-w", "-m", "immediate", "stop")
        except Exception:  # noqa: BLE001 - already stopped
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------- processes

def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill(pids, sig=signal.SIGKILL) -> None:
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a child we started (and its descendants), by pid."""
    if proc.poll() is None:
        kids = descendants(proc.pid)
        kill([proc.pid], signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill([proc.pid] + kids)
            proc.wait(10)
        kill(kids)
