"""Party discipline cases (Quy định 69-QĐ/TW): the violation, the decision, appeals, annulment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Position, Unit
from kiemdiem.org.scoping import scope_sensitive
from kiemdiem.reviews.models import Finding, FindingArea, Review, SubjectKind


class DisciplineForm(models.TextChoices):
    """The forms of Art. 7, lightest first."""

    REPRIMAND = "reprimand", _("Khiển trách")
    WARNING = "warning", _("Cảnh cáo")
    REMOVAL_FROM_POST = "removal_from_post", _("Cách chức")
    EXPULSION = "expulsion", _("Khai trừ")
    DISSOLUTION = "dissolution", _("Giải tán")


# Art. 7: which forms apply to whom.
ORGANIZATION_FORMS = (DisciplineForm.REPRIMAND, DisciplineForm.WARNING, DisciplineForm.DISSOLUTION)
MEMBER_FORMS = (
    DisciplineForm.REPRIMAND,
    DisciplineForm.WARNING,
    DisciplineForm.REMOVAL_FROM_POST,
    DisciplineForm.EXPULSION,
)
PROBATIONARY_FORMS = (DisciplineForm.REPRIMAND, DisciplineForm.WARNING)


class MemberStatus(models.TextChoices):
    FULL = "full", _("Đảng viên chính thức")
    PROBATIONARY = "probationary", _("Đảng viên dự bị")


class DecidingAuthority(models.TextChoices):
    CELL = "cell", _("Chi bộ")
    COMMITTEE = "committee", _("Ban Chấp hành (cấp ủy)")
    STANDING = "standing", _("Ban Thường vụ cấp ủy")
    INSPECTION = "inspection", _("Ủy ban kiểm tra")


class DisciplineStatus(models.TextChoices):
    PROPOSED = "proposed", _("Đang xem xét, đề nghị kỷ luật")
    DROPPED = "dropped", _("Không kỷ luật")
    DECIDED = "decided", _("Đã quyết định kỷ luật")
    APPEALED = "appealed", _("Đang giải quyết khiếu nại")
    UPHELD = "upheld", _("Giữ nguyên sau khiếu nại")
    CHANGED = "changed", _("Thay đổi hình thức sau khiếu nại")
    ANNULLED = "annulled", _("Đã xóa bỏ quyết định (kỷ luật oan, sai)")


# A decision stands in these states (an appeal does not suspend it).
IN_FORCE = frozenset(
    {
        DisciplineStatus.DECIDED,
        DisciplineStatus.APPEALED,
        DisciplineStatus.UPHELD,
        DisciplineStatus.CHANGED,
    }
)
# Cases that hold their violation: a second case for it is refused (one violation, one form).
LIVE = IN_FORCE | {DisciplineStatus.PROPOSED}


class DisciplineCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DisciplineCaseQuerySet":
        """The deciding body's office and inspection committee and those above them, the person
        disciplined (or the collective's own leaders): `org.scoping.scope_sensitive`."""
        return scope_sensitive(
            self, user, body="deciding_unit", person="person", collective_unit="unit"
        )

    def in_force(self) -> "DisciplineCaseQuerySet":
        return self.filter(status__in=IN_FORCE)


class DisciplineCase(BaseModel):
    """One violation of a party organization or member and what was decided about it."""

    subject_kind = models.CharField(_("đối tượng"), max_length=12, choices=SubjectKind.choices)
    # The disciplined organization, or the member's cell when the violation was committed
    # (a violation at an old unit counts against that unit: rules.md 1.6).
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("tổ chức đảng, nơi sinh hoạt"),
        on_delete=models.PROTECT,
        related_name="discipline_cases",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("đảng viên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_cases",
    )
    # Full or probationary member on the day of the decision (Art. 7: forms allowed).
    member_status = models.CharField(
        _("đảng viên chính thức/dự bị"), max_length=14, choices=MemberStatus.choices, blank=True
    )
    violation = models.TextField(_("nội dung vi phạm"))
    # Folded text of the violation: a second case for the same violation is refused.
    violation_key = models.CharField(max_length=255, editable=False, default="")
    violation_on = models.DateField(_("ngày vi phạm"))
    violation_area = models.CharField(
        _("lĩnh vực vi phạm"), max_length=30, choices=FindingArea.choices
    )
    # Read by the rating rules (QĐ 366 Art. 11): a leader's duty-related discipline, a
    # non-leader's public-service-related one.
    duty_related = models.BooleanField(
        _("vi phạm trong thực hiện chức trách, nhiệm vụ, công vụ"), default=False
    )
    # QĐ 124: discipline does not cap the rating if self-detected and its consequences fixed.
    self_reported = models.BooleanField(_("tự phát hiện, tự khắc phục hậu quả"), default=False)
    # What raised it: a shortcoming of a review, the review itself, or an inspection conclusion.
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("hạn chế, khuyết điểm liên quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_cases",
    )
    review = models.ForeignKey(
        Review,
        verbose_name=_("bản kiểm điểm liên quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_cases",
    )
    inspection_ref = models.CharField(
        _("kết luận kiểm tra, giám sát (số, ngày)"), max_length=255, blank=True
    )
    deciding_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp có thẩm quyền kỷ luật"),
        on_delete=models.PROTECT,
        related_name="discipline_decided",
    )
    authority = models.CharField(
        _("cơ quan quyết định"), max_length=12, choices=DecidingAuthority.choices
    )
    proposed_form = models.CharField(
        _("hình thức đề nghị"), max_length=20, choices=DisciplineForm.choices, blank=True
    )
    # The form as decided (kept when an appeal changes it or the decision is annulled).
    form = models.CharField(
        _("hình thức kỷ luật"), max_length=20, choices=DisciplineForm.choices, blank=True
    )
    # The post a removal from post (cách chức) takes away: held on the day of the decision.
    position = models.ForeignKey(
        Position,
        verbose_name=_("chức vụ bị cách"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_number = models.CharField(_("số, ký hiệu quyết định"), max_length=60, blank=True)
    decided_on = models.DateField(_("ngày quyết định"), null=True, blank=True)
    effective_on = models.DateField(_("ngày có hiệu lực"), null=True, blank=True)
    # Art. 4 limitation period applied when decided (None: not limited).
    limitation_years = models.PositiveSmallIntegerField(
        _("thời hiệu kỷ luật (năm)"), null=True, blank=True
    )
    no_limitation = models.BooleanField(
        _("thuộc trường hợp không áp dụng thời hiệu"), default=False
    )
    # Appeal (khiếu nại) and its outcome; the original decision above stays as it was.
    appeal_lodged_on = models.DateField(_("ngày khiếu nại"), null=True, blank=True)
    appeal_grounds = models.TextField(_("nội dung khiếu nại"), blank=True)
    appeal_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp giải quyết khiếu nại"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_decision_number = models.CharField(
        _("số, ký hiệu quyết định giải quyết khiếu nại, xóa bỏ"), max_length=60, blank=True
    )
    review_decided_on = models.DateField(
        _("ngày quyết định giải quyết khiếu nại, xóa bỏ"), null=True, blank=True
    )
    changed_form = models.CharField(
        _("hình thức sau khiếu nại"), max_length=20, choices=DisciplineForm.choices, blank=True
    )
    # What was done to restore the rights of someone wrongly disciplined (Quy định 117).
    rectification = models.TextField(_("phục hồi quyền lợi"), blank=True)
    # The form in force now: the decided one, the one an appeal set, or none (proposed,
    # dropped, annulled). Kept by the services; statistics count it.
    form_in_force = models.CharField(
        _("hình thức đang có hiệu lực"), max_length=20, choices=DisciplineForm.choices, blank=True
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=DisciplineStatus.choices,
        default=DisciplineStatus.PROPOSED,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DisciplineCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ kỷ luật")
        verbose_name_plural = _("hồ sơ kỷ luật")
        ordering = ["-decided_on", "-id"]
        indexes = [
            # serves the statistics and lists of a subtree and year
            models.Index(fields=["status", "decided_on"], name="discipline_status_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject_kind="collective", person__isnull=True)
                | Q(subject_kind="individual", person__isnull=False),
                name="discipline_subject_matches_person",
            ),
            # One violation is disciplined once (Art. 2): one live case per finding...
            models.UniqueConstraint(
                fields=["finding"],
                condition=Q(finding__isnull=False) & Q(status__in=sorted(LIVE)),
                name="discipline_one_case_per_finding",
            ),
            # ...and per subject, day and wording of the violation.
            models.UniqueConstraint(
                fields=["person", "violation_on", "violation_key"],
                condition=Q(person__isnull=False) & Q(status__in=sorted(LIVE)),
                name="discipline_one_case_per_violation",
            ),
            models.UniqueConstraint(
                fields=["unit", "violation_on", "violation_key"],
                condition=Q(person__isnull=True) & Q(status__in=sorted(LIVE)),
                name="discipline_one_case_per_org_violation",
            ),
        ]

    def __str__(self) -> str:
        who = self.person.full_name if self.person_id else str(self.unit)
        form = self.get_form_in_force_display() or self.get_proposed_form_display()
        return f"{who} — {form or _('kỷ luật')}" + (
            f" ({self.decision_number})" if self.decision_number else ""
        )

    def get_absolute_url(self) -> str:
        return reverse("discipline:case-detail", args=[self.pk])

    @property
    def subject_label(self) -> str:
        return self.person.full_name if self.person_id else str(self.unit)
