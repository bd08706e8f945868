"""Pages of implementation plans for a directive: the list, a plan (drafts and comments, tasks,
conferences, reports), a task (progress with evidence, verification), a report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.org.models import CELL_KINDS, Unit
from kiemdiem.org.scoping import access_for, visible_units
from kiemdiem.oversight import selectors, services
from kiemdiem.oversight.forms import (
    AdoptPlanForm,
    CommentForm,
    ConferenceForm,
    DecideForm,
    DraftForm,
    ImplementationForm,
    PeriodChoiceForm,
    ReasonForm,
    TaskForm,
    TaskProgressForm,
    VerifyTaskForm,
)
from kiemdiem.oversight.models import CommentDecision, DraftComment, TaskEvidence
from kiemdiem.oversight.permissions import (
    can_report_task,
    can_run_committee_plan,
    can_run_plan,
    can_write_implementation_report,
)
from kiemdiem.oversight.services import TASK_FIGURE_LABELS
from kiemdiem.oversight.states import (
    IMPLEMENTATION,
    IMPLEMENTATION_REPORT,
    TASK,
    DirectivePlanStatus,
    TaskStatus,
)
from kiemdiem.oversight.views.common import form_errors_to_messages
from kiemdiem.oversight.views.halfyear import HalfYearReportPages


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Implementation plans in scope; offices may start one for their committee."""
    plans = selectors.implementation_plans_visible_to(request.user).order_by(
        "committee__path", "-created_at"
    )
    access = access_for(request.user)
    if access.everything:
        committees = Unit.objects.filter(depth__lte=1)
    else:
        committees = Unit.objects.filter(
            Q(pk__in=sorted(access.recipient_unit_ids)) | Q(path__in=access.office_paths)
        ).exclude(kind__in=CELL_KINDS)
    ctx = {
        "page": Paginator(plans, 50).get_page(request.GET.get("page")),
        "committees": [
            c for c in committees.order_by("path") if can_run_committee_plan(request.user, c)
        ],
        "form": ImplementationForm(),
    }
    return render(request, "oversight/implementation_list.html", ctx)


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    committee = get_object_or_404(
        visible_units(request.user), pk=request.POST.get("committee") or 0
    )
    form = ImplementationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        plan = run_service(
            form,
            lambda: services.implementation_create(
                committee=committee,
                title=data["title"],
                directive=data["directive"],
                objectives=data["objectives"],
                draft_text=data["draft_text"],
                by=request.user,
            ),
        )
        if plan is not None:
            messages.success(
                request,
                _("Đã lập dự thảo kế hoạch. Tiếp theo: ghi nhận góp ý và giao nhiệm vụ."),
            )
            return redirect(plan)
    form_errors_to_messages(request, form)
    return redirect("oversight:implementation-list")


def _plan(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.implementation_plans_visible_to(request.user), pk=pk)


def _plan_context(request: HttpRequest, plan, **forms) -> dict:
    user = request.user
    tasks = list(plan.tasks.select_related("lead_unit").prefetch_related("coordinating_units"))
    comments = list(plan.comments.select_related("draft", "author_unit"))
    decided = [c for c in comments if c.decision != CommentDecision.PENDING]
    today = timezone.localdate()
    return {
        "plan": plan,
        "drafts": plan.drafts.select_related("created_by"),
        "comments": comments,
        "comment_counts": {
            "total": len(comments),
            "accepted": sum(c.decision == CommentDecision.ACCEPTED for c in comments),
            "partly": sum(c.decision == CommentDecision.PARTLY for c in comments),
            "not_accepted": sum(c.decision == CommentDecision.NOT_ACCEPTED for c in comments),
            "pending": len(comments) - len(decided),
        },
        "tasks": tasks,
        "overdue": {t.pk for t in tasks if t.is_overdue(today)},
        "conferences": plan.conferences.select_related("unit"),
        "reports": plan.reports.all(),
        "can_run": can_run_plan(user, plan),
        "is_draft": plan.status == DirectivePlanStatus.DRAFT,
        "can_adopt": allowed(IMPLEMENTATION, user, plan, DirectivePlanStatus.ADOPTED),
        "can_close": allowed(IMPLEMENTATION, user, plan, DirectivePlanStatus.CLOSED),
        "draft_form": forms.get("draft_form") or DraftForm(),
        "comment_form": forms.get("comment_form")
        or CommentForm(user=user, committee=plan.committee, initial={"received_on": today}),
        "task_form": forms.get("task_form") or TaskForm(user=user, committee=plan.committee),
        "conference_form": forms.get("conference_form") or ConferenceForm(),
        "adopt_form": forms.get("adopt_form") or AdoptPlanForm(initial={"version": plan.version}),
        "close_form": forms.get("close_form") or ReasonForm(initial={"version": plan.version}),
        "report_form": forms.get("report_form")
        or PeriodChoiceForm(initial={"year": today.year, "kind": "half_year"}),
        "decide_form": DecideForm(),
        "history": history_for(plan, parts=[*tasks, *comments])[:50],
    }


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return render(request, "oversight/implementation_detail.html", _plan_context(request, plan))


def _render_plan(request: HttpRequest, plan, **forms) -> HttpResponse:
    ctx = _plan_context(request, plan, **forms)
    return render(request, "oversight/implementation_detail.html", ctx)


@login_required
@require_POST
def draft_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = DraftForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.draft_revise(
                plan=plan,
                text=form.cleaned_data["text"],
                note=form.cleaned_data["note"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu dự thảo mới."))
            return redirect(plan)
    return _render_plan(request, plan, draft_form=form)


@login_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = CommentForm(request.POST, user=request.user, committee=plan.committee)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.comment_add(
                plan=plan,
                author=data["author"],
                author_unit=data["author_unit"],
                received_on=data["received_on"],
                channel=data["channel"],
                text=data["text"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận góp ý."))
            return redirect(plan.get_absolute_url() + "#gop-y")
    return _render_plan(request, plan, comment_form=form)


@login_required
@require_POST
def comment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(
        DraftComment.objects.filter(
            plan__in=selectors.implementation_plans_visible_to(request.user)
        ).select_related("plan", "plan__committee"),
        pk=pk,
    )
    form = DecideForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.comment_decide(
                comment=comment,
                decision=form.cleaned_data["decision"],
                response=form.cleaned_data["response"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi ý kiến tiếp thu."))
    if form.errors:
        form_errors_to_messages(request, form)
    return redirect(comment.plan.get_absolute_url() + "#gop-y")


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = TaskForm(request.POST, user=request.user, committee=plan.committee)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.task_add(
                plan=plan,
                content=data["content"],
                lead_unit=data["lead_unit"],
                coordinating_units=list(data["coordinating_units"]),
                due_date=data["due_date"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã giao nhiệm vụ."))
            return redirect(plan.get_absolute_url() + "#nhiem-vu")
    return _render_plan(request, plan, task_form=form)


@login_required
@require_POST
def conference_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ConferenceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.conference_add(plan=plan, by=request.user, **data),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận hội nghị."))
            return redirect(plan.get_absolute_url() + "#hoi-nghi")
    return _render_plan(request, plan, conference_form=form)


@login_required
@require_POST
def plan_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = AdoptPlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.implementation_adopt(
                plan=plan,
                number=data["number"],
                issued_on=data["issued_on"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(
                request, _("Đã ban hành kế hoạch; các cơ quan chủ trì, phối hợp đã được thông báo.")
            )
            return redirect(plan)
    return _render_plan(request, plan, adopt_form=form)


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.implementation_close(
                plan=plan,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Kế hoạch đã tổng kết."))
            return redirect(plan)
    return _render_plan(request, plan, close_form=form)


@login_required
@require_POST
def report_start(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = PeriodChoiceForm(request.POST)
    if form.is_valid():
        report = run_service(
            form,
            lambda: services.implementation_report_create(
                plan=plan,
                year=form.cleaned_data["year"],
                kind=form.cleaned_data["kind"],
                by=request.user,
            ),
        )
        if report is not None:
            messages.success(request, _("Đã lập báo cáo kết quả thực hiện."))
            return redirect(report)
    return _render_plan(request, plan, report_form=form)


# --- tasks -----------------------------------------------------------------------------------


def _task(request: HttpRequest, pk: int):
    return get_object_or_404(selectors.tasks_visible_to(request.user), pk=pk)


def _task_context(request: HttpRequest, task, **forms) -> dict:
    user = request.user
    version = {"version": task.version}
    return {
        "task": task,
        "plan": task.plan,
        "updates": task.updates.select_related("reported_by").prefetch_related("evidence"),
        "can_report": can_report_task(user, task),
        "trackable": task.plan.status == DirectivePlanStatus.ADOPTED
        and task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS),
        "can_verify": allowed(TASK, user, task, TaskStatus.VERIFIED),
        "can_cancel": allowed(TASK, user, task, TaskStatus.CANCELLED),
        "overdue": task.is_overdue(),
        "progress_form": forms.get("progress_form") or TaskProgressForm(initial=version),
        "verify_form": forms.get("verify_form") or VerifyTaskForm(initial=version),
        "cancel_form": forms.get("cancel_form") or ReasonForm(initial=version),
        "history": history_for(task)[:30],
    }


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return render(request, "oversight/task_detail.html", _task_context(request, task))


@login_required
@require_POST
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = TaskProgressForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.task_report_progress(
                task=task,
                status=data["status"],
                percent=data["percent"],
                narrative=data["narrative"],
                files=data["files"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã báo cáo tiến độ nhiệm vụ."))
            return redirect(task)
    return render(
        request, "oversight/task_detail.html", _task_context(request, task, progress_form=form)
    )


@login_required
@require_POST
def task_verify(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = VerifyTaskForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.task_verify(
                task=task,
                accept=data["accept"],
                note=data["note"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi kết quả xác nhận."))
            return redirect(task)
    return render(
        request, "oversight/task_detail.html", _task_context(request, task, verify_form=form)
    )


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.task_cancel(
                task=task,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã hủy nhiệm vụ."))
            return redirect(task)
    return render(
        request, "oversight/task_detail.html", _task_context(request, task, cancel_form=form)
    )


@login_required
def task_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(
        TaskEvidence.objects.filter(update__task__in=selectors.tasks_visible_to(request.user)),
        pk=pk,
    )
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name
    )
    response["Content-Type"] = evidence.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reports ---------------------------------------------------------------------------------


REPORT_PAGES = HalfYearReportPages(
    visible=selectors.implementation_reports_visible_to,
    template="oversight/implementation_report_detail.html",
    figure_labels=TASK_FIGURE_LABELS,
    can_write=can_write_implementation_report,
    lifecycle=IMPLEMENTATION_REPORT,
    update=services.implementation_report_update,
    submit=services.implementation_report_submit,
    submitted=gettext_lazy("Đã gửi báo cáo tới Ban Thường vụ."),
)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return REPORT_PAGES.detail_page(request, pk)


@login_required
@require_POST
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return REPORT_PAGES.edit_page(request, pk)


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return REPORT_PAGES.submit_page(request, pk)
