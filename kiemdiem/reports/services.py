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
    DateField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Unit
from kiemdiem.remediation.models import PlanAction, PlanSubmission, ProgressUpdate
from kiemdiem.remediation.states import ITEM_DEAD, ITEM_OPEN, ActionStatus
from kiemdiem.reports.models import PeriodicReport, PeriodKind, ReportPeriod
from kiemdiem.reports.permissions import can_write_unit_report
from kiemdiem.reports.states import REPORT, ReportStatus
from kiemdiem.reviews.models import CarryAssessment, Finding, ReviewCycle
from kiemdiem.reviews.states import CycleStatus, FindingStatus


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


FIGURE_LABELS: dict[str, str] = {
    "items_total": "Tổng số nội dung khắc phục",
    "items_verified": "Đã hoàn thành (được xác nhận)",
    "items_reported_done": "Báo cáo hoàn thành, chờ xác nhận",
    "items_in_progress": "Đang thực hiện",
    "items_not_started": "Chưa thực hiện",
    "items_overdue": "Quá hạn",
    "findings_total": "Tổng số hạn chế, khuyết điểm",
    "findings_resolved": "Đã khắc phục xong",
    "findings_carried": "Chuyển từ kỳ trước",
    "findings_carried_partly": "Chuyển từ kỳ trước: đang khắc phục (một phần)",
    "findings_carried_partly_percent": "Mức độ khắc phục trung bình của số trên (%)",
}
# Figures that are averages, with the count they are an average over: a roll-up weighs them.
AVERAGES: dict[str, str] = {"findings_carried_partly_percent": "findings_carried_partly"}


def periods_for(cycle: ReviewCycle) -> list[ReportPeriod]:
    """The cycle's report periods (unsaved), for every year from its start to its horizon:
    the first six months (01/01–30/06) and the whole year (01/01–31/12), each starting no
    earlier than the cycle. A period counts if it starts before the horizon ends."""
    due_days = getattr(settings, "KIEMDIEM_REPORT_DUE_DAYS", 15)
    periods: list[ReportPeriod] = []
    for year in range(cycle.starts_on.year, cycle.horizon_end.year + 1):
        starts_on = max(datetime.date(year, 1, 1), cycle.starts_on)
        if starts_on > cycle.horizon_end:
            break
        for ends_on, kind, label in (
            (datetime.date(year, 6, 30), PeriodKind.HALF_YEAR, _("6 tháng đầu năm %(y)s")),
            (datetime.date(year, 12, 31), PeriodKind.YEAR, _("Năm %(y)s")),
        ):
            if ends_on < starts_on:
                continue
            periods.append(
                ReportPeriod(
                    cycle=cycle,
                    kind=kind,
                    label=label % {"y": year},
                    starts_on=starts_on,
                    ends_on=ends_on,
                    due_on=ends_on + datetime.timedelta(days=due_days),
                )
            )
    return periods


def periods_create_for_cycle(*, cycle: ReviewCycle) -> list[ReportPeriod]:
    """Create the cycle's report periods (at opening; the opening audits them)."""
    periods = periods_for(cycle)
    ReportPeriod.objects.bulk_create(periods)
    return periods


PERIOD_FIELDS = ["label", "starts_on", "ends_on", "due_on"]


def periods_sync_for_cycle(*, cycle: ReviewCycle, by: Actor, reason: str = "") -> dict[str, int]:
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


def existed_by(day: datetime.date, end: datetime.datetime, plan_ref: str) -> Q:
    """A row existed on `day` if it was recorded by then, or if it was already recorded when a
    submission of its plan that took effect by then was recorded (a past campaign entered from
    paper records: the items are typed in today, in a plan submitted months ago)."""
    submitted = PlanSubmission.objects.filter(
        plan=OuterRef(plan_ref), effective_on__lte=day, submitted_at__gte=OuterRef("created_at")
    )
    return Q(created_at__lt=end) | Q(Exists(submitted))


def day_end(day: datetime.date) -> datetime.datetime:
    """The first moment after `day`, in the project's time zone (what `existed_by` takes)."""
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tz)


def findings_on(unit: Unit, cycle_id: int, day: datetime.date) -> QuerySet[Finding]:
    """The shortcomings of a unit's subtree in a cycle that existed on `day` (`existed_by`)."""
    return Finding.objects.filter(
        existed_by(day, day_end(day), "review__plan"),
        review__cycle_id=cycle_id,
        unit__path__startswith=unit.path,
    )


def report_figures(*, unit: Unit, period: ReportPeriod) -> dict[str, int]:
    """The remediation figures of a unit's subtree in the cycle, as of `report_as_of(period)`.

    Every event counts on the day it took effect (its effective date), not the day it was
    typed in. An item counts if it existed on the day (`existed_by`). Its state on the day:
    verified if verified by then, else the status of its last progress report by then, else not
    started; overdue if its deadline passed before the day while not yet reported done. A
    cancelled or replaced item counts until the day it was closed (its last transition in the
    audit trail). A finding is resolved if it was resolved by then. One limit: an item the
    appraiser sent back from "done" to "in progress" counts as done until its next progress
    report (the send-back leaves no progress record).

    Two queries for the items and one for the findings, whatever the size of the subtree.
    """
    day = report_as_of(period)
    tz = timezone.get_current_timezone()
    end = day_end(day)
    never = Value(datetime.date.max, output_field=DateField())
    closing = AuditEvent.objects.filter(
        object_type=PlanAction._meta.label_lower,
        object_id=Cast(OuterRef("pk"), CharField()),
        action=AuditAction.TRANSITION,
    ).order_by("-at", "-id")
    closed_on = Coalesce(
        Subquery(closing.values("effective_on")[:1]),
        Subquery(closing.annotate(on=TruncDate("at", tzinfo=tz)).values("on")[:1]),
        never,
    )
    last_report = (
        ProgressUpdate.objects.filter(action=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-reported_at", "-id")
        .values("status")[:1]
    )
    groups = (
        PlanAction.objects.filter(
            existed_by(day, end, "plan"),
            plan__cycle_id=period.cycle_id,
            plan__unit__path__startswith=unit.path,
        )
        # A closed item counts while it was not yet closed on the day; the CASE reads the audit
        # trail for closed items only.
        .alias(
            closed_on=Case(
                When(status__in=ITEM_DEAD, then=closed_on),
                default=never,
                output_field=DateField(),
            )
        )
        .filter(closed_on__gt=day)
        .annotate(
            verified=ExpressionWrapper(Q(verified_on__lte=day), output_field=BooleanField()),
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
        if state in ITEM_OPEN and late:
            figures["items_overdue"] += n
    partly = Q(carried_from__isnull=False, carry_assessment=CarryAssessment.PARTLY_FIXED)
    f = findings_on(unit, period.cycle_id, day).aggregate(
        findings_total=Count("id"),
        findings_resolved=Count(
            "id", filter=Q(status=FindingStatus.RESOLVED, resolved_on__lte=day)
        ),
        findings_carried=Count("id", filter=Q(carried_from__isnull=False)),
        findings_carried_partly=Count("id", filter=partly),
        percent_sum=Sum("carry_percent", filter=partly),
    )
    percent_sum = f.pop("percent_sum") or 0
    figures.update(f)
    if figures["findings_carried_partly"]:
        figures["findings_carried_partly_percent"] = round(
            percent_sum / figures["findings_carried_partly"]
        )
    return figures


@transaction.atomic
def report_create(*, period: ReportPeriod, unit: Unit, by: Actor) -> PeriodicReport:
    """Start a unit's report for a period, pre-filled from the data."""
    report = PeriodicReport(period=period, unit=unit)
    move = begin(obj=report, to=ReportStatus.DRAFT, lifecycle=REPORT, by=by)
    require_reportable(period.cycle)
    if not unit.path.startswith(period.cycle.scope_unit.path):
        raise DomainError(_("Đơn vị không thuộc phạm vi đợt kiểm điểm."))
    if period.starts_on > timezone.localdate():
        raise DomainError(
            _("Kỳ báo cáo “%(p)s” bắt đầu từ ngày %(d)s: chưa lập được báo cáo cho kỳ này.")
            % {"p": period, "d": vn_date(period.starts_on)}
        )
    report.figures = report_figures(unit=unit, period=period)
    report.figures_as_of = report_as_of(period)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise DomainError(_("Đơn vị đã có báo cáo cho kỳ này.")) from exc
    move.born(
        changes={"figures": [None, report.figures], "figures_as_of": [None, report.figures_as_of]}
    )
    return report


@transaction.atomic
def report_update(
    *,
    report: PeriodicReport,
    narrative: str,
    by: Actor,
    refresh: bool = False,
    expected_version: int | None = None,
) -> PeriodicReport:
    """Write the narrative (and optionally refresh the figures) of a draft report."""
    require(can_write_unit_report(by, report))
    require_version(report, expected_version)
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
    save_if_unchanged(report, expected_version, **values)
    for key, value in values.items():
        setattr(report, key, value)
    audit_record(
        obj=report, action=AuditAction.UPDATE, by=by, changes=changes, unit_path=report.unit.path
    )
    return report


@transaction.atomic
def report_submit(
    *, report: PeriodicReport, by: Actor, expected_version: int | None = None
) -> PeriodicReport:
    """Send the report to the parent committee."""
    move = begin(
        obj=report, to=ReportStatus.SUBMITTED, lifecycle=REPORT, by=by, version=expected_version
    )
    require_reportable(report.period.cycle)
    if not report.narrative.strip():
        raise DomainError(
            _("Phải có phần đánh giá, nhận xét trước khi gửi báo cáo."), field="narrative"
        )
    move.apply(submitted_at=timezone.now(), submitted_by=acting_user(by))
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
    weighted = dict.fromkeys(AVERAGES, 0)
    for report in reports.values():
        if report.status == ReportStatus.SUBMITTED:
            figures = report.figures
            for key in totals:
                if key in AVERAGES:
                    weighted[key] += int(figures.get(key, 0)) * int(figures.get(AVERAGES[key], 0))
                else:
                    totals[key] += int(figures.get(key, 0))
    for key, count_key in AVERAGES.items():
        if totals[count_key]:
            totals[key] = round(weighted[key] / totals[count_key])
    rows = [(child, reports.get(child.pk)) for child in children]
    submitted = sum(1 for _c, r in rows if r and r.status == ReportStatus.SUBMITTED)
    return {"rows": rows, "totals": totals, "submitted": submitted, "expected": len(children)}
