"""Pages that run a review cycle: create it, edit it, open it over its subtree, close it.

Opening writes across the campaign (reviews, plans, report periods, carry-over), so these pages
live with the orchestrating services above the apps they write to.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kiemdiem.campaign import services as campaign
from kiemdiem.core.forms import run_service
from kiemdiem.core.permissions import require
from kiemdiem.core.tasks import enqueue_job
from kiemdiem.reviews import selectors
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.forms import CycleForm, ReasonForm, cycle_initial, cycle_scope_units
from kiemdiem.reviews.models import ReviewCycle
from kiemdiem.reviews.permissions import can_run_cycle
from kiemdiem.reviews.states import CycleStatus

# Unit kinds a new cycle reviews unless the office picks others.
DEFAULT_PARTICIPATING = [
    "commune",
    "grassroots_committee",
    "partial_committee",
    "grassroots_cell",
    "subordinate_cell",
]


def _posted(request: HttpRequest):
    """The POST data on a POST (even an empty one, which must still be validated), else None."""
    return request.POST if request.method == "POST" else None


def _cycle(request: HttpRequest, pk: int) -> ReviewCycle:
    qs = selectors.cycles_for(request.user).select_related("scope_unit", "previous_cycle")
    return get_object_or_404(qs, pk=pk)


def _cycle_values(data: dict) -> dict:
    values = dict(data)
    values.pop("version", None)
    values.pop("reason", None)
    return values


@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    if not cycle_scope_units(request.user).exists():
        raise PermissionDenied(_("Chỉ văn phòng/ban tổ chức cấp ủy mới được tạo đợt kiểm điểm."))
    initial = {"participating_kinds": DEFAULT_PARTICIPATING, "kind": "annual"}
    form = CycleForm(_posted(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cycle = run_service(
            form,
            lambda: review_services.cycle_create(
                by=request.user, reason=data["reason"], **_cycle_values(data)
            ),
        )
        if cycle is not None:
            messages.success(request, _("Đã tạo đợt kiểm điểm “%(c)s”.") % {"c": cycle})
            return redirect(cycle)
    return render(request, "campaign/cycle_form.html", {"form": form, "cycle": None})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk)
    require(can_run_cycle(request.user, cycle))
    form = CycleForm(_posted(request), user=request.user, cycle=cycle, initial=cycle_initial(cycle))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: campaign.cycle_update(
                cycle=cycle,
                by=request.user,
                expected_version=data["version"],
                reason=data["reason"],
                **_cycle_values(data),
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu thay đổi của đợt kiểm điểm."))
            return redirect(cycle)
    return render(request, "campaign/cycle_form.html", {"form": form, "cycle": cycle})


def _cycle_transition(request: HttpRequest, pk: int, *, to: str) -> HttpResponse:
    cycle = _cycle(request, pk)
    require(can_run_cycle(request.user, cycle))
    form = ReasonForm(_posted(request), initial={"version": cycle.version})
    if request.method == "POST" and form.is_valid() and to == CycleStatus.OPEN:
        # Long work: queued; the user follows the job (at once here when it already ended).
        job = enqueue_job(
            "kiemdiem.campaign.tasks.cycle_open",
            cycle.pk,
            request.user.pk,
            form.cleaned_data["reason"],
            form.cleaned_data["version"],
            name=_("Triển khai %(title)s") % {"title": cycle.title},
            by=request.user,
            url=cycle.get_absolute_url(),
        )
        if job.ok:
            messages.success(request, job.result)
            return redirect(cycle)
        if job.ok is None:
            return redirect(job)
        form.add_error(None, job.result)
    elif request.method == "POST" and form.is_valid():
        result = run_service(
            form,
            lambda: review_services.cycle_close(
                cycle=cycle,
                by=request.user,
                note=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if result is not None:
            messages.success(request, _("Đã kết thúc đợt kiểm điểm."))
            return redirect(cycle)
    ctx = {"cycle": cycle, "form": form, "to": to}
    return render(request, "campaign/cycle_confirm.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_transition(request, pk, to=CycleStatus.OPEN)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _cycle_transition(request, pk, to=CycleStatus.CLOSED)
