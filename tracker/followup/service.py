"""Follow-up (RTL) workflow: plans, actions, progress, verification, carry-over, catalogue,
evidence files and notifications. Views stay thin and call these functions; each public
function that changes data is one transaction (commit on success, rollback on any error) and
writes its audit rows in that same transaction.

Plan state machine (tracker.models.followup):

    draft --submit--> submitted --accept--> accepted
                         |
                         +--return--> returned --submit--> submitted

Actions are written while the plan is ``draft`` or ``returned``; progress is logged only on
``accepted`` plans. No action stays unscheduled: a plan is not submitted while an action has no
quarter, and the only change allowed on an accepted plan's action is giving an unscheduled one
its quarters (``schedule_action``: the unit's manager or the admin, audited). Progress entries
are never overwritten: an inspector verifies or rejects a ``submitted`` entry, and a rejected
entry is answered by a new entry with ``supersedes_id``. A report under review (``submitted``)
cannot be edited: the ORM refuses any change to it but the review itself, and its action is
neither changed nor deleted while it waits (:class:`ReportLocked`, HTTP 409).

Optimistic locking: every form carries the row's ``version``; a mismatch (or SQLAlchemy's own
version check at flush) raises :class:`StaleError` and nothing is changed.
The workflow lives in one module per domain line; this module gathers their public names so
views and commands keep calling ``service.X``:

- ``workflow``: errors, optimistic locking, transactions, audit dictionaries;
- ``plans``: priorities, plans and actions, scheduling, submission and decisions;
- ``progress``: progress reports, evidence files, review and the lock on reports under review;
- ``catalogue``: common actions per element;
- ``notifications``: who is told, and reading a task's notifications when it is done.
"""
from .catalogue import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
from .plans import *  # noqa: F401,F403
from .progress import *  # noqa: F401,F403
from .workflow import *  # noqa: F401,F403
