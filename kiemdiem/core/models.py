"""Shared model bases and the append-only audit trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Timestamps and an optimistic-lock version for every domain object."""

    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Incremented by every service write; a write that carries an older version is refused.
    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Tạo mới")
    UPDATE = "update", _("Cập nhật")
    DELETE = "delete", _("Xóa")
    TRANSITION = "transition", _("Chuyển trạng thái")
    MOVE = "move", _("Chuyển đơn vị cấp trên")
    LOGIN = "login", _("Đăng nhập")
    # A read of a sensitive record (a discipline case, a person's confidence-vote result): who
    # opened it, where (page, list, export, API), kept like any change.
    READ = "read", _("Xem hồ sơ")


class AuditEventQuerySet(models.QuerySet):
    """Refuses every way the ORM has to change or remove rows, the private ones included
    (`_update` is what Model.save uses for an UPDATE, `_raw_delete` skips signals)."""

    def update(self, **kwargs):
        raise AuditImmutable()

    def _update(self, values):
        raise AuditImmutable()

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditImmutable()

    def delete(self):
        raise AuditImmutable()

    def _raw_delete(self, using):
        raise AuditImmutable()


class AuditImmutable(Exception):
    """Raised when code tries to change or delete an audit row."""

    def __init__(self) -> None:
        super().__init__("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa hoặc xóa.")


class AuditEvent(models.Model):
    """One recorded change of a domain object: who, when, what, before/after, why. Append-only."""

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("hành động"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("loại đối tượng"), max_length=60)
    object_id = models.CharField(_("mã đối tượng"), max_length=40)
    object_repr = models.CharField(_("đối tượng"), max_length=300)
    # Path of the unit the object belonged to when the row was written (kept as written: rows are
    # append-only, so a later move of the unit does not rewrite it).
    unit_path = models.CharField(_("đường dẫn đơn vị"), max_length=255, blank=True, db_index=True)
    # Id of that unit (the last segment of unit_path). Scoping, the unit filter and the history
    # panels resolve it through the current tree, so a moved unit keeps its rows.
    unit_ref = models.BigIntegerField(_("đơn vị liên quan"), null=True, blank=True)
    person_id_ref = models.BigIntegerField(_("đảng viên liên quan"), null=True, blank=True)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    # The day the recorded event took effect, when it was recorded later (a past campaign
    # entered from paper records); empty for events that took effect when recorded.
    effective_on = models.DateField(_("ngày có hiệu lực"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-at", "-id"]
        # Related lookups and deletions use this manager too, so `_base_manager` refuses as well.
        base_manager_name = "objects"
        indexes = [
            # serves object history pages
            models.Index(fields=["object_type", "object_id", "-at"], name="core_audit_object_idx"),
            models.Index(fields=["person_id_ref", "-at"], name="core_audit_person_idx"),
            # serves unit history panels, audit scoping and the unit filter (unit_ref IN subtree)
            models.Index(fields=["unit_ref", "-at"], name="core_audit_unit_idx"),
            # the rows without a unit (a person before any cell, bulk rows), for the same filters
            models.Index(
                fields=["-at"], name="core_audit_nounit_idx", condition=models.Q(unit_ref=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable()

    @property
    def backdated(self) -> bool:
        """Recorded after the day it took effect."""
        return self.effective_on is not None and self.effective_on < timezone.localdate(self.at)


class SummaryDelta(models.Model):
    """A change of the campaign figures of one unit in one cycle, appended in the user's
    transaction by `core.lifecycle` (and the bulk writers); the dashboard's background merge
    folds it into its summaries and deletes it."""

    cycle_id_ref = models.BigIntegerField()
    unit_path = models.CharField(max_length=255)
    changes = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the dashboard app owned the model.
        db_table = "dashboard_summarydelta"
        verbose_name = _("thay đổi số liệu chờ tổng hợp")
        verbose_name_plural = _("thay đổi số liệu chờ tổng hợp")
        indexes = [
            # serves the dashboard's "pending changes in this subtree" count
            models.Index(
                fields=["cycle_id_ref", "unit_path"],
                name="dashboard_delta_path_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id_ref}/{self.unit_path}: {self.changes}"


class AuditSeal(models.Model):
    """One link of the audit trail's hash chain (core/audit_chain.py): the SHA-256 of the
    previous link's hash and of one audit row as it was when sealed. Append-only, like the rows.
    """

    seq = models.BigAutoField(primary_key=True)
    # No foreign key: a deleted audit row must leave its seal behind, for verify_audit to find.
    event_id = models.BigIntegerField(_("bản ghi nhật ký"), unique=True)
    hash = models.CharField(_("mã băm"), max_length=64)
    sealed_at = models.DateTimeField(_("niêm phong lúc"), auto_now_add=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dấu niêm phong nhật ký")
        verbose_name_plural = _("dấu niêm phong nhật ký")
        ordering = ["seq"]
        base_manager_name = "objects"

    def __str__(self) -> str:
        return _("Dấu niêm phong số %(seq)s") % {"seq": self.seq}

    def save(self, *args, **kwargs):
        if self._state.adding is False:
            raise AuditImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable()


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """A user sees the jobs they started; administrators see every job."""
        return self if user.is_superuser else self.filter(created_by=user)


class Job(models.Model):
    """A task queued for a user (core.tasks.enqueue_job), with its progress and its result: the
    job page polls it. The task queue itself keeps no owner; this row does."""

    task_id = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("công việc"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    # Where the user goes when it is done (the object it worked on).
    url = models.CharField(max_length=300, blank=True)
    stage = models.CharField(_("bước"), max_length=120, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    ok = models.BooleanField(_("thành công"), null=True)
    result = models.TextField(_("kết quả"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("công việc nền")
        verbose_name_plural = _("công việc nền")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("job-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0
