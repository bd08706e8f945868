"""Pre-aggregated campaign figures per (cycle, unit subtree) and the change records feeding them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import ReviewCycle


class CycleSummary(models.Model):
    """Totals of every metric over one unit's subtree in one cycle (kept by the merge worker)."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="summaries")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="summaries")
    # The unit's path, copied so a subtree's rows are one indexed range and scoping needs no join.
    unit_path = models.CharField(max_length=255)
    # The unit's depth (as Unit.depth): a unit's children are one index range (depth + 1, prefix).
    depth = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    # One column per metric of metrics.METRICS (a test checks the two lists agree).
    units_expected = models.BigIntegerField(default=0)
    reviews_expected = models.BigIntegerField(default=0)
    reviews_submitted = models.BigIntegerField(default=0)
    conferences_held = models.BigIntegerField(default=0)
    plans_expected = models.BigIntegerField(default=0)
    plans_on_time = models.BigIntegerField(default=0)
    plans_late = models.BigIntegerField(default=0)
    plans_missing = models.BigIntegerField(default=0)
    plans_returned = models.BigIntegerField(default=0)
    plans_accepted = models.BigIntegerField(default=0)
    items_total = models.BigIntegerField(default=0)
    items_done = models.BigIntegerField(default=0)
    items_overdue = models.BigIntegerField(default=0)
    findings_total = models.BigIntegerField(default=0)
    findings_resolved = models.BigIntegerField(default=0)
    findings_carried = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("số liệu tổng hợp đợt kiểm điểm")
        verbose_name_plural = _("số liệu tổng hợp đợt kiểm điểm")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="dashboard_summary_unique")
        ]
        indexes = [
            models.Index(
                fields=["cycle", "unit_path"],
                name="dashboard_summary_path_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # serves selectors.summaries_of_branch: the children of a unit (drill-down table)
            models.Index(
                fields=["cycle", "depth", "unit_path"],
                name="dashboard_summary_depth_idx",
                opclasses=["int8_ops", "int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.unit_path}"

    def figures(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in METRIC_NAMES}


class ReminderKind(models.TextChoices):
    PLAN_DUE = "plan_due", _("Kế hoạch khắc phục sắp đến hạn nộp")
    ITEM_OVERDUE = "item_overdue", _("Nội dung khắc phục quá hạn")


class Reminder(models.Model):
    """A reminder e-mail the worker has sent; the unique key makes each one go out only once."""

    # kind:object:deadline:user, e.g. "plan_due:plan=12:due=2026-02-15:user=3"; a new deadline
    # gives a new key, so a moved deadline is reminded again.
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("loại nhắc việc"), max_length=20, choices=ReminderKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("thư nhắc việc đã gửi")
        verbose_name_plural = _("thư nhắc việc đã gửi")

    def __str__(self) -> str:
        return self.key
