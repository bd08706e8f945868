"""Import jobs: the uploaded files, the dry-run report and the progress of the current step."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.transfer.states import ACTIVE, ImportStatus


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ImportJobQuerySet":
        """A user sees the jobs they started; administrators see every job."""
        return self.started_by(whose_jobs(user))

    def started_by(self, user_id: int | None) -> "ImportJobQuerySet":
        """The jobs the user `user_id` started; every job for None (`whose_jobs`)."""
        return self if user_id is None else self.filter(created_by_id=user_id)


def whose_jobs(user) -> int | None:
    """The jobs `user` sees: those they started (their id), every job (None) for an
    administrator. A value, so a read of them can be compiled once (transfer.views)."""
    return None if user.is_superuser else user.pk


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


class RecordImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RecordImportQuerySet":
        """A user sees the imports they started; administrators see every one."""
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class RecordImport(models.Model):
    """One workbook of discipline decisions or confidence-vote results: its dry run and, once
    the dry run is clean, the real run (every row through the same services as the pages)."""

    class Kind(models.TextChoices):
        DISCIPLINE = "discipline", _("Quyết định kỷ luật")
        CONFIDENCE = "confidence", _("Kết quả lấy phiếu tín nhiệm")
        RATING = "rating", _("Kết quả xếp loại chất lượng các năm trước")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Đang chạy thử")
        CHECKED = "checked", _("Đã chạy thử")
        IMPORTING = "importing", _("Đang nhập")
        IMPORTED = "imported", _("Đã nhập")

    kind = models.CharField(_("loại dữ liệu"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("tệp"), max_length=255)
    file_path = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.CHECKING
    )
    # The background job of the step under way (core.Job), for its page.
    job_id_ref = models.BigIntegerField(null=True, blank=True)
    # {"create": n, "exists": n, "reject": n}
    counts = models.JSONField(_("số liệu"), default=dict)
    # {"problems": [...], "rows": [[row, action, message], ...]}
    report = models.JSONField(_("kết quả"), default=dict)
    imported_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)

    objects = RecordImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt nhập hồ sơ kỷ luật, lấy phiếu")
        verbose_name_plural = _("lượt nhập hồ sơ kỷ luật, lấy phiếu")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("Lượt nhập %(k)s số %(id)s (%(f)s)") % {
            "k": self.get_kind_display().lower(),
            "id": self.pk,
            "f": self.file_name,
        }

    def get_absolute_url(self) -> str:
        return reverse("transfer:records-detail", args=[self.pk])

    @property
    def clean(self) -> bool:
        return not self.report.get("problems") and not self.counts.get("reject")

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
