"""Notifications of oversight events (core.notifications): one row per person and event, mailed
once; a person who turns e-mail off still sees them under the bell and gets no mail."""

import datetime

from django.core import mail
from django.urls import reverse

from kiemdiem.core.models import AuditEvent, MailState, Notification
from kiemdiem.core.notifications import mail_pending, notify
from kiemdiem.oversight import services
from kiemdiem.reports.models import ReportPeriod

D = datetime.date


def _with_address(*users):
    for user in users:
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])


def test_an_event_is_notified_and_mailed_once(oversight):
    _with_address(oversight.unit_user)
    event = {"kind": "task_assigned", "key": "task_assigned:task=1", "text": "Nhiệm vụ mới"}
    assert notify(user_ids=[oversight.unit_user.pk, oversight.unit_user.pk], **event) == 1
    assert notify(user_ids=[oversight.unit_user.pk], **event) == 0  # a retried task, a resweep
    assert Notification.objects.filter(user=oversight.unit_user).count() == 1
    assert mail_pending()["mails"] == 1 and mail_pending()["mails"] == 0
    assert len(mail.outbox) == 1 and "Nhiệm vụ mới" in mail.outbox[0].body


def test_email_turned_off_on_the_page_keeps_the_bell(
    client, oversight, open_cycle, org_tree, travel_to
):
    """The unit's secretary turns e-mail off; the group's assessment still reaches the bell,
    nothing is mailed; turned on again, only what comes after is mailed."""
    _with_address(oversight.unit_user, oversight.leader_user)
    client.force_login(oversight.unit_user)
    page = client.get(reverse("notifications")).content.decode()
    assert 'name="email_enabled"' in page and "checked" in page
    client.post(reverse("notification-settings"), {})  # the box unticked
    change = AuditEvent.objects.get(object_type="core.notificationsettings")
    assert change.actor == oversight.unit_user and change.changes == {
        "email_enabled": [True, False]
    }
    travel_to(D(2026, 7, 5))
    period = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    assessment = services.assessment_create(
        group=oversight.group, unit=org_tree.district_a1, period=period, by=oversight.member_user
    )
    services.assessment_update(assessment=assessment, remarks="Tốt", by=oversight.member_user)
    services.assessment_submit(assessment=assessment, by=oversight.leader_user)
    note = Notification.objects.get(user=oversight.unit_user, kind="assessment_received")
    mail_pending()
    assert not [m for m in mail.outbox if oversight.unit_user.email in m.to]
    note.refresh_from_db()
    assert note.mail_state == MailState.SKIPPED and note.read_at is None
    client.force_login(oversight.unit_user)  # six months on: a new session
    bell = client.get(reverse("notifications")).content.decode()
    assert note.text in bell and "1 chưa đọc" in bell

    client.post(reverse("notification-settings"), {"email_enabled": "on"})
    notify(user_ids=[oversight.unit_user.pk], kind="task_assigned", key="later", text="Việc sau")
    mail.outbox.clear()
    mail_pending()
    (message,) = [m for m in mail.outbox if oversight.unit_user.email in m.to]
    assert "Việc sau" in message.body and note.text not in message.body
