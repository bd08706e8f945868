"""Reminders of deadlines, given as notifications (the bell) and mailed with them.

The background worker runs `reminders_send()`: it works out every reminder due today (plans due
within KIEMDIEM_REMINDER_DAYS, items overdue, directive tasks due soon or overdue, assessments
due soon or missing), gives each as a notification (`core.notifications`, one row per person
and key: kind, object, deadline, recipient), then mails what is pending, one message per person.
The same events feed the bell and the e-mail, so a reminder is never given, or mailed, twice; a
moved deadline gives a new key and is reminded again; a mail that fails to send is tried again
on the next run; a person who turned e-mail off sees the reminders in the app only.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.dates import vn_date
from kiemdiem.core.models import NotificationKind
from kiemdiem.core.notifications import Note, mail_pending, notify_many
from kiemdiem.org.models import LEADER_ROLES, OversightAssignment
from kiemdiem.org.selectors import group_member_users, users_answering_for, users_of_people
from kiemdiem.oversight.models import TASK_OPEN, DirectiveTask
from kiemdiem.oversight.selectors import assessments_expected
from kiemdiem.oversight.states import DirectivePlanStatus
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ITEM_OPEN, PLAN_EDITABLE
from kiemdiem.reviews.states import CycleStatus


def reminder_days() -> int:
    return int(getattr(settings, "KIEMDIEM_REMINDER_DAYS", 3))


def _plan_label(plan: RemediationPlan) -> str:
    subject = plan.person.full_name if plan.person_id else plan.unit.name
    return _("Kế hoạch khắc phục của %(s)s") % {"s": subject}


def _plan_notes(today: datetime.date, horizon: datetime.date) -> list[Note]:
    """Plans due within the window, items overdue: to the person, or the unit's head/office."""
    plans = list(
        RemediationPlan.objects.filter(
            cycle__status=CycleStatus.OPEN,
            status__in=PLAN_EDITABLE,
            due_date__gte=today,
            due_date__lte=horizon,
        ).select_related("unit", "person", "cycle")
    )
    items = list(
        PlanAction.objects.filter(
            plan__cycle__status=CycleStatus.OPEN,
            overdue_flagged=True,
            status__in=ITEM_OPEN,
        ).select_related("plan__unit", "plan__person")
    )
    person_ids = {p.person_id for p in plans if p.person_id}
    person_ids |= {a.responsible_person_id or a.plan.person_id for a in items} - {None}
    users_of = users_of_people(person_ids)
    collective_units = {p.unit_id for p in plans if not p.person_id}
    collective_units |= {
        a.plan.unit_id for a in items if not a.responsible_person_id and not a.plan.person_id
    }
    heads = users_answering_for(collective_units, today)

    def recipients(person_id: int | None, unit_id: int) -> set[int]:
        if person_id:
            return {users_of[person_id]} if person_id in users_of else set()
        return heads.get(unit_id, set())

    notes: list[Note] = []
    for plan in plans:
        text = _("%(p)s (%(c)s): hạn nộp %(d)s.") % {
            "p": _plan_label(plan),
            "c": plan.cycle.title,
            "d": vn_date(plan.due_date),
        }
        for user_id in recipients(plan.person_id, plan.unit_id):
            key = f"{NotificationKind.PLAN_DUE}:plan={plan.pk}:due={plan.due_date}:user={user_id}"
            notes.append(
                Note(user_id, NotificationKind.PLAN_DUE, key, text, plan.get_absolute_url())
            )
    for item in items:
        text = _("“%(i)s” — %(p)s: thời hạn %(d)s, đã quá hạn.") % {
            "i": str(item)[:120],
            "p": _plan_label(item.plan),
            "d": vn_date(item.due_date),
        }
        person_id = item.responsible_person_id or item.plan.person_id
        for user_id in recipients(person_id, item.plan.unit_id):
            key = (
                f"{NotificationKind.ITEM_OVERDUE}:item={item.pk}:due={item.due_date}:user={user_id}"
            )
            notes.append(
                Note(user_id, NotificationKind.ITEM_OVERDUE, key, text, item.get_absolute_url())
            )
    return notes


def _task_notes(today: datetime.date, horizon: datetime.date) -> list[Note]:
    """Tasks of adopted implementation plans due within the window or overdue: to the lead
    body's head and office."""
    tasks = list(
        DirectiveTask.objects.filter(
            plan__status=DirectivePlanStatus.ADOPTED, status__in=TASK_OPEN, due_date__lte=horizon
        ).select_related("plan", "lead_unit")
    )
    heads = users_answering_for({t.lead_unit_id for t in tasks}, today, roles=LEADER_ROLES)
    notes: list[Note] = []
    for task in tasks:
        overdue = task.due_date < today
        kind = NotificationKind.TASK_OVERDUE if overdue else NotificationKind.TASK_DUE
        text = (
            _("Nhiệm vụ “%(t)s” (%(p)s): thời hạn %(d)s, đã quá hạn.")
            if overdue
            else _("Nhiệm vụ “%(t)s” (%(p)s): sắp đến hạn %(d)s.")
        ) % {"t": str(task)[:120], "p": task.plan, "d": vn_date(task.due_date)}
        for user_id in heads.get(task.lead_unit_id, set()):
            key = f"{kind}:task={task.pk}:due={task.due_date}:user={user_id}"
            notes.append(Note(user_id, kind, key, text, task.get_absolute_url()))
    return notes


def _assessment_notes(today: datetime.date, horizon: datetime.date) -> list[Note]:
    """Assessments due within the window or missing after their due date: to the group's
    members, or the member assigned in person."""
    expected = [
        e
        for e in assessments_expected(OversightAssignment.objects.all(), until=today)
        if e.state in ("due", "missing")
        and e.period.due_on <= horizon
        and e.period.cycle.status == CycleStatus.OPEN
    ]
    members: dict[int, set[int]] = {}
    for group_id in {e.group.pk for e in expected if e.group is not None}:
        members[group_id] = group_member_users({group_id}, today)
    people = users_of_people({e.person.pk for e in expected if e.person is not None})
    notes: list[Note] = []
    for e in expected:
        late = e.state == "missing"
        text = (
            _("Báo cáo nhận xét %(p)s về “%(u)s” đã quá hạn gửi (%(d)s).")
            if late
            else _("Báo cáo nhận xét %(p)s về “%(u)s” đến hạn gửi ngày %(d)s.")
        ) % {"p": e.period.label, "u": e.unit, "d": vn_date(e.period.due_on)}
        if e.group is not None:
            users = members.get(e.group.pk, set())
            who = f"group={e.group.pk}"
        else:
            assert e.person is not None
            users = {people[e.person.pk]} if e.person.pk in people else set()
            who = f"person={e.person.pk}"
        state = "late" if late else "due"
        for user_id in users:
            key = (
                f"{NotificationKind.ASSESSMENT_DUE}:{state}:{who}:unit={e.unit.pk}"
                f":period={e.period.pk}:user={user_id}"
            )
            notes.append(Note(user_id, NotificationKind.ASSESSMENT_DUE, key, text))
    return notes


def reminders_due(today: datetime.date | None = None) -> dict[int, list[Note]]:
    """Every reminder that should have been given by `today`, per recipient user id."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=reminder_days())
    due: dict[int, list[Note]] = defaultdict(list)
    for note in [
        *_plan_notes(today, horizon),
        *_task_notes(today, horizon),
        *_assessment_notes(today, horizon),
    ]:
        due[note.user_id].append(note)
    return due


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Give each due reminder once, then mail every pending notification (one message per
    person and run); returns counts {"given", "mails", "reminders", "failed"} ("reminders":
    the notifications mailed)."""
    due = reminders_due(today)
    given = notify_many(note for notes in due.values() for note in notes)
    mailed = mail_pending()
    return {
        "given": given,
        "mails": mailed["mails"],
        "reminders": mailed["notifications"],
        "failed": mailed["failed"],
    }
