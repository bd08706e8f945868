"""Remediation plans, their items, submissions (versions), appraisals, progress and evidence."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Unit, WorkingGroup
from kiemdiem.org.scoping import ScopedQuerySet
from kiemdiem.reviews.models import Finding, Review, ReviewCycle


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Chờ thẩm định")
    RETURNED = "returned", _("Bị trả lại, chuẩn bị lại")
    ACCEPTED = "accepted", _("Đạt yêu cầu, chờ tập thể quyết định")
    ADOPTED = "adopted", _("Đã ban hành")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Báo cáo hoàn thành")
    VERIFIED = "verified", _("Đã xác nhận hoàn thành")
    CANCELLED = "cancelled", _("Đã hủy")
    REPLACED = "replaced", _("Đã thay thế")


# The "open item" states: not yet reported done. The overdue rule counts only these.
ITEM_OPEN = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})
# Items that no longer count: cancelled or replaced by another.
ITEM_DEAD = frozenset({ActionStatus.CANCELLED, ActionStatus.REPLACED})


def items_overdue_q(day: datetime.date, prefix: str = "") -> Q:
    """The overdue rule, in SQL: an open item whose deadline is before `day`."""
    return Q(**{f"{prefix}due_date__lt": day, f"{prefix}status__in": ITEM_OPEN})


class ReturnGround(models.TextChoices):
    NOT_FEASIBLE = "not_feasible", _("Không khả thi")
    NO_RESOLVE = "no_resolve", _("Không thể hiện quyết tâm chính trị")
    NO_RESPONSIBLE = "no_responsible", _("Không nêu rõ tổ chức, cá nhân chịu trách nhiệm")
    NO_DEADLINE = "no_deadline", _("Không có mốc thời gian hoàn thành")


def _kept_author() -> models.ForeignKey:
    """The author of the latest submission (plan) or "done" report (item), kept beside its time
    by the services: not edited in a form, not indexed (read with the row)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )


class RemediationPlan(BaseModel):
    """The plan of a reviewed collective or person to remedy the shortcomings of its review."""

    SCOPE_VIA = "unit"

    review = models.OneToOneField(
        Review, verbose_name=_("bản kiểm điểm"), on_delete=models.PROTECT, related_name="plan"
    )
    # Denormalized from the review for scoping and dashboards.
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="plans"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="plans"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    due_date = models.DateField(_("hạn nộp"))
    first_submitted_at = models.DateTimeField(_("nộp lần đầu lúc"), null=True, blank=True)
    # The day the first submission took effect: on time or late is judged on it.
    first_submitted_on = models.DateField(_("nộp lần đầu ngày"), null=True, blank=True)
    # The time of the latest submission (PlanSubmission.submitted_at of the highest number),
    # kept by plan_submit in the same transaction: the appraisal queue sorts by it through
    # remediation_plan_waiting_idx instead of looking up each waiting plan's submissions.
    # Migration 0009 filled it for the plans then submitted only (NULL on older plans of
    # other states until their next submission: no page reads it there).
    last_submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who made that submission (PlanSubmission.submitted_by), beside it: the appraisal queue
    # leaves out a plan its reader submitted last without a lookup per plan.
    last_submitted_by = _kept_author()
    decision_date = models.DateField(_("ngày tập thể quyết định"), null=True, blank=True)
    decision_ref = models.CharField(_("nghị quyết, quyết định"), max_length=120, blank=True)
    # Set by the overdue sweep when the due date passes with no submission (dashboard counts).
    missing_flagged = models.BooleanField(default=False, editable=False)
    # Everyone who ever wrote an item of the plan (added, edited, removed one): none of them may
    # appraise it (separation of duties), even after their item is gone.
    preparers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn nội dung"),
        related_name="+",
        blank=True,
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("kế hoạch khắc phục")
        verbose_name_plural = _("kế hoạch khắc phục")
        ordering = ["unit__path", "person__sort_key"]
        indexes = [
            models.Index(fields=["cycle", "status"], name="remediation_plan_status_idx"),
            # a unit's plans: the plan list walks units in path order (issue 17)
            models.Index(fields=["unit", "cycle"], name="remediation_plan_unit_idx"),
            # "waiting for appraisal, the longest first" (the appraisal queue) read in order
            models.Index(
                fields=["last_submitted_at", "id"],
                condition=Q(status=PlanStatus.SUBMITTED),
                name="remediation_plan_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("Kế hoạch khắc phục của %(s)s") % {"s": self.review.subject_label}

    def get_absolute_url(self) -> str:
        return reverse("remediation:plan-detail", args=[self.pk])

    def review_sharing_rows(self) -> Review:
        """The plan's review, given the plan's unit and person where they are the same rows and
        the plan has them loaded: the permission checks (can_edit_review) and the label read
        them from the review, which would otherwise query each again."""
        review = self.review
        for field in ("unit", "person"):
            ours = getattr(self, f"{field}_id")
            if (
                ours is not None
                and getattr(review, f"{field}_id") == ours
                and getattr(RemediationPlan, field).is_cached(self)
                and not getattr(Review, field).is_cached(review)
            ):
                setattr(review, field, getattr(self, field))
        return review

    @property
    def is_late(self) -> bool:
        """First submitted after its due date (or not yet, and the due date has passed)."""
        return self.late(self.first_submitted_on, self.due_date)

    @staticmethod
    def late(
        first_submitted_on: datetime.date | None,
        due_date: datetime.date,
        today: datetime.date | None = None,
    ) -> bool:
        """is_late from the two columns (the list's rows are tuples, not plans)."""
        return (first_submitted_on or today or timezone.localdate()) > due_date


class PlanRecipient(BaseModel):
    """A body the plan is sent to and that may appraise it (standing committee, working group)."""

    class Kind(models.TextChoices):
        STANDING_COMMITTEE = "standing_committee", _("Ban Thường vụ cấp ủy cấp trên")
        WORKING_GROUP = "working_group", _("Tổ công tác được phân công")

    plan = models.ForeignKey(RemediationPlan, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(_("nơi nhận"), max_length=20, choices=Kind.choices)
    # The committee whose standing committee (its office, standing posts, and the committee
    # members assigned to the plan's unit) appraises on this recipient's behalf; for a working
    # group, the committee that set it up (its members appraise).
    unit = models.ForeignKey(
        Unit, verbose_name=_("cấp ủy nhận"), on_delete=models.PROTECT, related_name="+"
    )
    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_recipients",
    )
    working_group_ref = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("nơi nhận kế hoạch")
        verbose_name_plural = _("nơi nhận kế hoạch")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "unit"],
                condition=Q(working_group__isnull=True),
                name="remediation_recipient_unique",
            ),
            models.UniqueConstraint(
                fields=["plan", "working_group"],
                condition=Q(working_group__isnull=False),
                name="remediation_recipient_group_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind="working_group", working_group__isnull=False)
                | (~Q(kind="working_group") & Q(working_group__isnull=True)),
                name="remediation_recipient_group_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.working_group_id:
            return f"{self.get_kind_display()} — {self.working_group}"
        return f"{self.get_kind_display()} — {self.unit}"


class PlanAction(BaseModel):
    """One item of a plan: what will be done, who is responsible, by when, for which findings."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.PROTECT, related_name="actions")
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    content = models.TextField(_("nội dung khắc phục"), blank=True)
    findings = models.ManyToManyField(
        Finding,
        verbose_name=_("hạn chế, khuyết điểm được khắc phục"),
        related_name="actions",
        blank=True,
    )
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("tổ chức chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_actions",
    )
    responsible_person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_actions",
    )
    due_date = models.DateField(_("thời hạn hoàn thành"), null=True, blank=True)
    expected_result = models.TextField(_("kết quả dự kiến"), blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    percent = models.PositiveSmallIntegerField(_("mức độ hoàn thành (%)"), default=0)
    verified_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    # The day the verification took effect (report figures "as of a day" read it).
    verified_on = models.DateField(_("xác nhận ngày"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_reason = models.TextField(_("lý do hủy / thay thế"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("thay bằng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # Set by the overdue sweep when the deadline passes with the item still open (dashboard counts).
    overdue_flagged = models.BooleanField(default=False, editable=False)
    # The time of the latest "done" progress report (ProgressUpdate.reported_at), kept by
    # action_record_progress in the same transaction; a later "in progress" report or a
    # refused verification leaves it. Every arrow into "done" is such a report, so a done item
    # has it (the order needs no rule for NULLs). The verification queue sorts by it through
    # remediation_action_waiting_idx instead of looking up each waiting item's reports.
    # Migration 0009 filled it for the items then done only (as last_submitted_at).
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who made that report (ProgressUpdate.reported_by), beside it: the verification queue
    # leaves out an item its reader reported done without a lookup per item.
    done_by = _kept_author()

    class Meta:
        verbose_name = _("nội dung khắc phục")
        verbose_name_plural = _("nội dung khắc phục")
        ordering = ["plan", "position", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="remediation_action_due_idx"),
            # "reported done, waiting for verification, the oldest report first"
            models.Index(
                fields=["done_at", "id"],
                condition=Q(status=ActionStatus.DONE),
                name="remediation_action_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return (self.content or _("(chưa có nội dung)"))[:80]

    def get_absolute_url(self) -> str:
        return reverse("remediation:action-detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """The overdue rule (items_overdue_q) for one loaded item."""
        today = today or timezone.localdate()
        return self.due_date is not None and self.due_date < today and self.status in ITEM_OPEN


class PlanSubmission(models.Model):
    """A kept version of a plan as it was submitted (what the appraiser saw)."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField(_("lần nộp"))
    submitted_at = models.DateTimeField(_("nộp lúc"), auto_now_add=True)
    effective_on = models.DateField(_("ngày nộp"), default=timezone.localdate)
    note = models.TextField(_("ghi chú khi nộp"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(_("nội dung kế hoạch khi nộp"))

    class Meta:
        verbose_name = _("lần nộp kế hoạch")
        verbose_name_plural = _("các lần nộp kế hoạch")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="remediation_submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan} — lần {self.number}"


class Appraisal(models.Model):
    """The appraiser's decision on one submission: returned with grounds, or accepted."""

    class Decision(models.TextChoices):
        RETURNED = "returned", _("Trả lại, yêu cầu chuẩn bị lại")
        ACCEPTED = "accepted", _("Đạt yêu cầu")

    submission = models.OneToOneField(
        PlanSubmission, on_delete=models.PROTECT, related_name="appraisal"
    )
    decision = models.CharField(_("kết luận"), max_length=10, choices=Decision.choices)
    grounds = models.JSONField(_("lý do trả lại"), default=list, blank=True)
    remarks = models.TextField(_("nhận xét"), blank=True)
    recipient_kind = models.CharField(max_length=20, blank=True)
    # The working group the appraiser acted for (a recipient of kind "working group").
    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
    )
    decided_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    effective_on = models.DateField(_("ngày thẩm định"), default=timezone.localdate)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("thẩm định kế hoạch")
        verbose_name_plural = _("thẩm định kế hoạch")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} — {self.submission}"


class ProgressUpdate(models.Model):
    """A report of progress on an item, with optional evidence files."""

    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="updates")
    reported_at = models.DateTimeField(_("báo cáo lúc"), auto_now_add=True)
    effective_on = models.DateField(_("ngày báo cáo"), default=timezone.localdate)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("tình trạng"), max_length=12, choices=ActionStatus.choices)
    percent = models.PositiveSmallIntegerField(_("mức độ hoàn thành (%)"))
    narrative = models.TextField(_("kết quả thực hiện"))

    class Meta:
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        ordering = ["action", "-reported_at", "-id"]
        indexes = [
            # serves "who reported it done, when" (the verification queue, the home page's
            # "Chờ tôi xác nhận"): a covering lookup per item instead of reading and sorting
            # its rows; that query went from ~136–211 to ~61–75 ms for the administrator on
            # the SQLite province demo
            models.Index(
                fields=["action", "status", "-reported_at", "-id"],
                name="remediation_progress_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} — {self.percent}%"


def evidence_path(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A file proving progress (minutes, decision, report), stored by checksum."""

    # No foreign key constraint in the database: on PostgreSQL progress rows are partitioned by
    # year (primary key (id, reported_at)), which a constraint on the id alone cannot reference.
    # A trigger refuses evidence of a missing progress row instead (remediation/0008), and
    # progress rows are never deleted (a closed year's partition refuses it).
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.PROTECT,
        related_name="evidence",
        db_constraint=False,
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")

    def __str__(self) -> str:
        return self.original_name
