"""Report periods and each unit's periodic remediation report (pre-filled, then narrated)."""

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import transition
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.org.models import Unit
from kiemdiem.org.services import _bump
from kiemdiem.remediation.models import PlanAction, ProgressUpdate
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
    """Reports are filed while the cycle runs: a closed cycle accepts no more submissions, like
    every other write (so the office closes it once the last annual report is in)."""
    if cycle.status == CycleStatus.DRAFT:
        raise DomainError(_("Đợt kiểm điểm “%(c)s” chưa được triển khai.") % {"c": cycle})
    if cycle.status == CycleStatus.CLOSED:
        raise DomainError(
            _("Đợt kiểm điểm “%(c)s” đã kết thúc: không lập, sửa, gửi báo cáo được nữa.")
            % {"c": cycle}
        )


CLOSED_STATES = frozenset({ActionStatus.CANCELLED, ActionStatus.REPLACED})
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


def periods_for(cycle: ReviewCycle) -> list[ReportPeriod]:
    """Half-year (to 30/06) and annual (to 31/12) periods from the cycle start to its horizon
    (unsaved)."""
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
    return periods


def periods_create_for_cycle(*, cycle: ReviewCycle) -> list[ReportPeriod]:
    """Create the cycle's report periods (at opening; the opening audits them)."""
    periods = periods_for(cycle)
    ReportPeriod.objects.bulk_create(periods)
    return periods


PERIOD_FIELDS = ["label", "starts_on", "ends_on", "due_on"]


def periods_sync_for_cycle(*, cycle: ReviewCycle, by, reason: str = "") -> dict[str, int]:
    """After the horizon of an open cycle moved: add the missing periods, remove the periods
    now past the horizon unless a unit already reported on them (those are kept)."""
    wanted = {p.ends_on: p for p in periods_for(cycle)}
    existing = {p.ends_on: p for p in ReportPeriod.objects.filter(cycle=cycle)}
    with_reports = set(
        PeriodicReport.objects.filter(period__cycle=cycle).values_list("period_id", flat=True)
    )
    added = removed = kept = 0
    path = cycle.scope_unit.path
    for ends_on, period in sorted(wanted.items()):
        if ends_on in existing:
            continue
        period.save()
        added += 1
        audit_record(
            obj=period,
            action=AuditAction.CREATE,
            by=by,
            changes=diff({}, snapshot(period, PERIOD_FIELDS)),
            reason=reason,
            unit_path=path,
        )
    for ends_on, period in sorted(existing.items()):
        if ends_on in wanted:
            continue
        if period.pk in with_reports:
            kept += 1
            continue
        audit_record(
            obj=period,
            action=AuditAction.DELETE,
            by=by,
            changes=diff(snapshot(period, PERIOD_FIELDS), {}),
            reason=reason or _("Thời hạn khắc phục của đợt đã đổi."),
            unit_path=path,
        )
        period.delete()
        removed += 1
    return {"added": added, "removed": removed, "kept": kept}


def report_as_of(period: ReportPeriod) -> datetime.date:
    """The day the figures are computed at: the period's end, or today while it runs."""
    return min(period.ends_on, timezone.localdate())


def report_figures(*, unit: Unit, period: ReportPeriod) -> dict[str, int]:
    """The remediation figures of a unit's subtree in the cycle, as of `report_as_of(period)`.

    Items and findings recorded after that day are not counted. An item's state on the day is
    read from the dated records: verified if verified by then, else the status of its last
    progress report by then, else not started; overdue if its deadline passed before the day
    while not yet reported done. A cancelled or replaced item counts until the day it was
    closed (the date of its last transition in the audit trail). A finding is resolved if it was
    resolved by then. One limit: an item the appraiser sent back from "done" to "in progress"
    counts as done until its next progress report (the send-back leaves no progress record).

    Two queries whatever the size of the subtree: the database reads each item's state on the
    day and counts the items by (verified, last reported status, deadline passed).
    """
    day = report_as_of(period)
    tz = timezone.get_current_timezone()
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tz)
    end_value = Value(end, output_field=DateTimeField())
    last_transition = (
        AuditEvent.objects.filter(
            object_type=PlanAction._meta.label_lower,
            object_id=Cast(OuterRef("pk"), CharField()),
            action=AuditAction.TRANSITION,
        )
        .order_by("-at")
        .values("at")[:1]
    )
    last_report = (
        ProgressUpdate.objects.filter(action=OuterRef("pk"), reported_at__lt=end)
        .order_by("-reported_at", "-id")
        .values("status")[:1]
    )
    groups = (
        PlanAction.objects.filter(
            plan__cycle_id=period.cycle_id,
            plan__unit__path__startswith=unit.path,
            created_at__lt=end,
        )
        # A closed item counts while it was not yet closed on the day (or has no dated closing);
        # the CASE reads the audit trail for closed items only.
        .alias(
            closed_at=Case(
                When(
                    status__in=CLOSED_STATES,
                    then=Coalesce(Subquery(last_transition), end_value),
                ),
                default=end_value,
                output_field=DateTimeField(),
            )
        )
        .filter(closed_at__gte=end)
        .annotate(
            verified=ExpressionWrapper(Q(verified_at__lt=end), output_field=BooleanField()),
            reported=Coalesce(Subquery(last_report), Value(ActionStatus.OPEN.value)),
            late=ExpressionWrapper(Q(due_date__lt=day), output_field=BooleanField()),
        )
        .values_list("verified", "reported", "late")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures = dict.fromkeys(FIGURE_LABELS, 0)
    for verified, reported, late, n in groups:
        if verified:
            state = ActionStatus.VERIFIED
        else:
            state = ActionStatus.DONE if reported == ActionStatus.VERIFIED else reported
        key = {
            ActionStatus.VERIFIED: "items_verified",
            ActionStatus.DONE: "items_reported_done",
            ActionStatus.IN_PROGRESS: "items_in_progress",
        }.get(state, "items_not_started")
        figures["items_total"] += n
        figures[key] += n
        if state in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) and late:
            figures["items_overdue"] += n
    f = Finding.objects.filter(
        review__cycle_id=period.cycle_id, unit__path__startswith=unit.path, created_at__lt=end
    ).aggregate(
        findings_total=Count("id"),
        findings_resolved=Count("id", filter=Q(status=FindingStatus.RESOLVED, resolved_at__lt=end)),
    )
    figures.update(f)
    return figures


@transaction.atomic
def report_create(*, period: ReportPeriod, unit: Unit, by) -> PeriodicReport:
    """Start a unit's report for a period, pre-filled from the data."""
    require_reportable(period.cycle)
    if not unit.path.startswith(period.cycle.scope_unit.path):
        raise DomainError(_("Đơn vị không thuộc phạm vi đợt kiểm điểm."))
    if period.starts_on > timezone.localdate():
        raise DomainError(
            _("Kỳ báo cáo “%(p)s” bắt đầu từ ngày %(d)s: chưa lập được báo cáo cho kỳ này.")
            % {"p": period, "d": vn_date(period.starts_on)}
        )
    try:
        with transaction.atomic():
            report = PeriodicReport.objects.create(
                period=period,
                unit=unit,
                figures=report_figures(unit=unit, period=period),
                figures_as_of=report_as_of(period),
            )
    except IntegrityError as exc:
        raise DomainError(_("Đơn vị đã có báo cáo cho kỳ này.")) from exc
    audit_record(
        obj=report,
        action=AuditAction.CREATE,
        by=by,
        unit_path=unit.path,
        changes={"figures": [None, report.figures], "figures_as_of": [None, report.figures_as_of]},
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
        values["figures_as_of"] = report_as_of(report.period)
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
