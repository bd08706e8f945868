"""Template helpers of the dashboard: Vietnamese number format, detail links."""

from django import template
from django.urls import NoReverseMatch

from kiemdiem.core.jinja import vn_int

register = template.Library()

register.filter("vn_int", vn_int)  # 12345 → "12.345" (core/jinja.py, also the row templates')


@register.filter
def detail_url(obj) -> str:
    """The object's own page, or "" while the app that shows it has no such page yet."""
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url()
    except NoReverseMatch:
        return ""
