"""Pages of upper-level suggestions (gợi ý kiểm điểm) and of the dossier vetting.

The upper committee issues a suggestion from the review page of the collective or person; the
review answers each point on its own page; the unit's dossier page carries the vetting (send,
return with remarks, approve) and the planned date of the conference.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.paging import CappedCountPaginator, rows_by_key
from kiemdiem.org.models import Unit
from kiemdiem.reviews import rules, selectors, suggestions
from kiemdiem.reviews.forms import (
    SUGGESTION_STAGES,
    AnswerForm,
    ReasonForm,
    RemarksForm,
    ScheduleForm,
    SuggestionForm,
    TransitionForm,
    answer_initial,
    suggestion_filter,
)
from kiemdiem.reviews.models import (
    DossierStatus,
    Review,
    ReviewDossier,
    ReviewSuggestion,
    SuggestionGround,
    SuggestionItem,
    SuggestionStatus,
)
from kiemdiem.reviews.permissions import (
    can_answer_suggestion,
    can_prepare_dossier,
    can_suggest_for,
)
from kiemdiem.reviews.states import DOSSIER, SUGGESTION

PER_PAGE = 50
# the list's rows by key, compiled once: the scoped, joined query compiled in ~1.4 ms (issue 17)
_SUGGESTION_ROWS = rows_by_key(ReviewSuggestion, selectors.suggestion_rows)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _suggestion(request: HttpRequest, pk: int) -> ReviewSuggestion:
    qs = ReviewSuggestion.objects.visible_to(request.user).select_related(
        "review",
        "review__cycle",
        "review__unit",
        "review__person",
        "cycle",
        "unit",
        "person",
        "issuing_unit",
    )
    return get_object_or_404(qs, pk=pk)


def _dossier(request: HttpRequest, pk: int) -> ReviewDossier:
    qs = ReviewDossier.objects.visible_to(request.user).select_related(
        "cycle", "unit", "vetting_unit"
    )
    return get_object_or_404(qs, pk=pk)


def suggesting_units(user, unit: Unit):
    """The committees above `unit` on whose behalf the user may suggest a review."""
    above = [p for p in unit.ancestor_paths() if p != unit.path]
    units = list(Unit.objects.filter(path__in=above).order_by("-depth"))
    return Unit.objects.filter(pk__in=[u.pk for u in units if can_suggest_for(user, u)])


# --- the list ----------------------------------------------------------------------------------


@login_required
@require_GET
def suggestion_list(request: HttpRequest) -> HttpResponse:
    f = suggestion_filter(request.user, request.GET)
    qs = selectors.suggestions_filtered(request.user, f)
    page = CappedCountPaginator(qs, PER_PAGE, rows=_SUGGESTION_ROWS, exact=True).get_page(
        request.GET.get("page")
    )
    ctx = {
        "page": page,
        "filters": f,
        "stages": SUGGESTION_STAGES,
        "statuses": SuggestionStatus.choices,
    }
    return render(request, "reviews/suggestion_list.html", ctx)


# --- issuing -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_create(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.visible_to(request.user).select_related("cycle", "unit", "person"), pk=pk
    )
    units = suggesting_units(request.user, review.unit)
    if not units.exists():
        messages.error(
            request,
            _("Chỉ Ban Thường vụ hoặc văn phòng, ban tổ chức của cấp ủy cấp trên mới được gợi ý."),
        )
        return redirect(review)
    form = SuggestionForm(_posted(request), units=units, unit=review.unit, new=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        data["delegation_people"] = list(data["delegation_people"])
        suggestion = run_service(
            form, lambda: suggestions.suggestion_issue(review=review, by=request.user, **data)
        )
        if suggestion is not None:
            messages.success(request, _("Đã gửi gợi ý kiểm điểm."))
            return redirect(suggestion)
    return render(request, "reviews/suggestion_form.html", {"form": form, "review": review})


@login_required
@require_GET
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    items = list(suggestion.items.all())
    collective = suggestion.person_id is None
    for item in items:
        item.gaps = rules.answer_gaps(item, collective=collective)
    dossier = rules.dossier_of(suggestion.cycle, suggestion.unit)
    ctx = {
        "suggestion": suggestion,
        "grounds": [SuggestionGround(g).label for g in suggestion.grounds if g in SuggestionGround],
        "items": items,
        "dossier": dossier,
        "can_answer": items and can_answer_suggestion(request.user, items[0]),
        "withdraw": allowed(SUGGESTION, request.user, suggestion, SuggestionStatus.WITHDRAWN),
        "delegation_people": suggestion.delegation_people.all(),
        "history": history_for(suggestion, parts=items)[:50],
    }
    return render(request, "reviews/suggestion_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(request, pk)
    form = ReasonForm(_posted(request), initial={"version": suggestion.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: suggestions.suggestion_withdraw(
                suggestion=suggestion,
                by=request.user,
                reason=data["reason"],
                version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã thu hồi gợi ý kiểm điểm."))
            return redirect(suggestion)
    ctx = {"form": form, "back": suggestion, "title": _("Thu hồi gợi ý kiểm điểm")}
    return render(request, "reviews/step_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def item_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The review answers one suggested point."""
    qs = SuggestionItem.objects.filter(
        suggestion__in=ReviewSuggestion.objects.visible_to(request.user)
    ).select_related("suggestion", "suggestion__review", "suggestion__cycle", "suggestion__unit")
    item = get_object_or_404(qs, pk=pk)
    suggestion = item.suggestion
    form = AnswerForm(
        _posted(request), collective=suggestion.person_id is None, initial=answer_initial(item)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = run_service(
            form,
            lambda: suggestions.suggestion_answer(
                item=item, by=request.user, version=version, **data
            ),
        )
        if done is not None:
            messages.success(
                request, _("Đã lưu phần giải trình nội dung %(n)s.") % {"n": item.position}
            )
            return redirect(suggestion.review.get_absolute_url() + "#suggested")
    ctx = {"form": form, "item": item, "suggestion": suggestion}
    return render(request, "reviews/answer_form.html", ctx)


# --- the dossier -------------------------------------------------------------------------------


def _dossier_context(request: HttpRequest, dossier: ReviewDossier, **extra) -> dict:
    user = request.user
    live = rules.live_suggestions(dossier.cycle, dossier.unit).select_related("review", "person")
    points = []
    for suggestion in live:
        collective = suggestion.person_id is None
        for item in suggestion.items.all():
            item.gaps = rules.answer_gaps(item, collective=collective)
            points.append((suggestion, item))
    ctx = {
        "dossier": dossier,
        "points": points,
        "submit": allowed(DOSSIER, user, dossier, DossierStatus.PENDING),
        "vet": allowed(DOSSIER, user, dossier, DossierStatus.APPROVED),
        "can_prepare": can_prepare_dossier(user, dossier),
        "meeting": selectors.unit_meeting(dossier.cycle, dossier.unit),
        "transition_form": TransitionForm(initial={"version": dossier.version}),
        "remarks_form": RemarksForm(initial={"version": dossier.version}),
        "schedule_form": ScheduleForm(
            initial={"version": dossier.version, "planned_on": dossier.planned_on}
        ),
        "history": history_for(dossier)[:50],
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk)
    return render(request, "reviews/dossier_detail.html", _dossier_context(request, dossier))


def _dossier_step(request: HttpRequest, pk: int, form_class, call, done: str) -> HttpResponse:
    dossier = _dossier(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        ok = run_service(form, lambda: call(dossier, data, version))
        if ok is not None:
            messages.success(request, done)
            return redirect(dossier)
    problems = getattr(form, "problems", None)
    ctx = _dossier_context(request, dossier, step_form=form, problems=problems)
    return render(request, "reviews/dossier_detail.html", ctx)


@login_required
@require_http_methods(["POST"])
def dossier_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _dossier_step(
        request,
        pk,
        TransitionForm,
        lambda d, data, v: suggestions.dossier_submit(
            dossier=d, by=request.user, note=data["note"], version=v
        ),
        _("Đã gửi hồ sơ, nội dung kiểm điểm để thẩm định."),
    )


@login_required
@require_http_methods(["POST"])
def dossier_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _dossier_step(
        request,
        pk,
        RemarksForm,
        lambda d, data, v: suggestions.dossier_return(
            dossier=d, by=request.user, remarks=data["remarks"], version=v
        ),
        _("Đã trả lại hồ sơ, yêu cầu chuẩn bị lại."),
    )


@login_required
@require_http_methods(["POST"])
def dossier_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _dossier_step(
        request,
        pk,
        TransitionForm,
        lambda d, data, v: suggestions.dossier_approve(
            dossier=d, by=request.user, note=data["note"], version=v
        ),
        _("Hồ sơ đạt yêu cầu: đơn vị được tổ chức hội nghị kiểm điểm."),
    )


@login_required
@require_http_methods(["POST"])
def dossier_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _dossier_step(
        request,
        pk,
        ScheduleForm,
        lambda d, data, v: suggestions.dossier_schedule(
            dossier=d, by=request.user, planned_on=data["planned_on"], version=v
        ),
        _("Đã lên lịch hội nghị kiểm điểm."),
    )
