"""Writes of assessments (a group's remarks on a unit's remediation per 6 months and year) and of
a group's own activity reports."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction, NotificationKind
from kiemdiem.core.notifications import notify
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import OversightAssignment, Person, Unit, WorkingGroup
from kiemdiem.org.selectors import group_member_users, users_answering_for, users_of_people
from kiemdiem.oversight.models import Activity, Assessment, Followup, GroupReport
from kiemdiem.oversight.periods import half_year_bounds
from kiemdiem.oversight.permissions import can_write_assessment, can_write_group_report
from kiemdiem.oversight.services.halfyear import halfyear_submit, halfyear_update
from kiemdiem.oversight.states import (
    ASSESSMENT,
    GROUP_REPORT,
    ActivityStatus,
    AssessmentStatus,
    ReportStatus,
)
from kiemdiem.remediation.models import Appraisal
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reports.services import report_as_of, report_figures, require_reportable


def assignment_during(
    *,
    unit: Unit,
    start: datetime.date,
    end: datetime.date,
    group: WorkingGroup | None = None,
    person: Person | None = None,
) -> OversightAssignment | None:
    """The group's (or person's) assignment to `unit`, or to an area above it, for some day of
    [start, end]."""
    qs = OversightAssignment.objects.filter(unit__path__in=unit.ancestor_paths())
    qs = qs.filter(working_group=group) if group is not None else qs.filter(person=person)
    return (
        qs.filter(valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .order_by("-valid_from")
        .first()
    )


# --- assessments -----------------------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    unit: Unit,
    period: ReportPeriod,
    by: Actor,
    group: WorkingGroup | None = None,
    person: Person | None = None,
) -> Assessment:
    """Start the assessment of `unit` for `period` by the group (or the member assigned in
    person), pre-filled with the unit's figures as of the period's end (or today)."""
    if (group is None) == (person is None):
        raise DomainError(_("Nhận xét do một tổ công tác hoặc một cấp ủy viên phụ trách viết."))
    assessment = Assessment(group=group, person=person, unit=unit, period=period)
    move = begin(obj=assessment, to=AssessmentStatus.DRAFT, lifecycle=ASSESSMENT, by=by)
    require_reportable(period.cycle)
    if not unit.path.startswith(period.cycle.scope_unit.path):
        raise DomainError(_("Đơn vị không thuộc phạm vi đợt kiểm điểm của kỳ báo cáo này."))
    if (
        assignment_during(
            unit=unit, start=period.starts_on, end=period.ends_on, group=group, person=person
        )
        is None
    ):
        raise DomainError(
            _(
                "%(who)s không được phân công theo dõi “%(u)s” trong kỳ %(p)s: chỉ nhận xét "
                "đơn vị được phân công."
            )
            % {"who": group or person, "u": unit, "p": period.label},
            field="unit",
        )
    if period.starts_on > timezone.localdate():
        raise DomainError(
            _("Kỳ “%(p)s” bắt đầu từ ngày %(d)s: chưa nhận xét được.")
            % {"p": period.label, "d": vn_date(period.starts_on)},
            field="period",
        )
    assessment.figures = report_figures(unit=unit, period=period)
    assessment.figures_as_of = report_as_of(period)
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:
        raise DomainError(
            _("%(who)s đã có báo cáo nhận xét “%(u)s” kỳ này.")
            % {"who": group or person, "u": unit}
        ) from exc
    move.born(
        changes={
            "figures": [None, assessment.figures],
            "figures_as_of": [None, vn_date(assessment.figures_as_of)],
        }
    )
    return assessment


@transaction.atomic
def assessment_update(
    *,
    assessment: Assessment,
    by: Actor,
    remarks: str | None = None,
    recommendations: str | None = None,
    refresh: bool = False,
    expected_version: int | None = None,
) -> Assessment:
    """Write the remarks of a draft assessment (and refresh its figures)."""
    require(can_write_assessment(by, assessment))
    require_version(assessment, expected_version)
    if assessment.status != AssessmentStatus.DRAFT:
        raise DomainError(_("Báo cáo nhận xét đã gửi, không sửa được nữa."))
    values: dict[str, Any] = {}
    if remarks is not None:
        values["remarks"] = normalize_text_block(remarks)
    if recommendations is not None:
        values["recommendations"] = normalize_text_block(recommendations)
    if refresh:
        values["figures"] = report_figures(unit=assessment.unit, period=assessment.period)
        values["figures_as_of"] = report_as_of(assessment.period)
    changes = {
        k: [getattr(assessment, k), v] for k, v in values.items() if getattr(assessment, k) != v
    }
    if not changes:
        return assessment
    save_if_unchanged(assessment, expected_version, **values)
    for key, value in values.items():
        setattr(assessment, key, value)
    if "figures_as_of" in changes:
        changes["figures_as_of"] = [vn_date(d) for d in changes["figures_as_of"]]
    audit_record(
        obj=assessment,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        unit_path=assessment.unit.path,
        person_id=assessment.person_id,
    )
    return assessment


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, by: Actor, expected_version: int | None = None
) -> Assessment:
    """Send the assessment to the standing committee; the unit is notified."""
    move = begin(
        obj=assessment,
        to=AssessmentStatus.SUBMITTED,
        lifecycle=ASSESSMENT,
        by=by,
        version=expected_version,
    )
    require_reportable(assessment.period.cycle)
    if not assessment.remarks.strip():
        raise DomainError(_("Phải có nhận xét, đánh giá trước khi gửi."), field="remarks")
    # The figures as the standing committee reads them: as of the period's end (or today).
    figures = report_figures(unit=assessment.unit, period=assessment.period)
    move.apply(
        figures=figures,
        figures_as_of=report_as_of(assessment.period),
        submitted_at=timezone.now(),
        submitted_on=move.effective_on,
        submitted_by=acting_user(by),
    )
    unit = assessment.unit
    committee = (assessment.group.committee if assessment.group else None) or unit.parent
    answering = users_answering_for({unit.pk} | ({committee.pk} if committee else set()))
    me = acting_user(by)
    notify(
        user_ids=set().union(*answering.values()) - {me.pk if me else None},
        kind=NotificationKind.ASSESSMENT_RECEIVED,
        key=f"assessment_submitted:assessment={assessment.pk}",
        text=_("%(who)s gửi báo cáo nhận xét %(p)s về việc khắc phục của %(u)s.")
        % {"who": assessment.author_label, "p": assessment.period.label, "u": unit},
        url=assessment.get_absolute_url(),
    )
    return assessment


@transaction.atomic
def assessment_acknowledge(
    *, assessment: Assessment, by: Actor, response: str = "", expected_version: int | None = None
) -> Assessment:
    """The unit has read the assessment (and may answer it)."""
    response = normalize_text_block(response)
    move = begin(
        obj=assessment,
        to=AssessmentStatus.ACKNOWLEDGED,
        lifecycle=ASSESSMENT,
        by=by,
        reason=response,
        version=expected_version,
    )
    move.apply(acknowledged_at=timezone.now(), acknowledged_by=acting_user(by), response=response)
    if assessment.group_id:
        users = group_member_users({assessment.group_id})
    else:
        users = set(users_of_people({assessment.person_id or 0}).values())
    notify(
        user_ids=users,
        kind=NotificationKind.ASSESSMENT_ACKNOWLEDGED,
        key=f"assessment_acknowledged:assessment={assessment.pk}",
        text=_("%(u)s đã nhận báo cáo nhận xét %(p)s.")
        % {"u": assessment.unit, "p": assessment.period.label},
        url=assessment.get_absolute_url(),
    )
    return assessment


# --- a group's own activity report ----------------------------------------------------------

GROUP_FIGURE_LABELS: dict[str, str] = {
    "units": "Số đơn vị được phân công theo dõi",
    "activities_planned": "Hoạt động dự kiến trong kỳ",
    "activities_done": "Hoạt động đã thực hiện",
    "activities_cancelled": "Hoạt động đã hủy",
    "followups": "Kiến nghị bổ sung vào kế hoạch khắc phục",
    "plans_appraised": "Lượt thẩm định kế hoạch khắc phục",
    "plans_returned": "Trong đó: trả lại, yêu cầu chuẩn bị lại",
    "assessments_submitted": "Báo cáo nhận xét đã gửi",
}


def group_figures(group: WorkingGroup, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """What the group did between `start` and `end` (as far as today)."""
    end = min(end, timezone.localdate())
    activities = Activity.objects.filter(programme__group=group, planned_on__range=(start, end))
    appraisals = Appraisal.objects.filter(working_group=group, effective_on__range=(start, end))
    return {
        "units": OversightAssignment.objects.filter(working_group=group, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .values("unit_id")
        .distinct()
        .count(),
        "activities_planned": activities.count(),
        "activities_done": activities.filter(status=ActivityStatus.DONE).count(),
        "activities_cancelled": activities.filter(status=ActivityStatus.CANCELLED).count(),
        "followups": Followup.objects.filter(
            activity__programme__group=group, activity__held_on__range=(start, end)
        ).count(),
        "plans_appraised": appraisals.count(),
        "plans_returned": appraisals.filter(decision=Appraisal.Decision.RETURNED).count(),
        "assessments_submitted": Assessment.objects.filter(
            group=group, submitted_on__range=(start, end)
        ).count(),
    }


@transaction.atomic
def group_report_create(*, group: WorkingGroup, year: int, kind: str, by: Actor) -> GroupReport:
    """Start the group's report on its own work for a half-year or a year, pre-filled."""
    starts_on, ends_on, due_on = half_year_bounds(year, kind)
    report = GroupReport(
        group=group, year=year, kind=kind, starts_on=starts_on, ends_on=ends_on, due_on=due_on
    )
    move = begin(obj=report, to=ReportStatus.DRAFT, lifecycle=GROUP_REPORT, by=by)
    if starts_on > timezone.localdate():
        raise DomainError(_("Kỳ báo cáo chưa bắt đầu."), field="year")
    if ends_on < group.valid_from or (group.valid_to and starts_on > group.valid_to):
        raise DomainError(_("Tổ không hoạt động trong kỳ này."), field="year")
    report.figures = group_figures(group, starts_on, ends_on)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise DomainError(_("Tổ đã có báo cáo hoạt động cho kỳ này.")) from exc
    move.born(changes={"figures": [None, report.figures]})
    return report


@transaction.atomic
def group_report_update(
    *,
    report: GroupReport,
    narrative: str,
    by: Actor,
    refresh: bool = False,
    expected_version: int | None = None,
) -> GroupReport:
    """Write the narrative of a draft activity report (and refresh its figures)."""
    halfyear_update(
        report=report,
        narrative=narrative,
        refresh=refresh,
        by=by,
        expected_version=expected_version,
        decision=can_write_group_report(by, report),
        figures=lambda: group_figures(report.group, report.starts_on, report.ends_on),
        unit_path=report.group.committee.path,
    )
    return report


@transaction.atomic
def group_report_submit(
    *, report: GroupReport, by: Actor, expected_version: int | None = None
) -> GroupReport:
    """Send the activity report to the standing committee through the committee's office."""
    halfyear_submit(
        report=report,
        lifecycle=GROUP_REPORT,
        by=by,
        expected_version=expected_version,
        figures=lambda: group_figures(report.group, report.starts_on, report.ends_on),
        narrative_missing=_("Phải có phần tình hình hoạt động, đánh giá."),
    )
    committee = report.group.committee
    notify(
        user_ids=users_answering_for({committee.pk}).get(committee.pk, set()),
        kind=NotificationKind.GROUP_REPORT_RECEIVED,
        key=f"group_report:report={report.pk}",
        text=_("%(r)s đã gửi.") % {"r": report},
        url=report.get_absolute_url(),
    )
    return report
