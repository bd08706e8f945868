"""A new password revokes the user's API tokens (whoever changed it and however: the password
page, the admin, `changepassword`, a reset), so a leaked token dies with the leaked password."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from kiemdiem.api.models import ApiToken
from kiemdiem.api.services import token_revoke
from kiemdiem.core.logins import password_changed


@receiver(password_changed, dispatch_uid="kiemdiem-api-password-revokes-tokens")
def revoke_tokens(sender, user, **kwargs) -> None:
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token_revoke(token=token, by=None, reason=_("Đổi mật khẩu: mã truy cập API bị thu hồi"))
