"""Template helpers shared by every app."""

import functools

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

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
    return _field_label(event.object_type, field)


@functools.cache
def _field_label(object_type: str, field: str) -> str:
    try:
        model = apps.get_model(object_type)
        label = model._meta.get_field(field).verbose_name
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return field
    return str(label)[:1].upper() + str(label)[1:]
