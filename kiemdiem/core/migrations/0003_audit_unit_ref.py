"""AuditEvent.unit_ref: the id of the row's unit, so rows follow their unit through moves.

Existing rows are backfilled from the last segment of their unit_path (six base-36 digits and a
dot, see org.models.path_segment), in one UPDATE computed in SQL. On PostgreSQL the append-only
trigger refuses UPDATE, so it is disabled for that one statement and enabled again, inside the
migration's transaction (a failure rolls both back).
"""

from django.db import migrations, models

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
TRIGGER = "core_auditevent_no_update_delete"


def unit_ref_sql(vendor: str, column: str = "unit_path") -> str:
    """SQL for the integer value of the last path segment of `column`."""
    position = "strpos" if vendor == "postgresql" else "instr"
    terms = [
        f"CAST({position}('{DIGITS}', substr({column}, length({column}) - 6 + {i}, 1)) - 1 "
        f"AS BIGINT) * {36 ** (5 - i)}"
        for i in range(6)
    ]
    return " + ".join(terms)


def backfill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    table = schema_editor.quote_name("core_auditevent")
    update = (
        f"UPDATE {table} SET unit_ref = {unit_ref_sql(vendor)} "
        "WHERE unit_ref IS NULL AND length(unit_path) >= 7 "
        "AND substr(unit_path, length(unit_path), 1) = '.'"
    )
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}", params=None)
        schema_editor.execute(update, params=None)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}", params=None)
    else:
        schema_editor.execute(update, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="unit_ref",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="đơn vị liên quan"),
        ),
        # Going back drops the column, so nothing to undo.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["unit_ref", "-at"], name="core_audit_unit_idx"),
        ),
    ]
