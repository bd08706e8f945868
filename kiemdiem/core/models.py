"""Shared model bases and the append-only audit trail."""

import functools

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@functools.lru_cache(maxsize=1024)
def _choice_labels(field: models.Field, language: str | None) -> dict:
    """A field's choices as {value: translated label}, once per field and language."""
    return {value: str(label) for value, label in field.flatchoices}


class FastChoicesModel(models.Model):
    """`get_<field>_display` from a cached table of the field's labels.

    Django rebuilds the choices' dict on every call, hashing each lazy label (a translation
    lookup each): ~30 µs a call, and a list page calls it for every row and column (the cycle
    page: ~100 calls, ~4 ms). Same result: the label of the value, or the value itself.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return _choice_labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)


class BaseModel(FastChoicesModel):
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


class AuditEvent(FastChoicesModel):
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
            # the trail's own order (the audit page, newest first): a bulk write (cycle opening,
            # import) stamps all its rows with one `at`, and with `at` alone the page sorted the
            # whole newest group by id (81,680 rows probed for a 50-row page, national set)
            models.Index(fields=["-at", "-id"], name="core_audit_order_idx"),
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


class NotificationKind(models.TextChoices):
    PLAN_SUBMITTED = "plan_submitted", _("Kế hoạch gửi đến, chờ thẩm định")
    PLAN_RETURNED = "plan_returned", _("Kế hoạch bị trả lại")
    PLAN_ACCEPTED = "plan_accepted", _("Kế hoạch đạt yêu cầu")
    PLAN_DUE = "plan_due", _("Kế hoạch khắc phục sắp đến hạn nộp")
    ITEM_OVERDUE = "item_overdue", _("Nội dung khắc phục quá hạn")
    ASSESSMENT_RECEIVED = "assessment_received", _("Nhận báo cáo nhận xét của tổ công tác")
    ASSESSMENT_ACKNOWLEDGED = "assessment_ack", _("Đơn vị đã xác nhận báo cáo nhận xét")
    ASSESSMENT_DUE = "assessment_due", _("Báo cáo nhận xét sắp đến hạn, quá hạn")
    GROUP_REPORT_RECEIVED = "group_report", _("Nhận báo cáo hoạt động của tổ công tác")
    TASK_ASSIGNED = "task_assigned", _("Được giao nhiệm vụ")
    TASK_DUE = "task_due", _("Nhiệm vụ sắp đến hạn")
    TASK_OVERDUE = "task_overdue", _("Nhiệm vụ quá hạn")
    TASK_REPORTED = "task_reported", _("Nhiệm vụ báo cáo hoàn thành, chờ xác nhận")


class MailState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi thư")
    SENDING = "sending", _("Đang gửi thư")
    SENT = "sent", _("Đã gửi thư")
    SKIPPED = "skipped", _("Không gửi thư")


class Notification(models.Model):
    """Something that concerns one person (a plan returned, an assessment received, a task
    assigned, a deadline near or passed): listed under the bell and, unless the person turned
    e-mail off, mailed once. The key names the event; one row per person and key, so an event
    is never notified, or mailed, twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("loại thông báo"), max_length=20, choices=NotificationKind.choices)
    # e.g. "plan_returned:appraisal=12" or, for reminders, "plan_due:plan=12:due=2026-02-15:user=3"
    # (a new deadline gives a new key, so a moved deadline is reminded again).
    key = models.CharField(max_length=200)
    text = models.CharField(_("nội dung"), max_length=500)
    url = models.CharField(_("đường dẫn"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    mail_state = models.CharField(
        _("thư điện tử"), max_length=10, choices=MailState.choices, default=MailState.PENDING
    )
    # The sender that claimed the row (pending → sending), so two senders never mail it twice.
    mail_claim = models.CharField(max_length=40, blank=True)
    mail_claimed_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(_("gửi thư lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_notification_once"),
        ]
        indexes = [
            # serves the bell (unread count) and the list page
            models.Index(fields=["user", "read_at"], name="core_notification_unread_idx"),
            # serves the mail sender: only the rows still to mail
            models.Index(
                fields=["mail_state"],
                name="core_notification_mail_idx",
                condition=models.Q(mail_state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class NotificationSettings(models.Model):
    """A person's choice about notifications: whether they also come by e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    email_enabled = models.BooleanField(_("nhận thông báo qua thư điện tử"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("cài đặt thông báo")
        verbose_name_plural = _("cài đặt thông báo")

    def __str__(self) -> str:
        return f"{self.user}: {'thư' if self.email_enabled else 'không thư'}"


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
    # Deliveries so far: after the queue's last one, a failure ends the job (core.tasks.run_job).
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)

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
