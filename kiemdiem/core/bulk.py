"""Plain bulk INSERTs: rows as tuples, no model instances, no signals.

PostgreSQL gets COPY, SQLite executemany in chunks. Used where tens of thousands of rows are
written at once and model instances would dominate the time: the demo loader, imports, the audit
rows of a cycle opening (measured on the province demo: 70,000 reviews and as many plans through
model instances took the opening from 14 s to 48 s).
"""

import datetime
from collections.abc import Iterable

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

CHUNK = 20_000


class Table:
    """INSERT target: the given columns, plus any other concrete column at its model default."""

    def __init__(
        self, connection: BaseDatabaseWrapper, model: type[models.Model], attnames: list[str]
    ) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.name = model._meta.db_table
        self.attnames = attnames
        # Fields added to the models later get their default, so this keeps working.
        extra = [f for f in model._meta.concrete_fields if f.attname not in attnames]
        self.columns = [fields[a].column for a in attnames] + [f.column for f in extra]
        self.extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)

    @classmethod
    def columns_only(cls, name: str, columns: list[str]) -> "Table":
        """Exactly these columns of table `name`; the others take the database's own defaults
        (an id from its sequence)."""
        table = cls.__new__(cls)
        table.name, table.attnames, table.columns, table.extra = name, columns, columns, ()
        return table

    def column_sql(self, connection: BaseDatabaseWrapper) -> str:
        return ", ".join(connection.ops.quote_name(c) for c in self.columns)


def insert_rows(connection: BaseDatabaseWrapper, table: Table, rows: Iterable[tuple]) -> int:
    """Insert `rows` (values in `table.attnames` order) inside the caller's transaction."""
    count = 0
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row + table.extra if table.extra else row)
        if len(chunk) >= CHUNK:
            count += _flush(connection, table, chunk)
            chunk = []
    if chunk:
        count += _flush(connection, table, chunk)
    return count


def _flush(connection: BaseDatabaseWrapper, table: Table, rows: list[tuple]) -> int:
    columns = table.column_sql(connection)
    quoted = connection.ops.quote_name(table.name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Dates as ISO text, which is how Django stores them in SQLite.
            rows = [
                tuple(v.isoformat() if isinstance(v, datetime.date) else v for v in row)
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(f"INSERT INTO {quoted} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys of `model`, taken before the rows are inserted."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the caller's transaction holds the write lock, so nobody else takes ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def analyze(*tables: type[models.Model], on: BaseDatabaseWrapper = connection) -> None:
    """Fresh planner statistics for tables just filled in bulk (the demo campaign, the
    benchmarks' data). SQLite otherwise plans with the figures of when they were nearly empty:
    on the province demo it read a cycle's history by walking the whole audit trail by date
    instead of through the object index (the cycle page: 124 → 35 ms)."""
    with on.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {on.ops.quote_name(model._meta.db_table)}")
