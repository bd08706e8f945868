"""Template helpers shared by every app."""

import functools

from django import template
from django.apps import apps

from kiemdiem.core import audit
from kiemdiem.core.permissions import Decision

register = template.Library()


@register.filter
def reason(decision: Decision) -> str:
    """The reason text of a denied Decision (for a disabled button's title)."""
    return getattr(decision, "reason", "")


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.filter
def field_label(event, field: str) -> str:
    """The Vietnamese label of a changed field of an audit row (its model's verbose_name)."""
    return audit.field_label(_model(event.object_type), field)


@register.filter
def readable_change(event, field: str) -> tuple[object, object]:
    """(before, after) of one changed field of an audit row as a reader sees them (a status code
    by its label)."""
    pair = event.changes.get(field)
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return ("", pair)
    model = _model(event.object_type)
    return tuple(audit.field_value(model, field, value) for value in pair)


@functools.cache
def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
