"""Dates as people count them: local calendar days, whatever the stored value's time zone."""

import datetime

from django.utils import timezone


def local_date(value) -> datetime.date | None:
    """The local calendar day of a date or a (time-zone aware) datetime; None otherwise."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


def days_since(value, today: datetime.date | None = None) -> int | None:
    """Whole days from `value`'s day to today (0 the same day; None without a value)."""
    day = local_date(value)
    return None if day is None else ((today or timezone.localdate()) - day).days
