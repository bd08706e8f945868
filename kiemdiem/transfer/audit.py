"""Audit rows for bulk writes: the same rows core.audit.audit_record writes, built in memory.

The import writes tens of thousands of objects in one transaction; one INSERT per audit row
would dominate its time, so rows are built here and stored with bulk_create. The values are
shaped exactly as core.audit.snapshot/plain shape them (FKs by str(), choices by label, dates
as dd/mm/yyyy), so the history panels read them like any other row.
"""

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import models

from kiemdiem.core.audit import plain
from kiemdiem.core.models import AuditAction

_FIELDS: dict[tuple[type, tuple[str, ...]], list[tuple[str, dict | None]]] = {}


def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[tuple[str, dict | None]]:
    key = (model, names)
    if key not in _FIELDS:
        out = []
        for name in names:
            choices = getattr(model._meta.get_field(name), "choices", None)
            out.append((name, dict(choices) if choices else None))
        _FIELDS[key] = out
    return _FIELDS[key]


def snap(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """core.audit.snapshot, with the field lookups cached per model (it runs once per row)."""
    values = {}
    for name, choices in _fields(type(obj), tuple(names)):
        value = getattr(obj, name)
        if choices is not None and not isinstance(value, list):
            value = choices.get(value, value)
        values[name] = plain(value)
    return values


class AuditRow(NamedTuple):
    """The columns of one core.AuditEvent row, without building a model instance per row."""

    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    unit_path: str
    person_id_ref: int | None
    changes: dict[str, list[Any]]
    reason: str


def event(
    *,
    obj: models.Model,
    action: str,
    actor,
    changes: dict[str, list[Any]],
    reason: str,
    unit_path: str = "",
    person_id: int | None = None,
) -> AuditRow:
    """One audit row shaped like core.audit.audit_record's."""
    return AuditRow(
        actor_id=actor.pk if actor is not None else None,
        action=AuditAction(action).value,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        unit_path=unit_path,
        person_id_ref=person_id,
        changes={k: [plain(v) for v in pair] for k, pair in changes.items()},
        reason=reason,
    )
