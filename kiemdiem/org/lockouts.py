"""Locked logins (django-axes) and their unlocking by the committee office, audited.

An account is locked by repeated failed logins (kiemdiem.core.logins); it opens again by itself
after the cool-off. The office that manages everything the login's person belongs to (the same
rule as linking the login: can_link_person_account) may unlock it sooner; administrators may
unlock any account and any address.
"""

from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import ALLOW, Decision, deny
from kiemdiem.org.models import Person
from kiemdiem.org.permissions import can_link_person_account
from kiemdiem.org.scoping import access_for


@dataclass
class Lock:
    """One locked account (username) or address (ip), with its failures and last attempt."""

    username: str
    ip: str
    failures: int
    last: object
    person: Person | None = None
    decision: Decision = ALLOW


def can_unlock_login(user, username: str, person: Person | None) -> Decision:
    """Unlock an account: administrators, or the office that may link its person's login."""
    if access_for(user).everything:
        return ALLOW
    if person is None:
        return deny(_("Tài khoản không gắn với đảng viên nào: chỉ quản trị hệ thống mở khóa được."))
    return can_link_person_account(user, person)


def locks_for(user) -> list[Lock]:
    """The accounts (and, for administrators, addresses) locked now that `user` may unlock."""
    limit = settings.KIEMDIEM_LOGIN_FAILURE_LIMIT
    accounts = (
        AccessAttempt.objects.exclude(username=None)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )
    users = get_user_model().objects.filter(username__in=[a["username"] for a in accounts])
    people = {
        p.user.username: p for p in Person.objects.filter(user__in=users).select_related("user")
    }
    locks = []
    for row in accounts:
        person = people.get(row["username"])
        decision = can_unlock_login(user, row["username"], person)
        if decision:
            locks.append(Lock(row["username"], "", row["failures"], row["last"], person, decision))
    if access_for(user).everything:
        addresses = (
            AccessAttempt.objects.values("ip_address")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT)
            .order_by("-last")
        )
        locks += [Lock("", a["ip_address"], a["failures"], a["last"]) for a in addresses]
    return locks


@transaction.atomic
def login_unlock(*, username: str = "", ip: str = "", by) -> int:
    """Forget the failed attempts of an account (or an address); audited. Returns how many."""
    account = get_user_model().objects.filter(username=username).first() if username else None
    if username:
        person = Person.objects.filter(user=account).first() if account else None
        decision = can_unlock_login(by, username, person)
    else:
        decision = (
            ALLOW
            if access_for(by).everything
            else deny(_("Chỉ quản trị hệ thống mở khóa được một địa chỉ máy."))
        )
    if not decision:
        raise DomainError(decision.reason)
    removed = reset(username=username) if username else reset(ip=ip)
    if not removed:
        raise DomainError(_("Không có gì bị khóa để mở."))
    target = account if account is not None else get_user_model()(username=username or ip)
    audit_record(
        obj=target,
        action=AuditAction.UPDATE,
        by=by,
        changes={_("khóa đăng nhập"): [_("đang khóa"), _("đã mở khóa")]},
        reason=_("Mở khóa đăng nhập cho %(who)s") % {"who": username or ip},
    )
    return removed
