"""Rendered pages are reused until the data changes (tracker.web.cache): correct across
processes (the counter lives in the database), per user, per day, and cheap on a hit."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import make_app, make_user
from tests.helpers import QueryCounter
from tracker.extensions import db
from tracker.models import Unit
from tracker.web import cache


@pytest.fixture
def capp(backend, tmp_path):
    from tracker.imports.service import import_scores
    from tests.conftest import DATA
    app = make_app(backend, tmp_path, PAGE_CACHE=True)
    with app.app_context():
        cache.clear()
        for code in ("S1", "S2"):
            path = DATA / f"surakarta-2021-{code}.csv"
            import_scores(path.read_bytes(), path.name, f"2021-{code}", "questionnaire", user="test")
        make_user("admin@kota.go.id", "admin")
        make_user("inspektur@kota.go.id", "inspector")
        yield app
        cache.clear(shared=True)
        db.session.remove()
        db.engine.dispose()


def login(client, email):
    from tests.helpers import login as sign_in
    sign_in(client, email, sign_out_first=False)


def test_hit_is_cheap_and_a_change_shows_at_once(capp):
    client = capp.test_client()
    login(client, "admin@kota.go.id")
    first = client.get("/periode/2021").data.decode()
    with QueryCounter() as q:
        again = client.get("/periode/2021").data.decode()
    assert again == first
    db.session.remove()  # as a new request in another app context starts: nothing in the session
    with QueryCounter() as q:
        client.get("/periode/2021")
    # The counter and nothing else: the user is this generation's snapshot (auth.views).
    assert q.count == 1, q.statements
    unit = Unit.query.order_by(Unit.id).first()
    old = unit.name
    unit.name = "Unit Berganti Nama"
    db.session.commit()  # an ORM change advances the counter after its commit
    fresh = client.get("/periode/2021").data.decode()
    assert "Unit Berganti Nama" in fresh and old not in fresh.replace("Unit Berganti Nama", "")


def test_a_change_made_by_another_process_invalidates(capp):
    client = capp.test_client()
    login(client, "admin@kota.go.id")
    client.get("/periode/2021")
    other = create_engine(capp.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as conn:  # another process renames the unit and advances the counter
        conn.execute(text("UPDATE unit SET name = 'Nama Dari Proses Lain' WHERE id = 1"))
        cache.bump(conn)
    other.dispose()
    db.session.expire_all()
    assert "Nama Dari Proses Lain" in client.get("/periode/2021").data.decode()


def test_pages_are_not_shared_between_users(capp):
    a, b = capp.test_client(), capp.test_client()
    login(a, "admin@kota.go.id")
    page_a = a.get("/periode/2021").data.decode()
    login(b, "inspektur@kota.go.id")
    page_b = b.get("/periode/2021").data.decode()
    assert "admin@kota.go.id" in page_a and "admin@kota.go.id" not in page_b
    assert "inspektur@kota.go.id" in page_b


def test_dated_pages_change_with_the_day(capp, monkeypatch):
    from datetime import date

    from tracker.followup import status
    from tracker.home import views
    client = capp.test_client()
    login(client, "inspektur@kota.go.id")
    for day in (date(2031, 11, 30), date(2031, 12, 1)):
        monkeypatch.setattr(status, "today_wib", lambda: day)
        monkeypatch.setattr(views, "today_wib", lambda: day)
        assert day.strftime("%d-%m-%Y") in client.get("/").data.decode()


def test_concurrent_misses_render_a_page_once(capp, monkeypatch):
    """Requests for a page another thread is rendering wait for that render (one per process)."""
    import threading
    import time as _time

    from tracker.results import views
    client = capp.test_client()
    login(client, "admin@kota.go.id")
    client.get("/periode/")  # as in a browser, the session holds its CSRF secret by now
    cookie = client.get_cookie("session").value
    real = views.build_recap
    calls = []

    def slow(*args, **kwargs):
        calls.append(1)
        _time.sleep(0.4)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "build_recap", slow)
    bodies, errors = [], []

    def fetch():
        try:
            c = capp.test_client()
            c.set_cookie("session", cookie)
            r = c.get("/periode/2021")
            bodies.append((r.status_code, r.data))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(bodies) == 4
    assert {status for status, _ in bodies} == {200}
    assert len({body for _, body in bodies}) == 1
    assert len(calls) == 1


def test_a_page_rendered_by_one_process_is_reused_by_the_others(capp, monkeypatch):
    """Another gunicorn worker is another process: its memory is empty, the shared store is
    not. The page comes from the store (one more read), without rendering it again."""
    from tracker.results import views
    client = capp.test_client()
    login(client, "admin@kota.go.id")
    first = client.get("/periode/2021").data.decode()
    cache.clear()  # this process forgets; the store keeps the page
    monkeypatch.setattr(views, "build_recap", lambda *a, **k: pytest.fail("rendered again"))
    with QueryCounter() as q:
        again = client.get("/periode/2021").data.decode()
    assert again == first and q.count <= 4, q.statements
    # A change makes the stored page useless to everyone.
    monkeypatch.undo()
    unit = Unit.query.order_by(Unit.id).first()
    unit.name = "Nama Baru Untuk Semua Proses"
    db.session.commit()
    cache.clear()
    assert "Nama Baru Untuk Semua Proses" in client.get("/periode/2021").data.decode()


def test_old_generations_are_pruned_from_the_store(capp, monkeypatch):
    monkeypatch.setattr(cache, "PRUNE_CHANCE", 1.0)
    client = capp.test_client()
    login(client, "admin@kota.go.id")
    client.get("/periode/2021")
    unit = Unit.query.order_by(Unit.id).first()
    unit.name = "Nama Lain"
    db.session.commit()
    client.get("/periode/2021")
    rows = db.session.execute(text("SELECT generation FROM page_store")).scalars().all()
    assert rows == [cache.generation()]


def test_the_user_snapshot_follows_changes_made_anywhere(capp):
    """The signed-in user is kept per process under the data generation: a deactivation made
    by another process (which advances the counter) ends the session at the next request, and
    a role changed through the ORM applies at once."""
    from tracker.models import User
    client = capp.test_client()
    login(client, "inspektur@kota.go.id")
    assert client.get("/rtl/pemantauan").status_code == 200
    assert client.get("/rtl/pemantauan").status_code == 200  # served with the kept user
    user = User.query.filter_by(email="inspektur@kota.go.id").one()
    user.role = "manager"
    db.session.commit()
    assert client.get("/rtl/pemantauan").status_code == 403
    other = create_engine(capp.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as conn:
        conn.execute(text("UPDATE \"user\" SET active = false WHERE email = 'inspektur@kota.go.id'"))
        cache.bump(conn)
    other.dispose()
    db.session.expire_all()
    r = client.get("/rtl/pemantauan")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_without_a_change_the_user_is_not_read_again(capp):
    """Each request of a worker asks for its user: the process reads the user once per data
    generation and merges the kept copy into the request's session without a query."""
    from tracker.auth import views as auth_views
    from tracker.models import User
    uid = User.query.filter_by(email="admin@kota.go.id").one().id
    auth_views._snapshots.clear()

    def request_once():
        with capp.test_request_context("/periode/"):
            db.session.remove()  # a request's session starts empty
            with QueryCounter() as q:
                user = auth_views.load_user(str(uid))
                assert user is None  # no session version in this bare request: refused
                row = auth_views._current_row(uid)
                assert row.email == "admin@kota.go.id" and row in db.session
            return [s for s in q.statements if "data_generation" not in s]

    assert request_once()  # read once (user and units)
    assert request_once() == []  # then kept
    cache.bump()
    assert request_once()  # a change anywhere: read again


def test_the_notification_badge_is_counted_once_per_generation(capp):
    """The badge on every page is kept per user and data generation: a new notification (an
    ORM change) shows at once, and nothing changed means no count query."""
    from tracker.auth import views as auth_views
    from tracker.models import Notification, User
    user = User.query.filter_by(email="admin@kota.go.id").one()

    def badge():
        with capp.test_request_context("/"):
            with QueryCounter() as q:
                count = auth_views.unread_notifications(user)
            return count, [s for s in q.statements if "notification" in s]

    auth_views._unread.clear()
    first, counted = badge()
    assert counted and badge() == (first, [])
    db.session.add(Notification(user_id=user.id, message="Ada tugas baru"))
    db.session.commit()
    after, counted = badge()
    assert after == first + 1 and counted


def test_a_kept_user_is_read_again_after_a_minute_even_without_a_change(capp, monkeypatch):
    """Should a process die between a commit and the counter's advance, the counter says
    nothing changed: the kept user is still read again once SNAPSHOT_SECONDS have passed."""
    from tracker.auth import views as auth_views
    from tracker.models import User
    uid = User.query.filter_by(email="admin@kota.go.id").one().id
    auth_views._snapshots.clear()
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])  # the clock kept values are judged by

    def reads():
        with capp.test_request_context("/"):
            db.session.remove()
            with QueryCounter() as q:
                auth_views._current_row(uid)
            return [s for s in q.statements if "data_generation" not in s]

    assert reads() and reads() == []
    clock[0] += auth_views.SNAPSHOT_SECONDS - 1
    assert reads() == []
    clock[0] += 2
    assert reads()
