"""Yearly quality classification: a rating round per year and scope, the rated subjects and
their ratings through self-assessment, appraisal, decision and publication (rules.md §1.5–1.16)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.classification import rules
from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Position, Unit
from kiemdiem.org.scoping import Access, ScopedQuerySet, access_for, paths_q


class SubjectKind(models.TextChoices):
    ORGANIZATION = rules.ORGANIZATION, _("Tổ chức đảng")
    LEADERSHIP_COLLECTIVE = rules.LEADERSHIP_COLLECTIVE, _("Tập thể lãnh đạo, quản lý")
    MEMBER = rules.MEMBER, _("Đảng viên")
    LEADER = rules.LEADER, _("Cán bộ lãnh đạo, quản lý")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Đang đánh giá, xếp loại")
    CLOSED = "closed", _("Đã kết thúc")


class MemberDecider(models.TextChoices):
    """Who decides an ordinary member's level: UNCONFIRMED for HD 43 (rules.md §1.9); HD 21
    practice (the grassroots organization decides after the cell votes) is the default."""

    GRASSROOTS = "grassroots", _("Tổ chức cơ sở đảng quyết định (chi bộ biểu quyết đề xuất)")
    CELL = "cell", _("Chi bộ quyết định")


class QuarterRollup(models.TextChoices):
    """How quarterly results weigh on the year (QĐ 366 Art. 15: they "feed" it; the method is
    UNCONFIRMED). Any of them is a check the competent level may override with a reason."""

    AVERAGE = "average", _("Mức cả năm không cao hơn mức của điểm bình quân các quý")
    LOWEST = "lowest", _("Mức cả năm không cao hơn mức thấp nhất các quý")
    SHOW = "show", _("Chỉ hiển thị kết quả các quý để tham khảo")


class RoundPeriod(models.TextChoices):
    """What a round rates: a year, or a whole term (nhiệm kỳ; QĐ 366 reviews by term, rules.md
    §1.12: the annual results feed the term rating)."""

    YEAR = "year", _("Năm")
    TERM = "term", _("Nhiệm kỳ")


class TermRollup(models.TextChoices):
    """How the annual results weigh on the term (QĐ 366 Art. 15: they "feed" it; the method is
    UNCONFIRMED). Either of the first two is a check the competent level may override with a
    reason. Years under different rulebooks compare by the rank of their levels."""

    AVERAGE = "average", _("Mức nhiệm kỳ không cao hơn mức bình quân các năm")
    LOWEST = "lowest", _("Mức nhiệm kỳ không cao hơn mức thấp nhất các năm")
    SHOW = "show", _("Chỉ hiển thị kết quả các năm để tham khảo")


class RatingRound(BaseModel):
    """The classification of one year over a unit's subtree, judged by the rulebook of that year
    (`scheme`, fixed when opened) with the settings it was opened with (the quota's rounding,
    the head-not-higher-than-unit rule), so later changes of defaults never touch it."""

    SCOPE_VIA = "scope_unit"

    title = models.CharField(_("tên đợt đánh giá, xếp loại"), max_length=255)
    year = models.PositiveSmallIntegerField(
        _("năm đánh giá"), help_text=_("Đợt đánh giá theo nhiệm kỳ: năm cuối của nhiệm kỳ.")
    )
    scheme = models.CharField(_("quy định áp dụng"), max_length=20, choices=rules.SCHEME_CHOICES)
    scope_unit = models.ForeignKey(
        Unit, verbose_name=_("phạm vi"), on_delete=models.PROTECT, related_name="rating_rounds"
    )
    quota_rounding = models.CharField(
        _("làm tròn chỉ tiêu HTXSNV"),
        max_length=10,
        choices=rules.Rounding.CHOICES,
        default=rules.Rounding.DOWN,
    )
    # HD 21 §II.B.3; not in QĐ 366 (UNCONFIRMED for HD 43): configurable, on by default.
    head_rule = models.BooleanField(
        _("người đứng đầu, tập thể lãnh đạo không cao hơn đơn vị"), default=True
    )
    member_decider = models.CharField(
        _("cấp quyết định xếp loại đảng viên"),
        max_length=12,
        choices=MemberDecider.choices,
        default=MemberDecider.GRASSROOTS,
    )
    # New members admitted less than 6 months before this day are not rated (rules.md §11.1:
    # the cut-off is UNCONFIRMED; 31/12 of the year by default).
    cutoff_on = models.DateField(_("ngày tính thời gian đảng viên mới"))
    deadline = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    # A past year entered from paper or imported: decisions carry their own dates.
    imported = models.BooleanField(_("nhập lại từ hồ sơ năm trước"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # QĐ 366: quarterly results feed the year (Art. 15); how is UNCONFIRMED: a setting
    # (KIEMDIEM_CLASSIFICATION_QUARTER_ROLLUP), fixed on the round when it is opened.
    quarter_rollup = models.CharField(
        _("kết quả các quý vào cả năm"), max_length=10, choices=QuarterRollup.choices, blank=True
    )
    # A term round (QĐ 366): `year` is the term's last year, `term_first` its first; the annual
    # results of the term weigh on it as `term_rollup` says (KIEMDIEM_CLASSIFICATION_TERM_ROLLUP,
    # UNCONFIRMED, fixed when opened).
    period = models.CharField(
        _("kỳ đánh giá"), max_length=5, choices=RoundPeriod.choices, default=RoundPeriod.YEAR
    )
    term_first = models.PositiveSmallIntegerField(_("năm đầu nhiệm kỳ"), null=True, blank=True)
    term_rollup = models.CharField(
        _("kết quả các năm vào nhiệm kỳ"), max_length=10, choices=TermRollup.choices, blank=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt đánh giá, xếp loại chất lượng")
        verbose_name_plural = _("đợt đánh giá, xếp loại chất lượng")
        ordering = ["-year", "scope_unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "year", "scope_unit"], name="classification_round_once"
            ),
            models.CheckConstraint(
                condition=Q(period="year", term_first__isnull=True)
                | Q(period="term", term_first__lte=models.F("year")),
                name="classification_round_term_years",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("classification:round-detail", args=[self.pk])

    @property
    def rules(self) -> rules.RuleSet:
        return rules.get_scheme(self.scheme)

    @property
    def is_term(self) -> bool:
        return self.period == RoundPeriod.TERM

    @property
    def period_label(self) -> str:
        """ "năm 2025" or "nhiệm kỳ 2021–2025"."""
        if self.is_term:
            return _("nhiệm kỳ %(a)s–%(b)s") % {"a": self.term_first, "b": self.year}
        return _("năm %(y)s") % {"y": self.year}


class PeerGroup(BaseModel):
    """Subjects of similar position, role and function, among which the HTXSNV quota is counted
    (QĐ 366 Art. 11.1.5); the competent level may grant 25% to an outstanding group."""

    round = models.ForeignKey(
        RatingRound, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="peer_groups"
    )
    name = models.CharField(_("tên nhóm"), max_length=255)
    subject_kind = models.CharField(_("đối tượng"), max_length=24, choices=SubjectKind.choices)
    deciding_unit = models.ForeignKey(
        Unit, verbose_name=_("cấp quyết định"), on_delete=models.PROTECT, related_name="+"
    )
    quota_granted = models.BooleanField(_("được nâng chỉ tiêu lên 25%"), default=False)
    grant_reason = models.TextField(_("lý do nâng chỉ tiêu"), blank=True)

    class Meta:
        verbose_name = _("nhóm đối tượng tương đồng")
        verbose_name_plural = _("nhóm đối tượng tương đồng")
        ordering = ["round", "name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="classification_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class ScoringSheet(BaseModel):
    """A province's (or any committee's) own scoring sheet under a scheme for one kind of
    subject: the criteria and their points, which must fit the scheme's groups (30 + 70 under
    QĐ 366). Ratings in the unit's subtree use the nearest sheet, fixed when they are opened."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("cấp ban hành"), on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.CharField(_("quy định"), max_length=20, choices=rules.SCHEME_CHOICES)
    subject_kind = models.CharField(_("đối tượng"), max_length=24, choices=SubjectKind.choices)
    title = models.CharField(_("tên bảng điểm"), max_length=255)
    # [{"code", "label", "group", "max_points"}]
    criteria = models.JSONField(_("tiêu chí"), default=list)

    class Meta:
        verbose_name = _("bảng điểm tiêu chí")
        verbose_name_plural = _("bảng điểm tiêu chí")
        ordering = ["unit__path", "scheme", "subject_kind"]

    def __str__(self) -> str:
        return self.title


class ExemptReason(models.TextChoices):
    """Members not rated (QĐ 366 Art. 5; QĐ 124 Art. 5.2)."""

    NEW_MEMBER = "new_member", _("Mới kết nạp chưa đủ 6 tháng")
    EXEMPTED = "exempted", _("Được miễn công tác và sinh hoạt đảng")
    SUSPENDED = "suspended", _("Đình chỉ sinh hoạt đảng")


class SpecialCase(models.TextChoices):
    """Rated, but on particular terms (HD 43 §7)."""

    SICK_LEAVE = "sick_leave", _("Nghỉ ốm từ 3 tháng trở lên: đánh giá theo thời gian công tác")
    MATERNITY = "maternity", _("Nghỉ thai sản: đánh giá theo thời gian công tác")
    TEMPORARY = "temporary", _("Sinh hoạt tạm thời: cần nhận xét của chi bộ nơi sinh hoạt tạm thời")
    COMMITTEE_SUSPENDED = (
        "cmte_susp",
        _("Cấp ủy viên bị đình chỉ sinh hoạt cấp ủy: kiểm điểm thời gian trước khi đình chỉ"),
    )


class Mitigation(models.TextChoices):
    """Circumstances that let the competent level weigh a lowest-level trigger instead of
    applying it mechanically (QĐ 366 Art. 11): never automatic, a decision with a reason."""

    FORCE_MAJEURE = "force_majeure", _("Bất khả kháng")
    SELF_REPORTED = "self_reported", _("Tự phát hiện, kịp thời khắc phục hậu quả")


class RatingStatus(models.TextChoices):
    DRAFT = "draft", _("Chưa tự đánh giá")
    SELF_ASSESSED = "self_assessed", _("Đã tự đánh giá")
    APPRAISED = "appraised", _("Đã thẩm định, đề xuất")
    DECIDED = "decided", _("Đã quyết định")
    PUBLISHED = "published", _("Đã công khai")
    CANCELLED = "cancelled", _("Đã hủy, đánh giá lại")
    EXEMPT = "exempt", _("Không đánh giá, xếp loại")


# Party committees whose standing committee is the rated leadership collective (QĐ 366 Art. 5:
# standing committees of communes, of the committees directly above grassroots and up); below
# them a grassroots or partial committee's executive committee is (HD 43 §1).
STANDING_COMMITTEE_KINDS = frozenset(
    {
        "central_level_committee",
        "province",
        "district",
        "commune",
        "upper_grassroots",
        "bloc_committee",
        "sectoral_committee",
    }
)
EXECUTIVE_COMMITTEE_KINDS = frozenset({"grassroots_committee", "partial_committee"})
COMMITTEE_KINDS = STANDING_COMMITTEE_KINDS | EXECUTIVE_COMMITTEE_KINDS


def committee_label(unit: Unit) -> str:
    """The name of a unit's rated leadership collective: its standing committee, its executive
    committee, or the leadership collective of an agency."""
    if unit.kind in STANDING_COMMITTEE_KINDS:
        return _("Ban Thường vụ %(u)s") % {"u": unit}
    if unit.kind in EXECUTIVE_COMMITTEE_KINDS:
        return _("Ban Chấp hành %(u)s") % {"u": unit}
    return _("Tập thể lãnh đạo %(u)s") % {"u": unit}


class RatingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RatingQuerySet":
        """Results are made known to the rated and to those who manage them (QĐ 366 Art. 15):
        the leaders, offices and overseers of the rated unit's subtree, and the person rated.
        An ordinary member sees their own rating, not their cell-mates'."""
        return self.visible_by(access_for(user))

    def visible_by(self, access: Access) -> "RatingQuerySet":
        """`visible_to` for the holder of `access` (a read precompiled over its fields)."""
        if access.everything:
            return self
        q = paths_q(access.audit_paths, "unit__path")
        if access.person_id is not None:
            q |= Q(person_id=access.person_id)
        return self.filter(q)

    def standing(self) -> "RatingQuerySet":
        """Not cancelled (a re-rating replaces it) and not exempt."""
        return self.exclude(status__in=[RatingStatus.CANCELLED, RatingStatus.EXEMPT])


class Rating(BaseModel):
    """One rated subject in a round (an organization, a leadership collective, a member, a
    leader) and its three steps: self-assessment, appraisal (which may downgrade; both levels
    and the reason stay), decision by the competent level, then publication. A cancelled rating
    stays, with the reason, beside the re-rating that replaces it."""

    round = models.ForeignKey(
        RatingRound, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="ratings"
    )
    subject_kind = models.CharField(_("đối tượng"), max_length=24, choices=SubjectKind.choices)
    # The organization or collective rated; for a member their official cell; for a leader the
    # unit of the post.
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="ratings"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("chức vụ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deciding_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp có thẩm quyền quyết định"),
        on_delete=models.PROTECT,
        related_name="ratings_decided",
    )
    peer_group = models.ForeignKey(
        PeerGroup,
        verbose_name=_("nhóm tương đồng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    sheet = models.ForeignKey(
        ScoringSheet,
        verbose_name=_("bảng điểm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"), max_length=14, choices=RatingStatus.choices, default=RatingStatus.DRAFT
    )
    exempt_reason = models.CharField(
        _("lý do không xếp loại"), max_length=12, choices=ExemptReason.choices, blank=True
    )
    special_case = models.CharField(
        _("trường hợp đặc thù"), max_length=12, choices=SpecialCase.choices, blank=True
    )
    # The temporary cell's written comment (HD 43 §7), before the official cell appraises.
    special_note = models.TextField(_("nhận xét của chi bộ nơi sinh hoạt tạm thời"), blank=True)
    # Step 1: self-assessment.
    self_scores = models.JSONField(_("điểm, cấp độ tự chấm"), default=dict, blank=True)
    self_total = models.DecimalField(
        _("tổng điểm tự chấm"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    self_level = models.CharField(
        _("mức tự xếp loại"), max_length=20, choices=rules.LEVEL_CHOICES, blank=True
    )
    self_reasons = models.TextField(_("ưu điểm, hạn chế, lý do tự xếp loại"), blank=True)
    self_conditions = models.JSONField(
        _("trường hợp không hoàn thành tự nêu"), default=list, blank=True
    )
    # Step 2: appraisal (the organization board or an appraisal team).
    appraisal_scores = models.JSONField(_("điểm, cấp độ thẩm định"), default=dict, blank=True)
    appraisal_total = models.DecimalField(
        _("tổng điểm thẩm định"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    appraised_level = models.CharField(
        _("mức đề xuất sau thẩm định"), max_length=20, choices=rules.LEVEL_CHOICES, blank=True
    )
    appraisal_reasons = models.TextField(_("ý kiến thẩm định, lý do"), blank=True)
    appraisal_conditions = models.JSONField(
        _("trường hợp không hoàn thành"), default=list, blank=True
    )
    appraising_body = models.CharField(_("cơ quan, tổ thẩm định"), max_length=255, blank=True)
    mitigation = models.CharField(
        _("tình tiết xem xét"), max_length=16, choices=Mitigation.choices, blank=True
    )
    mitigation_note = models.TextField(_("nội dung tình tiết"), blank=True)
    # Complaints, denunciations, signs of disunity: the directly higher committee verifies
    # before the decision (QĐ 366 Art. 12.3).
    complaints = models.TextField(_("đơn thư, phản ánh, dấu hiệu mất đoàn kết"), blank=True)
    verification = models.TextField(_("kết quả kiểm tra, xác minh"), blank=True)
    verified_on = models.DateField(_("ngày xác minh"), null=True, blank=True)
    # Step 3: decision.
    decided_level = models.CharField(
        _("mức quyết định"), max_length=20, choices=rules.LEVEL_CHOICES, blank=True
    )
    decision_number = models.CharField(_("số, ký hiệu quyết định"), max_length=60, blank=True)
    decided_on = models.DateField(_("ngày quyết định"), null=True, blank=True)
    decision_note = models.TextField(_("ghi chú quyết định"), blank=True)
    # Checks overridden at the decision, each with its reason: [{"code", "reason"}].
    overrides = models.JSONField(_("vượt qua kiểm tra có lý do"), default=list, blank=True)
    published_on = models.DateField(_("ngày công khai"), null=True, blank=True)
    # Cancellation and re-rating (Mẫu 03): the decision of the directly higher committee.
    cancel_decision_number = models.CharField(
        _("số quyết định đánh giá, xếp loại lại (Mẫu 03)"), max_length=60, blank=True
    )
    cancelled_on = models.DateField(_("ngày hủy kết quả"), null=True, blank=True)
    cancelled_by_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp hủy kết quả"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rerating_of = models.OneToOneField(
        "self",
        verbose_name=_("đánh giá lại kết quả"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rerating",
    )

    # Special cases (HD 43 §7): why the case applies (the months of sick leave, the maternity
    # leave, the suspension), shown on the rating's page.
    special_reason = models.TextField(_("căn cứ trường hợp đặc thù"), blank=True)
    # A member in temporary party activity: the cell where, and when it sent its comment
    # (`special_note`); the official cell appraises only after it.
    temporary_unit = models.ForeignKey(
        Unit,
        verbose_name=_("chi bộ nơi sinh hoạt tạm thời"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    temporary_comment_on = models.DateField(
        _("ngày chi bộ tạm thời nhận xét"), null=True, blank=True
    )
    # A collective's share of its year's tasks completed (%), from its self-assessment or the
    # appraisal: a leader's "< 70% of tasks" is computed from the units they lead.
    task_share = models.DecimalField(
        _("tỉ lệ hoàn thành nhiệm vụ (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("kết quả đánh giá, xếp loại")
        verbose_name_plural = _("kết quả đánh giá, xếp loại")
        ordering = ["round", "unit__path", "subject_kind", "person__sort_key", "pk"]
        indexes = [
            # serves the statistics and the ordering checks of a subtree in a round
            models.Index(fields=["round", "status"], name="classification_round_status"),
            models.Index(fields=["peer_group", "status"], name="classification_group_status"),
            # serves the statistics' "lowest level two years running" (few rows per round)
            models.Index(fields=["round", "decided_level"], name="classification_round_level"),
        ]
        constraints = [
            # One standing rating per subject and round; a cancelled one stays beside its
            # re-rating.
            models.UniqueConstraint(
                fields=["round", "subject_kind", "unit"],
                condition=Q(person__isnull=True) & ~Q(status="cancelled"),
                name="classification_one_collective_rating",
            ),
            models.UniqueConstraint(
                fields=["round", "subject_kind", "person", "unit"],
                condition=Q(person__isnull=False) & ~Q(status="cancelled"),
                name="classification_one_individual_rating",
            ),
            models.CheckConstraint(
                condition=Q(subject_kind__in=sorted(rules.COLLECTIVE_SUBJECTS), person__isnull=True)
                | Q(subject_kind__in=sorted(rules.INDIVIDUAL_SUBJECTS), person__isnull=False),
                name="classification_subject_matches_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} — {self.round.year}"

    def get_absolute_url(self) -> str:
        return reverse("classification:rating-detail", args=[self.pk])

    @property
    def subject_label(self) -> str:
        if self.person_id:
            return self.person.full_name
        if self.subject_kind == SubjectKind.LEADERSHIP_COLLECTIVE:
            return committee_label(self.unit)
        return str(self.unit)

    @property
    def standing_level(self) -> str:
        """The level as it stands: decided, else proposed by the appraisal, else self-proposed."""
        return self.decided_level or self.appraised_level or self.self_level

    @property
    def downgraded(self) -> bool:
        """The appraisal proposed a lower level than the self-assessment."""
        return bool(
            self.self_level
            and self.appraised_level
            and rules.rank(self.appraised_level) < rules.rank(self.self_level)
        )

    @property
    def self_short(self) -> str:
        return rules.short(self.self_level) if self.self_level else ""

    @property
    def appraised_short(self) -> str:
        return rules.short(self.appraised_level) if self.appraised_level else ""

    @property
    def decided_short(self) -> str:
        return rules.short(self.decided_level) if self.decided_level else ""


# --- statistics (classification/statistics.py) ------------------------------------------------


class Bucket(models.TextChoices):
    """Where a standing rating stands, for the statistics (a cancelled one counts nowhere)."""

    OPEN = "open", _("Chưa quyết định")
    DECIDED = "decided", _("Đã quyết định, chưa công khai")
    PUBLISHED = "published", _("Đã công khai")
    EXEMPT = "exempt", _("Không xếp loại")


class _StatisticsKey(models.Model):
    """The cell a rating counts in: its kind, bucket, decided level, the downgrade by the
    appraisal (self-proposed → appraised level, empty when none) and whether it is the second
    year running at the lowest level."""

    subject_kind = models.CharField(max_length=24, choices=SubjectKind.choices)
    bucket = models.CharField(max_length=10, choices=Bucket.choices)
    level = models.CharField(max_length=20, blank=True)
    down_from = models.CharField(max_length=20, blank=True)
    down_to = models.CharField(max_length=20, blank=True)
    # Decided at the lowest level, and so was the same subject the year before.
    twice = models.BooleanField(default=False)

    class Meta:
        abstract = True


class RatingSummary(_StatisticsKey):
    """How many ratings of a round over one unit's subtree fall in one cell (kept by the merge
    worker from `StatisticsDelta`, rebuilt from the ratings by `statistics.rebuild`)."""

    round = models.ForeignKey(RatingRound, on_delete=models.CASCADE, related_name="summaries")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    # Copied from the unit: a unit's children are one index range (depth + 1, path prefix).
    unit_path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("số liệu tổng hợp xếp loại")
        verbose_name_plural = _("số liệu tổng hợp xếp loại")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "round",
                    "unit",
                    "subject_kind",
                    "bucket",
                    "level",
                    "down_from",
                    "down_to",
                    "twice",
                ],
                name="classification_summary_cell",
            )
        ]
        indexes = [
            models.Index(
                fields=["round", "depth", "unit_path"],
                name="classification_summary_depth",
                opclasses=["int8_ops", "int2_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.unit_path}/{self.subject_kind}/{self.bucket}: {self.n}"


class StatisticsDelta(_StatisticsKey):
    """A rating entered or left a cell (+1 / −1), appended in the user's transaction by the
    rating lifecycle; the background merge folds it into `RatingSummary` and deletes it."""

    round_id_ref = models.BigIntegerField()
    unit_path = models.CharField(max_length=255)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("thay đổi số liệu xếp loại chờ tổng hợp")
        verbose_name_plural = _("thay đổi số liệu xếp loại chờ tổng hợp")
        indexes = [
            models.Index(
                fields=["round_id_ref", "unit_path"],
                name="classification_delta_path",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id_ref}/{self.unit_path}: {self.n:+d}"


class QuarterResult(BaseModel):
    """A quarter's result of one subject in the year of a round (QĐ 366: quarterly reviews,
    Mẫu 05), recorded by the competent level; shown on the year's rating and weighed at its
    self-assessment and decision as the round's `quarter_rollup` says. Kept per subject, not per
    rating, so a re-rating of the year reads the same quarters."""

    round = models.ForeignKey(
        RatingRound, verbose_name=_("đợt"), on_delete=models.PROTECT, related_name="quarters"
    )
    subject_kind = models.CharField(_("đối tượng"), max_length=24, choices=SubjectKind.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cá nhân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quarter = models.PositiveSmallIntegerField(_("quý"))
    total = models.DecimalField(
        _("tổng điểm"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    level = models.CharField(_("mức xếp loại quý"), max_length=20, choices=rules.LEVEL_CHOICES)
    note = models.TextField(_("nhận xét"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("kết quả đánh giá, xếp loại quý")
        verbose_name_plural = _("kết quả đánh giá, xếp loại quý")
        ordering = ["round", "unit", "person", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "subject_kind", "unit", "quarter"],
                condition=Q(person__isnull=True),
                name="classification_quarter_collective",
            ),
            models.UniqueConstraint(
                fields=["round", "subject_kind", "person", "unit", "quarter"],
                condition=Q(person__isnull=False),
                name="classification_quarter_individual",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="classification_quarter_1_4"
            ),
        ]

    def __str__(self) -> str:
        return _("Quý %(q)s/%(y)s") % {"q": self.quarter, "y": self.round.year}


from kiemdiem.classification.recheck_models import (  # noqa: E402,F401  (re-check campaigns)
    RecheckCampaign,
    RecheckItem,
    RecheckTask,
)
