"""SQLite: drop the page-state counter and its triggers (issue 17, session 8).

Kept pages read SQLite's state from the connection itself now (`PRAGMA data_version` and
`total_changes()`, kiemdiem/core/page_cache.py); the counter row that a trigger on every table
raised for each row written (installed after every migrate since session 7) only slowed writes.
Nothing to do on PostgreSQL, which never had it.
"""

from django.db import migrations


def drop_counter(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kd_state\\_%' ESCAPE '\\'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        cursor.execute("DROP TABLE IF EXISTS kiemdiem_page_state")


class Migration(migrations.Migration):
    dependencies = [("core", "0012_audit_order_index")]

    operations = [migrations.RunPython(drop_counter, migrations.RunPython.noop, elidable=True)]
