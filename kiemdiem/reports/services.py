"""Report periods and each unit's periodic remediation report (pre-filled, then narrated)."""

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import transition
from kiemdiem.core.models import AuditAction
from kiemdiem.org.models import Unit
from kiemdiem.org.services import _bump
from kiemdiem.remediation.models import PlanAction
from kiemdiem.remediation.states import ActionStatus
from kiemdiem.reports.models import (
    REPORT_ALLOWED,
    PeriodicReport,
    PeriodKind,
    ReportPeriod,
    ReportStatus,
)
from kiemdiem.reviews.models import Finding, FindingStatus, ReviewCycle
from kiemdiem.reviews.services import normalize_text_block
from kiemdiem.reviews.states import CycleStatus


def require_reportable(cycle: ReviewCycle) -> None:
    """Reports are filed while the cycle runs and after it closes (the last annual report is
    due after the horizon); never for a cycle not yet opened."""
    if cycle.status == CycleStatus.DRAFT:
        raise DomainError(_("Đợt kiểm điểm “%(c)s” chưa được triển khai.") % {"c": cycle})


FIGURE_LABELS: dict[str, str] = {
    "items_total": "Tổng số nội dung khắc phục",
    "items_verified": "Đã hoàn thành (được xác nhận)",
    "items_reported_done": "Báo cáo hoàn thành, chờ xác nhận",
    "items_in_progress": "Đang thực hiện",
    "items_not_started": "Chưa thực hiện",
    "items_overdue": "Quá hạn",
    "findings_total": "Tổng số hạn chế, khuyết điểm",
    "findings_resolved": "Đã khắc phục xong",
}


def periods_create_for_cycle(*, cycle: ReviewCycle) -> list[ReportPeriod]:
    """Half-year (to 30/06) and annual (to 31/12) periods from the cycle start to its horizon."""
    due_days = getattr(settings, "KIEMDIEM_REPORT_DUE_DAYS", 15)
    periods: list[ReportPeriod] = []
    start = cycle.starts_on
    year = start.year
    while start <= cycle.horizon_end:
        for end, kind, label in (
            (datetime.date(year, 6, 30), PeriodKind.HALF_YEAR, _("6 tháng đầu năm %(y)s")),
            (datetime.date(year, 12, 31), PeriodKind.YEAR, _("Năm %(y)s")),
        ):
            if end < start:
                continue
            if start > cycle.horizon_end:
                break
            periods.append(
                ReportPeriod(
                    cycle=cycle,
                    kind=kind,
                    label=label % {"y": year},
                    starts_on=start,
                    ends_on=end,
                    due_on=end + datetime.timedelta(days=due_days),
                )
            )
            start = end + datetime.timedelta(days=1)
        year += 1
    ReportPeriod.objects.bulk_create(periods)
    return periods


def report_figures(*, unit: Unit, period: ReportPeriod) -> dict[str, int]:
    """The remediation figures of a unit's subtree in the cycle, as of the period's end."""
    actions = PlanAction.objects.filter(
        plan__cycle_id=period.cycle_id, plan__unit__path__startswith=unit.path
    ).exclude(status__in=[ActionStatus.CANCELLED, ActionStatus.REPLACED])
    open_states = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
    a = actions.aggregate(
        items_total=Count("id"),
        items_verified=Count("id", filter=Q(status=ActionStatus.VERIFIED)),
        items_reported_done=Count("id", filter=Q(status=ActionStatus.DONE)),
        items_in_progress=Count("id", filter=Q(status=ActionStatus.IN_PROGRESS)),
        items_not_started=Count("id", filter=Q(status=ActionStatus.OPEN)),
        items_overdue=Count("id", filter=Q(status__in=open_states, due_date__lte=period.ends_on)),
    )
    f = Finding.objects.filter(
        review__cycle_id=period.cycle_id, unit__path__startswith=unit.path
    ).aggregate(
        findings_total=Count("id"),
        findings_resolved=Count("id", filter=Q(status=FindingStatus.RESOLVED)),
    )
    return {**a, **f}


@transaction.atomic
def report_create(*, period: ReportPeriod, unit: Unit, by) -> PeriodicReport:
    """Start a unit's report for a period, pre-filled from the data."""
    require_reportable(period.cycle)
    if not unit.path.startswith(period.cycle.scope_unit.path):
        raise DomainError(_("Đơn vị không thuộc phạm vi đợt kiểm điểm."))
    try:
        with transaction.atomic():
            report = PeriodicReport.objects.create(
                period=period, unit=unit, figures=report_figures(unit=unit, period=period)
            )
    except IntegrityError as exc:
        raise DomainError(_("Đơn vị đã có báo cáo cho kỳ này.")) from exc
    audit_record(
        obj=report,
        action=AuditAction.CREATE,
        by=by,
        unit_path=unit.path,
        changes={"figures": [None, report.figures]},
    )
    return report


@transaction.atomic
def report_update(
    *,
    report: PeriodicReport,
    narrative: str,
    by,
    refresh: bool = False,
    expected_version: int | None = None,
) -> PeriodicReport:
    """Write the narrative (and optionally refresh the figures) of a draft report."""
    require_reportable(report.period.cycle)
    if report.status != ReportStatus.DRAFT:
        raise DomainError(_("Báo cáo đã gửi cấp trên, không sửa được nữa."))
    values: dict[str, Any] = {"narrative": normalize_text_block(narrative)}
    if refresh:
        values["figures"] = report_figures(unit=report.unit, period=report.period)
    changes = {k: [getattr(report, k), v] for k, v in values.items() if getattr(report, k) != v}
    if not changes:
        return report
    _bump(PeriodicReport, report, expected_version=expected_version, **values)
    for key, value in values.items():
        setattr(report, key, value)
    audit_record(
        obj=report, action=AuditAction.UPDATE, by=by, changes=changes, unit_path=report.unit.path
    )
    return report


@transaction.atomic
def report_submit(
    *, report: PeriodicReport, by, expected_version: int | None = None
) -> PeriodicReport:
    """Send the report to the parent committee."""
    require_reportable(report.period.cycle)
    if not report.narrative.strip():
        raise DomainError(
            _("Phải có phần đánh giá, nhận xét trước khi gửi báo cáo."), field="narrative"
        )
    transition(
        obj=report,
        to=ReportStatus.SUBMITTED,
        allowed=REPORT_ALLOWED,
        by=by,
        unit_path=report.unit.path,
        expected_version=expected_version,
        submitted_at=timezone.now(),
        submitted_by=by if getattr(by, "pk", None) else None,
    )
    return report


def rollup(*, parent: Unit, period: ReportPeriod) -> dict[str, Any]:
    """The children's reports of `parent` for a period and the sum of their figures."""
    cycle = period.cycle
    children = list(
        parent.children.valid_on(period.ends_on)
        .filter(kind__in=cycle.participating_kinds)
        .order_by("name")
    )
    reports = {
        r.unit_id: r for r in PeriodicReport.objects.filter(period=period, unit__in=children)
    }
    totals = dict.fromkeys(FIGURE_LABELS, 0)
    for report in reports.values():
        if report.status == ReportStatus.SUBMITTED:
            for key in totals:
                totals[key] += int(report.figures.get(key, 0))
    rows = [(child, reports.get(child.pk)) for child in children]
    submitted = sum(1 for _c, r in rows if r and r.status == ReportStatus.SUBMITTED)
    return {"rows": rows, "totals": totals, "submitted": submitted, "expected": len(children)}
