"""Import jobs: the uploaded files, the dry-run report and the progress of the current step."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.transfer.states import ACTIVE, ImportStatus


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """A user sees the jobs they started; administrators see every job."""
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """One import of the organization tree, people, memberships and positions from files."""

    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # [{"name": original file name, "path": storage name, "sha256": ..., "size": bytes}]
    files = models.JSONField(_("tệp"), default=list)
    # For CSV files: which table they hold ("" = recognised from the column headers).
    entity = models.CharField(_("bảng dữ liệu"), max_length=20, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(_("tổng số dòng"), default=0)
    rows_done = models.PositiveIntegerField(_("số dòng đã xử lý"), default=0)
    stage = models.CharField(_("bước"), max_length=120, blank=True)
    # {entity: {"create": n, "update": n, "unchanged": n, "reject": n}} of the last run or dry run.
    counts = models.JSONField(_("số liệu"), default=dict, blank=True)
    # {"problems": [...], "rows": [[entity, row, action, key, reasons, changes], ...], ...}
    report = models.JSONField(_("kết quả chạy thử"), default=dict, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    checked_at = models.DateTimeField(_("chạy thử lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)
    # Deliveries of the steps' tasks so far; a write carrying an older number is refused.
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    heartbeat_at = models.DateTimeField(_("tín hiệu gần nhất"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt nhập dữ liệu")
        verbose_name_plural = _("lượt nhập dữ liệu")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        names = ", ".join(f["name"] for f in self.files) or "—"
        return _("Lượt nhập số %(id)s (%(names)s)") % {"id": self.pk, "names": names}

    def get_absolute_url(self) -> str:
        return reverse("transfer:job-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def rejected(self) -> int:
        return sum(c.get("reject", 0) for c in self.counts.values()) + len(
            self.report.get("problems", [])
        )

    @property
    def changes(self) -> int:
        return sum(c.get("create", 0) + c.get("update", 0) for c in self.counts.values())

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
