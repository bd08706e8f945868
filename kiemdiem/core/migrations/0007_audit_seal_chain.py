"""The audit trail's hash chain (core.AuditSeal), append-only triggers on SQLite too, and the
background job a user follows (core.Job).

PostgreSQL already refuses UPDATE, DELETE and TRUNCATE of core_auditevent (0002, 0004); the
seal table gets the same triggers. SQLite gets BEFORE UPDATE/DELETE triggers on both tables, so
a direct `UPDATE core_auditevent …` in the sqlite3 shell is refused too (whoever drops a trigger
first is then caught by verify_audit). The test database's flush goes through core's `flush`
command, which lifts them for that statement only on a test database.
"""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

# The same statements as kiemdiem/core/audit_triggers.py, frozen here as migrations should be.
SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()}
    BEFORE {op} ON {table}
    BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"""
    for table in ("core_auditevent", "core_auditseal")
    for op in ("UPDATE", "DELETE")
]
POSTGRES = """
CREATE TRIGGER core_auditseal_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditseal
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
CREATE TRIGGER core_auditseal_no_truncate
    BEFORE TRUNCATE ON core_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for table in ("core_auditevent", "core_auditseal"):
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}", params=None)
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS core_auditseal_no_update_delete ON core_auditseal;"
            "DROP TRIGGER IF EXISTS core_auditseal_no_truncate ON core_auditseal",
            params=None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_audit_effective_on_summary_delta'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task_id', models.CharField(max_length=32, unique=True)),
                ('name', models.CharField(max_length=200, verbose_name='công việc')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='yêu cầu lúc')),
                ('url', models.CharField(blank=True, max_length=300)),
                ('stage', models.CharField(blank=True, max_length=120, verbose_name='bước')),
                ('done', models.PositiveIntegerField(default=0)),
                ('total', models.PositiveIntegerField(default=0)),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='bắt đầu lúc')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='xong lúc')),
                ('ok', models.BooleanField(null=True, verbose_name='thành công')),
                ('result', models.TextField(blank=True, verbose_name='kết quả')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người yêu cầu')),
            ],
            options={
                'verbose_name': 'công việc nền',
                'verbose_name_plural': 'công việc nền',
                'ordering': ['-created_at', '-id'],
            },
        ),
    ]
