"""Pages of the periodic remediation reports: a unit's reports, one report, a parent's roll-up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.permissions import require
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import top_units_of, visible_units
from kiemdiem.reports import selectors, services
from kiemdiem.reports.forms import ReportCreateForm, ReportForm, ReportSubmitForm, report_initial
from kiemdiem.reports.models import PeriodicReport, ReportPeriod, ReportStatus
from kiemdiem.reports.permissions import can_view_rollup, can_write_report
from kiemdiem.reviews.states import CycleStatus


def _posted(request: HttpRequest):
    """The POST data on a POST (even an empty one, which must still be validated), else None."""
    return request.POST if request.method == "POST" else None


def _unit(request: HttpRequest, pk: int) -> Unit:
    return get_object_or_404(visible_units(request.user).select_related("parent"), pk=pk)


def _period(unit: Unit, pk: int) -> ReportPeriod:
    """A period of a cycle that covers `unit` (any other period answers 404)."""
    return get_object_or_404(selectors.periods_covering(unit), pk=pk)


def _report(request: HttpRequest, pk: int) -> PeriodicReport:
    qs = PeriodicReport.objects.visible_to(request.user).select_related(
        "unit", "unit__parent", "period", "period__cycle", "submitted_by"
    )
    return get_object_or_404(qs, pk=pk)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Entry page: the units whose reports the user follows."""
    units = top_units_of(request.user)[:100]
    return render(request, "reports/index.html", {"units": units})


@login_required
@require_GET
def unit_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's reports, per cycle and period, with what is still to be written."""
    unit = _unit(request, pk)
    ctx = {
        "unit": unit,
        "cycles": selectors.unit_periods(unit),
        "can_write": can_write_report(request.user, unit),
        "can_rollup": can_view_rollup(request.user, unit),
        "has_children": unit.children.exists(),
    }
    return render(request, "reports/unit_reports.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    period = _period(unit, period_pk)
    require(can_write_report(request.user, unit))
    form = ReportCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        report = run_service(
            form, lambda: services.report_create(period=period, unit=unit, by=request.user)
        )
        if report is not None:
            messages.success(request, _("Đã lập báo cáo, số liệu đã được điền sẵn."))
            return redirect(report)
    existing = PeriodicReport.objects.filter(period=period, unit=unit).first()
    ctx = {
        "unit": unit,
        "period": period,
        "form": form,
        "existing": existing,
        "is_open": period.cycle.status == CycleStatus.OPEN,
        "started": period.starts_on <= timezone.localdate(),
        "as_of": services.report_as_of(period),
        "figures": selectors.figure_rows(services.report_figures(unit=unit, period=period)),
    }
    return render(request, "reports/report_create.html", ctx)


def _detail_context(request: HttpRequest, report: PeriodicReport, **extra) -> dict:
    can_write = can_write_report(request.user, report.unit)
    editable = (
        bool(can_write)
        and report.status == ReportStatus.DRAFT
        and report.period.cycle.status == CycleStatus.OPEN
    )
    ctx = {
        "report": report,
        "period": report.period,
        "unit": report.unit,
        "figures": selectors.figure_rows(report.figures),
        "can_write": can_write,
        "editable": editable,
        "submit_form": ReportSubmitForm(initial={"version": report.version}),
        "history": history_for(report)[:50],
    }
    ctx.update(extra)
    return ctx


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    return render(request, "reports/report_detail.html", _detail_context(request, report))


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(can_write_report(request.user, report.unit))
    form = ReportForm(_posted(request), initial=report_initial(report))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.report_update(
                report=report,
                narrative=data["narrative"],
                refresh=data["refresh"],
                by=request.user,
                expected_version=data["version"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu báo cáo."))
            return redirect(report)
    ctx = {"report": report, "form": form, "figures": selectors.figure_rows(report.figures)}
    return render(request, "reports/report_form.html", ctx)


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    require(can_write_report(request.user, report.unit))
    form = ReportSubmitForm(request.POST)
    if form.is_valid():
        version = form.cleaned_data["version"]
        done = run_service(
            form,
            lambda: services.report_submit(
                report=report, by=request.user, expected_version=version
            ),
        )
        if done is not None:
            messages.success(request, _("Đã gửi báo cáo lên cấp trên."))
            return redirect(report)
        report.refresh_from_db()
    ctx = _detail_context(request, report, submit_form=form)
    return render(request, "reports/report_detail.html", ctx)


@login_required
@require_GET
def rollup_detail(request: HttpRequest, pk: int, period_pk: int) -> HttpResponse:
    """A parent's view of one period: each child's report (or its absence) and the totals."""
    unit = _unit(request, pk)
    period = _period(unit, period_pk)
    require(can_view_rollup(request.user, unit))
    data = services.rollup(parent=unit, period=period)
    keys = list(services.FIGURE_LABELS)
    rows = [
        (child, report, [int(report.figures.get(k, 0) or 0) for k in keys] if report else None)
        for child, report in data["rows"]
    ]
    ctx = {
        "unit": unit,
        "period": period,
        "labels": list(services.FIGURE_LABELS.values()),
        "rows": rows,
        "totals": [data["totals"][k] for k in keys],
        "submitted": data["submitted"],
        "expected": data["expected"],
        "other_periods": selectors.periods_covering(unit)
        .exclude(cycle__status=CycleStatus.DRAFT)
        .order_by("-cycle__starts_on", "ends_on"),
    }
    return render(request, "reports/rollup_detail.html", ctx)
