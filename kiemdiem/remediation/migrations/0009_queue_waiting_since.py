"""The time and author of each plan's latest submission and of each item's latest "done"
report, kept on the plan and the item (issue 17: the queues looked them up per waiting row),
then the partial indexes of the two queues.

Filled here for the rows the queues read: the plans waiting for appraisal (status submitted)
and the items waiting for verification (status done). Every later submission or "done" report
writes them (remediation.services), and a plan or item enters those states only that way; the
rows of other states keep NULL until then, as no page reads them. On the national data set
this fill takes ~40–70 s (390k plans, 330k items); filling every plan and item with a history
took ~160 s (2.0 M plans, 0.96 M items: an UPDATE rewrites each row and its index entries)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# A correlated lookup per waiting row, through the submissions' (plan, number) key and the
# progress reports' (action, status, reported_at, id) index.
STATEMENTS = [
    """UPDATE remediation_remediationplan SET (last_submitted_at, last_submitted_by_id) = (
        SELECT s.submitted_at, s.submitted_by_id FROM remediation_plansubmission s
        WHERE s.plan_id = remediation_remediationplan.id ORDER BY s.number DESC LIMIT 1)
    WHERE status = 'submitted'""",
    """UPDATE remediation_planaction SET (done_at, done_by_id) = (
        SELECT u.reported_at, u.reported_by_id FROM remediation_progressupdate u
        WHERE u.action_id = remediation_planaction.id AND u.status = 'done'
        ORDER BY u.reported_at DESC, u.id DESC LIMIT 1)
    WHERE status = 'done'""",
]


def fill(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in STATEMENTS:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_unit_path_order_index"),
        ("remediation", "0008_progress_partitioned_by_year"),
        ("reviews", "0005_unit_cycle_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="planaction",
            name="done_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="remediationplan",
            name="last_submitted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="planaction",
            name="done_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="remediationplan",
            name="last_submitted_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="planaction",
            index=models.Index(
                condition=models.Q(("status", "done")),
                fields=["done_at", "id"],
                name="remediation_action_waiting_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="remediationplan",
            index=models.Index(
                condition=models.Q(("status", "submitted")),
                fields=["last_submitted_at", "id"],
                name="remediation_plan_waiting_idx",
            ),
        ),
    ]
