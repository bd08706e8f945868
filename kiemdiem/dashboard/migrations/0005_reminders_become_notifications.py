"""Reminder e-mails become notifications (core.Notification, read and mailed): the keys of the
reminders already sent are carried over, mailed and read, so none of them goes out again."""

from django.db import migrations

BATCH = 2000


def carry_over(apps, schema_editor):
    Reminder = apps.get_model("dashboard", "Reminder")
    Notification = apps.get_model("core", "Notification")
    rows = []
    for reminder in Reminder.objects.order_by("pk").iterator(chunk_size=BATCH):
        rows.append(
            Notification(
                user_id=reminder.user_id,
                kind=reminder.kind,
                key=reminder.key,
                text="Thư nhắc việc đã gửi: " + reminder.key,
                read_at=reminder.sent_at,
                mail_state="sent",
                mailed_at=reminder.sent_at,
            )
        )
        if len(rows) >= BATCH:
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0009_notifications"),
        ("dashboard", "0004_summary_delta_moves_to_core"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="Reminder"),
    ]
