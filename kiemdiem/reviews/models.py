"""Review cycles, self-reviews, shortcomings (findings) and review conferences."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.dates import vn_date
from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import ScopedQuerySet


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Đang chuẩn bị")
    OPEN = "open", _("Đang triển khai")
    CLOSED = "closed", _("Đã kết thúc")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Đã gửi hội nghị")
    DISCUSSED = "discussed", _("Đã thảo luận tại hội nghị")
    FINALIZED = "finalized", _("Đã hoàn chỉnh")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Chưa khắc phục")
    IN_PROGRESS = "in_progress", _("Đang khắc phục")
    RESOLVED = "resolved", _("Đã khắc phục")
    CARRIED_OVER = "carried_over", _("Chuyển sang kỳ sau")


class CycleKind(models.TextChoices):
    ANNUAL = "annual", _("Kiểm điểm hằng năm")
    THEMATIC = "thematic", _("Kiểm điểm chuyên đề")
    AD_HOC = "ad_hoc", _("Kiểm điểm khi cần thiết")


class ReviewCycle(BaseModel):
    """A review round opened by a directive for a unit's subtree (e.g. Công văn 493-CV/TU)."""

    SCOPE_VIA = "scope_unit"

    title = models.CharField(_("tên đợt kiểm điểm"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=CycleKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    directive_number = models.CharField(_("số, ký hiệu văn bản"), max_length=60)
    directive_date = models.DateField(_("ngày văn bản"))
    directive_issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    scope_unit = models.ForeignKey(
        Unit, verbose_name=_("phạm vi (đơn vị)"), on_delete=models.PROTECT, related_name="cycles"
    )
    # Unit kinds whose collectives take part; their members are reviewed individually.
    participating_kinds = models.JSONField(_("loại đơn vị tham gia"), default=list)
    include_individuals = models.BooleanField(_("kiểm điểm cả cá nhân đảng viên"), default=True)
    starts_on = models.DateField(_("bắt đầu"))
    self_review_due = models.DateField(_("hạn tự kiểm điểm"))
    conference_due = models.DateField(_("hạn tổ chức hội nghị"))
    plan_due = models.DateField(_("hạn nộp kế hoạch khắc phục"))
    horizon_end = models.DateField(_("thời hạn khắc phục đến"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.DRAFT
    )
    previous_cycle = models.ForeignKey(
        "self",
        verbose_name=_("đợt trước"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_cycles",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt kiểm điểm")
        verbose_name_plural = _("đợt kiểm điểm")
        ordering = ["-year", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_review_due__gte=models.F("starts_on"))
                & Q(conference_due__gte=models.F("self_review_due"))
                & Q(plan_due__gte=models.F("conference_due"))
                & Q(horizon_end__gt=models.F("plan_due")),
                name="reviews_cycle_dates_in_order",
                violation_error_message=_(
                    "Các mốc phải theo thứ tự: bắt đầu ≤ hạn tự kiểm điểm ≤ hạn hội nghị ≤ hạn nộp "
                    "kế hoạch < thời hạn khắc phục."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:cycle-detail", args=[self.pk])

    @property
    def directive_label(self) -> str:
        day = vn_date(self.directive_date)
        return f"{self.directive_number} ngày {day} của {self.directive_issuer}"


class SubjectKind(models.TextChoices):
    COLLECTIVE = "collective", _("Tập thể")
    INDIVIDUAL = "individual", _("Cá nhân")


class Review(BaseModel):
    """A self-review of a collective (unit leadership as a body) or of an individual in a cycle."""

    SCOPE_VIA = "unit"

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="reviews"
    )
    subject_kind = models.CharField(_("đối tượng"), max_length=12, choices=SubjectKind.choices)
    # The reviewed collective, or the unit where the individual is reviewed (their cell).
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="reviews"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    strengths = models.TextField(_("ưu điểm"), blank=True)
    shortcomings_summary = models.TextField(_("hạn chế, khuyết điểm (tóm tắt)"), blank=True)
    causes_objective = models.TextField(_("nguyên nhân khách quan"), blank=True)
    causes_subjective = models.TextField(_("nguyên nhân chủ quan"), blank=True)
    responsibility = models.TextField(_("trách nhiệm của tập thể, cá nhân"), blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("hoàn chỉnh lúc"), null=True, blank=True)
    # Set while the remediation plan answering this review is with the appraiser or accepted:
    # the appraiser judged its coverage of these shortcomings, so they may not change until the
    # plan is returned. Written by the plan's transitions (remediation), read here.
    findings_locked = models.BooleanField(_("hạn chế đã khóa theo kế hoạch"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bản kiểm điểm")
        verbose_name_plural = _("bản kiểm điểm")
        ordering = ["unit__path", "subject_kind", "person__sort_key"]
        # a unit's reviews of a cycle: the cycle page walks units in path order (issue 17)
        indexes = [models.Index(fields=["unit", "cycle"], name="reviews_review_unit_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "unit"],
                condition=Q(person__isnull=True),
                name="reviews_one_collective_review",
            ),
            models.UniqueConstraint(
                fields=["cycle", "unit", "person"],
                condition=Q(person__isnull=False),
                name="reviews_one_individual_review",
            ),
            models.CheckConstraint(
                condition=Q(subject_kind="collective", person__isnull=True)
                | Q(subject_kind="individual", person__isnull=False),
                name="reviews_subject_matches_person",
            ),
        ]

    def __str__(self) -> str:
        who = self.person.full_name if self.person_id else _("Tập thể %(u)s") % {"u": self.unit}
        return f"{who} — {self.cycle.year}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review-detail", args=[self.pk])

    @property
    def subject_label(self) -> str:
        return self.person.full_name if self.person_id else str(self.unit)


class FindingArea(models.TextChoices):
    LEADERSHIP = "leadership", _("Lãnh đạo, chỉ đạo")
    POLITICAL_IDEOLOGY = "political_ideology", _("Tư tưởng chính trị")
    ETHICS_LIFESTYLE = "ethics_lifestyle", _("Đạo đức, lối sống")
    WORKING_STYLE = "working_style", _("Tác phong, lề lối làm việc")
    PERSONNEL = "personnel", _("Công tác cán bộ")
    DISCIPLINE = "discipline", _("Ý thức tổ chức kỷ luật")
    UNITY = "unity", _("Đoàn kết nội bộ")
    TASK_RESULTS = "task_results", _("Kết quả thực hiện nhiệm vụ")
    INSPECTION = "inspection", _("Kiểm tra, giám sát")
    ANTI_CORRUPTION = "anti_corruption", _("Phòng, chống tham nhũng, lãng phí, tiêu cực")
    OTHER = "other", _("Khác")


class CauseKind(models.TextChoices):
    OBJECTIVE = "objective", _("Khách quan")
    SUBJECTIVE = "subjective", _("Chủ quan")


class Severity(models.TextChoices):
    LIMITATION = "limitation", _("Hạn chế")
    SHORTCOMING = "shortcoming", _("Khuyết điểm")
    WEAKNESS = "weakness", _("Yếu kém")


class FindingSource(models.TextChoices):
    SELF = "self", _("Tự nhận")
    UPPER_LEVEL = "upper_level", _("Cấp trên chỉ ra")
    INSPECTION = "inspection", _("Kết luận kiểm tra, giám sát")
    SUGGESTED_REVIEW = "suggested_review", _("Gợi ý kiểm điểm")
    PUBLIC_OPINION = "public_opinion", _("Dư luận, phản ánh")
    CARRIED_OVER = "carried_over", _("Chuyển từ kỳ trước")


class CarryAssessment(models.TextChoices):
    FIXED = "fixed", _("Đã khắc phục")
    PARTLY_FIXED = "partly_fixed", _("Khắc phục một phần")
    NOT_FIXED = "not_fixed", _("Chưa khắc phục")


# The 27 manifestations of degradation (Nghị quyết 04-NQ/TW): stable codes, short labels.
DEGRADATION_TAGS: list[tuple[str, str]] = [
    ("A1", "Phai nhạt lý tưởng cách mạng"),
    ("A2", "Xa rời mục tiêu, lý tưởng"),
    ("A3", "Lười học tập lý luận chính trị"),
    ("A4", "Không chấp hành nghiêm nguyên tắc tổ chức"),
    ("A5", "Trung bình chủ nghĩa, ba phải"),
    ("A6", "Nói không đi đôi với làm"),
    ("A7", "Tham vọng chức quyền, kén chọn chức danh"),
    ("A8", "Độc đoán, chuyên quyền, quan liêu"),
    ("A9", "Né tránh, đùn đẩy trách nhiệm"),
    ("B1", "Chủ nghĩa cá nhân, vụ lợi"),
    ("B2", "Làm việc qua loa, tranh công đổ lỗi"),
    ("B3", "Thiếu gương mẫu"),
    ("B4", "Vô cảm, thờ ơ trước khó khăn của nhân dân"),
    ("B5", "Tham nhũng, lợi dụng chức quyền"),
    ("B6", "Kéo bè kéo cánh, lợi ích nhóm"),
    ("B7", "Chạy chức, chạy quyền"),
    ("B8", "Xa hoa, lãng phí, hưởng lạc"),
    ("B9", "Không quản lý gia đình, người thân trục lợi"),
    ("C1", "Phủ nhận nền tảng tư tưởng; đòi đa nguyên, đa đảng"),
    ("C2", "Phụ họa quan điểm sai trái (tam quyền phân lập, xã hội dân sự)"),
    ("C3", "Xuyên tạc lịch sử, bôi nhọ lãnh tụ"),
    ("C4", "Kích động bất mãn, chống đối"),
    ("C5", "Đòi phi chính trị hóa quân đội, công an"),
    ("C6", "Xuyên tạc đường lối đối ngoại"),
    ("C7", "Lợi dụng dân chủ, nhân quyền, dân tộc, tôn giáo"),
    ("C8", "Móc nối với thế lực thù địch"),
    ("C9", "Viết, tán phát, phát ngôn trái quan điểm"),
]
DEGRADATION_CODES = frozenset(code for code, _label in DEGRADATION_TAGS)


class Finding(BaseModel):
    """A shortcoming (hạn chế, khuyết điểm) identified in a review; remediation plans answer it."""

    SCOPE_VIA = "unit"

    review = models.ForeignKey(
        Review, verbose_name=_("bản kiểm điểm"), on_delete=models.PROTECT, related_name="findings"
    )
    # Denormalized from the review: serves scoping and subtree counts without a join.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="findings"
    )
    text = models.TextField(_("nội dung hạn chế, khuyết điểm"))
    area = models.CharField(_("lĩnh vực"), max_length=30, choices=FindingArea.choices)
    degradation_tags = models.JSONField(
        _("biểu hiện suy thoái liên quan"), default=list, blank=True
    )
    cause_kind = models.CharField(
        _("nguyên nhân chủ yếu"),
        max_length=12,
        choices=CauseKind.choices,
        default=CauseKind.SUBJECTIVE,
    )
    severity = models.CharField(
        _("mức độ"), max_length=12, choices=Severity.choices, default=Severity.LIMITATION
    )
    source = models.CharField(
        _("nguồn"), max_length=20, choices=FindingSource.choices, default=FindingSource.SELF
    )
    status = models.CharField(
        _("tình trạng"), max_length=14, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    # Carry-over: the finding of the previous cycle this one continues, and its assessment.
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("chuyển từ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
    )
    carry_assessment = models.CharField(
        _("kết quả khắc phục kỳ trước"), max_length=14, choices=CarryAssessment.choices, blank=True
    )
    carry_cause = models.TextField(_("nguyên nhân (kỳ trước)"), blank=True)
    # How far a carried-over shortcoming assessed "partly fixed" was fixed (Mẫu 01 §III:
    # "đang khắc phục, mức độ"), in percent.
    carry_percent = models.PositiveSmallIntegerField(
        _("mức độ đã khắc phục (%)"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("khắc phục xong lúc"), null=True, blank=True)
    # The day the resolution took effect (the verification's or the assessment's effective date).
    resolved_on = models.DateField(_("khắc phục xong ngày"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hạn chế, khuyết điểm")
        verbose_name_plural = _("hạn chế, khuyết điểm")
        ordering = ["review", "id"]
        indexes = [models.Index(fields=["status", "unit"], name="reviews_finding_status_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return self.review.get_absolute_url() + f"#finding-{self.pk}"


class ReviewMeeting(BaseModel):
    """The review conference of a unit in a cycle (hội nghị kiểm điểm)."""

    SCOPE_VIA = "unit"

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="meetings"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="review_meetings"
    )
    held_on = models.DateField(_("ngày họp"))
    chair = models.ForeignKey(
        Person, verbose_name=_("chủ trì"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(
        Person, verbose_name=_("người dự"), related_name="review_meetings", blank=True
    )
    # Upper-level supervisors: leaders of the ancestor committees, picked; others (a working
    # group's staff, guests) named in the free text below.
    supervisor_people = models.ManyToManyField(
        Person,
        verbose_name=_("lãnh đạo cấp trên dự, chỉ đạo"),
        related_name="supervised_review_meetings",
        blank=True,
    )
    supervisors = models.TextField(_("đại biểu cấp trên dự, chỉ đạo"), blank=True)
    # For a unit under suggestion: the delegation or working group of the suggesting committee
    # that attended and directed the conference.
    delegation = models.TextField(_("đoàn, tổ công tác cấp trên dự, chỉ đạo"), blank=True)
    attendee_count = models.PositiveIntegerField(_("số người dự"), default=0)
    comments_count = models.PositiveIntegerField(_("số ý kiến góp ý"), default=0)
    comments = models.TextField(_("ý kiến góp ý"), blank=True)
    minutes = models.TextField(_("biên bản"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hội nghị kiểm điểm")
        verbose_name_plural = _("hội nghị kiểm điểm")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="reviews_one_meeting_per_unit")
        ]

    def __str__(self) -> str:
        return f"Hội nghị kiểm điểm {self.unit} ngày {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        """The conference is shown on its unit's reviews: the collective one's page."""
        review = Review.objects.filter(cycle_id=self.cycle_id, unit_id=self.unit_id).order_by(
            "person_id", "pk"
        )
        first = review.filter(person__isnull=True).first() or review.first()
        return (first or self.cycle).get_absolute_url() + ("#meeting" if first else "")


# --- upper-level suggestions (gợi ý kiểm điểm) and the dossier vetting before the meeting -------


class SuggestionGround(models.TextChoices):
    """Where the upper committee must suggest a review (seed 002; QĐ 366 Art. 6)."""

    DISUNITY = "disunity", _("Mất đoàn kết nội bộ")
    VIOLATIONS = "violations", _("Vi phạm nguyên tắc, quy định của Đảng, pháp luật")
    GROUP_INTEREST = "group_interest", _("Biểu hiện lợi ích nhóm")
    CORRUPTION = "corruption", _("Tham nhũng, lãng phí, tiêu cực")
    PUBLIC_OUTCRY = "public_outcry", _("Dư luận bức xúc, đơn thư khiếu nại, tố cáo")
    DEGRADATION = "degradation", _("Biểu hiện suy thoái, “tự diễn biến”, “tự chuyển hóa”")
    STAGNATION = "stagnation", _("Trì trệ, không hoàn thành nhiệm vụ")
    OTHER = "other", _("Khác")


class SuggestionStatus(models.TextChoices):
    ISSUED = "issued", _("Đã gợi ý")
    WITHDRAWN = "withdrawn", _("Đã thu hồi")


class ReviewSuggestion(BaseModel):
    """The points an upper standing committee asks a collective or a person to review."""

    SCOPE_VIA = "unit"

    review = models.ForeignKey(
        Review,
        verbose_name=_("bản kiểm điểm được gợi ý"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    # Denormalized from the review: scoping, the dossier gate and the statistics.
    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="suggestions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="suggestions"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    issuing_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp ủy gợi ý (Ban Thường vụ)"),
        on_delete=models.PROTECT,
        related_name="suggestions_issued",
    )
    document_number = models.CharField(_("số, ký hiệu văn bản gợi ý"), max_length=60)
    document_date = models.DateField(_("ngày văn bản"))
    grounds = models.JSONField(_("căn cứ gợi ý"), default=list)
    grounds_note = models.TextField(_("nêu cụ thể"), blank=True)
    # The delegation or working group the issuing committee sends to attend and direct the
    # review: its leaders picked, others named in the text.
    delegation = models.TextField(_("đoàn, tổ công tác dự, chỉ đạo"), blank=True)
    delegation_people = models.ManyToManyField(
        Person,
        verbose_name=_("lãnh đạo cấp ủy dự, chỉ đạo"),
        related_name="suggestion_delegations",
        blank=True,
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=SuggestionStatus.choices,
        default=SuggestionStatus.ISSUED,
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("gợi ý kiểm điểm")
        verbose_name_plural = _("gợi ý kiểm điểm")
        ordering = ["-document_date", "-id"]
        indexes = [models.Index(fields=["cycle", "unit"], name="reviews_suggestion_unit_idx")]

    def __str__(self) -> str:
        return _("Gợi ý kiểm điểm %(s)s (%(n)s)") % {
            "s": self.person.full_name if self.person_id else self.unit.name,
            "n": self.document_number,
        }

    def get_absolute_url(self) -> str:
        return reverse("reviews:suggestion-detail", args=[self.pk])

    @property
    def subject_label(self) -> str:
        return self.person.full_name if self.person_id else str(self.unit)


class SuggestionItem(BaseModel):
    """One point to review, and the review's answer to it (Mẫu 01 §IV: what happened, causes,
    collective and personal responsibility)."""

    suggestion = models.ForeignKey(
        ReviewSuggestion,
        verbose_name=_("gợi ý kiểm điểm"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    text = models.TextField(_("nội dung gợi ý"))
    account = models.TextField(_("giải trình: sự việc, nội dung"), blank=True)
    causes_objective = models.TextField(_("nguyên nhân khách quan"), blank=True)
    causes_subjective = models.TextField(_("nguyên nhân chủ quan"), blank=True)
    responsibility_collective = models.TextField(_("trách nhiệm của tập thể"), blank=True)
    responsibility_personal = models.TextField(_("trách nhiệm của cá nhân"), blank=True)
    answered_at = models.DateTimeField(_("giải trình lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("nội dung gợi ý kiểm điểm")
        verbose_name_plural = _("nội dung gợi ý kiểm điểm")
        ordering = ["suggestion", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "position"], name="reviews_suggestion_item_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class DossierStatus(models.TextChoices):
    PREPARING = "preparing", _("Đang chuẩn bị hồ sơ")
    PENDING = "pending", _("Chờ thẩm định")
    RETURNED = "returned", _("Trả lại, chuẩn bị lại")
    APPROVED = "approved", _("Đạt yêu cầu, được tổ chức hội nghị")


class ReviewDossier(BaseModel):
    """The review dossier and content of a unit under suggestion, vetted by the upper
    Organization Board before the conference may be held (seed 004, Hà Tĩnh)."""

    SCOPE_VIA = "unit"

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="dossiers"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="review_dossiers"
    )
    # The committee whose Organization Board vets it: the one that issued the suggestion.
    vetting_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp thẩm định (ban tổ chức)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=DossierStatus.choices,
        default=DossierStatus.PREPARING,
    )
    remarks = models.TextField(_("nhận xét, yêu cầu của cấp thẩm định"), blank=True)
    submitted_at = models.DateTimeField(_("gửi thẩm định lúc"), null=True, blank=True)
    approved_on = models.DateField(_("ngày thẩm định đạt"), null=True, blank=True)
    planned_on = models.DateField(_("ngày dự kiến tổ chức hội nghị"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ, nội dung kiểm điểm")
        verbose_name_plural = _("hồ sơ, nội dung kiểm điểm")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="reviews_one_dossier_per_unit")
        ]

    def __str__(self) -> str:
        return _("Hồ sơ kiểm điểm %(u)s") % {"u": self.unit}

    def get_absolute_url(self) -> str:
        return reverse("reviews:dossier-detail", args=[self.pk])


# --- yearly personal commitment (bản cam kết tu dưỡng, rèn luyện, phấn đấu) --------------------


class Fulfilment(models.TextChoices):
    FULFILLED = "fulfilled", _("Thực hiện tốt")
    PARTLY = "partly", _("Thực hiện một phần")
    NOT = "not", _("Chưa thực hiện")


class Commitment(BaseModel):
    """A member's yearly self-improvement commitment (rules.md 4)."""

    SCOPE_VIA = "unit"

    person = models.ForeignKey(
        Person, verbose_name=_("đảng viên"), on_delete=models.PROTECT, related_name="commitments"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    # The member's cell when it was filed (scoping and the cell's list).
    unit = models.ForeignKey(
        Unit, verbose_name=_("chi bộ"), on_delete=models.PROTECT, related_name="commitments"
    )
    filed_on = models.DateField(_("ngày cam kết"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bản cam kết tu dưỡng, rèn luyện, phấn đấu")
        verbose_name_plural = _("bản cam kết tu dưỡng, rèn luyện, phấn đấu")
        ordering = ["-year", "person__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="reviews_one_commitment_a_year")
        ]

    def __str__(self) -> str:
        return _("Cam kết năm %(y)s của %(p)s") % {"y": self.year, "p": self.person}

    def get_absolute_url(self) -> str:
        return reverse("reviews:commitment-detail", args=[self.pk])


class CommitmentItem(BaseModel):
    """One thing committed to, and how far it was kept (assessed in the year-end review)."""

    commitment = models.ForeignKey(
        Commitment, verbose_name=_("bản cam kết"), on_delete=models.PROTECT, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    text = models.TextField(_("nội dung cam kết"))
    fulfilment = models.CharField(
        _("mức độ thực hiện"), max_length=12, choices=Fulfilment.choices, blank=True
    )
    note = models.TextField(_("ghi chú"), blank=True)
    assessed_at = models.DateTimeField(_("tự đánh giá lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("nội dung cam kết")
        verbose_name_plural = _("nội dung cam kết")
        ordering = ["commitment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "position"], name="reviews_commitment_item_position"
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class UnitCommitmentCount(models.Model):
    """The year's commitments of the people with an open-ended official membership in the unit
    itself (not its subtree), and how many of them have an item not fulfilled, partly or not
    fulfilled, or not assessed: the commitments page's figures for a large subtree without
    reading each commitment and its items. Written only by the database's triggers on
    commitments, their items and memberships (kiemdiem/reviews/commitment_counts.py); read by
    selectors.commitment_stats, which adds what changes at midnight. One row per cell, not per
    ancestor: members of different cells filing at once never wait for each other."""

    # The key (unit, year) serves the lookups by unit: no second index.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    filed = models.IntegerField(default=0)
    unkept = models.IntegerField(default=0)
    short = models.IntegerField(default=0)
    unassessed = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("số bản cam kết theo chi bộ và năm")
        verbose_name_plural = _("số bản cam kết theo chi bộ và năm")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="reviews_commitment_count_key")
        ]
        indexes = [
            # The triggers delete a row whose commitments are all gone (filed = 0), so that an
            # emptied year leaves no row behind; this index holds only such rows.
            models.Index(
                fields=["unit"], name="reviews_commitment_count_zero", condition=Q(filed=0)
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.filed}"
