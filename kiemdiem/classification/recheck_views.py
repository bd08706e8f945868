"""Pages of the re-check campaigns: the list, opening one, a campaign's units with their counts,
one unit's results (pending, confirmed, corrected before → after) and the actions on them.

Everything is fetched through `recheck.campaigns_for / tasks_for / items_for` (anyone else gets
404); each action's service checks who may take it and answers in Vietnamese.
"""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.classification import recheck, rules
from kiemdiem.classification.permissions import can_cancel
from kiemdiem.classification.recheck_models import (
    RecheckCampaign,
    RecheckItem,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.classification.views_common import PER_PAGE, act, posted, submitted
from kiemdiem.core.forms import StyledForm, VersionedForm, VnDateField
from kiemdiem.core.lifecycle import allowed
from kiemdiem.core.paging import KeysFirstPaginator
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for


class OpenForm(StyledForm):
    id_prefix = "rasoat"
    unit = forms.ChoiceField(label=gettext_lazy("Cấp ủy tổ chức rà soát"))
    year = forms.IntegerField(label=gettext_lazy("Năm được rà soát"), min_value=2014)
    deadline = VnDateField(label=gettext_lazy("Hạn hoàn thành (dd/mm/yyyy)"))
    title = forms.CharField(label=gettext_lazy("Tên đợt"), required=False, max_length=255)
    document_number = forms.CharField(
        label=gettext_lazy("Số văn bản chỉ đạo"), required=False, max_length=60
    )
    instructions = forms.CharField(
        label=gettext_lazy("Nội dung, yêu cầu rà soát"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(VersionedForm):
    id_prefix = "ghichu"
    note = forms.CharField(
        label=gettext_lazy("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectForm(VersionedForm):
    id_prefix = "suasai"
    found_level = forms.ChoiceField(label=gettext_lazy("Mức đúng theo kết quả rà soát"))
    reason = forms.CharField(
        label=gettext_lazy("Lý do kết quả chưa đúng"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision_number = forms.CharField(
        label=gettext_lazy("Số quyết định đánh giá, xếp loại lại (Mẫu 03)"),
        required=False,
        max_length=60,
    )
    decided_on = VnDateField(label=gettext_lazy("Ngày quyết định"), required=False)


class ReportForm(VersionedForm):
    id_prefix = "baocao"
    report = forms.CharField(
        label=gettext_lazy("Báo cáo kết quả rà soát"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _deciding_units(user: Any) -> list[Unit]:
    access = access_for(user)
    if access.everything:
        return list(Unit.objects.filter(depth__lte=1).order_by("path"))
    return list(Unit.objects.filter(pk__in=access.recipient_unit_ids).order_by("path"))


def _campaign(request: HttpRequest, pk: int) -> RecheckCampaign:
    return get_object_or_404(recheck.campaigns_for(request.user), pk=pk)


def _task(request: HttpRequest, pk: int) -> RecheckTask:
    task = get_object_or_404(
        RecheckTask.objects.select_related("campaign__unit", "unit"),
        pk=pk,
        campaign__in=recheck.campaigns_for(request.user),
    )
    if not recheck.tasks_for(request.user, task.campaign).filter(pk=task.pk).exists():
        raise Http404
    return task


def _item(request: HttpRequest, pk: int) -> RecheckItem:
    item = get_object_or_404(RecheckItem.objects.select_related("task"), pk=pk)
    task = _task(request, item.task_id)
    found = recheck.items_for(request.user, task).filter(pk=pk).first()
    if found is None:
        raise Http404
    found.task = task
    return found


@login_required
@require_GET
def recheck_list(request: HttpRequest) -> HttpResponse:
    ctx = {
        "campaigns": recheck.campaigns_for(request.user),
        "can_open": bool(_deciding_units(request.user)),
    }
    return render(request, "classification/recheck_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def recheck_create(request: HttpRequest) -> HttpResponse:
    units = _deciding_units(request.user)
    form = OpenForm(posted(request))
    form.fields["unit"].choices = [(str(u.pk), u.name) for u in units]
    campaign = submitted(
        request,
        form,
        lambda d: recheck.campaign_open(
            by=request.user,
            unit=next(u for u in units if str(u.pk) == d["unit"]),
            year=d["year"],
            deadline=d["deadline"],
            title=d["title"],
            document_number=d["document_number"],
            instructions=d["instructions"],
        ),
        _("Đã mở đợt rà soát; mỗi cấp quyết định đã có danh sách."),
    )
    if campaign is not None:
        return redirect(campaign)
    ctx = {"form": form, "title": _("Mở đợt rà soát kết quả xếp loại"), "back": "recheck-list"}
    return render(request, "classification/recheck_form.html", ctx)


@login_required
@require_GET
def recheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    rows = recheck.task_rows(request.user, campaign)
    ctx = {
        "campaign": campaign,
        "rows": rows,
        "totals": {
            "total": sum(r.total for r in rows),
            "confirmed": sum(r.confirmed for r in rows),
            "corrected": sum(r.corrected for r in rows),
            "pending": sum(r.pending for r in rows),
            "overdue": sum(1 for r in rows if r.overdue),
        },
        "close": allowed(recheck.CAMPAIGN, request.user, campaign, RecheckStatus.CLOSED),
        "close_form": NoteForm(initial={"version": campaign.version}),
    }
    return render(request, "classification/recheck_detail.html", ctx)


OUTCOMES = dict(RecheckOutcome.choices)


@login_required
@require_GET
def recheck_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    items = recheck.items_for(request.user, task)
    counts = {o: 0 for o in OUTCOMES}
    counts.update(items.order_by().values_list("outcome").annotate(n=Count("pk")))
    shown = request.GET.get("ket_qua", "")
    if shown in OUTCOMES:
        items = items.filter(outcome=shown)
    page = KeysFirstPaginator(items, PER_PAGE).get_page(request.GET.get("page"))
    first = page.object_list[0] if page.object_list else None
    user = request.user
    ctx = {
        "task": task,
        "campaign": task.campaign,
        "page": page,
        "counts": [(o, label, counts[o]) for o, label in OUTCOMES.items()],
        "shown": shown,
        "overdue": recheck.task_overdue(task, counts[RecheckOutcome.PENDING]),
        "can_check": task.campaign.status == RecheckStatus.OPEN
        and task.status == RecheckTaskStatus.OPEN
        and bool(recheck.can_check(user, task)),
        "can_correct": first is not None
        and task.campaign.status == RecheckStatus.OPEN
        and task.status == RecheckTaskStatus.OPEN
        and bool(can_cancel(user, first.rating)),
        "report": allowed(recheck.TASK, user, task, RecheckTaskStatus.REPORTED),
        "return_": allowed(recheck.TASK, user, task, RecheckTaskStatus.OPEN),
        "report_form": ReportForm(initial={"version": task.version}),
        "return_form": NoteForm(initial={"version": task.version}),
    }
    return render(request, "classification/recheck_task.html", ctx)


@login_required
@require_POST
def recheck_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    act(
        request,
        NoteForm(request.POST),
        lambda d: recheck.item_confirm(
            item=item, by=request.user, version=d["version"], note=d["note"]
        ),
        _("Đã xác nhận kết quả của %(s)s là đúng.") % {"s": item.rating.subject_label},
    )
    return redirect(item.task)


@login_required
@require_http_methods(["GET", "POST"])
def recheck_correct(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    rating = item.rating
    form = CorrectForm(posted(request), initial={"version": item.version})
    levels = rating.round.rules.levels_for(rating.subject_kind)
    form.fields["found_level"].choices = [("", "---------")] + [
        (lv.code, f"{lv.short} — {lv.label}") for lv in levels if lv.code != item.before_level
    ]
    if submitted(
        request,
        form,
        lambda d: recheck.item_correct(
            item=item,
            by=request.user,
            version=d["version"],
            found_level=d["found_level"],
            reason=d["reason"],
            decision_number=d["decision_number"],
            decided_on=d["decided_on"],
        ),
        _("Đã hủy kết quả %(b)s của %(s)s; xếp loại lại bắt đầu từ bước tự đánh giá.")
        % {"b": rules.short(item.before_level), "s": rating.subject_label},
    ):
        return redirect(item.task)
    decision = can_cancel(request.user, rating)
    ctx = {
        "form": form,
        "refused": "" if decision else decision.reason,
        "title": _("Sửa kết quả chưa đúng (Mẫu 03)"),
        "item": item,
        "campaign": item.task.campaign,
        "task": item.task,
    }
    return render(request, "classification/recheck_form.html", ctx)


@login_required
@require_POST
def recheck_report(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    act(
        request,
        ReportForm(request.POST),
        lambda d: recheck.task_report(
            task=task, by=request.user, version=d["version"], report=d["report"]
        ),
        _("Đã báo cáo kết quả rà soát."),
    )
    return redirect(task)


@login_required
@require_POST
def recheck_return(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    act(
        request,
        NoteForm(request.POST),
        lambda d: recheck.task_return(
            task=task, by=request.user, version=d["version"], reason=d["note"]
        ),
        _("Đã trả lại báo cáo để rà soát lại."),
    )
    return redirect(task)


@login_required
@require_POST
def recheck_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    act(
        request,
        NoteForm(request.POST),
        lambda d: recheck.campaign_close(
            campaign=campaign, by=request.user, version=d["version"], note=d["note"]
        ),
        _("Đã kết thúc đợt rà soát."),
    )
    return redirect(campaign)
