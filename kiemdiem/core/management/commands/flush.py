"""Django's flush, able to empty the audit tables of a test database.

The audit tables refuse TRUNCATE and DELETE (core/migrations 0002, 0004, 0006), and on PostgreSQL
the yearly partitions of a closed year refuse TRUNCATE (core/partitions.py). Tests that run
against a live server empty every table with `flush` between tests; on a PostgreSQL database
named test_… this command tells the trigger, for its own session only, to let that through; on
a SQLite test database (in memory, or named test_…) it drops the triggers for the flush and
creates them again. On any other database the triggers refuse and the flush fails: the audit
trail is never wiped.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from kiemdiem.core.audit_triggers import lifted


def is_test_sqlite(connection) -> bool:
    name = str(connection.settings_dict["NAME"])
    return connection.vendor == "sqlite" and (
        connection.is_in_memory_db() or name.rsplit("/", 1)[-1].startswith(TEST_DATABASE_PREFIX)
    )


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        allow = connection.vendor == "postgresql" and str(
            connection.settings_dict["NAME"]
        ).startswith(TEST_DATABASE_PREFIX)
        if is_test_sqlite(connection):
            with lifted(connection):
                return super().handle(**options)
        if not allow:
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SET kiemdiem.audit_truncate = 'allow'")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET kiemdiem.audit_truncate")
