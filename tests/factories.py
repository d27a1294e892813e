"""factory-boy factories for the tracker's rows: one way to build units, plans, actions, reports
and users in tests, committed through the application's session.

    unit = UnitFactory(name="Unit X")                 # name_key follows the name
    plan = PlanFactory(unit=unit, period=period)      # accepted unless told otherwise
    action = ActionFactory(plan=plan, quarters=["2023-TW1"])
    ReportFactory(action=action, quarter="2023-TW1", percent=50, status="verified")

A period comes from the application's own ``ensure_period`` (its dates and element set follow
the code), so factories take a ``period`` object rather than building one.
"""
from __future__ import annotations

from datetime import datetime

import factory
from factory.alchemy import SQLAlchemyModelFactory

from tracker.extensions import db
from tracker.models import Action, Plan, ProgressEntry, Unit
from tracker.models.survey import UnitAlias, name_key


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the app's scoped session
        sqlalchemy_session_persistence = "commit"


class UnitFactory(_Base):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n}")
    name_key = factory.LazyAttribute(lambda o: name_key(o.name))
    group = None

    @factory.post_generation
    def alias_names(obj, create, extracted, **kwargs):
        """``UnitFactory(name="Kelurahan Tirta", alias_names=["Kelurahan Tirto"])``."""
        for alias in extracted or ():
            obj.aliases.append(UnitAlias(name=alias, name_key=name_key(alias)))
        if create and extracted:
            db.session.commit()


class PlanFactory(_Base):
    class Meta:
        model = Plan

    unit = factory.SubFactory(UnitFactory)
    period = None  # required: pass the Period
    status = "accepted"


class ActionFactory(_Base):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    element = "waktu"
    text = factory.Sequence(lambda n: f"Kegiatan {n}")
    quarters = factory.LazyFunction(list)
    owner = "Sub Bagian Umum"
    not_actionable = False


class ReportFactory(_Base):
    """A progress report (ProgressEntry)."""

    class Meta:
        model = ProgressEntry

    action = factory.SubFactory(ActionFactory)
    quarter = factory.LazyAttribute(lambda o: (o.action.quarters or ["2023-TW1"])[0])
    percent = 50.0
    narrative = "Sudah dilaksanakan"
    status = "submitted"
    submitted_at = factory.LazyFunction(lambda: datetime(2023, 4, 2))


def user(email: str, role: str, units=(), password: str = "rahasia123"):
    """A user through the application's own rule (hashing, validation, unit links)."""
    from tracker.users import create_user
    return create_user(email=email, password=password, role=role, unit_names=list(units))
