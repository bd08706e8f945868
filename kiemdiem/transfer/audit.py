"""Field values for the import's audit rows, shaped as core.audit.snapshot shapes them.

The import writes tens of thousands of objects in one transaction and their audit rows through
core.audit.BulkAudit; `snap` is `snapshot` with the field lookups cached per model (it runs once
per row), so the history panels read these rows like any other (FKs by str(), choices by
label, dates as dd/mm/yyyy).
"""

from collections.abc import Iterable
from typing import Any

from django.db import models

from kiemdiem.core.audit import plain

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
