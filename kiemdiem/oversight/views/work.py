"""Pages of a group's work: a programme and its activities, an activity and its follow-ups, an
assessment (written, sent, acknowledged), a group's activity report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.oversight import selectors, services
from kiemdiem.oversight.forms import (
    AcknowledgeForm,
    ActivityForm,
    AgreeForm,
    AssessmentForm,
    FollowupForm,
    OptionalReasonForm,
    OutcomeForm,
    ProgrammeForm,
    ReasonForm,
)
from kiemdiem.oversight.permissions import (
    can_record_activity,
    can_write_assessment,
    can_write_group_report,
    can_write_programme,
)
from kiemdiem.oversight.services import GROUP_FIGURE_LABELS
from kiemdiem.oversight.states import (
    ACTIVITY,
    ASSESSMENT,
    GROUP_REPORT,
    PROGRAMME,
    ActivityStatus,
    AssessmentStatus,
    ProgrammeStatus,
)
from kiemdiem.oversight.views.common import form_errors_to_messages
from kiemdiem.oversight.views.halfyear import HalfYearReportPages
from kiemdiem.reports.services import FIGURE_LABELS

# --- programme -------------------------------------------------------------------------------


def _programme(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.programmes_visible_to(request.user), pk=pk)


def _programme_context(request: HttpRequest, programme, **forms) -> dict:
    user = request.user
    units = selectors.units_of_group(programme.group)
    activities = programme.activities.select_related("unit").prefetch_related("followups")
    initial = {
        "title": programme.title,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "note": programme.note,
        "version": programme.version,
    }
    return {
        "programme": programme,
        "group": programme.group,
        "activities": activities,
        "can_write": can_write_programme(user, programme),
        "can_agree": allowed(PROGRAMME, user, programme, ProgrammeStatus.AGREED),
        "can_close": allowed(PROGRAMME, user, programme, ProgrammeStatus.CLOSED),
        "activity_form": forms.get("activity_form") or ActivityForm(units=units),
        "edit_form": forms.get("edit_form") or ProgrammeForm(initial=initial),
        "agree_form": forms.get("agree_form") or AgreeForm(initial={"version": programme.version}),
        "close_form": forms.get("close_form")
        or OptionalReasonForm(initial={"version": programme.version}),
        "history": history_for(programme, parts=list(activities))[:50],
    }


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    ctx = _programme_context(request, programme)
    return render(request, "oversight/programme_detail.html", ctx)


@login_required
@require_POST
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = ProgrammeForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = run_service(
            form,
            lambda: services.programme_update(
                programme=programme, by=request.user, expected_version=version, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu chương trình làm việc."))
            return redirect(programme)
    ctx = _programme_context(request, programme, edit_form=form)
    return render(request, "oversight/programme_detail.html", ctx)


@login_required
@require_POST
def programme_agree(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = AgreeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.programme_agree(
                programme=programme,
                agreed_on=data["agreed_on"],
                agreed_with=data["agreed_with"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận chương trình được thống nhất với đơn vị."))
            return redirect(programme)
    ctx = _programme_context(request, programme, agree_form=form)
    return render(request, "oversight/programme_detail.html", ctx)


@login_required
@require_POST
def programme_close(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = OptionalReasonForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.programme_close(
                programme=programme,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Chương trình đã kết thúc."))
            return redirect(programme)
    ctx = _programme_context(request, programme, close_form=form)
    return render(request, "oversight/programme_detail.html", ctx)


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = ActivityForm(request.POST, units=selectors.units_of_group(programme.group))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.activity_plan(
                programme=programme,
                unit=data["unit"],
                kind=data["kind"],
                planned_on=data["planned_on"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã thêm hoạt động vào chương trình."))
            return redirect(programme)
    ctx = _programme_context(request, programme, activity_form=form)
    return render(request, "oversight/programme_detail.html", ctx)


# --- activity --------------------------------------------------------------------------------


def _activity(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.activities_visible_to(request.user), pk=pk)


def _activity_context(request: HttpRequest, activity, **forms) -> dict:
    user = request.user
    plans = selectors.plans_of_unit_for_followup(activity.unit)
    version = {"version": activity.version}
    return {
        "activity": activity,
        "programme": activity.programme,
        "followups": activity.followups.select_related(
            "action", "action__plan", "action__responsible_unit"
        ).prefetch_related("action__findings"),
        "can_record": allowed(ACTIVITY, user, activity, ActivityStatus.DONE),
        "can_followup": can_record_activity(user, activity),
        "plans": plans,
        "outcome_form": forms.get("outcome_form")
        or OutcomeForm(initial={**version, "held_on": activity.planned_on}),
        "cancel_form": forms.get("cancel_form") or ReasonForm(initial=version),
        "followup_form": forms.get("followup_form")
        or FollowupForm(user=user, plans=plans, unit=activity.unit),
        "history": history_for(activity)[:30],
    }


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    return render(request, "oversight/activity_detail.html", _activity_context(request, activity))


@login_required
@require_POST
def activity_record(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.activity_record(
                activity=activity,
                held_on=data["held_on"],
                minutes=data["minutes"],
                remarks=data["remarks"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Đã ghi kết quả. Nếu đơn vị cần khắc phục thêm, hãy thêm kiến nghị bên dưới."),
            )
            return redirect(activity)
    ctx = _activity_context(request, activity, outcome_form=form)
    return render(request, "oversight/activity_detail.html", ctx)


@login_required
@require_POST
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.activity_cancel(
                activity=activity,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã hủy hoạt động."))
            return redirect(activity.programme)
    ctx = _activity_context(request, activity, cancel_form=form)
    return render(request, "oversight/activity_detail.html", ctx)


@login_required
@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    plans = selectors.plans_of_unit_for_followup(activity.unit)
    form = FollowupForm(request.POST, user=request.user, plans=plans, unit=activity.unit)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.followup_add(
                activity=activity,
                plan=data["plan"],
                content=data["content"],
                responsible_unit=data["responsible_unit"] or activity.unit,
                due_date=data["due_date"],
                finding_text=data["finding_text"],
                finding_area=data["finding_area"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(
                request, _("Đã bổ sung vào kế hoạch khắc phục của đơn vị; nội dung được theo dõi.")
            )
            return redirect(activity)
    ctx = _activity_context(request, activity, followup_form=form)
    return render(request, "oversight/activity_detail.html", ctx)


# --- assessment ------------------------------------------------------------------------------


def _assessment(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.assessments_visible_to(request.user), pk=pk)


def _assessment_context(request: HttpRequest, assessment, **forms) -> dict:
    user = request.user
    version = {"version": assessment.version}
    return {
        "assessment": assessment,
        "figures": [
            (label, assessment.figures.get(key, 0)) for key, label in FIGURE_LABELS.items()
        ],
        "can_write": allowed(ASSESSMENT, user, assessment, AssessmentStatus.SUBMITTED)
        if assessment.status == AssessmentStatus.DRAFT
        else None,
        "can_edit": assessment.status == AssessmentStatus.DRAFT
        and bool(can_write_assessment(user, assessment)),
        "can_acknowledge": allowed(ASSESSMENT, user, assessment, AssessmentStatus.ACKNOWLEDGED),
        "edit_form": forms.get("edit_form")
        or AssessmentForm(
            initial={
                **version,
                "remarks": assessment.remarks,
                "recommendations": assessment.recommendations,
            }
        ),
        "ack_form": forms.get("ack_form") or AcknowledgeForm(initial=version),
        "history": history_for(assessment)[:30],
    }


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    ctx = _assessment_context(request, assessment)
    return render(request, "oversight/assessment_detail.html", ctx)


@login_required
@require_POST
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.assessment_update(
                assessment=assessment,
                remarks=data["remarks"],
                recommendations=data["recommendations"],
                refresh=data["refresh"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu nhận xét. Khi hoàn chỉnh, tổ trưởng gửi đi."))
            return redirect(assessment)
    ctx = _assessment_context(request, assessment, edit_form=form)
    return render(request, "oversight/assessment_detail.html", ctx)


@login_required
@require_POST
def assessment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    form = OptionalReasonForm(request.POST)
    # No version, no write: the page must name the one it showed (core.forms.VersionedForm).
    done = form.is_valid() and run_service(
        form,
        lambda: services.assessment_submit(
            assessment=assessment,
            expected_version=form.cleaned_data["version"],
            by=request.user,
        ),
    )
    if done:
        messages.success(
            request, _("Đã gửi báo cáo nhận xét tới Ban Thường vụ và thông báo cho đơn vị.")
        )
    else:
        form_errors_to_messages(request, form)
    return redirect(assessment)


@login_required
@require_POST
def assessment_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.assessment_acknowledge(
                assessment=assessment,
                response=form.cleaned_data["response"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã xác nhận đã nhận báo cáo nhận xét."))
            return redirect(assessment)
    ctx = _assessment_context(request, assessment, ack_form=form)
    return render(request, "oversight/assessment_detail.html", ctx)


# --- a group's activity report ---------------------------------------------------------------


GROUP_REPORT_PAGES = HalfYearReportPages(
    visible=selectors.group_reports_visible_to,
    template="oversight/group_report_detail.html",
    figure_labels=GROUP_FIGURE_LABELS,
    can_write=can_write_group_report,
    lifecycle=GROUP_REPORT,
    update=services.group_report_update,
    submit=services.group_report_submit,
    submitted=gettext_lazy("Đã gửi báo cáo hoạt động qua Văn phòng cấp ủy."),
)


@login_required
def group_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return GROUP_REPORT_PAGES.detail_page(request, pk)


@login_required
@require_POST
def group_report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return GROUP_REPORT_PAGES.edit_page(request, pk)


@login_required
@require_POST
def group_report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return GROUP_REPORT_PAGES.submit_page(request, pk)
