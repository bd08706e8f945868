"""Pages of the members' yearly commitments: the cell's roster (who has not committed), a
commitment with its items, filing, revising, and the year-end assessment of each item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.org.models import Membership, Person, Unit
from kiemdiem.org.scoping import access_for, first_top_unit, visible_people
from kiemdiem.org.selectors import unit_in_scope
from kiemdiem.reviews import commitments, selectors
from kiemdiem.reviews.forms import CommitmentForm, fulfilment_form
from kiemdiem.reviews.models import Commitment, CommitmentItem
from kiemdiem.reviews.permissions import can_edit_commitment, can_file_commitment

PER_PAGE = 50
ROSTER_FILTERS = [
    ("", gettext_lazy("Tất cả")),
    ("chua-co", gettext_lazy("Chưa có bản cam kết")),
    ("da-co", gettext_lazy("Đã có bản cam kết")),
    ("hoan-thanh", gettext_lazy("Thực hiện tốt mọi nội dung cam kết")),
    ("chua-dat", gettext_lazy("Có nội dung thực hiện một phần hoặc chưa thực hiện")),
    ("chua-danh-gia", gettext_lazy("Chưa tự đánh giá hết các nội dung")),
]


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _commitment(request: HttpRequest, pk: int) -> Commitment:
    qs = Commitment.objects.visible_to(request.user).select_related("person", "unit")
    return get_object_or_404(qs, pk=pk)


def roster_unit(request: HttpRequest) -> Unit | None:
    """The unit of the roster: ?don_vi= inside the scope, else the top of the user's scope."""
    unit = unit_in_scope(request.user, request.GET.get("don_vi"))
    return unit or first_top_unit(request.user)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("nam", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else timezone.localdate().year


@login_required
@require_GET
def commitment_list(request: HttpRequest) -> HttpResponse:
    """The unit's members with their commitment of the year; "chưa có" lists those without."""
    unit = roster_unit(request)
    year = _year(request)
    state = request.GET.get("tinh_trang", "")
    state = state if state in selectors.ROSTER_STATES else ""
    access = access_for(request.user)
    # the user's own commitments: none without a linked person (an office account), no query
    own = (
        Commitment.objects.filter(person_id=access.person_id).order_by("-year")
        if access.person_id is not None
        else []
    )
    ctx: dict = {
        "unit": unit,
        "year": year,
        # only a member has a commitment of their own to file (commitment_create: 404 otherwise)
        "is_member": access.person_id is not None,
        "state": state,
        "states": ROSTER_FILTERS,
        "state_label": dict(ROSTER_FILTERS)[state],
        "own": own,
    }
    if unit is not None and access.leads(unit.path):
        stats = selectors.commitment_stats(unit, year)
        # the roster's length is one of the figures already counted (members, or the state's)
        shown = stats[selectors.ROSTER_STATES[state]] if state else stats["members"]
        page = Paginator(range(shown), PER_PAGE).get_page(request.GET.get("page"))
        start = (page.number - 1) * PER_PAGE
        walk = selectors.roster_walks(stats["members"], shown, start + PER_PAGE)
        # the rows show the name only (jinja2/reviews/commitment_rows.html)
        roster = selectors.commitment_roster(unit, year, state=state, walk=walk)
        page.object_list = roster.only("full_name")[start : start + PER_PAGE]
        ctx.update(roster_shown=True, page=page, stats=stats)
    return render(request, "reviews/commitment_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_create(request: HttpRequest) -> HttpResponse:
    """File a member's commitment: the member's own (no ?person=) or one of the cell's."""
    raw = request.GET.get("person", "")
    if raw.isdigit():
        person = get_object_or_404(visible_people(request.user), pk=raw)
    else:
        person = get_object_or_404(Person, user=request.user)
    year = _year(request)
    existing = Commitment.objects.filter(person=person, year=year).first()
    if existing is not None:
        return redirect(existing)
    decision = can_file_commitment(request.user, person)
    form = CommitmentForm(_posted(request), initial={"year": year}, new=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(
            form,
            lambda: commitments.commitment_file(
                person=person, year=data["year"], items=data["items"], by=request.user
            ),
        )
        if created is not None:
            messages.success(request, _("Đã lưu bản cam kết năm %(y)s.") % {"y": created.year})
            return redirect(created)
    cell = Membership.objects.current().filter(person=person).select_related("unit").first()
    ctx = {"form": form, "person": person, "decision": decision, "cell": cell, "year": year}
    return render(request, "reviews/commitment_form.html", ctx)


@login_required
@require_GET
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment(request, pk)
    items = list(commitment.items.all())
    for item in items:
        item.form = fulfilment_form(item)
    ctx = {
        "commitment": commitment,
        "items": items,
        "can_edit": can_edit_commitment(request.user, commitment),
        "assessed": any(i.fulfilment for i in items),
        "history": history_for(commitment, parts=items)[:50],
    }
    return render(request, "reviews/commitment_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_revise(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = _commitment(request, pk)
    items = "\n".join(i.text for i in commitment.items.all())
    initial = {"year": commitment.year, "items": items, "version": commitment.version}
    form = CommitmentForm(_posted(request), initial=initial)
    form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: commitments.commitment_revise(
                commitment=commitment,
                items=data["items"],
                by=request.user,
                version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu bản cam kết."))
            return redirect(commitment)
    ctx = {
        "form": form,
        "person": commitment.person,
        "commitment": commitment,
        "decision": can_edit_commitment(request.user, commitment),
        "year": commitment.year,
    }
    return render(request, "reviews/commitment_form.html", ctx)


@login_required
@require_POST
def item_assess(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess one item (from the commitment's page or the year-end review's)."""
    qs = CommitmentItem.objects.filter(
        commitment__in=Commitment.objects.visible_to(request.user)
    ).select_related("commitment", "commitment__unit", "commitment__person")
    item = get_object_or_404(qs, pk=pk)
    form = fulfilment_form(item, request.POST)
    back = request.POST.get("next", "")
    target = back if back.startswith("/") and not back.startswith("//") else None
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: commitments.commitment_assess(
                item=item,
                fulfilment=data["fulfilment"],
                note=data["note"],
                by=request.user,
                version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu mức độ thực hiện cam kết."))
            return redirect(target or item.commitment.get_absolute_url())
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("Chưa lưu được: %(e)s") % {"e": errors})
    return redirect(target or item.commitment.get_absolute_url())
