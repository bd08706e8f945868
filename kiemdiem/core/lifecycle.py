"""Applying a transition table: the one helper every lifecycle service uses."""

from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.models import AuditAction


class TransitionNotAllowed(DomainError):
    """The lifecycle table has no arrow from the current state to the requested one."""

    def __init__(self, obj: models.Model, old: str, new: str, labels: dict[str, str]) -> None:
        super().__init__(
            _("Không thể chuyển “%(obj)s” từ trạng thái “%(old)s” sang “%(new)s”.")
            % {"obj": obj, "old": labels.get(old, old), "new": labels.get(new, new)}
        )


def transition(
    *,
    obj: models.Model,
    to: str,
    allowed: dict[str, set[str]],
    by,
    note: str = "",
    unit_path: str = "",
    person_id: int | None = None,
    expected_version: int | None = None,
    **also: Any,
) -> None:
    """Move `obj.status` to `to` if the table allows it and nobody changed the row meanwhile.

    The conditional UPDATE (same status, same version) is the lock: a second user acting on the
    same state gets StaleObject instead of overwriting. `also` are extra fields set in the same
    statement. The change is audited with `note` as the reason.
    """
    old = obj.status
    labels = dict(type(obj)._meta.get_field("status").choices)
    if to not in allowed.get(old, set()):
        raise TransitionNotAllowed(obj, old, to, labels)
    version = obj.version if expected_version is None else expected_version
    updated = (
        type(obj)
        .objects.filter(pk=obj.pk, status=old, version=version)
        .update(status=to, version=F("version") + 1, **also)
    )
    if not updated:
        raise StaleObject(obj)
    obj.status = to
    obj.version = version + 1
    for key, value in also.items():
        setattr(obj, key, value)
    audit_record(
        obj=obj,
        action=AuditAction.TRANSITION,
        by=by,
        changes={"status": [labels.get(old, old), labels.get(to, to)]},
        reason=note,
        unit_path=unit_path,
        person_id=person_id,
    )
