"""Database models, one module per domain area."""
from .survey import ElementScore, ImportBatch, Period, ResponseBlock, Unit, UnitAlias, UnitResult  # noqa: F401
from .followup import Action, CatalogueAction, Plan, ProgressEntry  # noqa: F401
from .system import (AuditLog, DataGeneration, ExportJob, LoginThrottle, Notification, PageStore, User,  # noqa: F401
                     user_units)
from .reporting import ReportingRound, ResultSubmission  # noqa: F401
from .report import GroupOrder, HistoricalIkm, ReportText  # noqa: F401
