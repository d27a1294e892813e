"""Extension objects, created once and bound to the app in create_app."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints keep migrations identical on SQLite and PostgreSQL.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

db = SQLAlchemy(metadata=metadata)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def core_rows(statement):
    """Rows of a Core ``select`` of table columns, read on the session's connection (same
    transaction, after flushing what is pending) without the ORM's result machinery, which
    costs more than the query itself for the tens of thousands of rows a city's export reads."""
    db.session.flush()
    return _AllAtOnce(db.session.connection().execute(statement))


class _AllAtOnce:
    """A result that, iterated, fetches every row in one call: iterating the cursor result
    itself asks the driver for one row at a time (with psycopg, a third of reading a few
    thousand rows). Everything else (``all``, ``one``, ``scalar``...) is the result's own."""
    __slots__ = ("_result",)

    def __init__(self, result):
        self._result = result

    def __iter__(self):
        return iter(self._result.all())

    def __getattr__(self, name):
        return getattr(self._result, name)
