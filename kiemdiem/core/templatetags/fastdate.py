"""The `date` filter, fast for the formats the pages use (a template builtin, settings.TEMPLATES).

Django's `date` filter goes through `dateformat.format`, ~125 µs a value on the shared 2-core
machine (lazy translations of month and day names, a formatter object per call); the pages use
a handful of numeric formats only, which take ~3 µs as f-strings. A list page of 50 rows with
two dates each spent ~12 ms on them. Other formats, and values that are not dates, go to
Django's own filter unchanged (same output: a test checks every fast format against it).
"""

import datetime

from django import template
from django.template.defaultfilters import date as django_date

register = template.Library()


def _d(v) -> str:
    return f"{v.day:02d}/{v.month:02d}/{v.year:04d}"


def _hm(v) -> str:
    return f"{v.hour:02d}:{v.minute:02d}"


# Formats that need a time only apply to datetimes (Django returns "" for a date there).
DATE_FORMATS = {"d/m/Y": _d}
DATETIME_FORMATS = {
    "d/m/Y H:i": lambda v: f"{_d(v)} {_hm(v)}",
    "H:i d/m/Y": lambda v: f"{_hm(v)} {_d(v)}",
    "H:i": _hm,
}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    kind = type(value)
    if kind is datetime.datetime:
        fast = DATE_FORMATS.get(arg) or DATETIME_FORMATS.get(arg)
        if fast is not None:
            return fast(value)
    elif kind is datetime.date:
        fast = DATE_FORMATS.get(arg)
        if fast is not None:
            return fast(value)
    return django_date(value, arg)
