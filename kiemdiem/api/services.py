"""Create and revoke API tokens (audited like every other change)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.api.models import ApiToken
from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.text import normalize_text

MAX_ACTIVE_TOKENS = 10


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", errors="replace")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the key, which is never shown again."""
    name = normalize_text(name or "")
    if not name:
        raise DomainError(_("Phải đặt tên gợi nhớ cho mã truy cập."), field="name")
    if len(name) > 100:
        raise DomainError(_("Tên gợi nhớ dài quá 100 ký tự."), field="name")
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("Mỗi tài khoản có tối đa %(n)s mã đang dùng: hãy thu hồi mã cũ trước.")
            % {"n": MAX_ACTIVE_TOKENS}
        )
    key = "kd_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=key_hash(key))
    audit_record(obj=token, action=AuditAction.CREATE, by=user, changes={"name": [None, name]})
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by, reason: str = "") -> ApiToken:
    """Revoke a token; revoking one already revoked changes nothing."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    if updated:
        audit_record(
            obj=token,
            action=AuditAction.UPDATE,
            by=by,
            changes={"revoked_at": [None, token.revoked_at]},
            reason=reason or _("Thu hồi mã truy cập API"),
        )
    return token
