"""Writing many rows fast in the session's transaction: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, update

from jamforaren.extensions import db

CHUNK = 5000


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _raw_cursor() -> Any:
    return db.session.connection().connection.driver_connection.cursor()


def insert_rows(table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if _postgres():
        with _raw_cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    # SQLite: the driver's executemany with plain values (SQLAlchemy stores Numeric there as REAL).
    plain = [tuple(float(v) if isinstance(v, Decimal) else v for v in (row[c] for c in columns)) for row in rows]
    cursor = db.session.connection().connection.driver_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
                           f"({', '.join('?' for _ in columns)})", plain)
    finally:
        cursor.close()


def update_rows(table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Set ``columns`` of the rows with these ids."""
    if not rows:
        return
    if _postgres() and len(rows) > 1000:
        with _raw_cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE import_update (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP")
            with cursor.copy(f"COPY import_update (id, {', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row["id"], *(row[c] for c in columns)])
            assignments = ", ".join(f"{c} = u.{c}" for c in columns)
            cursor.execute(f"UPDATE {table.name} AS t SET {assignments} FROM import_update AS u WHERE t.id = u.id")
            cursor.execute("DROP TABLE import_update")
        return
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {c: bindparam(f"new_{c}") for c in columns})
    for start in range(0, len(rows), CHUNK):
        db.session.execute(statement, [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}}
                                       for r in rows[start:start + CHUNK]])
