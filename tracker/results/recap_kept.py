"""The period recap's figures, kept as JSON per period, aggregation and scope (the units a
manager's list is limited to) under the city's ``results`` count (``tracker.changes``): used
while no result, respondent block, unit, period or group order has changed since they were
computed; reports and plans do not touch them. The view renders only from such documents,
computed or kept, so the two cannot differ."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

from sqlalchemy import select

from .. import jsontext
from ..changes import RESULTS, city_count, keep as keep_row, page_key
from ..domain import scoring
from ..extensions import db
from ..models import RecapPage
from .recap import Recap, semester_rows
from .service import Coverage
from .unit_page import KeptUnit, kept_profile, profile_doc, view, view_doc

FORMAT = 1


def key(code: str, weighted: bool, unit_ids, script_root: str) -> str:
    return page_key(FORMAT, code, int(weighted), unit_ids=unit_ids, script_root=script_root)


class State(NamedTuple):
    count: int  # the city's results count now
    doc: dict | None  # the kept figures, when computed under this count


def read(key_: str) -> State:
    """One query: the count, and the figures kept under it."""
    r = RecapPage.__table__
    kept = select(r.c.body).where(r.c.key == key_, r.c.count == city_count(RESULTS)).scalar_subquery()
    count, body = db.session.execute(select(city_count(RESULTS), kept)).one()
    doc = None if body is None else jsontext.loads(body)
    return State(int(count), doc if doc is not None and doc.get("v") == FORMAT else None)


def keep(key_: str, count: int, doc: dict) -> None:
    keep_row(RecapPage.__table__, {"key": key_}, {"count": count}, doc,
             newer=lambda t, new: t.c.count <= new.count)


def _unit(u) -> dict:
    return {"id": u.id, "name": u.name, "group": u.group}


def _ranked(v) -> list:
    return [_unit(v.unit), v.ikm, v.category]


def document(recap: Recap, numbering: str, profile) -> dict:
    """The recap (``results.recap.build_recap``) and what the page shows beside it, as JSON."""
    return {"v": FORMAT, "code": recap.code, "label": recap.label, "numbering": numbering,
            "city": None if recap.city is None else asdict(recap.city),
            "views": [[_unit(v.unit), view_doc(v)] for v in recap.views],
            "top": [_ranked(v) for v in recap.top], "bottom": [_ranked(v) for v in recap.bottom],
            "elements_lowest_first": recap.elements_lowest_first,
            "semester_rows": bool(recap.semester_rows),
            "semester_means": recap.semester_means, "trend_counts": recap.trend_counts,
            "coverage": None if recap.coverage is None else asdict(recap.coverage),
            "profile": profile_doc(profile)}


@dataclass
class Ranked:
    """A row of Tabel 3.4 or 3.5."""
    unit: KeptUnit
    ikm: float
    category: str


class Page(NamedTuple):
    recap: Recap
    numbering: str
    profile: object


def page(doc: dict) -> Page:
    from ..domain import periods as P
    views = [view(d, KeptUnit(**u)) for u, d in doc["views"]]
    recap = Recap(code=doc["code"], label=doc["label"], views=views,
                  city=None if doc["city"] is None else scoring.CityRecap(**doc["city"]),
                  elements_lowest_first=[tuple(e) for e in doc["elements_lowest_first"]],
                  top=[Ranked(KeptUnit(**u), ikm, cat) for u, ikm, cat in doc["top"]],
                  bottom=[Ranked(KeptUnit(**u), ikm, cat) for u, ikm, cat in doc["bottom"]],
                  semester_means=doc["semester_means"], trend_counts=doc["trend_counts"],
                  coverage=None if doc["coverage"] is None else Coverage(**doc["coverage"]))
    if doc["semester_rows"]:
        recap.semester_rows = semester_rows(views, P.parse_period(doc["code"]).year)
    return Page(recap, doc["numbering"], kept_profile(doc["profile"]))
