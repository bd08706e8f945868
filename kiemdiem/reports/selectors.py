"""Reads of report periods and periodic reports for a unit."""

from django.db.models import QuerySet

from kiemdiem.org.models import Unit
from kiemdiem.reports.models import PeriodicReport, ReportPeriod
from kiemdiem.reports.services import FIGURE_LABELS
from kiemdiem.reviews.models import ReviewCycle
from kiemdiem.reviews.states import CycleStatus


def periods_covering(unit: Unit) -> QuerySet[ReportPeriod]:
    """Report periods of the cycles whose scope contains `unit` (the unit reports in them)."""
    return ReportPeriod.objects.filter(
        cycle__scope_unit__path__in=unit.ancestor_paths()
    ).select_related("cycle", "cycle__scope_unit")


def unit_periods(unit: Unit) -> list[tuple[ReviewCycle, list[tuple[ReportPeriod, object]]]]:
    """For each cycle covering the unit (newest first): its periods with the unit's report."""
    periods = list(
        periods_covering(unit)
        .exclude(cycle__status=CycleStatus.DRAFT)
        .order_by("-cycle__starts_on", "cycle_id", "ends_on")
    )
    reports = {r.period_id: r for r in PeriodicReport.objects.filter(unit=unit, period__in=periods)}
    grouped: dict[int, tuple[ReviewCycle, list]] = {}
    for period in periods:
        entry = grouped.setdefault(period.cycle_id, (period.cycle, []))
        entry[1].append((period, reports.get(period.pk)))
    return list(grouped.values())


def figure_rows(figures: dict) -> list[tuple[str, str, int]]:
    """(key, label, value) in the order of FIGURE_LABELS."""
    return [(key, label, int(figures.get(key, 0) or 0)) for key, label in FIGURE_LABELS.items()]
