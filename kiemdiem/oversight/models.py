"""Oversight records: a working group's work programme and activities, the assessments it sends
the committee about each unit it oversees, its own activity reports; a committee's
implementation plans for a directive (draft and comments, tasks, dissemination conferences,
reports on the tasks)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Unit, WorkingGroup
from kiemdiem.remediation.models import PlanAction
from kiemdiem.reports.models import PeriodKind, ReportPeriod

# --- work programme ----------------------------------------------------------------------------


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    AGREED = "agreed", _("Đã thống nhất với đơn vị")
    CLOSED = "closed", _("Đã kết thúc")


class WorkProgramme(BaseModel):
    """A working group's programme of work up to an end date (the end of the term, say), agreed
    with the leaders of the units it oversees."""

    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    title = models.CharField(_("tên chương trình"), max_length=255)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ProgrammeStatus.choices,
        default=ProgrammeStatus.DRAFT,
    )
    agreed_on = models.DateField(_("ngày thống nhất với đơn vị"), null=True, blank=True)
    agreed_with = models.TextField(_("đã trao đổi, thống nhất với"), blank=True)
    note = models.TextField(_("nội dung chương trình"), blank=True)

    class Meta:
        verbose_name = _("chương trình làm việc")
        verbose_name_plural = _("chương trình làm việc")
        ordering = ["group", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="oversight_programme_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("oversight:programme-detail", args=[self.pk])


class ActivityKind(models.TextChoices):
    REVIEW_MEETING = "review_meeting", _("Dự hội nghị kiểm điểm")
    PLAN_MEETING = "plan_meeting", _("Dự họp lãnh đạo xây dựng kế hoạch khắc phục")
    INSPECTION = "inspection", _("Kiểm tra, giám sát việc khắc phục")
    URGING = "urging", _("Đôn đốc")
    WORKING_SESSION = "working_session", _("Làm việc với đơn vị")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Dự kiến")
    DONE = "done", _("Đã thực hiện")
    CANCELLED = "cancelled", _("Đã hủy")


class Activity(BaseModel):
    """A planned activity of a programme at one unit, and what came of it (minutes, remarks,
    follow-ups)."""

    SCOPE_VIA = "unit"

    programme = models.ForeignKey(
        WorkProgramme,
        verbose_name=_("chương trình làm việc"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("hoạt động"), max_length=20, choices=ActivityKind.choices)
    planned_on = models.DateField(_("ngày dự kiến"))
    status = models.CharField(
        _("tình trạng"),
        max_length=10,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED,
    )
    held_on = models.DateField(_("ngày thực hiện"), null=True, blank=True)
    minutes = models.TextField(_("biên bản"), blank=True)
    remarks = models.TextField(_("nhận xét, kết luận"), blank=True)
    closing_reason = models.TextField(_("lý do hủy"), blank=True)

    class Meta:
        verbose_name = _("hoạt động của tổ công tác")
        verbose_name_plural = _("hoạt động của tổ công tác")
        ordering = ["programme", "planned_on", "pk"]
        indexes = [models.Index(fields=["unit", "planned_on"], name="oversight_activity_unit_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.unit} ({self.planned_on:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("oversight:activity-detail", args=[self.pk])


class Followup(models.Model):
    """What an activity asked the unit to remedy: an item added to the unit's plan (and, when
    the activity found a new shortcoming, the finding it remedies), tracked like every item."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("hoạt động"), on_delete=models.PROTECT, related_name="followups"
    )
    action = models.OneToOneField(
        PlanAction,
        verbose_name=_("nội dung khắc phục được bổ sung"),
        on_delete=models.PROTECT,
        related_name="followup",
    )
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("kiến nghị sau hoạt động")
        verbose_name_plural = _("kiến nghị sau hoạt động")
        ordering = ["activity", "pk"]

    def __str__(self) -> str:
        return str(self.action)


# --- assessments and reports ---------------------------------------------------------------


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi Ban Thường vụ, thông báo đơn vị")
    ACKNOWLEDGED = "acknowledged", _("Đơn vị đã nhận, xác nhận")


class Assessment(BaseModel):
    """The remarks of a working group (or a committee member assigned in person) on one unit's
    remediation for a 6-month or yearly period: sent to the standing committee and notified to
    the unit, which reads and acknowledges it. Pre-filled with the unit's figures as of the
    period's end."""

    SCOPE_VIA = "unit"

    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cấp ủy viên phụ trách"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_assessments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="assessments"
    )
    period = models.ForeignKey(
        ReportPeriod,
        verbose_name=_("kỳ báo cáo"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=14,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    figures = models.JSONField(_("số liệu"), default=dict)
    figures_as_of = models.DateField(_("số liệu tính đến ngày"), null=True, blank=True)
    remarks = models.TextField(_("nhận xét, đánh giá"), blank=True)
    recommendations = models.TextField(_("kiến nghị, đề xuất"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_on = models.DateField(_("ngày gửi"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("đơn vị xác nhận lúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response = models.TextField(_("ý kiến của đơn vị"), blank=True)

    class Meta:
        verbose_name = _("báo cáo nhận xét")
        verbose_name_plural = _("báo cáo nhận xét")
        ordering = ["-period__ends_on", "unit__path", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True, person__isnull=False)
                | Q(group__isnull=False, person__isnull=True),
                name="oversight_assessment_group_or_person",
            ),
            models.UniqueConstraint(
                fields=["group", "unit", "period"],
                condition=Q(group__isnull=False),
                name="oversight_assessment_once_per_group",
            ),
            models.UniqueConstraint(
                fields=["person", "unit", "period"],
                condition=Q(person__isnull=False),
                name="oversight_assessment_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return _("Nhận xét %(p)s — %(u)s") % {"p": self.period.label, "u": self.unit}

    def get_absolute_url(self) -> str:
        return reverse("oversight:assessment-detail", args=[self.pk])

    @property
    def author_label(self) -> str:
        return str(self.group or self.person)

    @property
    def is_late(self) -> bool:
        from django.utils import timezone

        day = self.submitted_on or timezone.localdate()
        return day > self.period.due_on


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi")


class HalfYearReport(BaseModel):
    """What a 6-monthly or yearly report of a group's work or of a plan's tasks has: its
    period (01/01–30/06 or the whole year, `periods.half_year_bounds`), the figures pre-filled
    for it, the narrative, and when it was sent."""

    kind = models.CharField(_("loại"), max_length=12, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    due_on = models.DateField(_("hạn gửi"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    figures = models.JSONField(_("số liệu"), default=dict)
    narrative = models.TextField(_("tình hình, kết quả, đánh giá"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    submitted_on = models.DateField(_("ngày gửi"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_late(self) -> bool:
        from django.utils import timezone

        return (self.submitted_on or timezone.localdate()) > self.due_on


class GroupReport(HalfYearReport):
    """A working group's report on its own work for a half-year or a year, sent to the standing
    committee through the committee's office."""

    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        on_delete=models.PROTECT,
        related_name="reports",
    )

    class Meta:
        verbose_name = _("báo cáo hoạt động của tổ công tác")
        verbose_name_plural = _("báo cáo hoạt động của tổ công tác")
        ordering = ["group", "-ends_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year", "kind"], name="oversight_group_report_once"
            )
        ]

    def __str__(self) -> str:
        return _("Báo cáo hoạt động %(k)s %(y)s — %(g)s") % {
            "k": self.get_kind_display().lower().replace("báo cáo ", ""),
            "y": self.year,
            "g": self.group,
        }

    def get_absolute_url(self) -> str:
        return reverse("oversight:group-report-detail", args=[self.pk])


# --- implementation plans for a directive ------------------------------------------------------


class DirectivePlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo, lấy ý kiến")
    ADOPTED = "adopted", _("Đã ban hành")
    CLOSED = "closed", _("Đã tổng kết")


class ImplementationPlan(BaseModel):
    """A committee's plan to carry out a resolution or directive of a higher level (e.g.
    Kế hoạch 16-KH/TU on Nghị quyết 12-NQ/TW): drafted, commented on, adopted; its tasks go to
    the advisory boards and other bodies and are tracked until done."""

    committee = models.ForeignKey(
        Unit,
        verbose_name=_("cấp ủy ban hành"),
        on_delete=models.PROTECT,
        related_name="implementation_plans",
    )
    title = models.CharField(_("trích yếu"), max_length=300)
    directive = models.CharField(
        _("nghị quyết, chỉ thị được thực hiện"),
        max_length=300,
        help_text=_("Ví dụ: Nghị quyết số 12-NQ/TW ngày 16/01/2012 của Ban Chấp hành Trung ương"),
    )
    number = models.CharField(_("số, ký hiệu kế hoạch"), max_length=60, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=DirectivePlanStatus.choices,
        default=DirectivePlanStatus.DRAFT,
    )
    objectives = models.TextField(_("mục đích, yêu cầu"), blank=True)

    class Meta:
        verbose_name = _("kế hoạch thực hiện nghị quyết, chỉ thị")
        verbose_name_plural = _("kế hoạch thực hiện nghị quyết, chỉ thị")
        ordering = ["committee__path", "-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("oversight:implementation-detail", args=[self.pk])


class DraftVersion(models.Model):
    """A version of the plan's draft text (the first draft, each revision after comments)."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="drafts")
    number = models.PositiveIntegerField(_("dự thảo lần"))
    text = models.TextField(_("nội dung dự thảo"))
    note = models.TextField(_("những điểm tiếp thu, chỉnh sửa"), blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("dự thảo kế hoạch")
        verbose_name_plural = _("dự thảo kế hoạch")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="oversight_draft_unique")
        ]

    def __str__(self) -> str:
        return _("Dự thảo lần %(n)s") % {"n": self.number}


class CommentDecision(models.TextChoices):
    PENDING = "pending", _("Chưa xem xét")
    ACCEPTED = "accepted", _("Tiếp thu")
    PARTLY = "partly", _("Tiếp thu một phần")
    NOT_ACCEPTED = "not_accepted", _("Không tiếp thu (có giải trình)")


class DraftComment(BaseModel):
    """A comment on a draft: from whom, what, and whether the drafters took it in."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="comments")
    draft = models.ForeignKey(
        DraftVersion,
        verbose_name=_("góp ý vào dự thảo"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    author = models.CharField(_("người, đơn vị góp ý"), max_length=200)
    author_unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị góp ý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("ngày nhận"))
    channel = models.CharField(
        _("hình thức"),
        max_length=200,
        blank=True,
        help_text=_("Ví dụ: tại hội nghị cán bộ chủ chốt, bằng văn bản"),
    )
    text = models.TextField(_("nội dung góp ý"))
    decision = models.CharField(
        _("tiếp thu"),
        max_length=14,
        choices=CommentDecision.choices,
        default=CommentDecision.PENDING,
    )
    response = models.TextField(_("giải trình, tiếp thu"), blank=True)

    class Meta:
        verbose_name = _("ý kiến góp ý dự thảo")
        verbose_name_plural = _("ý kiến góp ý dự thảo")
        ordering = ["plan", "received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:60]}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Báo cáo hoàn thành")
    VERIFIED = "verified", _("Đã xác nhận hoàn thành")
    CANCELLED = "cancelled", _("Đã hủy")


TASK_OPEN = frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS})


class DirectiveTask(BaseModel):
    """A task of an implementation plan: what, the lead body and its coordinating bodies, the
    deadline; tracked like a remediation item (progress with evidence, overdue, verified)."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="tasks")
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    content = models.TextField(_("nội dung nhiệm vụ"))
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cơ quan chủ trì"),
        on_delete=models.PROTECT,
        related_name="lead_directive_tasks",
    )
    coordinating_units = models.ManyToManyField(
        Unit,
        verbose_name=_("cơ quan phối hợp"),
        related_name="coordinating_directive_tasks",
        blank=True,
    )
    due_date = models.DateField(_("thời hạn hoàn thành"))
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    percent = models.PositiveSmallIntegerField(_("mức độ hoàn thành (%)"), default=0)
    verified_on = models.DateField(_("xác nhận ngày"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_reason = models.TextField(_("lý do hủy"), blank=True)

    class Meta:
        verbose_name = _("nhiệm vụ thực hiện kế hoạch")
        verbose_name_plural = _("nhiệm vụ thực hiện kế hoạch")
        ordering = ["plan", "position", "pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="oversight_task_due_idx")]

    def __str__(self) -> str:
        return self.content[:80]

    def get_absolute_url(self) -> str:
        return reverse("oversight:task-detail", args=[self.pk])

    def is_overdue(self, today=None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.due_date < today and self.status in TASK_OPEN


class TaskProgress(models.Model):
    """A report of progress on a task, with optional evidence files."""

    task = models.ForeignKey(DirectiveTask, on_delete=models.PROTECT, related_name="updates")
    reported_at = models.DateTimeField(_("báo cáo lúc"), auto_now_add=True)
    effective_on = models.DateField(_("ngày báo cáo"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("tình trạng"), max_length=12, choices=TaskStatus.choices)
    percent = models.PositiveSmallIntegerField(_("mức độ hoàn thành (%)"))
    narrative = models.TextField(_("kết quả thực hiện"))

    class Meta:
        verbose_name = _("báo cáo tiến độ nhiệm vụ")
        verbose_name_plural = _("báo cáo tiến độ nhiệm vụ")
        ordering = ["task", "-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task} — {self.percent}%"


def task_evidence_path(instance: "TaskEvidence", filename: str) -> str:
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class TaskEvidence(models.Model):
    """A file proving progress on a task, stored by checksum (as plan evidence is)."""

    update = models.ForeignKey(TaskProgress, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("tệp"), upload_to=task_evidence_path, max_length=200)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("minh chứng nhiệm vụ")
        verbose_name_plural = _("minh chứng nhiệm vụ")

    def __str__(self) -> str:
        return self.original_name


class ConferenceLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã, phường, đặc khu (cấp huyện trước 01/7/2025)")
    GRASSROOTS = "grassroots", _("Cấp cơ sở")


class DisseminationConference(BaseModel):
    """A conference held to disseminate the directive and the plan, at one level."""

    plan = models.ForeignKey(
        ImplementationPlan, on_delete=models.PROTECT, related_name="conferences"
    )
    level = models.CharField(_("cấp"), max_length=12, choices=ConferenceLevel.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị tổ chức"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("hội nghị"), max_length=255)
    held_on = models.DateField(_("ngày tổ chức"))
    days = models.PositiveSmallIntegerField(_("số ngày"), default=1)
    attendance = models.PositiveIntegerField(_("số người dự"), default=0)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("hội nghị quán triệt, triển khai")
        verbose_name_plural = _("hội nghị quán triệt, triển khai")
        ordering = ["plan", "held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class ImplementationReport(HalfYearReport):
    """The 6-monthly or yearly report on carrying out an implementation plan, with the tasks'
    figures as of the period's end."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.PROTECT, related_name="reports")

    class Meta:
        verbose_name = _("báo cáo kết quả thực hiện kế hoạch")
        verbose_name_plural = _("báo cáo kết quả thực hiện kế hoạch")
        ordering = ["plan", "-ends_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "kind"], name="oversight_implementation_report_once"
            )
        ]

    def __str__(self) -> str:
        return _("Báo cáo %(k)s %(y)s — %(p)s") % {
            "k": self.get_kind_display().lower().replace("báo cáo ", ""),
            "y": self.year,
            "p": self.plan,
        }

    def get_absolute_url(self) -> str:
        return reverse("oversight:implementation-report-detail", args=[self.pk])
