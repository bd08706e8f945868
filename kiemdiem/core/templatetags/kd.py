"""Template helpers shared by every app."""

from django import template

from kiemdiem.core.permissions import Decision

register = template.Library()


@register.filter
def reason(decision: Decision) -> str:
    """The reason text of a denied Decision (for a disabled button's title)."""
    return getattr(decision, "reason", "")


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
