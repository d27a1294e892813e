"""A unit's results page for a period, kept as plain figures.

The page (its results, their parts, the effect of the follow-up of this period and the one
before, the respondents' profile) is computed once into a JSON document and kept in
``unit_page`` under the unit's ``page_version``. Every change to what the page shows advances
that version in the same transaction as the change (``tracker.changes``: after each ORM flush,
and on each bulk statement sent through the session), so a kept document is used only while nothing
it was computed from has changed, in any process on any host; a document computed from data
that changed meanwhile carries the older version and is never used. A change that can touch
any unit's page (a period, an import batch) advances every unit's version.

Nothing here depends on the day, the user or the request: the page's role-dependent parts and
the live questionnaire box are added by the view.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import select

from .. import jsontext
from ..domain import effect
from ..domain import periods as P
from ..domain import scoring
from ..domain.demographics import Share
from ..extensions import db
from ..models import Period, SurveyCollection, Unit, UnitPage
from .service import ResultFigures

FORMAT = 1  # the document's layout; a document of another layout is computed again


# -- the document ------------------------------------------------------------------------------

def view_doc(v) -> dict:
    r = v.result
    return {"code": v.code, "unit": r.unit, "group": r.group, "nrrs": r.nrrs, "sums": r.sums,
            "answers": r.answers, "respondents": r.respondents, "flags": list(v.flags or []),
            "method": v.method, "how": v.how, "source": v.source,
            "start": v.survey_start.isoformat() if v.survey_start else None,
            "end": v.survey_end.isoformat() if v.survey_end else None,
            "parts": [view_doc(p) for p in v.parts]}


def compute(code: str, unit_id: int) -> dict | None:
    """The page's document, computed from the stored results and plans; None when there is no
    such unit."""
    from ..domain.elements import CURRENT_KEYS, numbering_keys
    from ..followup.status import period_status, plan_figures_many, unit_effects
    from .demographics import profiles
    from .service import display_numbering, views_for_codes
    ref = P.parse_period(code)
    # This period, the one before and the one after (the follow-up of both), in one load.
    loaded = views_for_codes([ref.previous().code, ref.code, ref.next().code], {unit_id})
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        return None
    doc = {"v": FORMAT, "code": ref.code,
           "unit": {"id": unit.id, "name": unit.name, "group": unit.group, "contact": unit.contact,
                    "phone": unit.phone},
           "view": None}
    views = loaded[ref.code]
    if not views:
        return doc
    view = views[0]
    numbering = display_numbering(ref, next((r.period for r in view.rows if r.period.code == ref.code), None))
    nrrs = view.result.nrrs
    keys = [k for k in CURRENT_KEYS if k in nrrs] + [k for k in nrrs if k not in CURRENT_KEYS]
    ordered = numbering_keys(numbering)
    followup = []
    # The plans answering this period and the one before, with their actions, in two queries.
    figures = plan_figures_many([ref.previous(), ref], unit_ids={unit.id})
    for answered in (ref.previous(), ref):
        st = period_status(answered.code, unit_ids={unit.id}, loaded=loaded, figures=figures[answered.code])
        own = next((u for u in st.units if u.unit.id == unit.id and u.plans), None)
        if own is not None:
            followup.append({
                "code": answered.code, "plan_status": own.plan_status, "gathered": own.gathered,
                "how": own.how,
                "realisation": own.status.realisation if own.plan_status == "accepted" else None,
                "effects": [[e.element, e.actions, e.realisation, e.before, e.after]
                            for e in unit_effects(own)]})
    _, by_unit = profiles(ref.code, {unit.id})
    profile = by_unit.get(unit.id)
    doc.update(
        numbering=numbering,
        keys=[k for k in ordered if k in nrrs] + [k for k in keys if k not in ordered],
        view=view_doc(view), followup=followup, profile=profile_doc(profile))
    return doc


# -- the document as the template reads it ------------------------------------------------------

@dataclass
class KeptView(ResultFigures):
    """A result as the page shows it (the attributes of ``results.service.UnitView`` it reads)."""
    code: str | None
    result: scoring.UnitResult
    flags: list
    method: str | None
    how: str
    source: str
    survey_start: date | None
    survey_end: date | None
    parts: list["KeptView"] = field(default_factory=list)
    unit: object = None  # the recap's rows name their unit (results.recap_kept)

    @property
    def part_by_code(self) -> dict[str, "KeptView"]:
        return {p.code: p for p in self.parts}


def view(d: dict, unit=None) -> KeptView:
    return KeptView(unit=unit, code=d["code"], flags=d["flags"], method=d["method"], how=d["how"], source=d["source"],
                    result=scoring.UnitResult(unit=d["unit"], nrrs=d["nrrs"], respondents=d["respondents"],
                                              sums=d["sums"], answers=d["answers"], group=d["group"]),
                    survey_start=date.fromisoformat(d["start"]) if d["start"] else None,
                    survey_end=date.fromisoformat(d["end"]) if d["end"] else None,
                    parts=[view(p) for p in d["parts"]])


@dataclass
class KeptUnit:
    id: int
    name: str
    group: str | None
    contact: str | None = None
    phone: str | None = None


@dataclass
class KeptFollowup:
    plan_status: str | None
    gathered: bool
    how: str
    realisation: float | None


@dataclass
class KeptProfile:
    respondents: int
    by_attribute: dict

    @property
    def empty(self) -> bool:
        return self.respondents == 0


@dataclass
class Page:
    """The template's context, from a document."""
    unit: KeptUnit
    view: KeptView | None
    numbering: str = "questionnaire"
    keys: list = field(default_factory=list)
    parts: list = field(default_factory=list)  # (PeriodRef, KeptView)
    followup: list = field(default_factory=list)  # (answered, after, KeptFollowup, [ElementEffect])
    profile: KeptProfile | None = None


def page(doc: dict) -> Page:
    unit = KeptUnit(**doc["unit"])
    if doc["view"] is None:
        return Page(unit=unit, view=None)
    shown = view(doc["view"])
    followup = []
    for f in doc["followup"]:
        answered = P.parse_period(f["code"])
        followup.append((answered, answered.next(),
                         KeptFollowup(f["plan_status"], f["gathered"], f["how"], f["realisation"]),
                         [effect.ElementEffect(*e) for e in f["effects"]]))
    return Page(unit=unit, view=shown, numbering=doc["numbering"], keys=doc["keys"],
                parts=[(P.parse_period(p.code), p) for p in shown.parts], followup=followup,
                profile=kept_profile(doc["profile"]))


def profile_doc(profile) -> dict | None:
    """A respondents' profile (results.demographics.Profile) as plain data."""
    return None if profile is None else {
        "respondents": profile.respondents,
        "by": {a: [[s.label, s.count, s.percent] for s in shares] for a, shares in profile.by_attribute.items()}}


def kept_profile(d: dict | None) -> KeptProfile | None:
    return None if d is None else KeptProfile(d["respondents"],
                                              {a: [Share(*s) for s in shares] for a, shares in d["by"].items()})


# -- reading and keeping ------------------------------------------------------------------------

class State(NamedTuple):
    """What the page must know before anything else, in one query."""
    online_id: int | None  # the unit's questionnaire for the period, if any
    survey_status: str | None
    version: int  # the unit's page version now
    doc: dict | None  # the kept document, when it is of this version and layout


def state(unit_id: int, code: str, kept: bool = True) -> State | None:
    """None when there is no such unit. ``kept``: read the kept document too."""
    sc, per, u, k = (SurveyCollection.__table__, Period.__table__, Unit.__table__, UnitPage.__table__)
    joined = (u.outerjoin(per, per.c.code == code)
              .outerjoin(sc, (sc.c.unit_id == u.c.id) & (sc.c.period_id == per.c.id)))
    columns = [sc.c.id, sc.c.status, u.c.page_version]
    if kept:
        joined = joined.outerjoin(k, (k.c.unit_id == u.c.id) & (k.c.code == code))
        columns += [k.c.version, k.c.body]
    row = db.session.execute(select(*columns).select_from(joined).where(u.c.id == unit_id).limit(1)).first()
    if row is None:
        return None
    doc = None
    if kept and row[4] is not None and row[3] == row[2]:
        doc = jsontext.loads(row[4])
        if doc.get("v") != FORMAT:
            doc = None
    return State(row[0], row[1], row[2], doc)


def keep(unit_id: int, code: str, version: int, doc: dict) -> None:
    """Keep ``doc`` as computed under ``version`` (a newer document already kept is left
    alone)."""
    from ..changes import keep as keep_row
    keep_row(UnitPage.__table__, {"unit_id": unit_id, "code": code}, {"version": version}, doc,
             newer=lambda t, new: t.c.version <= new.version)
