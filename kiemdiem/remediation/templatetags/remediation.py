"""Template helpers of the plan pages."""

from django import template

from kiemdiem.remediation.states import ReturnGround

register = template.Library()


@register.filter
def ground_labels(grounds: list[str]) -> list[str]:
    """The Vietnamese names of an appraisal's return grounds (stored as codes)."""
    labels = dict(ReturnGround.choices)
    return [str(labels.get(g, g)) for g in grounds or []]
