"""SKM daring: opening a unit's questionnaire for a period, taking respondents' answers,
adding them up as they arrive, and closing collection so the answers become the unit's result.

Answers are written with one Core INSERT each (no ORM unit of work, no page-generation bump):
collection pages are never served from the page cache, so they always count every answer, and
the city's other cached pages only change when collection closes and a result is written.
"""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..domain import periods as P
from ..domain import questionnaire as Q
from ..domain.elements import ELEMENT_SETS, NUMBERINGS, element_set_of
from ..extensions import db
from ..followup.notifications import link, managers_of, notify
from ..followup.workflow import WorkflowError, _atomic, _conflicts_reported, check_version
from ..models import Period, Unit
from ..models._base import utcnow
from ..models.online import CLOSED, OPEN, SurveyAnswer, SurveyCollection
from ..results.service import ensure_period

DUPLICATE_WINDOW = timedelta(minutes=30)  # the same answers from the same sender within it: one respondent
MAX_SERVICE_TYPES = 30
SURVEY_METHOD = "Survei daring (SKM daring)"


def numbering_of(keys) -> str:
    """The numbering whose U-order is the questionnaire's for this element set."""
    return "permenpan2014" if element_set_of(keys) == "2014" else "questionnaire"


def question_keys(period: Period) -> list[str]:
    """The period's elements in the order the regulation's questionnaire asks them."""
    keys = set(period.element_keys or ELEMENT_SETS["2017"])
    order = NUMBERINGS[numbering_of(keys)]
    return [k for k in order if k in keys]


@dataclass(frozen=True)
class _Named:
    name: str = ""
    code: str = ""


@dataclass(frozen=True)
class PublicCollection:
    """What the public questionnaire needs of a collection, read as plain columns in one Core
    query (the ORM's load of the collection with its unit and period was a quarter of a
    respondent's post)."""
    id: int
    token: str
    status: str
    element_keys: tuple
    service_types: tuple
    unit: _Named
    period: _Named


def public_collection(token: str) -> PublicCollection | None:
    if not token or len(token) > 32:
        return None
    import json
    from sqlalchemy import Text, cast
    sc = SurveyCollection.__table__
    row = db.session.execute(
        select(sc.c.id, sc.c.token, sc.c.status, cast(sc.c.element_keys, Text), cast(sc.c.service_types, Text),
               Unit.name, Period.code)
        .join(Unit, Unit.id == sc.c.unit_id).join(Period, Period.id == sc.c.period_id)
        .where(sc.c.token == token)).first()
    if row is None:
        return None
    return PublicCollection(row[0], row[1], row[2], tuple(json.loads(row[3]) or ()),
                            tuple(json.loads(row[4] or "null") or ()), _Named(name=row[5]), _Named(code=row[6]))


def for_unit_period(unit_id: int, period_code: str) -> SurveyCollection | None:
    return (SurveyCollection.query.join(Period, Period.id == SurveyCollection.period_id)
            .filter(SurveyCollection.unit_id == unit_id, Period.code == period_code).first())


def visible(unit_ids: set[int] | None) -> list[SurveyCollection]:
    """Collections of the given units (None: all), newest period first, with their counts."""
    q = SurveyCollection.query.join(Period, Period.id == SurveyCollection.period_id).join(
        Unit, Unit.id == SurveyCollection.unit_id)
    if unit_ids is not None:
        q = q.filter(SurveyCollection.unit_id.in_(unit_ids))  # a manager's own few units
    return q.order_by(Period.start_date.desc(), Unit.name).all()


def answer_counts(collection_ids) -> dict[int, int]:
    if not collection_ids:
        return {}
    rows = db.session.execute(select(SurveyAnswer.collection_id, func.count())
                              .where(SurveyAnswer.collection_id.in_(collection_ids))
                              .group_by(SurveyAnswer.collection_id)).all()
    return {cid: n for cid, n in rows}


def _service_types(text: str) -> list[str]:
    names = []
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > 200:
            raise WorkflowError("Nama jenis layanan paling banyak 200 karakter.")
        if name not in names:
            names.append(name)
    if len(names) > MAX_SERVICE_TYPES:
        raise WorkflowError(f"Paling banyak {MAX_SERVICE_TYPES} jenis layanan.")
    return names


def _population(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise WorkflowError("Jumlah populasi harus bilangan bulat.") from None
    if not 1 <= n <= 100_000_000:
        raise WorkflowError("Jumlah populasi harus antara 1 dan 100.000.000.")
    return n


@_atomic
def open_collection(unit: Unit, period_code: str, population, service_types: str, user) -> SurveyCollection:
    period = ensure_period(P.parse_period(period_code).code)
    existing = SurveyCollection.query.filter_by(unit_id=unit.id, period_id=period.id).first()
    if existing is not None:
        raise WorkflowError(f"Kuesioner {unit.name} untuk {P.parse_period(period.code).label} sudah ada; "
                            "buka halamannya untuk mengatur atau membukanya kembali.")
    coll = SurveyCollection(unit=unit, period=period, token=secrets.token_urlsafe(16)[:22], status=OPEN,
                            element_keys=question_keys(period), service_types=_service_types(service_types),
                            population=_population(population), opened_by_id=getattr(user, "id", None))
    db.session.add(coll)
    db.session.flush()
    record("survey_collection", coll.id, "open", unit_id=unit.id, user=user,
           after={"period": period.code, "population": coll.population})
    return coll


@_atomic
def update_settings(coll: SurveyCollection, version, population, service_types: str, user) -> SurveyCollection:
    check_version(coll, version)
    coll.population = _population(population)
    coll.service_types = _service_types(service_types)
    record("survey_collection", coll.id, "settings", unit_id=coll.unit_id, user=user,
           after={"population": coll.population, "service_types": coll.service_types})
    return coll


@_atomic
def reopen(coll: SurveyCollection, version, user) -> SurveyCollection:
    check_version(coll, version)
    if coll.status == OPEN:
        raise WorkflowError("Pengumpulan masih dibuka.")
    coll.status, coll.closed_at, coll.closed_by_id = OPEN, None, None
    record("survey_collection", coll.id, "reopen", unit_id=coll.unit_id, user=user)
    return coll


# --------------------------------------------------------------------------------------------
# Answers


@dataclass
class Stored:
    duplicate: bool


def record_answer(coll: SurveyCollection, response: Q.Response, nonce: str, sender: str, now=None) -> Stored:
    """Keep one respondent's answers. A form sent twice (same nonce), or the same answers from
    the same sender within ``DUPLICATE_WINDOW``, is one respondent: not stored again."""
    now = now or utcnow()
    keys = coll.element_keys
    fp = Q.fingerprint(coll.id, sender, response, keys)
    recent = db.session.execute(
        select(SurveyAnswer.id).where(SurveyAnswer.fingerprint == fp,
                                      SurveyAnswer.collection_id == coll.id,
                                      SurveyAnswer.created_at >= now - DUPLICATE_WINDOW).limit(1)).first()
    if recent is not None:
        return Stored(duplicate=True)
    try:  # nothing else is pending in the session: a refused insert rolls back only itself
        db.session.execute(insert(SurveyAnswer).values(
            collection_id=coll.id, created_at=now, answers=response.encoded(keys), age=response.age,
            sex=response.sex, education=response.education, occupation=response.occupation,
            service_type=response.service_type, reasons=response.reasons or None,
            suggestion=response.suggestion, form_nonce=nonce, fingerprint=fp))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return Stored(duplicate=True)
    return Stored(duplicate=False)


def _answer_rows(coll_id: int):
    return db.session.execute(
        select(SurveyAnswer.answers, SurveyAnswer.age, SurveyAnswer.sex, SurveyAnswer.education,
               SurveyAnswer.occupation, SurveyAnswer.created_at)
        .where(SurveyAnswer.collection_id == coll_id).order_by(SurveyAnswer.id)).all()


@dataclass
class Live:
    """A collection as it stands: respondents, result so far, target, last answer."""
    tally: Q.Tally
    result: object  # scoring.UnitResult | None
    target: Q.Target
    last_at: object
    first_at: object
    reasons: int


def live(coll: SurveyCollection) -> Live:
    keys = coll.element_keys
    rows = db.session.execute(select(SurveyAnswer.answers).where(SurveyAnswer.collection_id == coll.id)).scalars()
    t = Q.tally(rows, keys)
    first, last, reasons = db.session.execute(
        select(func.min(SurveyAnswer.created_at), func.max(SurveyAnswer.created_at),
               func.count(SurveyAnswer.reasons)).where(SurveyAnswer.collection_id == coll.id)).one()
    return Live(t, t.result(coll.unit.name), Q.target(t.respondents, coll.population), last, first, reasons)


def reasons(coll: SurveyCollection) -> dict[str, list[Q.Reason]]:
    rows = db.session.execute(select(SurveyAnswer.answers, SurveyAnswer.reasons)
                              .where(SurveyAnswer.collection_id == coll.id,
                                     SurveyAnswer.reasons.isnot(None))
                              .order_by(SurveyAnswer.id)).all()
    return Q.reasons_by_element(rows, coll.element_keys)


def reasons_for(unit_id: int, period_code: str) -> dict[str, list[Q.Reason]]:
    """The respondents' reasons for the unit's period, when it collected online (else {})."""
    coll = for_unit_period(unit_id, period_code)
    return reasons(coll) if coll is not None else {}


def suggestions(coll: SurveyCollection) -> list[str]:
    return list(db.session.execute(select(SurveyAnswer.suggestion).where(
        SurveyAnswer.collection_id == coll.id, SurveyAnswer.suggestion.isnot(None))
        .order_by(SurveyAnswer.id)).scalars())


def respondent_file(coll: SurveyCollection) -> tuple[bytes, str]:
    """The answers as the respondent-level CSV an import reads, and its numbering."""
    numbering = numbering_of(coll.element_keys)
    rows = ((r.answers, {"age": r.age, "sex": r.sex, "education": r.education, "occupation": r.occupation,
                         "submitted_at": r.created_at.strftime("%Y-%m-%d %H:%M:%S")})
            for r in _answer_rows(coll.id))
    header, body = Q.respondent_rows(rows, coll.element_keys, numbering, coll.unit.name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode(), numbering


# --------------------------------------------------------------------------------------------
# Closing


def close(coll: SurveyCollection, version, user) -> str:
    """Close collection. The admin's close makes the answers the unit's result for the period
    at once; a unit's own close (only while the period's reporting round is open) sends them as
    the unit's submission in that round, for the admin to accept like any other. Returns what
    happened, in words for the user."""
    from ..reporting import service as R
    check_version(coll, version)
    if coll.status != OPEN:
        raise WorkflowError("Pengumpulan sudah ditutup.")
    live_now = live(coll)
    if live_now.result is None:
        raise WorkflowError("Belum ada jawaban responden; pengumpulan belum dapat ditutup.")
    content, numbering = respondent_file(coll)
    label = P.parse_period(coll.period.code).label
    start = live_now.first_at.date() if live_now.first_at else None
    end = live_now.last_at.date() if live_now.last_at else None
    if getattr(user, "role", None) == "admin":
        with _conflicts_reported():
            batch = R.apply_unit_result(coll.period, coll.unit, "responses", content, "skm-daring.csv", numbering,
                                        user, kind="survey", method=SURVEY_METHOD, survey_start=start,
                                        survey_end=end)
            _closed(coll, user, batch_id=batch.id)
            notify(managers_of(coll.unit_id), f"SKM daring {coll.unit.name} {label} ditutup; "
                   f"{live_now.tally.respondents} responden menjadi hasil unit untuk periode ini.",
                   link("results.unit", code=coll.period.code, unit_id=coll.unit_id))
            db.session.commit()
        return (f"Pengumpulan ditutup: {live_now.tally.respondents} responden menjadi hasil "
                f"{coll.unit.name} untuk {label}.")
    rnd = R.get_round(coll.period.code)
    if rnd is None or rnd.status != "open":
        raise WorkflowError("Di luar putaran pelaporan, pengumpulan ditutup oleh Bagian Organisasi.")
    from werkzeug.datastructures import FileStorage
    sub = R.submit(rnd, coll.unit, R.SubmissionInput(
        mode="responses", numbering=numbering, file=FileStorage(io.BytesIO(content), "skm-daring.csv"),
        method=SURVEY_METHOD, survey_start=start, survey_end=end,
        note=f"Dikirim dari SKM daring ({live_now.tally.respondents} responden)."), user)
    with _conflicts_reported():
        _closed(coll, user, submission_id=sub.id)
        db.session.commit()
    return (f"Pengumpulan ditutup: {live_now.tally.respondents} responden dikirim sebagai hasil unit "
            f"dalam putaran pelaporan {label}, menunggu pemeriksaan Bagian Organisasi.")


def _closed(coll: SurveyCollection, user, batch_id=None, submission_id=None) -> None:
    coll.status, coll.closed_at, coll.closed_by_id = CLOSED, utcnow(), getattr(user, "id", None)
    if batch_id:
        coll.batch_id = batch_id
    if submission_id:
        coll.submission_id = submission_id
    db.session.flush()
    record("survey_collection", coll.id, "close", unit_id=coll.unit_id, user=user,
           after={"batch": batch_id, "submission": submission_id})
