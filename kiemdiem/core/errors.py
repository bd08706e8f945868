"""Domain errors that views turn into a Vietnamese message in one place."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from kiemdiem.core.audit import field_label, field_value
from kiemdiem.core.dates import vn_datetime


class DomainError(Exception):
    """A rule of the domain refused the change; `message` is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def validation_message(exc: ValidationError) -> str:
    """All messages of a ValidationError in one line (the model's own Vietnamese messages)."""
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def full_clean(obj: Model, *, exclude: list[str] | None = None) -> None:
    """`obj.full_clean()`, refusing with a DomainError (the model's messages) when invalid."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise DomainError(validation_message(exc)) from exc


class StaleObject(DomainError):
    """Someone else saved the object since it was loaded; nothing was written.

    Built after the refused write, from the row as it is now: its current version, its name
    (not the loaded object's, which may carry the refused edit), who saved it last and when and
    what they changed (from the audit trail), so the user can redo their edit on top of it.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        current = _current(obj)
        self.current_version = getattr(current, "version", None) if current is not None else None
        self.latest = _latest_change(obj)
        self.saved_by = ""
        self.saved_at = None
        detail = ""
        if self.latest is not None:
            model = type(obj) if hasattr(obj, "_meta") else None
            self.saved_by = self.latest.actor.get_username() if self.latest.actor else _("hệ thống")
            self.saved_at = self.latest.at
            changed = "; ".join(
                f"{field_label(model, field)}: {_shown(model, field, pair[0])} → "
                f"{_shown(model, field, pair[1])}"
                for field, pair in list(self.latest.changes.items())[:5]
                if isinstance(pair, list) and len(pair) == 2
            )
            detail = _(" Lần lưu gần nhất: %(who)s lúc %(at)s%(what)s.") % {
                "who": self.saved_by,
                "at": vn_datetime(self.latest.at),
                "what": f" ({changed})" if changed else "",
            }
        name = current if current is not None else obj
        super().__init__(
            _(
                "Dữ liệu “%(obj)s” vừa được người khác thay đổi. Thay đổi của bạn chưa được lưu: "
                "hãy tải lại trang để xem bản mới nhất rồi nhập lại."
            )
            % {"obj": name}
            + detail
        )


def _shown(model: type[Model] | None, field: str, value: object) -> object:
    value = field_value(model, field, value)
    return "—" if value in (None, "") else value


def _current(obj: Any) -> Any:
    """The row as committed now (None if it is gone or the object is not a model)."""
    manager = getattr(type(obj), "_default_manager", None)
    if manager is None or getattr(obj, "pk", None) is None:
        return None
    return manager.filter(pk=obj.pk).first()


def _latest_change(obj: Any) -> Any:
    from kiemdiem.core.models import AuditEvent

    meta = getattr(obj, "_meta", None)
    if meta is None or getattr(obj, "pk", None) is None:
        return None
    return (
        AuditEvent.objects.filter(object_type=meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .first()
    )
