"""Reminder e-mails sent by the background worker: plans due soon, items overdue.

Each reminder has a key (kind, object, deadline, recipient) recorded in Reminder before the mail
goes out, so running the worker again, or two workers at once, never sends the same reminder
twice; a mail that fails to send releases its keys and is tried again on the next run.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.dates import vn_date
from kiemdiem.dashboard.models import Reminder, ReminderKind
from kiemdiem.org.models import AccessGrant, AccessRole, Person, Position, PositionRole
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ITEM_OPEN, PLAN_EDITABLE
from kiemdiem.reviews.states import CycleStatus

logger = logging.getLogger(__name__)

# Who answers for a collective's plan: its secretary or head, and the unit-head access grant.
HEAD_ROLES = (PositionRole.SECRETARY, PositionRole.HEAD)
CHUNK = 900


@dataclass(frozen=True)
class Line:
    key: str
    kind: str
    text: str


def reminder_days() -> int:
    return int(getattr(settings, "KIEMDIEM_REMINDER_DAYS", 3))


def _users_of_people(person_ids: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), CHUNK):
        found.update(
            Person.objects.filter(
                pk__in=ids[start : start + CHUNK], user__isnull=False
            ).values_list("pk", "user_id")
        )
    return found


def _heads_of_units(unit_ids: set[int], day: datetime.date) -> dict[int, set[int]]:
    """User ids answering for each unit's collective plan (secretary/head, head grant)."""
    heads: dict[int, set[int]] = defaultdict(set)
    ids = sorted(unit_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for unit_id, user_id in (
            Position.objects.current(day)
            .filter(unit_id__in=chunk, role__in=HEAD_ROLES, person__user__isnull=False)
            .values_list("unit_id", "person__user_id")
        ):
            heads[unit_id].add(user_id)
        for unit_id, user_id in (
            AccessGrant.objects.current(day)
            .filter(unit_id__in=chunk, role=AccessRole.HEAD)
            .values_list("unit_id", "user_id")
        ):
            heads[unit_id].add(user_id)
    return heads


def _plan_label(plan: RemediationPlan) -> str:
    subject = plan.person.full_name if plan.person_id else plan.unit.name
    return _("Kế hoạch khắc phục của %(s)s") % {"s": subject}


def reminders_due(today: datetime.date | None = None) -> dict[int, list[Line]]:
    """Every reminder that should have gone out by `today`, per recipient user id."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=reminder_days())
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
    users_of = _users_of_people(person_ids)
    collective_units = {p.unit_id for p in plans if not p.person_id}
    collective_units |= {
        a.plan.unit_id for a in items if not a.responsible_person_id and not a.plan.person_id
    }
    heads = _heads_of_units(collective_units, today)

    def recipients(person_id: int | None, unit_id: int) -> set[int]:
        if person_id:
            return {users_of[person_id]} if person_id in users_of else set()
        return heads.get(unit_id, set())

    due: dict[int, list[Line]] = defaultdict(list)
    for plan in plans:
        text = _("%(p)s (%(c)s): hạn nộp %(d)s.") % {
            "p": _plan_label(plan),
            "c": plan.cycle.title,
            "d": vn_date(plan.due_date),
        }
        for user_id in recipients(plan.person_id, plan.unit_id):
            key = f"{ReminderKind.PLAN_DUE}:plan={plan.pk}:due={plan.due_date}:user={user_id}"
            due[user_id].append(Line(key, ReminderKind.PLAN_DUE, text))
    for item in items:
        text = _("“%(i)s” — %(p)s: thời hạn %(d)s, đã quá hạn.") % {
            "i": str(item)[:120],
            "p": _plan_label(item.plan),
            "d": vn_date(item.due_date),
        }
        person_id = item.responsible_person_id or item.plan.person_id
        for user_id in recipients(person_id, item.plan.unit_id):
            key = f"{ReminderKind.ITEM_OVERDUE}:item={item.pk}:due={item.due_date}:user={user_id}"
            due[user_id].append(Line(key, ReminderKind.ITEM_OVERDUE, text))
    return due


def _already_sent(keys: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        sent.update(
            Reminder.objects.filter(key__in=keys[start : start + CHUNK]).values_list(
                "key", flat=True
            )
        )
    return sent


def _message(user, lines: list[Line]) -> EmailMessage:
    plans = [line.text for line in lines if line.kind == ReminderKind.PLAN_DUE]
    items = [line.text for line in lines if line.kind == ReminderKind.ITEM_OVERDUE]
    name = getattr(getattr(user, "person", None), "full_name", "") or user.get_username()
    parts = [_("Kính gửi đồng chí %(n)s,") % {"n": name}, ""]
    if plans:
        parts.append(_("Kế hoạch khắc phục sắp đến hạn nộp:"))
        parts += [f"- {text}" for text in plans]
        parts.append("")
    if items:
        parts.append(_("Nội dung khắc phục đã quá thời hạn hoàn thành:"))
        parts += [f"- {text}" for text in items]
        parts.append("")
    parts.append(_("Đề nghị đồng chí đăng nhập hệ thống kiemdiem để cập nhật."))
    subject = _("[kiemdiem] Nhắc việc: %(p)d kế hoạch sắp đến hạn, %(i)d nội dung quá hạn") % {
        "p": len(plans),
        "i": len(items),
    }
    return EmailMessage(subject=subject, body="\n".join(parts), to=[user.email])


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send each due reminder once (one e-mail per recipient and run); returns counts."""
    due = reminders_due(today)
    sent_keys = _already_sent([line.key for lines in due.values() for line in lines])
    users = (
        get_user_model()
        .objects.filter(pk__in=list(due), is_active=True)
        .exclude(email="")
        .select_related("person")
        .in_bulk()
    )
    result = {"mails": 0, "reminders": 0, "failed": 0}
    mail = get_connection()
    for user_id, lines in sorted(due.items()):
        user = users.get(user_id)
        fresh = [line for line in lines if line.key not in sent_keys]
        if user is None or not fresh:
            continue
        try:
            # Claim first: a concurrent worker that claimed one of these keys makes this fail.
            with transaction.atomic():
                Reminder.objects.bulk_create(
                    [Reminder(key=line.key, kind=line.kind, user_id=user_id) for line in fresh]
                )
        except IntegrityError:
            continue
        try:
            mail.send_messages([_message(user, fresh)])
        except Exception:  # noqa: BLE001 - any mail failure: release the keys, retry next run
            logger.exception("Không gửi được thư nhắc việc cho %s", user.email)
            Reminder.objects.filter(key__in=[line.key for line in fresh]).delete()
            result["failed"] += 1
            continue
        result["mails"] += 1
        result["reminders"] += len(fresh)
    return result
