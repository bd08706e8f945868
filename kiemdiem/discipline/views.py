"""Pages of discipline cases: the list, recording a case, its page and each step after.

Every fetch goes through `DisciplineCase.objects.visible_to` (out of scope answers 404), every
write is one service call, and every page or list that shows a person's case records who read
it (`services.cases_read`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.models import AuditAction
from kiemdiem.core.paging import CappedCountPaginator, rows_by_key
from kiemdiem.discipline import selectors, services
from kiemdiem.discipline.forms import (
    AppealForm,
    CaseEditForm,
    CaseForm,
    DecideForm,
    DropForm,
    SettleForm,
    SubjectSearchForm,
    case_edit_initial,
    case_filter,
)
from kiemdiem.discipline.models import DisciplineCase, DisciplineStatus
from kiemdiem.discipline.permissions import can_record_case
from kiemdiem.discipline.states import CASE
from kiemdiem.org.models import NON_PARTY_KINDS, Membership, Person, Unit
from kiemdiem.org.scoping import access_for, paths_q
from kiemdiem.org.selectors import people_search, units_search
from kiemdiem.reviews.models import SubjectKind

PER_PAGE = 50
# the list's rows by key, compiled once: the scoped, joined query compiled in ~1.2 ms (issue 17)
_CASE_ROWS = rows_by_key(DisciplineCase, selectors.case_rows)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _case(request: HttpRequest, pk: int) -> DisciplineCase:
    qs = selectors.cases_for(request.user).select_related(
        "position", "position__unit", "finding", "review", "review__cycle", "appeal_unit"
    )
    return get_object_or_404(qs, pk=pk)


def _records_anything(user) -> bool:
    access = access_for(user)
    return access.everything or bool(access.sensitive_paths)


# --- the list -------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form, f = case_filter(request.user, request.GET or None)
    cases = selectors.cases_filtered(request.user, f)
    page = CappedCountPaginator(cases, PER_PAGE, rows=_CASE_ROWS, exact=True).get_page(
        request.GET.get("page")
    )
    services.cases_read(list(page.object_list), by=request.user, where=_("Danh sách kỷ luật"))
    ctx = {
        "form": form,
        "filters": f,
        "page": page,
        "can_record": _records_anything(request.user),
    }
    return render(request, "discipline/case_list.html", ctx)


# --- recording a case -------------------------------------------------------------------------


def _subject_candidates(user, kind: str, query: str) -> list:
    """People or party organizations the user may record a case about, found by name."""
    if kind == SubjectKind.COLLECTIVE:
        return list(units_search(_units_in_scope(user), query)[:20])
    return list(people_search(_people_in_scope(user), query)[:20])


def _people_in_scope(user) -> QuerySet[Person]:
    """People with a membership in a subtree whose records the user keeps."""
    access = access_for(user)
    if access.everything:
        return Person.objects.all()
    inside = Membership.objects.filter(person=OuterRef("pk")).filter(
        paths_q(access.sensitive_paths, "unit__path")
    )
    return Person.objects.filter(Exists(inside))


def _units_in_scope(user) -> QuerySet[Unit]:
    """Party organizations strictly below a level whose records the user keeps."""
    access = access_for(user)
    units = Unit.objects.exclude(kind__in=NON_PARTY_KINDS)
    if access.everything:
        return units
    return units.filter(paths_q(access.sensitive_paths, "path")).exclude(
        path__in=access.sensitive_paths
    )


def _new_subject(request: HttpRequest) -> DisciplineCase | None:
    """The case about to be recorded, its subject from ?person= or ?unit= (404 out of scope)."""
    raw_person, raw_unit = request.GET.get("person", ""), request.GET.get("unit", "")
    if raw_person.isdigit():
        person = get_object_or_404(_people_in_scope(request.user), pk=raw_person)
        cell = services.person_cell_on(person, timezone.localdate())
        if cell is None:
            raise Http404(_("Đảng viên chưa có nơi sinh hoạt đảng."))
        return DisciplineCase(person=person, unit=cell, subject_kind=SubjectKind.INDIVIDUAL)
    if raw_unit.isdigit():
        unit = get_object_or_404(_units_in_scope(request.user), pk=raw_unit)
        return DisciplineCase(unit=unit, subject_kind=SubjectKind.COLLECTIVE)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """Step one: find the member or organization by name; step two: the case itself."""
    case = _new_subject(request)
    if case is None:
        search = SubjectSearchForm(request.GET if "q" in request.GET else None)
        found = []
        if search.is_valid():
            found = _subject_candidates(
                request.user, search.cleaned_data["kind"], search.cleaned_data["q"]
            )
        ctx = {"search": search, "found": found, "searched": search.is_bound}
        return render(request, "discipline/case_subject.html", ctx)
    today = timezone.localdate()
    posts = services.posts_held_on(case.person, today) if case.person_id else []
    form = CaseForm(_posted(request), user=request.user, case=case, posts=posts, new=True)
    # Opened from a shortcoming of the subject's review ("Ghi nhận kỷ luật về vi phạm này").
    raw_finding = request.GET.get("finding", "")
    if raw_finding.isdigit() and form.fields["finding"].queryset.filter(pk=raw_finding).exists():
        form.initial["finding"] = int(raw_finding)
    if not form.fields["deciding_unit"].queryset.exists():
        messages.error(
            request,
            _(
                "Bạn không phải văn phòng, ban tổ chức hoặc ủy ban kiểm tra của cấp có thẩm quyền "
                "kỷ luật đối tượng này."
            ),
        )
        return redirect("discipline:case-list")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        mode = data.pop("mode")
        data.pop("version", None)
        subject = {"person": case.person, "unit": None if case.person_id else case.unit}
        decision = {k: data.pop(k) for k in ("form", "decision_number", "decided_on")}
        extra = {k: data.pop(k, None) for k in ("effective_on", "position", "no_limitation")}
        if mode == "decided":
            created = run_service(
                form,
                lambda: services.case_record(
                    by=request.user, **subject, **data, **decision, **extra
                ),
            )
        else:
            created = run_service(
                form, lambda: services.case_open(by=request.user, **subject, **data)
            )
        if created is not None:
            messages.success(request, _("Đã ghi nhận hồ sơ kỷ luật."))
            return redirect(created)
    ctx = {"form": form, "case": case}
    return render(request, "discipline/case_form.html", ctx)


# --- a case -----------------------------------------------------------------------------------

STEPS = [
    # (target state, url name, label, css)
    (
        DisciplineStatus.DECIDED,
        "discipline:case-decide",
        gettext_lazy("Ghi nhận quyết định kỷ luật"),
        "btn-primary",
    ),
    (
        DisciplineStatus.DROPPED,
        "discipline:case-drop",
        gettext_lazy("Không kỷ luật"),
        "btn-outline-secondary",
    ),
    (
        DisciplineStatus.APPEALED,
        "discipline:case-appeal",
        gettext_lazy("Ghi nhận khiếu nại"),
        "btn-outline-primary",
    ),
    (
        DisciplineStatus.UPHELD,
        "discipline:case-settle",
        gettext_lazy("Ghi nhận kết quả giải quyết khiếu nại"),
        "btn-primary",
    ),
    (
        DisciplineStatus.ANNULLED,
        "discipline:case-annul",
        gettext_lazy("Xóa bỏ quyết định kỷ luật oan, sai"),
        "btn-outline-danger",
    ),
]


def _steps(user, case: DisciplineCase) -> list[dict]:
    """The next steps from the case's state, each allowed or with the reason it is not."""
    targets = CASE.targets(case.status)
    steps = []
    for to, url_name, label, css in STEPS:
        if to not in targets:
            continue
        if to == DisciplineStatus.ANNULLED and case.status == DisciplineStatus.APPEALED:
            continue  # settled with the appeal
        steps.append(
            {
                "label": label,
                "url": reverse(url_name, args=[case.pk]),
                "css": css,
                "decision": allowed(CASE, user, case, to),
            }
        )
    return steps


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    services.cases_read([case], by=request.user, where=_("Trang hồ sơ kỷ luật"))
    history = history_for(case).exclude(action=AuditAction.READ)
    reads = history_for(case).filter(action=AuditAction.READ)
    ctx = {
        "case": case,
        "steps": _steps(request.user, case),
        "can_edit": can_record_case(request.user, case),
        "history": history[:50],
        "reads": reads[:20],
        "read_count": reads.count(),
    }
    return render(request, "discipline/case_detail.html", ctx)


def _step_page(request: HttpRequest, case: DisciplineCase, form, title: str, call) -> HttpResponse:
    """The page of one step: a form, the service call, back to the case."""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if run_service(form, lambda: call(data, version)) is not None:
            messages.success(
                request, _("Hồ sơ kỷ luật: “%(s)s”.") % {"s": case.get_status_display()}
            )
            return redirect(case)
    return render(
        request, "discipline/case_step.html", {"case": case, "form": form, "title": title}
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    day = timezone.localdate()
    posts = services.posts_held_on(case.person, day) if case.person_id else []
    initial = {"version": case.version, "form": case.proposed_form}
    form = DecideForm(_posted(request), initial=initial)
    form.narrow_decision(case, posts)
    return _step_page(
        request,
        case,
        form,
        _("Quyết định kỷ luật"),
        lambda data, version: services.case_decide(
            case=case, by=request.user, version=version, **data
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_drop(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = DropForm(_posted(request), initial={"version": case.version})
    return _step_page(
        request,
        case,
        form,
        _("Không kỷ luật"),
        lambda data, version: services.case_drop(
            case=case, by=request.user, reason=data["reason"], version=version
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = AppealForm(_posted(request), case=case, initial={"version": case.version})
    return _step_page(
        request,
        case,
        form,
        _("Khiếu nại quyết định kỷ luật"),
        lambda data, version: services.case_appeal(
            case=case, by=request.user, version=version, **data
        ),
    )


def _settle_page(request: HttpRequest, pk: int, *, appeal: bool) -> HttpResponse:
    case = _case(request, pk)
    posts = []
    if case.person_id and case.decided_on:
        posts = services.posts_held_on(case.person, case.decided_on)
    form = SettleForm(
        _posted(request),
        case=case,
        posts=posts,
        appeal=appeal,
        initial={"version": case.version},
    )
    title = _("Giải quyết khiếu nại") if appeal else _("Xóa bỏ quyết định kỷ luật oan, sai")
    return _step_page(
        request,
        case,
        form,
        title,
        lambda data, version: services.case_settle(
            case=case,
            by=request.user,
            version=version,
            outcome=data.pop("outcome"),
            changed_form=data.pop("changed_form", "") or "",
            **data,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_settle(request: HttpRequest, pk: int) -> HttpResponse:
    return _settle_page(request, pk, appeal=True)


@login_required
@require_http_methods(["GET", "POST"])
def case_annul(request: HttpRequest, pk: int) -> HttpResponse:
    return _settle_page(request, pk, appeal=False)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = CaseEditForm(_posted(request), case=case, initial=case_edit_initial(case))
    return _step_page(
        request,
        case,
        form,
        _("Sửa hồ sơ kỷ luật"),
        lambda data, version: services.case_update(
            case=case, by=request.user, expected_version=version, **data
        ),
    )
