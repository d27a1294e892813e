"""Database models, one module per domain area."""
from .survey import ElementScore, ImportBatch, Period, ResponseBlock, Unit, UnitAlias, UnitPage, UnitResult  # noqa: F401
from .followup import Action, CatalogueAction, Plan, ProgressEntry  # noqa: F401
from .system import (ApiToken, AuditLog, ChangeCount, DataGeneration, ExportJob, HomePage, LoginThrottle,  # noqa: F401
                     Notification, PageStore, RecapPage, RateCounter, User, user_units)
from .online import SurveyAnswer, SurveyCollection  # noqa: F401
from .reporting import ReportingRound, ResultSubmission  # noqa: F401
from .report import GroupOrder, HistoricalIkm, ReportText  # noqa: F401
