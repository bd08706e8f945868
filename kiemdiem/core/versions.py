"""Optimistic locking: every domain row carries a version; a write names the version it edited.

One helper for each of the two shapes a write takes:
- `require_version(obj, version)`: refuse early, before the service's own rules, when the row
  moved since the user loaded it (the conditional UPDATE of the write stays the real lock);
- `save_if_unchanged(obj, version, **values)`: the conditional UPDATE itself for a plain edit
  (transitions do theirs in `core.lifecycle`).
Both raise `StaleObject`, which reads the row as it is now (its version, who saved it last and
when), so the person can redo their change on top of the other one.
"""

from typing import Any

from django.db.models import F, Model

from kiemdiem.core.errors import StaleObject


def require_version(obj: Model, version: int | None) -> None:
    """Refuse (StaleObject) unless the row still has `version` (default: the loaded one)."""
    expected = obj.version if version is None else version  # type: ignore[attr-defined]
    if not type(obj)._default_manager.filter(pk=obj.pk, version=expected).exists():
        raise StaleObject(obj)


def save_if_unchanged(obj: Model, version: int | None, **values: Any) -> None:
    """Write `values` only if the row still has `version`; bump the version."""
    expected = obj.version if version is None else version  # type: ignore[attr-defined]
    updated = (
        type(obj)
        ._default_manager.filter(pk=obj.pk, version=expected)
        .update(version=F("version") + 1, **values)
    )
    if not updated:
        raise StaleObject(obj)
    obj.version = expected + 1  # type: ignore[attr-defined]
