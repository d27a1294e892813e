"""Many rows into one table inside the session's transaction: COPY on PostgreSQL (a multi-row
INSERT of 1,500 respondent blocks with their JSON took a fifth of a second; COPY streams
them), one executemany INSERT elsewhere."""
from __future__ import annotations

from sqlalchemy import JSON, insert

from ..extensions import db


def insert_rows(model, rows: list[dict]) -> int:
    """Insert ``rows`` (dicts with the same keys, column names of ``model``'s table)."""
    if not rows:
        return 0
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(model), rows)
        return len(rows)
    from psycopg.types.json import Json

    table = model.__table__
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(table.c[c].type, JSON)}
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Json(row[c]) if c in as_json else row[c] for c in columns])
    return len(rows)


def reserve_ids(model, count: int) -> list[int] | None:
    """``count`` new ids for ``model``'s table taken from its PostgreSQL sequence in one query,
    so rows that others refer to can be COPYed instead of inserted through the ORM (whose
    multi-row INSERT ... RETURNING of 300 results took a tenth of a second, mostly the driver
    parsing the long statement). None on other databases: insert those rows through the ORM."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or count <= 0:
        return None
    from sqlalchemy import text
    table = model.__table__.name
    return list(connection.execute(
        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table, "n": count}).scalars())
