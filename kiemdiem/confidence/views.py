"""Pages of confidence polls: the list, a poll with its results, entering and correcting them,
and the list of results across polls (which the statistics link to).

Polls are fetched through `ConfidencePoll.objects.visible_to`, results through
`ConfidenceResult.objects.visible_to` (the sensitive rule): a poll's page lists only the results
the user may read, and every result shown is recorded as read (`services.results_read`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.confidence import selectors, services
from kiemdiem.confidence.forms import (
    NoteForm,
    PersonSearchForm,
    PollForm,
    ReasonForm,
    ResultForm,
    poll_initial,
    polls_filtered,
    result_filter,
    result_initial,
)
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult, PollStatus
from kiemdiem.confidence.permissions import can_record_poll
from kiemdiem.confidence.states import POLL
from kiemdiem.core.audit import history_for
from kiemdiem.core.errors import DomainError
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.models import AuditAction
from kiemdiem.core.paging import CappedCountPaginator, rows_by_key
from kiemdiem.org.models import Membership, Person, Position
from kiemdiem.org.scoping import access_for
from kiemdiem.org.selectors import people_search

PER_PAGE = 50
# the list's rows by key, compiled once: the scoped, joined query compiled in ~1.2 ms (issue 17)
_RESULT_ROWS = rows_by_key(ConfidenceResult, selectors.result_rows)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _poll(request: HttpRequest, pk: int) -> ConfidencePoll:
    return get_object_or_404(selectors.polls_for(request.user), pk=pk)


def _result(request: HttpRequest, pk: int) -> ConfidenceResult:
    return get_object_or_404(selectors.results_for(request.user), pk=pk)


@login_required
@require_GET
def poll_list(request: HttpRequest) -> HttpResponse:
    polls, unit, year, finalized = polls_filtered(request.user, request.GET)
    page = Paginator(polls, PER_PAGE).get_page(request.GET.get("page"))
    access = access_for(request.user)
    ctx = {
        "page": page,
        "year": year,
        "unit": unit,
        "finalized": finalized,
        "can_create": access.everything or bool(access.office_paths),
    }
    return render(request, "confidence/poll_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def poll_create(request: HttpRequest) -> HttpResponse:
    form = PollForm(_posted(request), user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        poll = run_service(form, lambda: services.poll_create(by=request.user, **data))
        if poll is not None:
            messages.success(
                request, _("Đã ghi nhận hội nghị lấy phiếu; hãy nhập danh sách cán bộ.")
            )
            return redirect(poll)
    return render(request, "confidence/poll_form.html", {"form": form, "poll": None})


@login_required
@require_http_methods(["GET", "POST"])
def poll_edit(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = PollForm(_posted(request), user=request.user, poll=poll, initial=poll_initial(poll))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data.pop("body_unit", None)
        done = run_service(
            form,
            lambda: services.poll_update(
                poll=poll, by=request.user, expected_version=version, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu hội nghị lấy phiếu."))
            return redirect(poll)
    return render(request, "confidence/poll_form.html", {"form": form, "poll": poll})


def _poll_context(request: HttpRequest, poll: ConfidencePoll, **extra) -> dict:
    user = request.user
    results = list(selectors.results_for(user).filter(poll=poll).order_by("person__sort_key", "pk"))
    for result in results:
        result.two_years = selectors.two_years_low(result)
    services.results_read(results, by=user, where=_("Trang hội nghị lấy phiếu"))
    ctx = {
        "poll": poll,
        "results": results,
        "hidden": poll.results.count() - len(results),
        "can_record": can_record_poll(user, poll),
        "finalize": allowed(POLL, user, poll, PollStatus.FINALIZED),
        "reopen": allowed(POLL, user, poll, PollStatus.DRAFT),
        "problems": services.poll_problems(poll) if poll.status == PollStatus.DRAFT else [],
        "note_form": NoteForm(initial={"version": poll.version}),
        "history": history_for(poll).exclude(action=AuditAction.READ)[:50],
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    return render(request, "confidence/poll_detail.html", _poll_context(request, poll))


@login_required
@require_POST
def poll_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.poll_finalize(
                poll=poll,
                by=request.user,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            poll.refresh_from_db()
            ctx = _poll_context(request, poll, action_error=exc.message)
            return render(request, "confidence/poll_detail.html", ctx)
        messages.success(request, _("Đã chốt kết quả lấy phiếu."))
    else:
        messages.error(
            request, " ".join(form.non_field_errors()) or _("Dữ liệu gửi lên không hợp lệ.")
        )
    return redirect(poll)


@login_required
@require_http_methods(["GET", "POST"])
def poll_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = ReasonForm(_posted(request), initial={"version": poll.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.poll_reopen(
                poll=poll, by=request.user, reason=data["reason"], version=data["version"]
            ),
        )
        if done is not None:
            messages.success(request, _("Đã mở lại để sửa kết quả lấy phiếu."))
            return redirect(poll)
    ctx = {"poll": poll, "form": form, "title": _("Mở lại kết quả lấy phiếu để sửa")}
    return render(request, "confidence/poll_step.html", ctx)


# --- results ------------------------------------------------------------------------------


def _people_of(poll: ConfidencePoll) -> QuerySet[Person]:
    """People who work or hold party activity in the polling body's subtree."""
    path = poll.body_unit.path
    inside = Q(unit__path__startswith=path)
    return Person.objects.filter(
        Exists(Position.objects.filter(inside, person=OuterRef("pk")))
        | Exists(Membership.objects.filter(inside, person=OuterRef("pk")))
    )


def _posts_on(person: Person, poll: ConfidencePoll) -> list[Position]:
    day = poll.held_on
    return list(
        Position.objects.filter(person=person, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("unit")
    )


@login_required
@require_http_methods(["GET", "POST"])
def result_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Step one: find the cadre by name in the body's subtree; step two: post and ballots."""
    poll = _poll(request, pk)
    raw = request.GET.get("person", "")
    if not raw.isdigit():
        search = PersonSearchForm(request.GET if "q" in request.GET else None)
        found = []
        if search.is_valid():
            found = list(people_search(_people_of(poll), search.cleaned_data["q"])[:20])
        ctx = {"poll": poll, "search": search, "found": found, "searched": search.is_bound}
        return render(request, "confidence/result_search.html", ctx)
    person = get_object_or_404(_people_of(poll), pk=raw)
    posts = _posts_on(person, poll)
    initial = {"position": posts[0].pk} if len(posts) == 1 else {}
    form = ResultForm(_posted(request), posts=posts, initial=initial, new=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        result = run_service(
            form,
            lambda: services.result_add(poll=poll, person=person, by=request.user, **data),
        )
        if result is not None:
            messages.success(request, _("Đã thêm đồng chí %(p)s.") % {"p": person})
            return redirect(poll)
    ctx = {"poll": poll, "person": person, "form": form, "result": None}
    return render(request, "confidence/result_form.html", ctx)


@login_required
@require_GET
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result(request, pk)
    result.two_years = selectors.two_years_low(result)
    services.results_read([result], by=request.user, where=_("Trang kết quả lấy phiếu"))
    history = history_for(result).exclude(action=AuditAction.READ)
    reads = history_for(result).filter(action=AuditAction.READ)
    ctx = {
        "result": result,
        "poll": result.poll,
        "can_record": can_record_poll(request.user, result.poll),
        "history": history[:50],
        "reads": reads[:20],
        "read_count": reads.count(),
        "earlier": selectors.results_for(request.user)
        .filter(person_id=result.person_id)
        .exclude(pk=result.pk)
        .order_by("-year"),
    }
    return render(request, "confidence/result_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result(request, pk)
    poll = result.poll
    posts = _posts_on(result.person, poll)
    form = ResultForm(_posted(request), posts=posts, initial=result_initial(result))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = run_service(
            form,
            lambda: services.result_update(
                result=result, by=request.user, expected_version=version, **data
            ),
        )
        if done is not None:
            messages.success(
                request, _("Đã lưu kết quả của đồng chí %(p)s.") % {"p": result.person}
            )
            return redirect(poll)
    ctx = {"poll": poll, "person": result.person, "form": form, "result": result}
    return render(request, "confidence/result_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def result_remove(request: HttpRequest, pk: int) -> HttpResponse:
    result = _result(request, pk)
    poll = result.poll
    form = ReasonForm(_posted(request), initial={"version": result.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def remove() -> bool:
            services.result_remove(
                result=result,
                by=request.user,
                reason=data["reason"],
                expected_version=data["version"],
            )
            return True

        if run_service(form, remove):
            messages.success(
                request, _("Đã bỏ đồng chí %(p)s khỏi danh sách.") % {"p": result.person}
            )
            return redirect(poll)
    title = _("Bỏ đồng chí %(p)s khỏi danh sách lấy phiếu") % {"p": result.person}
    return render(
        request, "confidence/poll_step.html", {"poll": poll, "form": form, "title": title}
    )


@login_required
@require_GET
def result_list(request: HttpRequest) -> HttpResponse:
    form, f = result_filter(request.user, request.GET or None)
    results = selectors.results_filtered(request.user, f)
    page = CappedCountPaginator(results, PER_PAGE, rows=_RESULT_ROWS, exact=True).get_page(
        request.GET.get("page")
    )
    for result in page.object_list:
        result.two_years = selectors.two_years_low(result)
    services.results_read(
        list(page.object_list), by=request.user, where=_("Danh sách kết quả lấy phiếu")
    )
    ctx = {"form": form, "filters": f, "page": page}
    return render(request, "confidence/result_list.html", ctx)
