"""SKM daring under load: ``--rate`` questionnaire submissions a second for ``--seconds`` seconds
against a real gunicorn (gthread) on 127.0.0.1 and PostgreSQL, then every accepted submission
looked up in the database.

    .venv/bin/python -m bench.survey_load [--seconds 60] [--rate 200] [--workers 3] [--threads 2]
        [--forms pipeline|ahead] [--think 5] [--clients 48] [--quiet-below 0.5 --quiet-wait 600]

(run it with ``-m``: ``bench/http.py`` would shadow the standard library's ``http`` if this file
ran as a script).

A fresh database (``skm_bench_survey``, dropped afterwards) gets one unit and an open collection
for 2026-S2 through ``survey.service.open_collection``; gunicorn serves it as ``bench.pages``
starts it. Each simulated respondent is a device of its own, as on the street: it GETs
``/s/<token>`` (the form, its signed ``form_token`` and a fresh ``skm_perangkat`` device
cookie), "fills the form" for ``--think`` seconds, then POSTs its own random answers (1-4 per
element, a random profile, sometimes a suggestion and reasons for low answers) with that cookie.
The load is open loop, scheduled by timestamp whatever the server is doing. ``--forms pipeline``
(default, steady use): respondent ``i`` GETs at ``t0 + i/rate`` and POSTs ``think`` seconds
later, so the window takes ``rate`` GETs and ``rate`` POSTs a second. ``--forms ahead``: every
form is fetched first, then the window takes the POSTs alone. A pool of client threads with one
keep-alive ``http.client`` connection each sends what falls due; latency is counted from the
scheduled time (what a respondent waits, queueing in the generator included: no coordinated
omission) and from the moment the request was sent.

The server runs with the real checks: the least time between form and answer
(``SURVEY_MIN_SECONDS``, below ``--think``) and the per-device limit stay as configured; only
the per-address limit is raised (every respondent comes from 127.0.0.1), and the summary says so.

After the run, "none lost" is checked three ways: the rows in ``survey_answer`` for the
collection against the accepted responses (200 and "sudah kami terima"), the stored form nonces
against the nonces of the accepted forms (read from their tokens), and each stored answer string
against the answers sent; the live count the staff page shows (``service.live``) must agree.

Where the time goes: the CPU of gunicorn, of PostgreSQL (the bench database's backends and its
WAL writer and checkpointer), of the generator and of every other process on this shared
machine over the window (from /proc); gunicorn's CPU per ``/healthz``; the SQL statements,
commits and pool checkouts of one GET and one POST and their CPU by step, in-process. The
machine is shared: ``--quiet-below`` waits for other work to calm down before the drive.

The result is printed and written to ``bench/results/survey_load.md`` (one section per rate,
length and form mode; a run replaces its own). The exit status is 0 when the requirement was
met (see ``verdict``).
"""
from __future__ import annotations

import argparse
import http.client
import os
import platform
import queue
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULT = Path(__file__).resolve().parent / "results" / "survey_load.md"
SECRET = "bench-secret"
PERIOD = "2026-S2"
ADDRESS_LIMIT = "1000000/3600"  # every simulated respondent comes from 127.0.0.1
ACCEPTED = "sudah kami terima".encode()
DUPLICATE = "sudah tercatat".encode()
_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


# --------------------------------------------------------------------------------------------
# The database: one unit, one period, one open collection (and a second one for counting SQL)


@dataclass
class Setup:
    url: str
    token: str
    keys: list[str]
    collection_id: int
    count_token: str  # a second collection, for statements_per_request (its rows stay apart)


def prepare(url: str) -> Setup:
    """A fresh schema with a unit, the period and an open collection, made by the app's own
    service (``open_collection``, as the staff page does)."""
    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import Unit
    from tracker.models.survey import name_key
    from tracker.survey import service as S
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "REDIS_URL": None})
    with app.app_context():
        db.drop_all()
        db.create_all()
        colls = []
        for name in ("Dinas Kependudukan dan Pencatatan Sipil", "Dinas Hitung Kueri"):
            unit = Unit(name=name, name_key=name_key(name))
            db.session.add(unit)
            db.session.commit()
            colls.append(S.open_collection(unit, PERIOD, "100000", "", None))
        setup = Setup(url, colls[0].token, list(colls[0].element_keys), colls[0].id, colls[1].token)
        db.session.remove()
        db.engine.dispose()
    return setup


# --------------------------------------------------------------------------------------------
# What one respondent sends


def _answers(rng: random.Random, keys: list[str]) -> tuple[str, str]:
    """A respondent's form fields (without the form token), urlencoded, and the answer digits
    in ``keys`` order as the app stores them."""
    from tracker.domain import questionnaire as Q
    digits = [rng.choice("1234") for _ in keys]
    fields = [(f"u_{k}", d) for k, d in zip(keys, digits)]
    for name, _label, choices in Q.PROFILE_FIELDS:
        if rng.random() < 0.9:
            fields.append((name, rng.choice(choices)))
    for k, d in zip(keys, digits):
        if d in "12" and rng.random() < 0.5:
            fields.append((f"alasan_{k}", f"Alasan responden untuk {k}: antrean panjang dan informasi kurang."))
    if rng.random() < 0.2:
        fields.append(("saran", "Mohon loket ditambah pada jam sibuk dan papan informasi diperbarui."))
    return urlencode(fields), "".join(digits)


# --------------------------------------------------------------------------------------------
# The load generator


@dataclass
class Respondent:
    body: str            # urlencoded answers, without the form token
    digits: str          # the answers as stored
    form_token: str | None = None
    cookie: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)


@dataclass
class Sample:
    scheduled: float
    sent: float = 0.0
    done: float = 0.0
    status: int = 0      # 0: no HTTP answer (connection error or timeout)
    outcome: str = ""    # accepted | duplicate | other | error | timeout | no-form


class _Conn:
    """One keep-alive connection, reopened after an error."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout, self.c = host, port, timeout, None

    def send(self, method: str, path: str, body: str | None, headers: dict) -> tuple[int, list, bytes]:
        if self.c is None:
            self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.c.request(method, path, body=body, headers=headers)
            resp = self.c.getresponse()
            data = resp.read()
        except BaseException:
            self.c.close()
            self.c = None
            raise
        if resp.will_close:
            self.c.close()
            self.c = None
        return resp.status, resp.getheaders(), data

    def close(self):
        if self.c is not None:
            self.c.close()


@dataclass
class Drive:
    rate: float
    seconds: float
    think: float
    forms: str
    start: float                   # the window: the first POST's time, from t0
    t0: float                      # perf_counter of the first GET
    gets: list[Sample]
    posts: list[Sample]
    respondents: list[Respondent]
    generator_cpu: float           # CPU seconds of this process during the drive
    wall: float


def drive(host: str, port: int, token: str, keys: list[str], rate: float, seconds: float, think: float,
          forms: str = "pipeline", clients: int = 48, timeout: float = 30.0, seed: int = 2026,
          min_gap: float = 0.0) -> Drive:
    """Open-loop load of ``rate * seconds`` respondents; ``clients`` threads with a keep-alive
    connection each send what falls due. ``forms="pipeline"``: respondent i GETs the form at
    ``t0 + i/rate`` and POSTs its answers ``think`` seconds later, so the window sees ``rate``
    GETs and ``rate`` POSTs a second, as in steady use. ``forms="ahead"``: every form is fetched
    first (at ``rate`` a second), then the answers are POSTed at ``rate`` a second starting
    ``think`` seconds after the last form, so the window sees the submissions alone. Returns
    every request's schedule, timing and outcome. An answer is never sent sooner than ``min_gap``
    seconds after its form arrived (a person reads the form first; only matters when the server
    is so late with forms that the schedule would send both at once)."""
    assert host in ("127.0.0.1", "localhost", "::1"), "loopback only"
    assert forms in ("pipeline", "ahead"), forms
    n = int(round(rate * seconds))
    rng = random.Random(seed)
    people = [Respondent(*_answers(rng, keys)) for _ in range(n)]
    gets = [Sample(i / rate) for i in range(n)]
    start = think + (n / rate if forms == "ahead" else 0.0)
    posts = [Sample(start + i / rate) for i in range(n)]
    events = sorted([(s.scheduled, 0, i) for i, s in enumerate(gets)] +
                    [(s.scheduled, 1, i) for i, s in enumerate(posts)])
    path = f"/s/{token}"
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def client():
        conn = _Conn(host, port, timeout)
        clock = time.perf_counter
        while True:
            job = jobs.get()
            if job is None:
                break
            kind, i = job
            if kind == 0:  # the form
                s, who = gets[i], people[i]
                for attempt in (1, 2):  # a GET is safe to send again after a connection error
                    s.sent = clock() - t0
                    try:
                        status, headers, body = conn.send("GET", path, None, {})
                    except TimeoutError:
                        s.outcome = "timeout"
                        break
                    except (OSError, http.client.HTTPException):
                        s.outcome = "error"
                        continue
                    s.done, s.status = clock() - t0, status
                    m = _TOKEN.search(body)
                    for name, value in headers:
                        if name.lower() == "set-cookie" and value.startswith("skm_perangkat="):
                            who.cookie = value.split(";", 1)[0]
                    if status == 200 and m and who.cookie:
                        who.form_token = m.group(1).decode()
                        s.outcome = "accepted"
                    else:
                        s.outcome = "other"
                    break
                who.ready.set()
            else:  # the answers
                s, who = posts[i], people[i]
                if not who.ready.wait(timeout) or who.form_token is None:
                    s.outcome = "no-form"
                    continue
                body = f"form_token={quote(who.form_token)}&{who.body}"
                wait = gets[i].done + min_gap - (clock() - t0)
                if wait > 0:
                    time.sleep(wait)
                s.sent = clock() - t0
                try:  # never sent twice: a lost answer must show as lost
                    status, _headers, data = conn.send("POST", path, body, {**form_headers, "Cookie": who.cookie})
                except TimeoutError:
                    s.outcome = "timeout"
                    continue
                except (OSError, http.client.HTTPException):
                    s.outcome = "error"
                    continue
                s.done, s.status = clock() - t0, status
                s.outcome = ("accepted" if status == 200 and ACCEPTED in data else
                             "duplicate" if status == 200 and DUPLICATE in data else "other")
        conn.close()

    threads = [threading.Thread(target=client, daemon=True, name=f"respondent-{k}") for k in range(clients)]
    for t in threads:
        t.start()
    cpu0 = time.process_time()
    t0 = time.perf_counter() + 0.2
    for at, kind, i in events:
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((kind, i))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()  # every request has its socket timeout: the backlog drains
    wall = time.perf_counter() - t0
    return Drive(rate, seconds, think, forms, start, t0, gets, posts, people, time.process_time() - cpu0, wall)


# --------------------------------------------------------------------------------------------
# Where the CPU went: this machine's processes, from /proc


def _processes() -> dict[int, tuple[int, int, str]]:
    """Every process: pid -> (ppid, CPU ticks so far, name)."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    raw = fh.read()
                comm = raw[raw.index("(") + 1:raw.rindex(")")]
                parts = raw.rsplit(")", 1)[1].split()
                out[int(entry)] = (int(parts[1]), int(parts[11]) + int(parts[12]), comm)
            except (OSError, ValueError, IndexError):
                continue
    return out


_PG_AUX = ("checkpointer", "background writer", "walwriter", "autovacuum", "logical replication",
           "stats collector", "logger")


def _pg_title(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_snapshot(gunicorn_pid: int, database: str, titles: dict | None = None) -> dict:
    """CPU ticks per process, grouped: gunicorn (master and workers), PostgreSQL (the bench
    database's backends and the server's own processes: WAL writer, checkpointer...), this load
    generator, and every other process on the machine (by name); and the machine's busy and
    total ticks. ``titles`` caches PostgreSQL process titles between snapshots."""
    titles = {} if titles is None else titles
    groups: dict[str, dict] = {"gunicorn": {}, "postgres": {}, "generator": {}, "other": {}}
    me = os.getpid()
    for pid, (ppid, ticks, comm) in _processes().items():
        if pid == gunicorn_pid or ppid == gunicorn_pid:
            groups["gunicorn"][pid] = ticks
        elif pid == me:
            groups["generator"][pid] = ticks
        elif comm.startswith("postgres"):
            title = titles.get(pid) or _pg_title(pid)
            ours = f" {database} " in title or any(f": {aux}" in title for aux in _PG_AUX)
            if ours:  # a backend just forked still shows the server's command line: ask again next time
                titles[pid] = title
            groups["postgres" if ours else "other"][pid] = ticks
            if not ours:
                groups.setdefault("names", {})[pid] = "postgres (other databases)"
        else:
            groups["other"][pid] = ticks
            groups.setdefault("names", {})[pid] = comm
    with open("/proc/stat") as fh:
        cpu = [int(x) for x in fh.readline().split()[1:]]
    return groups | {"busy": sum(cpu) - cpu[3] - cpu[4], "total": sum(cpu), "stat": cpu,
                     "workers": len(groups["gunicorn"]) - 1}


def background_cores(seconds: float = 2.0) -> float:
    """Cores busy on the machine before the bench starts (other work sharing it)."""
    def busy():
        with open("/proc/stat") as fh:
            cpu = [int(x) for x in fh.readline().split()[1:]]
        return sum(cpu) - cpu[3] - cpu[4], sum(cpu)
    b0, t0 = busy()
    time.sleep(seconds)
    b1, t1 = busy()
    return (b1 - b0) / max(1, t1 - t0) * (os.cpu_count() or 1)


def wait_quiet(below: float, patience: float, log=print) -> float:
    """Wait (up to ``patience`` seconds) until other work on this shared machine keeps fewer
    than ``below`` cores busy over 5 s; returns the last reading."""
    deadline = time.monotonic() + patience
    while True:
        busy = background_cores(5.0)
        if busy < below or time.monotonic() >= deadline:
            return busy
        log(f"  waiting for a quieter machine: other work keeps {busy:.2f} cores busy")


def db_stats(url: str) -> dict:
    """The server's own counters for the bench database: transactions and rows written."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched, "
                                "sessions from pg_stat_database where datname = current_database()")).one()
    engine.dispose()
    return dict(row._mapping)


def cpu_used(before: dict, after: dict, seconds: float) -> dict:
    """Cores used on average between two snapshots (1.0 = one core busy all the time). A
    process that started in between counts from zero; one that ended in between is missed."""
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1

    def grown(group):
        return {p: (t - before[group].get(p, 0)) / hz / seconds for p, t in after[group].items()}

    others: dict[str, float] = {}
    for pid, cores in grown("other").items():
        name = after.get("names", {}).get(pid, "?")
        others[name] = others.get(name, 0.0) + cores
    top = sorted(((c, n) for n, c in others.items() if c >= 0.01), reverse=True)[:4]
    machine = (after["busy"] - before["busy"]) / max(1, after["total"] - before["total"]) * ncpu
    named = sum(sum(grown(g).values()) for g in ("gunicorn", "postgres", "generator", "other"))
    return {"unattributed": machine - named,"gunicorn": sum(grown("gunicorn").values()), "postgres": sum(grown("postgres").values()),
            "generator": sum(grown("generator").values()), "other": sum(others.values()),
            "other_top": [(n, c) for c, n in top],
            "per_process": sorted(grown("gunicorn").values(), reverse=True),
            "machine": (after["busy"] - before["busy"]) / max(1, after["total"] - before["total"]) * ncpu,
            # /proc/stat: user+nice, system, irq+softirq (no process's), steal (the host's)
            "kinds": {k: sum(after["stat"][i] - before["stat"][i] for i in idx) / hz / seconds
                      for k, idx in (("user", (0, 1)), ("system", (2,)), ("irq", (5, 6)), ("steal", (7,)))}}


class Sampler(threading.Thread):
    """CPU snapshots every ``every`` seconds while the load runs, to tell the window's CPU
    (gunicorn, PostgreSQL, this load generator, the machine) from the rest of the drive."""

    def __init__(self, gunicorn_pid: int, database: str, every: float = 0.5):
        super().__init__(daemon=True, name="cpu-sampler")
        self.pid, self.database, self.every, self.samples, self.titles = gunicorn_pid, database, every, [], {}
        self.halt = threading.Event()

    def snap(self):
        self.samples.append((time.perf_counter(), cpu_snapshot(self.pid, self.database, self.titles)))

    def run(self):
        self.snap()
        while not self.halt.wait(self.every):
            self.snap()

    def stop(self):
        self.halt.set()
        self.join()
        self.snap()

    def between(self, a: float, b: float) -> dict:
        first = min(self.samples, key=lambda s: abs(s[0] - a))
        last = min(self.samples, key=lambda s: abs(s[0] - b))
        if last[0] <= first[0]:
            first, last = self.samples[0], self.samples[-1]
        return cpu_used(first[1], last[1], last[0] - first[0]) | {"workers": last[1]["workers"]}


# --------------------------------------------------------------------------------------------
# SQL issued by one GET and one POST (Flask test client, one fresh app context per request, as
# in a gunicorn worker)


def statements_per_request(url: str, token: str, keys: list[str], rounds: int = 3, cpu_rounds: int = 200) -> dict:
    """The SQL one form GET and one answer POST issue (statements, commits, pool checkouts),
    then the CPU each takes in-process (Flask, SQLAlchemy, psycopg; no HTTP server) over
    ``cpu_rounds`` respondents, split by the steps of ``survey.views.answer``."""
    from sqlalchemy import event

    from tracker import create_app
    from tracker.extensions import db
    from tracker.domain import questionnaire as Q
    from tracker.survey import service as S
    from tracker.survey import views as V
    from tracker.web import ratelimit as R
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "REDIS_URL": None,
                      "SURVEY_MIN_SECONDS": 0, "SURVEY_RATE_PER_ADDRESS": ADDRESS_LIMIT})
    seen: list[str] = []
    tx = {"checkouts": 0, "commits": 0, "rollbacks": 0}
    with app.app_context():
        engine = db.engine

    def on_sql(conn, cur, statement, *a):
        seen.append(" ".join(statement.split())[:70])

    def bump(name):
        return lambda *a: tx.__setitem__(name, tx[name] + 1)

    listeners = [(engine, "before_cursor_execute", on_sql), (engine.pool, "checkout", bump("checkouts")),
                 (engine, "commit", bump("commits")), (engine, "rollback", bump("rollbacks"))]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    rng = random.Random(7)

    def respondent(timed=None):
        client = app.test_client()  # a new device each time
        seen.clear()
        tx.update(checkouts=0, commits=0, rollbacks=0)
        c0 = time.process_time()
        page = client.get(f"/s/{token}")
        c1 = time.process_time()
        get = (len(seen), dict(tx), list(seen))
        form_token = _TOKEN.search(page.get_data()).group(1).decode()
        body, _digits = _answers(rng, keys)
        seen.clear()
        tx.update(checkouts=0, commits=0, rollbacks=0)
        c2 = time.process_time()
        resp = client.post(f"/s/{token}", data=f"form_token={quote(form_token)}&{body}",
                           content_type="application/x-www-form-urlencoded")
        c3 = time.process_time()
        assert resp.status_code == 200 and ACCEPTED in resp.get_data(), resp.get_data()[:500]
        if timed is not None:
            timed["GET /s/<token> (whole request)"] += c1 - c0
            timed["POST /s/<token> (whole request)"] += c3 - c2
        return {"get": get[0], "get_tx": get[1], "get_sql": get[2],
                "post": len(seen), "post_tx": dict(tx), "post_sql": list(seen)}

    for _ in range(rounds):
        out = respondent()
    for target, name, fn in listeners:
        event.remove(target, name, fn)

    # CPU by step: wrappers around the view's collaborators (those the app has now; the view
    # changes), in this process only. Only the outermost wrapped call is timed (hit calls
    # hit_many, _render_form calls render_template). Per respondent: one GET and one POST.
    timed = dict.fromkeys(["GET /s/<token> (whole request)", "POST /s/<token> (whole request)"], 0.0)
    calls: dict[str, int] = {}
    depth = [0]
    steps = [(S, "public_collection", "the collection by its token (`survey.service.public_collection`)"),
             (V, "_render_form", "the form page: template, signed token, cookie (`survey.views._render_form`)"),
             (R, "hit_many", "the address and device rate limits (`web.ratelimit.hit_many`)"),
             (Q, "read_form", "reading the answers (`domain.questionnaire.read_form`)"),
             (S, "record_answer", "duplicate check, INSERT, COMMIT (`survey.service.record_answer`)"),
             (V, "render_template", "the thanks page (`render_template` in the view)")]
    originals = []
    for module, name, label in steps:
        fn = getattr(module, name, None)
        if fn is None:
            continue
        originals.append((module, name, fn))

        def wrapper(*a, _fn=fn, _label=label, **k):
            if depth[0]:
                return _fn(*a, **k)
            depth[0] += 1
            c = time.process_time()
            try:
                return _fn(*a, **k)
            finally:
                depth[0] -= 1
                timed[_label] = timed.get(_label, 0.0) + time.process_time() - c
                calls[_label] = calls.get(_label, 0) + 1
        setattr(module, name, wrapper)
    try:
        for _ in range(20):
            respondent()
        for k in timed:
            timed[k] = 0.0
        calls.clear()
        for _ in range(cpu_rounds):
            respondent(timed)
    finally:
        for module, name, fn in originals:
            setattr(module, name, fn)
    out["cpu_ms"] = {k: v / cpu_rounds * 1000 for k, v in timed.items() if k.startswith(("GET", "POST"))
                     or calls.get(k)}
    out["calls"] = {k: n / cpu_rounds for k, n in calls.items()}
    with app.app_context():
        db.engine.dispose()
    return out


def server_floor(port: int, gunicorn_pid: int, database: str, n: int = 2000) -> float:
    """CPU milliseconds gunicorn spends on one ``/healthz`` (the floor of any request: HTTP in
    gunicorn, Flask, the app's hooks) with 8 keep-alive clients."""
    from bench import http as bhttp
    before = cpu_snapshot(gunicorn_pid, database)
    res = bhttp.load("127.0.0.1", port, ["/healthz"], 8, n // 8, 60, warmup=0)
    after = cpu_snapshot(gunicorn_pid, database)
    hz = os.sysconf("SC_CLK_TCK")
    ticks = sum(t - before["gunicorn"].get(p, 0) for p, t in after["gunicorn"].items())
    return ticks / hz / max(1, len(res.latencies)) * 1000


# --------------------------------------------------------------------------------------------
# The run, the check and the summary


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    data = sorted(values)
    return data[min(len(data) - 1, max(0, int(round(q * (len(data) - 1)))))]


@contextmanager
def _environ(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Report:
    rate: float
    seconds: float
    think: float
    min_seconds: int
    workers: int
    threads: int
    clients: int
    forms: str
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    stored: int = 0
    counted: int = 0                     # the live count (service.live) after the run
    lost: int = 0                        # accepted, not stored
    extra: int = 0                       # stored, not accepted (e.g. the client timed out)
    wrong_answers: int = 0               # stored with other digits than were sent
    post_statuses: dict = field(default_factory=dict)
    post_failures: dict = field(default_factory=dict)   # error | timeout | no-form | other
    get_statuses: dict = field(default_factory=dict)
    get_failures: dict = field(default_factory=dict)
    achieved: float = 0.0                # accepted a second over the window
    buckets: list = field(default_factory=list)  # accepted per second of the window, by completion
    sustained: int = 0                   # seconds of the window with at least 95% of the rate
    post_ms: dict = field(default_factory=dict)     # p50/p95/p99/max from the scheduled time
    post_service_ms: dict = field(default_factory=dict)  # from the moment it was sent
    get_ms: dict = field(default_factory=dict)
    lag_ms: dict = field(default_factory=dict)      # generator: sent - scheduled
    cpu: dict = field(default_factory=dict)
    sql: dict = field(default_factory=dict)
    gunicorn: str = ""
    when: str = ""
    background: float = 0.0              # cores busy before the drive (other work on the machine)
    floor_ms: float = 0.0                # gunicorn CPU per /healthz
    served: int = 0                      # requests (GET and POST) answered within the window
    db: dict = field(default_factory=dict)  # pg_stat_database deltas over the drive

    @property
    def load(self) -> str:
        if self.forms == "ahead":
            return (f"every form fetched first at {self.rate:g}/s, then the answers at {self.rate:g}/s starting "
                    f"{self.think:g} s after the last form: the window sees the submissions alone")
        return (f"each respondent GETs its form and POSTs its answers {self.think:g} s later: the window sees "
                f"{self.rate:g} GET/s + {self.rate:g} POST/s, as in steady use")

    @property
    def ok(self) -> bool:
        return (self.lost == 0 and self.extra == 0 and self.wrong_answers == 0 and self.counted == self.stored
                and self.accepted == self.sent)


def _check(setup: Setup, d: Drive) -> tuple[int, int, int, int, int]:
    """(stored, counted, lost, extra, wrong): the rows of the collection against the accepted
    forms, by their nonces and answers."""
    from sqlalchemy import select

    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import SurveyAnswer, SurveyCollection
    from tracker.survey import service as S
    from tracker.survey import views
    app = create_app({"SQLALCHEMY_DATABASE_URI": setup.url, "SECRET_KEY": SECRET, "REDIS_URL": None})
    with app.app_context():
        signer = views._serializer()
        sent = {}
        for who, s in zip(d.respondents, d.posts):
            if s.outcome == "accepted":
                sent[signer.loads(who.form_token)["n"]] = who.digits
        rows = db.session.execute(select(SurveyAnswer.form_nonce, SurveyAnswer.answers)
                                  .where(SurveyAnswer.collection_id == setup.collection_id)).all()
        stored = {nonce: digits for nonce, digits in rows}
        counted = S.live(db.session.get(SurveyCollection, setup.collection_id)).tally.respondents
        lost = len(set(sent) - set(stored))
        extra = len(set(stored) - set(sent))
        wrong = sum(1 for nonce, digits in stored.items() if nonce in sent and sent[nonce] != digits)
        db.session.remove()
        db.engine.dispose()
    return len(rows), counted, lost, extra, wrong


def _ms(values: list[float]) -> dict:
    return {k: _pct(values, q) * 1000 for k, q in (("p50", .5), ("p95", .95), ("p99", .99))} | \
        {"max": max(values) * 1000 if values else float("nan")}


def _tally(samples: list[Sample]) -> tuple[dict, dict]:
    statuses, failures = {}, {}
    for s in samples:
        if s.status:
            statuses[s.status] = statuses.get(s.status, 0) + 1
        if s.outcome != "accepted":
            failures[s.outcome] = failures.get(s.outcome, 0) + 1
    return statuses, failures


def summarise(setup: Setup, d: Drive, report: Report) -> Report:
    posts = d.posts
    report.sent = sum(1 for s in posts if s.sent)
    report.accepted = sum(1 for s in posts if s.outcome == "accepted")
    report.duplicates = sum(1 for s in posts if s.outcome == "duplicate")
    report.post_statuses, report.post_failures = _tally(posts)
    report.get_statuses, report.get_failures = _tally(d.gets)
    done = [s for s in posts if s.done]
    report.post_ms = _ms([s.done - s.scheduled for s in done])
    report.post_service_ms = _ms([s.done - s.sent for s in done])
    report.get_ms = _ms([s.done - s.scheduled for s in d.gets if s.done])
    report.lag_ms = _ms([s.sent - s.scheduled for s in posts + d.gets if s.sent])
    start = d.start
    secs = int(d.seconds)
    buckets = [0] * secs
    for s in posts:
        if s.outcome == "accepted":
            k = int(s.done - start)
            if 0 <= k < secs:
                buckets[k] += 1
    report.buckets = buckets
    last = max((s.done for s in posts if s.outcome == "accepted"), default=start)
    report.achieved = report.accepted / max(d.seconds, last - start)
    report.sustained = sum(1 for b in buckets if b >= 0.95 * d.rate)
    report.served = sum(1 for x in posts + d.gets if x.done and start <= x.done < start + d.seconds)
    (report.stored, report.counted, report.lost, report.extra, report.wrong_answers) = _check(setup, d)
    return report


def run(url: str, workdir: Path, rate: float = 200, seconds: float = 60, think: float = 5.0,
        min_seconds: int | None = None, workers: int = 3, threads: int = 2, clients: int = 48,
        forms: str = "pipeline", count_sql: bool = True, probe: bool = True, quiet_below: float | None = None,
        quiet_wait: float = 0.0, log=print) -> Report:
    """Prepare the database, start gunicorn, drive the load, stop, check. ``url`` must be a
    PostgreSQL database the bench may empty. ``count_sql``: count one GET's and one POST's SQL
    and CPU in-process first; ``probe``: measure gunicorn's CPU per ``/healthz`` and the
    machine's other work before the drive (the smoke test turns both off)."""
    from bench.pages import Gunicorn
    if min_seconds is None:
        min_seconds = max(0, int(think) - 2)  # the form's timestamp has whole seconds
    if min_seconds >= think and min_seconds:
        raise ValueError("--min-seconds must be below --think, or every answer is refused as too fast")
    report = Report(rate, seconds, think, min_seconds, workers, threads, clients, forms,
                    when=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    setup = prepare(url)
    if count_sql:
        report.sql = statements_per_request(url, setup.count_token, setup.keys)
        log(f"  SQL per request: GET {report.sql['get']} statements, POST {report.sql['post']} statements "
            f"in {report.sql['post_tx']['commits']} transactions on {report.sql['post_tx']['checkouts']} "
            f"pool checkouts")
    env = {"SURVEY_MIN_SECONDS": min_seconds, "SURVEY_RATE_PER_ADDRESS": ADDRESS_LIMIT,
           # idle keep-alive connections stay open between a client thread's requests
           "GUNICORN_CMD_ARGS": "--keep-alive 30"}
    with _environ(**env):
        server = Gunicorn(url, workdir, workers=workers, threads=threads)
    report.gunicorn = (f"gunicorn -w {workers} -k gthread --threads {threads} --keep-alive 30, "
                       f"SURVEY_MIN_SECONDS={min_seconds}, SURVEY_RATE_PER_ADDRESS={ADDRESS_LIMIT} "
                       "(raised: one client address), SURVEY_RATE_PER_DEVICE default (10/3600)")
    try:
        log(f"  gunicorn on 127.0.0.1:{server.port}: {report.gunicorn}")
        database = url.rsplit("/", 1)[1].split("?")[0]
        if probe:
            report.floor_ms = server_floor(server.port, server.proc.pid, database)
            log(f"  gunicorn CPU per /healthz (the floor of any request): {report.floor_ms:.2f} ms")
            report.background = (wait_quiet(quiet_below, quiet_wait, log) if quiet_below is not None
                                 else background_cores())
            log(f"  other work on the machine before the drive: {report.background:.2f} cores busy")
        log(f"  driving {rate:g} submissions/s for {seconds:g} s ({report.load}; {clients} client threads)")
        stats0 = db_stats(url)
        sampler = Sampler(server.proc.pid, database)
        sampler.start()
        try:
            d = drive("127.0.0.1", server.port, setup.token, setup.keys, rate, seconds, think, forms=forms,
                      clients=clients, min_gap=min_seconds + 1.0)
        finally:
            sampler.stop()
        report.cpu = sampler.between(d.t0 + d.start, d.t0 + d.start + seconds)
    finally:
        server.stop()
    time.sleep(0.5)  # the backends' last counters reach pg_stat_database as they exit
    stats1 = db_stats(url)
    report.db = {k: stats1[k] - stats0[k] for k in stats0}
    return summarise(setup, d, report)


KEEP_UP_P99_MS = 1000  # a POST's p99 from its scheduled time: above it the server fell behind the schedule


def verdict(r: Report) -> tuple[bool, str]:
    """Met: none lost and every answer accepted (``Report.ok``), the full seconds of the window
    each at 95% of the rate or more, and the server keeping up (POST p99 from its scheduled
    time under ``KEEP_UP_P99_MS``)."""
    full = r.buckets[1:-1] or r.buckets
    why = []
    if not r.ok:
        why.append("answers lost or not accepted")
    if not full or min(full) < 0.95 * r.rate:
        why.append(f"{sum(1 for b in full if b < 0.95 * r.rate)} full seconds under 95% of the rate")
    if not r.post_ms or not r.post_ms["p99"] < KEEP_UP_P99_MS:
        why.append(f"fell behind the schedule (POST p99 {r.post_ms.get('p99', float('nan')):.0f} ms "
                   f"from its scheduled time, limit {KEEP_UP_P99_MS} ms)")
    return not why, "; ".join(why)


def markdown(r: Report, command: str) -> list[str]:
    ms = lambda m: f"{m['p50']:.0f} / {m['p95']:.0f} / {m['p99']:.0f} / {m['max']:.0f}"  # noqa: E731
    full = r.buckets[1:-1] or r.buckets
    met, why = verdict(r)
    per_request = r.cpu.get("gunicorn", 0) * r.seconds / max(1, r.served) * 1000
    spans = [sum(r.buckets[i:i + 5]) / 5 for i in range(0, max(1, len(r.buckets) - 4))]
    min5 = min(spans) if r.buckets else 0.0
    lines = [
        f"### {r.rate:g} submissions/s for {r.seconds:g} s, forms {r.forms}",
        "",
        f"`{command}` on {r.when} ({platform.python_version()}, {os.cpu_count()} CPUs shared by gunicorn, "
        f"PostgreSQL, the load generator and other work on the machine).",
        "",
        f"**{'Met' if met else 'NOT met'}**: {r.rate:g} submissions a second for {r.seconds:g} s with none lost"
        + (f" ({why})." if why else "."),
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| server | {r.gunicorn} |",
        f"| load | open loop, {r.rate:g} respondents/s for {r.seconds:g} s, each its own device and its own "
        f"random answers; {r.load}; {r.clients} client threads, keep-alive `http.client` |",
        f"| submissions sent / accepted / duplicates | {r.sent} / {r.accepted} / {r.duplicates} |",
        f"| stored in survey_answer / counted live (staff page) | {r.stored} / {r.counted} |",
        f"| **lost** (accepted, not stored) / stored not accepted / stored with other answers | "
        f"**{r.lost}** / {r.extra} / {r.wrong_answers} |",
        f"| POST statuses / not accepted | {r.post_statuses} / {r.post_failures or 'none'} |",
        f"| GET statuses / failures | {r.get_statuses} / {r.get_failures or 'none'} |",
        f"| achieved rate (accepted / window) | **{r.achieved:.1f} /s** |",
        f"| accepted per second, min / max of the full seconds | {min(full) if full else 0} / "
        f"{max(full) if full else 0} |",
        f"| seconds with at least 95% of {r.rate:g}/s | {r.sustained} of {len(r.buckets)} |",
        f"| accepted per second over 5-second spans, min | {min5:.1f} |",
        f"| POST latency from its scheduled time, p50 / p95 / p99 / max | **{ms(r.post_ms)} ms** |",
        f"| POST latency from sending, p50 / p95 / p99 / max | {ms(r.post_service_ms)} ms |",
        f"| GET (form) latency from its scheduled time, p50 / p95 / p99 / max | {ms(r.get_ms)} ms |",
        f"| generator lag (sent - scheduled), p50 / p95 / p99 / max | {ms(r.lag_ms)} ms |",
        f"| CPU in the window, in cores (of {os.cpu_count()}) | gunicorn {r.cpu.get('gunicorn', 0):.2f}, "
        f"PostgreSQL {r.cpu.get('postgres', 0):.2f} (the bench database's backends, WAL writer, checkpointer), "
        f"load generator {r.cpu.get('generator', 0):.2f}, other processes {r.cpu.get('other', 0):.2f} "
        f"({', '.join(f'{n} {c:.2f}' for n, c in r.cpu.get('other_top', [])) or 'none'}); whole machine "
        f"{r.cpu.get('machine', 0):.2f} ({', '.join(f'{k} {v:.2f}' for k, v in r.cpu.get('kinds', {}).items())}; "
        f"not in any process still running: {r.cpu.get('unattributed', 0):.2f}); gunicorn by process {' '.join(f'{c:.2f}' for c in r.cpu.get('per_process', []))}; "
        f"other work before the drive {r.background:.2f} |",
        f"| gunicorn CPU per request in the window / per `/healthz` | {per_request:.2f} ms ({r.served} requests "
        f"answered in the window) / {r.floor_ms:.2f} ms |",
    ]
    if r.db and r.sent:
        lines.append(f"| PostgreSQL per respondent (form + answers), pg_stat_database | "
                     f"{r.db['xact_commit'] / r.sent:.1f} commits, {r.db['xact_rollback'] / r.sent:.1f} rollbacks, "
                     f"{r.db['tup_inserted'] / r.sent:.1f} rows inserted, {r.db['tup_updated'] / r.sent:.1f} updated |")
        lines.append(f"| new PostgreSQL connections during the drive (pg_stat_database.sessions) | {r.db['sessions']} "
                     f"(gunicorn's pools hold at most {r.workers} x 15; more means connections opened and closed "
                     "again: SQLAlchemy's pool keeps 5 per process and closes its overflow on return) |")
    if r.sql:
        gtx, ptx = r.sql["get_tx"], r.sql["post_tx"]
        lines += [
            f"| SQL per form GET | {r.sql['get']} statements, {gtx['checkouts']} pool checkout(s) |",
            f"| SQL per POST | {r.sql['post']} statements in {ptx['commits']} commits on {ptx['checkouts']} pool "
            "checkouts (each checkout also a pre-ping `SELECT 1`) |",
        ]
    lines += ["", f"Accepted per second of the window (by completion): {' '.join(map(str, r.buckets))}", ""]
    if r.sql:
        lines += ["In-process CPU per respondent (one GET and one POST) by step: the Flask test client on the "
                  "same PostgreSQL, no HTTP server; a step's time includes the client side of its SQL round "
                  "trips; the rest of a request is Flask, werkzeug and the app's hooks:", "",
                  "| step | calls | CPU ms |", "| --- | ---: | ---: |"]
        lines += [f"| {k} | {r.sql['calls'].get(k, 1):g} | {v:.2f} |" for k, v in r.sql["cpu_ms"].items()]
        lines += ["", "Statements of one POST, in order:", ""]
        lines += [f"{i}. `{s}`" for i, s in enumerate(r.sql["post_sql"], 1)]
        lines += [""]
    return lines


HEADER = """# SKM daring load

Written by `.venv/bin/python -m bench.survey_load` (see its docstring for what it does). Each run
replaces its own section (same rate, length and form mode); do not edit by hand.
"""


def write_result(section: list[str], key: str, path: Path = RESULT) -> str:
    """Put ``section`` in ``path`` under ``key``, replacing that key's earlier section."""
    begin, end = f"<!-- run: {key} -->", "<!-- end run -->"
    text = path.read_text() if path.exists() else HEADER
    block = "\n".join([begin, *section, end])
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.survey_load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=200, help="submissions a second")
    ap.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (gthread)")
    ap.add_argument("--clients", type=int, default=48, help="client threads (keep-alive connections)")
    ap.add_argument("--think", type=float, default=5.0, help="seconds between a form and its answers")
    ap.add_argument("--forms", choices=("pipeline", "ahead"), default="pipeline",
                    help="pipeline: forms fetched during the window, think seconds before each answer "
                         "(steady use); ahead: every form fetched before the window")
    ap.add_argument("--min-seconds", type=int, default=None, help="SURVEY_MIN_SECONDS (default think - 2)")
    ap.add_argument("--quiet-below", type=float, default=0.5,
                    help="wait until other work keeps fewer cores than this busy before driving (shared machine)")
    ap.add_argument("--quiet-wait", type=float, default=600, help="seconds to wait for that at most")
    ap.add_argument("--database-url", default=None,
                    help="a PostgreSQL database to empty and use (default: a fresh skm_bench_survey)")
    ap.add_argument("--no-sql", action="store_true", help="skip counting one GET's and POST's SQL and CPU")
    ap.add_argument("--no-write", action="store_true", help=f"do not write {RESULT.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    from bench.__main__ import drop_pg, fresh_pg
    url = args.database_url or fresh_pg("skm_bench_survey")
    work = Path(tempfile.mkdtemp(prefix="skm-survey-load-"))
    command = ".venv/bin/python -m bench.survey_load " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        r = run(url, work, args.rate, args.seconds, args.think, args.min_seconds, args.workers, args.threads,
                args.clients, args.forms, count_sql=not args.no_sql, quiet_below=args.quiet_below,
                quiet_wait=args.quiet_wait)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.database_url:
            drop_pg("skm_bench_survey")
    section = markdown(r, command.strip())
    print("\n" + "\n".join(section))
    if not args.no_write:
        write_result(section, f"{r.forms} {r.rate:g}/s {r.seconds:g}s")
        print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if verdict(r)[0] else 1


if __name__ == "__main__":
    raise SystemExit(main())
