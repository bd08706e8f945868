"""Confidence polls (lấy phiếu tín nhiệm, Quy định 96-QĐ/TW) and each polled cadre's result."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Person, Position, Unit
from kiemdiem.org.scoping import access_for, paths_q, scope_sensitive, visible_subtrees


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập kết quả")
    FINALIZED = "finalized", _("Đã chốt kết quả")


class LowShareBase(models.TextChoices):
    """What the share of low-confidence ballots is counted over. QĐ 96 states the thresholds as
    a share of "phiếu" without naming the base (UNCONFIRMED, rules.md 5): configurable, by
    default the valid ballots."""

    VALID_BALLOTS = "valid_ballots", _("Số phiếu hợp lệ")
    BALLOTS_CAST = "ballots_cast", _("Số phiếu thu về (kể cả phiếu không hợp lệ)")
    PRESENT = "present", _("Số người có mặt")
    CONVENED = "convened", _("Số người được triệu tập")


class LowFlag(models.TextChoices):
    """The consequences QĐ 96 attaches to the share of low-confidence ballots."""

    PLANNING = (
        "planning",
        _(
            "Trên 1/2 đến dưới 2/3 tín nhiệm thấp: đưa ra khỏi quy hoạch, xem xét cho thôi giữ "
            "chức vụ"
        ),
    )
    DISMISSAL = "dismissal", _("Từ 2/3 tín nhiệm thấp trở lên: miễn nhiệm")


class ExclusionReason(models.TextChoices):
    """Cadres not polled (QĐ 96)."""

    RETIREMENT = "retirement", _("Đã có thông báo nghỉ hưu")
    APPOINTED_THIS_YEAR = "appointed_this_year", _("Được bầu, bổ nhiệm trong năm lấy phiếu")


def quorum_met(convened: int, present: int) -> bool:
    """The polling conference is valid only with at least 2/3 of those convened present."""
    return 3 * present >= 2 * convened


def low_flag(low: int, base: int) -> str:
    """> 1/2 and < 2/3 of the base low: planning; ≥ 2/3: dismissal (exact integer arithmetic)."""
    if base <= 0:
        return ""
    if 3 * low >= 2 * base:
        return LowFlag.DISMISSAL
    if 2 * low > base:
        return LowFlag.PLANNING
    return ""


class ConfidencePollQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ConfidencePollQuerySet":
        """Polls held in the user's subtrees, and those the user was polled in."""
        access = access_for(user)
        return self.within(visible_subtrees(access), access.person_id)

    def within(
        self, paths: tuple[str, ...] | None, person_id: int | None
    ) -> "ConfidencePollQuerySet":
        """`visible_to` for the holder of the subtrees `paths` (scoping.visible_subtrees, None:
        every poll) who is the person `person_id`: values of a precompiled read (the records
        overview's count)."""
        if paths is None:
            return self
        own = Q(pk__in=[])
        if person_id is not None:
            own = Exists(ConfidenceResult.objects.filter(poll=OuterRef("pk"), person_id=person_id))
        return self.filter(paths_q(paths, "body_unit__path") | own)


class ConfidencePoll(BaseModel):
    """A polling conference: who held it, when, how many were convened and present."""

    title = models.CharField(_("tên hội nghị lấy phiếu"), max_length=255)
    body_unit = models.ForeignKey(
        Unit,
        verbose_name=_("cấp ủy, cơ quan tổ chức lấy phiếu"),
        on_delete=models.PROTECT,
        related_name="confidence_polls",
    )
    held_on = models.DateField(_("ngày lấy phiếu"))
    # The polling year (of held_on): those appointed or elected in it are not polled.
    year = models.PositiveSmallIntegerField(_("năm lấy phiếu"), editable=False)
    document_ref = models.CharField(_("văn bản, kế hoạch lấy phiếu"), max_length=255, blank=True)
    convened_count = models.PositiveIntegerField(_("số người được triệu tập"))
    present_count = models.PositiveIntegerField(_("số người có mặt"))
    low_share_base = models.CharField(
        _("tỉ lệ tín nhiệm thấp tính trên"), max_length=16, choices=LowShareBase.choices
    )
    # The local rule "low confidence two years running → consider removal" (seed 001).
    two_year_rule = models.BooleanField(
        _("áp dụng quy định hai năm liền tín nhiệm thấp"), default=False
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=PollStatus.choices, default=PollStatus.DRAFT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ConfidencePollQuerySet.as_manager()

    class Meta:
        verbose_name = _("hội nghị lấy phiếu tín nhiệm")
        verbose_name_plural = _("hội nghị lấy phiếu tín nhiệm")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(present_count__lte=models.F("convened_count")),
                name="confidence_present_within_convened",
                violation_error_message=_("Số người có mặt không được lớn hơn số được triệu tập."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("confidence:poll-detail", args=[self.pk])

    @property
    def quorum_met(self) -> bool:
        return quorum_met(self.convened_count, self.present_count)


class ConfidenceResultQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ConfidenceResultQuerySet":
        """A person's votes: the polling body's office and inspection committee and those above
        them, and the person polled (`org.scoping.scope_sensitive`)."""
        return scope_sensitive(self, user, body="poll__body_unit", person="person")


class ConfidenceResult(BaseModel):
    """One cadre in a poll: the post polled for and the ballots at each level (or why not
    polled)."""

    poll = models.ForeignKey(
        ConfidencePoll,
        verbose_name=_("hội nghị lấy phiếu"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("người được lấy phiếu"),
        on_delete=models.PROTECT,
        related_name="confidence_results",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("chức vụ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("chức danh"), max_length=255)
    appointed_on = models.DateField(_("ngày được bầu, bổ nhiệm"), null=True, blank=True)
    # The poll's year, kept here for the two-years-running rule.
    year = models.PositiveSmallIntegerField(_("năm lấy phiếu"), editable=False)
    excluded_reason = models.CharField(
        _("không lấy phiếu vì"), max_length=20, choices=ExclusionReason.choices, blank=True
    )
    high_count = models.PositiveIntegerField(_("tín nhiệm cao"), default=0)
    normal_count = models.PositiveIntegerField(_("tín nhiệm"), default=0)
    low_count = models.PositiveIntegerField(_("tín nhiệm thấp"), default=0)
    invalid_count = models.PositiveIntegerField(_("phiếu không hợp lệ"), default=0)
    # The base the low share is counted over (the poll's setting), and the flag it gives.
    base_count = models.PositiveIntegerField(_("số phiếu làm căn cứ tính tỉ lệ"), default=0)
    low_flag = models.CharField(
        _("hệ quả theo tỉ lệ tín nhiệm thấp"), max_length=12, choices=LowFlag.choices, blank=True
    )

    objects = ConfidenceResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("kết quả lấy phiếu tín nhiệm")
        verbose_name_plural = _("kết quả lấy phiếu tín nhiệm")
        ordering = ["poll", "person__sort_key", "id"]
        indexes = [models.Index(fields=["person", "year"], name="confidence_person_year_idx")]
        constraints = [
            models.UniqueConstraint(fields=["poll", "person"], name="confidence_once_per_poll"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.title} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("confidence:result-detail", args=[self.pk])

    @property
    def valid_ballots(self) -> int:
        return self.high_count + self.normal_count + self.low_count

    @property
    def ballots_cast(self) -> int:
        return self.valid_ballots + self.invalid_count

    @property
    def low_share(self) -> float | None:
        return self.low_count / self.base_count if self.base_count else None
