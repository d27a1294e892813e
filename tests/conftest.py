"""Shared fixtures. Database tests run on SQLite and on PostgreSQL (``TRACKER_TEST_DBS``)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tracker import create_app
from tracker.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SKM_SAMPLE_DIR", ROOT / "sample_data"))
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("TRACKER_TEST_DBS", "sqlite,postgresql").split(",") if b]


def _worker() -> str:
    # The pid keeps concurrent test runs on one machine out of each other's databases.
    return f'{os.environ.get("PYTEST_XDIST_WORKER", "main")}_{os.getpid()}'


_created_dbs: set[str] = set()


def pytest_sessionfinish(session, exitstatus):
    if not _created_dbs:
        return
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in _created_dbs:
                conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()
    except Exception:
        pass


def pg_url(suffix: str = "") -> str:
    """A per-worker PostgreSQL database, created on first use."""
    name = re.sub(r"\W", "_", f"tracker_test_{_worker()}{suffix}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("select 1 from pg_database where datname=:n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'create database "{name}"'))
            _created_dbs.add(name)
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def fresh_pg_url(suffix: str) -> str:
    """An empty PostgreSQL database (dropped and re-created)."""
    name = re.sub(r"\W", "_", f"tracker_test_{_worker()}{suffix}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
        _created_dbs.add(name)
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


_schema_ready: set[str] = set()
_sqlite_schema: list[Path] = []


def _sqlite_schema_file() -> Path:
    """An empty SQLite database with the schema, made once per worker: each test copies it
    (creating the schema was most of a test's set-up)."""
    if not _sqlite_schema:
        import tempfile

        from tracker import models  # noqa: F401  (register tables)
        path = Path(tempfile.mkdtemp(prefix="tracker-schema-")) / "schema.sqlite"
        engine = create_engine(f"sqlite:///{path}")
        _db.metadata.create_all(engine)
        engine.dispose()
        _sqlite_schema.append(path)
    return _sqlite_schema[0]


def _fresh_sqlite(url: str) -> bool:
    """Copy the empty schema to the SQLite file of ``url`` (and drop a previous database's
    journal); False when ``url`` is not a file database."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return False
    import shutil
    path = Path(url.removeprefix("sqlite:///"))
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_schema_file(), path)
    return True


# Empties the tables that have rows, and restarts the sequences that were used (an insert
# rolled back leaves its table empty and its sequence advanced), in one round trip: a TRUNCATE
# of every table cost each test about 0.1 s, most tests write to a few.
_PG_RESET = """
DO $$
DECLARE
  t text;
  s record;
  found boolean;
  dirty text[] := '{}';
BEGIN
  FOREACH t IN ARRAY ARRAY[%s] LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %%I)', t) INTO found;
    IF found THEN dirty := dirty || quote_ident(t); END IF;
  END LOOP;
  IF array_length(dirty, 1) > 0 THEN
    EXECUTE 'TRUNCATE ' || array_to_string(dirty, ', ') || ' RESTART IDENTITY CASCADE';
  END IF;
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences
           WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %%I.%%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$"""


def make_app(backend: str, tmp_path: Path, **extra):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    else:
        url = pg_url()
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "REDIS_URL": None,
        "WTF_CSRF_ENABLED": False,
        # Tests change rows behind the ORM's back; tests/test_page_cache.py turns reuse on.
        "PAGE_CACHE": False,
        # Likewise for the figures unit pages, homes and recaps keep; tests/test_unit_page_kept.py,
        # tests/test_home_kept.py and tests/test_recap_kept.py turn them on.
        "UNIT_PAGE_KEPT": False,
        "HOME_KEPT": False,
        "RECAP_KEPT": False,
    }
    config.update(extra)
    url = config["SQLALCHEMY_DATABASE_URI"]
    copied = backend == "sqlite" and _fresh_sqlite(url)
    app = create_app(config)
    with app.app_context():
        if copied:
            pass
        elif backend == "sqlite" or url not in _schema_ready:
            _db.drop_all()
            _db.create_all()
            _schema_ready.add(url)
        else:
            names = ", ".join(f"'{t.name}'" for t in _db.metadata.sorted_tables)
            _db.session.execute(text(_PG_RESET % names))
            _db.session.commit()
    return app


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path):
    app = make_app(backend, tmp_path)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def csrf_app(backend, tmp_path):
    """An app with CSRF protection on, as in production."""
    app = make_app(backend, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email, password="rahasia123"):
        from tests.helpers import login
        return login(self.client, email, password, expect=None)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def make_user(email, role, units=(), password="rahasia123"):
    from tests.factories import user
    return user(email, role, units, password)


@pytest.fixture
def sample_dir():
    return DATA


@pytest.fixture
def loaded(app):
    """Surakarta 2021 S1 and S2 imported."""
    from tracker.imports.service import import_scores
    for code in ("S1", "S2"):
        path = DATA / f"surakarta-2021-{code}.csv"
        import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire", user="test")
    return app


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """End every run by saying what did not run and why: a Redis, PostgreSQL or Chromium test
    that skips is named here, never hidden in a count (under ``.ci/run`` such a test fails
    instead, TRACKER_REQUIRE_SERVICES=1)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if set(BACKENDS) != {"sqlite", "postgresql"}:
        terminalreporter.write_line(f"Database tests ran on {', '.join(BACKENDS) or 'nothing'} only "
                                    "(TRACKER_TEST_DBS).", yellow=True)
    if not skipped:
        terminalreporter.write_line("No test was skipped.")
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] = reasons.get(reason.removeprefix("Skipped: "), 0) + 1
    terminalreporter.write_sep("=", f"{len(skipped)} TESTS DID NOT RUN", red=True, bold=True)
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"  {count:4d} skipped: {reason}", red=True)
