"""(b) Recap, unit, monitoring and home pages on a city-scale dataset, 16 concurrent clients
against a real gunicorn on 127.0.0.1 and PostgreSQL, compared with /healthz on the same server.
Pages are reused until the data changes (tracker.web.cache), across processes through the
shared page store; each distinct page is requested once before the clients start, and cold
renders are measured apart against a bare render of the same template (bench.cold)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench import http

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(app, units: int, periods: int):
    from bench.dataset import build_city
    from tracker.extensions import db
    from tracker.users import create_user
    with app.app_context():
        db.drop_all()
        db.create_all()
        city = build_city(units, periods)
        create_user(email="inspektur@bench.go.id", password="bench-rahasia", role="inspector",
                    unit_names=[])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # A bulk load leaves the planner without statistics until autovacuum's next round
            # (within a minute on a live server): give them now, as a server in use has them;
            # and write its pages out now rather than in a checkpoint during the measurements.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
                conn.exec_driver_sql("CHECKPOINT")
        return city


class Gunicorn:
    def __init__(self, url: str, workdir: Path, workers: int = 4, threads: int = 4):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-secret",
                   EXPORT_DIR=str(workdir / "exports"), UPLOAD_DIR=str(workdir / "uploads"))
        env.pop("REDIS_URL", None)
        self.log = open(workdir / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-k", "gthread",
             "--threads", str(threads), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "wsgi:app"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                r = http.load("127.0.0.1", self.port, ["/healthz"], 1, 1, 5, warmup=0)  # noqa
                if r.statuses.get(200):
                    return
            except Exception:  # noqa: BLE001
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start; see " + str(workdir / "gunicorn.log"))

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def run(url: str, workdir: Path, units: int, periods: int, clients: int = 16, per_client: int = 12,
        max_seconds: float = 45.0, log=print) -> dict:
    from tracker import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    t0 = time.perf_counter()
    city = build(app, units, periods)
    log(f"  dataset: {units} units, {periods} periods, {len(city.action_ids)} actions, "
        f"{len(city.entry_ids)} progress entries ({time.perf_counter() - t0:.1f} s)")
    code = city.period_codes[-1]
    server = Gunicorn(url, workdir)
    try:
        cookie = http.login("127.0.0.1", server.port, "inspektur@bench.go.id", "bench-rahasia")
        unit_paths = [f"/periode/{code}/unit/{uid}" for uid in city.unit_ids[::max(1, units // 50)]]
        targets = {
            "/healthz (baseline)": ["/healthz"],
            f"recap /periode/{code}": [f"/periode/{code}"],
            f"unit /periode/{code}/unit/<id>": unit_paths,
            "inspector /rtl/pemantauan": [f"/rtl/pemantauan?period={code}"],
            "inspector home /": ["/"],
        }
        out = {}
        for name, paths in targets.items():
            # Steady state: every distinct page is requested once before the clients start (the
            # first render of a page goes to the shared store, whichever process does it); cold
            # renders are measured on their own by bench.cold.
            res = http.load("127.0.0.1", server.port, paths, clients, per_client, max_seconds,
                            cookie=cookie, warmup=len(paths))
            out[name] = res
            log(f"  {name}: n={len(res.latencies)} p50={res.pct(.5) * 1000:.1f} ms "
                f"p95={res.pct(.95) * 1000:.1f} ms statuses={res.statuses} errors={res.errors} "
                f"timeouts={res.timeouts} (censored at {max_seconds:.0f} s)")
        from bench import cold
        log("  cold pages (nothing rendered reused) against a bare render of the same template, in-process:")
        out["cold"] = cold.run(url, {"recap": targets[f"recap /periode/{code}"],
                                     "recap, figures computed": targets[f"recap /periode/{code}"],
                                     "unit": unit_paths,
                                     "unit, figures computed": unit_paths,
                                     "monitoring": targets["inspector /rtl/pemantauan"],
                                     "home": targets["inspector home /"],
                                     "home, tasks computed": targets["inspector home /"]},
                               "inspektur@bench.go.id", "bench-rahasia", log=log,
                               configs={"recap, figures computed": {"RECAP_KEPT": False},
                                        "unit, figures computed": {"UNIT_PAGE_KEPT": False},
                                        "home, tasks computed": {"HOME_KEPT": False}})
        return out
    finally:
        server.stop()
        with app.app_context():
            from tracker.extensions import db
            db.engine.dispose()
