"""The monitoring screen's late and unfinished lists: counted in full, the first LIST_LIMIT shown
in their order (first late quarter, then unit name; unit name, then action), each with its
action's own text, owner and schedule."""
from datetime import date

import pytest

from bench.dataset import build_city
from tracker.extensions import db
from tracker.models import Action
from tracker.monitoring import queries as Q

DAY = date(2030, 1, 2)  # every deadline of the data has passed


@pytest.fixture
def city(app):
    return build_city(12, 2, unit_prefix="Kelurahan")


@pytest.mark.parametrize("limit", [5, 10_000])
def test_lists_show_their_first_rows_in_order_and_count_all(city, monkeypatch, limit):
    monkeypatch.setattr(Q, "LIST_LIMIT", limit)
    code = city.period_codes[-1]
    m = Q.build(code, DAY)
    late = sorted(((aid, q, u.unit.name.lower()) for u in m.st.units for aid, q in u.status.late.items()),
                  key=lambda t: (t[1][0], t[2]))
    unfinished = sorted((u.unit.name.lower(), aid) for u in m.st.units for aid in u.status.unfinished)
    assert len(late) > 5 and len(unfinished) > 5  # the data has something to cut
    assert (m.late_total, m.unfinished_total) == (len(late), len(unfinished))
    assert [(a.id, q) for a, q in m.late_rows] == [(aid, q) for aid, q, _ in late[:limit]]
    assert [a.id for a in m.unfinished_rows] == [aid for _, aid in unfinished[:limit]]
    for a in [a for a, _ in m.late_rows] + m.unfinished_rows:
        action = db.session.get(Action, a.id)
        assert (a.text, a.owner, a.element, a.plan.id, a.quarters) == (
            action.text, action.owner, action.element, action.plan_id, list(action.quarters))


def test_the_page_says_how_many_are_shown(city, client, monkeypatch):
    from tests.conftest import make_user
    monkeypatch.setattr(Q, "LIST_LIMIT", 5)
    make_user("inspektur@kota.go.id", "inspector")
    db.session.commit()
    client.post("/login", data={"email": "inspektur@kota.go.id", "password": "rahasia123"})
    from tracker.followup.status import today_wib
    m = Q.build(city.period_codes[-1], today_wib())  # the page judges today
    html = client.get(f"/rtl/pemantauan?period={city.period_codes[-1]}").get_data(as_text=True)
    assert f"Terlambat melapor: {m.late_total} kegiatan" in html
    assert f"Menampilkan 5 dari {m.late_total} kegiatan" in html
    assert html.count('<table id="overdue">') == 1
    overdue = html[html.index('<table id="overdue">'):]
    assert overdue[:overdue.index("</table>")].count("<tr><td>") == 5


def test_each_rows_last_update_is_its_plans_latest_report_sent_or_reviewed(city):
    from sqlalchemy import func, select

    from tracker.models import Period, Plan, ProgressEntry
    code = city.period_codes[-1]
    a, e, p = Action.__table__, ProgressEntry.__table__, Plan.__table__
    # Move one unit's reports later, so the rows do not all share one day.
    late_unit = city.unit_ids[3]
    plan_id = db.session.execute(select(p.c.id).where(p.c.unit_id == late_unit)
                                 .order_by(p.c.id.desc())).scalars().first()
    entry = db.session.execute(select(e.c.id).join(a, a.c.id == e.c.action_id)
                               .where(a.c.plan_id == plan_id)).scalars().first()
    from datetime import datetime

    from tracker.followup.state import refresh_plan_states
    db.session.execute(e.update().where(e.c.id == entry).values(reviewed_at=datetime(2027, 2, 3, 4, 5)))
    refresh_plan_states(db.session.connection(), [plan_id])  # as the app's own writes do
    db.session.commit()
    expected = {}
    for uid, sent, reviewed in db.session.execute(
            select(p.c.unit_id, func.max(e.c.submitted_at), func.max(e.c.reviewed_at))
            .join(a, a.c.plan_id == p.c.id).join(e, e.c.action_id == a.c.id)
            .join(Period.__table__, Period.__table__.c.id == p.c.period_id).where(Period.__table__.c.code == code)
            .group_by(p.c.unit_id)):
        times = [t for t in (sent, reviewed) if t is not None]
        expected[uid] = max(times).date() if times else None
    m = Q.build(code, DAY)
    got = {r.u.unit.id: r.last_update for r in m.rows}
    assert got == {uid: expected.get(uid) for uid in got}
    assert got[late_unit] == date(2027, 2, 3)
    ordered = [r.u.unit.id for r in Q.build(code, DAY, sort="pembaruan").rows]
    assert ordered[-1] == late_unit  # "pembaruan terlama": the most recent last
