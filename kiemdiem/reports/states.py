"""The lifecycle of a unit's periodic remediation report.

The unit's own leaders or office start the report for a period (pre-filled with the figures of
their subtree as of the period's end, or today while it runs), write the assessment, refresh the
figures as often as they like while it is a draft, and send it to the parent committee. A report
that has been sent is not changed any more.
"""

from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place
from kiemdiem.reports.models import PeriodicReport, ReportStatus
from kiemdiem.reports.permissions import can_write_unit_report

__all__ = ["REPORT", "ReportStatus"]


def _report_place(report: PeriodicReport) -> Place:
    cycle = report.period.cycle
    return Place(unit_path=report.unit.path, cycle_id=cycle.pk, earliest=cycle.starts_on)


REPORT = Lifecycle(
    name="report",
    labels=dict(ReportStatus.choices),
    place=_report_place,
    arrows={
        (BORN, ReportStatus.DRAFT): Arrow(can=can_write_unit_report),
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED): Arrow(can=can_write_unit_report),
    },
)
