"""Django's flush, able to empty the audit table of a test database on PostgreSQL.

The audit table refuses TRUNCATE (core/migrations/0004_audit_no_truncate.py). Tests that run
against a live server empty every table with `flush` between tests; on a database named test_…
this command tells the trigger, for its own session only, to let that through. On any other
database the trigger refuses and the flush fails: the audit trail is never wiped.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.creation import TEST_DATABASE_PREFIX


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        allow = connection.vendor == "postgresql" and str(
            connection.settings_dict["NAME"]
        ).startswith(TEST_DATABASE_PREFIX)
        if not allow:
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SET kiemdiem.audit_truncate = 'allow'")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET kiemdiem.audit_truncate")
