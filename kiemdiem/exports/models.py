"""Background exports of long lists to Excel: who asked for which list, progress, the file."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ xử lý")
    RUNNING = "running", _("Đang xuất")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Không xuất được")


class ExportJob(models.Model):
    """One list exported in the background (too long to write during the request).

    The job keeps the list's name (`kind`, see registry.py) and the filters it was asked with;
    the rows are read when the job runs, with the scope its owner has then.
    """

    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("danh sách"), max_length=60)
    params = models.JSONField(_("bộ lọc"), default=dict, blank=True)
    title = models.CharField(_("tên danh sách"), max_length=255)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_done = models.PositiveIntegerField(_("số dòng đã ghi"), default=0)
    file = models.FileField(_("tệp"), upload_to="exports/%Y/%m/", max_length=200, blank=True)
    filename = models.CharField(_("tên tệp"), max_length=120, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    # A runner that claims the job holds it until lease_until; an expired lease (the runner
    # died) lets the job be claimed again. `attempts` makes the claim a compare-and-set.
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    lease_until = models.DateTimeField(_("giữ đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt xuất danh sách")
        verbose_name_plural = _("lượt xuất danh sách")
        ordering = ["-created_at", "-id"]
        indexes = [
            # serves the runner's claim: pending jobs and expired leases
            models.Index(fields=["status", "lease_until"], name="exports_job_claim_idx"),
            # serves "Tệp xuất của tôi"
            models.Index(fields=["created_by", "-created_at"], name="exports_job_owner_idx"),
        ]

    def __str__(self) -> str:
        return _("Xuất “%(title)s” (số %(id)s)") % {"title": self.title, "id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("exports:job-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ExportStatus.DONE else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
