"""Pages of working groups: the oversight home, a group (members, assignments, programmes,
assessments, reports, plans waiting), setting up groups and assigning committee members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org import groups as group_services
from kiemdiem.org.models import OversightAssignment, Person, Unit, WorkingGroupMember
from kiemdiem.org.permissions import can_manage_group
from kiemdiem.org.scoping import access_for, paths_q, visible_groups, visible_units
from kiemdiem.oversight import selectors, services
from kiemdiem.oversight.forms import (
    AssessmentCreateForm,
    EndForm,
    GroupAssignForm,
    GroupForm,
    MemberAssignForm,
    MemberForm,
    PeriodChoiceForm,
    ProgrammeForm,
    ReassignForm,
)
from kiemdiem.oversight.permissions import can_speak_for_group, can_work_in_group
from kiemdiem.oversight.views.common import form_errors_to_messages
from kiemdiem.remediation.selectors import plans_awaiting_appraisal_for


def _committees_managed(request: HttpRequest) -> list[Unit]:
    """The committees whose office the user is (where they set up groups and assignments)."""
    access = access_for(request.user)
    return _COMMITTEES(None if access.everything else access.office_paths)


# On every oversight page: compiled once per process (core.precompiled; issue 17, part 16d).
_COMMITTEES = Precompiled(
    lambda paths: (
        Unit.objects.filter(depth__lte=1) if paths is None else Unit.objects.filter(path__in=paths)
    ).order_by("path")
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What oversight asks of the user: their groups, the assessments their unit must
    acknowledge, what is late in the committees they serve, the implementation plans."""
    user = request.user
    access = access_for(user)
    groups = selectors.group_list(access)
    to_acknowledge = selectors.to_acknowledge(access)
    committees = _committees_managed(request)
    member_assignments = selectors.member_assignments(committees) if committees else []
    # a user with no linked person (an office account) is assigned nothing: no query
    mine = (
        list(
            OversightAssignment.objects.current()
            .filter(person_id=access.person_id)
            .select_related("unit", "committee")
        )
        if access.person_id is not None
        else []
    )
    ctx = {
        # shown with the user's assignments only (oversight/index.html)
        "member_assessment_form": (
            AssessmentCreateForm(units=[a.unit for a in mine], auto_id="id_me_%s") if mine else None
        ),
        "groups": groups,
        "my_group_ids": access.group_ids,
        "to_acknowledge": to_acknowledge,
        "committees": committees,
        "member_assignments": member_assignments,
        "my_assignments": mine,
        "can_manage": bool(committees),
    }
    # The forms to set up a group and to assign a member are not built here: their pickers
    # (the province's units, its committee members) were ~half the page's time, for the few
    # who open them (GET of group-create / member-assign, issue 17).
    return render(request, "oversight/index.html", ctx)


def _manage_form(request: HttpRequest, which: str) -> HttpResponse:
    """The form to set up a group ("group") or to assign a committee member ("member"): in the
    oversight page's card (htmx), or as a page of its own (a link followed without scripts)."""
    committees = _committees_managed(request)
    if not committees:
        raise Http404
    if which == "group":
        form, heading = GroupForm(user=request.user), _("Thành lập tổ công tác")
    else:
        form = MemberAssignForm(user=request.user, committee=committees[0])
        heading = _("Phân công cấp ủy viên phụ trách địa bàn, lĩnh vực")
    if request.htmx:  # the first field takes the focus where the button was
        form.fields[next(iter(form.fields))].widget.attrs["autofocus"] = True
    template = "oversight/manage_form.html"
    return render(
        request,
        template + "#manage-form" if request.htmx else template,
        {"form": form, "which": which, "committees": committees, "heading": heading},
    )


def _committee_from(request: HttpRequest) -> Unit:
    return get_object_or_404(visible_units(request.user), pk=request.POST.get("committee") or 0)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _manage_form(request, "group")
    committee = _committee_from(request)
    form = GroupForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        group = run_service(
            form,
            lambda: group_services.group_create(
                committee=committee,
                name=data["name"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                valid_from=data["valid_from"],
                duties=data["duties"],
                by=request.user,
            ),
        )
        if group is not None:
            messages.success(
                request,
                _("Đã thành lập %(g)s. Tiếp theo: thêm thành viên và phân công đơn vị.")
                % {"g": group},
            )
            return redirect(group)
    form_errors_to_messages(request, form)
    return redirect("oversight:index")


@login_required
@require_http_methods(["GET", "POST"])
def member_assign(request: HttpRequest) -> HttpResponse:
    """Assign a committee member in person to a unit (an area)."""
    if request.method == "GET":
        return _manage_form(request, "member")
    committee = _committee_from(request)
    form = MemberAssignForm(request.POST, user=request.user, committee=committee)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: group_services.assignment_add(
                committee=committee,
                person=data["person"],
                unit=data["unit"],
                valid_from=data["valid_from"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                field=data["field"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Đã phân công %(p)s phụ trách %(u)s.") % {"p": data["person"], "u": data["unit"]},
            )
            return redirect("oversight:index")
    form_errors_to_messages(request, form)
    return redirect("oversight:index")


def _group(request: HttpRequest, pk: int):
    return get_object_or_404(visible_groups(request.user).select_related("committee"), pk=pk)


def _group_context(request: HttpRequest, group, **forms) -> dict:
    user = request.user
    today = timezone.localdate()
    units = selectors.units_of_group(group, today)
    assignments = list(selectors.group_assignments(group))
    expected = selectors.assessments_expected(group.assignments.all())
    can_manage = can_manage_group(user, group)
    in_group = can_work_in_group(user, group)
    awaiting = plans_awaiting_appraisal_for(user, selectors.plans_awaiting_group(group))
    return {
        "group": group,
        "members": group.members.select_related("person").order_by(
            "valid_to", "role", "person__sort_key"
        ),
        "assignments": assignments,
        "units": units,
        "programmes": group.programmes.order_by("-starts_on"),
        "expected": expected,
        "reports_due": selectors.group_reports_expected(visible_groups(user).filter(pk=group.pk)),
        "awaiting": awaiting,
        "can_manage": can_manage,
        "in_group": in_group,
        "can_speak": can_speak_for_group(user, group),
        "member_form": forms.get("member_form") or MemberForm(group=group),
        "assign_form": forms.get("assign_form")
        or GroupAssignForm(user=user, committee=group.committee),
        "programme_form": forms.get("programme_form") or ProgrammeForm(new=True),
        "assessment_form": forms.get("assessment_form") or AssessmentCreateForm(units=units),
        "report_form": forms.get("report_form")
        or PeriodChoiceForm(initial={"year": today.year, "kind": "half_year"}),
        "history": history_for(group, parts=[*group.members.all(), *assignments])[:50],
        "today": today,
    }


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    return render(request, "oversight/group_detail.html", _group_context(request, group))


def _errors_back(request: HttpRequest, form, group) -> HttpResponse:
    return render(request, "oversight/group_detail.html", _group_context(request, group, **form))


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    form = MemberForm(request.POST, group=group)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: group_services.member_add(
                group=group,
                person=data["person"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã thêm %(p)s vào tổ.") % {"p": data["person"]})
            return redirect(group)
    return _errors_back(request, {"member_form": form}, group)


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    seat = get_object_or_404(
        WorkingGroupMember.objects.filter(group__in=visible_groups(request.user)).select_related(
            "group", "group__committee", "person"
        ),
        pk=pk,
    )
    form = EndForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: group_services.member_end(
                seat=seat,
                valid_to=form.cleaned_data["valid_to"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("%(p)s thôi tham gia tổ.") % {"p": seat.person})
    form_errors_to_messages(request, form)
    return redirect(seat.group)


@login_required
@require_POST
def group_assign(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    form = GroupAssignForm(request.POST, user=request.user, committee=group.committee)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: group_services.assignment_add(
                group=group,
                unit=data["unit"],
                valid_from=data["valid_from"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                field=data["field"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã giao %(u)s cho tổ.") % {"u": data["unit"]})
            return redirect(group)
    return _errors_back(request, {"assign_form": form}, group)


def _assignment(request: HttpRequest, pk: int) -> OversightAssignment:
    access = access_for(request.user)
    qs = OversightAssignment.objects.select_related("unit", "committee", "working_group", "person")
    if not access.everything:
        qs = qs.filter(paths_q(access.unit_paths, "committee__path"))
    return get_object_or_404(qs, pk=pk)


@login_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = EndForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            lambda: group_services.assignment_end(
                assignment=assignment,
                valid_to=form.cleaned_data["valid_to"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(
                request, _("Đã kết thúc phân công theo dõi %(u)s.") % {"u": assignment.unit}
            )
    form_errors_to_messages(request, form)
    if assignment.working_group_id:
        return redirect(assignment.working_group)
    return redirect("oversight:index")


@login_required
@require_POST
def assignment_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = ReassignForm(
        request.POST, committee=assignment.committee, exclude=assignment.working_group_id or 0
    )
    if form.is_valid():
        data = form.cleaned_data
        new = run_service(
            form,
            lambda: group_services.assignment_reassign(
                assignment=assignment,
                group=data["group"],
                starts_on=data["starts_on"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                expected_version=data["version"],
                by=request.user,
            ),
        )
        if new is not None:
            messages.success(
                request,
                _("Đã phân công lại %(u)s cho %(g)s từ ngày %(d)s.")
                % {
                    "u": assignment.unit,
                    "g": data["group"],
                    "d": data["starts_on"].strftime("%d/%m/%Y"),
                },
            )
            return redirect(data["group"])
    form_errors_to_messages(request, form)
    return redirect(assignment.working_group or "oversight:index")


@login_required
def late_list(request: HttpRequest) -> HttpResponse:
    """The office's view: assessments and group activity reports due and not sent, or sent late."""
    committees = _committees_managed(request)
    paths = tuple(c.path for c in committees)
    expected = (
        [
            e
            for e in selectors.assessments_expected(selectors.assignments_under(paths))
            if e.state in ("late", "missing")
        ]
        if paths
        else []
    )
    groups = visible_groups(request.user).filter(committee__in=committees)
    reports = [
        r for r in selectors.group_reports_expected(groups) if r.state in ("late", "missing")
    ]
    return render(
        request,
        "oversight/late_list.html",
        {"expected": expected, "reports": reports, "committees": committees},
    )


def _state_label(state: str) -> str:
    return {
        "done": _("Đã gửi đúng hạn"),
        "late": _("Gửi muộn"),
        "missing": _("Quá hạn, chưa gửi"),
        "due": _("Chưa đến hạn"),
    }[state]


@login_required
@require_POST
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the group's assessment of one of its units for a period."""
    group = _group(request, pk)
    units = list(Unit.objects.filter(pk__in=group.assignments.values("unit_id")))
    form = AssessmentCreateForm(request.POST, units=units)
    if form.is_valid():
        data = form.cleaned_data
        assessment = run_service(
            form,
            lambda: services.assessment_create(
                group=group, unit=data["unit"], period=data["period"], by=request.user
            ),
        )
        if assessment is not None:
            messages.success(request, _("Đã lập báo cáo nhận xét. Hãy viết nhận xét rồi gửi."))
            return redirect(assessment)
    return _errors_back(request, {"assessment_form": form}, group)


@login_required
@require_POST
def assessment_start_member(request: HttpRequest) -> HttpResponse:
    """A committee member assigned in person starts their assessment of a unit."""

    access = access_for(request.user)
    person = get_object_or_404(Person, pk=access.person_id or 0)
    units = list(Unit.objects.filter(pk__in=person.oversight_assignments.values("unit_id")))
    form = AssessmentCreateForm(request.POST, units=units)
    if form.is_valid():
        data = form.cleaned_data
        assessment = run_service(
            form,
            lambda: services.assessment_create(
                person=person, unit=data["unit"], period=data["period"], by=request.user
            ),
        )
        if assessment is not None:
            messages.success(request, _("Đã lập báo cáo nhận xét. Hãy viết nhận xét rồi gửi."))
            return redirect(assessment)
    form_errors_to_messages(request, form)
    return redirect("oversight:index")


@login_required
@require_POST
def programme_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    form = ProgrammeForm(request.POST, new=True)
    if form.is_valid():
        data = form.cleaned_data
        programme = run_service(
            form,
            lambda: services.programme_create(
                group=group,
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                by=request.user,
            ),
        )
        if programme is not None:
            messages.success(request, _("Đã lập chương trình. Tiếp theo: thêm các hoạt động."))
            return redirect(programme)
    return _errors_back(request, {"programme_form": form}, group)


@login_required
@require_POST
def group_report_start(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    form = PeriodChoiceForm(request.POST)
    if form.is_valid():
        report = run_service(
            form,
            lambda: services.group_report_create(
                group=group,
                year=form.cleaned_data["year"],
                kind=form.cleaned_data["kind"],
                by=request.user,
            ),
        )
        if report is not None:
            messages.success(request, _("Đã lập báo cáo hoạt động của tổ."))
            return redirect(report)
    return _errors_back(request, {"report_form": form}, group)
