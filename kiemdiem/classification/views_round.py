"""Pages of a round beyond the three steps: its peer groups and the competent level's 25% grant,
closing it, opening the subjects as a job; a rating's exemption, special case, the temporary
cell's comment and quarterly results; the committees' scoring sheets.

Objects are fetched through what the user may see (404 otherwise); each service checks who may
act and names the rule when it refuses; each page says what to do next.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.classification import cases, rules, selectors, services
from kiemdiem.classification.actions import start_populate
from kiemdiem.classification.case_checks import quarter_ceiling, quarters_of
from kiemdiem.classification.forms_cases import (
    CloseForm,
    CommentForm,
    CriteriaFormSet,
    ExemptForm,
    GrantForm,
    QuarterForm,
    SheetForm,
    SpecialCaseForm,
    criteria_of,
)
from kiemdiem.classification.listing import group_rows, sheets_for
from kiemdiem.classification.models import (
    PeerGroup,
    QuarterResult,
    Rating,
    RatingRound,
    RoundStatus,
    ScoringSheet,
)
from kiemdiem.classification.permissions import (
    can_manage_round,
    can_record_quarter,
    decides,
)
from kiemdiem.classification.states import OPEN
from kiemdiem.classification.views_common import (
    PER_PAGE,
    office_scopes,
    posted,
    rating_of,
    step_page,
    submitted,
)
from kiemdiem.core.forms import run_service
from kiemdiem.org.scoping import access_for


def _round(request: HttpRequest, pk: int) -> RatingRound:
    return get_object_or_404(selectors.rounds_for(request.user), pk=pk)


# --- peer groups and the 25% grant ----------------------------------------------------------------


@login_required
@require_GET
def round_groups(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's peer groups, each with its HTXSNV and HTTNV counts against its quota."""
    round_ = _round(request, pk)
    r = round_.rules
    groups = PeerGroup.objects.filter(round=round_).select_related("deciding_unit")
    if request.GET.get("cua_toi"):
        access = access_for(request.user)
        if not access.everything:
            groups = groups.filter(deciding_unit_id__in=sorted(access.recipient_unit_ids))
    page = Paginator(groups.order_by("deciding_unit__path", "subject_kind", "pk"), PER_PAGE)
    current = page.get_page(request.GET.get("page"))
    items = [
        {
            "group": row.group,
            "tops": row.tops,
            "seconds": row.seconds,
            "cap": row.cap,
            "percent": row.percent,
            "over": row.over,
            "can_grant": bool(r.quota_ratio_granted)
            and not row.group.quota_granted
            and decides(request.user, row.group.deciding_unit),
        }
        for row in group_rows(round_, current)
    ]
    ctx = {"round": round_, "rules": r, "items": items, "page": current}
    return render(request, "classification/round_groups.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def group_grant(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(
        PeerGroup.objects.filter(round__in=selectors.rounds_for(request.user)).select_related(
            "round", "deciding_unit"
        ),
        pk=pk,
    )
    form = GrantForm(posted(request), initial={"version": group.version})
    if submitted(
        request,
        form,
        lambda d: services.peer_group_grant(
            group=group, by=request.user, reason=d["reason"], version=d["version"]
        ),
        _("Đã nâng tỉ lệ HTXSNV của nhóm “%(g)s” lên 25%% số HTTNV.") % {"g": group.name},
    ):
        return redirect(reverse("classification:round-groups", args=[group.round_id]))
    ctx = {"group": group, "round": group.round, "form": form}
    return render(request, "classification/group_grant.html", ctx)


# --- opening the subjects, closing the round -----------------------------------------------------


@login_required
@require_POST
def round_populate(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the subjects of the round not yet opened, as a job (a province: hundreds of
    thousands of ratings)."""
    round_ = _round(request, pk)
    decision = can_manage_round(request.user, round_)
    if not decision:
        messages.error(request, decision.reason)
        return redirect(round_)
    job = start_populate(request, round_)
    if job.ok is None:
        return redirect(job)
    (messages.success if job.ok else messages.error)(request, job.result)
    return redirect(round_)


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    form = CloseForm(posted(request), initial={"version": round_.version})
    if submitted(
        request,
        form,
        lambda d: cases.round_close(round_=round_, by=request.user, version=d["version"]),
        _("Đã kết thúc đợt đánh giá, xếp loại."),
    ):
        return redirect(round_)
    left = Rating.objects.filter(round=round_, status__in=OPEN).count()
    ctx = {
        "round": round_,
        "form": form,
        "left": left,
        "unfinished": cases.round_unfinished(round_) if left else [],
        "can_close": can_manage_round(request.user, round_),
        "closed": round_.status == RoundStatus.CLOSED,
    }
    return render(request, "classification/round_close.html", ctx)


# --- one rating: exempt, special case, temporary comment, quarters ------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rating_exempt(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    form = ExemptForm(posted(request), initial={"version": rating.version})

    def call(d: dict) -> None:
        services.rating_exempt(
            rating=rating,
            by=request.user,
            exempt_reason=d["exempt_reason"],
            note=d["note"],
            version=d["version"],
        )

    return step_page(
        request,
        rating,
        form,
        _("Không đánh giá, xếp loại (miễn, đình chỉ sinh hoạt, đảng viên mới)"),
        call,
        _("Đã ghi nhận đảng viên không đánh giá, xếp loại năm nay."),
        {"lead": _("Chỉ đảng viên thuộc các trường hợp của QĐ 366 Điều 5 mới không xếp loại.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_special(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    initial = {
        "version": rating.version,
        "special_case": rating.special_case,
        "reason": rating.special_reason,
        "temporary_unit": rating.temporary_unit_id,
    }
    form = SpecialCaseForm(
        posted(request), initial=initial, user=request.user, scope=rating.round.scope_unit
    )

    def call(d: dict) -> None:
        cases.rating_special_case(
            rating=rating,
            by=request.user,
            special_case=d["special_case"],
            reason=d["reason"],
            temporary_unit=d["temporary_unit"],
            version=d["version"],
        )

    return step_page(
        request,
        rating,
        form,
        _("Trường hợp đặc thù"),
        call,
        _("Đã ghi trường hợp đặc thù."),
        {
            "lead": _(
                "Nghỉ ốm từ 3 tháng, nghỉ thai sản: đánh giá theo thời gian công tác thực tế. "
                "Sinh hoạt tạm thời: chi bộ nơi sinh hoạt tạm thời nhận xét trước, chi bộ chính "
                "thức mới thẩm định (HD 43 mục 7)."
            )
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_temporary_comment(request: HttpRequest, pk: int) -> HttpResponse:
    rating = get_object_or_404(
        Rating.objects.select_related("round", "unit", "person", "temporary_unit").filter(
            Q(pk__in=selectors.ratings_for(request.user).values("pk"))
            | Q(temporary_unit_id__in=sorted(access_for(request.user).own_unit_ids))
        ),
        pk=pk,
    )
    form = CommentForm(
        posted(request), initial={"version": rating.version, "comment": rating.special_note}
    )

    def call(d: dict) -> None:
        cases.rating_temporary_comment(
            rating=rating, by=request.user, comment=d["comment"], version=d["version"]
        )

    return step_page(
        request,
        rating,
        form,
        _("Nhận xét của chi bộ nơi sinh hoạt tạm thời"),
        call,
        _("Đã ghi nhận xét; chi bộ nơi sinh hoạt chính thức có thể thẩm định."),
        {
            "lead": _("Chi bộ %(u)s nhận xét đảng viên sinh hoạt tạm thời (HD 43 mục 7).")
            % {"u": rating.temporary_unit}
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_quarters(request: HttpRequest, pk: int) -> HttpResponse:
    rating = rating_of(request, pk)
    quarters = quarters_of(rating)
    editing: QuarterResult | None = None
    wanted = request.GET.get("quy") or request.POST.get("editing")
    if wanted and wanted.isdigit():
        editing = next((q for q in quarters if q.quarter == int(wanted)), None)
    initial: dict[str, Any] = {}
    if editing is not None:
        initial = {
            "version": editing.version,
            "quarter": editing.quarter,
            "level": editing.level,
            "total": editing.total,
            "note": editing.note,
        }
    form = QuarterForm(posted(request), rating=rating, initial=initial, new=editing is None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            form,
            lambda: cases.quarter_record(
                rating=rating,
                by=request.user,
                quarter=d["quarter"],
                level=d["level"],
                total=d["total"],
                note=d["note"],
                version=d.get("version") if editing is not None else None,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi kết quả xếp loại quý %(q)s.") % {"q": d["quarter"]})
            return redirect(reverse("classification:rating-quarters", args=[rating.pk]))
    ceiling = quarter_ceiling(rating.round, rating.subject_kind, quarters)
    ctx = {
        "rating": rating,
        "quarters": quarters,
        "form": form,
        "editing": editing,
        "ceiling": ceiling[1] if ceiling else "",
        "can_record": can_record_quarter(request.user, rating),
        "applies": rating.round.scheme == rules.QD366.code,
    }
    return render(request, "classification/rating_quarters.html", ctx)


# --- scoring sheets ---------------------------------------------------------------------------


@login_required
@require_GET
def sheet_list(request: HttpRequest) -> HttpResponse:
    sheets = sheets_for(request.user).order_by("unit__path", "scheme", "subject_kind", "-pk")
    page = Paginator(sheets, PER_PAGE).get_page(request.GET.get("page"))
    access = access_for(request.user)
    rows = [
        {
            "sheet": s,
            "can_edit": access.manages(s.unit.path),
            "total": sum(float(c.get("max_points") or 0) for c in s.criteria),
        }
        for s in page
    ]
    ctx = {"page": page, "rows": rows, "can_create": bool(office_scopes(request.user))}
    return render(request, "classification/sheet_list.html", ctx)


def _sheet_page(request: HttpRequest, sheet: ScoringSheet | None) -> HttpResponse:
    units = office_scopes(request.user) if sheet is None else None
    initial = {"version": sheet.version, "title": sheet.title} if sheet else {}
    form = SheetForm(posted(request), units=units, initial=initial, new=sheet is None)
    rows = [
        {
            "code": c.get("code"),
            "label": c.get("label"),
            "group": c.get("group"),
            "max_points": c.get("max_points"),
        }
        for c in (sheet.criteria if sheet else [])
    ]
    formset = CriteriaFormSet(posted(request), initial=rows, prefix="tieuchi")

    def call(d: dict) -> Any:
        if sheet is None:
            return services.sheet_create(
                by=request.user,
                unit=next(u for u in units or [] if str(u.pk) == d["unit"]),
                scheme=d["scheme"],
                subject_kind=d["subject_kind"],
                title=d["title"],
                criteria=criteria_of(formset),
            )
        return cases.sheet_update(
            sheet=sheet,
            by=request.user,
            title=d["title"],
            criteria=criteria_of(formset),
            version=d["version"],
        )

    if formset.is_valid() and submitted(request, form, call, _("Đã lưu bảng điểm.")):
        return redirect(reverse("classification:sheet-list"))
    ctx = {
        "sheet": sheet,
        "form": form,
        "formset": formset,
        "used": cases.sheet_in_use(sheet) if sheet else 0,
    }
    return render(request, "classification/sheet_form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_create(request: HttpRequest) -> HttpResponse:
    return _sheet_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def sheet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_object_or_404(sheets_for(request.user), pk=pk)
    return _sheet_page(request, sheet)
