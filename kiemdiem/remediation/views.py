"""Plan pages: prepare items, submit, appraise (return/accept), adopt, track progress, verify."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import HISTORY_LIMIT, history_for
from kiemdiem.core.dates import today
from kiemdiem.core.forms import PICKER_RESULTS, picker_context, run_service
from kiemdiem.core.htmx import refused
from kiemdiem.core.paging import CappedCountPaginator, GroupedKeysPaginator, rows_by_key
from kiemdiem.core.permissions import ALLOW, Decision, deny, require
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.forms import person_option
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import VisibleByKey, access_for, scope
from kiemdiem.org.selectors import people_search
from kiemdiem.remediation import selectors, services
from kiemdiem.remediation.forms import (
    AcceptForm,
    ActionForm,
    AdoptForm,
    CancelForm,
    PlanFilterForm,
    ProgressForm,
    ReplaceForm,
    ReturnForm,
    SubmitForm,
    VerifyForm,
    responsible_people,
)
from kiemdiem.remediation.models import Evidence, PlanAction, ProgressUpdate, RemediationPlan
from kiemdiem.remediation.permissions import (
    acting_recipient,
    can_adopt_plan,
    can_appraise_plan,
    can_backdate_plan,
    can_edit_plan,
    can_report_progress,
    can_verify_action,
    remember_recipients,
    remember_submissions,
)
from kiemdiem.remediation.states import (
    ITEM_OPEN,
    PLAN_EDITABLE,
    PLAN_TRACKABLE,
    ActionStatus,
    PlanStatus,
)
from kiemdiem.reviews.models import Finding

ROWS_PER_PAGE = 50

# Rows of the plan and item pages, compiled once (core.precompiled), in their models' order
# within one review or item (which began with the review or item: joins sorting nothing).
_FINDINGS = Precompiled(
    lambda review_id: Finding.objects.filter(review_id=review_id).order_by("id")
)
_ITEM_HISTORY = Precompiled(  # the item's history panel: history_for(action)[:50]
    lambda action_id: history_for(PlanAction(pk=action_id))[:HISTORY_LIMIT]
)
_UPDATES = Precompiled(
    lambda action_id: (
        ProgressUpdate.objects.filter(action_id=action_id)
        .select_related("reported_by")
        .prefetch_related("evidence")
        .order_by("-reported_at", "-id")
    )
)
# The list pages' rows by key, compiled once: with the scope and the queue's rule, the page's
# query compiled in 0.6–1.6 ms on every page (issue 17).
_PLAN_ROWS = rows_by_key(RemediationPlan, selectors.plans_list)
_APPRAISAL_ROWS = rows_by_key(RemediationPlan, selectors.appraisal_rows)
_VERIFICATION_ROWS = rows_by_key(PlanAction, selectors.verification_rows)
# The plan or item of a page and of every post on it, if the user may see it (compiled once:
# org.scoping.VisibleByKey).
_PLAN = VisibleByKey(
    lambda: RemediationPlan.objects.select_related(
        "unit", "unit__parent", "person", "cycle", "review"
    ),
    via=RemediationPlan.SCOPE_VIA,
)
# The item's responsible unit and person are named by subqueries: as two more joins of org_unit
# and org_person (eight tables) PostgreSQL took 2.6-3.8 ms to plan the query it then ran in
# 0.4 ms; with them as subqueries, 1.5-1.7 ms.
_ACTION = VisibleByKey(
    lambda: PlanAction.objects.select_related(
        "plan", "plan__unit", "plan__person", "plan__cycle", "plan__review"
    ).annotate(
        responsible_unit_name=Subquery(
            Unit.objects.filter(pk=OuterRef("responsible_unit_id")).values("name")
        ),
        responsible_person_name=Subquery(
            Person.objects.filter(pk=OuterRef("responsible_person_id")).values("full_name")
        ),
    ),
    via="plan__unit",
)


def _plan(request: HttpRequest, pk: int) -> RemediationPlan:
    plan = _PLAN(request.user, pk)
    plan.review_sharing_rows()  # its unit and person are the plan's, joined above
    return plan


def _action(request: HttpRequest, pk: int) -> PlanAction:
    action = _ACTION(request.user, pk)
    # the review's unit and person are the plan's, joined above (the page's title names them)
    action.plan.review_sharing_rows()
    return action


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans in the user's scope, filtered by status and by name."""
    if request.GET.get("awaiting"):  # the former "Chờ tôi thẩm định" tick box: its own page now
        return redirect("remediation:queue-appraisal")
    form = PlanFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else None
    plans = selectors.plans_filtered(request.user, filters)
    # the whole scope: its number per cycle from the summaries (no scan), when they are exact
    filtered = any((filters or {}).values())
    per_cycle = None if filtered else selectors.plans_per_cycle_summarized(request.user)
    page = GroupedKeysPaginator(
        selectors.plans_list(plans),
        ROWS_PER_PAGE,
        keys_from=plans,
        groups=selectors.plan_year_groups(plans, per_cycle),
        rows=_PLAN_ROWS,
    )
    rows = page.get_page(request.GET.get("page"))
    ctx = {
        "form": form,
        "page": rows,
        "late": late_plans(rows),
        "statuses": dict(PlanStatus.choices),
        "appraiser_note": form.appraiser_note(request.user),
    }
    return render(request, "remediation/plan_list.html", ctx)


def late_plans(rows) -> set[int]:
    """The pks of the late plans among the list's rows (RemediationPlan.is_late), for
    jinja2/remediation/plan_rows.html."""
    day = today()
    return {p.pk for p in rows if RemediationPlan.late(p.first_submitted_on, p.due_date, day)}


@login_required
def queue_appraisal(request: HttpRequest) -> HttpResponse:
    """ "Chờ tôi thẩm định": plans the user may appraise now, the longest waiting first."""
    # counted up to paging.COUNT_CAP: a country's queue is not counted on every load
    page = CappedCountPaginator(
        selectors.appraisal_queue(request.user),
        ROWS_PER_PAGE,
        rows=_APPRAISAL_ROWS,
        first=lambda n: selectors.appraisal_first_keys(request.user, n),
    )
    ctx = {"page": page.get_page(request.GET.get("page")), "today": today()}
    return render(request, "remediation/queue_appraisal.html", ctx)


@login_required
def queue_verification(request: HttpRequest) -> HttpResponse:
    """ "Chờ tôi xác nhận": items reported done that the user may verify, oldest report first."""
    page = CappedCountPaginator(
        selectors.verification_queue(request.user),
        ROWS_PER_PAGE,
        rows=_VERIFICATION_ROWS,
        first=lambda n: selectors.verification_first_keys(request.user, n),
    )
    ctx = {"page": page.get_page(request.GET.get("page")), "today": today()}
    return render(request, "remediation/queue_verification.html", ctx)


def _orphan_errors(forms: dict, shown: dict[str, bool]) -> list:
    """Errors of a posted form whose section the page no longer shows (the object moved on
    meanwhile, e.g. a stale save after someone else's decision): shown at the top instead."""
    return [
        error
        for name, form in forms.items()
        if form is not None and not shown.get(name, True)
        for error in form.non_field_errors()
    ]


def _plan_context(request: HttpRequest, plan: RemediationPlan, **forms) -> dict:
    user = request.user
    recipients = remember_recipients(plan)  # the permission checks below read them once
    # the page lists the submissions; can_appraise_plan reads the latest one from them
    submissions = remember_submissions(plan, selectors.plan_submissions(plan))
    editable = plan.status in PLAN_EDITABLE
    can_edit = can_edit_plan(user, plan)
    # The page shows the appraisal (and its refusal) only while the plan awaits it: elsewhere
    # the check (the preparers' query among them) is not made.
    can_appraise = (
        can_appraise_plan(user, plan)
        if plan.status == PlanStatus.SUBMITTED
        else deny(_("Kế hoạch không chờ thẩm định."))
    )
    can_adopt = can_adopt_plan(user, plan)
    # The recipients appraise; the unit prepares. A recipient's office that may also edit the
    # plan (it leads the subtree) is not offered the preparer's forms: writing an item would
    # take away its right to appraise the plan.
    is_recipient = acting_recipient(user, plan) is not None and not access_for(user).everything
    can_prepare = editable and bool(can_edit) and not is_recipient
    appraising = plan.status == PlanStatus.SUBMITTED and bool(can_appraise)
    shown = {
        "action_form": can_prepare,
        "submit_form": can_prepare,
        "return_form": appraising,
        "accept_form": appraising,
        "adopt_form": plan.status == PlanStatus.ACCEPTED and bool(can_adopt),
    }
    findings = _FINDINGS(plan.review_id, known={"review": plan.review})
    actions = selectors.plan_actions(plan, findings)
    ctx = {
        "plan": plan,
        "actions": actions,
        "findings": findings,
        # the findings some item remedies, from the items' findings read above (an item names
        # only findings of its plan's review: services._check_findings)
        "covered_findings": {f.pk for a in actions for f in a.findings.all()},
        "submissions": submissions,
        "last_return": selectors.last_return(submissions),
        "changes": selectors.submission_changes(submissions),
        # the plan's own rows and its items' and recorded recipients' (not every object of
        # the unit): the rows already read for the page (two queries less)
        "history": history_for(plan, parts=[*actions, *(r for r in recipients if r.pk)])[:50],
        "can_edit": can_edit,
        "can_prepare": can_prepare,
        "is_recipient": is_recipient,
        "can_appraise": can_appraise,
        "recipients": recipients,
        "can_adopt": can_adopt,
        "orphan_errors": _orphan_errors(forms, shown),
        "editable": editable,
        "version": plan.version,
        "due_range": (plan.cycle.starts_on, plan.cycle.horizon_end),
    }
    version = {"version": plan.version}
    backdate = _backdate(user, plan) if any(shown.values()) else False
    # Built only for those shown it: its people choices cost ~100 ms on a province (PostgreSQL).
    ctx["action_form"] = forms.get("action_form") or (
        ActionForm(user=user, plan=plan, new=True) if can_prepare else None
    )
    # The other forms too, only where the page shows them (`shown`: the template's conditions).
    ctx["submit_form"] = forms.get("submit_form") or (
        SubmitForm(initial=version, backdate=backdate) if shown["submit_form"] else None
    )
    ctx["return_form"] = forms.get("return_form") or (
        ReturnForm(initial=version, backdate=backdate) if shown["return_form"] else None
    )
    ctx["accept_form"] = forms.get("accept_form") or (
        AcceptForm(initial=version, backdate=backdate) if shown["accept_form"] else None
    )
    ctx["adopt_form"] = forms.get("adopt_form") or (
        AdoptForm(initial=version, accepted_on=selectors.accepted_on(submissions))
        if shown["adopt_form"]
        else None
    )
    return ctx


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    return render(request, "remediation/plan_detail.html", _plan_context(request, plan))


@login_required
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ActionForm(request.POST, user=request.user, plan=plan, new=True)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.action_add(
                plan=plan,
                by=request.user,
                content=data["content"],
                findings=list(data["findings"]),
                responsible_unit=data["responsible_unit"],
                responsible_person=data["responsible_person"],
                due_date=data["due_date"],
                expected_result=data["expected_result"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã thêm nội dung khắc phục."))
            return redirect(plan)
    ctx = _plan_context(request, plan, action_form=form)
    return render(request, "remediation/plan_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    plan = action.plan
    require(can_edit_plan(request.user, plan))
    initial = {
        "content": action.content,
        "findings": list(action.findings.all()),
        "responsible_unit": action.responsible_unit_id,
        "responsible_person": action.responsible_person_id,
        "due_date": action.due_date,
        "expected_result": action.expected_result,
        "version": action.version,
    }
    form = ActionForm(request.POST or None, user=request.user, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        findings = list(data.pop("findings"))
        done = run_service(
            form,
            lambda: services.action_update(
                action=action, by=request.user, expected_version=version, findings=findings, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu nội dung khắc phục."))
            return redirect(plan)
    return render(
        request, "remediation/action_form.html", {"form": form, "action": action, "plan": plan}
    )


@login_required
@require_POST
def action_remove(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    plan = action.plan
    form = CancelForm(request.POST)
    form.fields["reason"].required = False
    form.is_valid()
    result = run_service(
        form,
        lambda: (
            services.action_remove(
                action=action,
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
                expected_version=form.cleaned_data.get("version"),
            )
            or True
        ),
    )
    if result:
        messages.success(request, _("Đã xóa nội dung khắc phục."))
    else:
        for error in form.non_field_errors():
            messages.error(request, error)
    return redirect(plan)


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = SubmitForm(request.POST, backdate=_backdate(request.user, plan))
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.plan_submit(
                plan=plan,
                by=request.user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
                effective_on=form.cleaned_data.get("effective_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Đã nộp kế hoạch khắc phục để thẩm định."))
            return redirect(plan)
    ctx = _plan_context(request, plan, submit_form=form)
    return render(request, "remediation/plan_detail.html", ctx)


@login_required
@require_POST
def plan_return(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ReturnForm(request.POST, backdate=_backdate(request.user, plan))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.plan_return(
                plan=plan,
                grounds=data["grounds"],
                remarks=data["remarks"],
                by=request.user,
                expected_version=data["version"],
                effective_on=data.get("effective_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Đã trả lại kế hoạch, yêu cầu chuẩn bị lại."))
            return redirect(plan)
    ctx = _plan_context(request, plan, return_form=form)
    return render(request, "remediation/plan_detail.html", ctx)


@login_required
@require_POST
def plan_accept(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = AcceptForm(request.POST, backdate=_backdate(request.user, plan))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.plan_accept(
                plan=plan,
                remarks=data["remarks"],
                by=request.user,
                expected_version=data["version"],
                effective_on=data.get("effective_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Kế hoạch đạt yêu cầu."))
            return redirect(plan)
    ctx = _plan_context(request, plan, accept_form=form)
    return render(request, "remediation/plan_detail.html", ctx)


@login_required
@require_POST
def plan_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    accepted_on = selectors.accepted_on(list(selectors.plan_submissions(plan)))
    form = AdoptForm(request.POST, accepted_on=accepted_on)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.plan_adopt(
                plan=plan,
                decision_date=data["decision_date"],
                decision_ref=data["decision_ref"],
                by=request.user,
                expected_version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận quyết định của tập thể."))
            return redirect(plan)
    ctx = _plan_context(request, plan, adopt_form=form)
    return render(request, "remediation/plan_detail.html", ctx)


def _backdate(user, plan: RemediationPlan) -> bool:
    """Whether the forms offer the effective date (an office entering past records)."""
    return bool(can_backdate_plan(user, plan))


# The item page's rare forms (issue 17): cancelling or replacing an item is a rare, deliberate
# act, while the page is read all day. Its cards show a button, and the form (the replace form's
# unit and people choices with it: two queries and ~40 % of the page's CPU on the province bench,
# performance.md part 13b) is built only when someone asks: `?mo=<key>` opens it in the page
# (the button's link, without JavaScript) and `?the=<key>` answers the card alone (htmx swaps it
# in). The key is the card's id.
CLOSING_FORMS = {"huy": "cancel_form", "thay-the": "replace_form"}


def _closing_decision(action: PlanAction, can_edit: Decision) -> Decision:
    """Whether the item page offers to cancel or replace the item (its cards, their forms, the
    fragments): its preparers, while it is open, once the plan has been submitted."""
    if not can_edit:
        return can_edit
    if action.status not in ITEM_OPEN:
        return deny(_("Nội dung này đã kết thúc: không hủy, không thay thế được nữa."))
    if action.plan.status == PlanStatus.DRAFT:
        return deny(_("Kế hoạch còn là dự thảo: sửa hoặc xóa nội dung ngay trên trang kế hoạch."))
    return ALLOW


def _closing_form(name: str, user, action: PlanAction) -> CancelForm | ReplaceForm:
    """A rare form someone asked for, its first field focused (also when htmx swaps it in)."""
    initial = {"version": action.version}
    if name == "cancel_form":
        form: CancelForm | ReplaceForm = CancelForm(initial=initial)
    else:
        form = ReplaceForm(user=user, plan=action.plan, initial=initial)
    form.visible_fields()[0].field.widget.attrs["autofocus"] = True
    return form


def _action_context(request: HttpRequest, action: PlanAction, opened: str = "", **forms) -> dict:
    """The item page's context; `opened` names the rare form someone asked for (or "")."""
    user = request.user
    plan = action.plan
    remember_recipients(plan)  # can_verify_action (and its refusal's text) reads them once
    can_report = can_report_progress(user, action)
    can_verify = can_verify_action(user, action)
    can_edit = can_edit_plan(user, plan)
    closing = _closing_decision(action, can_edit)
    trackable = plan.status in PLAN_TRACKABLE
    open_states = ITEM_OPEN
    is_open = action.status in open_states
    shown = {
        "progress_form": trackable and bool(can_report) and is_open,
        "verify_form": trackable and bool(can_verify) and action.status == ActionStatus.DONE,
        "cancel_form": bool(closing),
        "replace_form": bool(closing),
    }
    ctx = {
        "action": action,
        "plan": plan,
        "updates": _UPDATES(action.pk, known={"action": action}),
        "history": _ITEM_HISTORY(str(action.pk)),
        "can_report": can_report,
        "can_verify": can_verify,
        "can_edit": can_edit,
        "closing": closing,
        "orphan_errors": _orphan_errors(forms, shown),
        "trackable": trackable,
        "open_states": open_states,
        "overdue": action.is_overdue(),
    }
    # Each form built only where the page shows it (`shown`: the template's conditions), the
    # rare ones only when asked for (a refused post passes its own).
    version = {"version": action.version}
    backdate = _backdate(user, plan) if shown["progress_form"] or shown["verify_form"] else False
    makers = {
        "progress_form": lambda: ProgressForm(
            initial={**version, "percent": action.percent, "status": "in_progress"},
            backdate=backdate,
        ),
        "verify_form": lambda: VerifyForm(initial=version, backdate=backdate),
    }
    for name, make in makers.items():
        ctx[name] = forms.get(name) or (make() if shown[name] else None)
    for name in CLOSING_FORMS.values():
        asked = name == opened and shown[name]
        ctx[name] = forms.get(name) or (_closing_form(name, user, action) if asked else None)
    return ctx


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The item page; `?mo=huy` / `?mo=thay-the` with that form open, `?the=…` its card alone."""
    action = _action(request, pk)
    key = request.GET.get("the")
    if key is not None:
        return _closing_card(request, action, key)
    opened = CLOSING_FORMS.get(request.GET.get("mo", ""), "")
    ctx = _action_context(request, action, opened=opened)
    if opened and not ctx["closing"]:
        return refused(request, ctx["closing"])
    return render(request, "remediation/action_detail.html", ctx)


def _closing_card(request: HttpRequest, action: PlanAction, key: str) -> HttpResponse:
    """The cancel or replace card alone, for htmx: its form open when `mo` names it, closed
    otherwise; refused to whoever the page does not offer it."""
    if key not in CLOSING_FORMS:
        raise Http404(_("Không có mục này trên trang nội dung khắc phục."))
    decision = _closing_decision(action, can_edit_plan(request.user, action.plan))
    if not decision:
        return refused(request, decision)
    name = CLOSING_FORMS[key]
    ctx: dict = {"action": action}
    if request.GET.get("mo") == key:
        ctx[name] = _closing_form(name, request.user, action)
    return render(request, f"remediation/action_detail.html#card-{key}", ctx)


@login_required
@require_POST
def action_progress(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = ProgressForm(request.POST, request.FILES, backdate=_backdate(request.user, action.plan))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.action_record_progress(
                action=action,
                status=data["status"],
                percent=data["percent"],
                narrative=data["narrative"],
                files=data["files"],
                by=request.user,
                expected_version=data["version"],
                effective_on=data.get("effective_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận tiến độ."))
            return redirect(action)
    ctx = _action_context(request, action, progress_form=form)
    return render(request, "remediation/action_detail.html", ctx)


@login_required
@require_POST
def action_verify(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = VerifyForm(request.POST, backdate=_backdate(request.user, action.plan))
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.action_verify(
                action=action,
                accept=data["accept"],
                note=data["note"],
                by=request.user,
                expected_version=data["version"],
                effective_on=data.get("effective_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận kết quả kiểm tra."))
            return redirect(action)
    ctx = _action_context(request, action, verify_form=form)
    return render(request, "remediation/action_detail.html", ctx)


@login_required
@require_POST
def action_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.action_cancel(
                action=action,
                reason=data["reason"],
                by=request.user,
                expected_version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã hủy nội dung khắc phục."))
            return redirect(action)
    ctx = _action_context(request, action, cancel_form=form)
    return render(request, "remediation/action_detail.html", ctx)


@login_required
@require_POST
def action_replace(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    form = ReplaceForm(request.POST, user=request.user, plan=action.plan)
    if form.is_valid():
        data = form.cleaned_data
        new = run_service(
            form,
            lambda: services.action_replace(
                action=action,
                reason=data["reason"],
                by=request.user,
                content=data["content"],
                due_date=data["due_date"],
                responsible_unit=data["responsible_unit"],
                responsible_person=data["responsible_person"],
                expected_result=data["expected_result"],
                expected_version=data["version"],
            ),
        )
        if new is not None:
            messages.success(request, _("Đã thay thế nội dung khắc phục."))
            return redirect(new)
    ctx = _action_context(request, action, replace_form=form)
    return render(request, "remediation/action_detail.html", ctx)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    qs = scope(Evidence.objects.all(), request.user, via="update__action__plan__unit")
    evidence = get_object_or_404(qs, pk=pk)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name
    )
    response["Content-Type"] = evidence.content_type
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def responsible_people_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """Results of the "Cá nhân chịu trách nhiệm" picker (htmx): the people a plan's item may
    name, by name, accents ignored; the current choice stays first."""
    plan = _plan(request, pk)
    ctx = picker_context(request)
    people = responsible_people(plan)
    chosen = request.GET.get(ctx["name"], "")
    selected = people.filter(pk=chosen).first() if chosen.isdigit() else None
    if ctx["query"]:
        found = list(people_search(people, ctx["query"])[:PICKER_RESULTS])
        if not found:
            ctx["message"] = _(
                "Không có ai tên như “%(q)s” trong số đảng viên, cán bộ của %(u)s."
            ) % {"q": ctx["query"], "u": plan.unit.name}
    else:
        found = list(people[:PICKER_RESULTS])
    ctx["selected"] = person_option(selected) if selected else None
    ctx["options"] = [person_option(p) for p in found if p != selected]
    return render(request, "includes/picker_options.html", ctx)
