"""Half-year and year periods of a group's or a plan's own reports (01/01–30/06, 01/01–31/12)."""

import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from kiemdiem.core.errors import DomainError
from kiemdiem.reports.models import PeriodKind


def due_days() -> int:
    """Days after a period's end to send its report (the same setting as units' reports)."""
    return int(getattr(settings, "KIEMDIEM_REPORT_DUE_DAYS", 15))


def half_year_bounds(year: int, kind: str) -> tuple[datetime.date, datetime.date, datetime.date]:
    """(start, end, due) of the first half (01/01–30/06) or the whole year (01/01–31/12)."""
    if kind not in PeriodKind.values:
        raise DomainError(_("Loại kỳ báo cáo không hợp lệ."), field="kind")
    half = kind == PeriodKind.HALF_YEAR
    end = datetime.date(year, 6, 30) if half else datetime.date(year, 12, 31)
    return datetime.date(year, 1, 1), end, end + datetime.timedelta(days=due_days())
