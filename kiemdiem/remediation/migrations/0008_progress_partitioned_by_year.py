"""PostgreSQL: progress reports become a table partitioned by year on reported_at
(kiemdiem/core/partitions.py); a closed year's reports refuse UPDATE, DELETE and TRUNCATE.

Evidence.update loses its database foreign key (a partitioned table's primary key is
(id, reported_at), which a constraint on update_id alone cannot reference); a trigger refuses
evidence whose progress report does not exist, and locks that report as the foreign key did.
Reversible: back to one plain table and the foreign key. SQLite: only the foreign key goes.
"""

import django.db.models.deletion
from django.db import migrations, models

from kiemdiem.core.partitions import partition_table, unpartition_table

EVIDENCE_CHECK = """
CREATE OR REPLACE FUNCTION remediation_evidence_update_exists() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM remediation_progressupdate WHERE id = NEW.update_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'remediation_evidence: progress update % does not exist', NEW.update_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER remediation_evidence_update_exists
    BEFORE INSERT OR UPDATE OF update_id ON remediation_evidence
    FOR EACH ROW EXECUTE FUNCTION remediation_evidence_update_exists();
"""

EVIDENCE_CHECK_DROP = """
DROP TRIGGER IF EXISTS remediation_evidence_update_exists ON remediation_evidence;
DROP FUNCTION IF EXISTS remediation_evidence_update_exists();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        partition_table(schema_editor, "remediation_progressupdate", "reported_at")
        schema_editor.execute(EVIDENCE_CHECK, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EVIDENCE_CHECK_DROP, params=None)
        unpartition_table(schema_editor, "remediation_progressupdate", "reported_at")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_audit_partitioned_by_year"),
        ("remediation", "0007_unit_cycle_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidence",
            name="update",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="evidence",
                to="remediation.progressupdate",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
