"""What the pages of the two half-year reports share: a working group's activity report and the
report on an implementation plan. Both are a draft of pre-filled figures plus a narrative, saved
(optionally refreshing the figures) and then sent; only the scope, the figures' labels, the
permission, the lifecycle, the services and the words differ, so one `HalfYearReportPages`
serves both and the views in work.py and implementation.py stay one line each."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kiemdiem.core.audit import history_for
from kiemdiem.core.forms import run_service
from kiemdiem.core.lifecycle import allowed
from kiemdiem.oversight.forms import NarrativeForm, OptionalReasonForm
from kiemdiem.oversight.states import ReportStatus
from kiemdiem.oversight.views.common import form_errors_to_messages


@dataclass(frozen=True)
class HalfYearReportPages:
    visible: Callable[..., QuerySet]  # (user) -> the reports the user may open
    template: str
    figure_labels: dict[str, str]
    can_write: Callable  # (user, report) -> Decision
    lifecycle: dict  # the report's arrows (states.py)
    update: Callable[..., object]  # the service writing the narrative
    submit: Callable[..., object]  # the service sending the report
    submitted: str  # the message once sent

    def get(self, request: HttpRequest, pk: int):
        return get_object_or_404(self.visible(request.user), pk=pk)

    def context(self, request: HttpRequest, report, form=None) -> dict:
        user = request.user
        return {
            "report": report,
            "figures": [
                (label, report.figures.get(key, 0)) for key, label in self.figure_labels.items()
            ],
            "can_edit": report.status == ReportStatus.DRAFT and bool(self.can_write(user, report)),
            "can_submit": allowed(self.lifecycle, user, report, ReportStatus.SUBMITTED),
            "form": form
            or NarrativeForm(initial={"version": report.version, "narrative": report.narrative}),
            "history": history_for(report)[:30],
        }

    def detail_page(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get(request, pk)
        return render(request, self.template, self.context(request, report))

    def edit_page(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get(request, pk)
        form = NarrativeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            done = run_service(
                form,
                lambda: self.update(
                    report=report,
                    narrative=data["narrative"],
                    refresh=data["refresh"],
                    expected_version=data["version"],
                    by=request.user,
                ),
            )
            if done is not None:
                messages.success(request, _("Đã lưu báo cáo."))
                return redirect(report)
        return render(request, self.template, self.context(request, report, form=form))

    def submit_page(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = self.get(request, pk)
        form = OptionalReasonForm(request.POST)
        # No version, no write: the page must name the one it showed (core.forms.VersionedForm).
        done = form.is_valid() and run_service(
            form,
            lambda: self.submit(
                report=report, expected_version=form.cleaned_data["version"], by=request.user
            ),
        )
        if done:
            messages.success(request, self.submitted)
        else:
            form_errors_to_messages(request, form)
        return redirect(report)
