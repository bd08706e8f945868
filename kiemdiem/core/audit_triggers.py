"""Database triggers that keep the audit tables append-only, on SQLite and PostgreSQL.

PostgreSQL: core_auditevent's triggers come from migrations 0002 and 0004; the seal table gets
the same two here (the functions are shared). SQLite: one BEFORE UPDATE and one BEFORE DELETE
trigger per table. `lifted()` drops the SQLite ones around a test database's flush only.
"""

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

POSTGRES_SEAL = """
CREATE TRIGGER core_auditseal_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditseal
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
CREATE TRIGGER core_auditseal_no_truncate
    BEFORE TRUNCATE ON core_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_no_truncate();
"""


def create_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in SQLITE:
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRES_SEAL)


def drop_triggers(connection, *, only_new: bool = False) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in TABLES:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif connection.vendor == "postgresql" and only_new:
            cursor.execute(
                "DROP TRIGGER IF EXISTS core_auditseal_no_update_delete ON core_auditseal"
            )
            cursor.execute("DROP TRIGGER IF EXISTS core_auditseal_no_truncate ON core_auditseal")


@contextlib.contextmanager
def lifted(connection) -> Iterator[None]:
    """SQLite only: without the triggers for the duration (a test database's flush)."""
    drop_triggers(connection)
    try:
        yield
    finally:
        create_triggers(connection)
