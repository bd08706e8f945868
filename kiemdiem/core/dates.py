"""Dates as people read them, and "today".

Every date shown to a person or written into a message is dd/mm/yyyy, from the Vietnamese format
module (`kiemdiem/formats/vi`), the same format the templates' `|date` filter uses. "Today" is the
day in Vietnam (`TIME_ZONE`), not the server's: a server clock in UTC would otherwise change the
day at 07:00 local time, and deadlines would move with it.
"""

import datetime

from django.utils import formats, timezone

from kiemdiem.formats.vi import formats as vi_formats


def today() -> datetime.date:
    """Today in Vietnam."""
    return timezone.localdate()


def vn_date(day: datetime.date | None) -> str:
    """dd/mm/yyyy ("" for no date). The only language is Vietnamese (settings.LANGUAGES), whose
    SHORT_DATE_FORMAT is d/m/Y: an f-string gives what `formats.date_format` gives in ~2 % of its
    time (it was a quarter of an import's real run: every date of every audit row goes through
    here; core/tests/test_fast_rendering.py compares both)."""
    if day is None:
        return ""
    if _SHORT_DMY:
        return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    return formats.date_format(day, "SHORT_DATE_FORMAT")


_SHORT_DMY = vi_formats.SHORT_DATE_FORMAT == "d/m/Y"


def vn_datetime(moment: datetime.datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time ("" for none)."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (29/02 becomes 28/02 in a year without it)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_date(value: object) -> datetime.date | None:
    """The local calendar day of a date or a (time-zone aware) datetime; None otherwise."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, datetime.date) else None


def days_since(value: object, day: datetime.date | None = None) -> int | None:
    """Whole days from `value`'s day to `day` (today by default; 0 the same day; None without
    a value)."""
    start = local_date(value)
    return None if start is None else ((day or today()) - start).days
