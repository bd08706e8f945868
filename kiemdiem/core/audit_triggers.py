"""The SQLite triggers that keep the audit tables append-only (created by core/0007; PostgreSQL's
come from 0002, 0004 and 0007). `lifted()` drops them around a test database's flush only."""

import contextlib
from collections.abc import Iterator

TABLES = ("core_auditevent", "core_auditseal")

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()}
    BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]


def create_triggers(connection) -> None:
    """SQLite only: the migration (0007) created them; this puts them back after a flush."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in SQLITE:
            cursor.execute(statement)


def drop_triggers(connection) -> None:
    """SQLite only (PostgreSQL's stay: its test flush is let through by a session setting)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            for op in ("update", "delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")


@contextlib.contextmanager
def lifted(connection) -> Iterator[None]:
    """SQLite only: without the triggers for the duration (a test database's flush)."""
    drop_triggers(connection)
    try:
        yield
    finally:
        create_triggers(connection)
