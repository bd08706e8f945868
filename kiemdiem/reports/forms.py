"""Forms of the periodic remediation reports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import StyledForm, VersionedForm
from kiemdiem.reports.models import PeriodicReport


class ReportForm(VersionedForm):
    narrative = forms.CharField(
        label=_("Đánh giá, nhận xét việc khắc phục trong kỳ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Kết quả nổi bật, nội dung chưa khắc phục và nguyên nhân, khó khăn, kiến nghị, "
            "phương hướng kỳ tới."
        ),
    )
    refresh = forms.BooleanField(
        label=_("Cập nhật lại số liệu từ dữ liệu hiện tại"), required=False
    )


def report_initial(report: PeriodicReport) -> dict:
    return {"narrative": report.narrative, "version": report.version}


class ReportSubmitForm(VersionedForm):
    """Send the report to the parent committee (carries the version seen on the page)."""


class ReportCreateForm(StyledForm):
    """Start the report of a unit for a period (nothing to fill: the figures are pre-filled)."""
