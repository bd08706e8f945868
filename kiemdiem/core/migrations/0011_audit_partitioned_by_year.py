"""PostgreSQL: the audit trail becomes a table partitioned by year (kiemdiem/core/partitions.py).

In place: the rows, ids, index and trigger names (0002, 0004 and Django's indexes), and grants
stay; the primary key becomes (id, at). Also creates the SQL functions kiemdiem_partition_add
(SECURITY DEFINER: the daily `partitions-ensure` schedule runs as the application's role) and
kiemdiem_partition_closed (a closed year's partition refuses UPDATE, DELETE, TRUNCATE). Reversible:
back to one plain table with every row and id (the id's default is then the same sequence rather
than an identity column; Django does not tell them apart). SQLite: nothing changes.
"""

from django.db import migrations

from kiemdiem.core.partitions import DROP_FUNCTIONS, FUNCTIONS, partition_table, unpartition_table


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)
        partition_table(schema_editor, "core_auditevent", "at")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        unpartition_table(schema_editor, "core_auditevent", "at")
        # remediation/0008 is reversed first, so nothing uses the functions any more
        schema_editor.execute(DROP_FUNCTIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0010_job_attempts")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
