"""Pages of review cycles, self-reviews, shortcomings and review conferences.

Every fetch goes through the scoping layer (out of scope answers 404); every write is one service
call. In-page forms (findings, carried-over assessments) answer htmx with the refreshed panel and
a plain form post with a redirect, so everything works without JavaScript too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import HISTORY_LIMIT, history_for
from kiemdiem.core.errors import DomainError
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.paging import CappedCountPaginator, KeysFirstPaginator, rows_by_key
from kiemdiem.core.permissions import deny, require
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import UnitKind
from kiemdiem.org.scoping import VisibleByKey, access_for, visible_subtrees
from kiemdiem.reviews import rules, selectors, services, suggestion_views
from kiemdiem.reviews.forms import (
    FindingDeleteForm,
    FindingForm,
    MeetingForm,
    ReasonForm,
    ReviewForm,
    TransitionForm,
    carry_form,
    finding_initial,
    fulfilment_form,
    meeting_initial,
    review_initial,
)
from kiemdiem.reviews.models import (
    DEGRADATION_TAGS,
    Finding,
    Review,
    ReviewCycle,
    SubjectKind,
    SuggestionItem,
    SuggestionStatus,
)
from kiemdiem.reviews.permissions import (
    can_edit_commitment,
    can_edit_review,
    can_manage_cycle,
    can_record_meeting,
    may_record_discipline_about,
)
from kiemdiem.reviews.services import ReviewIncomplete
from kiemdiem.reviews.states import REVIEW, CycleStatus, ReviewStatus

CYCLES_PER_PAGE = 50
REVIEWS_PER_PAGE = 50
TAG_LABELS = dict(DEGRADATION_TAGS)


# the cycle page's history panel, history_for(cycle)[:50], compiled once (issue 17)
_CYCLE_HISTORY = Precompiled(lambda cycle_id: history_for(ReviewCycle(pk=cycle_id))[:HISTORY_LIMIT])
# the cycle page's rows by key, compiled once: the scoped query compiled in ~1 ms (issue 17)
_REVIEW_ROWS = rows_by_key(Review, selectors.review_rows)


def _cycle_rows(cycles: QuerySet[ReviewCycle]) -> QuerySet[ReviewCycle]:
    """The cycle list's rows: each with the unit that runs it."""
    return cycles.select_related("scope_unit")


# the cycle list's rows by key, compiled once: the scoped query compiled in ~0.7 ms (issue 17)
_CYCLE_ROWS = rows_by_key(ReviewCycle, _cycle_rows)


def _posted(request: HttpRequest):
    """The POST data on a POST (even an empty one, which must still be validated), else None."""
    return request.POST if request.method == "POST" else None


# The cycle, review or finding of a page and of every post on it, if the user may see it,
# else 404, compiled once per process (core.precompiled, org.scoping.VisibleByKey): building
# and compiling each lookup cost ~1 ms of Python on every request (issue 17).
_CYCLE = Precompiled(
    lambda paths, covering, pk: (
        selectors.cycles_within(paths, covering)
        .select_related("scope_unit", "previous_cycle")
        .filter(pk=pk)
    )
)
_REVIEW = VisibleByKey(
    lambda: Review.objects.select_related("cycle", "cycle__scope_unit", "unit", "person"),
    via=Review.SCOPE_VIA,
)
_FINDING = VisibleByKey(
    lambda: Finding.objects.select_related(
        "review", "review__cycle", "review__unit", "review__person"
    ),
    via=Finding.SCOPE_VIA,
)


def _cycle(request: HttpRequest, pk: int) -> ReviewCycle:
    paths = visible_subtrees(access_for(request.user))
    found = _CYCLE.first(paths, selectors.covering_paths(paths), pk)
    if found is None:
        raise Http404
    return found


def _review(request: HttpRequest, pk: int) -> Review:
    return _REVIEW(request.user, pk)


def _finding(request: HttpRequest, pk: int) -> Finding:
    return _FINDING(request.user, pk)


# --- cycles -------------------------------------------------------------------------------


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    # newest first; the key last, so that tied cycles keep one order from page to page
    cycles = _cycle_rows(selectors.cycles_for(request.user)).order_by("-year", "-starts_on", "-pk")
    paginator = CappedCountPaginator(cycles, CYCLES_PER_PAGE, rows=_CYCLE_ROWS, exact=True)
    page = paginator.get_page(request.GET.get("page"))
    access = access_for(request.user)
    ctx = {"page": page, "can_create": access.everything or bool(access.office_paths)}
    return render(request, "reviews/cycle_list.html", ctx)


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    subject = request.GET.get("doi_tuong", "")
    status = request.GET.get("trang_thai", "")
    reviews = selectors.cycle_reviews(cycle, request.user, subject=subject, status=status)
    counts = selectors.cycle_counts(cycle, request.user)
    # the rows load the columns they show (reviews/review_rows.html): a review has its whole text
    paginator = KeysFirstPaginator(
        selectors.review_rows(reviews), REVIEWS_PER_PAGE, rows=_REVIEW_ROWS
    )
    if not subject and not status:
        paginator.count = counts["reviews"]  # the same scope, already counted
        if counts["as_of"] is not None:  # from the summaries: may lag the last minute
            paginator.last_page_slack = REVIEWS_PER_PAGE
    page = paginator.get_page(request.GET.get("page"))
    can_manage = can_manage_cycle(request.user, cycle.scope_unit)
    ctx = {
        "cycle": cycle,
        "kind_labels": [UnitKind(k).label for k in cycle.participating_kinds if k in UnitKind],
        "page": page,
        "counts": counts,
        "own_reviews": selectors.own_reviews(cycle, request.user),
        "can_manage": can_manage,
        "reason_form": ReasonForm(initial={"version": cycle.version}),
        "subject": subject,
        "status": status,
        "subject_choices": SubjectKind.choices,
        "status_choices": ReviewStatus.choices,
        "history": _CYCLE_HISTORY(str(cycle.pk)),
    }
    return render(request, "reviews/cycle_detail.html", ctx)


# --- reviews ------------------------------------------------------------------------------

TRANSITIONS = {
    # to: (url name, button label, button class)
    ReviewStatus.SUBMITTED: ("reviews:review-submit", gettext_lazy("Gửi hội nghị"), "btn-primary"),
    ReviewStatus.DRAFT: (
        "reviews:review-withdraw",
        gettext_lazy("Rút về dự thảo"),
        "btn-outline-secondary",
    ),
    ReviewStatus.DISCUSSED: (
        "reviews:review-discuss",
        gettext_lazy("Xác nhận đã thảo luận tại hội nghị"),
        "btn-outline-primary",
    ),
    ReviewStatus.FINALIZED: (
        "reviews:review-finalize",
        gettext_lazy("Hoàn chỉnh bản kiểm điểm"),
        "btn-success",
    ),
}


def _review_context(request: HttpRequest, review: Review, **extra) -> dict:
    user = request.user
    meeting = selectors.unit_meeting(review.cycle, review.unit)
    can_edit = can_edit_review(user, review)
    is_open = review.cycle.status == CycleStatus.OPEN
    editable = is_open and review.status != ReviewStatus.FINALIZED and bool(can_edit)
    findings_locked = editable and review.findings_locked
    carried = list(selectors.review_carried(review))
    carry_forms = extra.pop("carry_forms", {})
    for finding in carried:
        finding.form = carry_forms.get(finding.pk) or carry_form(finding)
    transitions = []
    if is_open:
        for to in sorted(REVIEW.targets(review.status), key=list(TRANSITIONS).index):
            url_name, label, css = TRANSITIONS[to]
            decision = allowed(REVIEW, user, review, to)
            if decision and to == ReviewStatus.DISCUSSED and meeting is None:
                decision = deny(_("Chưa ghi nhận hội nghị kiểm điểm của đơn vị."))
            url = reverse(url_name, args=[review.pk])
            transitions.append({"url": url, "label": label, "css": css, "decision": decision})
    ctx = {
        **_records_context(request, review, editable=editable),
        "review": review,
        "cycle": review.cycle,
        "findings": selectors.review_findings(review),
        "carried": carried,
        "unassessed": sum(1 for f in carried if not f.carry_assessment),
        "meeting": meeting,
        "can_edit": can_edit,
        "editable": editable,
        "findings_editable": editable and not findings_locked,
        "findings_locked": findings_locked,
        "is_open": is_open,
        "can_meet": can_record_meeting(user, review.unit),
        "records_discipline": may_record_discipline_about(user, review),
        "transitions": transitions,
        "transition_form": TransitionForm(initial={"version": review.version}),
        "tag_labels": TAG_LABELS,
        "history": selectors.review_history(review, meeting)[:50],
    }
    ctx.update(extra)
    return ctx


def _records_context(request: HttpRequest, review: Review, *, editable: bool) -> dict:
    """The suggested points with the review's answers, the year's commitment with its
    assessment, the unit's dossier and whether its conference may be held."""
    items = list(
        SuggestionItem.objects.filter(
            suggestion__review=review, suggestion__status=SuggestionStatus.ISSUED
        ).select_related("suggestion", "suggestion__issuing_unit")
    )
    for item in items:
        item.gaps = rules.answer_gaps(item, collective=review.person_id is None)
    commitment = rules.commitment_for(review)
    commitment_items = list(commitment.items.all()) if commitment else []
    for item in commitment_items:
        item.form = fulfilment_form(item)
    return {
        "suggested_items": items,
        "answers_editable": editable and review.status == ReviewStatus.DRAFT,
        "dossier": rules.dossier_of(review.cycle, review.unit),
        "conference_refusal": rules.conference_refusal(review.cycle, review.unit),
        "can_suggest": suggestion_views.suggesting_units(request.user, review.unit).exists(),
        "commitment": commitment,
        "commitment_items": commitment_items,
        "commitment_editable": bool(commitment) and can_edit_commitment(request.user, commitment),
    }


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    return render(request, "reviews/review_detail.html", _review_context(request, review))


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    require(can_edit_review(request.user, review))
    form = ReviewForm(_posted(request), initial=review_initial(review))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = run_service(
            form,
            lambda: services.review_update(
                review=review, by=request.user, expected_version=version, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu bản kiểm điểm."))
            return redirect(review)
    return render(request, "reviews/review_form.html", {"form": form, "review": review})


def _review_transition(request: HttpRequest, pk: int, *, to: str) -> HttpResponse:
    review = _review(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        ctx = _review_context(request, review, transition_form=form)
        return render(request, "reviews/review_detail.html", ctx)
    try:
        services.review_transition(
            review=review,
            to=to,
            by=request.user,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except ReviewIncomplete as refused:
        ctx = _review_context(request, review, problems=refused.problems)
        return render(request, "reviews/review_detail.html", ctx)
    except DomainError as exc:
        review.refresh_from_db()
        ctx = _review_context(request, review, action_error=exc.message)
        return render(request, "reviews/review_detail.html", ctx)
    messages.success(
        request, _("Bản kiểm điểm đã chuyển sang “%(s)s”.") % {"s": review.get_status_display()}
    )
    return redirect(review)


@login_required
@require_POST
def review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_transition(request, pk, to=ReviewStatus.SUBMITTED)


@login_required
@require_POST
def review_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_transition(request, pk, to=ReviewStatus.DRAFT)


@login_required
@require_POST
def review_discuss(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_transition(request, pk, to=ReviewStatus.DISCUSSED)


@login_required
@require_POST
def review_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_transition(request, pk, to=ReviewStatus.FINALIZED)


# --- findings -----------------------------------------------------------------------------


def _findings_panel(request: HttpRequest, review: Review, **extra) -> HttpResponse:
    """The findings panel alone (htmx swaps it in place of #findings)."""
    ctx = _review_context(request, review, **extra)
    return render(request, "reviews/review_detail.html#findings", ctx)


def _findings_url(review: Review) -> str:
    return review.get_absolute_url() + "#findings"


def _finding_saved(request: HttpRequest, review: Review, notice: str) -> HttpResponse:
    """After a finding is saved: the refreshed panel (htmx) or a redirect to it."""
    if request.htmx:
        # Shown inside the panel: messages in HX-Trigger do not reach the page yet (see report).
        return _findings_panel(request, review, notice=notice)
    messages.success(request, notice)
    return redirect(_findings_url(review))


@login_required
@require_GET
def finding_list(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not request.htmx:
        return redirect(_findings_url(review))
    return _findings_panel(request, review)


def _finding_values(data: dict) -> dict:
    values = dict(data)
    values.pop("version", None)
    return values


@login_required
@require_http_methods(["GET", "POST"])
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    require(can_edit_review(request.user, review))
    form = FindingForm(_posted(request), new=True)
    if request.method == "POST" and form.is_valid():
        values = _finding_values(form.cleaned_data)
        finding = run_service(
            form, lambda: services.finding_add(review=review, by=request.user, **values)
        )
        if finding is not None:
            return _finding_saved(request, review, _("Đã thêm hạn chế, khuyết điểm."))
    action = reverse("reviews:finding-add", args=[review.pk])
    if request.htmx:
        return _findings_panel(request, review, finding_form=form, form_action=action)
    ctx = {"review": review, "finding_form": form, "form_action": action, "finding": None}
    return render(request, "reviews/finding_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    review = finding.review
    require(can_edit_review(request.user, review))
    if finding.carried_from_id:
        # A carried-over shortcoming keeps its wording; only its assessment is written.
        messages.error(request, _("Hạn chế chuyển từ kỳ trước chỉ được đánh giá, không sửa."))
        return redirect(review.get_absolute_url() + "#carried")
    form = FindingForm(_posted(request), initial=finding_initial(finding))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.finding_update(
                finding=finding,
                by=request.user,
                expected_version=data["version"],
                **_finding_values(data),
            ),
        )
        if done is not None:
            return _finding_saved(request, review, _("Đã lưu hạn chế, khuyết điểm."))
    action = reverse("reviews:finding-edit", args=[finding.pk])
    if request.htmx:
        return _findings_panel(
            request, review, finding_form=form, form_action=action, editing_id=finding.pk
        )
    ctx = {"review": review, "finding_form": form, "form_action": action, "finding": finding}
    return render(request, "reviews/finding_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def finding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    review = finding.review
    require(can_edit_review(request.user, review))
    form = FindingDeleteForm(_posted(request), initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]

        def delete() -> bool:
            services.finding_delete(
                finding=finding,
                by=request.user,
                reason=reason,
                expected_version=form.cleaned_data.get("version"),
            )
            return True

        if run_service(form, delete):
            messages.success(request, _("Đã xóa hạn chế, khuyết điểm."))
            return redirect(_findings_url(review))
    ctx = {"review": review, "finding": finding, "form": form}
    return render(request, "reviews/finding_delete.html", ctx)


@login_required
@require_POST
def finding_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess a shortcoming carried over from the previous cycle: fixed or not, and why."""
    finding = _finding(request, pk)
    review = finding.review
    form = carry_form(finding, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.carry_assess(
                finding=finding,
                assessment=data["assessment"],
                percent=data.get("percent"),
                cause=data["cause"],
                by=request.user,
                expected_version=data["version"],
            ),
        )
        if done is not None:
            notice = _("Đã ghi nhận kết quả khắc phục.")
            if request.htmx:
                ctx = _review_context(request, review, notice=notice)
                return render(request, "reviews/review_detail.html#carried", ctx)
            messages.success(request, notice)
            return redirect(review.get_absolute_url() + "#carried")
    ctx = _review_context(request, review, carry_forms={finding.pk: form})
    if request.htmx:
        return render(request, "reviews/review_detail.html#carried", ctx)
    return render(request, "reviews/review_detail.html", ctx)


# --- conferences --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the review conference of the review's unit (one per unit and cycle)."""
    review = _review(request, pk)
    require(can_record_meeting(request.user, review.unit))
    refusal = rules.conference_refusal(review.cycle, review.unit)
    if refusal:
        messages.error(request, refusal)
        return redirect(review.get_absolute_url() + "#meeting")
    initial = {"delegation": rules.delegations(review.cycle, review.unit)}
    form = MeetingForm(
        _posted(request), user=request.user, unit=review.unit, initial=initial, new=True
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        meeting = run_service(
            form,
            lambda: services.meeting_record(
                cycle=review.cycle, unit=review.unit, by=request.user, **data
            ),
        )
        if meeting is not None:
            messages.success(request, _("Đã ghi nhận hội nghị kiểm điểm."))
            return redirect(review)
    ctx = {
        "review": review,
        "form": form,
        "meeting": selectors.unit_meeting(review.cycle, review.unit),
    }
    return render(request, "reviews/meeting_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded conference (refused once a review of the unit is finalized)."""
    review = _review(request, pk)
    require(can_record_meeting(request.user, review.unit))
    meeting = selectors.unit_meeting(review.cycle, review.unit)
    if meeting is None:
        return redirect("reviews:meeting-record", pk=review.pk)
    form = MeetingForm(
        _posted(request), user=request.user, unit=review.unit, initial=meeting_initial(meeting)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        done = run_service(
            form,
            lambda: services.meeting_update(
                meeting=meeting, by=request.user, expected_version=version, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu hội nghị kiểm điểm."))
            return redirect(review.get_absolute_url() + "#meeting")
    ctx = {"review": review, "form": form, "meeting": meeting, "editing": True}
    return render(request, "reviews/meeting_form.html", ctx)
