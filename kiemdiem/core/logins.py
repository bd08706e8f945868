"""Logins: every success and failure in the audit trail, lockout per account and per address.

django-axes counts failures separately per username (from any address) and per client address
(for any username): `AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`. An account is locked
after KIEMDIEM_LOGIN_FAILURE_LIMIT failures (guessing one person's password from many machines),
an address after KIEMDIEM_LOGIN_IP_FAILURE_LIMIT (trying many accounts from one machine; higher,
since a whole office may sit behind one address). Both last KIEMDIEM_LOGIN_COOLOFF_MINUTES; the
committee office unlocks an account sooner (org "Khóa đăng nhập" page).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import Sum
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction

USERNAME_FIELD = "username"
User = get_user_model()
# Sent after a user's password changed, however it was changed (the password page, the admin,
# `changepassword`, a reset): kiemdiem.api revokes the user's API tokens.
password_changed = Signal()


def account_failures(username: str) -> int:
    """Failures counted against one account (any address) within the cool-off period."""
    from axes.models import AccessAttempt

    total = AccessAttempt.objects.filter(username=username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """axes compares the larger of the account's and the address's counts with this limit:
    the account's limit once the account's own count reached it, the address's otherwise."""
    username = (credentials or {}).get(USERNAME_FIELD) or request.POST.get(USERNAME_FIELD, "")
    if username and account_failures(username) >= settings.KIEMDIEM_LOGIN_FAILURE_LIMIT:
        return settings.KIEMDIEM_LOGIN_FAILURE_LIMIT
    return settings.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The lockout page: which lock (the account or this machine), for how long, who unlocks."""
    username = (credentials or {}).get(USERNAME_FIELD) or request.POST.get(USERNAME_FIELD, "")
    by_account = bool(username) and (
        account_failures(username) >= settings.KIEMDIEM_LOGIN_FAILURE_LIMIT
    )
    ctx = {
        "by_account": by_account,
        "username": username,
        "minutes": settings.KIEMDIEM_LOGIN_COOLOFF_MINUTES,
    }
    return render(request, "registration/lockout.html", ctx, status=429)


def _client(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    return _("từ địa chỉ %(ip)s") % {"ip": address}


@receiver(user_logged_in, dispatch_uid="kiemdiem-audit-login")
def audit_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    audit_record(
        obj=user,
        action=AuditAction.LOGIN,
        by=user,
        changes={"kết quả": [None, _("Đăng nhập thành công")]},
        reason=_client(request),
    )


@receiver(user_login_failed, dispatch_uid="kiemdiem-audit-login-failed")
def audit_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kw) -> None:
    """A failed attempt, named by the username typed (the password is never kept)."""
    typed = str(credentials.get(USERNAME_FIELD) or "")[:150]
    user = get_user_model().objects.filter(username=typed).first()
    locked = request is not None and getattr(request, "axes_locked_out", False)
    outcome = _("Bị từ chối: đang bị khóa") if locked else _("Sai tên đăng nhập hoặc mật khẩu")
    audit_record(
        obj=user if user is not None else get_user_model()(username=typed),
        action=AuditAction.LOGIN,
        by=None,
        changes={"kết quả": [None, outcome], "tên đăng nhập": [None, typed]},
        reason=_client(request),
    )


@receiver(pre_save, sender=User, dispatch_uid="kiemdiem-password-seen")
def _remember_password(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        instance._password_changed = False  # last_login updates and the like: no query
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = old is not None and old != instance.password


@receiver(post_save, sender=User, dispatch_uid="kiemdiem-password-changed")
def _password_saved(sender, instance, created, **kwargs) -> None:
    if created or not getattr(instance, "_password_changed", False):
        return
    instance._password_changed = False
    audit_record(
        obj=instance,
        action=AuditAction.UPDATE,
        by=None,
        changes={_("mật khẩu"): [None, _("đã đổi")]},  # never the hash
        reason=_("Đổi mật khẩu"),
    )
    password_changed.send(sender=User, user=instance)
