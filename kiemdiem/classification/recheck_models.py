"""Re-check campaigns (rà soát lại kết quả xếp loại): an upper committee has every unit in its
subtree re-check the results it decided for a past year, by a deadline, and correct the wrong ones
(the Quảng Ngãi 2022 case: every unit re-checked its 2021 results by 30/11/2022). Imported from
`models.py` (this module does not import it back: the ratings are named by string), so Django
sees them as models of the classification app."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.classification import rules
from kiemdiem.core.models import BaseModel
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, paths_q


class RecheckStatus(models.TextChoices):
    OPEN = "open", _("Đang rà soát")
    CLOSED = "closed", _("Đã kết thúc")


class RecheckTaskStatus(models.TextChoices):
    OPEN = "open", _("Đang rà soát")
    REPORTED = "reported", _("Đã báo cáo kết quả")


class RecheckOutcome(models.TextChoices):
    PENDING = "pending", _("Chưa rà soát")
    CONFIRMED = "confirmed", _("Đúng, giữ nguyên")
    CORRECTED = "corrected", _("Sai, đã hủy để xếp loại lại")


class RecheckQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RecheckQuerySet":
        """Those who manage the committee that opened it (the results it covers are theirs to
        read), and the managers of any unit asked to re-check."""
        access = access_for(user)
        if access.everything:
            return self
        tasks = RecheckTask.objects.visible_to(user).values("campaign_id")
        return self.filter(paths_q(access.audit_paths, "unit__path") | models.Q(pk__in=tasks))


class RecheckCampaign(BaseModel):
    """A re-check of one past year's published results over a committee's subtree, with a
    deadline; one task per competent level that decided results in the subtree."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("cấp ủy tổ chức rà soát"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm được rà soát"))
    title = models.CharField(_("tên đợt rà soát"), max_length=255)
    document_number = models.CharField(_("số văn bản chỉ đạo"), max_length=60, blank=True)
    instructions = models.TextField(_("nội dung, yêu cầu rà soát"), blank=True)
    deadline = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=RecheckStatus.choices, default=RecheckStatus.OPEN
    )
    closing_note = models.TextField(_("kết luận khi kết thúc"), blank=True)
    closed_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RecheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("đợt rà soát kết quả xếp loại")
        verbose_name_plural = _("đợt rà soát kết quả xếp loại")
        ordering = ["-year", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("classification:recheck-detail", args=[self.pk])


class RecheckTaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RecheckTaskQuerySet":
        """As the ratings it lists: the managers of the unit's subtree (not its members)."""
        access = access_for(user)
        if access.everything:
            return self
        return self.filter(paths_q(access.audit_paths, "unit__path"))


class RecheckTask(BaseModel):
    """What one competent level has to re-check: the results it decided in the year."""

    campaign = models.ForeignKey(
        RecheckCampaign,
        verbose_name=_("đợt rà soát"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("cấp đã quyết định"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=RecheckTaskStatus.choices,
        default=RecheckTaskStatus.OPEN,
    )
    report = models.TextField(_("báo cáo kết quả rà soát"), blank=True)
    reported_on = models.DateField(_("ngày báo cáo"), null=True, blank=True)

    objects = RecheckTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhiệm vụ rà soát của đơn vị")
        verbose_name_plural = _("nhiệm vụ rà soát của đơn vị")
        ordering = ["campaign", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="classification_recheck_unit")
        ]

    def __str__(self) -> str:
        return _("Rà soát của %(u)s") % {"u": self.unit}

    def get_absolute_url(self) -> str:
        return reverse("classification:recheck-task", args=[self.pk])


class RecheckItem(BaseModel):
    """One published result to re-check: pending, confirmed as correct, or corrected — the
    result cancelled by the directly higher committee (Mẫu 03), the old level kept with the
    reason, and the level the re-check found right until the re-rating decides."""

    task = models.ForeignKey(
        RecheckTask, verbose_name=_("nhiệm vụ"), on_delete=models.PROTECT, related_name="items"
    )
    rating = models.ForeignKey(
        "classification.Rating",
        verbose_name=_("kết quả được rà soát"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    before_level = models.CharField(
        _("mức đã công khai"), max_length=20, choices=rules.LEVEL_CHOICES
    )
    outcome = models.CharField(
        _("kết quả rà soát"),
        max_length=10,
        choices=RecheckOutcome.choices,
        default=RecheckOutcome.PENDING,
    )
    found_level = models.CharField(
        _("mức đúng theo rà soát"), max_length=20, choices=rules.LEVEL_CHOICES, blank=True
    )
    note = models.TextField(_("nhận xét, lý do"), blank=True)
    rerating = models.ForeignKey(
        "classification.Rating",
        verbose_name=_("xếp loại lại"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_on = models.DateField(_("ngày rà soát"), null=True, blank=True)

    class Meta:
        verbose_name = _("kết quả được rà soát")
        verbose_name_plural = _("kết quả được rà soát")
        ordering = ["task", "pk"]
        indexes = [models.Index(fields=["task", "outcome"], name="classification_recheck_out")]
        constraints = [
            models.UniqueConstraint(fields=["task", "rating"], name="classification_recheck_once")
        ]

    def __str__(self) -> str:
        return str(self.rating)

    @property
    def before_short(self) -> str:
        return rules.short(self.before_level)

    @property
    def after_level(self) -> str:
        """The corrected level: the re-rating's decision once taken, else what the re-check
        found."""
        if self.rerating is not None and self.rerating.decided_level:
            return self.rerating.decided_level
        return self.found_level

    @property
    def after_short(self) -> str:
        return rules.short(self.after_level) if self.after_level else ""
