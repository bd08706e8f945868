"""Helpers for list rows rendered in Python (issue 17).

A list page of 50 rows spent half its CPU in Django's template engine: each `{{ row.x.y }}`
is a chain of lookups through the context, each `{% include %}` per row a new context, each
`{% url %}` a resolver walk. The busiest lists render their rows with `format_html` in an
inclusion-free template tag instead (one call per row), using these helpers: one `reverse`
per list instead of one per row, dates printed as the templates' `date` filter prints them.
The page templates keep everything around the rows (headings, filters, pager).
"""

import datetime
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone

_MARKER = 987654321987


def url_of(name: str) -> Callable[[object], str]:
    """`reverse(name, args=[pk])` for many primary keys at the cost of one `reverse`."""
    head, _, tail = reverse(name, args=[_MARKER]).partition(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


def ddmmyyyy(value: datetime.date | None) -> str:
    """`value|date:"d/m/Y"` (a datetime in the local time zone); "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def ddmmyyyy_hhmm(value: datetime.datetime | None) -> str:
    """`value|date:"d/m/Y H:i"` in the local time zone; "" for None."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{ddmmyyyy(value)} {value.hour:02d}:{value.minute:02d}"
