"""Notifications: what concerns a person, in the app (the bell) and, unless they turned it off,
by e-mail.

One event, one row per person: `notify()` is called by the service that changes something (a plan
returned, an assessment sent, a task assigned) inside its transaction, so a notification exists
exactly when its event was saved; the reminder sweep calls it for deadlines near or passed. The
key names the event and (user, key) is unique, so calling it again (a second sweep, a retried
task) adds nothing: an event is never notified twice.

E-mail reads the same rows: `mail_pending()` claims the rows still to mail (pending → sending, by
a conditional UPDATE, so two senders never take the same row), sends one message per person and
marks them sent; a failed message puts its rows back to pending for the next run. A person who
turned e-mail off, or has no address, gets nothing mailed (their rows are marked skipped).
"""

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import (
    AuditAction,
    MailState,
    Notification,
    NotificationKind,
    NotificationSettings,
)

logger = logging.getLogger(__name__)

# A claim older than this is from a sender that died mid-way: its rows are taken again.
STALE_CLAIM = datetime.timedelta(hours=1)
CHUNK = 900


@dataclass(frozen=True)
class Note:
    """One notification to give one person (the reminder sweep builds these in bulk)."""

    user_id: int
    kind: str
    key: str
    text: str
    url: str = ""


def notify(*, user_ids: Iterable[int | None], kind: str, key: str, text: str, url: str = "") -> int:
    """Notify each of `user_ids` of one event (`key`); returns how many rows are new."""
    return notify_many(Note(uid, kind, key, text, url) for uid in set(user_ids) if uid)


def notify_many(notes: Iterable[Note]) -> int:
    """Insert the notifications not given before (same user and key): idempotent. Returns how
    many were new (a concurrent sweep inserting the same rows is ignored by the constraint)."""
    wanted = {(n.user_id, n.key[:200]): n for n in notes}
    if not wanted:
        return 0
    keys = sorted({key for _user, key in wanted})
    existing: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        existing.update(
            Notification.objects.filter(key__in=keys[start : start + CHUNK]).values_list(
                "user_id", "key"
            )
        )
    rows = [
        Notification(user_id=user_id, kind=n.kind, key=key, text=n.text[:500], url=n.url[:300])
        for (user_id, key), n in wanted.items()
        if (user_id, key) not in existing
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def mark_read(*, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when `ids` is None); returns how many."""
    qs = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def email_enabled(user_id: int) -> bool:
    found = NotificationSettings.objects.filter(user_id=user_id).values_list(
        "email_enabled", flat=True
    )
    return next(iter(found), True)


@transaction.atomic
def set_email(*, user_id: int, enabled: bool, by: Any = None) -> None:
    """Turn the person's notification e-mails on or off (notifications stay in the app); a
    change is audited."""
    before = email_enabled(user_id)
    settings, _created = NotificationSettings.objects.update_or_create(
        user_id=user_id, defaults={"email_enabled": enabled}
    )
    if not enabled:
        Notification.objects.filter(user_id=user_id, mail_state=MailState.PENDING).update(
            mail_state=MailState.SKIPPED
        )
    if before != enabled:
        audit_record(
            obj=settings,
            action=AuditAction.UPDATE,
            by=by,
            changes={"email_enabled": [before, enabled]},
        )


def _message(user: Any, notes: list[Notification]) -> EmailMessage:
    name = getattr(getattr(user, "person", None), "full_name", "") or user.get_username()
    by_kind: dict[str, list[str]] = defaultdict(list)
    for note in notes:
        by_kind[note.kind].append(note.text)
    labels = dict(NotificationKind.choices)
    parts = [_("Kính gửi đồng chí %(n)s,") % {"n": name}, ""]
    for kind, texts in by_kind.items():
        parts.append(f"{labels.get(kind, kind)}:")
        parts += [f"- {text}" for text in texts]
        parts.append("")
    parts.append(_("Đề nghị đồng chí đăng nhập hệ thống kiemdiem để xem và cập nhật."))
    parts.append(_("(Có thể tắt thư thông báo trong trang Thông báo của đồng chí.)"))
    subject = _("[kiemdiem] %(n)d thông báo mới") % {"n": len(notes)}
    return EmailMessage(subject=subject, body="\n".join(parts), to=[user.email])


def _skip_unmailable() -> None:
    """Rows of people who turned e-mail off, have no address or no active login: not mailed."""
    off = NotificationSettings.objects.filter(email_enabled=False).values("user_id")
    User = get_user_model()
    no_address = User.objects.filter(Q(email="") | Q(is_active=False)).values("pk")
    Notification.objects.filter(mail_state=MailState.PENDING).filter(
        Q(user_id__in=off) | Q(user_id__in=no_address)
    ).update(mail_state=MailState.SKIPPED)


def mail_pending() -> dict[str, int]:
    """Mail every pending notification, one message per person; returns counts
    {"mails", "notifications", "failed"}. Safe to run in parallel and again."""
    _skip_unmailable()
    now = timezone.now()
    Notification.objects.filter(
        mail_state=MailState.SENDING, mail_claimed_at__lt=now - STALE_CLAIM
    ).update(mail_state=MailState.PENDING, mail_claim="")
    user_ids = sorted(
        set(
            Notification.objects.filter(mail_state=MailState.PENDING).values_list(
                "user_id", flat=True
            )
        )
    )
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("person").in_bulk()
    result = {"mails": 0, "notifications": 0, "failed": 0}
    connection = get_connection()
    for user_id in user_ids:
        user = users.get(user_id)
        if user is None:
            continue
        claim = uuid.uuid4().hex
        with transaction.atomic():
            Notification.objects.filter(user_id=user_id, mail_state=MailState.PENDING).update(
                mail_state=MailState.SENDING, mail_claim=claim, mail_claimed_at=now
            )
        notes = list(Notification.objects.filter(mail_claim=claim).order_by("created_at", "pk"))
        if not notes:
            continue  # another sender took them
        try:
            connection.send_messages([_message(user, notes)])
        except Exception:  # noqa: BLE001 - any mail failure: put them back, retry next run
            logger.exception("Không gửi được thư thông báo cho %s", user.email)
            Notification.objects.filter(mail_claim=claim).update(
                mail_state=MailState.PENDING, mail_claim=""
            )
            result["failed"] += 1
            continue
        Notification.objects.filter(mail_claim=claim).update(
            mail_state=MailState.SENT, mailed_at=timezone.now()
        )
        result["mails"] += 1
        result["notifications"] += len(notes)
    return result
