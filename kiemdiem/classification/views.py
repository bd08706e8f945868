"""Pages of the classification: rounds, a round's ratings and counts, one rating with its
three steps, and the page of each step (self-assess, appraise, verify, decide, publish, cancel).

Ratings are fetched through `Rating.objects.visible_to` (the rated and their managers: anyone
else gets 404); each step's service checks who may take it and names the rule it refuses by.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kiemdiem.classification import rules, selectors, services, statistics
from kiemdiem.classification.actions import (
    awaiting_temporary_comment,
    rating_actions,
    start_populate,
)
from kiemdiem.classification.case_checks import quarter_ceiling, quarters_of
from kiemdiem.classification.checks import criteria_for, decision_checks
from kiemdiem.classification.forms import (
    AppraiseForm,
    CancelForm,
    DecideForm,
    PublishForm,
    ReasonForm,
    RoundForm,
    SelfAssessForm,
    VerifyForm,
)
from kiemdiem.classification.models import (
    Rating,
    RatingRound,
    RatingStatus,
    RoundPeriod,
    SubjectKind,
)
from kiemdiem.classification.permissions import can_manage_round, can_verify
from kiemdiem.classification.states import RATING
from kiemdiem.classification.subjects import in_rating_order
from kiemdiem.classification.terms import missing_text, term_ceiling, years_of
from kiemdiem.classification.views_common import (
    PER_PAGE,
    act,
    office_scopes,
    posted,
    rating_of,
    step_page,
    submitted,
)
from kiemdiem.classification.views_statistics import default_unit, page_url
from kiemdiem.core.audit import history_for
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.paging import KeysFirstPaginator
from kiemdiem.core.permissions import Actor
from kiemdiem.org.scoping import access_for


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    ctx = {
        "rounds": selectors.round_list(access_for(request.user)),
        "can_open": bool(office_scopes(request.user)),
        "sees_statistics": statistics.may_see_any(request.user),
        "awaiting_comment": awaiting_temporary_comment(request.user),
    }
    return render(request, "classification/round_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    scopes = office_scopes(request.user)
    form = RoundForm(posted(request), initial={"head_rule": True})
    form.fields["scope"] = forms.ChoiceField(
        label=_("Phạm vi"), choices=[(str(u.pk), u.name) for u in scopes]
    )
    form.fields["scope"].widget.attrs["class"] = "form-select"
    form.order_fields(
        ["scope", "period", "term_first", "year", "title", "scheme", "quota_rounding", "head_rule"]
    )
    round_ = submitted(
        request,
        form,
        lambda d: services.round_open(
            by=request.user,
            title=d["title"],
            year=d["year"],
            scope_unit=next(u for u in scopes if str(u.pk) == d["scope"]),
            scheme=d["scheme"],
            quota_rounding=d["quota_rounding"],
            head_rule=d["head_rule"],
            deadline=d["deadline"],
            cutoff_on=d.get("cutoff_on"),
            quarter_rollup=d.get("quarter_rollup") or None,
            period=d.get("period") or RoundPeriod.YEAR,
            term_first=d.get("term_first"),
            term_rollup=d.get("term_rollup") or None,
            populate=False,
        ),
        _("Đã mở đợt đánh giá, xếp loại."),
    )
    if round_ is not None:
        # The subjects (a province: hundreds of thousands) open as a job.
        job = start_populate(request, round_)
        if job.ok is None:
            return redirect(job)
        if job.ok is False:
            messages.error(request, job.result)
        return redirect(round_)
    return render(request, "classification/round_form.html", {"form": form})


def _statistics_url(user: Actor, round_: RatingRound) -> str | None:
    if round_.is_term:
        return None
    unit = default_unit(user, round_.scope_unit)
    return page_url("statistics", round_, unit.pk) if unit is not None else None


@login_required
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(selectors.rounds_for(request.user), pk=pk)
    ratings = selectors.ratings_for(request.user).filter(round=round_)
    kind = request.GET.get("doi_tuong", "")
    status = request.GET.get("trang_thai", "")
    level = request.GET.get("muc", "")
    if kind in SubjectKind.values:
        ratings = ratings.filter(subject_kind=kind)
    if status in RatingStatus.values:
        ratings = ratings.filter(status=status)
    if level in rules.ALL_LEVELS:
        ratings = ratings.filter(decided_level=level, status__in=["decided", "published"])
    # "N … bị hạ từ mức A xuống B": the list behind the round page's downgrade line.
    down = request.GET.get("ha_muc", "").split(".")
    if len(down) == 2 and all(d in rules.ALL_LEVELS for d in down):
        ratings = ratings.filter(self_level=down[0], appraised_level=down[1])
    page = KeysFirstPaginator(in_rating_order(ratings), PER_PAGE)
    counts = selectors.round_counts(request.user, round_)
    table = [
        {
            "kind": k,
            "label": label,
            "cells": [
                (lv, counts.by_kind.get(k, {}).get(lv.code, 0)) for lv in round_.rules.levels_for(k)
            ],
            "total": sum(counts.by_kind.get(k, {}).values()),
        }
        for k, label in SubjectKind.choices
    ]
    downgrades = [
        {
            "kind": SubjectKind(k).label,
            "kind_code": k,
            "filter": f"{a}.{b}",
            "from": rules.short(a),
            "to": rules.short(b),
            "n": n,
        }
        for (k, a, b), n in sorted(counts.downgrades.items())
    ]
    ctx = {
        "round": round_,
        "rules": round_.rules,
        "page": page.get_page(request.GET.get("page")),
        "table": table,
        "downgrades": downgrades,
        "open": [(s, RatingStatus(s).label, n) for s, n in counts.open.items()],
        "manage": can_manage_round(request.user, round_),
        # The round's statistics, for those who manage (part of) its scope; term rounds have none.
        "statistics_url": _statistics_url(request.user, round_),
        "kinds": SubjectKind.choices,
        "statuses": RatingStatus.choices,
        "kind": kind,
        "status": status,
    }
    return render(request, "classification/round_detail.html", ctx)


@login_required
@require_GET
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    user = request.user
    checks = []
    decide = allowed(RATING, user, rating, RatingStatus.DECIDED)
    if rating.status == RatingStatus.APPRAISED and decide:
        checks = decision_checks(rating, rating.appraised_level)
    ctx = {
        "rating": rating,
        "rules": rating.round.rules,
        "self_assess": allowed(RATING, user, rating, RatingStatus.SELF_ASSESSED),
        "appraise": allowed(RATING, user, rating, RatingStatus.APPRAISED),
        "decide": decide,
        "publish": allowed(RATING, user, rating, RatingStatus.PUBLISHED),
        "cancel": allowed(RATING, user, rating, RatingStatus.CANCELLED),
        "verify": can_verify(user, rating),
        "checks": checks,
        "self_scores": _score_rows(rating, rating.self_scores),
        "appraisal_scores": _score_rows(rating, rating.appraisal_scores),
        "publish_form": PublishForm(initial={"version": rating.version}),
        "history": history_for(rating)[:50],
    }
    ctx.update(rating_actions(user, rating))
    return render(request, "classification/rating_detail.html", ctx)


def _score_rows(rating: Rating, scores: dict) -> list[tuple[str, str]]:
    grades = dict(rules.GRADE_CHOICES)
    return [
        (str(c.label), str(grades.get(scores[c.code], scores[c.code])))
        for c in criteria_for(rating)
        if c.code in scores
    ]


def _initial(rating: Rating, **values: Any) -> dict:
    return {"version": rating.version, **values}


@login_required
@require_http_methods(["GET", "POST"])
def rating_self_assess(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    initial = _initial(
        rating,
        level=rating.self_level,
        reasons=rating.self_reasons,
        conditions=rating.self_conditions,
        special_case=rating.special_case,
        special_reason=rating.special_reason,
        task_share=rating.task_share,
        **{f"score_{k}": v for k, v in rating.self_scores.items()},
    )
    form = SelfAssessForm(posted(request), rating=rating, initial=initial)

    def call(d: dict) -> None:
        services.rating_self_assess(
            rating=rating,
            by=request.user,
            level=d["level"],
            reasons=d["reasons"],
            version=d["version"],
            scores=form.scores(),
            conditions=d.get("conditions") or [],
            special_case=d.get("special_case") or "",
            special_reason=d.get("special_reason") or "",
            task_share=d.get("task_share"),
        )

    # QĐ 366: the quarters feed the year, the years feed the term; the self-assessment shows
    # them and what they allow.
    quarters = quarters_of(rating)
    ceiling = quarter_ceiling(rating.round, rating.subject_kind, quarters)
    years = years_of(rating)
    term = term_ceiling(rating.round, rating.subject_kind, years)
    return step_page(
        request,
        rating,
        form,
        _("Tự đánh giá, xếp loại"),
        call,
        _("Đã lưu bản tự đánh giá."),
        {
            "quarters": quarters,
            "quarter_ceiling": ceiling[1] if ceiling else "",
            "term_years": years,
            "term_ceiling": " ".join(filter(None, [term[1] if term else "", missing_text(years)])),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_appraise(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    initial = _initial(
        rating,
        level=rating.self_level,
        conditions=rating.self_conditions,
        task_share=rating.task_share,
    )
    form = AppraiseForm(posted(request), rating=rating, initial=initial)

    def call(d: dict) -> None:
        services.rating_appraise(
            rating=rating,
            by=request.user,
            level=d["level"],
            reasons=d["reasons"],
            version=d["version"],
            conditions=d.get("conditions") or [],
            body=d.get("body") or "",
            mitigation=d.get("mitigation") or "",
            mitigation_note=d.get("mitigation_note") or "",
            complaints=d.get("complaints") or "",
            special_note=d.get("special_note") or "",
            task_share=d.get("task_share"),
        )

    return step_page(
        request,
        rating,
        form,
        _("Thẩm định, đề xuất mức xếp loại"),
        call,
        _("Đã lưu ý kiến thẩm định."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_return(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    form = ReasonForm(posted(request), initial=_initial(rating))

    def call(d: dict) -> None:
        services.rating_return(
            rating=rating, by=request.user, reason=d["reason"], version=d["version"]
        )

    return step_page(request, rating, form, _("Trả lại để tự đánh giá lại"), call, _("Đã trả lại."))


@login_required
@require_http_methods(["GET", "POST"])
def rating_verify(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    form = VerifyForm(posted(request), initial=_initial(rating, verification=rating.verification))

    def call(d: dict) -> None:
        services.rating_verify(
            rating=rating, by=request.user, verification=d["verification"], version=d["version"]
        )

    return step_page(
        request, rating, form, _("Kiểm tra, xác minh"), call, _("Đã ghi kết quả xác minh.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_decide(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    level = request.POST.get("level") if request.method == "POST" else None
    level = level or rating.appraised_level
    checks = decision_checks(rating, level) if rating.status == RatingStatus.APPRAISED else []
    form = DecideForm(
        posted(request),
        rating=rating,
        checks=checks,
        initial=_initial(rating, level=rating.appraised_level),
    )

    def call(d: dict) -> None:
        services.rating_decide(
            rating=rating,
            by=request.user,
            level=d["level"],
            version=d["version"],
            decision_number=d["decision_number"],
            decided_on=d["decided_on"],
            note=d["note"],
            overrides=form.overrides(),
        )

    return step_page(
        request,
        rating,
        form,
        _("Quyết định mức xếp loại"),
        call,
        _("Đã quyết định mức xếp loại."),
        {"checks": checks, "level": level},
    )


@login_required
@require_http_methods(["POST"])
def rating_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    act(
        request,
        PublishForm(request.POST),
        lambda d: services.rating_publish(rating=rating, by=request.user, version=d["version"]),
        _("Đã công khai kết quả xếp loại."),
    )
    return redirect(rating)


@login_required
@require_http_methods(["GET", "POST"])
def rating_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    form = CancelForm(posted(request), initial=_initial(rating))

    def call(d: dict) -> Rating:
        return services.rating_cancel(
            rating=rating,
            by=request.user,
            reason=d["reason"],
            decision_number=d["decision_number"],
            version=d["version"],
            cancelled_on=d["cancelled_on"],
        )

    return step_page(
        request,
        rating,
        form,
        _("Hủy kết quả, đánh giá, xếp loại lại (Mẫu 03)"),
        call,
        _("Đã hủy kết quả; đánh giá, xếp loại lại bắt đầu từ bước tự đánh giá."),
    )
