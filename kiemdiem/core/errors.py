"""Domain errors that views turn into a Vietnamese message in one place."""

from django.utils.translation import gettext as _

from kiemdiem.core.dates import vn_datetime


class DomainError(Exception):
    """A rule of the domain refused the change; `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleObject(DomainError):
    """Someone else saved the object since it was loaded; nothing was written.

    The message names who saved last, when, and what they changed (from the audit trail), so
    the user can redo their edit on top of it instead of overwriting it.
    """

    def __init__(self, obj: object) -> None:
        self.obj = obj
        self.latest = _latest_change(obj)
        detail = ""
        if self.latest is not None:
            who = self.latest.actor.get_username() if self.latest.actor else _("hệ thống")
            changed = "; ".join(
                f"{field}: {pair[0] if pair[0] not in (None, '') else '—'} → {pair[1]}"
                for field, pair in list(self.latest.changes.items())[:5]
                if isinstance(pair, list) and len(pair) == 2
            )
            detail = _(" Lần lưu gần nhất: %(who)s lúc %(at)s%(what)s.") % {
                "who": who,
                "at": vn_datetime(self.latest.at),
                "what": f" ({changed})" if changed else "",
            }
        super().__init__(
            _(
                "Dữ liệu “%(obj)s” vừa được người khác thay đổi. Thay đổi của bạn chưa được lưu: "
                "hãy tải lại trang để xem bản mới nhất rồi nhập lại."
            )
            % {"obj": obj}
            + detail
        )


def _latest_change(obj: object):
    from kiemdiem.core.models import AuditEvent

    meta = getattr(obj, "_meta", None)
    if meta is None or getattr(obj, "pk", None) is None:
        return None
    return (
        AuditEvent.objects.filter(object_type=meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .first()
    )
