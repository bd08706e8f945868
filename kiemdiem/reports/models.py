"""Report periods of a cycle (6-monthly and annual) and each unit's remediation report."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import ScopedQuerySet
from kiemdiem.reviews.models import ReviewCycle


class PeriodKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Báo cáo 6 tháng")
    YEAR = "year", _("Báo cáo năm")


class ReportPeriod(BaseModel):
    """A reporting period of a cycle: the first half of a year, or the whole year."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="report_periods")
    kind = models.CharField(_("loại"), max_length=12, choices=PeriodKind.choices)
    label = models.CharField(_("kỳ báo cáo"), max_length=60)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    due_on = models.DateField(_("hạn nộp"))

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["cycle", "ends_on"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "ends_on"], name="reports_period_unique")
        ]

    def __str__(self) -> str:
        return self.label


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi cấp trên")


class PeriodicReport(BaseModel):
    """A unit's separate report on its remediation for one period, sent to the parent committee."""

    SCOPE_VIA = "unit"

    period = models.ForeignKey(ReportPeriod, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="periodic_reports")
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # Figures as pre-filled from the data when the report was created or refreshed.
    figures = models.JSONField(_("số liệu"), default=dict)
    # The day the figures were computed at (the period's end, or the day they were filled in
    # while the period was still running).
    figures_as_of = models.DateField(_("số liệu tính đến ngày"), null=True, blank=True)
    narrative = models.TextField(_("đánh giá, nhận xét"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo khắc phục định kỳ")
        verbose_name_plural = _("báo cáo khắc phục định kỳ")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="reports_one_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.period.label} — {self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("reports:report-detail", args=[self.pk])
