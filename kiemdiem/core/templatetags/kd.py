"""Template helpers shared by every app."""

import datetime
import functools

from django import template
from django.apps import apps
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from kiemdiem.core import audit
from kiemdiem.core.dates import days_since, local_date
from kiemdiem.core.labels import readable
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


@register.filter
def days_waiting(since, today: datetime.date | None = None) -> str:
    """How long something has waited: "chờ 3 ngày" ("từ hôm nay" the same day)."""
    n = days_since(since, today)
    if n is None:
        return ""
    return gettext("chờ %(n)s ngày") % {"n": n} if n > 0 else gettext("từ hôm nay")


@register.filter
def due_in(deadline, today: datetime.date | None = None) -> str:
    """How a deadline stands: "quá hạn 3 ngày", "đến hạn hôm nay", "còn 5 ngày"."""
    day = local_date(deadline)
    if day is None:
        return ""
    n = (day - (today or timezone.localdate())).days
    if n < 0:
        return gettext("quá hạn %(n)s ngày") % {"n": -n}
    if n == 0:
        return gettext("đến hạn hôm nay")
    return gettext("còn %(n)s ngày") % {"n": n}


@register.filter
def is_past(deadline, today: datetime.date | None = None) -> bool:
    day = local_date(deadline)
    return day is not None and day < (today or timezone.localdate())


@register.filter
def plain_value(value) -> str:
    """A stored value (audit change, snapshot field) as a person reads it (core.labels): no raw
    lists or dictionaries on a page."""
    return readable(value)


@register.simple_tag
def jinja(name: str, **context) -> SafeString:
    """The Jinja2 template `name` (the rows of a long list: kiemdiem/core/jinja.py) rendered
    with `context`. Jinja escapes every value itself (autoescape), so the result is safe."""
    return mark_safe(engines["jinja2"].get_template(name).template.render(context))  # noqa: S308
