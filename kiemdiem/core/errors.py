"""Domain errors that views turn into a Vietnamese message in one place."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A rule of the domain refused the change; `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleObject(DomainError):
    """Someone else saved the object since it was loaded; nothing was written."""

    def __init__(self, obj: object, *, changed_by: str = "", changed_at: str = "") -> None:
        who = f" ({changed_by}, {changed_at})" if changed_by else ""
        super().__init__(
            _(
                "Dữ liệu “%(obj)s” vừa được người khác thay đổi%(who)s. Thay đổi của bạn chưa được "
                "lưu: hãy tải lại trang để xem bản mới nhất rồi nhập lại."
            )
            % {"obj": obj, "who": who}
        )
        self.obj = obj
