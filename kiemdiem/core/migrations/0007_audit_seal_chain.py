"""The audit trail's hash chain (core.AuditSeal), and append-only triggers on SQLite too.

PostgreSQL already refuses UPDATE, DELETE and TRUNCATE of core_auditevent (0002, 0004); the
seal table gets the same triggers. SQLite gets BEFORE UPDATE/DELETE triggers on both tables, so
a direct `UPDATE core_auditevent …` in the sqlite3 shell is refused too (whoever drops a trigger
first is then caught by verify_audit). The test database's flush goes through core's `flush`
command, which lifts them for that statement only on a test database.
"""

from django.db import migrations, models

from kiemdiem.core.audit_triggers import create_triggers, drop_triggers


def forwards(apps, schema_editor):
    create_triggers(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor.connection, only_new=True)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_audit_effective_on_summary_delta'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('seq', models.BigAutoField(primary_key=True, serialize=False)),
                ('event_id', models.BigIntegerField(unique=True, verbose_name='bản ghi nhật ký')),
                ('hash', models.CharField(max_length=64, verbose_name='mã băm')),
                ('sealed_at', models.DateTimeField(auto_now_add=True, verbose_name='niêm phong lúc')),
            ],
            options={
                'verbose_name': 'dấu niêm phong nhật ký',
                'verbose_name_plural': 'dấu niêm phong nhật ký',
                'ordering': ['seq'],
                'base_manager_name': 'objects',
            },
        ),
        migrations.AlterModelOptions(
            name='auditevent',
            options={'base_manager_name': 'objects', 'ordering': ['-at', '-id'], 'verbose_name': 'nhật ký thay đổi', 'verbose_name_plural': 'nhật ký thay đổi'},
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
